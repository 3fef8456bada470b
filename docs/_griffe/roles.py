"""Griffe extension for the documentation site: detente's docstrings cross-reference with
reStructuredText roles (``:class:`~detente.forecasts.Forecast```), which Markdown would show
verbatim; the site shows the target as code instead (``Forecast``)."""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

_ROLE = re.compile(r":(?:py:)?(?:mod|class|func|meth|attr|data|obj|exc|const):`(~?)([^`]+)`")


def _plain(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


class Roles(Extension):
    """Rewrite reStructuredText roles in every docstring to inline code."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_plain, obj.docstring.value)
