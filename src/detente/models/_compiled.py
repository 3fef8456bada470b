"""Whether the models run their compiled (numba) kernels: one setting for the process.

Three models have a compiled kernel beside their NumPy one: expected utility
(:mod:`._eu_kernel` / :mod:`._eu_numba`), the spatial model and the Condorcet election
(:mod:`._smp_kernel`) and exchange (:mod:`._exchange_kernel`). The NumPy kernels are the
reference; the compiled ones give the same numbers (to the last bit, or within the
tolerance their tests state) faster. Every model reads this one setting when it runs::

    import detente.models as dm

    dm.compiled_kernels_enabled()        # True when numba is installed
    with dm.compiled_kernels(False):     # NumPy kernels inside the block
        ...
    dm.compiled_kernels(False)           # or switched off until switched on again

The default comes from the environment: ``DETENTE_NO_NUMBA`` set (to anything) keeps the
compiled kernels off for the whole process, and numba is then never imported; without it
they are on when numba is installed. Switching on cannot make them available where they
are not (``compiled_kernels(True)`` then leaves them off). The setting is process-wide, not
per thread (the kernels run on worker threads of their own); nested blocks restore the
state each found. Reading it imports nothing: ``import detente`` stays light.
"""

from __future__ import annotations

import os
import threading
from importlib.util import find_spec
from types import TracebackType

__all__ = ["available", "compiled_kernels", "compiled_kernels_enabled"]

_LOCK = threading.Lock()
_AVAILABLE: bool | None = None
#: what was asked for last (``None``: the default, on where available)
_REQUESTED: bool | None = None


def available() -> bool:
    """Whether compiled kernels can run here: numba installed and ``DETENTE_NO_NUMBA``
    unset (both read once, at the first question)."""
    global _AVAILABLE
    if _AVAILABLE is None:
        _AVAILABLE = os.environ.get("DETENTE_NO_NUMBA") is None and find_spec("numba") is not None
    return _AVAILABLE


def compiled_kernels_enabled() -> bool:
    """Whether the models use their compiled kernels now."""
    requested = _REQUESTED
    return available() and (requested is None or requested)


class compiled_kernels:
    """Switch the compiled kernels on or off for the process, at once.

    Used as a context manager, the state found at the call comes back when the block
    ends. ``enabled=True`` where they are not :func:`available` leaves them off.
    """

    def __init__(self, enabled: bool) -> None:
        global _REQUESTED
        with _LOCK:
            self._before = _REQUESTED
            _REQUESTED = bool(enabled)
        self.enabled = compiled_kernels_enabled()

    def __enter__(self) -> compiled_kernels:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        global _REQUESTED
        with _LOCK:
            _REQUESTED = self._before

    def __repr__(self) -> str:
        return f"compiled_kernels({self.enabled})"
