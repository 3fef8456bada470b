"""Reading and writing scenario files.

:func:`load_scenario` reads any supported format (detected from the extension and the
content, or named with ``format=``) and :func:`save_scenario` writes the native YAML and the
long-form CSV and XLSX tables. Every problem with a file is an
:class:`~detente.errors.InputError` naming the file, the line, row or field, what is wrong and
what is allowed; readers warn with :class:`~detente.errors.InputNotice` when they change or
assume something (a rescale of saliences). Input files are only ever read, and every file
detente writes goes through :func:`detente.io.safe_write.write_output`, which never writes
over a file the run read (not even through a link or a hard link), never through a
symbolic link, and writes atomically.

=========  ==============================================================  =====  =====
format     what                                                            read   write
=========  ==============================================================  =====  =====
yaml       native detente scenario (:mod:`detente.io.yaml_io`)             yes    yes
csv        long table, one row per stance (:mod:`detente.io.table`)        yes    yes
xlsx       the same table in a workbook (:mod:`detente.io.table`)          yes    yes
bdm        BDM/Scholz ``Actor,Capability,Position,Salience`` (:mod:`.bdm`)  yes    no
decide     decide's ``#A/#P/#M/#D`` records (:mod:`detente.io.decide`)     yes    no
ktab       KTAB SMP CSV (:mod:`detente.io.ktab`)                           yes    no
deu        DEU dataset CSV (:mod:`detente.io.deu`)                         yes    no
=========  ==============================================================  =====  =====
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io.common import DEFAULT_MAX_BYTES, check_file
from detente.io.detect import FORMAT_HELP, FORMATS, detect, detect_format, deu_module
from detente.io.safe_write import write_output
from detente.scenario import Scenario

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "FORMAT_HELP",
    "WRITE_FORMATS",
    "detect_format",
    "load_scenario",
    "save_scenario",
]

#: formats :func:`save_scenario` writes
WRITE_FORMATS = ("yaml", "csv", "xlsx")

_SUFFIX_FORMAT = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}


def _check_format(fmt: str, allowed: tuple[str, ...], where: str) -> str:
    name = fmt.strip().lower()
    if name not in allowed:
        raise InputError(f"unknown format {fmt!r}", where=where, allowed=", ".join(allowed))
    return name


def _parser(fmt: str) -> Callable[[str, str, str], Scenario]:
    if fmt == "yaml":
        from detente.io.yaml_io import parse_yaml

        return lambda text, source, _id: parse_yaml(text, source)
    if fmt == "csv":
        from detente.io.table import parse_csv

        return parse_csv
    if fmt == "bdm":
        from detente.io.bdm import parse_bdm

        return parse_bdm
    if fmt == "decide":
        from detente.io.decide import parse_decide

        return parse_decide
    from detente.io.ktab import parse_ktab

    return parse_ktab


def load_scenario(
    path: str | Path,
    format: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    **options: Any,
) -> Scenario:
    """Read a scenario from a file in any supported format.

    Parameters
    ----------
    path:
        The file. It is only read, never written.
    format:
        One of :data:`FORMATS`; detected from the extension and content when None.
    max_bytes:
        Files larger than this are refused (default 50 MB).
    options:
        Passed to the DEU reader (e.g. which issue to take); other formats take none.
    """
    if format is not None:
        format = _check_format(format, FORMATS, "--format")
    source = str(path)
    text: str | None = None
    if format is None:
        format, text = detect(path, max_bytes=max_bytes)
    else:
        check_file(path, max_bytes)
    if options and format != "deu":
        raise InputError(
            f"the {format} reader takes no options ({', '.join(sorted(options))})",
            source=source,
            allowed="options only for the deu format",
        )
    if format == "deu":
        deu = deu_module()
        if deu is None:
            raise InputError(
                "the DEU reader is not available in this installation",
                source=source,
                allowed=", ".join(f for f in FORMATS if f != "deu"),
            )
        return deu.read_deu(path, **options)  # type: ignore[attr-defined]
    if format == "xlsx":
        from detente.io.table import read_xlsx

        return read_xlsx(path, max_bytes=max_bytes)
    if text is None:
        from detente.io.common import read_text

        text = read_text(path, max_bytes)
    return _parser(format)(text, source, Path(path).stem)


def save_scenario(
    scenario: Scenario,
    path: str | Path,
    format: str | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a scenario as native YAML, or as a long-form CSV or XLSX table.

    The format comes from ``format`` or the extension (``.yaml``/``.yml``, ``.csv``,
    ``.xlsx``). An existing file is refused unless ``overwrite=True``; a file this process
    read as input, and a symbolic link, are refused always. The file is written to a
    temporary name beside it and then renamed, so a failed write leaves no partial file
    (:func:`detente.io.safe_write.write_output`). Returns the path written.
    """
    p = Path(path)
    if format is None:
        fmt = _SUFFIX_FORMAT.get(p.suffix.lower())
        if fmt is None:
            raise InputError(
                f"cannot tell the format to write from the extension {p.suffix or '(none)'!r}",
                source=str(path),
                allowed="a .yaml, .yml, .csv or .xlsx file name, or format= "
                + ", ".join(WRITE_FORMATS),
            )
    else:
        fmt = _check_format(format, WRITE_FORMATS, "format")
    data: str | Callable[[Path], object]
    if fmt == "yaml":
        from detente.io.yaml_io import dump_yaml

        data = dump_yaml(scenario)
    elif fmt == "csv":
        from detente.io.table import csv_text

        data = csv_text(scenario)
    else:
        from detente.io.table import xlsx_writer

        data = xlsx_writer(scenario)
    return write_output(p, data, overwrite=overwrite, overwrite_hint="overwrite=True")
