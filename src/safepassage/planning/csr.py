"""Row operations on CSR-packed arrays (values + indptr), vectorised. The index arrays are
computed once and applied to every array that shares the same rows."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["Joined", "indptr_of", "row_index", "take_rows"]


def indptr_of(lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    out = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def row_index(
    indptr: NDArray[np.int64], rows: NDArray[np.int64], lengths: NDArray[np.int64] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Positions of rows ``rows`` (only their first ``lengths`` values when given), in order,
    and the indptr of the rows they make."""
    full = indptr[rows + 1] - indptr[rows]
    counts = full if lengths is None else np.minimum(lengths, full)
    new_ptr = indptr_of(counts)
    index = np.arange(new_ptr[-1], dtype=np.int64)
    index += np.repeat(indptr[rows] - new_ptr[:-1], counts)
    return index, new_ptr


def take_rows(
    values: NDArray, indptr: NDArray[np.int64], rows: NDArray[np.int64]
) -> tuple[NDArray, NDArray[np.int64]]:
    index, new_ptr = row_index(indptr, rows)
    return values[index], new_ptr


class Joined:
    """Row ``r`` of a join is row ``r`` of ``a`` followed by row ``r`` of ``b``."""

    def __init__(self, a_ptr: NDArray[np.int64], b_ptr: NDArray[np.int64]) -> None:
        la, lb = np.diff(a_ptr), np.diff(b_ptr)
        self.indptr = indptr_of(la + lb)
        rows_a = np.repeat(np.arange(la.shape[0]), la)
        rows_b = np.repeat(np.arange(lb.shape[0]), lb)
        self._to_a = self.indptr[rows_a] + np.arange(rows_a.shape[0]) - a_ptr[rows_a]
        self._to_b = self.indptr[rows_b] + la[rows_b] + np.arange(rows_b.shape[0]) - b_ptr[rows_b]

    def __call__(self, a: NDArray, b: NDArray) -> NDArray:
        out = np.empty(self.indptr[-1], dtype=np.result_type(a, b))
        out[self._to_a] = a
        out[self._to_b] = b
        return out
