"""Fixtures every test folder may use: a headless Chromium that renders the HTML views.

Chromium is Debian's package (/usr/bin/chromium); `.ci/run` installs it, and so
does the `chromium` fixture when it runs as root with apt-get. Where neither
can, the rendering tests are skipped with the reason, and the rest still run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

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
