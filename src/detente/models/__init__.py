"""Forecasting models, found by name through :mod:`detente.models.registry`.

:func:`compiled_kernels` switches every model's compiled (numba) kernels off or on (a
context manager too); :func:`compiled_kernels_enabled` says whether they are on.
"""

from detente.models._compiled import compiled_kernels, compiled_kernels_enabled
from detente.models.base import Model, make_forecast
from detente.models.registry import available, get_model, register

__all__ = [
    "Model",
    "available",
    "compiled_kernels",
    "compiled_kernels_enabled",
    "get_model",
    "make_forecast",
    "register",
]
