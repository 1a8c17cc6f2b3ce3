"""Weak links: groups of reviewers whose comparison rests on a single review, expert or
application.

The calibration compares reviewers through the applications they share. Two panels
joined by one review are "connected", so the model can be fitted, but the offset
between the panels is then estimated from that one review: its noise moves every
calibrated score of one panel against the other. In the graph whose vertices are the
applications and the reviewers and whose edges are the reviews, such a link is

- a **bridge** (a review whose removal splits the graph), or
- an **articulation point** (an expert or an application whose removal splits it),

that separates two parts each holding at least one reviewer and one application (a
reviewer with a single review, or an application with a single reviewer, is a leaf,
not a link between groups: the thin-data diagnostics speak of those). An articulation
point at the end of a weak bridge is not named again; a vertex at the end of two weak
bridges or more (an application read by one expert of each panel) is named instead of
its reviews.

Found in linear time by one depth-first search (Hopcroft–Tarjan low points), iterative
so that 50,000 reviews do not hit Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp


class LinkKind:
    REVIEW = "review"
    REVIEWER = "reviewer"
    APPLICATION = "application"


@dataclass(frozen=True)
class WeakLink:
    """The one review, reviewer or application that joins a group to the rest.

    ``reviewers`` and ``applications`` count the smaller side it separates."""

    kind: str
    reviewer_id: Hashable | None
    application_id: Hashable | None
    reviewers: int
    applications: int


def find_weak_links(
    app_codes: np.ndarray,
    reviewer_codes: np.ndarray,
    app_ids: np.ndarray,
    reviewer_ids: np.ndarray,
) -> tuple[WeakLink, ...]:
    """Weak links of the review graph (codes index ``app_ids`` and ``reviewer_ids``)."""
    n_apps, n_revs = len(app_ids), len(reviewer_ids)
    n = n_apps + n_revs
    if not len(app_codes):
        return ()
    graph = sp.csr_matrix(
        (np.ones(len(app_codes)), (app_codes, reviewer_codes + n_apps)), shape=(n, n)
    )
    tree = _depth_first((graph + graph.T).tocsr(), n_apps)
    weak_bridges = []
    for up, child in tree.bridges:
        root = int(tree.root_of[child])
        inside = (int(tree.below_reviewers[child]), int(tree.below_apps[child]))
        outside = (tree.total_reviewers[root] - inside[0], tree.total_apps[root] - inside[1])
        if min(inside + outside) >= 1:
            weak_bridges.append((up, child, min(inside, outside)))
    # A vertex with two weak bridges or more (an application read by one expert of each
    # panel, an expert with one review in each) is the link: name it, not its reviews.
    ends = np.bincount([v for up, child, _ in weak_bridges for v in (up, child)], minlength=n)
    links: list[WeakLink] = []
    for up, child, smaller in weak_bridges:
        if ends[up] > 1 or ends[child] > 1:
            continue
        app, reviewer = (up, child) if child >= n_apps else (child, up)
        links.append(
            WeakLink(
                kind=LinkKind.REVIEW,
                reviewer_id=reviewer_ids[reviewer - n_apps].item(),
                application_id=app_ids[app].item(),
                reviewers=smaller[0],
                applications=smaller[1],
            )
        )
    named = {int(v) for v in np.flatnonzero(ends == 1)}  # said by their bridge
    links += _vertex_links(tree, named, app_ids, reviewer_ids)
    return tuple(links)


@dataclass
class _Tree:
    """A depth-first forest of the review graph (applications 0..n_apps-1, then the
    reviewers): each vertex's root, the reviewers and applications below it (itself
    included), what each cut vertex separates and the bridges (parent, child)."""

    n_apps: int
    is_reviewer: np.ndarray
    root_of: np.ndarray
    below_reviewers: np.ndarray
    below_apps: np.ndarray
    pieces: dict[int, list[tuple[int, int]]]
    bridges: list[tuple[int, int]]

    @cached_property
    def total_reviewers(self) -> dict[int, int]:
        return {r: int(self.below_reviewers[r]) for r in np.unique(self.root_of).tolist()}

    @cached_property
    def total_apps(self) -> dict[int, int]:
        return {r: int(self.below_apps[r]) for r in np.unique(self.root_of).tolist()}


def _depth_first(graph: sp.csr_matrix, n_apps: int) -> _Tree:
    """Tarjan's low-link walk, without recursion."""
    n = graph.shape[0]
    indptr, neighbours = graph.indptr, graph.indices
    is_reviewer = np.arange(n) >= n_apps
    order = np.full(n, -1)  # discovery time
    low = np.zeros(n, dtype=np.int64)
    parent = np.full(n, -1)
    tree = _Tree(
        n_apps=n_apps,
        is_reviewer=is_reviewer,
        root_of=np.full(n, -1),
        below_reviewers=is_reviewer.astype(np.int64),
        below_apps=(~is_reviewer).astype(np.int64),
        pieces={},
        bridges=[],
    )
    time = 0
    for root in range(n):
        if order[root] >= 0:
            continue
        order[root] = low[root] = time
        time += 1
        tree.root_of[root] = root
        stack = [(root, indptr[root])]
        while stack:
            vertex, cursor = stack[-1]
            if cursor < indptr[vertex + 1]:
                stack[-1] = (vertex, cursor + 1)
                child = neighbours[cursor]
                if order[child] < 0:
                    parent[child] = vertex
                    tree.root_of[child] = root
                    order[child] = low[child] = time
                    time += 1
                    stack.append((child, indptr[child]))
                elif child != parent[vertex]:
                    low[vertex] = min(low[vertex], order[child])
                continue
            stack.pop()
            up = parent[vertex]
            if up < 0:
                continue
            low[up] = min(low[up], low[vertex])
            tree.below_reviewers[up] += tree.below_reviewers[vertex]
            tree.below_apps[up] += tree.below_apps[vertex]
            if low[vertex] >= order[up]:
                tree.pieces.setdefault(int(up), []).append(
                    (int(tree.below_reviewers[vertex]), int(tree.below_apps[vertex]))
                )
            if low[vertex] > order[up]:
                tree.bridges.append((int(up), int(vertex)))
    return tree


def _vertex_links(tree: _Tree, named: set[int], app_ids, reviewer_ids) -> list[WeakLink]:
    """The reviewers and applications that alone join groups with reviewers."""
    total_reviewers, total_apps = tree.total_reviewers, tree.total_apps
    links = []
    for vertex, separated in sorted(tree.pieces.items()):
        if vertex in named:
            continue
        root = int(tree.root_of[vertex])
        reviewer = tree.is_reviewer[vertex]
        own = (int(reviewer), int(not reviewer))
        rest = (
            total_reviewers[root] - own[0] - sum(p[0] for p in separated),
            total_apps[root] - own[1] - sum(p[1] for p in separated),
        )
        parts = separated + ([rest] if vertex != root else [])
        with_reviewers = [p for p in parts if p[0] >= 1]
        if len(with_reviewers) < 2:
            continue
        smaller = min(with_reviewers)
        links.append(
            WeakLink(
                kind=LinkKind.REVIEWER if reviewer else LinkKind.APPLICATION,
                reviewer_id=reviewer_ids[vertex - tree.n_apps].item() if reviewer else None,
                application_id=None if reviewer else app_ids[vertex].item(),
                reviewers=smaller[0],
                applications=smaller[1],
            )
        )
    return links
