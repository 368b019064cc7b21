"""The reference measurement: cached per machine, except when the machine was busy while it was timed."""

from __future__ import annotations

import json

import pytest

from grader import machine, reference
from grader.sandbox.supervisor import SandboxSettings


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("N2N_GRADE_CACHE", str(tmp_path))
    return tmp_path / "reference-measurements.json"


def measure(data, load, monkeypatch):
    monkeypatch.setattr(machine, "load_average", lambda: load)
    return reference.measure_reference(data.subset(40, 8), device="cpu", settings=SandboxSettings(threads=1))


def test_a_quiet_measurement_is_cached_and_reused(small_data, cache, monkeypatch):
    first = measure(small_data, 0.0, monkeypatch)
    assert first["cached"] is False and first["pretrained_psnr"] > 20 and first["epoch_seconds"] > 0
    assert first["load_average"] == 0.0
    stored = json.loads(cache.read_text())
    assert len(stored) == 1
    again = measure(small_data, 0.0, monkeypatch)
    assert again["cached"] is True and again["epoch_seconds"] == first["epoch_seconds"]


def test_a_busy_measurement_is_used_once_and_not_cached(small_data, cache, monkeypatch):
    busy_load = 64.0  # far more runnable work than any test machine has cores
    first = measure(small_data, busy_load, monkeypatch)
    assert first["cached"] is False and first["load_average"] == busy_load and first["epoch_seconds"] > 0
    assert not cache.exists() or json.loads(cache.read_text()) == {}
    assert measure(small_data, busy_load, monkeypatch)["cached"] is False


def test_busy_counts_the_cores_the_worker_leaves_free(monkeypatch):
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert not machine.busy(0.4, 4, "cpu") and machine.busy(0.6, 4, "cpu")  # no core to spare
    assert not machine.busy(2.4, 2, "cpu") and machine.busy(2.6, 2, "cpu")  # two to spare
    assert not machine.busy(99, 4, "cuda") and not machine.busy(None, 4, "cpu")  # a GPU epoch; unknown load
