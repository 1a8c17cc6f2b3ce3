"""Why an application of a proposal is short of reviewers, read from the residual network
of the optimal flow: too few experts without a conflict have a free place, or several
applications compete for the same full experts (and, when it is so, the experts have
fewer places in total than reviews asked)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy import sparse
from scipy.sparse import csgraph

TOO_FEW_ELIGIBLE = "too_few_eligible"


TOTAL_CAPACITY_SHORT = "total_capacity_short"


CAPACITY_TAKEN = "capacity_taken"


@dataclass(frozen=True)
class UnmetDemand:
    """An application that cannot get all its reviewers, and why.

    ``eligible``: experts who are neither conflicted nor already assigned to it and
    still have a free place before the solve; ``conflicted`` and ``full`` count the
    others. For ``capacity_taken`` (and ``total_capacity_short``) the group figures
    describe the bottleneck: ``group_applications`` applications, this one included,
    compete for the same ``group_experts`` experts, who are all full once the
    ``group_placed`` reviews that could be placed are placed, against
    ``group_needed`` reviews asked for.
    """

    application: Hashable
    required: int
    missing: int
    reason: str
    eligible: int
    conflicted: int
    full: int
    group_applications: int = 0
    group_experts: int = 0
    group_needed: int = 0
    group_placed: int = 0

    def message(self) -> str:
        short = ngettext(
            "%(n)d reviewer is missing", "%(n)d reviewers are missing", self.missing
        ) % {"n": self.missing}
        if self.reason == TOO_FEW_ELIGIBLE:
            why = ngettext(
                "only %(n)d expert without a conflict has a free place",
                "only %(n)d experts without a conflict have a free place",
                self.eligible,
            ) % {"n": self.eligible}
            why = _("%(why)s (%(conflicted)d with a conflict, %(full)d already full)") % {
                "why": why,
                "conflicted": self.conflicted,
                "full": self.full,
            }
        else:
            why = ngettext(
                "%(apps)d applications compete for the same expert",
                "%(apps)d applications compete for the same %(experts)d experts",
                self.group_experts,
            ) % {"apps": self.group_applications, "experts": self.group_experts}
            why = _("%(why)s: they need %(needed)d more reviews, %(placed)d can be placed") % {
                "why": why,
                "needed": self.group_needed,
                "placed": self.group_placed,
            }
            if self.reason == TOTAL_CAPACITY_SHORT:
                why = _("%(why)s; in total the experts have fewer places than reviews asked") % {
                    "why": why
                }
        return _("%(short)s: %(why)s.") % {"short": short, "why": why}


def explain_unmet(
    *, wanted, need, placed, free, arc_app, arc_exp, pair_flow, forbidden_ix, existing_ix, shortfall
) -> list[dict]:
    n = len(need)
    short = np.nonzero(placed < need)[0]
    if not len(short):
        return []
    group_of, groups = _bottlenecks(short, need, placed, free, arc_app, arc_exp, pair_flow)
    conflicted = np.bincount(np.array([i for i, _j in forbidden_ix], dtype=np.int64), minlength=n)
    full_before = free == 0
    full = np.full(n, int(full_before.sum()))
    for i, j in forbidden_ix | existing_ix:
        full[i] -= int(full_before[j])  # counted as conflicted or already assigned
    eligible_count = np.bincount(arc_app, minlength=n)
    result = []
    for i in short.tolist():
        eligible = int(eligible_count[i])
        if eligible < need[i]:
            reason = TOO_FEW_ELIGIBLE
        elif shortfall:
            reason = TOTAL_CAPACITY_SHORT
        else:
            reason = CAPACITY_TAKEN
        g = groups[group_of[i]]
        result.append(
            {
                "i": i,
                "required": int(wanted[i]),
                "missing": int(need[i] - placed[i]),
                "reason": reason,
                "eligible": eligible,
                "conflicted": int(conflicted[i]),
                "full": int(full[i]),
                "group_applications": g["apps"],
                "group_experts": g["experts"],
                "group_needed": g["needed"],
                "group_placed": g["placed"],
            }
        )
    return result


def _bottlenecks(short, need, placed, free, arc_app, arc_exp, pair_flow):
    """Application index -> its group, and each group's figures: the applications and
    full experts the short applications still reach in the residual graph of the optimal
    flow (apps 0..n-1, experts n..n+m-1, a virtual root n+m linked to every short
    application), in connected groups."""
    n, m = len(need), len(free)
    unused = pair_flow == 0
    used = ~unused
    tails = np.concatenate([arc_app[unused], arc_exp[used] + n, np.full(len(short), n + m)])
    heads = np.concatenate([arc_exp[unused] + n, arc_app[used], short])
    graph = sparse.csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n + m + 1, n + m + 1))
    reached = csgraph.breadth_first_order(graph, n + m, directed=True, return_predecessors=False)
    reached = reached[reached != n + m]
    sub = graph[reached][:, reached]
    _count, labels = csgraph.connected_components(sub, directed=False)
    group_of = dict(zip(reached.tolist(), labels.tolist(), strict=True))
    groups: dict[int, dict[str, int]] = {}
    for node, label in group_of.items():
        g = groups.setdefault(label, {"apps": 0, "experts": 0, "needed": 0, "placed": 0})
        if node < n:
            g["apps"] += 1
            g["needed"] += int(need[node])
            g["placed"] += int(placed[node])
        else:
            g["experts"] += 1
    return group_of, groups
