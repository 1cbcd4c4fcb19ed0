"""Small-count and complementary suppression: nothing below k shown, nothing recoverable by
subtraction from a published total."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.storage.disclosure import TOTAL, suppress


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    counts = {("A", 1): 3, ("A", 2): 40, ("B", 1): 20, ("B", 2): 50}
    table = suppress(counts, rows=["A", "B"], columns=[1, 2])
    assert table.shown("A", 1) == "<5"
    assert table.shown(TOTAL, TOTAL) == "113"
    # A's row total 43 minus 40 would give the 3 back, unless 40 is hidden too
    assert ("A", 2) in table.hidden and ("B", 1) in table.hidden
    # and then B's row would give B2 = 70 - 20: in a 2 × 2 table all four cells go
    assert [table.shown("A", 2), table.shown("B", 2)] == ["x", "x"]  # hidden, not small
    assert [table.shown(r, TOTAL) for r in ("A", "B")] == ["43", "70"]


def test_no_suppression_when_nothing_is_small_and_k_is_configurable() -> None:
    counts = {("A", 1): 7, ("A", 2): 0}
    assert not suppress(counts, rows=["A"], columns=[1, 2]).hidden
    assert suppress(counts, rows=["A"], columns=[1, 2], k=10).shown("A", 1) == "<10"
    with pytest.raises(ValueError, match="between 2 and 100"):
        suppress(counts, rows=["A"], columns=[1], k=1)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda r: st.integers(1, 5).flatmap(
            lambda c: st.tuples(
                st.just(r), st.just(c), st.lists(st.integers(0, 30), min_size=r * c, max_size=r * c)
            )
        )
    ),
    st.sampled_from([3, 5, 10]),
)
def test_properties(shape: tuple[int, int, list[int]], k: int) -> None:
    n_rows, n_cols, flat = shape
    rows, cols = list(range(n_rows)), list(range(n_cols))
    counts = {(r, c): flat[r * n_cols + c] for r in rows for c in cols}
    table = suppress(counts, rows=rows, columns=cols, k=k)
    for key, value in table.values.items():
        if 0 < value < k:
            assert key in table.hidden
    assert table.values[(TOTAL, TOTAL)] == sum(flat)
    all_rows, all_cols = [*rows, TOTAL], [*cols, TOTAL]
    lines = [[(r, c) for c in all_cols] for r in all_rows]
    lines += [[(r, c) for r in all_rows] for c in all_cols]
    for line in lines:
        assert sum(key in table.hidden for key in line) != 1
