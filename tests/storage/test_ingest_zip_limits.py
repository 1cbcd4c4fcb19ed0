"""ODK Central's ZIP against hostile and damaged archives: every one is refused with one
DataError line (never another exception, a silent loss, or a fan-out of records)."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.errors import DataError
from safepassage.storage import ingest_odk_zip
from safepassage.storage.ingest_dialects import RawTable, read_export

MAIN = (
    "SubmissionDate,corridor,KEY\n"
    "2026-01-01T00:00:00Z,C1,uuid:s1\n"
    "2026-01-01T00:00:00Z,C2,uuid:s2\n"
)
GROUPS = (
    "sex,people,PARENT_KEY,KEY\n"
    "female,40,uuid:s1,uuid:s1/g[1]\n"
    "male,35,uuid:s1,uuid:s1/g[2]\n"
    "male,3,uuid:s2,uuid:s2/g[1]\n"
)


def odk_zip(
    files: dict[str, str | bytes], media: bool = True, method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """An "all data" ZIP of these CSV files (and a photo, which is skipped)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        if media:
            archive.writestr("media/photo.jpg", b"\xff\xd8\xff")  # attachments are skipped
    return buffer.getvalue()


def refused(body: bytes) -> str:
    with pytest.raises(DataError) as caught:
        read_export(body)
    message = str(caught.value)
    assert "\n" not in message
    return message


def chain(levels: int, rows_per_level: int = 1, unique: bool = True) -> dict[str, str]:
    """A submission with repeat groups nested ``levels`` deep, one file per level."""
    files = {"f.csv": MAIN}
    for level in range(levels):
        parent = "uuid:s1" if level == 0 else f"L{level - 1}"
        rows = "".join(
            f"1,{parent},L{level}{f'-{n}' if unique and n else ''}\n" for n in range(rows_per_level)
        )
        files[f"f-l{level}.csv"] = "people,PARENT_KEY,KEY\n" + rows
    return files


def test_the_plain_export_reads() -> None:
    raw = read_export(odk_zip({"f.csv": MAIN, "f-g.csv": GROUPS}))
    assert [(r.own_id, r.repeat, r.where) for r in raw.rows] == [
        ("uuid:s1/g[1]", "", "f-g.csv row 2 (its submission: f.csv row 2)"),
        ("uuid:s1/g[2]", "", "f-g.csv row 3 (its submission: f.csv row 2)"),
        ("uuid:s2/g[1]", "", "f-g.csv row 4 (its submission: f.csv row 3)"),
    ]


# --- 1. no fan-out: each KEY once, so never more records than rows ----------------------------


def test_duplicate_keys_that_would_fan_out_are_refused_at_once() -> None:
    # 10 levels of 6 rows sharing one KEY: 6**10 = 60 million records from a 1.5 KB ZIP
    body = odk_zip(chain(10, rows_per_level=6, unique=False))
    assert len(body) < 4096
    message = refused(body)
    assert message.startswith("f-l0.csv row 3: KEY L0 is f-l0.csv row 2's too;")


def test_a_repeat_row_with_its_submission_key_is_refused() -> None:
    groups = GROUPS + "female,1,uuid:s2,uuid:s1\n"
    assert refused(odk_zip({"f.csv": MAIN, "f-g.csv": groups})).startswith(
        "f-g.csv row 5: KEY uuid:s1 is f.csv row 2's too;"
    )


@pytest.mark.parametrize(
    ("name", "too_small", "enough", "message"),
    [
        ("_ZIP_MAX_RECORDS", 2, 3, "ZIP: more than 2 records of 6 columns;"),
        ("_ZIP_MAX_CELLS", 3 * 6 - 1, 3 * 6, "ZIP: more than 2 records of 6 columns;"),
        ("_ZIP_MAX_ROWS", 4, 5, "ZIP: its CSV files hold more than 4 rows;"),
    ],
)
def test_records_cells_and_rows_are_capped(
    monkeypatch: pytest.MonkeyPatch, name: str, too_small: int, enough: int, message: str
) -> None:
    body = odk_zip({"f.csv": MAIN, "f-g.csv": GROUPS})  # 5 rows, 3 records of 6 columns
    monkeypatch.setattr(ingest_odk_zip, name, too_small)
    assert refused(body).startswith(message)
    monkeypatch.setattr(ingest_odk_zip, name, enough)
    assert len(read_export(body).rows) == 3


def test_csv_files_unpacking_past_the_cap_are_refused_before_reading() -> None:
    body = bytearray(odk_zip({"f.csv": MAIN, "f-g.csv": GROUPS}, method=zipfile.ZIP_STORED))
    entry = body.index(b"PK\x01\x02", body.index(b"f-g.csv") + 1)  # its central directory entry
    struct.pack_into("<I", body, entry + 24, 101 * 2**20)  # uncompressed size, as a bomb says
    assert refused(bytes(body)).startswith("ZIP: its CSV files unpack to more than 100 MB;")


# --- 2. cycles, depth and damage: a DataError, not a RecursionError or a zlib.error -----------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "m,1,uuid:x/g[1],uuid:x/g[1]\n",
            "f-g.csv row 5: PARENT_KEY uuid:x/g[1] leads round a cycle",
        ),
        (
            "m,1,uuid:x/g[2],uuid:x/g[1]\nm,1,uuid:x/g[1],uuid:x/g[2]\nm,1,uuid:x/g[2],uuid:x/g[3]\n",
            "f-g.csv row 5: PARENT_KEY uuid:x/g[2] leads round a cycle",
        ),
    ],
)
def test_a_parent_key_cycle_is_refused(rows: str, message: str) -> None:
    assert refused(odk_zip({"f.csv": MAIN, "f-g.csv": GROUPS + rows})).startswith(message)


def test_nesting_is_capped_and_walked_without_recursion() -> None:
    raw = read_export(odk_zip(chain(32)))
    assert [r.own_id for r in raw.rows] == ["L31", "uuid:s2"]
    assert raw.rows[0].where.startswith("f-l31.csv row 2 (in f-l30.csv row 2; in f-l29.csv row 2;")
    assert refused(odk_zip(chain(33))).startswith(
        "f-l32.csv row 2: repeat groups nested more than 32 deep;"
    )
    assert "nested more than 32 deep" in refused(odk_zip(chain(1200)))


def _data_offset(body: bytes, name: str) -> int:
    info = zipfile.ZipFile(io.BytesIO(body)).getinfo(name)
    name_len, extra_len = struct.unpack_from("<HH", body, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len


def _encrypted(body: bytes) -> bytes:
    data = bytearray(body)
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flags] |= 1  # general purpose bit 0: encrypted
            at = data.find(signature, at + 4)
    return bytes(data)


def _corrupt(body: bytes) -> bytes:
    at = _data_offset(body, "f.csv")
    return body[:at] + b"\xff\xff\xff\xff" + body[at + 4 :]


def _bad_name(body: bytes) -> bytes:
    return body.replace("é".encode(), b"\xc3\x28")  # the name is flagged UTF-8 and is not


PLAIN = {"f.csv": MAIN, "f-g.csv": GROUPS}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_corrupt(odk_zip(PLAIN)), "ZIP: f.csv is damaged (Error -3 while decompressing"),
        (_corrupt(odk_zip(PLAIN, method=zipfile.ZIP_LZMA)), "ZIP: f.csv is damaged"),
        (_corrupt(odk_zip(PLAIN, method=zipfile.ZIP_BZIP2)), "ZIP: f.csv is damaged"),
        (_encrypted(odk_zip(PLAIN, method=zipfile.ZIP_STORED)), "ZIP: f.csv is password-protected"),
        (_bad_name(odk_zip({"fé.csv": MAIN})), "ZIP: 'utf-8' codec can't decode"),
        (odk_zip(PLAIN)[:-30], "ZIP: "),
        (odk_zip({"f.csv": MAIN, "f-g.csv": b"KEY\n\xff\n"}), "ZIP: f-g.csv is not UTF-8;"),
        (odk_zip({"f.csv": "KEY\n" + "a" * 200_000}), "ZIP: f.csv: CSV: field larger"),
    ],
)
def test_a_damaged_archive_is_one_clear_error(body: bytes, message: str) -> None:
    assert refused(body).startswith(message)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(4, 10**6), st.integers(0, 255)), min_size=1, max_size=6))
def test_any_damage_is_a_data_error_or_a_table(damage: list[tuple[int, int]]) -> None:
    data = bytearray(odk_zip(PLAIN))
    for at, value in damage:
        data[at % len(data)] = value
    try:
        assert isinstance(read_export(bytes(data)), RawTable)
    except DataError as exc:
        assert "\n" not in str(exc)


# --- 3. no silent loss -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "parent"),
    [("female,99,uuid:GONE,uuid:GONE/g[1]\n", "uuid:GONE"), ("f,9,,k\n", "(empty)")],
)
def test_a_repeat_row_without_its_parent_is_refused(row: str, parent: str) -> None:
    message = refused(odk_zip({"f.csv": MAIN, "tally-groups.csv": GROUPS + row}))
    assert message == (
        f"tally-groups.csv row 5: PARENT_KEY {parent} matches no submission or entry; "
        "export all the form's files together"
    )


def test_two_csv_files_of_one_name_are_refused() -> None:
    other = MAIN.replace("uuid:s", "uuid:t")
    message = refused(odk_zip({"a/f.csv": MAIN, "b/f.csv": other}))
    assert message.startswith("ZIP: two files are named f.csv (a/f.csv and b/f.csv);")


def test_rows_without_a_key_are_records_but_nobody_s_parent() -> None:
    main = MAIN + "2026-01-01T00:00:00Z,C3,\n"
    groups = GROUPS + "female,2,uuid:s2,\n"
    raw = read_export(odk_zip({"f.csv": main, "f-g.csv": groups}))
    assert [(r.source, r.number, r.own_id) for r in raw.rows] == [
        ("f-g.csv", 2, "uuid:s1/g[1]"),
        ("f-g.csv", 3, "uuid:s1/g[2]"),
        ("f-g.csv", 4, "uuid:s2/g[1]"),
        ("f-g.csv", 5, ""),
        ("f.csv", 4, ""),
    ]


def test_a_repeat_file_without_a_key_column_is_refused() -> None:
    groups = "people,PARENT_KEY\n40,uuid:s1\n35,uuid:s1\n"  # its entries would be lost
    message = refused(odk_zip({"f.csv": MAIN, "f-groups.csv": groups}))
    assert message == (
        "f-groups.csv: a repeat group's file needs both KEY and PARENT_KEY columns; "
        "export the form's data again"
    )


def test_a_csv_without_key_columns_is_skipped() -> None:
    notes = "note\nnot the form's data\n"
    raw = read_export(odk_zip({"f.csv": MAIN, "f-g.csv": GROUPS, "notes.csv": notes}))
    assert [r.source for r in raw.rows] == ["f-g.csv"] * 3
    assert "note" not in raw.headers


# --- 4. member names on one line, whatever bytes they hold --------------------------------------


def test_member_names_are_escaped_in_where_texts() -> None:
    inner = "f-g\x1b[31m.csv"
    site = "corridor,PARENT_KEY,KEY\nC1,uuid:s1,uuid:s1/site[1]\n"
    count = "people,PARENT_KEY,KEY\n7,uuid:s1/site[1],uuid:s1/site[1]/c[1]\n"
    raw = read_export(odk_zip({"f\n.csv": MAIN, "f-site\r.csv": site, inner: count}))
    assert [r.where for r in raw.rows] == [
        "'f-g\\x1b[31m.csv' row 2 (in 'f-site\\r.csv' row 2; its submission: 'f\\n.csv' row 2)",
        "'f\\n.csv' row 3",
    ]
    assert all(r.where.isprintable() for r in raw.rows)


@pytest.mark.parametrize(
    "files",
    [
        {"f.csv": MAIN, "f-g\nX.csv": "people,PARENT_KEY,KEY\n40,uuid:GONE,uuid:GONE/g[1]\n"},
        {"f.csv": MAIN, "f-g\nX.csv": "people,PARENT_KEY\n40,uuid:s1\n"},
        {"f.csv": MAIN, "f-g\nX.csv": "people,PARENT_KEY,KEY\n40,uuid:s1,uuid:s1\n"},
        {"f.csv": MAIN, "f-g\nX.csv": "people,PARENT_KEY,KEY\n1,b,a\n1,a,b\n"},
        {"f\nX.csv": MAIN, "g\nX.csv": MAIN},
        {  # nested too deep: the innermost file is named
            ("f-l32\nX.csv" if name == "f-l32.csv" else name): text
            for name, text in chain(ingest_odk_zip._ZIP_MAX_DEPTH + 1).items()
        },
    ],
)
def test_member_names_are_escaped_in_errors(files: dict[str, str | bytes]) -> None:
    message = refused(odk_zip(files))
    assert message.isprintable()
    assert "\\nX.csv" in message
