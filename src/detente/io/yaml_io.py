"""Native YAML scenarios: exactly the pydantic structure of :class:`~detente.scenario.Scenario`.

Reading is ``Scenario.model_validate(yaml.safe_load(text))`` made safe and explicit:

- only YAML's safe constructors run; a tag that would build a Python object
  (``!!python/object``, ``!!python/name``...) or any unknown tag is refused with its line;
- a key given twice in one mapping is an error (plain YAML silently keeps the last one);
- anchors and aliases are allowed, but a document whose aliases expand beyond
  :data:`MAX_NODES` nodes is refused (an "alias bomb" would otherwise exhaust memory);
- validation errors are reported with the line of the offending value and the object it
  belongs to, e.g. ``line 42: stance 3 (USA on sanctions): salience must lie in [0, 1]``;
- saliences written on 0..100 throughout the file are divided by 100, with a notice
  (docs/scenarios.md), in stances, their uncertainty ranges and the variants' changes.

Writing dumps ``scenario.model_dump(mode="json", exclude_defaults=True)`` (plus the id, so
that a scenario keeps it), which loads back to an equal scenario.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    build_scenario,
    read_text,
    rescale_notice,
    salience_divisor,
)
from detente.scenario import Scenario

__all__ = ["MAX_NODES", "dump_yaml", "parse_yaml", "read_yaml"]

#: the most nodes a document may expand to once aliases are followed
MAX_NODES = 2_000_000

#: the characters YAML forbids in a stream (control characters other than tab and newlines,
#: surrogates, U+FFFE/U+FFFF), as PyYAML's reader checks them
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

_ALLOWED = "a YAML mapping with the fields of a detente scenario (id, actors, issues, stances...)"


# libyaml's parser when PyYAML was built with it (about 20 times faster), else pure Python;
# either way only the safe constructors run
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader: builds only plain data (mappings, lists, strings, numbers...)."""


def _tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _check_tree(root: Node, source: str) -> None:
    """Refuse duplicate keys, recursive aliases, and documents that expand to too many
    nodes through aliases."""
    memo: dict[int, int] = {}

    def size(node: Node) -> int:
        key = id(node)
        if key in memo:
            if memo[key] < 0:
                raise InputError(
                    "an alias refers to the mapping or list that contains it",
                    source=source,
                    where=f"line {_line(node)}",
                    allowed="aliases to values defined elsewhere, without cycles",
                )
            return memo[key]
        memo[key] = -1
        children: list[Node] = []
        if isinstance(node, MappingNode):
            _check_keys(node, source)
            for k, v in node.value:
                children.extend((k, v))
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        total = 1 + sum(size(c) for c in children)
        if total > MAX_NODES:
            raise InputError(
                f"the document expands to more than {MAX_NODES:,} values through its "
                "aliases (&anchor / *alias)",
                source=source,
                where=f"line {_line(node)}",
                allowed="a scenario that does not multiply itself through aliases",
            )
        memo[key] = total
        return total

    size(root)


def _check_keys(node: MappingNode, source: str) -> None:
    seen: dict[str, int] = {}
    for k, _ in node.value:
        if not isinstance(k, ScalarNode) or k.value == "<<":
            continue
        if k.value in seen:
            raise InputError(
                f"the key {k.value!r} is given twice in the same mapping "
                f"(first at line {seen[k.value]})",
                source=source,
                where=f"line {_line(k)}",
                allowed="each key once per mapping",
            )
        seen[k.value] = _line(k)


def _load(text: str, source: str) -> tuple[Any, Node | None]:
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        raise InputError(
            f"character {bad.group()!r} is not allowed in YAML",
            source=source,
            where=f"line {text.count(chr(10), 0, bad.start()) + 1}",
            allowed="printable text (no control characters)",
        )
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_tree(node, source)
        return loader.construct_document(node), node
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else None
        problem = exc.problem or "cannot construct a value"
        if "constructor for the tag" in problem:
            tag = problem.split("tag", 1)[1].strip().strip("'\"")
            tag = _tag(tag)
            if "python/" in tag:
                problem = (
                    f"refused: the YAML tag {tag} would construct a Python object; detente "
                    "loads YAML with safe loading only"
                )
            else:
                problem = f"unknown YAML tag {tag}"
            raise InputError(
                problem,
                source=source,
                where=where,
                allowed="plain YAML data: mappings, lists, strings, numbers, booleans, null",
            ) from None
        raise InputError(problem, source=source, where=where, allowed=_ALLOWED) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            ctx = exc.context_mark
            at = f" that starts at line {ctx.line + 1}" if ctx and ctx is not mark else ""
            problem += f" ({exc.context}{at})"
        raise InputError(problem, source=source, where=where, allowed="valid YAML") from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", source=source, allowed="valid YAML") from None
    except RecursionError:
        raise InputError(
            "the YAML is nested too deeply to read",
            source=source,
            allowed="a scenario nested a few levels deep",
        ) from None
    finally:
        loader.dispose()


def _describe(root: Node | None) -> Any:
    def describe(loc: tuple[str | int, ...]) -> str | None:
        node = root
        if node is None:
            return None
        for key in loc:
            nxt = None
            if isinstance(node, MappingNode) and isinstance(key, str):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == key:
                        nxt = v
                        break
            elif isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
                nxt = node.value[key]
            if nxt is None:
                break
            node = nxt
        return f"line {_line(node)}"

    return describe


def _rescale(data: dict[str, Any], source: str) -> None:
    """Divide 0..100 saliences by 100 in place (see :func:`salience_divisor`)."""
    stances = data.get("stances")
    if not isinstance(stances, list):
        return
    values = [
        float(s["salience"])
        for s in stances
        if isinstance(s, dict)
        and isinstance(s.get("salience"), int | float)
        and not isinstance(s.get("salience"), bool)
    ]
    if len(values) != len(stances) or any(not 0.0 <= v <= 100.0 for v in values):
        return  # not all numbers on 0..100: validation reports the values as written
    if salience_divisor(values) == 1.0:
        return
    for s in stances:
        s["salience"] = s["salience"] / 100.0
        unc = s.get("uncertainty")
        if isinstance(unc, dict) and isinstance(unc.get("salience"), list):
            unc["salience"] = [
                v / 100.0 if isinstance(v, int | float) else v for v in unc["salience"]
            ]
    for var in data.get("variants") or []:
        if not isinstance(var, dict):
            continue
        for ch in var.get("changes") or []:
            if isinstance(ch, dict) and isinstance(ch.get("salience"), int | float):
                ch["salience"] = ch["salience"] / 100.0
    rescale_notice(source, len(values))


def parse_yaml(text: str, source: str = "<yaml>") -> Scenario:
    """A scenario from native YAML text (see the module docstring for what is checked)."""
    data, root = _load(text, source)
    if data is None:
        raise InputError("the file is empty", source=source, allowed=_ALLOWED)
    if not isinstance(data, dict):
        raise InputError(
            f"the top level is a {type(data).__name__}, not a mapping",
            source=source,
            where="line 1",
            allowed=_ALLOWED,
        )
    _rescale(data, source)
    return build_scenario(data, source=source, describe=_describe(root))


def read_yaml(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A scenario from a native YAML (or JSON) file."""
    return parse_yaml(read_text(path, max_bytes), str(path))


def dump_yaml(scenario: Scenario) -> str:
    """The scenario as native YAML text; ``parse_yaml(dump_yaml(s)) == s``."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data = {"id": scenario.id, **data}
    head = "# detente scenario (native YAML; see the README for the format)\n"
    return head + yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
