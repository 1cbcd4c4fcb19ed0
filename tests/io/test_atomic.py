"""Output files: written whole or not at all, with the usual permissions, and output paths that
cannot work refused in one line before any long work."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from safepassage.errors import DataError
from safepassage.io.atomic import (
    _file_mode,
    check_writable,
    ensure_directory,
    write_bytes_atomic,
    write_text_atomic,
)


def test_writes_the_text_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "new" / "folder" / "out.json"
    write_text_atomic(path, "ünïcode\n")
    assert path.read_text(encoding="utf-8") == "ünïcode\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.json"]


def test_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    _file_mode.cache_clear()
    try:
        write_bytes_atomic(tmp_path / "a.bin", b"\x00")
    finally:
        os.umask(old)
        _file_mode.cache_clear()
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o640


def test_importing_does_not_touch_the_umask():
    code = (
        "import os; os.umask(0o077); import safepassage.io.atomic as a; "
        "print(a._file_mode.cache_info().currsize, oct(os.umask(0o077)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["0", "0o77"]


def test_a_folder_in_the_way_is_a_clear_error(tmp_path):
    (tmp_path / "out.json").mkdir()
    with pytest.raises(DataError, match=r"out\.json: cannot write the file \(is a directory\)"):
        write_text_atomic(tmp_path / "out.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_check_writable(tmp_path, monkeypatch):
    check_writable(tmp_path / "missing" / "out.json", what="--json")  # folders are made later
    with pytest.raises(DataError, match=r"is a folder; --json needs a file name"):
        check_writable(tmp_path, what="--json")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match=r"file is a file, not a folder; choose another --json"):
        check_writable(tmp_path / "file" / "deeper" / "out.json", what="--json")
    monkeypatch.setattr("safepassage.io.atomic.os.access", lambda *_a, **_k: False)
    with pytest.raises(DataError, match=rf"cannot write in {tmp_path} \(permission denied\)"):
        check_writable(tmp_path / "out.json", what="--json")


def test_ensure_directory(tmp_path):
    made = ensure_directory(tmp_path / "a" / "b", what="--out")
    assert made.is_dir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match=r"file: is a file, not a folder; --out needs a folder"):
        ensure_directory(tmp_path / "file", what="--out")
