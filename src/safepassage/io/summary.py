"""A plain, JSON-ready account of a prepared scenario: what was imported, placed and dropped."""

from __future__ import annotations

from typing import Any

from safepassage import OSM_ATTRIBUTION
from safepassage.io.prepare import PreparedScenario

__all__ = ["prepared_summary"]


def prepared_summary(prepared: PreparedScenario) -> dict[str, Any]:
    """Counts and figures of ``prepared``; the CLI's tables and ``--json`` show the same."""
    build, network, scenario = prepared.build, prepared.network, prepared.scenario
    population = prepared.population
    return {
        "scenario": scenario.name,
        "source": str(scenario.source_path) if scenario.source_path else None,
        "start": scenario.start_local.isoformat(),
        "network": {
            "osm": str(scenario.network.osm),
            "mode": scenario.network.mode.value,
            "crs": network.crs,
            "highway_ways": build.osm.highway_ways,
            "walkable_ways": build.osm.walkable_ways,
            "excluded_ways": dict(build.osm.excluded.most_common()),
            "missing_node_refs": build.osm.missing_node_refs,
            "nodes_read": build.nodes_read,
            "segments_read": build.segments_read,
            "segments_clipped": build.segments_clipped,
            "components": build.components,
            "dropped_nodes": build.dropped_nodes,
            "dropped_edges": build.dropped_edges,
            "dropped_length_km": round(build.dropped_length_m / 1000, 3),
            "nodes": network.node_count,
            "edges": network.edge_count,
            "length_km": round(network.total_length_m / 1000, 3),
            "nodes_before_contraction": build.contraction.nodes_before,
            "edges_before_contraction": build.contraction.edges_before,
            "hazard_segments_closed": build.hazard_edges_closed,
            "hazard_segments_slowed": build.hazard_edges_slowed,
            "attribution": OSM_ATTRIBUTION,
        },
        "population": {
            "input": population.input_people,
            "placed": population.placed_people,
            "dropped": population.dropped_people,
            "scale": population.scale,
            "compliance": scenario.population.compliance,
            "expected_to_leave": population.placed_people * scenario.population.compliance,
            "areas": len(population.areas),
            "sources": [
                {
                    "name": s.name,
                    "path": str(s.path),
                    "format": s.format,
                    "input": s.input_people,
                    "placed": s.placed_people,
                    "dropped": s.dropped_people,
                    "dropped_detail": [
                        {"where": d.where, "people": d.people, "reason": d.reason}
                        for d in s.dropped
                    ],
                }
                for s in population.sources
            ],
        },
        "corridors": [
            {
                "id": c.id,
                "name": c.name,
                "status": c.status.value,
                "throughput_pph": c.throughput_pph,
                "eligible_groups": scenario.eligible(c),
                "node": snap.node,
                "snap_distance_m": round(snap.distance_m, 1),
            }
            for c, snap in zip(scenario.corridors, prepared.corridor_snaps, strict=True)
        ],
        "warnings": list(prepared.warnings),
        "seconds": {k: round(v, 3) for k, v in {**build.seconds, **prepared.seconds}.items()},
    }
