"""The HTML views: self-contained, rendered by headless Chromium without console errors, not blank."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from grader.report import html_report, images, summary_writer
from grader.report.summary import summarize


class _Resources(HTMLParser):
    """Collects every src/href and the tags seen."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [(tag, v) for k, v in attrs if k in ("src", "href") and v]


def _parse(text: str) -> _Resources:
    parser = _Resources()
    parser.feed(text)
    return parser


def _samples(n: int = 24, k: int = 6) -> images.Samples:
    rng = np.random.default_rng(0)
    clean = rng.integers(0, 256, size=(n, 3, 32, 32)).astype(np.uint8)
    noisy = np.clip(clean + rng.normal(0, 25, clean.shape), 0, 255)
    output = np.clip(clean + rng.normal(0, 8, clean.shape), 0, 255)
    return images.samples_from(noisy, output, clean, k=k)


def test_samples_compute_per_image_psnr():
    s = _samples()
    assert s.noisy.shape == (6, 3, 32, 32) and s.noisy.dtype == np.uint8
    assert len(s.all_psnr) == len(s.all_noisy_psnr) == 24
    # the output is less noisy than the input: its PSNR is higher, image by image
    assert all(o > n for o, n in zip(s.all_psnr, s.all_noisy_psnr))
    with pytest.raises(ValueError, match="equal"):
        images.Samples(s.noisy, s.output[:, :, :8], s.clean, s.psnr)


def test_picture_grid_and_histogram_are_pngs_of_the_expected_size():
    s = _samples()
    grid = Image.open(io.BytesIO(images.picture_grid(s, scale=3)))
    assert grid.format == "PNG" and grid.width > 6 * 96 and grid.height > 3 * 96
    pixels = np.asarray(grid.convert("RGB")).reshape(-1, 3)
    grid_colours = {tuple(p) for p in pixels}
    # nearest-neighbour scaling keeps every colour of the output image, unblended
    assert {tuple(p) for p in s.output[0].reshape(3, -1).T} <= grid_colours
    hist = Image.open(io.BytesIO(images.psnr_histogram(s, reference=30.0)))
    assert hist.format == "PNG" and hist.size == (640, 320)


def test_report_is_self_contained(make_result, nasty):
    text = html_report.render(make_result(forbidden=True, message_extra=nasty), _samples())
    parsed = _parse(text)
    assert "script" not in parsed.tags  # the student's text is escaped, and the page needs no script
    assert all(url.startswith("data:image/png;base64,") for tag, url in parsed.urls if tag == "img")
    assert sum(tag == "img" for tag, _ in parsed.urls) == 2
    assert "Miniproject_2/others/layers.py:12" in text


def test_report_without_images_has_no_images_section(make_result):
    text = html_report.render(make_result())
    assert "<img" not in text and "Validation images" not in text


def test_report_renders_in_chromium(tmp_path, render, non_blank, make_result, nasty):
    page = tmp_path / "report.html"
    page.write_text(html_report.render(make_result(forbidden=True, conv_ok=False, message_extra=nasty), _samples()))
    shot, console, dom = render(page)
    assert console == []
    assert non_blank(shot) > 0.02
    assert "Validation images" in dom and "blocks.Conv2d.forward" in dom
    assert dom.count("<img") == 2


def test_class_summary_renders_in_chromium(tmp_path, render, non_blank, make_result):
    teams = [("a", make_result("Proj_100001_100002")), ("b", make_result("team_b", scipers=(), conv_ok=False))]
    page = tmp_path / "summary.html"
    page.write_text(summary_writer.render(summarize(teams), "html"))
    shot, console, dom = render(page, size=(1400, 900))
    assert console == []
    assert non_blank(shot) > 0.02
    assert "Pass rate per check" in dom and 'href="a/report.html"' in dom


def test_the_console_check_catches_script_errors(tmp_path, render):
    # the control: a page that logs an error and throws must be caught by the same check
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><h1>x</h1><script>console.error('boom');"
        "throw new Error('thrown');</script></body></html>"
    )
    _, console, _ = render(page, size=(400, 300), dom=False)
    assert any("boom" in line for line in console) and any("thrown" in line for line in console)


def test_a_blank_page_is_detected(tmp_path, render, non_blank):
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>")
    shot, _, _ = render(page, size=(400, 300), dom=False)
    assert non_blank(shot) < 0.001
