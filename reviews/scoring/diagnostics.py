"""Whether the data can support a calibration, and why not: the reviewers' graph (which
reviewers share applications), how many reviews each has, and the thresholds. Used by
:func:`reviews.scoring.calibration.calibrate`; the reasons are translatable messages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .links import WeakLink
from .variance import VarianceEstimate


class ReasonCode:
    """Stable codes for why calibration is not supported (templates and tests use them)."""

    NO_REVIEWS = "no_reviews"
    NO_SHARED_APPLICATIONS = "no_shared_applications"
    DISCONNECTED = "disconnected"
    THIN_REVIEWERS = "thin_reviewers"
    THIN_OVERALL = "thin_overall"
    ISOLATED_REVIEWERS = "isolated_reviewers"  # a note, not a blocking reason
    WEAK_LINKS = "weak_links"  # a note, not a blocking reason


@dataclass(frozen=True)
class Reason:
    code: str
    message: Promise  # translatable, rendered in the reader's language

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CalibrationThresholds:
    """When the data are too thin to calibrate.

    - a reviewer with fewer than ``min_reviews_per_reviewer`` reviews is "thin";
      calibration is refused when more than ``max_thin_fraction`` of the
      reviewers are thin;
    - or when reviewers wrote fewer than ``min_mean_reviews_per_reviewer``
      reviews each on average;
    - or when the reviewer–application graph falls apart into two or more
      groups of at least two reviewers each (their scores cannot be compared),
      or no two reviewers share an application at all.

    A reviewer alone in their group (sharing no application with anyone) is
    reported as a note: their applications keep uncorrected scores (leniency 0).
    """

    min_reviews_per_reviewer: int = 3
    max_thin_fraction: float = 0.25
    min_mean_reviews_per_reviewer: float = 3.0


@dataclass(frozen=True)
class Diagnostics:
    supported: bool
    reasons: tuple[Reason, ...]  # why not supported (empty when supported)
    notes: tuple[Reason, ...]  # worth saying, not blocking
    n_reviews: int
    n_applications: int
    n_reviewers: int
    mean_reviews_per_reviewer: float
    thin_reviewers: tuple  # reviewer ids with fewer reviews than the threshold
    n_components: int
    component_sizes: tuple[tuple[int, int], ...]  # (applications, reviewers), largest first
    isolated_reviewers: tuple  # reviewer ids sharing no application with another reviewer
    uncorrected_applications: tuple  # application ids reviewed only by isolated reviewers
    weak_links: tuple[WeakLink, ...] = ()  # single links that carry a whole group's offset
    variance: VarianceEstimate | None = None  # set once the model is fitted
    exact_errors: bool = False  # standard errors from the exact inverse of the system

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    @property
    def weak_link_note(self) -> Reason | None:
        return next((n for n in self.notes if n.code == ReasonCode.WEAK_LINKS), None)

    @property
    def other_notes(self) -> tuple[Reason, ...]:
        return tuple(n for n in self.notes if n.code != ReasonCode.WEAK_LINKS)

    @property
    def headline(self) -> Promise:
        if self.supported:
            return _("Calibrated scores correct each reviewer’s leniency or severity.")
        return _("The data are too thin to calibrate: raw figures only.")


def diagnose(
    *,
    app_ids: np.ndarray,
    reviewer_ids: np.ndarray,
    reviews_per_reviewer: np.ndarray,
    n_components: int,
    app_labels: np.ndarray,
    reviewer_labels: np.ndarray,
    thresholds: CalibrationThresholds,
    weak_links: tuple[WeakLink, ...] = (),
) -> Diagnostics:
    """Decide whether the review graph and the reviewers' loads support calibration."""
    n_apps, n_revs = len(app_ids), len(reviewer_ids)
    n_reviews = int(reviews_per_reviewer.sum())
    apps_per_component = np.bincount(app_labels, minlength=n_components)
    revs_per_component = np.bincount(reviewer_labels, minlength=n_components)
    order = np.lexsort((-apps_per_component, -revs_per_component))
    sizes = tuple((int(apps_per_component[c]), int(revs_per_component[c])) for c in order)
    lone = revs_per_component == 1
    isolated = reviewer_ids[lone[reviewer_labels]] if n_revs else reviewer_ids
    uncorrected = app_ids[lone[app_labels]] if n_apps else app_ids
    n_groups = int(np.sum(revs_per_component >= 2))
    thin = reviewer_ids[reviews_per_reviewer < thresholds.min_reviews_per_reviewer]
    mean_load = n_reviews / n_revs if n_revs else 0.0

    reasons = _graph_reasons(n_reviews, n_groups) + _load_reasons(
        n_revs, len(thin), mean_load, thresholds
    )
    notes = _notes(len(isolated), len(weak_links), n_groups)
    return Diagnostics(
        supported=not reasons,
        reasons=tuple(reasons),
        notes=tuple(notes),
        n_reviews=n_reviews,
        n_applications=n_apps,
        n_reviewers=n_revs,
        mean_reviews_per_reviewer=mean_load,
        thin_reviewers=tuple(thin.tolist()),
        n_components=int(n_components),
        component_sizes=sizes,
        isolated_reviewers=tuple(isolated.tolist()),
        uncorrected_applications=tuple(uncorrected.tolist()),
        weak_links=weak_links,
    )


def _graph_reasons(n_reviews: int, n_groups: int) -> list[Reason]:
    """Why the review graph cannot support calibration, if it cannot."""
    reasons: list[Reason] = []
    if n_reviews == 0:
        reasons.append(Reason(ReasonCode.NO_REVIEWS, _("There are no reviews to calibrate.")))
    elif n_groups == 0:
        reasons.append(
            Reason(
                ReasonCode.NO_SHARED_APPLICATIONS,
                _("No two reviewers share an application, so their leniencies cannot be compared."),
            )
        )
    elif n_groups > 1:
        reasons.append(
            Reason(
                ReasonCode.DISCONNECTED,
                format_lazy(
                    _(
                        "The reviewers form {count} separate groups that share no "
                        "application; scores from different groups cannot be compared."
                    ),
                    count=n_groups,
                ),
            )
        )
    return reasons


def _load_reasons(
    n_revs: int, n_thin: int, mean_load: float, thresholds: CalibrationThresholds
) -> list[Reason]:
    """Why the reviewers' loads are too thin to estimate leniencies, if they are."""
    reasons: list[Reason] = []
    if n_revs and n_thin > thresholds.max_thin_fraction * n_revs:
        reasons.append(
            Reason(
                ReasonCode.THIN_REVIEWERS,
                format_lazy(
                    ngettext_lazy(
                        "{count} of {total} reviewers wrote fewer than {minimum} "
                        "reviews; their leniency cannot be estimated reliably.",
                        "{count} of {total} reviewers wrote fewer than {minimum} "
                        "reviews; their leniency cannot be estimated reliably.",
                        n_thin,
                    ),
                    count=n_thin,
                    total=n_revs,
                    minimum=thresholds.min_reviews_per_reviewer,
                ),
            )
        )
    if n_revs and mean_load < thresholds.min_mean_reviews_per_reviewer:
        reasons.append(
            Reason(
                ReasonCode.THIN_OVERALL,
                format_lazy(
                    _(
                        "Reviewers wrote {mean} reviews each on average; at least "
                        "{minimum} are needed to estimate leniencies."
                    ),
                    mean=f"{mean_load:.1f}",
                    minimum=f"{thresholds.min_mean_reviews_per_reviewer:g}",
                ),
            )
        )
    return reasons


def _notes(n_isolated: int, n_weak_links: int, n_groups: int) -> list[Reason]:
    """What limits a calibration that is still made."""
    notes: list[Reason] = []
    if n_isolated and n_groups:
        notes.append(
            Reason(
                ReasonCode.ISOLATED_REVIEWERS,
                format_lazy(
                    ngettext_lazy(
                        "{count} reviewer shares no application with another reviewer; "
                        "the scores of their applications are not corrected.",
                        "{count} reviewers share no application with another reviewer; "
                        "the scores of their applications are not corrected.",
                        n_isolated,
                    ),
                    count=n_isolated,
                ),
            )
        )
    if n_weak_links and n_groups:
        notes.append(
            Reason(
                ReasonCode.WEAK_LINKS,
                format_lazy(
                    ngettext_lazy(
                        "Groups of reviewers are compared through {count} single link "
                        "(one review, expert or application): the calibrated scores of one "
                        "group against the other rest on it and are uncertain.",
                        "Groups of reviewers are compared through {count} single links "
                        "(one review, expert or application each): the calibrated scores "
                        "of one group against another rest on them and are uncertain.",
                        n_weak_links,
                    ),
                    count=n_weak_links,
                ),
            )
        )
    return notes
