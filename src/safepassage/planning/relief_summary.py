"""The relief figures as plain dictionaries: what ``relief.json`` holds and the CLI prints."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from safepassage.model.standards import Standards
from safepassage.planning.convoys import ConvoyPlan
from safepassage.planning.siting import SitingResult
from safepassage.planning.staffing import CorridorStaffing
from safepassage.planning.stock_forecast import PERCENTILES, Forecast

__all__ = [
    "convoy_summary",
    "forecast_summary",
    "needs_summary",
    "siting_summary",
    "staffing_summary",
]


def _date(forecast_or_plan: Forecast | ConvoyPlan, day: float) -> str | None:
    """The date of a day index; ``None`` when the day lies beyond the horizon (``inf``)."""
    if not math.isfinite(day):
        return None
    return forecast_or_plan.inputs.date(int(day)).isoformat()


def forecast_summary(forecast: Forecast) -> dict[str, Any]:
    """Stock-out dates per commodity: deterministic and P10/P50/P90 over the draws."""
    inputs = forecast.inputs
    commodities = []
    for c, name in enumerate(inputs.commodities):
        row: dict[str, Any] = {
            "commodity": name,
            "unit": inputs.units[c],
            "stock_at_start": round(float(inputs.stock0[c]), 3),
            "days_of_cover_at_start": round(float(forecast.cover_days[0, c]), 2)
            if math.isfinite(forecast.cover_days[0, c])
            else None,
            "stockout_date": _date(forecast, forecast.stockout_day[c]),
        }
        for k, p in enumerate(PERCENTILES):
            row[f"stockout_date_p{round(p * 100)}"] = _date(
                forecast, forecast.mc_stockout_day[k, c]
            )
        commodities.append(row)
    return {
        "start": inputs.start.isoformat(),
        "horizon_days": inputs.days,
        "horizon_end": inputs.date(inputs.days - 1).isoformat(),
        "draws": forecast.draws,
        "person_days_first_day": round(float(forecast.person_days[0]), 1),
        "person_days_last_day": round(float(forecast.person_days[-1]), 1),
        "commodities": commodities,
        "note": (
            "stock-out date: the first day the stock cannot meet the ration; P10 is the date by "
            "which 10 % of the draws have run out; null: lasts beyond the horizon"
        ),
    }


def needs_summary(people: float, standards: Standards) -> dict[str, Any]:
    """What the standards ask for ``people``: food, water, water points and toilets a day.

    Sphere 2018 water supply standard 2.1 (15 l a person a day; 250 people per tap, 500 per hand
    pump), excreta management (1 toilet per 50 people in the first phase), the WFP basket.
    """
    food_g = sum(standards.ration_g_per_person_day.values())
    return {
        "people": round(people, 1),
        "food_t_per_day": round(people * food_g / 1e6, 2),
        "water_m3_per_day": round(people * standards.water_l_per_person_day / 1000, 1),
        "taps": math.ceil(people / standards.people_per_tap - 1e-9),
        "hand_pumps": math.ceil(people / standards.people_per_hand_pump - 1e-9),
        "toilets_first_phase": math.ceil(people / standards.people_per_toilet_first_phase - 1e-9),
    }


def convoy_summary(plan: ConvoyPlan, *, show_days: int = 14) -> dict[str, Any]:
    """Trucks per route, fleet, and the infeasible days with their shortfall."""
    inputs = plan.inputs
    infeasible = plan.infeasible_days
    days = []
    for d in infeasible:
        c = int(plan.shortfall_cover_days[d].argmax())
        days.append(
            {
                "date": inputs.date(d).isoformat(),
                "commodity": inputs.commodities[c],
                "short_days_of_cover": round(float(plan.shortfall_cover_days[d, c]), 2),
                "short_quantity": round(float(plan.shortfall[d, c]), 1),
                "unit": inputs.units[c],
            }
        )
    return {
        "buffer_days": plan.buffer_days,
        "total_tonnes": round(float(plan.tonnes.sum()), 1),
        "peak_tonnes_per_day": round(float(plan.tonnes.max(initial=0.0)), 1),
        "routes": [
            {
                "id": route,
                "payload_t": float(inputs.payload_t[r]),
                "turnaround_h": float(inputs.turnaround_h[r]),
                "trucks_total": int(plan.trucks[r].sum()),
                "trucks_peak_day": int(plan.trucks[r].max(initial=0)),
                "fleet_needed": int(plan.fleet[r]),
                "trucks_first_days": plan.trucks[r, :show_days].tolist(),
            }
            for r, route in enumerate(inputs.route_ids)
        ],
        "infeasible_day_count": len(infeasible),
        "first_infeasible_date": days[0]["date"] if days else None,
        "infeasible_days": days,
    }


def staffing_summary(staffing: list[CorridorStaffing], target_wait_min: float) -> dict[str, Any]:
    """Peak counters and triage teams per corridor."""
    rows = []
    for s in staffing:
        busiest = int(np.argmax(s.arrivals)) if s.arrivals.size else 0
        rows.append(
            {
                "corridor": s.corridor,
                "people": round(float(s.arrivals.sum()), 1),
                "busiest_hour": s.hour_start[busiest] if s.hour_start else None,
                "busiest_hour_arrivals": round(float(s.arrivals.max(initial=0.0)), 1),
                "food_counters_peak": int(s.food_counters.max(initial=0)),
                "triage_teams_peak": int(s.triage_teams.max(initial=0)),
                "counter_hours": int(s.food_counters.sum()),
                "triage_team_hours": int(s.triage_teams.sum()),
            }
        )
    return {"target_wait_min": target_wait_min, "corridors": rows}


def siting_summary(
    result: SitingResult,
    *,
    walk_m: float,
    candidates: int,
    sites_lonlat: list[tuple[float, float]],
    districts: list[dict[str, Any]],
) -> dict[str, Any]:
    """Coverage of the chosen distribution points, overall and per district."""
    return {
        "walk_m": walk_m,
        "candidates": candidates,
        "sites": len(result.chosen),
        "people": round(result.total_people, 1),
        "covered_people": round(result.covered_people, 1),
        "coverage": round(result.coverage, 4),
        "people_outside": round(result.total_people - result.covered_people, 1),
        "solver_status": result.status,
        "optimality_gap": round(result.gap, 6),
        "site_lonlat": [[round(lon, 6), round(lat, 6)] for lon, lat in sites_lonlat],
        "districts": districts,
    }
