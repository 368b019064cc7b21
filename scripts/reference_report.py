"""Print the references' training results as Markdown, from the JSON logs of the training scripts.

    python scripts/reference_report.py [docs/reference-training.json] [docs/reference-twin-training.json]
    python scripts/reference_report.py docs/reference-training-10-epochs.json   # the twin at equal epochs
    python scripts/reference_report.py --project 1

The first prints the project-2 reference against its torch.nn twin
(scripts/train_reference.py; a missing or unfinished twin log is reported as
such); the second the project-1 reference (scripts/train_reference_mp1.py) beside
BM3D (scripts/bm3d_baseline.py) and the project-2 reference and twin. The tables of
docs/reference.md are this script's output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def row(name, log, key):
    """[name, per image, global, gain per image, epoch, mean s/epoch, wall] for one run and one evaluation,
    at the last epoch evaluated that way (the self-ensemble is evaluated every 5 epochs and at the end)."""
    evaluated = [e for e in log["epochs"] if f"psnr_per_image_{key}" in e]
    if not evaluated:
        return None
    last = evaluated[-1]
    seconds = [e["seconds"] for e in log["epochs"]]
    per_image = last[f"psnr_per_image_{key}"]
    return [
        name,
        per_image,
        last[f"psnr_global_{key}"],
        per_image - log["noisy_input"]["psnr_per_image"],
        f"{last['epoch']}/{log['config']['epochs']}",
        sum(seconds) / len(seconds),
        log.get("wall_seconds", 0) / 60,
    ]


def report(ref_path: Path, twin_path: Path) -> str:
    ref, twin = load(ref_path), load(twin_path)
    if ref is None or not ref["epochs"]:
        return f"no reference log at {ref_path}"
    noisy = ref["noisy_input"]
    rows = [["noisy input", noisy["psnr_per_image"], noisy["psnr_global"], 0.0, "", None, None]]
    for key, how in (("single", "one pass"), ("ensemble", "8-fold self-ensemble")):
        rows.append(row(f"reference, {how}", ref, key))
        if twin and twin["epochs"]:
            rows.append(row(f"torch.nn twin, {how}", twin, key))
    rows = [r for r in rows if r is not None]
    headers = [
        "validation (1,000 images)",
        "PSNR per image (dB)",
        "PSNR global (dB)",
        "gain per image (dB)",
        "at epoch",
        "s / epoch",
        "wall (min)",
    ]
    table = tabulate(rows, headers, tablefmt="github", floatfmt=".2f", missingval="")
    lines = [table, ""]
    if "shipped_predict" in ref:
        s = ref["shipped_predict"]
        lines.append(
            f"The shipped bestmodel.pth through `Model.predict`: {s['psnr_per_image']:.2f} dB per image, "
            f"{s['psnr_global']:.2f} dB global."
        )
    if twin is None or len(twin.get("epochs", [])) < twin.get("config", {}).get("epochs", 0):
        lines.append("The twin's run is not finished: its rows show the last epochs logged.")
    elif twin["config"]["epochs"] != ref["config"]["epochs"]:
        # a longer schedule is a different run: the rows are side by side, not a like-for-like comparison
        lines.append(
            f"The twin was trained for {twin['config']['epochs']} epochs, the reference for "
            f"{ref['config']['epochs']}: compare them at equal epochs with the reference's log of that length."
        )
    cfg = ref["config"]
    lines.append(
        f"Run: `{ref['command']}` ({cfg['threads']} thread(s), torch seed {cfg['seed']}, data seed "
        f"{cfg['data_seed']}, data {ref['data']['data_id']}, {ref['machine']['torch']})."
    )
    return "\n".join(lines)


def report_mp1(docs: Path = ROOT / "docs") -> str:
    """Project 1's table: its reference (one pass, self-ensembled, as shipped) beside BM3D and project 2's runs."""
    mp1 = load(docs / "reference-mp1-training.json")
    if mp1 is None or not mp1["epochs"]:
        return f"no project-1 log at {docs / 'reference-mp1-training.json'}"
    noisy = mp1["noisy_input"]
    rows = [["noisy input", noisy["psnr_per_image"], noisy["psnr_global"], 0.0, "", None, None]]
    for key, how in (("single", "one pass"), ("ensemble", "8-fold self-ensemble")):
        rows.append(row(f"project-1 reference (U-Net), {how}", mp1, key))
    if "shipped_predict" in mp1:
        s = mp1["shipped_predict"]
        rows.append(
            [
                "project-1 bestmodel.pth through Model.predict",
                s["psnr_per_image"],
                s["psnr_global"],
                s["psnr_per_image"] - noisy["psnr_per_image"],
                "",
                None,
                None,
            ]
        )
    bm3d = load(docs / "bm3d-baseline.json")
    if bm3d:
        b = bm3d["bm3d_result"]
        rows.append(
            [
                f"BM3D (bm3d {bm3d['bm3d']}, σ = {bm3d['sigma']:g}, {bm3d['n_val']} images)",
                b["psnr_per_image"],
                b["psnr_global"],
                b["psnr_per_image"] - bm3d["noisy_input"]["psnr_per_image"],
                "",
                None,
                bm3d["wall_seconds"] / 60,
            ]
        )
    for name, path in (
        ("project-2 reference", "reference-training.json"),
        ("project-2 torch.nn twin", "reference-twin-training.json"),
    ):
        log = load(docs / path)
        if log and log["epochs"]:
            rows.append(row(f"{name}, 8-fold self-ensemble", log, "ensemble"))
    rows = [r for r in rows if r is not None]
    headers = [
        "validation (1,000 images)",
        "PSNR per image (dB)",
        "PSNR global (dB)",
        "gain per image (dB)",
        "at epoch",
        "s / epoch",
        "wall (min)",
    ]
    cfg = mp1["config"]
    return "\n".join(
        [
            tabulate(rows, headers, tablefmt="github", floatfmt=".2f", missingval=""),
            "",
            f"Run: `{mp1['command']}` ({cfg['threads']} thread(s), torch seed {cfg['seed']}, data seed "
            f"{cfg['data_seed']}, data {mp1['data']['data_id']}, {mp1['machine']['torch']}).",
        ]
    )


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["--project", "1"]:
        print(report_mp1())
        return
    ref_path = Path(args[0]) if args else ROOT / "docs" / "reference-training.json"
    twin_path = Path(args[1]) if len(args) > 1 else ROOT / "docs" / "reference-twin-training.json"
    print(report(ref_path, twin_path))


if __name__ == "__main__":
    main()
