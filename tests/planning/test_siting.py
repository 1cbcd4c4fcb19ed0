"""Maximal covering location against brute force; coverage by walking distance; bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from safepassage.errors import ScenarioError
from safepassage.planning.siting import (
    candidate_nodes,
    choose_sites,
    coverage_matrix,
    district_coverage,
    nearest_nodes,
)
from tests.model.test_contraction import make_network


def _covered(cover: np.ndarray, weight: np.ndarray, chosen: tuple[int, ...]) -> float:
    return float(weight[cover[:, list(chosen)].any(axis=1)].sum())


def _instance(seed: int, n_i: int, n_j: int, density: float):
    rng = np.random.default_rng(seed)
    cover = rng.random((n_i, n_j)) < density
    weight = rng.integers(1, 100, n_i).astype(float)
    return cover, weight


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000), k=st.integers(1, 4), density=st.floats(0.05, 0.5))
def test_k_sites_match_brute_force(seed, k, density):
    cover, weight = _instance(seed, 25, 8, density)
    result = choose_sites(sparse.csr_matrix(cover), weight, sites=k)
    best = max(_covered(cover, weight, c) for c in itertools.combinations(range(8), k))
    assert len(result.chosen) == k
    assert result.covered_people == pytest.approx(best)
    assert result.covered_people == pytest.approx(_covered(cover, weight, tuple(result.chosen)))
    assert result.gap <= 1e-6


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000), target=st.floats(0.1, 1.0))
def test_fewest_sites_match_brute_force(seed, target):
    cover, weight = _instance(seed, 20, 7, 0.3)
    reachable = weight[cover.any(axis=1)].sum() / weight.sum()
    if reachable < target:
        with pytest.raises(ScenarioError, match="cannot be reached"):
            choose_sites(sparse.csr_matrix(cover), weight, coverage_target=target)
        return
    result = choose_sites(sparse.csr_matrix(cover), weight, coverage_target=target)
    fewest = min(
        k
        for k in range(1, 8)
        for c in itertools.combinations(range(7), k)
        if _covered(cover, weight, c) >= target * weight.sum() - 1e-9
    )
    assert len(result.chosen) == fewest
    assert result.coverage >= target - 1e-9


def test_unreachable_target_names_the_best_reachable():
    cover = sparse.csr_matrix(np.array([[1], [0]], dtype=bool))
    with pytest.raises(ScenarioError, match=r"at most 75\.0%.*0\.75"):
        choose_sites(cover, np.array([3.0, 1.0]), coverage_target=0.95)


def test_more_sites_than_candidates_is_an_error():
    cover = sparse.csr_matrix(np.ones((3, 2), dtype=bool))
    with pytest.raises(ScenarioError, match="2 candidate sites"):
        choose_sites(cover, np.ones(3), sites=3)


def test_coverage_follows_the_walking_network():
    # a path 0-1-2-3 with 300 m edges, and a far node 4 joined to 0 by 2 km
    net = make_network(5, [(0, 1), (1, 2), (2, 3), (0, 4)], [300.0, 300.0, 300.0, 2000.0])
    graph = net.to_csgraph("length_m")
    demand = np.array([0, 1, 2, 3, 4])
    cover = coverage_matrix(graph, demand, np.array([1, 3]), 500.0, chunk=1).toarray()
    assert cover[:, 0].tolist() == [True, True, True, False, False]
    assert cover[:, 1].tolist() == [False, False, True, True, False]
    assert coverage_matrix(graph, demand, np.array([1]), 600.0)[3, 0]


def test_helpers():
    net = make_network(3, [(0, 1), (1, 2)], [100.0, 100.0])
    assert nearest_nodes(net, [(0.0021, 0.0019)]).tolist() == [2]
    people = np.array([0.0, 5.0, 3.0, 0.0, 1.0])
    assert candidate_nodes(people, max_candidates=10).tolist() == [1, 2, 4]
    sample = candidate_nodes(people, max_candidates=2, seed=1)
    assert len(sample) == 2 and set(sample) <= {1, 2, 4}
    rows = district_coverage(
        np.array([True, False]),
        np.array([0, 1, 0]),
        np.array([0, 0, 1]),
        np.array([10.0, 30.0, 5.0]),
        ("A", "B"),
    )
    assert rows[0]["coverage"] == pytest.approx(0.25)
    assert rows[0]["outside"] == pytest.approx(30.0)
    assert rows[1]["coverage"] == pytest.approx(1.0)


def _greedy(cover: sparse.csr_matrix, weight: np.ndarray, k: int) -> float:
    """Coverage of the greedy heuristic: a feasible K-site answer, so a lower bound."""
    dense = cover.toarray()
    covered = np.zeros(dense.shape[0], dtype=bool)
    for _ in range(k):
        gain = (dense & ~covered[:, None]).T @ weight
        covered |= dense[:, int(np.argmax(gain))]
    return float(weight[covered].sum())


@pytest.mark.shared_data
def test_coquimbo_sites_beat_greedy_with_a_proven_gap(shared_data):
    from pathlib import Path

    from scipy.sparse.csgraph import dijkstra

    from safepassage.io.prepare import prepare_scenario
    from safepassage.io.scenario_file import load_scenario

    path = Path(__file__).resolve().parents[2] / "examples" / "coquimbo" / "scenario.toml"
    prepared = prepare_scenario(load_scenario(path))
    net = prepared.network
    people = prepared.population.people_per_node(net.node_count)
    demand = np.flatnonzero(people > 0)
    candidates = candidate_nodes(people, max_candidates=300, seed=2)
    graph = net.to_csgraph("length_m")
    cover = coverage_matrix(graph, demand, candidates, 500.0)
    # the limited search finds exactly the pairs a full Dijkstra puts within 500 m
    full = dijkstra(graph, directed=False, indices=candidates[:5])[:, demand] <= 500.0
    np.testing.assert_array_equal(cover[:, :5].toarray(), full.T)
    result = choose_sites(cover, people[demand], sites=8)
    assert result.gap <= 1e-6
    assert result.covered_people >= _greedy(cover, people[demand], 8) - 1e-6
