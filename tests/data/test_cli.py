"""`grade data` through click's CliRunner, with small sizes and a temporary cache."""

import re

import pytest
import torch
from click.testing import CliRunner

from grader.cli import main
from grader.data import load_course_data, load_default_data

SMALL = ["--n-train", "60", "--n-val", "12", "--quiet"]


def _run(*args):
    return CliRunner().invoke(main, ["data", *args], catch_exceptions=False)


def test_summary_shows_sizes_noise_id_psnr_and_credits():
    r = _run(*SMALL)
    assert r.exit_code == 0, r.output
    d = load_default_data(0, n_train=60, n_val=12, progress=False)
    assert "60 × (3, 32, 32)" in r.output and "12 × (3, 32, 32)" in r.output
    assert "gaussian, sigma 25.8" in r.output
    assert d.data_id in r.output
    assert re.search(r"per image \(primary\)\s+\d+\.\d\d dB", r.output)
    assert re.search(r"global MSE \(handout\)\s+\d+\.\d\d dB", r.output)
    for name in ("astronaut", "grace_hopper", "CC BY 2.0"):
        assert name in r.output


def test_seed_and_noise_options_change_the_data():
    a = _run(*SMALL)
    b = _run(*SMALL, "--seed", "2", "--noise", "pixelate")
    ids = [re.search(r"data id\s+(\w+)", r.output).group(1) for r in (a, b)]
    assert ids[0] != ids[1]
    assert "block means" in b.output


def test_unknown_noise_is_a_usage_error():
    r = CliRunner().invoke(main, ["data", "--noise", "speckle"])
    assert r.exit_code == 2
    assert "gaussian" in r.output and "pixelate" in r.output


def test_export_then_load_the_export_as_course_data(tmp_path):
    r = _run(*SMALL, "--export", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "train_data.pkl" in r.output
    course = load_course_data(tmp_path / "out")
    emb = load_default_data(0, n_train=60, n_val=12, progress=False)
    assert torch.equal(course.val_target, emb.val_target) and course.data_id == emb.data_id
    r2 = _run("--data", str(tmp_path / "out"), "--quiet")
    assert r2.exit_code == 0 and "course:" in r2.output and emb.data_id in r2.output


def test_bad_course_folder_is_a_clear_error(tmp_path):
    (tmp_path / "c").mkdir()
    r = CliRunner().invoke(main, ["data", "--data", str(tmp_path / "c")])
    assert r.exit_code == 1
    assert "train_data.pkl: file not found" in r.output


def test_progress_and_cache_messages_go_to_stderr():
    r = CliRunner().invoke(main, ["data", "--n-train", "30", "--n-val", "6"], catch_exceptions=False)
    assert r.exit_code == 0
    assert "data cache: stored in" in r.stderr and "data cache" not in r.stdout


@pytest.mark.slow
def test_baselines_table():
    r = _run("--n-train", "40", "--n-val", "10", "--n-tune", "16", "--quiet", "--baselines")
    assert r.exit_code == 0, r.output
    for name in ("noisy input", "non-local means", "total variation", "wavelet", "bilateral"):
        assert name in r.output
