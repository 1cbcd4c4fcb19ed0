"""`safepassage validate` on every example scenario over the real extracts in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safepassage.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# people in each example's population source (Coquimbo: the AequilibraE zones)
EXPECTED_PEOPLE = {
    "coquimbo": 451_898.92,
    "helsinki": 20_000,
    "monaco": 38_000,
    "andorra": 80_000,
    "liechtenstein": 39_000,
}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(EXPECTED_PEOPLE))
def test_example_validates_and_places_everyone(shared_data, tmp_path, name):
    out = tmp_path / "summary.json"
    assert main(["validate", str(EXAMPLES / name / "scenario.toml"), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    population = summary["population"]
    assert population["input"] == pytest.approx(EXPECTED_PEOPLE[name], abs=0.01)
    assert population["placed"] == pytest.approx(population["input"], rel=1e-12)
    assert population["dropped"] == 0
    for corridor in summary["corridors"]:
        assert corridor["snap_distance_m"] < 100
    network = summary["network"]
    assert network["nodes"] < network["nodes_before_contraction"]
    if name == "coquimbo":
        # data/README.md: pyrosm's walking network has 30,312 nodes and 34,534 edges
        assert (network["nodes_read"], network["segments_read"]) == (30_312, 34_534)
        assert len(summary["corridors"]) == 4
