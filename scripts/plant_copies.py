"""Write the planted copies of the similarity tests into a folder, to see their scores with `grade similarity`.

    python scripts/plant_copies.py OUT
    grade similarity reference_impl submissions/_build/template tests/similarity/fixtures/other_team OUT/* --out DIR

OUT/renamed, reordered, recommented and disguised are the reference implementation
with its identifiers renamed, its functions and classes reordered, its comments and
layout rewritten, and all three; OUT/borrower is the independent fixture team with
the reference's Conv2d class (renamed) pasted into it. The figures in
docs/similarity.md come from these two commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "similarity"))

import planted  # noqa: E402

REFERENCE = ROOT / "reference_impl"
OTHER = ROOT / "tests" / "similarity" / "fixtures" / "other_team"
VARIANTS = {
    "renamed": planted.rename,
    "reordered": planted.reorder,
    "recommented": planted.recomment,
    "disguised": planted.disguise,
}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, change in VARIANTS.items():
        planted.plant(REFERENCE, out / name, change)
    block = planted.rename(planted.class_source(REFERENCE / "Miniproject_2" / "others" / "conv.py", "Conv2d"))
    planted.paste_block(OTHER, out / "borrower", block, "Miniproject_2/others/layers.py")
    print("\n".join(str(p) for p in sorted(out.iterdir())))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
