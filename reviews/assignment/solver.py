"""Reviewer assignment as an exact min-cost flow (OR-Tools ``SimpleMinCostFlow``).

Network: source -> application -> expert -> sink.

* source -> application: one unit arc per reviewer still needed; the r-th reviewer
  of an application costs ``spread_step * (r - 1)``, so that a shortage is spread
  over applications (when everything is covered this cost is the same for every
  solution and changes nothing);
* application -> expert: capacity 1, only for allowed pairs (not forbidden, not
  already assigned), cost ``SCALE - affinity * SCALE``;
* expert -> sink: one unit arc per free place, the t-th review of an expert
  costing ``balance_penalty * (t - 1)`` in affinity units (existing assignments
  count in t): a convex load cost, so loads stay even.

``balance_penalty`` is the one setting staff see, "how much fit may be traded for even
loads": moving one review from an expert with load L+d to one with load L lowers the
load cost by ``balance_penalty * (d - 1)``, so the proposal keeps such a gap only when
the move would lose more affinity than that. As an affinity is at most 1, no gap
wider than :func:`widest_gap` survives unless caps, conflicts or existing
assignments force it (0 turns balancing off: fit only).

``solve_max_flow_with_min_cost`` places as many reviews as possible and, among those
placements, finds the least cost. The priorities are strict: coverage, then
spreading a shortage, then affinity minus balancing. When some applications cannot
be covered the proposal is still the best partial one, and each short application
carries its reason, read from the residual network of the optimal flow.
"""

import time
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from reviews.assignment.unmet import UnmetDemand, explain_unmet

SCALE = 10_000  # affinity resolution: 1e-4
# Default "fit traded for even loads": a review moves from a reviewer two reviews above
# another as soon as that costs less than 0.25 of affinity.
DEFAULT_BALANCE = 0.25

Pair = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class ProposedPair:
    application: Hashable
    expert: Hashable
    affinity: float
    existing: bool = False


@dataclass(frozen=True)
class Proposal:
    pairs: tuple[ProposedPair, ...]
    loads: dict[Hashable, int]
    coverage: dict[Hashable, int]
    required: dict[Hashable, int]
    total_affinity: float
    balance_cost: float
    unmet: tuple[UnmetDemand, ...]
    capacity_shortfall: int
    dropped_existing: tuple[Pair, ...]
    solve_seconds: float
    objective: int = 0  # the integer cost minimised (for tests and audits)

    @property
    def is_complete(self) -> bool:
        return not self.unmet

    @property
    def new_pairs(self) -> tuple[ProposedPair, ...]:
        return tuple(p for p in self.pairs if not p.existing)


def _affinity_matrix(affinity, app_ids: Sequence, expert_ids: Sequence) -> np.ndarray:
    n, m = len(app_ids), len(expert_ids)
    if isinstance(affinity, Mapping):
        matrix = np.zeros((n, m))
        row = {a: i for i, a in enumerate(app_ids)}
        col = {e: j for j, e in enumerate(expert_ids)}
        for (a, e), value in affinity.items():
            if a in row and e in col:
                matrix[row[a], col[e]] = value
    else:
        matrix = np.asarray(affinity, dtype=float)
        if matrix.shape != (n, m):
            raise ValueError(f"affinity matrix has shape {matrix.shape}, expected {(n, m)}")
    if not np.isfinite(matrix).all():
        raise ValueError("affinity contains NaN or infinite values")
    return np.clip(matrix, 0.0, 1.0)


def _index(ids: Sequence, what: str) -> dict:
    index = {x: i for i, x in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError(f"duplicate {what} ids")
    return index


def _pair_indices(pairs: Collection[Pair], row: dict, col: dict, what: str) -> set[tuple[int, int]]:
    unknown = [p for p in pairs if p[0] not in row or p[1] not in col]
    if unknown:
        raise ValueError(f"{what} pairs name unknown applications or experts: {unknown[:5]}")
    return {(row[a], col[e]) for a, e in pairs}


@dataclass(frozen=True)
class _Flow:
    """The optimal flow read back on indices: pairs ``(i, j, existing)``, each expert's
    load and each application's coverage, what is short and why."""

    pairs: list[tuple[int, int, bool]]
    load: np.ndarray
    coverage: np.ndarray
    balance_cost: float
    unmet: list[dict]
    shortfall: int
    dropped: list[tuple[int, int]]
    objective: int


def _place_reviews(wanted, capacity, aff, forbidden_ix, existing_ix, balance_penalty) -> _Flow:
    """Keep the existing pairs not forbidden, place the reviews still needed by the
    min-cost flow, and explain what could not be placed."""
    n, m = len(wanted), len(capacity)
    dropped = sorted(existing_ix & forbidden_ix)
    kept = sorted(existing_ix - forbidden_ix)
    have = np.bincount(np.array([i for i, _j in kept], dtype=np.int64), minlength=n)
    existing_load = np.bincount(np.array([j for _i, j in kept], dtype=np.int64), minlength=m)
    need = np.maximum(wanted - have, 0)
    free = np.maximum(capacity - existing_load, 0)
    arc_app, arc_exp, slots = _allowed_arcs(need, free, forbidden_ix | existing_ix)
    pair_flow, objective = _optimal_flow(
        need, have, slots, existing_load, arc_app, arc_exp, aff, capacity, balance_penalty
    )
    demand = int(need.sum())
    chosen = np.nonzero(pair_flow)[0]
    pairs = [(i, j, True) for i, j in kept] + [(arc_app[x], arc_exp[x], False) for x in chosen]
    new_per_app = np.bincount(arc_app[chosen], minlength=n)
    load = existing_load + np.bincount(arc_exp[chosen], minlength=m)
    shortfall = max(demand - int(free.sum()), 0)
    unmet = explain_unmet(
        wanted=wanted,
        need=need,
        placed=new_per_app,
        free=free,
        arc_app=arc_app,
        arc_exp=arc_exp,
        pair_flow=pair_flow,
        forbidden_ix=forbidden_ix,
        existing_ix=existing_ix,
        shortfall=shortfall,
    )
    return _Flow(
        pairs=pairs,
        load=load,
        coverage=have + new_per_app,
        balance_cost=_added_load_cost(load, existing_load, balance_penalty),
        unmet=unmet,
        shortfall=shortfall,
        dropped=dropped,
        objective=objective,
    )


def propose_assignment(
    *,
    applications: Sequence[Hashable],
    experts: Sequence[tuple[Hashable, int]],
    affinity: Mapping[Pair, float] | np.ndarray,
    k: int | Mapping[Hashable, int] = 3,
    forbidden: Collection[Pair] = frozenset(),
    existing: Collection[Pair] = frozenset(),
    balance_penalty: float = DEFAULT_BALANCE,
) -> Proposal:
    """Best assignment of experts to applications; see the module docstring.

    ``affinity`` is a matrix aligned with ``applications`` x ``experts`` or a dict
    {(application, expert): value} (missing pairs score 0). ``existing`` pairs are
    kept and count towards k and the expert's capacity, except those also in
    ``forbidden``: they are left out, reported in ``dropped_existing`` and replaced.
    """
    started = time.perf_counter()
    app_ids = list(applications)
    expert_ids = [e for e, _cap in experts]
    row, col = _index(app_ids, "application"), _index(expert_ids, "expert")
    capacity = np.array([cap for _e, cap in experts], dtype=np.int64)
    wanted = _wanted(app_ids, k)
    if (capacity < 0).any() or (wanted < 0).any() or balance_penalty < 0:
        raise ValueError("capacities, k and balance_penalty must be non-negative")
    aff = _affinity_matrix(affinity, app_ids, expert_ids)

    forbidden_ix = _pair_indices(forbidden, row, col, "forbidden")
    existing_ix = _pair_indices(existing, row, col, "existing")
    flow = _place_reviews(wanted, capacity, aff, forbidden_ix, existing_ix, balance_penalty)
    proposed = [
        ProposedPair(app_ids[i], expert_ids[j], float(aff[i, j]), e) for i, j, e in flow.pairs
    ]
    return Proposal(
        pairs=tuple(proposed),
        loads={e: int(flow.load[j]) for j, e in enumerate(expert_ids)},
        coverage={a: int(flow.coverage[i]) for i, a in enumerate(app_ids)},
        required={a: int(wanted[i]) for i, a in enumerate(app_ids)},
        total_affinity=float(sum(p.affinity for p in proposed)),
        balance_cost=flow.balance_cost,
        unmet=tuple(UnmetDemand(application=app_ids[u.pop("i")], **u) for u in flow.unmet),
        capacity_shortfall=flow.shortfall,
        dropped_existing=tuple((app_ids[i], expert_ids[j]) for i, j in flow.dropped),
        solve_seconds=time.perf_counter() - started,
        objective=flow.objective,
    )


def _added_load_cost(load: np.ndarray, before: np.ndarray, balance_penalty: float) -> float:
    """What the load cost grows by from loads ``before`` to ``load``: the t-th review of
    an expert costs ``balance_penalty * (t - 1)``."""
    return balance_penalty * float((load * (load - 1)).sum() - (before * (before - 1)).sum()) / 2


def _optimal_flow(need, have, slots, load, arc_app, arc_exp, aff, capacity, balance_penalty):
    """The flow on each (application, expert) arc of the optimal solution, and its cost."""
    n, m = len(need), len(slots)
    arcs = _network(
        need=need,
        have=have,
        free=slots,
        load=load,
        arc_app=arc_app,
        arc_exp=arc_exp,
        pair_cost=SCALE - np.rint(aff[arc_app, arc_exp] * SCALE).astype(np.int64),
        step=spread_step(
            nodes=n + m + 2,
            balance_penalty=balance_penalty,
            max_load=min(int(capacity.max(initial=0)), n),
        ),
        balance_penalty=balance_penalty,
    )
    demand = int(need.sum())
    flows, objective = _solve(arcs, demand=demand, sink=n + m + 1)
    return flows[demand : demand + len(arc_app)], objective  # after the source arcs


def _wanted(app_ids: list[Hashable], k: int | Mapping[Hashable, int]) -> np.ndarray:
    """The number of reviewers each application asks for."""
    if isinstance(k, Mapping):
        missing_k = [a for a in app_ids if a not in k]
        if missing_k:
            raise ValueError(f"k is not given for applications {missing_k[:5]}")
        return np.array([k[a] for a in app_ids], dtype=np.int64)
    return np.full(len(app_ids), k, dtype=np.int64)


def _allowed_arcs(need: np.ndarray, free: np.ndarray, excluded: set[tuple[int, int]]):
    """The (application, expert) arcs of the network, and each expert's usable places:
    pairs neither forbidden nor existing, of an application still short and an expert
    with a free place."""
    allowed = np.ones((len(need), len(free)), dtype=bool)
    for i, j in excluded:
        allowed[i, j] = False
    allowed[need == 0, :] = False
    allowed[:, free == 0] = False
    arc_app, arc_exp = np.nonzero(allowed)
    # No expert can take more places than there are applications open to them
    # (a cap of 10**6 for "no limit" must not make a million arcs).
    slots = np.minimum(free, allowed.sum(axis=0))
    return arc_app, arc_exp, slots


def _solve(arcs, *, demand: int, sink: int) -> tuple[np.ndarray, int]:
    """The flow on every arc of the optimal solution, and its cost."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(*arcs)
    flow.set_nodes_supplies(np.array([0, sink]), np.array([demand, -demand]))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return flow.flows(np.arange(flow.num_arcs())), int(flow.optimal_cost())


def _network(
    *, need, have, free, load, arc_app, arc_exp, pair_cost, step, balance_penalty
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tails, heads, capacities and costs of every arc. Nodes: 0 the source,
    1..n the applications, n+1..n+m the experts, n+m+1 the sink."""
    n, m = len(need), len(free)
    sink = n + m + 1
    want_app = np.repeat(np.arange(n), need)
    slot_exp = np.repeat(np.arange(m), free)
    tails = [np.zeros(len(want_app), dtype=np.int64), arc_app + 1, slot_exp + 1 + n]
    heads = [want_app + 1, arc_exp + 1 + n, np.full(len(slot_exp), sink, dtype=np.int64)]
    slot_cost = np.rint(balance_penalty * SCALE * (load[slot_exp] + _ranks(free)))
    costs = [
        step * (have[want_app] + _ranks(need)),
        pair_cost,
        slot_cost.astype(np.int64),
    ]
    total = len(want_app) + len(arc_app) + len(slot_exp)
    return (
        np.concatenate(tails),
        np.concatenate(heads),
        np.ones(total, dtype=np.int64),
        np.concatenate(costs),
    )


def widest_gap(balance_penalty: float) -> int | None:
    """The widest load gap (most loaded minus least loaded reviewer with a free place) an
    optimal proposal can keep by affinity alone; ``None`` when balancing is off."""
    if balance_penalty <= 0:
        return None
    return 1 + int(np.floor(1 / balance_penalty + 1e-9))


def spread_step(*, nodes: int, balance_penalty: float, max_load: int) -> int:
    """Cost of each further reviewer of one application, larger than any cycle of
    affinity and balancing arcs can change: spreading a shortage comes strictly
    before affinity (a cycle has at most ``nodes`` arcs). ``max_load`` is the
    largest capacity, at most the number of applications."""
    largest_arc = SCALE + int(np.rint(balance_penalty * SCALE * max(max_load, 1)))
    return nodes * largest_arc + 1


def _ranks(counts: np.ndarray) -> np.ndarray:
    """[2, 0, 3] -> [0, 1, 0, 1, 2]: the rank of each unit within its owner's block."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
