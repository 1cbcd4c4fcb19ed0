"""The generated demo city: deterministic, loadable, importable, and shaped as its docs say."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from safepassage.demo.city import write_demo_scenario
from safepassage.errors import SafepassageError
from safepassage.io.network_build import NetworkBuild, build_network
from safepassage.io.osm import read_osm_ways
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import Scenario

FILES = ("city.osm.pbf", "districts.geojson", "hazards.geojson", "scenario.toml", "README.md")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo_scenario(out, seed=7)
    return out


@pytest.fixture(scope="module")
def scenario(demo_dir: Path) -> Scenario:
    return load_scenario(demo_dir / "scenario.toml")


@pytest.fixture(scope="module")
def build(scenario: Scenario) -> NetworkBuild:
    return build_network(
        scenario.network,
        flow=scenario.flow,
        hazards=scenario.hazards,
        keep_lonlat=[(c.lon, c.lat) for c in scenario.corridors],
    )


def test_writes_the_five_files(demo_dir: Path) -> None:
    assert sorted(p.name for p in demo_dir.iterdir()) == sorted(FILES)
    assert "fictional" in (demo_dir / "README.md").read_text(encoding="utf-8")


def test_same_seed_gives_identical_bytes(demo_dir: Path, tmp_path: Path) -> None:
    again = write_demo_scenario(tmp_path / "nested" / "again", seed=7)
    assert again == tmp_path / "nested" / "again" / "scenario.toml"
    for name in FILES:
        assert (again.parent / name).read_bytes() == (demo_dir / name).read_bytes(), name
    # writing over an earlier demo replaces it with the same bytes
    write_demo_scenario(again.parent, seed=7)
    assert (again.parent / "city.osm.pbf").read_bytes() == (demo_dir / "city.osm.pbf").read_bytes()


def test_another_seed_gives_another_city(demo_dir: Path, tmp_path: Path) -> None:
    other = write_demo_scenario(tmp_path, seed=8).parent
    assert (other / "city.osm.pbf").read_bytes() != (demo_dir / "city.osm.pbf").read_bytes()
    assert len(load_scenario(other / "scenario.toml").corridors) == 4


def test_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("x", encoding="utf-8")
    with pytest.raises(SafepassageError, match="is a file, not a folder; demo folder needs"):
        write_demo_scenario(taken)
    with pytest.raises(SafepassageError, match=r"cannot create the folder \(not a directory\)"):
        write_demo_scenario(taken / "inside")


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seed_is_refused(tmp_path: Path, seed: object) -> None:
    with pytest.raises(SafepassageError, match="seed"):
        write_demo_scenario(tmp_path, seed=seed)  # type: ignore[arg-type]


def test_scenario_contents(scenario: Scenario) -> None:
    assert "fictional" in scenario.name
    assert [g.id for g in scenario.groups] == ["general", "mobility_impaired"]
    assert len(scenario.corridors) == 4
    open_to_all = [c for c in scenario.corridors if c.eligible_groups is None]
    assert len(open_to_all) == 3
    assert all(2000 <= c.throughput_pph <= 4000 for c in open_to_all)
    (medical,) = [c for c in scenario.corridors if c.eligible_groups is not None]
    assert medical.eligible_groups == ["mobility_impaired"]
    assert medical.throughput_pph < min(c.throughput_pph for c in open_to_all)
    for corridor in scenario.corridors:
        assert sorted(s.kind for s in corridor.services) == ["food_point", "medical_post"]
    assert {h.effect for h in scenario.hazards} == {"close", "slow"}
    assert len(scenario.warehouses) == 2


def test_food_lasts_eighteen_days_at_wfp_rates(scenario: Scenario) -> None:
    grams = {
        "cereal": 400,
        "pulses": 60,
        "oil": 25,
        "fortified_blended_food": 50,
        "sugar": 15,
        "salt": 5,
    }
    for commodity, per_day in grams.items():
        tonnes = sum(s.quantity for s in scenario.stocks if s.commodity == commodity)
        assert tonnes == pytest.approx(300_000 * per_day * 18 / 1e6, rel=1e-3), commodity
    assert all(s.loss_rate_per_day < 0.05 for s in scenario.stocks)


def test_districts(demo_dir: Path) -> None:
    data = json.loads((demo_dir / "districts.geojson").read_text(encoding="utf-8"))
    features = data["features"]
    assert 8 <= len(features) <= 12
    props = [f["properties"] for f in features]
    assert sum(p["population"] for p in props) == 300_000
    assert all(isinstance(p["population"], int) and p["population"] > 0 for p in props)
    assert len({p["name"] for p in props}) == len({p["code"] for p in props}) == len(props)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    assert all(s.is_valid for s in shapes)
    overlap = sum(a.intersection(b).area for i, a in enumerate(shapes) for b in shapes[i + 1 :])
    assert overlap < 1e-9
    density = {p["name"]: p["population"] / s.area for p, s in zip(props, shapes, strict=True)}
    assert density["Old Town"] > 2 * density["Tannery Row"]  # denser in the centre


def test_network_is_one_large_component(build: NetworkBuild) -> None:
    assert 3000 <= build.nodes_read <= 6000
    assert build.dropped_nodes <= 0.01 * build.nodes_read
    assert build.components == 2  # the street network, and a footpath on a cut-off island
    excluded = build.osm.excluded
    for reason in ("highway=motorway", "access=private", "access=no", "area=yes"):
        assert excluded[reason] > 0, reason
    assert build.hazard_edges_closed > 0 and build.hazard_edges_slowed > 0


def test_corridors_lie_by_a_road(scenario: Scenario, build: NetworkBuild) -> None:
    network = build.network
    to_m = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    for corridor in scenario.corridors:
        x, y = to_m.transform(corridor.lon, corridor.lat)
        distance = float(np.hypot(network.x_m - x, network.y_m - y).min())
        assert distance < 100.0, corridor.id


def test_hazards_leave_every_corridor_reachable(scenario: Scenario, build: NetworkBuild) -> None:
    network = build.network
    _, labels = connected_components(network.to_csgraph("length_m"), directed=False)
    to_m = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    nodes = []
    for corridor in scenario.corridors:
        x, y = to_m.transform(corridor.lon, corridor.lat)
        nodes.append(int(np.argmin(np.hypot(network.x_m - x, network.y_m - y))))
    main = labels[nodes[0]]
    assert all(labels[n] == main for n in nodes)
    assert np.mean(labels == main) > 0.97


def _river_and_bridges(path: Path) -> tuple[np.ndarray, set[int]]:
    river: list[tuple[float, float]] = []
    bridges: set[int] = set()
    for way in osmium.FileProcessor(str(path)).with_locations():
        if not way.is_way():
            continue
        if way.tags.get("waterway") == "river":
            river = [(n.location.lon, n.location.lat) for n in way.nodes]
        elif way.tags.get("bridge") == "yes":
            bridges.add(way.id)
    return np.asarray(river), bridges


def test_river_banks_meet_only_on_bridges(demo_dir: Path) -> None:
    path = demo_dir / "city.osm.pbf"
    river, bridges = _river_and_bridges(path)
    ways = read_osm_ways(path)
    u, v = ways.seg_u, ways.seg_v
    on_bridge = np.isin(ways.way_osm_id[ways.seg_way], list(bridges))
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([ways.lon[u], ways.lat[u]]),
                np.column_stack([ways.lon[v], ways.lat[v]]),
            ],
            axis=1,
        )
    )
    crossing = shapely.intersects(lines, shapely.LineString(river))
    assert crossing.any() and not (crossing & ~on_bridge).any()
    assert len(set(ways.way_osm_id[ways.seg_way[crossing]].tolist())) == 4  # walkable bridges

    north = ways.lat > np.interp(ways.lon, river[:, 0], river[:, 1])
    n = ways.lon.shape[0]

    def spanning(keep: np.ndarray) -> int:
        graph = coo_matrix((np.ones(int(keep.sum())), (u[keep], v[keep])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        both = set(labels[north].tolist()) & set(labels[~north].tolist())
        return len(both)

    assert spanning(np.ones(u.shape[0], bool)) == 1  # the banks meet through the bridges
    assert spanning(~on_bridge) == 0  # and nowhere else
