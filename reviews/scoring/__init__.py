"""Pure scoring functions for the review and selection pages (no database access).

- :mod:`.weighted` — the weighted total of one review (N/A left out, 0–10 scale);
- :mod:`.stats` — count, means, median, spread and disagreement per application,
  vectorised over a whole call;
- :mod:`.calibration` — calibrated scores correcting reviewer leniency, with the
  diagnostics that say when the data are too thin;
- :mod:`.robustness` — ranks under each score and leave-one-review-out crossings
  of the funding line;
- :mod:`.tiebreak` — the call's written tie-break order, with the deciding rule.

The review models and selectors call these with plain values and arrays.
"""

from .calibration import CalibrationResult, CalibrationThresholds, calibrate
from .robustness import RobustnessReport, analyse
from .stats import summarise, summarise_groups
from .tiebreak import TieCandidate, break_ties
from .weighted import CriterionSpec, weighted_total

__all__ = [
    "CalibrationResult",
    "CalibrationThresholds",
    "CriterionSpec",
    "RobustnessReport",
    "TieCandidate",
    "analyse",
    "break_ties",
    "calibrate",
    "summarise",
    "summarise_groups",
    "weighted_total",
]
