"""The data cache: private files, reused only when manifest and checksums match."""

import json
import os
import stat

import numpy as np
import pytest
import torch

from grader.data import DataError, load_default_data
from grader.data.cache import cache_root

SMALL = dict(n_train=40, n_val=8)


def _entry(root):
    (entry,) = [p for p in root.iterdir() if p.name.startswith("embedded-")]
    return entry


def test_cache_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("N2N_GRADE_CACHE", str(tmp_path / "x"))
    assert cache_root() == tmp_path / "x"
    monkeypatch.delenv("N2N_GRADE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "n2n-grade"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "n2n-grade"


def test_second_load_is_a_cache_hit_with_identical_data(tmp_cache):
    first = load_default_data(0, **SMALL, progress=False)
    second = load_default_data(0, **SMALL, progress=False)
    assert first.info["cache"].startswith("built") and second.info["cache"] == "cache hit"
    assert first.data_id == second.data_id
    assert torch.equal(first.val_target, second.val_target)
    assert torch.equal(first.train_target, second.train_target)


def test_cache_is_private(tmp_cache):
    load_default_data(0, **SMALL, progress=False)
    entry = _entry(tmp_cache)
    assert stat.S_IMODE(os.stat(tmp_cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o700
    files = sorted(entry.iterdir())
    assert {f.name for f in files} == {
        "manifest.json",
        "train_input.npy",
        "train_target.npy",
        "val_input.npy",
        "val_target.npy",
    }
    for f in files:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f.name


def test_loose_permissions_are_tightened_on_load(tmp_cache):
    load_default_data(0, **SMALL, progress=False)
    entry = _entry(tmp_cache)
    os.chmod(entry, 0o755)
    os.chmod(entry / "val_target.npy", 0o644)
    assert load_default_data(0, **SMALL, progress=False).info["cache"] == "cache hit"
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entry / "val_target.npy").st_mode) == 0o600


def test_manifest_records_the_request_and_checksums(tmp_cache):
    d = load_default_data(5, **SMALL, progress=False)
    m = json.loads((_entry(tmp_cache) / "manifest.json").read_text())
    assert m["request"]["seed"] == 5 and m["request"]["noise"] == "gaussian"
    assert m["request"]["n_train"] == 40 and m["request"]["n_val"] == 8
    assert m["request"]["photos"] == d.info["photos"] and m["request"]["generator_version"] >= 1
    assert m["data_id"] == d.data_id
    assert {k: v["sha256"] for k, v in m["arrays"].items()} == d.info["checksums"]


def test_manifest_mismatch_triggers_a_rebuild(tmp_cache, capsys):
    first = load_default_data(0, **SMALL, progress=False)
    mpath = _entry(tmp_cache) / "manifest.json"
    m = json.loads(mpath.read_text())
    m["request"]["seed"] = 99
    mpath.write_text(json.dumps(m))
    again = load_default_data(0, **SMALL, progress=True)
    assert again.info["cache"].startswith("built") and "differs in: seed" in again.info["cache"]
    assert "rebuilding" in capsys.readouterr().err
    assert again.data_id == first.data_id  # rebuilt from the seed: the same bytes
    assert load_default_data(0, **SMALL, progress=False).info["cache"] == "cache hit"


def test_corrupted_array_triggers_a_rebuild(tmp_cache):
    first = load_default_data(0, **SMALL, progress=False)
    path = _entry(tmp_cache) / "val_target.npy"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF  # one clean pixel changed: still a valid .npy file
    path.write_bytes(bytes(raw))
    again = load_default_data(0, **SMALL, progress=False)
    assert "does not match its checksum" in again.info["cache"]
    assert torch.equal(again.val_target, first.val_target)


def test_unreadable_array_triggers_a_rebuild(tmp_cache):
    load_default_data(0, **SMALL, progress=False)
    path = _entry(tmp_cache) / "train_input.npy"
    path.unlink()
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)  # needs pickle: refused
    again = load_default_data(0, **SMALL, progress=False)
    assert "not a readable .npy file" in again.info["cache"]


def test_missing_manifest_triggers_a_rebuild(tmp_cache):
    load_default_data(0, **SMALL, progress=False)
    (_entry(tmp_cache) / "manifest.json").unlink()
    assert "manifest.json is missing" in load_default_data(0, **SMALL, progress=False).info["cache"]


def test_rebuild_flag_ignores_a_valid_cache(tmp_cache):
    load_default_data(0, **SMALL, progress=False)
    d = load_default_data(0, **SMALL, rebuild=True, progress=False)
    assert d.info["cache"] == "built (rebuild requested)"


def test_other_requests_get_their_own_entries(tmp_cache):
    a = load_default_data(0, **SMALL, progress=False)
    b = load_default_data(0, "impulse", **SMALL, progress=False)
    c = load_default_data(1, **SMALL, progress=False)
    assert len({a.data_id, b.data_id, c.data_id}) == 3
    assert len([p for p in tmp_cache.iterdir() if p.name.startswith("embedded-")]) == 3


def test_a_symlinked_entry_is_refused(tmp_cache, tmp_path):
    load_default_data(0, **SMALL, progress=False)
    entry = _entry(tmp_cache)
    moved = tmp_path / "elsewhere"
    entry.rename(moved)
    entry.symlink_to(moved, target_is_directory=True)
    with pytest.raises(DataError, match="is a symlink; refusing"):
        load_default_data(0, **SMALL, progress=False)


def test_an_unwritable_cache_does_not_stop_loading(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("N2N_GRADE_CACHE", str(blocker / "cache"))  # cannot be created
    d = load_default_data(0, **SMALL, progress=False)
    assert d.train_input.shape == (40, 3, 32, 32)
    assert "not cached" in d.info["cache"]
