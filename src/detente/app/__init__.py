"""detente's Streamlit dashboard (``detente app``).

:mod:`detente.app.streamlit_app` is the page Streamlit runs; :mod:`detente.app.state` holds
the logic (uploads, edits, downloads, combining expert questionnaires, the run record)
and :mod:`detente.app.views` draws the tabs.
"""

from pathlib import Path

#: the script ``streamlit run`` is given
APP_FILE = Path(__file__).with_name("streamlit_app.py")

__all__ = ["APP_FILE"]
