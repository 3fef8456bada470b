"""Forecasting models, found by name through :mod:`detente.models.registry`."""

from detente.models.base import Model, make_forecast
from detente.models.registry import available, get_model, register

__all__ = ["Model", "available", "get_model", "make_forecast", "register"]
