import itertools
import random
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from reviews.assignment.affinity import Profile, compute_affinity
from reviews.assignment.solver import SCALE, propose_assignment, spread_step
from reviews.assignment.unmet import CAPACITY_TAKEN, TOO_FEW_ELIGIBLE, TOTAL_CAPACITY_SHORT

# ------------------------------------------------------------- instances


@st.composite
def instances(draw, max_apps=4, max_experts=4, max_k=2, max_cap=3):
    n = draw(st.integers(1, max_apps))
    m = draw(st.integers(1, max_experts))
    apps = [f"A{i}" for i in range(n)]
    experts = [(f"E{j}", draw(st.integers(0, max_cap))) for j in range(m)]
    pairs = [(a, e) for a in apps for e, _cap in experts]
    affinity = {p: draw(st.integers(0, 20)) / 20 for p in pairs}
    if draw(st.booleans()):
        k = draw(st.integers(0, max_k))
    else:
        k = {a: draw(st.integers(0, max_k)) for a in apps}
    forbidden = {p for p in pairs if draw(st.integers(0, 9)) < 2}
    existing = {p for p in pairs if draw(st.integers(0, 9)) < 1}
    penalty = draw(st.sampled_from([0.0, 0.01, 0.1, 0.5]))
    return {
        "applications": apps,
        "experts": experts,
        "affinity": affinity,
        "k": k,
        "forbidden": forbidden,
        "existing": existing,
        "balance_penalty": penalty,
    }


def _setup(inst):
    """Per application the reviewers still needed, per expert the places left (as the
    solver defines them), and the existing pairs kept."""
    k = inst["k"] if isinstance(inst["k"], dict) else dict.fromkeys(inst["applications"], inst["k"])
    kept = inst["existing"] - inst["forbidden"]
    need = {a: max(k[a] - sum(1 for x, _e in kept if x == a), 0) for a in inst["applications"]}
    load0 = {e: sum(1 for _a, x in kept if x == e) for e, _cap in inst["experts"]}
    free = {e: max(cap - load0[e], 0) for e, cap in inst["experts"]}
    return k, kept, need, load0, free


def _allowed(inst, a, free):
    blocked = inst["forbidden"] | inst["existing"]
    return [e for e, _cap in inst["experts"] if (a, e) not in blocked and free[e] > 0]


def cost_of(inst, new_pairs):
    """The documented objective, computed independently of the solver's network."""
    _k, kept, _need, load0, _free = _setup(inst)
    apps, experts, aff = inst["applications"], inst["experts"], inst["affinity"]
    penalty = inst["balance_penalty"]
    step = spread_step(
        nodes=len(apps) + len(experts) + 2,
        balance_penalty=penalty,
        max_load=min(max(cap for _e, cap in experts), len(apps)),
    )
    cost = sum(SCALE - round(aff[p] * SCALE) for p in new_pairs)
    for a in apps:
        have = sum(1 for x, _e in kept if x == a)
        added = sum(1 for x, _e in new_pairs if x == a)
        cost += step * sum(range(have, have + added))
    for e, _cap in experts:
        added = sum(1 for _a, x in new_pairs if x == e)
        cost += sum(round(penalty * SCALE * t) for t in range(load0[e], load0[e] + added))
    return cost


def brute_force(inst):
    """(most reviews placeable, least cost among those) over every assignment."""
    _k, _kept, need, _load0, free = _setup(inst)
    choices = []
    for a in inst["applications"]:
        allowed = _allowed(inst, a, free)
        options = [
            combo
            for size in range(min(need[a], len(allowed)) + 1)
            for combo in itertools.combinations(allowed, size)
        ]
        choices.append([[(a, e) for e in combo] for combo in options])
    best = None
    for picked in itertools.product(*choices):
        pairs = [p for group in picked for p in group]
        loads = {}
        for _a, e in pairs:
            loads[e] = loads.get(e, 0) + 1
        if any(loads[e] > free[e] for e in loads):
            continue
        key = (-len(pairs), cost_of(inst, pairs))
        best = key if best is None or key < best else best
    return -best[0], best[1]


def max_placeable(inst):
    """Independent check of coverage: scipy's maximum flow on the plain network."""
    _k, _kept, need, _load0, free = _setup(inst)
    apps, experts = inst["applications"], [e for e, _c in inst["experts"]]
    n, m = len(apps), len(experts)
    source, sink = n + m, n + m + 1
    rows, cols, caps = [], [], []
    for i, a in enumerate(apps):
        rows.append(source), cols.append(i), caps.append(need[a])
        for e in _allowed(inst, a, free):
            rows.append(i), cols.append(n + experts.index(e)), caps.append(1)
    for j, e in enumerate(experts):
        rows.append(n + j), cols.append(sink), caps.append(free[e])
    graph = sparse.csr_matrix(
        (np.array(caps, dtype=np.int32), (rows, cols)), shape=(n + m + 2, n + m + 2)
    )
    return maximum_flow(graph, source, sink).flow_value


# ---------------------------------------------------------- optimality


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_matches_brute_force_on_small_instances(inst):
    proposal = propose_assignment(**inst)
    placed, least_cost = brute_force(inst)
    new = [(p.application, p.expert) for p in proposal.new_pairs]
    assert len(new) == placed
    assert proposal.objective == least_cost
    assert cost_of(inst, new) == least_cost


def test_solver_matches_brute_force_on_four_by_four_with_k_two():
    rng = random.Random(5)
    for _ in range(25):
        apps = [f"A{i}" for i in range(4)]
        experts = [(f"E{j}", rng.randint(1, 3)) for j in range(4)]
        inst = {
            "applications": apps,
            "experts": experts,
            "affinity": {(a, e): rng.randint(0, 100) / 100 for a in apps for e, _c in experts},
            "k": 2,
            "forbidden": {(rng.choice(apps), rng.choice(experts)[0]) for _ in range(3)},
            "existing": {(apps[0], experts[0][0])},
            "balance_penalty": 0.05,
        }
        proposal = propose_assignment(**inst)
        assert (len(proposal.new_pairs), proposal.objective) == brute_force(inst)


def test_highest_total_affinity_wins_over_greedy_choice():
    proposal = propose_assignment(
        applications=["A", "B"],
        experts=[("X", 1), ("Y", 1)],
        affinity=np.array([[0.9, 0.8], [0.7, 0.1]]),
        k=1,
    )
    assert {(p.application, p.expert) for p in proposal.pairs} == {("A", "Y"), ("B", "X")}
    assert proposal.total_affinity == pytest.approx(1.5)
    assert proposal.is_complete


@pytest.mark.parametrize(("penalty", "loads"), [(0.0, {"X": 4, "Y": 0}), (0.05, {"X": 2, "Y": 2})])
def test_balancing_penalty_evens_the_loads(penalty, loads):
    apps = ["A", "B", "C", "D"]
    proposal = propose_assignment(
        applications=apps,
        experts=[("X", 4), ("Y", 4)],
        affinity={**{(a, "X"): 0.51 for a in apps}, **{(a, "Y"): 0.5 for a in apps}},
        k=1,
        balance_penalty=penalty,
    )
    assert proposal.loads == loads
    assert proposal.balance_cost == pytest.approx(
        penalty * sum(v * (v - 1) / 2 for v in loads.values())
    )


# ------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(instances(max_apps=12, max_experts=8, max_k=4, max_cap=6))
def test_caps_conflicts_and_existing_are_always_respected(inst):
    proposal = propose_assignment(**inst)
    k, kept, need, _load0, _free = _setup(inst)
    caps = dict(inst["experts"])
    pairs = [(p.application, p.expert) for p in proposal.pairs]

    assert len(pairs) == len(set(pairs))
    assert not set(pairs) & inst["forbidden"]
    assert {(p.application, p.expert) for p in proposal.pairs if p.existing} == kept
    assert set(proposal.dropped_existing) == inst["existing"] & inst["forbidden"]
    for e, cap in caps.items():
        existing_load = sum(1 for _a, x in kept if x == e)
        assert proposal.loads[e] == sum(1 for _a, x in pairs if x == e)
        assert proposal.loads[e] <= max(cap, existing_load)
    for a in inst["applications"]:
        assert proposal.coverage[a] == sum(1 for x, _e in pairs if x == a)
        assert proposal.coverage[a] <= max(k[a], sum(1 for x, _e in kept if x == a))
    assert len(proposal.new_pairs) == max_placeable(inst)

    unmet = {u.application: u for u in proposal.unmet}
    for a in inst["applications"]:
        short = max(k[a] - proposal.coverage[a], 0)
        assert (a in unmet) == (short > 0)
        if short:
            u = unmet[a]
            assert (u.required, u.missing) == (k[a], short)
            assert u.reason in {TOO_FEW_ELIGIBLE, TOTAL_CAPACITY_SHORT, CAPACITY_TAKEN}
            assert (u.reason == TOO_FEW_ELIGIBLE) == (u.eligible < need[a])
            assert u.message()


# ------------------------------------------------- infeasible, explained


def test_application_with_too_many_conflicts_is_explained():
    proposal = propose_assignment(
        applications=["A", "B"],
        experts=[("W", 5), ("X", 5), ("Y", 5), ("Z", 0)],
        affinity=np.full((2, 4), 0.5),
        k=2,
        forbidden={("A", "W"), ("A", "X")},
    )
    assert proposal.coverage == {"A": 1, "B": 2}
    (unmet,) = proposal.unmet
    assert (unmet.application, unmet.missing, unmet.reason) == ("A", 1, TOO_FEW_ELIGIBLE)
    assert (unmet.eligible, unmet.conflicted, unmet.full) == (1, 2, 1)
    assert unmet.message() == (
        "1 reviewer is missing: only 1 expert without a conflict has a free place "
        "(2 with a conflict, 1 already full)."
    )


def test_total_capacity_shortage_is_explained_and_spread():
    proposal = propose_assignment(
        applications=["A", "B", "C"],
        experts=[("X", 2), ("Y", 2)],
        affinity={("A", "X"): 1.0, ("A", "Y"): 1.0},
        k=2,
    )
    assert proposal.capacity_shortfall == 2
    assert sorted(proposal.coverage.values()) == [1, 1, 2]
    assert {u.reason for u in proposal.unmet} == {TOTAL_CAPACITY_SHORT}
    assert sorted(u.application for u in proposal.unmet) == sorted(
        a for a, c in proposal.coverage.items() if c == 1
    )
    message = proposal.unmet[0].message()
    assert message.endswith(
        "3 applications compete for the same 2 experts: they need 6 more reviews, "
        "4 can be placed; in total the experts have fewer places than reviews asked."
    )


def test_shortage_from_competition_names_the_bottleneck():
    # A and B may only use X (one place); C has plenty of others.
    proposal = propose_assignment(
        applications=["A", "B", "C"],
        experts=[("X", 1), ("Y", 5), ("Z", 5)],
        affinity=np.full((3, 3), 0.5),
        k=1,
        forbidden={("A", "Y"), ("A", "Z"), ("B", "Y"), ("B", "Z")},
    )
    assert proposal.capacity_shortfall == 0
    (unmet,) = proposal.unmet
    assert unmet.application in {"A", "B"}
    assert (unmet.reason, unmet.eligible) == (CAPACITY_TAKEN, 1)
    assert (unmet.group_applications, unmet.group_experts) == (2, 1)
    assert (unmet.group_needed, unmet.group_placed) == (2, 1)
    assert unmet.message() == (
        "1 reviewer is missing: 2 applications compete for the same expert: "
        "they need 2 more reviews, 1 can be placed."
    )


# --------------------------------------------------------- existing pairs


def test_existing_assignments_are_kept_and_count_towards_k_and_capacity():
    proposal = propose_assignment(
        applications=["A", "B"],
        experts=[("X", 1), ("Y", 2), ("Z", 2)],
        affinity=np.array([[0.1, 0.2, 0.9], [0.9, 0.5, 0.4]]),
        k=2,
        existing={("A", "X")},
    )
    pairs = {(p.application, p.expert): p.existing for p in proposal.pairs}
    assert pairs == {("A", "X"): True, ("A", "Z"): False, ("B", "Y"): False, ("B", "Z"): False}
    assert proposal.loads == {"X": 1, "Y": 1, "Z": 2}


def test_existing_pair_that_became_a_conflict_is_dropped_and_replaced():
    proposal = propose_assignment(
        applications=["A"],
        experts=[("X", 1), ("Y", 1)],
        affinity=np.array([[0.9, 0.1]]),
        k=1,
        existing={("A", "X")},
        forbidden={("A", "X")},
    )
    assert [(p.application, p.expert, p.existing) for p in proposal.pairs] == [("A", "Y", False)]
    assert proposal.dropped_existing == (("A", "X"),)


def test_dict_and_matrix_affinity_give_the_same_proposal():
    rng = np.random.default_rng(3)
    matrix = rng.random((6, 4))
    apps, experts = [f"A{i}" for i in range(6)], [(f"E{j}", 3) for j in range(4)]
    as_dict = {
        (a, e): matrix[i, j] for i, a in enumerate(apps) for j, (e, _c) in enumerate(experts)
    }
    first = propose_assignment(applications=apps, experts=experts, affinity=matrix, k=2)
    second = propose_assignment(applications=apps, experts=experts, affinity=as_dict, k=2)
    assert first.pairs == second.pairs


def test_a_huge_capacity_means_no_limit_without_a_huge_network():
    proposal = propose_assignment(
        applications=["A", "B"], experts=[("X", 10**9)], affinity=np.ones((2, 1)), k=1
    )
    assert proposal.loads == {"X": 2}
    assert proposal.is_complete


def test_no_application_or_no_expert():
    empty = propose_assignment(applications=[], experts=[("X", 2)], affinity={}, k=3)
    assert (empty.pairs, empty.unmet) == ((), ())
    nobody = propose_assignment(applications=["A"], experts=[], affinity={}, k=2)
    assert [(u.application, u.missing, u.reason) for u in nobody.unmet] == [
        ("A", 2, TOO_FEW_ELIGIBLE)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forbidden": {("A", "nobody")}}, "unknown"),
        ({"existing": {("ghost", "X")}}, "unknown"),
        ({"experts": [("X", 1), ("X", 2)]}, "duplicate"),
        ({"affinity": np.zeros((2, 2))}, "shape"),
        ({"k": {"B": 1}}, "k is not given"),
        ({"experts": [("X", -1)]}, "non-negative"),
        ({"affinity": np.array([[np.nan]])}, "NaN"),
    ],
)
def test_bad_input_is_refused(change, message):
    arguments = {"applications": ["A"], "experts": [("X", 1)], "affinity": np.ones((1, 1)), "k": 1}
    with pytest.raises(ValueError, match=message):
        propose_assignment(**{**arguments, **change})


# ------------------------------------------------------------ performance


def _synthetic_call(n=1000, m=300, seed=0):
    rng = random.Random(seed)
    topics = [[f"t{t}w{w}" for w in range(40)] for t in range(60)]
    keywords = [f"keyword {t}" for t in range(60)]

    def profile(pid, words, n_keywords):
        topic = rng.randrange(60)
        text = " ".join(
            rng.choices(topics[topic], k=words)
            + rng.choices(topics[rng.randrange(60)], k=words // 4)
        )
        return Profile(
            id=pid, keywords=[keywords[topic], *rng.sample(keywords, n_keywords - 1)], text=text
        )

    apps = [profile(f"A{i}", 200, 4) for i in range(n)]
    experts = [profile(f"E{j}", 80, 6) for j in range(m)]
    forbidden = {(f"A{rng.randrange(n)}", f"E{rng.randrange(m)}") for _ in range(3 * n)}
    return apps, experts, forbidden


@pytest.mark.timeout(120)
def test_thousand_applications_three_hundred_experts_three_reviewers_within_seconds():
    apps, experts, forbidden = _synthetic_call()
    started = time.perf_counter()
    affinity = compute_affinity(applications=apps, experts=experts)
    affinity_seconds = time.perf_counter() - started
    proposal = propose_assignment(
        applications=list(affinity.application_ids),
        experts=[(e, 12) for e in affinity.expert_ids],
        affinity=affinity.matrix,
        k=3,
        forbidden=forbidden,
    )
    total = time.perf_counter() - started
    print(
        f"\n1000 x 300 x 3: affinity {affinity_seconds:.2f} s, "
        f"solve {proposal.solve_seconds:.2f} s, total {total:.2f} s"
    )
    assert proposal.is_complete
    assert len(proposal.pairs) == 3000
    assert not {(p.application, p.expert) for p in proposal.pairs} & forbidden
    assert max(proposal.loads.values()) <= 12
    assert total < 10
