"""A plan survives a round trip through its .npz file; a bad file is a DataError naming it."""

from __future__ import annotations

import dataclasses
import os
import zipfile

import numpy as np
import pytest

from safepassage.errors import DataError
from safepassage.io import plan_store
from safepassage.io.plan_store import load_plan, save_plan
from safepassage.planning.checker import check_plan
from safepassage.planning.plan import Plan, Unserved
from tests.planning.checker_cases import bridge_plan, bridge_problem

ARRAY_FIELDS = [f.name for f in dataclasses.fields(Plan) if f.name not in ("unserved", "seconds")]


def sample_plan() -> Plan:
    plan = bridge_plan(unserved=[Unserved(2, 0.5, "no eligible corridor"), Unserved(0, 3.0, "ß")])
    return dataclasses.replace(plan, seconds={"route": 1.25, "bound": 12.5})


def assert_same(a: Plan, b: Plan) -> None:
    for name in ARRAY_FIELDS:
        left, right = getattr(a, name), getattr(b, name)
        if isinstance(left, np.ndarray):
            assert right.dtype == left.dtype, name
            np.testing.assert_array_equal(right, left, err_msg=name)
        else:
            assert right == left, name
    assert b.unserved == a.unserved
    assert b.seconds == a.seconds


def test_round_trip_keeps_every_field(tmp_path):
    plan = sample_plan()
    path = tmp_path / "out" / "plan.npz"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert_same(plan, loaded)
    assert loaded.clearance_time_min == plan.clearance_time_min
    assert check_plan(bridge_problem(), dataclasses.replace(loaded, unserved=[])).ok


def test_round_trip_of_an_empty_plan(tmp_path):
    plan = bridge_plan({})
    save_plan(plan, tmp_path / "empty.npz")
    loaded = load_plan(tmp_path / "empty.npz")
    assert_same(plan, loaded)
    assert loaded.packet_count == 0 and loaded.unserved == [] and loaded.seconds == {}


def test_save_replaces_whole_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "plan.npz"
    save_plan(bridge_plan({}), path)
    save_plan(sample_plan(), path)
    assert load_plan(path).packet_count == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.npz"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.npz"
    save_plan(sample_plan(), path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_plan(bridge_plan({}), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.npz"]


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(DataError, match=r"nowhere\.npz: plan file not found"):
        load_plan(path)


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.6, 0.95])
def test_truncated_file(tmp_path, keep):
    path = tmp_path / "plan.npz"
    save_plan(sample_plan(), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(DataError, match=r"plan\.npz: not a readable plan file"):
        load_plan(path)


def test_not_an_npz(tmp_path):
    text = tmp_path / "plan.npz"
    text.write_text("clearance_time_min,600\n")
    with pytest.raises(DataError, match="not a readable plan file"):
        load_plan(text)
    single = tmp_path / "array.npy"
    np.save(single, np.arange(3))
    with pytest.raises(DataError, match=r"array\.npy: .*single array"):
        load_plan(single)


def rewritten(tmp_path, change):
    """The sample plan saved, then its fields changed in place by ``change(fields)``."""
    path = tmp_path / "plan.npz"
    save_plan(sample_plan(), path)
    with np.load(path) as npz:
        fields = {name: npz[name] for name in npz.files}
    change(fields)
    np.savez_compressed(path, **fields)
    return path


@pytest.mark.parametrize("dropped", ["path_enter_min", "step_min", "unserved_reason", "format"])
def test_missing_field_is_named(tmp_path, dropped):
    path = rewritten(tmp_path, lambda fields: fields.pop(dropped))
    with pytest.raises(DataError, match=rf"plan\.npz: plan file lacks the field '{dropped}'"):
        load_plan(path)


def test_other_format_version_is_refused(tmp_path):
    path = rewritten(tmp_path, lambda fields: fields.update(format=np.array("plan/99")))
    with pytest.raises(DataError, match=f"reads '{plan_store.FORMAT}'"):
        load_plan(path)


def test_file_is_a_plain_npz(tmp_path):
    path = tmp_path / "plan.npz"
    save_plan(sample_plan(), path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as npz:
        assert set(ARRAY_FIELDS) <= set(npz.files)
        assert list(npz["unserved_reason"]) == ["no eligible corridor", "ß"]
