"""Apportioning crossing counts to public windows: whole people, each count's total kept, shares
only in the windows a count overlaps, in proportion to the time it overlaps each."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.storage.public_crossings import _apportion

H = 3600


def shares(counts: list[tuple[int, int, int]], width_h: int = 6) -> dict[tuple[int, int], int]:
    """``{(count, bin): people}`` for counts given as (start hour, end hour, people)."""
    start, end, people = (np.array(column, dtype=np.int64) for column in zip(*counts, strict=True))
    owner, bins, parts = _apportion(start * H, end * H, people, width_s=width_h * H)
    return {(int(o), int(b)): int(p) for o, b, p in zip(owner, bins, parts, strict=True)}


def test_a_count_within_one_window_goes_to_it_whole_and_one_across_windows_is_shared() -> None:
    # 05:00-07:00, 60 people: an hour in 00-06 (bin 0) and an hour in 06-12 (bin 1)
    assert shares([(5, 7, 60), (1, 2, 9)]) == {(0, 0): 30, (0, 1): 30, (1, 0): 9}
    # in 12- or 24-hour windows the same count lies within one window
    assert shares([(5, 7, 60)], width_h=12) == {(0, 0): 60}
    # 04:00-20:00, 7 people: 2, 6, 6 and 2 hours, so 0.875, 2.625, 2.625, 0.875 -> 1, 3, 2, 1
    # (largest remainders first, the earlier window on a tie)
    assert shares([(4, 20, 7)]) == {(0, 0): 1, (0, 1): 3, (0, 2): 2, (0, 3): 1}
    assert shares([(5, 7, 61)]) == {(0, 0): 31, (0, 1): 30}
    assert shares([(23, 25, 0)]) == {(0, 3): 0, (0, 4): 0}  # listed, so the window is known


def test_no_counts() -> None:
    empty = np.array([], dtype=np.int64)
    assert all(a.size == 0 for a in _apportion(empty, empty, empty, width_s=6 * H))


windows = st.tuples(
    st.integers(0, 5 * 24 * H),  # start, seconds
    st.integers(1, 3 * 24 * H),  # length, seconds (up to 3 days, longer than the API allows)
    st.integers(0, 1_000_000),  # people
)


@settings(max_examples=300, deadline=None)
@given(st.lists(windows, min_size=1, max_size=40), st.sampled_from([6 * H, 12 * H, 24 * H, 7]))
def test_apportioning_keeps_every_count_and_only_where_it_overlaps(
    counts: list[tuple[int, int, int]], width_s: int
) -> None:
    start = np.array([s for s, _, _ in counts], dtype=np.int64)
    end = start + np.array([length for _, length, _ in counts], dtype=np.int64)
    people = np.array([p for _, _, p in counts], dtype=np.int64)
    owner, bins, parts = _apportion(start, end, people, width_s=width_s)
    assert (parts >= 0).all()
    assert int(parts.sum()) == int(people.sum())  # summed over bins: the counts' total
    assert np.array_equal(np.bincount(owner, weights=parts, minlength=len(counts)), people)
    for i, (s, length, p) in enumerate(counts):
        e = s + length
        mine = bins[owner == i]
        # exactly the bins the window [s, e) overlaps, each once
        assert mine.tolist() == list(range(s // width_s, (e - 1) // width_s + 1))
        overlap = np.minimum(e, (mine + 1) * width_s) - np.maximum(s, mine * width_s)
        assert (overlap > 0).all()
        # each share within one person of its exact share of the count by time
        assert (np.abs(parts[owner == i] - p * overlap / length) < 1).all()
