"""HXL population tables: points (``#geo+lat``, ``#geo+lon``) or admin codes (``#adm2+code``).

The Humanitarian Exchange Language puts a row of hashtags under (or instead of) the human header
row; libhxl finds that row among the first 25 rows, so title rows above it are fine. Row numbers
in messages are the rows a spreadsheet shows: title, header and hashtag rows are counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hxl
import numpy as np
import shapely

from safepassage.errors import DataError
from safepassage.io.geojson import read_polygon_features
from safepassage.io.population_areas import area_parcels
from safepassage.io.population_parcels import (
    Parcels,
    check_file,
    label_indexes,
    parse_count,
    source_label,
)
from safepassage.io.projection import to_metres
from safepassage.model.scenario import PopulationSource

__all__ = ["HxlTable", "read_hxl_admin", "read_hxl_points", "read_hxl_table"]

POINT_TAGS = ("#geo+lat", "#geo+lon", "#population")
NAME_TAGS = ("#adm2+name", "#loc+name", "#adm3+name")
CODE_TAGS = ("#adm2+code", "#adm3+code", "#adm1+code")


@dataclass(frozen=True)
class HxlTable:
    """The tagged columns and the non-blank data rows of an HXL file.

    ``rows`` holds ``(row number as a spreadsheet shows it, cell texts)``.
    """

    path: Path
    columns: tuple[Any, ...]  # hxl.model.Column
    tags: tuple[str, ...]  # display tag of each column, "" where untagged
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def find(self, tag: str) -> int | None:
        """Index of the column matching ``tag`` (attributes may be extra), or None.

        Several matches are resolved to the one with exactly the asked attributes, else to the one
        marked ``+total``; otherwise the choice is the user's, and the error says so.
        """
        pattern = hxl.model.TagPattern.parse(tag)
        hits = [i for i, column in enumerate(self.columns) if pattern.match(column)]
        if len(hits) <= 1:
            return hits[0] if hits else None
        exact = [i for i in hits if set(self.columns[i].attributes) == pattern.include_attributes]
        total = [i for i in hits if "total" in self.columns[i].attributes]
        for group in (exact, total):
            if len(group) == 1:
                return group[0]
        shown = ", ".join(self.tags[i] for i in hits)
        msg = (
            f"{self.path}: {len(hits)} columns match {tag} ({shown}); keep one, or tag the one "
            "to use with +total"
        )
        raise DataError(msg)

    def require(self, tags: Sequence[str], *, fmt: str) -> list[int]:
        """Column indexes of ``tags``; a one-line error lists the missing and the found tags."""
        found = [self.find(tag) for tag in tags]
        missing = [tag for tag, index in zip(tags, found, strict=True) if index is None]
        if missing:
            raise self.missing_tags(missing, needs=", ".join(tags), fmt=fmt)
        return [index for index in found if index is not None]

    def missing_tags(self, missing: Sequence[str], *, needs: str, fmt: str) -> DataError:
        """The error for absent tags: which are missing, which are needed, which were found."""
        present = ", ".join(t for t in self.tags if t) or "none"
        msg = (
            f"{self.path}: missing HXL tag(s) {', '.join(missing)}; {fmt} needs {needs} "
            f"(found: {present}); add them to the hashtag row"
        )
        return DataError(msg)


def _cell(values: tuple[str, ...], index: int | None) -> str:
    if index is None or index >= len(values):
        return ""
    return values[index]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_hxl_table(path: Path) -> HxlTable:
    """Parse an HXL CSV (or spreadsheet) with libhxl; blank rows are skipped.

    Raises
    ------
    DataError
        Missing or unreadable file, or no hashtag row in the first 25 rows.
    """
    path = Path(path)
    check_file(path, what="HXL population")
    options = hxl.input.InputOptions(allow_local=True, encoding="utf-8-sig")
    try:
        with hxl.data(str(path), options) as source:
            columns = tuple(source.columns)
            rows = tuple(
                (int(row.source_row_number) + 1, tuple(_text(v) for v in row.values))
                for row in source
            )
    except hxl.input.HXLTagsNotFoundException:
        msg = (
            f"{path}: no HXL hashtag row in the first 25 rows; add a row such as "
            f"{','.join(POINT_TAGS)} under the header row"
        )
        raise DataError(msg) from None
    except (hxl.HXLException, OSError, UnicodeError, ValueError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        msg = f"{path}: cannot read as an HXL table ({detail}); save it as a UTF-8 CSV"
        raise DataError(msg) from None
    tags = tuple(str(c.display_tag or "") for c in columns)
    data = tuple((number, values) for number, values in rows if any(values))
    if not data:
        msg = f"{path}: no data rows under the hashtag row; add one row per place with its count"
        raise DataError(msg)
    return HxlTable(path, columns, tags, data)


def _degrees(text: str, *, where: str, tag: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and -limit <= value <= limit):
        shown = repr(text) if text else "empty"
        kind = "latitudes" if limit == 90 else "longitudes"
        msg = (
            f"{where}: {tag} is {shown}; {kind} must be decimal degrees (WGS84) between "
            f"-{limit:g} and {limit:g}"
        )
        raise DataError(msg)
    return value


def _name_column(table: HxlTable) -> int | None:
    for tag in NAME_TAGS:
        index = table.find(tag)
        if index is not None:
            return index
    return None


def read_hxl_points(source: PopulationSource, *, crs: str) -> Parcels:
    """Rows with a WGS84 point and a count; each row is one parcel, projected to ``crs``.

    The area label of a row is its ``#adm2+name``, ``#loc+name`` or ``#adm3+name`` (the first of
    these columns present), else the source's name.

    Raises
    ------
    DataError
        Missing tags, empty/negative/non-numeric counts, coordinates missing or out of range.
    """
    table = read_hxl_table(source.path)
    lat_col, lon_col, pop_col = table.require(POINT_TAGS, fmt="hxl_points")
    name_col = _name_column(table)
    default = source_label(source)
    count = len(table.rows)
    lat, lon, people = np.empty(count), np.empty(count), np.empty(count)
    labels: list[str] = []
    where: list[str] = []
    for k, (number, values) in enumerate(table.rows):
        at = f"{table.path}: row {number}"
        lat[k] = _degrees(_cell(values, lat_col), where=at, tag=table.tags[lat_col], limit=90)
        lon[k] = _degrees(_cell(values, lon_col), where=at, tag=table.tags[lon_col], limit=180)
        people[k] = parse_count(_cell(values, pop_col), where=at, column=table.tags[pop_col])
        labels.append(_cell(values, name_col) or default)
        where.append(f"row {number}")
    x, y = to_metres(crs, lon, lat)
    area, unique = label_indexes(labels)
    return Parcels(
        path=table.path,
        format="hxl_points",
        name=default,
        people=people,
        area=area,
        labels=unique,
        x_m=x,
        y_m=y,
        where=tuple(where),
    )


@dataclass(frozen=True)
class _Boundary:
    geometry: shapely.Geometry
    name: str | None


def _boundaries(source: PopulationSource) -> dict[str, _Boundary]:
    """Admin boundaries by code; features sharing a code are merged into one area."""
    assert source.boundaries is not None and source.code_property is not None
    path, key = Path(source.boundaries), source.code_property
    parts: dict[str, list[shapely.Geometry]] = {}
    names: dict[str, str | None] = {}
    for feature in read_polygon_features(path, what="admin boundaries"):
        code = _text(feature.properties.get(key))
        if code:
            parts.setdefault(code, []).append(feature.geometry)
            name = feature.properties.get(source.name_property) if source.name_property else None
            names.setdefault(code, _text(name) or None)
    if not parts:
        msg = (
            f"{path}: no feature has the property {key!r}; set code_property to the property "
            "holding the admin codes (such as ADM2_PCODE)"
        )
        raise DataError(msg)
    return {
        code: _Boundary(geoms[0] if len(geoms) == 1 else shapely.union_all(geoms), names[code])
        for code, geoms in parts.items()
    }


def _code_column(table: HxlTable, codes: dict[str, _Boundary]) -> int:
    """The admin-code column whose codes match most boundaries (ties: adm2, adm3, adm1)."""
    found = [i for i in (table.find(tag) for tag in CODE_TAGS) if i is not None]
    if not found:
        code = "#adm2+code (or #adm1+code, #adm3+code)"
        missing = [code] + (["#population"] if table.find("#population") is None else [])
        raise table.missing_tags(missing, needs=f"{code}, #population", fmt="hxl_admin")
    matches = [sum(_cell(values, i) in codes for _, values in table.rows) for i in found]
    return found[int(np.argmax(matches))]


def read_hxl_admin(source: PopulationSource, *, crs: str) -> Parcels:
    """Rows with an admin code and a count, joined to ``source.boundaries`` by ``code_property``.

    Each row becomes an area parcel (spread by road length later). Its label is the row's name
    column, else the boundary's ``name_property``, else the code.

    Raises
    ------
    DataError
        Missing tags, bad counts, a code with no boundary (naming the row and the code).
    """
    table = read_hxl_table(source.path)
    codes = _boundaries(source)
    code_col = _code_column(table, codes)
    (pop_col,) = table.require(("#population",), fmt="hxl_admin")
    name_col = _name_column(table)
    people: list[float] = []
    geoms: list[shapely.Geometry] = []
    labels: list[str] = []
    where: list[str] = []
    for number, values in table.rows:
        at = f"{table.path}: row {number}"
        code = _cell(values, code_col)
        if code not in codes:
            shown = f"admin code {code!r}" if code else "the admin code"
            msg = (
                f"{at}: {shown} ({table.tags[code_col]}) has no boundary in {source.boundaries} "
                f"(property {source.code_property!r}); fix the code or add its boundary"
            )
            raise DataError(msg)
        people.append(parse_count(_cell(values, pop_col), where=at, column=table.tags[pop_col]))
        geoms.append(codes[code].geometry)
        labels.append(_cell(values, name_col) or codes[code].name or code)
        where.append(f"row {number} ({code})")
    return area_parcels(
        path=table.path,
        fmt="hxl_admin",
        name=source_label(source),
        people=people,
        geometries=geoms,
        labels=labels,
        where=where,
        crs=crs,
    )
