"""Import and network build time and peak memory for each real extract in ../shared/data.

Issue 3 target: at most 2 s per extract on the 2-core machine. Each extract is measured in its own
process so that its peak memory is its own: peak RSS of the process, and the rise of RSS over the
baseline after the imports (what the build itself took). Time is the best of 5 runs.

    .venv/bin/python benchmarks/import_networks.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
EXTRACTS = ["helsinki", "monaco", "andorra", "liechtenstein", "coquimbo"]


def _measure(name: str) -> dict[str, float]:
    from safepassage.io.network_build import build_network
    from safepassage.model.scenario import NetworkSpec

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    baseline = rss_mb()
    spec = NetworkSpec(osm=DATA / f"{name}.osm.pbf")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        build = build_network(spec)
        times.append(time.perf_counter() - t0)
    net = build.network
    return {
        "seconds": min(times),
        "peak_rss_mb": rss_mb(),
        "build_rss_mb": rss_mb() - baseline,
        "nodes_read": build.nodes_read,
        "edges_read": build.segments_read,
        "nodes": net.node_count,
        "edges": net.edge_count,
        "length_km": net.total_length_m / 1000,
        "dropped_nodes": build.dropped_nodes,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(_measure(sys.argv[2])))
        return
    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: the benchmark needs the real extracts in ../shared/data")
    header = (
        f"{'extract':<14}{'time s':>8}{'peak RSS MB':>13}{'build MB':>10}{'nodes read':>12}"
        f"{'edges read':>12}{'nodes':>8}{'edges':>8}{'km':>9}{'dropped':>9}"
    )
    print(header)
    for name in EXTRACTS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name], check=True, capture_output=True, text=True
        ).stdout
        r = json.loads(out)
        print(
            f"{name:<14}{r['seconds']:>8.3f}{r['peak_rss_mb']:>13.0f}{r['build_rss_mb']:>10.0f}"
            f"{r['nodes_read']:>12,}{r['edges_read']:>12,}{r['nodes']:>8,}{r['edges']:>8,}"
            f"{r['length_km']:>9.1f}{r['dropped_nodes']:>9,}"
        )


if __name__ == "__main__":
    main()
