"""Save and load a :class:`~safepassage.planning.plan.Plan` as one compressed ``.npz`` file.

The file holds every array of the plan under its own name, ``step_min``, the unserved people as
three arrays (``unserved_source``, ``unserved_people``, ``unserved_reason``), the stage timings as
two (``seconds_stage``, ``seconds_value``) and ``format`` (``FORMAT``). It is written whole or not
at all, and read without pickle, so a plan file from elsewhere cannot run code.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import DataError
from safepassage.planning.plan import Plan, Unserved

__all__ = ["FORMAT", "load_plan", "save_plan"]

FORMAT = "safepassage-plan/1"

_ARRAYS: dict[str, type] = {
    "packet_source": np.int64,
    "packet_people": np.float64,
    "packet_corridor": np.int64,
    "packet_depart_min": np.float64,
    "packet_arrive_min": np.float64,
    "path_indptr": np.int64,
    "path_edge": np.int64,
    "path_forward": np.bool_,
    "path_enter_min": np.float64,
    "proc_indptr": np.int64,
    "proc_step": np.int64,
    "proc_people": np.float64,
}
_EXTRA: dict[str, type] = {
    "unserved_source": np.int64,
    "unserved_people": np.float64,
    "unserved_reason": np.str_,
    "seconds_stage": np.str_,
    "seconds_value": np.float64,
}


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` through a temporary file in the same folder, then rename over ``path``.

    The binary twin of :func:`safepassage.io.atomic.write_text_atomic`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; outputs are shared files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_plan(plan: Plan, path: Path) -> None:
    """Write ``plan`` to ``path`` (an ``.npz`` file; the name is used as given).

    Parameters
    ----------
    plan
        The plan to store.
    path
        Where to write it; missing folders are created, an existing file is replaced whole.
    """
    arrays: dict[str, NDArray[np.generic]] = {
        name: np.asarray(getattr(plan, name), dtype=dtype) for name, dtype in _ARRAYS.items()
    }
    arrays["step_min"] = np.asarray(plan.step_min, dtype=np.float64)
    arrays["unserved_source"] = np.array([u.source for u in plan.unserved], dtype=np.int64)
    arrays["unserved_people"] = np.array([u.people for u in plan.unserved], dtype=np.float64)
    arrays["unserved_reason"] = np.array([u.reason for u in plan.unserved], dtype=np.str_)
    arrays["seconds_stage"] = np.array(list(plan.seconds), dtype=np.str_)
    arrays["seconds_value"] = np.array(list(plan.seconds.values()), dtype=np.float64)
    arrays["format"] = np.array(FORMAT)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    _write_bytes_atomic(Path(path), buffer.getvalue())


def _read_all(path: Path) -> dict[str, NDArray[np.generic]]:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an .npz archive")
        with loaded as npz:
            return {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        msg = f"{path}: plan file not found; check the path or run `safepassage plan` first"
        raise DataError(msg) from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        msg = f"{path}: not a readable plan file (.npz): {exc}; write it again with save_plan"
        raise DataError(msg) from None


def _field(path: Path, fields: dict[str, NDArray[np.generic]], name: str, dtype: type) -> NDArray:
    if name not in fields:
        msg = (
            f"{path}: plan file lacks the field '{name}'; it is not a complete plan, save it again"
        )
        raise DataError(msg)
    value = fields[name]
    if value.ndim != 1:
        msg = f"{path}: plan field '{name}' has shape {value.shape}, expected a flat array"
        raise DataError(msg)
    try:
        return value.astype(dtype, casting="same_kind")
    except TypeError:
        msg = f"{path}: plan field '{name}' holds {value.dtype}, expected {np.dtype(dtype)}"
        raise DataError(msg) from None


def load_plan(path: Path) -> Plan:
    """Read a plan written by :func:`save_plan`.

    Raises
    ------
    DataError
        Naming the file, when it is missing, is not an ``.npz`` archive, is truncated, or lacks a
        field.
    """
    path = Path(path)
    fields = _read_all(path)
    for name in ("format", "step_min"):
        if name not in fields or fields[name].shape != ():
            msg = f"{path}: plan file lacks the field '{name}' (one value); save it again"
            raise DataError(msg)
    if str(fields["format"]) != FORMAT:
        msg = f"{path}: plan file format '{fields['format']}', this version reads '{FORMAT}'"
        raise DataError(msg)
    arrays = {name: _field(path, fields, name, dtype) for name, dtype in _ARRAYS.items()}
    extra = {name: _field(path, fields, name, dtype) for name, dtype in _EXTRA.items()}
    for group in (
        ("unserved_source", "unserved_people", "unserved_reason"),
        ("seconds_stage", "seconds_value"),
    ):
        sizes = {name: extra[name].shape[0] for name in group}
        if len(set(sizes.values())) != 1:
            msg = f"{path}: plan fields {sizes} must have the same length; save the plan again"
            raise DataError(msg)
    unserved = [
        Unserved(source=int(s), people=float(n), reason=str(r))
        for s, n, r in zip(
            extra["unserved_source"],
            extra["unserved_people"],
            extra["unserved_reason"],
            strict=True,
        )
    ]
    seconds = {
        str(k): float(v)
        for k, v in zip(extra["seconds_stage"], extra["seconds_value"], strict=True)
    }
    return Plan(
        **arrays,
        step_min=float(fields["step_min"]),
        unserved=unserved,
        seconds=seconds,
    )
