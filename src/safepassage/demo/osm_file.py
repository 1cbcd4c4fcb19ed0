"""Write the demo city's street map as an OpenStreetMap file with pyosmium."""

from __future__ import annotations

from pathlib import Path

import osmium

from safepassage.demo.streets import StreetMap

__all__ = ["write_osm"]


def write_osm(path: Path, streets: StreetMap) -> None:
    """Write ``streets`` to ``path`` (``.osm.pbf``, ``.osm``: the suffix picks the format).

    All nodes come first, then all ways, each in ascending id order, as OSM files require. Every
    object is version 1 with no timestamp or user, so the same map always gives the same bytes.
    An existing file at ``path`` is replaced.
    """
    header = osmium.io.Header()
    header.set("generator", "safepassage demo city")
    west, east = float(streets.lon.min()), float(streets.lon.max())
    south, north = float(streets.lat.min()), float(streets.lat.max())
    header.add_box(
        osmium.osm.Box(osmium.osm.Location(west, south), osmium.osm.Location(east, north))
    )
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as writer:
        for k, (lon, lat) in enumerate(
            zip(streets.lon.tolist(), streets.lat.tolist(), strict=True)
        ):
            writer.add_node(
                osmium.osm.mutable.Node(id=k + 1, location=(lon, lat), version=1, tags={})
            )
        for k, (nodes, tags) in enumerate(streets.ways):
            writer.add_way(osmium.osm.mutable.Way(id=k + 1, nodes=nodes, version=1, tags=tags))
