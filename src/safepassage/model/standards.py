"""Humanitarian minimum standards and planning figures, each with its source (plain data).

Every figure was checked against ``/work/shared/reference/humanitarian.md`` (sections 1.1 and
1.2), which quotes the primary text and links it; a figure that reference marks as not verified
is marked ``[UV]`` here too. A scenario may override any field in ``[relief.standards]``
(``docs/relief.md``, "The scenario's relief sections"); the defaults are the standards.

The figures are minimums and planning norms for people in a crisis, not targets to ration down to.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "BASE_UNIT",
    "DEFAULT_STANDARDS",
    "FOOD_COMMODITIES",
    "TRUCK_PAYLOAD_T",
    "WFP_RATION_G",
    "Standards",
]

# WFP emergency general food distribution basket, full ration, g/person/day: 555 g giving
# 2,100 kcal, 58 g protein, 43 g fat (wfp.org/nutrition/wfp-foodbasket; humanitarian.md 1.2).
WFP_RATION_G = MappingProxyType(
    {
        "cereal": 400.0,  # flour, rice or bulgur
        "pulses": 60.0,
        "oil": 25.0,  # vegetable oil fortified with vitamins A and D
        "fortified_blended_food": 50.0,  # CSB
        "sugar": 15.0,
        "salt": 5.0,  # iodised
    }
)
FOOD_COMMODITIES = frozenset(WFP_RATION_G)

# Logistics Cluster, Logistics Operational Guide, "Road transport" (vehicle types and payloads,
# page version 43; humanitarian.md 1.2): payload in tonnes by truck type.
TRUCK_PAYLOAD_T = MappingProxyType(
    {
        "two_axle_4_wheel": 1.0,  # GVW 3.5 t
        "two_axle_6_wheel_light": 3.5,  # GVW 7.5 t
        "two_axle_6_wheel": 12.0,  # GVW 18.8 t
        "three_axle_rigid": 18.0,  # GVW 26 t
        "four_axle_rigid": 25.0,  # GVW 36 t
        "tractor_trailer_3_axle": 18.0,  # GVW 26 t
        "tractor_trailer_4_axle": 24.0,  # GVW 38 t
        "tractor_trailer_5_axle": 24.0,  # GVW 40 t
        "tractor_trailer_6_axle": 27.0,  # GVW 41 t
        "close_coupled": 26.0,  # GVW 40 t
    }
)

# The unit each commodity is counted in inside the planner; stocks in other units are converted.
BASE_UNIT = MappingProxyType(
    {
        **dict.fromkeys(WFP_RATION_G, "kg"),
        "food_basket": "kg",
        "water": "l",
        "fuel": "l",
        "medical_kit": "kit",
    }
)


class Standards(BaseModel):
    """The figures relief planning uses; override any of them in ``[relief.standards]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Sphere Handbook 2018 (4th ed.), Food assistance standard 6.1, guidance p.199 and
    # Appendix 6: 2,100 kcal/person/day (the same figure in the 2011 edition).
    energy_kcal_per_person_day: float = Field(default=2100.0, gt=0)
    # WFP general food basket, full ration (see WFP_RATION_G above), g/person/day.
    ration_g_per_person_day: dict[str, float] = Field(default_factory=lambda: dict(WFP_RATION_G))
    # Sphere 2018, Water supply standard 2.1: at least 15 l/person/day for drinking and domestic
    # hygiene (7.5 may do briefly in an acute drought; 50 may be the urban minimum).
    water_l_per_person_day: float = Field(default=15.0, gt=0)
    # Sphere 2018, Water supply standard 2.1: water point < 500 m from any household.
    water_point_max_distance_m: float = Field(default=500.0, gt=0)
    # Sphere 2018, Water supply standard 2.1 (water point open about 8 h/day): people per
    # tap (7.5 l/min), hand pump (17 l/min) and open hand well (12.5 l/min).
    people_per_tap: int = Field(default=250, gt=0)
    people_per_hand_pump: int = Field(default=500, gt=0)
    people_per_open_well: int = Field(default=400, gt=0)
    # Queueing at a water point: Sphere 2011 std 1, <= 15 min (verified); the 2018 edition's
    # < 30 min (std 2.1, p.108) is [UV]. The stricter 2011 figure is the default wait target.
    max_queue_min: float = Field(default=15.0, gt=0)
    # Sphere 2018, Excreta management, pp.117-118: communal toilets 1:50 people in the first
    # phase, 1:20 in the medium term; within 50 m of dwellings.
    people_per_toilet_first_phase: int = Field(default=50, gt=0)
    people_per_toilet_medium_term: int = Field(default=20, gt=0)
    toilet_max_distance_m: float = Field(default=50.0, gt=0)
    # Logistics Operational Guide, road transport: payload by truck type (TRUCK_PAYLOAD_T).
    truck_payload_t: dict[str, float] = Field(default_factory=lambda: dict(TRUCK_PAYLOAD_T))
    # CARE Emergency Toolkit 5.3 (road transport planning): add 25 % to the round-trip time
    # for contingencies when sizing a fleet.
    transport_contingency: float = Field(default=0.25, ge=0)
    # Energy density of the WFP basket: 2,100 kcal in 555 g (derived from WFP_RATION_G).
    food_basket_kcal_per_kg: float = Field(default=2100.0 / 0.555, gt=0)
    # [UV] not in the humanitarian reference: density of vegetable oil, about 0.92 kg/l, to
    # convert oil counted in litres to the kilograms of the ration.
    oil_kg_per_l: float = Field(default=0.92, gt=0)
    # [UV] not in the humanitarian reference: diesel density, 0.820-0.845 kg/l (EN 590), to
    # weigh fuel for the trucks.
    fuel_kg_per_l: float = Field(default=0.84, gt=0)

    @field_validator("ration_g_per_person_day", "truck_payload_t", mode="before")
    @classmethod
    def _merge(cls, value: object, info: ValidationInfo) -> object:
        """An override names only the items it changes; the others keep their standard."""
        if not isinstance(value, dict):
            return value
        defaults = WFP_RATION_G if info.field_name == "ration_g_per_person_day" else TRUCK_PAYLOAD_T
        for key, number in value.items():
            if isinstance(number, int | float) and number < 0:
                raise ValueError(f"{key} is negative ({number}); give a value >= 0")
        return {**defaults, **value}

    def ration_per_person_day(self) -> dict[str, float]:
        """Consumption per person per day in each commodity's base unit (kg, l), by standard.

        Food items follow the WFP basket (g converted to kg); ``food_basket`` is the whole
        basket's energy, 2,100 kcal, converted to kg; water is the Sphere minimum. Medical kits
        and fuel have no per-person standard: the scenario gives them.
        """
        rates = {c: grams / 1000.0 for c, grams in self.ration_g_per_person_day.items()}
        rates["food_basket"] = self.energy_kcal_per_person_day / self.food_basket_kcal_per_kg
        rates["water"] = self.water_l_per_person_day
        return rates

    def to_base(self, commodity: str, unit: str) -> float:
        """Factor from ``unit`` to the commodity's base unit (kg, l or kit)."""
        if unit == BASE_UNIT[commodity]:
            return 1.0
        if unit in {"t", "m3"}:
            return 1000.0
        if commodity == "oil" and unit == "l":
            return self.oil_kg_per_l
        if commodity == "food_basket" and unit == "kcal":
            return 1.0 / self.food_basket_kcal_per_kg
        msg = f"{commodity} cannot be converted from {unit} to {BASE_UNIT[commodity]}"
        raise ValueError(msg)

    def mass_kg_per_unit(self) -> dict[str, float]:
        """Mass of one base unit of each commodity, for loading trucks (kits are not weighed)."""
        masses = dict.fromkeys(self.ration_g_per_person_day, 1.0)
        masses["food_basket"] = 1.0
        masses["water"] = 1.0  # 1 l of water weighs 1 kg
        masses["fuel"] = self.fuel_kg_per_l
        return masses


DEFAULT_STANDARDS = Standards()
