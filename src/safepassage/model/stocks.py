"""Relief stocks held in the city, per commodity, with units checked against the commodity."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["COMMODITY_UNITS", "Stock", "Warehouse", "check_commodity_unit"]

# Which units each commodity may be counted in. Food in mass (or energy for a whole basket);
# the WFP general food basket's items are the food commodities (see docs/scenario.md).
COMMODITY_UNITS: dict[str, frozenset[str]] = {
    "cereal": frozenset({"kg", "t"}),
    "pulses": frozenset({"kg", "t"}),
    "oil": frozenset({"kg", "t", "l"}),
    "fortified_blended_food": frozenset({"kg", "t"}),
    "sugar": frozenset({"kg", "t"}),
    "salt": frozenset({"kg", "t"}),
    "food_basket": frozenset({"kg", "t", "kcal"}),
    "water": frozenset({"l", "m3"}),
    "medical_kit": frozenset({"kit"}),
    "fuel": frozenset({"l", "m3"}),
}


class Warehouse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Stock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    commodity: str
    quantity: float = Field(ge=0, description="amount in `unit`; stocks cannot be negative")
    unit: Literal["kg", "t", "l", "m3", "kcal", "kit"]
    warehouse: str | None = None
    loss_rate_per_day: float = Field(
        default=0.0, ge=0, lt=1, description="share of the stock lost per day (spoilage, looting)"
    )

    @model_validator(mode="after")
    def _unit_fits(self) -> Stock:
        check_commodity_unit(self.commodity, self.unit)
        return self


def check_commodity_unit(commodity: str, unit: str) -> None:
    """Raise ``ValueError`` unless ``commodity`` is known and may be counted in ``unit``."""
    if commodity not in COMMODITY_UNITS:
        known = ", ".join(sorted(COMMODITY_UNITS))
        raise ValueError(f"unknown commodity {commodity!r}; known: {known}")
    allowed = COMMODITY_UNITS[commodity]
    if unit not in allowed:
        units = ", ".join(sorted(allowed))
        raise ValueError(f"{commodity} cannot be counted in {unit}; use {units}")
