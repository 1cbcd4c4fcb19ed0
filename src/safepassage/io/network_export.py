"""Export a network's edges as GeoJSON (RFC 7946), with their capacity and hazard state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safepassage import OSM_ATTRIBUTION
from safepassage.io.atomic import write_text_atomic
from safepassage.model.network import Network

__all__ = ["network_feature_collection", "write_network_geojson"]


def network_feature_collection(network: Network) -> dict[str, Any]:
    """Edges as LineString features; coordinates rounded to 7 decimals (about 1 cm)."""
    features = []
    for edge in range(network.edge_count):
        coords = network.edge_geometry(edge).round(7).tolist()
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "edge": edge,
                    "osm_way_id": int(network.way_id[edge]),
                    "highway": network.highway_of(edge),
                    "length_m": round(float(network.length_m[edge]), 2),
                    "width_m": round(float(network.width_m[edge]), 2),
                    "capacity_ppm": round(float(network.capacity_ppm[edge]), 1),
                    "oneway": bool(network.oneway[edge]),
                    "closed": bool(network.closed[edge]),
                },
            }
        )
    return {"type": "FeatureCollection", "attribution": OSM_ATTRIBUTION, "features": features}


def write_network_geojson(network: Network, path: Path) -> None:
    write_text_atomic(path, json.dumps(network_feature_collection(network), separators=(",", ":")))
