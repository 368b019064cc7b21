"""Results built in code (scored with the real rubric) and a headless-Chromium renderer for the report views."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.result import Check, Result
from grader.scoring import load_rubric, score

# characters that break naive Markdown tables, HTML, XML, CSV and GitHub workflow commands
NASTY = 'a|b <script>alert("x")</script> 100% done, "quoted"\nsecond line \x01 _under_ *star*'


def _comparison(err: float, tol: float) -> dict:
    return {"shape": [2, 5, 7, 9], "max_abs_err": err, "max_rel_err": err / 3, "tolerance": tol, "ok": err <= tol}


def build_result(
    team: str = "Proj_123456_654321",
    *,
    scipers=("123456", "654321"),
    conv_ok: bool = True,
    forbidden: bool = False,
    pretrained: float | None = 24.1,
    trained: float | None = 22.0,
    epoch: float | None = 30.0,
    package_dir: str = "/work/sub/Proj_123456_654321/Miniproject_2",
    message_extra: str = "",
) -> Result:
    """A Result shaped like the grader's, with findings, exception frames and alternatives."""
    findings = (
        [
            {
                "file": "others/layers.py",
                "line": 12,
                "col": 4,
                "category": "forbidden_torch",
                "name": "torch.relu",
                "severity": "fail",
                "message": "forbidden call torch.relu" + message_extra,
                "count": 3,
                "lines": [12, 20, 31],
            },
            {
                "file": "model.py",
                "line": 3,
                "col": 0,
                "category": "third_party",
                "name": "tqdm",
                "severity": "warn",
                "message": "utility import tqdm",
                "count": 1,
                "lines": [3],
            },
        ]
        if forbidden
        else []
    )
    checks = [
        Check(
            "structure.layout",
            "pass",
            "Miniproject_2/ holds __init__.py and model.py",
            {"package_dir": package_dir, "package_name": "Miniproject_2"},
        ),
        Check("structure.import", "pass", "Miniproject_2.model imports in 0.05 s", {"seconds": 0.05}),
        Check(
            "rules.static_imports",
            "fail" if forbidden else "pass",
            ("found: torch.relu (others/layers.py:12)" + message_extra) if forbidden else "no forbidden imports",
            {"files_scanned": 4, "findings": findings},
        ),
        Check(
            "blocks.Conv2d.forward",
            "pass" if conv_ok else "fail",
            "matches torch" if conv_ok else "forward output: max error 0.31 exceeds 1.0e-03" + message_extra,
            {"comparisons": [_comparison(1e-6 if conv_ok else 0.31, 1e-3)]},
        ),
        Check("blocks.NearestUpsampling.forward", "pass", "matches torch", {"comparisons": [_comparison(2e-7, 1e-3)]}),
        Check(
            "blocks.TransposeConv2d.forward",
            "skipped",
            "not implemented (the other upsampling variant is)",
            {"not_applicable": True},
        ),
        Check(
            "model.load_pretrained",
            "pass" if pretrained is not None else "fail",
            "bestmodel.pth loaded" if pretrained is not None else "load_pretrained_model() failed",
            {}
            if pretrained is not None
            else {
                "exception": {
                    "type": "FileNotFoundError",
                    "message": "bestmodel.pth",
                    "where": ["Miniproject_2/model.py:80 in load_pretrained_model: torch.load(CHECKPOINT)"],
                }
            },
        ),
        Check(
            "model.pretrained_psnr",
            "pass" if pretrained is not None else "skipped",
            f"{pretrained} dB" if pretrained is not None else "no pretrained model loaded",
            {"psnr": pretrained, "gain_db": pretrained - 20.5} if pretrained is not None else {},
        ),
        Check(
            "model.train_time",
            "pass" if epoch is not None else "skipped",
            f"one epoch in {epoch} s" if epoch is not None else "training not requested",
            {"seconds": epoch, "budget_seconds": 144.0} if epoch is not None else {},
        ),
    ]
    result = Result(
        submission=team,
        source=f"submissions/{team}",
        scipers=list(scipers),
        checks=checks,
        psnr={"noisy_input": 20.5, "pretrained": pretrained, "trained": trained, "reference": 23.9},
        timing={
            "epoch_seconds": epoch,
            "epoch_pairs": 4000,
            "budget_seconds": 144.0,
            "ratio_to_reference": None if epoch is None else epoch / 25.0,
            "grading_seconds": 12.5,
        },
        environment={
            "grader_version": "0.1.0",
            "data_id": "abc123",
            "rubric_digest": "0123456789abcdef",
            "submission_hash": "ab" * 32,
            "fast": True,
            "train": True,
            "n_train": 4000,
            "n_val": 200,
            "device": "cpu",
        },
        notes=["--fast: PSNR figures are not comparable with a full grade"],
    )
    return score(result, load_rubric())


@pytest.fixture
def make_result():
    return build_result


@pytest.fixture
def nasty() -> str:
    return NASTY


# ---------------------------------------------------------------- headless Chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _install_chromium() -> str:
    """apt-get install chromium (as root on Debian); returns why it could not be done, or ''."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "chromium is not installed and the tests cannot install it (not root, or no apt-get)"
    from filelock import FileLock  # both xdist workers may get here: one installs

    with FileLock(os.path.join(tempfile.gettempdir(), "n2n-grade-chromium-install.lock")):
        if _find_chromium():
            return ""
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            try:
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=280)
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"`{' '.join(cmd)}` failed: {exc}"
            if done.returncode != 0:
                return f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-300:]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a headless-capable Chromium, installed when missing; skips (with the reason) when impossible."""
    path = _find_chromium()
    if path is None:
        reason = _install_chromium()
        path = _find_chromium()
        if path is None:
            print(f"skipping the HTML rendering tests: {reason or 'chromium not found after installing it'}")
            pytest.skip(reason or "chromium not found after installing it")
    return path


def render_page(chromium: str, html_file: Path, *, size=(1200, 1600), dom: bool = True) -> tuple[Path, list[str], str]:
    """Load a page in headless Chromium: (screenshot PNG, console messages, the DOM after loading or '')."""
    shot = html_file.with_suffix(".png")
    with tempfile.TemporaryDirectory(prefix="n2n-chromium-") as profile:
        base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"]
        run = subprocess.run(
            base + [f"--screenshot={shot}", html_file.resolve().as_uri()], capture_output=True, text=True, timeout=120
        )
        dumped = (
            subprocess.run(
                base + ["--dump-dom", html_file.resolve().as_uri()], capture_output=True, text=True, timeout=120
            )
            if dom
            else None
        )
    # Our pages carry no script, so any console line (errors, uncaught exceptions, logs) is a defect.
    stderr = run.stderr + (dumped.stderr if dumped else "")
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    assert shot.is_file(), f"no screenshot; chromium said: {run.stderr[-800:]}"
    return shot, console, dumped.stdout if dumped else ""


def non_blank_fraction(png: Path) -> float:
    """Share of pixels that are not the page's background colour."""
    from PIL import Image

    with Image.open(png) as im:
        gray = im.convert("L")
        histogram = gray.histogram()
    background = max(range(256), key=histogram.__getitem__)
    return 1 - histogram[background] / sum(histogram)


@pytest.fixture
def non_blank():
    return non_blank_fraction


@pytest.fixture
def render(chromium):
    return lambda html_file, **kw: render_page(chromium, Path(html_file), **kw)
