"""The side-by-side page of one pair: copydetect's own HTML report of the two teams' files.

copydetect renders matched code highlighted in both files (team A red, team
B green), a similarity matrix and a histogram. We hand it the fingerprints we
already made (same k, same template and class-wide fragments left out), so
its numbers are the run's. Its page loads Bootstrap from a CDN to fold the
code away: we drop those two tags, so the page works offline, shows the code
unfolded and tells no third party that an instructor opened it.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from html import escape
from pathlib import Path

from copydetect import CodeFingerprint, CopyDetector

OFFLINE_CSS = """<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 16px; }
.row { display: flex; gap: 12px; } .col, .col3 { flex: 1; min-width: 0; } .col3 { float: none; }
.collapse { display: block; } .btn { display: none; } .d-flex { display: flex; gap: 16px; }
.d-flex img { max-width: 100%; height: auto; } .d-flex .col { max-width: 480px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; }
table { width: 100%; border-collapse: collapse; } td { border-top: 1px solid #d0d7de; padding: 8px 0; }
.n2n-head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; margin: 0 -16px; }
</style>"""

_CDN_TAGS = (
    re.compile(r'<link href="https://cdn\.jsdelivr\.net/[^>]*>'),
    re.compile(r'<script src="https://cdn\.jsdelivr\.net/[^>]*></script>'),
)


def side_by_side(
    prints_a: dict[str, CodeFingerprint], prints_b: dict[str, CodeFingerprint], *, k: int, heading: str, back: str
) -> str:
    """copydetect's report of team A's files (tested) against team B's (reference), as one HTML page.

    `heading` (plain text) and a link to `back` go on top of the page.
    """
    detector = CopyDetector(
        noise_t=k,
        guarantee_t=k,
        display_t=0.0,
        autoopen=False,
        silent=True,
        force_language="python",
        out_file=str(Path(tempfile.gettempdir()) / "unused.html"),
    )
    for kind, prints in (("test", prints_a), ("ref", prints_b)):
        for name, fp in prints.items():
            detector.add_file(name, kind)
            detector.file_data[name] = fp  # already made: the detector reads nothing from disk
    with warnings.catch_warnings():  # copydetect 0.5.0 reads its page template through a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        detector.run()
        page = detector.generate_html_report(output_mode="return") or ""
    for tag in _CDN_TAGS:
        page = tag.sub("", page)
    head = (
        f'<div class="n2n-head"><a href="{escape(back)}">&larr; class report</a> &middot; '
        f"{escape(heading)}<br><small>Red: the first team's code; green: the second's. "
        "Template code and fragments common to the class are not highlighted.</small></div>"
    )
    return page.replace("</head>", OFFLINE_CSS + "</head>", 1).replace("<body>", "<body>" + head, 1)
