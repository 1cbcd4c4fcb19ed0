"""Write files whole or not at all: a crash mid-write never leaves half a file behind.

Output paths given on the command line are checked before any long work starts
(:func:`check_writable`, :func:`ensure_directory`), and a write that fails anyway is a one-line
:class:`~safepassage.errors.DataError` naming the path.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from safepassage.errors import DataError

__all__ = ["check_writable", "ensure_directory", "write_bytes_atomic", "write_text_atomic"]


@functools.cache
def _file_mode() -> int:
    """0o666 less the process umask, read once on first use (not at import)."""
    try:  # Linux shows the umask without changing it, which is safe with threads
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _existing_ancestor(path: Path) -> Path:
    """``path`` or the nearest of its parents that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(path: Path, *, what: str) -> None:
    """Raise a one-line :class:`DataError` unless a file can be written at ``path``.

    The folders up to ``path`` may be missing (they are created on writing); the nearest one that
    exists must be a writable folder. ``what`` names the option in the message (``"--json"``).
    """
    path = Path(path)
    if path.is_dir():
        msg = f"{path}: is a folder; {what} needs a file name, e.g. {path / 'summary.json'}"
        raise DataError(msg)
    folder = _existing_ancestor(path.parent)
    if not folder.is_dir():
        msg = f"{path}: cannot write there, {folder} is a file, not a folder; choose another {what}"
        raise DataError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"{path}: cannot write in {folder} (permission denied); choose another {what}"
        raise DataError(msg)


def ensure_directory(path: Path, *, what: str) -> Path:
    """Create the folder ``path`` (and its parents) unless it exists; it must be writable.

    Raises
    ------
    DataError
        ``path`` is a file, cannot be created, or is not writable; ``what`` names the option.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        msg = f"{path}: is a file, not a folder; {what} needs a folder (created when missing)"
        raise DataError(msg)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{path}: cannot create the folder ({_reason(exc)}); choose another {what}"
        raise DataError(msg) from None
    if not os.access(path, os.W_OK | os.X_OK):
        msg = f"{path}: cannot write in this folder (permission denied); choose another {what}"
        raise DataError(msg)
    return path


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Raises
    ------
    DataError
        The file cannot be written (a folder in the way, no permission, disk full); nothing is
        left behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        msg = f"{path}: cannot write the file ({_reason(exc)}); choose a writable path"
        raise DataError(msg) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, _file_mode())  # mkstemp makes 0600; outputs are shared files
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        msg = f"{path}: cannot write the file ({_reason(exc)}); choose a writable path"
        raise DataError(msg) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """:func:`write_bytes_atomic` of ``text`` in UTF-8."""
    write_bytes_atomic(path, text.encode("utf-8"))
