"""JSON without NaN or infinity: what detente's ``--json`` outputs and files hold.

Strict JSON parsers refuse ``NaN`` and ``Infinity`` (RFC 8259 §6), so every non-finite
number is written as ``null``; :func:`finite_json` also says where each one was, for a
notice.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite_json"]


def finite_json(obj: Any) -> tuple[Any, list[str]]:
    """``obj`` with every non-finite float (also NumPy's) replaced by ``None``, NumPy
    scalars and arrays made plain, and the paths of the replaced values."""
    import numpy as np

    bad: list[str] = []

    def clean(o: Any, path: str) -> Any:
        if isinstance(o, dict):
            return {k: clean(v, f"{path}.{k}" if path else str(k)) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v, f"{path}[{k}]") for k, v in enumerate(o)]
        if isinstance(o, np.ndarray):
            return clean(o.tolist(), path)
        if isinstance(o, float | np.floating):
            if not math.isfinite(float(o)):
                bad.append(path or "value")
                return None
            return float(o)
        if isinstance(o, np.bool_):
            return bool(o)
        if isinstance(o, np.integer):
            return int(o)
        return o

    return clean(obj, ""), bad
