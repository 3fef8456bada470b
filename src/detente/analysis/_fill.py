"""Compiled (numba) filling of one block of draws: uniform numbers to model input arrays.

For a plan whose inputs are all uniform (the default), one pass over a block turns each
draw's uniform numbers into values, ``clip(draw_low + u · width, valid_low, valid_high)``
(:mod:`detente.analysis.perturb`: a uniform draw on the range, censored at the valid range),
and writes each value into its cells of the position, salience and capability arrays.
NumPy needs a pass per operation and a gather-scatter per field for the same work (about
eight times as long on a block of the bundled scenario); the numbers are the same to the
last bit (the same IEEE operations in the same order: a product, a sum, a maximum and a
minimum; numba does not contract them into fused multiply-adds without ``fastmath``).

Time ``O(n · (K + C))`` for ``n`` draws, ``K`` inputs and ``C`` input cells; no memory
beyond its arguments. This module (and numba, about 0.3 s to import) is imported only for
chunks of draws large enough to repay it
(:data:`detente.analysis.perturb.COMPILED_MIN_DRAWS`); without numba, or with
``DETENTE_NO_NUMBA`` set, the NumPy path of
:meth:`~detente.analysis.perturb.PerturbationPlan.apply` does the work.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = ["ENABLED", "fill_uniform"]

try:  # numba is a core dependency; the guard keeps the NumPy path alive without it
    import numba as _numba
except ImportError:  # pragma: no cover - numba not installed
    _numba = None

#: whether the compiled fill is available (numba importable, ``DETENTE_NO_NUMBA`` unset)
ENABLED = _numba is not None and os.environ.get("DETENTE_NO_NUMBA") is None


def _fill(
    u: np.ndarray,
    values: np.ndarray,
    dlo: np.ndarray,
    width: np.ndarray,
    vlo: np.ndarray,
    vhi: np.ndarray,
    cells_pos: np.ndarray,
    cols_pos: np.ndarray,
    cells_sal: np.ndarray,
    cols_sal: np.ndarray,
    cells_cap: np.ndarray,
    cols_cap: np.ndarray,
    pos: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
) -> None:
    n, k = u.shape
    for d in range(n):
        for j in range(k):  # branch-free, so that it compiles to SIMD min/max
            values[d, j] = min(max(dlo[j] + u[d, j] * width[j], vlo[j]), vhi[j])
        for j in range(cells_pos.shape[0]):
            pos[d, cells_pos[j]] = values[d, cols_pos[j]]
        for j in range(cells_sal.shape[0]):
            sal[d, cells_sal[j]] = values[d, cols_sal[j]]
        for j in range(cells_cap.shape[0]):
            cap[d, cells_cap[j]] = values[d, cols_cap[j]]


if ENABLED:
    _fill = _numba.njit(cache=True, nogil=True)(_fill)


def fill_uniform(
    u: np.ndarray,
    values: np.ndarray,
    cache: dict[str, Any],
    work: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Fill one block (compiled when :data:`ENABLED`): ``u`` ``(n, K)`` uniform numbers,
    ``values`` ``(n, K)`` the values out (may be ``u``), ``work`` the ``(n, A, I)`` arrays
    whose input cells it writes; ``cache`` is the plan's array cache."""
    n = u.shape[0]
    pos, sal, cap = (x.reshape(n, -1) for x in work)
    _fill(
        u,
        values,
        cache["dlo"],
        cache["width"],
        cache["vlo"],
        cache["vhi"],
        cache["cells_position"],
        cache["cols_position"],
        cache["cells_salience"],
        cache["cols_salience"],
        cache["cells_capability"],
        cache["cols_capability"],
        pos,
        sal,
        cap,
    )
