"""Read crossing counts from KoBoToolbox and ODK Central exports (CSV, JSON) and HXL CSV.

The dialect is detected, not declared:

- **KoBoToolbox CSV**: ``;`` (the default) or ``,`` delimiter, groups joined with ``/``
  (``count/people``), ``_uuid`` per submission;
- **ODK Central CSV**: ``,`` delimiter, groups joined with ``-`` (``count-people``), ``KEY``
  (``uuid:…``) per submission and ``PARENT_KEY`` on repeat rows;
- **KoBoToolbox JSON**: a list of submissions, or the API's ``{"results": [...]}``;
- **ODK Central JSON**: the OData ``{"value": [...]}`` with ``__id``;
- **HXL CSV**: any rows above a hashtag row, read with libhxl; columns found by tag (the tags
  the exports write).

Columns are matched by XLSForm name (after the group prefix) or HXL tag; every other column is
ignored and never stored (reference R10: respondent-level rows are reduced to aggregates at
ingest). Each row's ``client_id`` comes from the submission's own id, or, in HXL, from
``#meta+id`` or the file's hash and the row number: re-ingesting a file adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import hxl

from safepassage.errors import DataError

__all__ = ["FIELDS", "IngestRow", "Parsed", "parse_crossings"]

Dialect = Literal["kobo_csv", "odk_csv", "kobo_json", "odk_json", "hxl_csv"]

# field -> (XLSForm names accepted, HXL tags accepted)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "corridor": (("corridor", "corridor_code"), ("#loc+code+corridor", "#loc+corridor+code")),
    "window_start": (("window_start", "start_time"), ("#date+start",)),
    "window_end": (("window_end", "end_time"), ("#date+end",)),
    "people": (("people", "people_crossed", "count"), ("#affected+displaced+ind",)),
    "group": (("group", "group_code"), ("#group+code",)),
    "age_band": (("age_band",), ("#affected+age",)),
    "sex": (("sex",), ("#affected+sex",)),
    "client_id": ((), ("#meta+id",)),
}
REQUIRED = ("corridor", "window_start", "window_end", "people")
_NAMESPACE = uuid.UUID("5b0c3f4e-7d1a-4c55-9d2e-0f6a1b2c3d4e")  # safepassage ingest ids


@dataclass(frozen=True)
class IngestRow:
    """One record: its row number in the file (1-based, header included) and its fields."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Parsed:
    dialect: Dialect
    columns: dict[str, str]  # field -> the file's column (for error messages)
    rows: list[IngestRow]


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def _field_for_name(header: str, separator: str) -> str | None:
    leaf = header.split(separator)[-1].strip().lower() if separator else header.strip().lower()
    for name, (names, _) in FIELDS.items():
        if leaf in names or header.strip().lower() in names:
            return name
    return None


def _field_for_tag(tag: str) -> str | None:
    parts = tag.strip().lower().split("+")
    if not parts or not parts[0].startswith("#"):
        return None
    for name, (_, tags) in FIELDS.items():
        for wanted in tags:
            w = wanted.split("+")
            if w[0] == parts[0] and set(w[1:]) <= set(parts[1:]):
                return name
    return None


def _map_columns(headers: list[str], *, separator: str, hxl: bool) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _field_for_tag(header) if hxl else _field_for_name(header, separator)
        if name is not None and name not in found:
            found[name] = index
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        kind = "HXL tags" if hxl else "XLSForm names (export with XML names, not labels)"
        wanted = ", ".join((FIELDS[f][1][0] if hxl else FIELDS[f][0][0]) for f in missing)
        raise DataError(f"no column for {', '.join(missing)}: add {kind} {wanted}")
    return found


_SEX = {"female": "f", "woman": "f", "girl": "f", "male": "m", "man": "m", "boy": "m"}


def _normalise(values: dict[str, str]) -> None:
    """Common XLSForm choice names for sex (``female``/``male``) to the stored ``f``/``m``."""
    if values.get("sex"):
        values["sex"] = _SEX.get(values["sex"].strip().lower(), values["sex"].strip().lower())


def _hashtag_row(rows: list[list[str]]) -> int | None:
    for index, row in enumerate(rows[:25]):
        cells = [c.strip() for c in row if c.strip()]
        if cells and all(c.startswith("#") for c in cells):
            return index
    return None


def _read_table(text: str) -> list[list[str]]:
    """Parse with the delimiter that finds the export's id column or a hashtag row (KoBo
    writes ``;`` by default, ODK ``,``; a title row may hold either), else the widest header."""
    best: tuple[tuple[bool, int], list[list[str]]] | None = None
    for delimiter in (",", ";", "\t"):
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if not table:
            raise DataError("the file is empty")
        known = bool({"_uuid", "KEY", "SubmissionDate"} & set(table[0]))
        tag_row = _hashtag_row(table)
        header = table[tag_row] if tag_row is not None and not known else table[0]
        score = (known or tag_row is not None, len(header))
        if best is None or score > best[0]:
            best = (score, table)
    assert best is not None
    return best[1]


def _hxl_rows(content: bytes, source: str) -> Parsed:
    """HXL CSV through libhxl: it finds the hashtag row and the delimiter itself."""
    options = hxl.input.InputOptions(allow_local=True, encoding="utf-8-sig")
    try:
        with hxl.data(io.BytesIO(content), options) as dataset:
            tags = [column.display_tag or "" for column in dataset.columns]
            columns = _map_columns(tags, separator="", hxl=True)
            rows = []
            for row in dataset:
                values = [("" if v is None else str(v)).strip() for v in row.values]
                if not any(values):
                    continue
                number = int(row.source_row_number) + 1  # 1-based, as a spreadsheet shows it
                fields = {f: (values[c] if c < len(values) else "") for f, c in columns.items()}
                _normalise(fields)
                fields["client_id"] = _client_id(
                    fields.get("client_id", ""), "hxl_csv", source, number
                )
                rows.append(IngestRow(number, fields))
    except hxl.HXLException as exc:
        raise DataError(f"HXL: {exc}") from None
    return Parsed("hxl_csv", {f: tags[c] for f, c in columns.items()}, rows)


def _csv_rows(text: str, source: str, content: bytes) -> Parsed:
    table = _read_table(text)
    headers = table[0]
    tag_row = _hashtag_row(table)
    if "KEY" in headers or "SubmissionDate" in headers:
        dialect: Dialect = "odk_csv"
        columns = _map_columns(headers, separator="-", hxl=False)
        id_col, body, offset = headers.index("KEY") if "KEY" in headers else None, table[1:], 2
    elif "_uuid" in headers:
        dialect = "kobo_csv"
        columns = _map_columns(headers, separator="/", hxl=False)
        id_col, body, offset = headers.index("_uuid"), table[1:], 2
    elif tag_row is not None:
        return _hxl_rows(content, source)
    else:
        msg = "not a KoBoToolbox or ODK Central export (no _uuid or KEY column) nor HXL CSV"
        raise DataError(f"{msg}; export the form data as CSV with XML names")
    rows = []
    for index, row in enumerate(body):
        if not any(cell.strip() for cell in row):
            continue
        number = index + offset
        values = {f: (row[c].strip() if c < len(row) else "") for f, c in columns.items()}
        _normalise(values)
        own = row[id_col].strip() if id_col is not None and id_col < len(row) else ""
        values["client_id"] = _client_id(own, dialect, source, number)
        rows.append(IngestRow(number, values))
    return Parsed(dialect, {f: headers[c] for f, c in columns.items()}, rows)


def _client_id(own: str, dialect: Dialect, source: str, number: int) -> str:
    if dialect == "hxl_csv":
        try:
            return str(uuid.UUID(own))
        except ValueError:
            return _stable_id("hxl", source, str(number))
    if not own:
        return _stable_id(dialect, source, str(number))
    return _stable_id(dialect.split("_")[0], own.removeprefix("uuid:"))


def _json_rows(data: Any, source: str) -> Parsed:
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        dialect: Dialect = "odk_json"
        records, id_key = data["value"], "__id"
    elif isinstance(data, dict) and isinstance(data.get("results"), list):
        dialect, records, id_key = "kobo_json", data["results"], "_uuid"
    elif isinstance(data, list):
        dialect, records, id_key = "kobo_json", data, "_uuid"
    else:
        raise DataError(
            'JSON: expected a list of submissions, {"results": [...]} or {"value": [...]}'
        )
    rows = []
    columns: dict[str, str] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise DataError(f"JSON submission {index + 1} is not an object")
        flat = _flatten(record)
        values: dict[str, str] = {}
        for key, value in flat.items():
            name = _field_for_name(key, "/")
            if name is not None and name not in values:
                values[name] = "" if value is None else str(value)
                columns.setdefault(name, key)
        _normalise(values)
        own = str(record.get(id_key) or (record.get("meta") or {}).get("instanceID") or "")
        values["client_id"] = _client_id(own, dialect, source, index + 1)
        rows.append(IngestRow(index + 1, values))
    return Parsed(dialect, columns, rows)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """ODK Central nests groups as objects; KoBo writes ``group/field`` keys: make both flat."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def parse_crossings(content: bytes) -> Parsed:
    """Detect the dialect of an export and return its rows as text fields.

    Raises
    ------
    DataError
        Not UTF-8, not a known dialect, or a required column missing.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            "the file is not UTF-8 text; export it again as UTF-8 CSV or JSON"
        ) from None
    source = hashlib.sha256(content).hexdigest()
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DataError(f"JSON line {exc.lineno}: {exc.msg}") from None
        return _json_rows(data, source)
    return _csv_rows(text, source, content)
