"""Read a KoBoToolbox or ODK Central export, or an HXL CSV, into one plain table.

The dialect is detected, not declared:

- **KoBoToolbox CSV**: ``;`` (the default) or ``,`` delimiter, groups joined with ``/``
  (``count/people``), ``_uuid`` per submission; with "include HXL hashtags", a hashtag row
  under the header;
- **ODK Central CSV**: ``,`` delimiter, groups joined with ``-`` (``count-people``), ``KEY``
  (``uuid:…``) per submission, and on the rows of a repeat group's file ``KEY``
  (``uuid:…/count[2]``) and ``PARENT_KEY``;
- **KoBoToolbox JSON**: a list of submissions, or the API's ``{"results": [...]}``; groups as
  ``group/field`` keys, repeat groups as lists of objects (one record per entry);
- **ODK Central JSON**: the OData ``{"value": [...]}`` with ``__id``; groups as nested objects,
  geopoints as GeoJSON points;
- **ODK Central ZIP** ("download all data"): the submissions' CSV and one CSV per repeat group,
  joined by ``PARENT_KEY``: one record per repeat entry, with its submission's fields (each
  ``KEY`` once, each ``PARENT_KEY`` a row's ``KEY``: a tree, so never more records than rows);
- **HXL CSV**: any rows above a hashtag row, read with libhxl.

What comes out (:class:`RawTable`) is the file's own columns and text cells, with each record's
row number and the submission's own id: :mod:`safepassage.storage.ingest` maps the columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import hxl

from safepassage.errors import DataError

__all__ = ["ZIP_MAGIC", "Dialect", "RawRow", "RawTable", "form_table", "read_export"]

Dialect = Literal["kobo_csv", "odk_csv", "kobo_json", "odk_json", "hxl_csv"]
ZIP_MAGIC = b"PK\x03\x04"  # ODK Central's ZIP export (read by storage/ingest_odk_zip.py)

_HASHTAG_SEARCH_ROWS = 25  # libhxl looks this far down for the hashtag row too


@dataclass(frozen=True, slots=True)  # slots: a ZIP export may hold a million rows
class RawRow:
    """One record: where it is in the file, the submission's own id, its cells by column."""

    number: int  # 1-based row of a CSV file (header included), or submission of a JSON file
    cells: list[str]
    own_id: str = ""
    repeat: str = ""  # the repeat-group entry it comes from, e.g. "count[2]" ("" for none)
    source: str = ""  # the file of a ZIP export it comes from ("" for a single file)
    # the rows of a ZIP export whose fields it carries: its outer entries', its submission's
    within: str = ""

    @property
    def where(self) -> str:
        """``row 5``, ``row 5 (count[2])``, ``form-count.csv row 5`` or ``form-count.csv row 5
        (its submission: form.csv row 2)``: how messages name it."""
        at = f"{self.source} row {self.number}" if self.source else f"row {self.number}"
        context = "; ".join(part for part in (self.repeat, self.within) if part)
        return at + (f" ({context})" if context else "")


@dataclass
class RawTable:
    dialect: Dialect
    headers: list[str]
    separator: str  # XLSForm group separator in the headers ("" for HXL)
    tags: list[str] = field(default_factory=list)  # HXL hashtag per column, if the file has them
    rows: list[RawRow] = field(default_factory=list)


def _is_hashtag_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def _hashtag_row(rows: list[list[str]]) -> int | None:
    for index, row in enumerate(rows[:_HASHTAG_SEARCH_ROWS]):
        if _is_hashtag_row(row):
            return index
    return None


_ID_COLUMNS = frozenset({"_uuid", "KEY", "SubmissionDate"})


def _read_csv(text: str) -> list[list[str]]:
    """Parse with the delimiter that finds the export's id column or a hashtag row (KoBo
    writes ``;`` by default, ODK ``,``; a title row may hold either), else the widest header."""
    best: tuple[tuple[bool, int], list[list[str]]] | None = None
    for delimiter in (",", ";", "\t"):
        try:
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error as exc:
            raise DataError(f"CSV: {exc}; export the file again") from None
        if not table:
            raise DataError("the file is empty; export the form data again")
        known = bool(_ID_COLUMNS & set(table[0]))
        tag_row = _hashtag_row(table)
        header = table[tag_row] if tag_row is not None and not known else table[0]
        score = (known or tag_row is not None, len(header))
        if best is None or score > best[0]:
            best = (score, table)
    assert best is not None
    return best[1]


def _hxl(content: bytes) -> RawTable:
    """HXL CSV through libhxl: it finds the hashtag row and the delimiter itself."""
    options = hxl.input.InputOptions(allow_local=True, encoding="utf-8-sig")
    try:
        with hxl.data(io.BytesIO(content), options) as dataset:
            tags = [column.display_tag or "" for column in dataset.columns]
            table = RawTable("hxl_csv", headers=tags, separator="", tags=tags)
            for row in dataset:
                cells = [("" if v is None else str(v)).strip() for v in row.values]
                if any(cells):  # 1-based, as a spreadsheet shows it
                    table.rows.append(RawRow(int(row.source_row_number) + 1, cells))
    except (hxl.HXLException, csv.Error, ValueError) as exc:
        raise DataError(f"HXL: {exc}; check the hashtag row") from None
    return table


# KoBoToolbox's id of a submission across its edits (each edit gets a new _uuid; rootUuid stays
# the first one's instanceID, "uuid:" + its _uuid), written by KoBo since 2025
_ROOT_UUID = frozenset({"meta/rootUuid", "rootUuid"})


def _root(value: str) -> str:
    """A rootUuid as an _uuid: without its namespace (``uuid:`` or a custom one)."""
    return value.strip().rsplit(":", 1)[-1]


def form_table(table: Iterable[list[str]], dialect: Dialect) -> RawTable:
    """The rows of a KoBoToolbox or ODK Central CSV, read once (a ZIP's members are streamed)."""
    rows = iter(table)
    headers = [h.strip() for h in next(rows, [])]
    id_name = "_uuid" if dialect == "kobo_csv" else "KEY"
    id_col = headers.index(id_name) if id_name in headers else None
    root_col = next((i for i, h in enumerate(headers) if h in _ROOT_UUID), None)
    if dialect != "kobo_csv":
        root_col = None
    first = next(rows, None)
    body_start = 1
    tags: list[str] = []
    if first is not None and _is_hashtag_row(first):  # KoBo "include HXL hashtags"
        tags = [t.strip() for t in first]
        body_start, first = 2, None
    separator = "/" if dialect == "kobo_csv" else "-"
    raw = RawTable(dialect, headers=headers, separator=separator, tags=tags)
    body = rows if first is None else itertools.chain([first], rows)
    for number, row in enumerate(body, start=body_start + 1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [row[c].strip() if c < len(row) else "" for c in range(len(headers))]
        own = cells[id_col] if id_col is not None else ""
        if root_col is not None and cells[root_col]:
            own = _root(cells[root_col])
        raw.rows.append(RawRow(number, cells, own_id=own))
    return raw


def _csv(text: str, content: bytes) -> RawTable:
    table = _read_csv(text)
    headers = {h.strip() for h in table[0]}
    if "KEY" in headers or "SubmissionDate" in headers:
        return form_table(table, "odk_csv")
    if "_uuid" in headers:
        return form_table(table, "kobo_csv")
    if _hashtag_row(table) is not None:
        return _hxl(content)
    msg = "not a KoBoToolbox or ODK Central export (no _uuid or KEY column) nor HXL CSV"
    raise DataError(f"{msg}; export the form data as CSV with XML names, or add HXL hashtags")


def _point_text(value: dict[str, Any]) -> str | None:
    """An ODK Central GeoJSON point as an XLSForm geopoint (``lat lon``), else ``None``."""
    coordinates = value.get("coordinates")
    if value.get("type") == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
        return f"{coordinates[1]} {coordinates[0]}"
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_cell(v) for v in value)
    return str(value).strip()


def _is_repeat(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _name(prefix: str, key: str) -> str:
    """``prefix/key``; KoBoToolbox already writes full paths inside repeat entries."""
    if not prefix or key.startswith(f"{prefix}/"):
        return key
    return f"{prefix}/{key}"


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Groups (``group/field`` keys or nested objects) as flat ``group/field`` names."""
    flat: dict[str, str] = {}
    for key, value in record.items():
        name = _name(prefix, str(key))
        if _is_repeat(value):
            continue  # expanded into records of their own
        if isinstance(value, dict):
            point = _point_text(value)
            if point is None:
                flat.update(_flatten(value, name))
                continue
            value = point
        flat[name] = _cell(value)
    return flat


def _expand(record: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    """One flat record per entry of each repeat group (with the submission's other fields), or
    the submission itself when it has none: ``(repeat path, fields)``."""
    base = _flatten(record, prefix)
    out: list[tuple[str, dict[str, str]]] = []
    for key, value in record.items():
        if not _is_repeat(value):
            continue
        name = _name(prefix, str(key))
        for index, entry in enumerate(value):
            label = f"{key.split('/')[-1]}[{index + 1}]"
            for inner, fields in _expand(entry, name):
                out.append((f"{label}/{inner}" if inner else label, {**base, **fields}))
    return out or [("", base)]


def _json(data: Any) -> RawTable:
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        dialect: Dialect = "odk_json"
        records, id_key = data["value"], "__id"
    elif isinstance(data, dict) and isinstance(data.get("results"), list):
        dialect, records, id_key = "kobo_json", data["results"], "_uuid"
    elif isinstance(data, list):
        dialect, records, id_key = "kobo_json", data, "_uuid"
    else:
        raise DataError(
            'JSON: expected a list of submissions, {"results": [...]} (KoBoToolbox) or '
            '{"value": [...]} (ODK Central OData); export the submissions again'
        )
    flat_rows: list[tuple[int, str, str, dict[str, str]]] = []
    headers: dict[str, int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise DataError(f"JSON submission {index + 1} is not an object; export it again")
        meta = record.get("meta")
        own = record.get(id_key) or (meta.get("instanceID") if isinstance(meta, dict) else "")
        root = record.get("meta/rootUuid") or (
            meta.get("rootUuid") if isinstance(meta, dict) else ""
        )
        if dialect == "kobo_json" and root:
            own = _root(_cell(root))
        for repeat, fields in _expand(record):
            for name in fields:
                headers.setdefault(name, len(headers))
            flat_rows.append((index + 1, repeat, _cell(own), fields))
    raw = RawTable(dialect, headers=list(headers), separator="/")
    for number, repeat, own, fields in flat_rows:
        cells = [fields.get(name, "") for name in raw.headers]
        raw.rows.append(RawRow(number, cells, own_id=own, repeat=repeat))
    return raw


def read_export(content: bytes) -> RawTable:
    """Detect the dialect of an export and read it as a plain table of text cells.

    Raises
    ------
    DataError
        Not UTF-8, malformed JSON, or not a known dialect; a ZIP that is damaged, whose KEYs
        and PARENT_KEYs do not make a tree of its rows, or past its caps (100 MB of CSV, 2
        million rows, 1 million records, repeats 32 deep).
    """
    if content.startswith(ZIP_MAGIC):
        from safepassage.storage.ingest_odk_zip import read_odk_zip  # it reads CSVs with this

        return read_odk_zip(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            "the file is not UTF-8 text; export it again as UTF-8 CSV or JSON"
        ) from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
            return _json(data)
        except json.JSONDecodeError as exc:
            raise DataError(f"JSON line {exc.lineno}: {exc.msg}; check the file") from None
        except RecursionError:
            raise DataError("JSON nested too deeply for a form export; check the file") from None
    return _csv(text, content)
