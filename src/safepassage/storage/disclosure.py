"""Statistical disclosure control for public tables: small-count and complementary suppression.

Reference rule R2: a count from 1 to ``k - 1`` is published as ``"<k"``; and because a
suppressed cell could be recovered by subtracting the others from a published total, every
row and every column (margins included) that holds a suppressed entry must hold at least two.
The entries hidden to protect a small one are published as ``"x"``.
The default ``k = 5`` follows the OECD threshold rule (3 or 5 depending on the agency); some
health agencies use 10, which ``k`` allows.

Notes
-----
The "at least two per line" rule stops recovery by simple subtraction. It does not bound the
interval an attacker can derive by linear programming over many lines; for the small tables
published here (corridors × 6-hour windows) that interval is wide, but treat the public export
as aggregate data, not as safe microdata.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MARGIN_BASE", "PUBLIC_MIN_K", "TOTAL", "SuppressedTable", "rounded", "suppress"]


@dataclass(frozen=True)
class SuppressedTable:
    """A table with margins; ``hidden`` holds the (row, column) keys not published.

    ``primary`` (a subset of ``hidden``) are the small counts, shown as ``"<k"``; the other
    hidden entries were chosen to protect them and are shown as ``"x"`` (they are not small,
    and saying ``"<5"`` of them would be false). The margins use the key ``"total"``.
    """

    rows: list[Hashable]
    columns: list[Hashable]
    values: dict[tuple[Hashable, Hashable], int]
    hidden: set[tuple[Hashable, Hashable]]
    primary: set[tuple[Hashable, Hashable]]
    k: int

    def shown(self, row: Hashable, column: Hashable, *, round_margins: bool = False) -> str:
        """The published text of one entry: the count, ``"<k"`` or ``"x"``; with
        ``round_margins`` a total is rounded to the nearest ``MARGIN_BASE``."""
        if (row, column) in self.primary:
            return f"<{self.k}"
        if (row, column) in self.hidden:
            return "x"
        if round_margins and TOTAL in (row, column):
            return str(rounded(self.values[(row, column)]))
        return str(self.values[(row, column)])


TOTAL = "total"
# Totals that grow from one release to the next (a corridor's people to date) are rounded to
# this base: two releases' exact totals would give a hidden window's count by subtraction, even
# when each release suppresses correctly (R2 allows "only rounded totals").
MARGIN_BASE = 10
PUBLIC_MIN_K = 5  # R2: counts below 5 (or 10) never appear in a public output


def rounded(value: float) -> int:
    """``value`` to the nearest ``MARGIN_BASE`` (halves up)."""
    return math.floor(value / MARGIN_BASE + 0.5) * MARGIN_BASE


def _lines(
    rows: Sequence[Hashable], columns: Sequence[Hashable]
) -> list[list[tuple[Hashable, Hashable]]]:
    all_rows, all_columns = [*rows, TOTAL], [*columns, TOTAL]
    lines = [[(r, c) for c in all_columns] for r in all_rows]
    lines += [[(r, c) for r in all_rows] for c in all_columns]
    return lines


def _complement(
    values: dict[tuple[Hashable, Hashable], int],
    primary: set[tuple[Hashable, Hashable]],
    lines: list[list[tuple[Hashable, Hashable]]],
) -> set[tuple[Hashable, Hashable]]:
    """Hide more entries until no line holds exactly one hidden entry."""
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [key for key in line if key in hidden]
            others = [key for key in line if key not in hidden]
            if len(inside) != 1 or not others:
                continue
            # hide the smallest non-zero other entry (the least information lost; a hidden
            # zero would protect nothing), a zero only when nothing else is left
            hidden.add(
                min(others, key=lambda key: (values[key] == 0, values[key], line.index(key)))
            )
            changed = True
    return hidden


def suppress(
    counts: Mapping[tuple[Hashable, Hashable], int],
    *,
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    k: int = 5,
    forced: Collection[tuple[Hashable, Hashable]] = (),
) -> SuppressedTable:
    """Add margins to a rows × columns table of counts and choose the entries to hide.

    Parameters
    ----------
    counts
        ``(row, column) -> count``; missing cells are 0.
    rows, columns
        The table's keys, in the order to publish.
    k
        Threshold: counts ``1 .. k-1`` are hidden (2 <= k <= 100).
    forced
        Entries to hide whatever their count (shown ``"x"``), e.g. a 12-hour entry holding a
        6-hour one another table hides: published beside it, it would give that one away by
        subtraction. Keys outside the table are ignored.

    Returns
    -------
    SuppressedTable
        Values with ``"total"`` margins, and the hidden entries: the small counts (primary
        suppression) and, in every line that had exactly one hidden entry, its smallest other
        entry (complementary suppression), repeated until no line has exactly one.
    """
    if not 2 <= k <= 100:
        raise ValueError(f"k={k}: the small-count threshold must be between 2 and 100")
    values = {(r, c): int(counts.get((r, c), 0)) for r in rows for c in columns}
    if any(v < 0 for v in values.values()):
        raise ValueError("counts must be >= 0")
    for r in rows:
        values[(r, TOTAL)] = sum(values[(r, c)] for c in columns)
    for c in [*columns, TOTAL]:
        values[(TOTAL, c)] = sum(values[(r, c)] for r in rows)
    primary = {key for key, v in values.items() if 0 < v < k}
    also = {key for key in forced if key in values}
    hidden = _complement(values, primary | also, _lines(rows, columns))
    return SuppressedTable(list(rows), list(columns), values, hidden, primary, k)
