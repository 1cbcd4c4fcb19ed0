"""Read what the reports need from a plan folder (``plan.json``, ``routes.geojson``) and check
that the plan belongs to the scenario being drawn."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safepassage.errors import DataError
from safepassage.io.files import read_output_json
from safepassage.io.prepare import PreparedScenario

__all__ = ["PlanInput", "RouteFeature", "load_plan_input"]


@dataclass(frozen=True)
class RouteFeature:
    """One route of ``routes.geojson``: a district's people planned for one corridor."""

    area: str
    corridor: str
    people: float
    length_m: float
    lonlat: list[tuple[float, float]]


@dataclass(frozen=True)
class PlanInput:
    folder: Path
    summary: dict[str, Any]
    routes: list[RouteFeature]

    def district_corridors(self) -> dict[str, dict[str, float]]:
        """District name -> {corridor id: planned people}, from ``plan.json``."""
        return {
            str(row["area"]): {str(k): float(v) for k, v in row.get("corridors", {}).items()}
            for row in self.summary.get("districts", [])
        }

    def corridor_people(self) -> dict[str, float]:
        return {str(c["id"]): float(c["people"]) for c in self.summary.get("corridors", [])}

    def route(self, area: str, corridor: str) -> RouteFeature | None:
        for feature in self.routes:
            if feature.area == area and feature.corridor == corridor:
                return feature
        return None


def _read(path: Path) -> Any:
    return read_output_json(path, option="--plan", command="plan")


def _routes(path: Path, data: Any) -> list[RouteFeature]:
    try:
        return [
            RouteFeature(
                area=str(f["properties"]["area"]),
                corridor=str(f["properties"]["corridor"]),
                people=float(f["properties"]["people"]),
                length_m=float(f["properties"].get("route_length_m") or 0.0),
                lonlat=[(float(x), float(y)) for x, y, *_ in f["geometry"]["coordinates"]],
            )
            for f in data["features"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"{path}: not a routes file of a plan ({exc!r}); re-run `safepassage plan`"
        raise DataError(msg) from None


def _check_same_scenario(folder: Path, summary: dict[str, Any], prepared: PreparedScenario) -> None:
    scenario = prepared.scenario
    ids = {c.id for c in scenario.corridors}
    try:
        planned_ids = {str(c["id"]) for c in summary["corridors"]}
        areas = {str(d["area"]) for d in summary["districts"]}
        made_for = summary.get("options", {}).get("scenario", "another scenario")
    except (KeyError, TypeError, AttributeError) as exc:
        msg = f"{folder / 'plan.json'}: not a plan summary ({exc!r}); re-run `safepassage plan`"
        raise DataError(msg) from None
    unknown_areas = sorted(areas - set(prepared.population.areas))
    if planned_ids != ids or unknown_areas:
        what = (
            f"corridors {', '.join(sorted(planned_ids))} against {', '.join(sorted(ids))}"
            if planned_ids != ids
            else f"districts {', '.join(unknown_areas[:3])} unknown to the scenario"
        )
        msg = (
            f"{folder / 'plan.json'}: plan made for {made_for}, not for "
            f"{scenario.source_path or scenario.name} ({what}); plan this scenario with "
            "`safepassage plan SCENARIO --out DIR` and give that DIR to --plan"
        )
        raise DataError(msg)


def load_plan_input(folder: Path, prepared: PreparedScenario) -> PlanInput:
    """Read ``plan.json`` and ``routes.geojson`` from ``folder``.

    Raises
    ------
    DataError
        The folder or a file is missing or unreadable, or the plan was made for another scenario
        (other corridors, or districts the scenario does not have).
    """
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"{folder}: plan folder not found; run `safepassage plan SCENARIO --out {folder}`"
        raise DataError(msg)
    summary = _read(folder / "plan.json")
    if not isinstance(summary, dict):
        msg = f"{folder / 'plan.json'}: not a plan summary; re-run `safepassage plan`"
        raise DataError(msg)
    _check_same_scenario(folder, summary, prepared)
    routes_path = folder / "routes.geojson"
    return PlanInput(folder, summary, _routes(routes_path, _read(routes_path)))
