"""The leaflet's route map: the route, its ends and services inside the drawing, nothing else."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.leaflet_map_svg import MapPoint, route_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_route_map_marks_route_start_corridor_and_service(planned_city):
    prepared = prepare_scenario(load_scenario(planned_city[0]))
    network = prepared.network
    route = [(float(network.lon[i]), float(network.lat[i])) for i in (0, 1, 7)]
    corridor, food = route[-1], (route[-1][0] + 0.001, route[-1][1])
    points = [MapPoint("corridor", *corridor), MapPoint("start", *route[0]),
              MapPoint("food_point", *food)]  # fmt: skip
    svg = route_map_svg(network, route, points, scale_label="{m} m", north_label="N")
    root = ET.fromstring(svg)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) > 3  # the streets around the route, and the route
    route_line = [line for line in lines if line.get("stroke") == "#1f4e9c"]
    assert len(route_line) == 1
    for pair in route_line[0].get("points").split():
        x, y = map(float, pair.split(","))
        assert 0 <= x <= width and 0 <= y <= height
    assert len(root.findall(f"{SVG}circle")) == 1  # the start
    assert any(p.get("fill") == "#e69f00" for p in root.findall(f"{SVG}path"))  # food point
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "N" in texts and any(re.fullmatch(r"[\d,]+ m", t or "") for t in texts)
