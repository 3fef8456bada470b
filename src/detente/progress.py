"""Progress of a long model run, heard by whoever renders it.

Models never print (docs/design.md), yet a forecast of 2,000 actors on 50 issues takes
minutes, and the user should see it move. A model calls :func:`report` with the share of
its work done (0..1) and a short label; a front end that wants to hear it wraps the run in
:func:`listening` with a callback (the CLI draws a progress bar, the dashboard an
``st.progress``). With no listener, :func:`report` costs one context-variable read.

The listener lives in a :class:`contextvars.ContextVar`, so threads and concurrent runs
do not hear each other's progress, and no model signature changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Listener", "listening", "report"]

#: ``listener(share, label)``: share of the run done in [0, 1], label such as
#: ``"exchange: round 3 of 10"``
Listener = Callable[[float, str], None]

_listener: ContextVar[Listener | None] = ContextVar("detente_progress", default=None)


def report(share: float, label: str = "") -> None:
    """Tell the current listener, if any, that ``share`` (0..1) of the run is done."""
    listener = _listener.get()
    if listener is not None:
        listener(min(1.0, max(0.0, float(share))), label)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Within the block, :func:`report` calls go to ``listener`` (``None``: nobody)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
