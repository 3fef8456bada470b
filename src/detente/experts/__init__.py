"""From experts to a scenario: questionnaires, combining several experts, and the
experts' own forecasts (Sprinz, Bueno de Mesquita, Kallbekken, Stokman, Saelen & Thomson
2016, "Predicting Paris", *Politics and Governance* 4(3)).

- :mod:`detente.experts.survey` writes the questionnaire workbook an expert fills;
- :mod:`detente.experts.combine` reads filled questionnaires and combines them into one
  scenario, with the experts' disagreement as uncertainty ranges and a report of it;
- :mod:`detente.experts.store` keeps the experts' own outcome forecasts in the scenario,
  for the ``experts`` model (:mod:`detente.models.experts`).

openpyxl is imported only when a workbook is written or read.
"""

from detente.experts.combine import Combined, Disagreement, ExpertFile, combine, read_expert_file
from detente.experts.store import ExpertForecast, expert_forecasts
from detente.experts.survey import Skeleton, load_base, write_survey, write_surveys

__all__ = [
    "Combined",
    "Disagreement",
    "ExpertFile",
    "ExpertForecast",
    "Skeleton",
    "combine",
    "expert_forecasts",
    "load_base",
    "read_expert_file",
    "write_survey",
    "write_surveys",
]
