"""Read ODK Central's "download all data" ZIP into one plain table.

The ZIP holds the submissions' CSV (``KEY``, no ``PARENT_KEY``) and one CSV per repeat group
(``PARENT_KEY`` and ``KEY``), nested ones too; media files are skipped. Each repeat entry is one
record, with the fields of its submission and of the entries it sits in, as in a JSON export.
Each ``KEY`` appears once and each ``PARENT_KEY`` is a row's ``KEY``: the rows make a tree, so
there are never more records than rows. A hostile archive (a zip bomb, a cycle, fan-out) is
refused by the caps below with one clear line.
"""

from __future__ import annotations

import csv
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from safepassage.errors import DataError
from safepassage.storage.ingest_dialects import RawRow, RawTable, form_table

__all__ = ["read_odk_zip"]

# Unpacked CSV: 5x a plain CSV request (20 MB, api/routes/ingest.py MAX_BYTES), so that a ZIP,
# however well it deflates (1000x for crafted rows), costs at most 5x the memory and time of a
# plain request (about 1 GB and 15 s at the cap). Central's CSVs deflate 4x (the submissions':
# random uuids) to 13x (a repeat group's: each PARENT_KEY repeated), so this takes real exports
# of 8 to 25 MB zipped; a larger one is sent as several exports, as a large CSV is.
_ZIP_MAX_BYTES = 100 * 1024 * 1024
_ZIP_MAX_DEPTH = 32  # repeat groups inside repeat groups: real forms nest two or three deep
# Rows read (short ones could number 5 million in 100 MB): every record is a row, and the
# submissions and outer entries that hold them are rows too.
_ZIP_MAX_ROWS = 2_000_000
# Each record carries its submission's fields (and its outer entries'), so the table can be
# wider than any one file: cap the records, and the cells (8 bytes each, 400 MB at most).
_ZIP_MAX_RECORDS = 1_000_000
_ZIP_MAX_CELLS = 50_000_000
_ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0 (PKWARE APPNOTE 4.4.4)
# what zipfile and its decompressors raise on a damaged archive (ValueError: a bad offset,
# UnicodeDecodeError: a member name flagged UTF-8 that is not)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    NotImplementedError,
    OSError,
    ValueError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)

_Entry = tuple[str, RawRow]  # a row of the ZIP and the file it is in


def _shown(name: str) -> str:
    """A member's name as messages show it: on one line, whatever bytes it holds."""
    return name if name.isprintable() else ascii(name)


def _at_most(rows: Iterable[list[str]], budget: int) -> Iterator[list[str]]:
    """The rows, refused when there are more than ``budget`` under the header."""
    for count, row in enumerate(rows):
        if count > budget:
            raise DataError(
                f"ZIP: its CSV files hold more than {_ZIP_MAX_ROWS:,} rows; "
                "export fewer submissions at a time"
            )
        yield row


def _zip_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> RawTable:
    """One CSV of the archive, streamed as ODK Central writes it (``,``, UTF-8), of at most
    ``budget`` rows."""
    name = _shown(member.filename)
    try:
        with archive.open(member) as stream:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            return form_table(_at_most(csv.reader(text), budget), "odk_csv")
    except UnicodeDecodeError:
        raise DataError(f"ZIP: {name} is not UTF-8; export it again") from None
    except csv.Error as exc:
        raise DataError(f"ZIP: {name}: CSV: {exc}; export it again") from None
    except _ZIP_ERRORS as exc:
        raise DataError(f"ZIP: {name} is damaged ({exc}); download the export again") from None


def _zip_files(content: bytes) -> dict[str, RawTable]:
    """Each CSV of the archive by its base name; other files (media) are skipped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
    except _ZIP_ERRORS as exc:
        raise DataError(f"ZIP: {exc}; download the export again") from None
    if sum(m.file_size for m in members) > _ZIP_MAX_BYTES:
        raise DataError(
            f"ZIP: its CSV files unpack to more than {_ZIP_MAX_BYTES // 2**20} MB; "
            "export fewer submissions at a time"
        )
    named: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        name = member.filename.rsplit("/", 1)[-1]
        if name in named:  # one would replace the other: two forms' files, or a copy
            both = f"{_shown(named[name].filename)} and {_shown(member.filename)}"
            raise DataError(
                f"ZIP: two files are named {_shown(name)} ({both}); "
                "send one form's export, as ODK Central writes it"
            )
        if member.flag_bits & _ZIP_ENCRYPTED:
            raise DataError(
                f"ZIP: {_shown(member.filename)} is password-protected; "
                "send the ZIP as ODK Central exports it"
            )
        named[name] = member
    files: dict[str, RawTable] = {}
    budget = _ZIP_MAX_ROWS
    for name, member in named.items():
        files[name] = _zip_member(archive, member, budget)
        budget -= len(files[name].rows)
    return files


def _zip_children(files: dict[str, RawTable], main: str) -> dict[str, list[_Entry]]:
    """The repeat entries under each KEY, in file order.

    Every KEY is unique across the files and every PARENT_KEY names a row, so each row has
    one parent and the rows form a tree (or a cycle, found by the walk): no row is read twice,
    and no entry is dropped for want of a parent."""
    keys: dict[str, tuple[str, int]] = {}
    for name, table in files.items():
        for row in table.rows:
            if not row.own_id:
                continue  # it cannot be anyone's parent
            if row.own_id in keys:
                first, number = keys[row.own_id]
                raise DataError(
                    f"{_shown(name)} row {row.number}: KEY {row.own_id} is {_shown(first)} row "
                    f"{number}'s too; "
                    "each submission and entry has its own: export the form's data again"
                )
            keys[row.own_id] = (name, row.number)
    children: dict[str, list[_Entry]] = {}
    for name, table in files.items():
        if name == main:
            continue
        parent_col = table.headers.index("PARENT_KEY")
        for row in table.rows:
            parent = row.cells[parent_col]
            if parent not in keys:
                raise DataError(
                    f"{_shown(name)} row {row.number}: PARENT_KEY {parent or '(empty)'} "
                    "matches no submission or entry; export all the form's files together"
                )
            children.setdefault(parent, []).append((name, row))
    return children


def _within(chain: tuple[_Entry, ...]) -> str:
    """``in f-site.csv row 2; its submission: f.csv row 2``: the rows an entry of the chain's
    last row sits in."""
    outer = [f"in {_shown(name)} row {row.number}" for name, row in reversed(chain[1:])]
    name, row = chain[0]
    return "; ".join([*outer, f"its submission: {_shown(name)} row {row.number}"])


def read_odk_zip(content: bytes) -> RawTable:
    """ODK Central's "all data" ZIP: one record per entry of the repeat groups (nested ones
    too), carrying the fields of its submission and of the entries it sits in, like a JSON
    export; a submission without entries is one record itself."""
    files = _zip_files(content)
    mains = [n for n, f in files.items() if "KEY" in f.headers and "PARENT_KEY" not in f.headers]
    if len(mains) != 1:
        found = ", ".join(_shown(name) for name in sorted(files)) or "no CSV file"
        raise DataError(
            f"ZIP: expected one ODK Central submissions CSV (with KEY, without PARENT_KEY) and "
            f"its repeat groups' CSVs; found {found}"
        )
    main = mains[0]
    for name, table in files.items():
        if "PARENT_KEY" in table.headers and "KEY" not in table.headers:
            raise DataError(
                f"{_shown(name)}: a repeat group's file needs both KEY and PARENT_KEY columns; "
                "export the form's data again"
            )
    files = {  # other CSVs (neither KEY nor PARENT_KEY) are not the form's data: skipped
        name: table
        for name, table in files.items()
        if name == main or {"KEY", "PARENT_KEY"} <= set(table.headers)
    }
    children = _zip_children(files, main)
    headers: dict[str, int] = {}
    for table in files.values():
        for header in table.headers:
            headers.setdefault(header, len(headers))
    columns = {name: [headers[h] for h in table.headers] for name, table in files.items()}
    limit = min(_ZIP_MAX_RECORDS, _ZIP_MAX_CELLS // max(1, len(headers)))
    rows = sum(len(table.rows) for table in files.values())
    if rows - len(children) > limit:  # the records: the rows no entry sits in
        raise DataError(
            f"ZIP: more than {limit:,} records of {len(headers):,} columns; "
            "export fewer submissions at a time"
        )
    raw = RawTable("odk_csv", headers=list(headers), separator="-")
    raw.rows = _zip_records(files, main, children, columns, len(headers))
    return raw


def _zip_records(
    files: dict[str, RawTable],
    main: str,
    children: dict[str, list[_Entry]],
    columns: dict[str, list[int]],
    width: int,
) -> list[RawRow]:
    """One record per row no entry sits in, with the fields of the rows it sits in: depth
    first and in file order. A stack, not recursion, so that the depth cap, not Python's
    recursion limit, stops a PARENT_KEY chain 1,000 deep."""
    records: list[RawRow] = []
    entries = 0  # repeat rows reached from a submission
    stack: list[tuple[tuple[_Entry, ...], str]] = [
        (((main, row),), "") for row in reversed(files[main].rows)
    ]
    while stack:
        chain, within = stack.pop()
        name, row = chain[-1]
        below = children.get(row.own_id, []) if row.own_id else []
        if below:
            if len(chain) > _ZIP_MAX_DEPTH:
                inner, entry = below[0]
                raise DataError(
                    f"{_shown(inner)} row {entry.number}: repeat groups nested more than "
                    f"{_ZIP_MAX_DEPTH} deep; check the PARENT_KEY column"
                )
            entries += len(below)
            inside = _within(chain)  # one text for all the entries of a row
            stack.extend(((*chain, child), inside) for child in reversed(below))
            continue
        cells = [""] * width
        for source, entry in chain:  # the inner entry's value wins, as in a JSON export
            for column, value in zip(columns[source], entry.cells, strict=True):
                if value:
                    cells[column] = value
        records.append(
            RawRow(row.number, cells, own_id=row.own_id, source=_shown(name), within=within)
        )
    if entries != sum(len(t.rows) for n, t in files.items() if n != main):
        raise _zip_cycle(files, main, children)
    return records


def _zip_cycle(
    files: dict[str, RawTable], main: str, children: dict[str, list[_Entry]]
) -> DataError:
    """The error for repeat rows no submission leads to: their PARENT_KEYs go round a cycle."""
    reached: set[int] = set()
    todo = [row.own_id for row in files[main].rows]
    while todo:
        for _, row in children.get(todo.pop(), []):
            reached.add(id(row))
            todo.append(row.own_id)
    name, row = next(
        (n, r) for n, t in files.items() if n != main for r in t.rows if id(r) not in reached
    )
    parent = row.cells[files[name].headers.index("PARENT_KEY")]
    return DataError(
        f"{_shown(name)} row {row.number}: PARENT_KEY {parent} leads round a cycle of entries, "
        "never to a submission; export the form's data again"
    )
