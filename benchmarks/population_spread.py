"""Time to place the Coquimbo population on its walking network, and what was placed and dropped.

Issue target: spreading the 133 Coquimbo zones onto the network (about 13,000 contracted edges)
in under 1 s on the 2-core machine. The network is built once, outside the timing; each figure is
the best of 5 runs of :func:`safepassage.io.population.place_population`, reading the file
included. People outside the network's area are dropped (``outside = "drop"``) so that the
totals can be shown.

    .venv/bin/python benchmarks/population_spread.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from safepassage.io.network_build import build_network
from safepassage.io.population import place_population, read_source
from safepassage.io.population_areas import RoadIndex, spread_by_road_length
from safepassage.model.network import Network
from safepassage.model.population import PopulationPlacement
from safepassage.model.scenario import NetworkSpec, PopulationSource, PopulationSpec

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RUNS = 5


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def report(label: str, seconds: float, placement: PopulationPlacement) -> None:
    (source,) = placement.sources
    print(
        f"{label:<28} {seconds * 1000:8.1f} ms   input {source.input_people:12,.2f}   "
        f"placed {source.placed_people:12,.2f}   dropped {source.dropped_people:10,.2f} "
        f"({len(source.dropped)} rows/features)   rows {placement.origin_node.shape[0]:,}"
    )


def breakdown(network: Network, source: PopulationSource) -> None:
    """Where the zones' time goes: reading and projecting, indexing roads, spreading."""
    read = best_of(RUNS, lambda: read_source(source, crs=network.crs))
    index = best_of(RUNS, lambda: RoadIndex.build(network))
    parcels, roads = read_source(source, crs=network.crs), RoadIndex.build(network)
    assert parcels.polygons is not None
    polygons = parcels.polygons
    spread = best_of(RUNS, lambda: spread_by_road_length(roads, polygons, parcels.people))
    print(
        f"  zones breakdown: read + project {read * 1000:.1f} ms, road index "
        f"{index * 1000:.1f} ms, spread by road length {spread * 1000:.1f} ms"
    )


def main() -> int:
    if not DATA.is_dir():
        print(f"../shared/data not found at {DATA}: nothing to measure", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    network = build_network(NetworkSpec(osm=DATA / "coquimbo.osm.pbf")).network
    print(
        f"coquimbo network: {network.node_count:,} nodes, {network.edge_count:,} edges "
        f"(built in {time.perf_counter() - t0:.2f} s, not timed below); best of {RUNS} runs"
    )
    cases = {
        "geojson zones (133 polygons)": PopulationSource(
            path=DATA / "coquimbo_zones.geojson", name_property="zone_id"
        ),
        "hxl points (133 centroids)": PopulationSource(path=DATA / "coquimbo_zones_hxl.csv"),
    }
    for label, source in cases.items():
        spec = PopulationSpec(sources=[source], outside="drop")
        seconds = best_of(RUNS, lambda spec=spec: place_population(spec, network))
        report(label, seconds, place_population(spec, network))
        if source.resolved_format == "geojson":
            breakdown(network, source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
