"""Charts, tables and the self-contained HTML report, shared with the dashboard.

The forecasts they render come from :func:`detente.comparison.run_models`.
"""
