"""The fast audit hashing writes the same canonical text as the plain ``json.dumps`` it
replaced, byte for byte: chains written before and after the change verify alike."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from safepassage.storage import audit
from safepassage.storage.types import Sex, StockKind


def _reference_plain(value: Any) -> Any:  # the encoder fallback as first written
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an audited row")
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot hash a {type(value).__name__} value")


def reference_json(data: dict[str, Any]) -> str:
    """``canonical_json`` as first written (the definition the stored chains follow)."""
    plain = {
        key: int(value) if type(value) is float and value.is_integer() else value
        for key, value in data.items()
    }
    return json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_reference_plain
    )


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=offsets
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.floats(min_value=-1e6, max_value=1e6).map(float.__floor__).map(float),  # whole floats
    st.text(),  # control characters, quotes, backslashes, non-ASCII
    aware,
    st.uuids(),
    st.sampled_from([*Sex, *StockKind]),
)
rows = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=14)


@given(rows)
def test_canonical_json_is_the_reference_text(row: dict[str, Any]) -> None:
    assert audit.canonical_json(row) == reference_json(row)


@given(st.lists(rows, max_size=5))
def test_hash_rows_is_hash_values_of_each(batch: list[dict[str, Any]]) -> None:
    expected = [hashlib.sha256(reference_json(r).encode()).hexdigest() for r in batch]
    assert audit.hash_rows(batch) == expected
    assert [audit.hash_values(r) for r in batch] == expected


@given(
    user_id=st.none() | st.integers(min_value=0, max_value=2**40),
    organisation_id=st.none() | st.integers(min_value=0, max_value=2**40),
    action=st.text(min_size=1, max_size=32),
    table_name=st.text(min_size=1, max_size=64),
    records=st.lists(
        st.tuples(st.text(min_size=1, max_size=64), st.text(min_size=64, max_size=64)),
        min_size=1,
        max_size=4,
    ),
    at=aware,
    seq=st.integers(min_value=0, max_value=2**40),
)
def test_entry_template_is_the_canonical_entry(
    user_id: int | None,
    organisation_id: int | None,
    action: str,
    table_name: str,
    records: list[tuple[str, str]],
    at: dt.datetime,
    seq: int,
) -> None:
    """Each audit entry's hash, put together from a template, is the SHA-256 of the entry's
    canonical JSON, as ``verify`` recomputes it."""
    out: list[tuple[Any, ...]] = []
    actor = audit.Actor(user_id, organisation_id)
    last = audit._entries(out, seq, "p" * 64, at, actor, action, table_name, records)
    prev = "p" * 64
    for n, (entry, (rid, rhash)) in enumerate(zip(out, records, strict=True), start=1):
        fields = {
            "seq": seq + n,
            "at": at,
            "user_id": user_id,
            "organisation_id": organisation_id,
            "action": action,
            "table_name": table_name,
            "record_id": rid,
            "record_hash": rhash,
            "prev_hash": prev,
        }
        expected = hashlib.sha256(reference_json(fields).encode()).hexdigest()
        assert entry == (*fields.values(), expected)
        prev = expected
    assert last == (seq + len(records), prev)
