"""Shared fixtures: tiny OSM files written with pyosmium; the real extracts in ../shared."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import osmium
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

NodeSpec = Mapping[int, tuple[float, float]]
WaySpec = Sequence[tuple[int, Sequence[int], Mapping[str, str]]]


def write_osm(path: Path, nodes: NodeSpec, ways: WaySpec) -> Path:
    """Write nodes {id: (lon, lat)} and ways [(id, [node ids], tags)] as an OSM file."""
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id in sorted(nodes):
            writer.add_node(
                osmium.osm.mutable.Node(id=node_id, location=nodes[node_id], version=1, tags={})
            )
        for way_id, refs, tags in sorted(ways, key=lambda w: w[0]):
            writer.add_way(
                osmium.osm.mutable.Way(id=way_id, nodes=list(refs), version=1, tags=dict(tags))
            )
    return path


@pytest.fixture
def osm_file(tmp_path: Path) -> Callable[[NodeSpec, WaySpec], Path]:
    """Factory: ``osm_file(nodes, ways)`` writes ``tmp_path/city.osm.pbf`` and returns its path."""

    def make(nodes: NodeSpec, ways: WaySpec, name: str = "city.osm.pbf") -> Path:
        return write_osm(tmp_path / name, nodes, ways)

    return make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real extracts; tests that need them skip, loudly, when ../shared/data is absent."""
    if not SHARED_DATA.is_dir():
        message = f"../shared/data not found at {SHARED_DATA}: real-data tests skipped"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    return SHARED_DATA
