"""The weighted total of one review: the only place where criterion scores are combined.

The total is reported on a common 0–10 scale, whatever the criteria's own scales:

    total = 10 × Σ wᵢ · (sᵢ − minᵢ) / (maxᵢ − minᵢ)  /  Σ wᵢ

where the sums run over the criteria the reviewer scored. A criterion marked
"not applicable" (``None``) is left out of *both* sums: it neither counts as
zero nor as the best mark, the total is the weighted mean of the other
criteria. When every criterion is N/A there is no total (``None``).

Why the common scale: calls may mix scales (0–5 on one criterion, 1–10 on
another) and editions may change them; normalising each criterion to [0, 1]
before weighting makes the weights mean what they say and keeps totals
comparable across calls. Multiplying every weight by a constant, or
stretching a criterion's scale together with its scores, leaves the total
unchanged.

Arithmetic is done in :class:`decimal.Decimal` (floats are converted through
their shortest ``repr``, so ``0.1`` is ``Decimal("0.1")``, not its binary
expansion) and the result is rounded once, at the end, to ``places`` decimals
with ``ROUND_HALF_UP`` (2.345 → 2.35), which is what people reading the figure
expect. Pass ``places=None`` to get the unrounded value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

Number = Decimal | int | float

OUT_OF = Decimal(10)
DEFAULT_PLACES = 2


@dataclass(frozen=True)
class CriterionSpec:
    """What the total needs to know about a criterion (mirrors calls.Criterion)."""

    id: Hashable
    weight: Number = 1
    scale_min: Number = 0
    scale_max: Number = 5

    @classmethod
    def from_criterion(cls, criterion) -> CriterionSpec:
        """Build from any object with ``pk``/``weight``/``scale_min``/``scale_max``."""
        return cls(
            id=criterion.pk,
            weight=criterion.weight,
            scale_min=criterion.scale_min,
            scale_max=criterion.scale_max,
        )

    @property
    def width(self) -> Decimal:
        return to_decimal(self.scale_max) - to_decimal(self.scale_min)


def to_decimal(value: Number) -> Decimal:
    """Convert a score, weight or bound to Decimal without binary noise."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a score")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise TypeError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def normalised(value: Number, criterion: CriterionSpec) -> Decimal:
    """A score of ``criterion`` mapped to [0, 1]; raises ValueError outside the scale."""
    width = criterion.width
    if width <= 0:
        raise ValueError(f"criterion {criterion.id!r}: the scale is empty")
    low = to_decimal(criterion.scale_min)
    score = to_decimal(value)
    if not low <= score <= low + width:
        raise ValueError(
            f"criterion {criterion.id!r}: score {value} outside "
            f"[{criterion.scale_min}, {criterion.scale_max}]"
        )
    return (score - low) / width


def weighted_total(
    scores: Mapping[Hashable, Number | None],
    criteria: Iterable[CriterionSpec],
    *,
    places: int | None = DEFAULT_PLACES,
    out_of: Number = OUT_OF,
) -> Decimal | None:
    """The review's weighted total on a 0–``out_of`` scale, or None when all are N/A.

    ``scores`` maps each criterion id to its score or ``None`` (N/A). Every
    criterion of ``criteria`` must appear in ``scores`` (an unfinished review
    has no total) and no other key may appear; both raise ValueError, as do
    scores outside their scale and non-positive weights.
    """
    criteria = list(criteria)
    known = {criterion.id for criterion in criteria}
    if len(known) != len(criteria):
        raise ValueError("criterion ids must be unique")
    missing = known.difference(scores)
    if missing:
        raise ValueError(f"no score (nor N/A) for criteria {sorted(map(str, missing))}")
    unknown = set(scores).difference(known)
    if unknown:
        raise ValueError(f"scores for unknown criteria {sorted(map(str, unknown))}")

    with localcontext() as ctx:
        ctx.prec = 28
        numerator = Decimal(0)
        denominator = Decimal(0)
        for criterion in criteria:
            weight = to_decimal(criterion.weight)
            if weight <= 0:
                raise ValueError(f"criterion {criterion.id!r}: weight must be positive")
            value = scores[criterion.id]
            if value is None:
                continue
            numerator += weight * normalised(value, criterion)
            denominator += weight
        if denominator == 0:
            return None
        total = to_decimal(out_of) * numerator / denominator
        if places is None:
            return total
        return total.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
