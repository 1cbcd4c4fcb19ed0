"""Invented street names and street classes of the demo city's grid lines.

The names are made up from plants and trades; any likeness to a real street is a coincidence.
"""

from __future__ import annotations

from safepassage.demo.draft import Tags
from safepassage.demo.layout import ARTERIAL_EVERY

__all__ = ["EXIT_COLS", "EXIT_ROWS", "col_tags", "diagonal_names", "ordinal", "row_tags"]

# grid lines that carry on beyond the ring road as exit roads (and are primary inside the city)
EXIT_COLS = (28, 42)  # north exit, south exit
EXIT_ROWS = (14, 35)  # east exit, west exit

_ROW_WORDS = (
    "Acacia", "Almond", "Apricot", "Aspen", "Bay", "Beech", "Birch", "Bramble", "Cedar",
    "Cherry", "Chestnut", "Clover", "Cypress", "Elder", "Elm", "Fennel", "Fig", "Hawthorn",
    "Hazel", "Heather", "Holly", "Ivy", "Jasmine", "Juniper", "Laurel", "Lavender", "Lemon",
    "Lilac", "Linden", "Maple", "Mint", "Myrtle", "Oak", "Olive", "Orange", "Palm", "Pear",
    "Pine", "Plane", "Plum", "Poplar", "Quince", "Rowan", "Saffron", "Sage", "Thyme",
)  # fmt: skip
_ARTERIAL_ROWS = {
    0: "Southern Avenue",
    7: "Foundry Avenue",
    14: "Station Avenue",
    21: "Ferry Avenue",
    28: "Citadel Avenue",
    35: "Orchard Avenue",
    42: "Northern Avenue",
}
_ARTERIAL_COLS = {
    0: "Western Parkway",
    7: "Tannery Street",
    14: "Mill Street",
    21: "Granary Street",
    28: "Gate Street",
    35: "Clockmakers Street",
    42: "Bridge Street",
    49: "Market Street",
    56: "Kiln Street",
    63: "Eastern Parkway",
}
_DIAGONAL_NAMES = ("Lantern Avenue", "Weavers Avenue", "Potters Avenue", "Saltmarket Avenue")


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ..., ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _arterial(name: str, primary: bool) -> Tags:
    if primary:
        return {"highway": "primary", "name": name, "lanes": "4"}
    return {"highway": "secondary", "name": name, "lanes": "2"}


def row_tags(j: int) -> Tags:
    """Tags of east-west grid line ``j``: arterial every 7th line, tertiary halfway between."""
    if j % ARTERIAL_EVERY == 0:
        return _arterial(_ARTERIAL_ROWS[j], j in EXIT_ROWS)
    highway = "tertiary" if j % ARTERIAL_EVERY == 3 else "residential"
    return {"highway": highway, "name": f"{_ROW_WORDS[j]} Road"}


def col_tags(i: int) -> Tags:
    """Tags of north-south grid line ``i``: arterial every 7th line, tertiary halfway between."""
    if i % ARTERIAL_EVERY == 0:
        return _arterial(_ARTERIAL_COLS[i], i in EXIT_COLS)
    highway = "tertiary" if i % ARTERIAL_EVERY == 4 else "residential"
    return {"highway": highway, "name": f"{ordinal(i + 1)} Street"}


def diagonal_names() -> tuple[str, ...]:
    """Names of the diagonal avenues, in the order :mod:`safepassage.demo.grid` lays them out."""
    return _DIAGONAL_NAMES
