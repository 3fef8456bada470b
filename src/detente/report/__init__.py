"""Charts, tables and the self-contained HTML report, shared with the dashboard."""

from detente.report.results import Results, run_models

__all__ = ["Results", "run_models"]
