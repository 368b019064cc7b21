"""BM3D on the validation set of the embedded data, as a yardstick beside the classical baselines of `grade data`.

    pip install "n2n-grade[bm3d]"        # the bm3d package (PyPI, 4.0.3), an optional extra
    python scripts/bm3d_baseline.py      # -> docs/bm3d-baseline.json

Each noisy validation image is denoised by `bm3d.bm3d_rgb` (colour BM3D with its default
profile), in [0, 1], with the noise level the data declares (σ = 25.8 on 0-255 for the
embedded Gaussian noise; --sigma to change it), clipped to 0-255 like the other baselines,
and scored with both PSNR definitions of grader.psnr. Not part of `grade data --baselines`:
BM3D takes about 2 CPU-seconds per 32×32 image here (over half an hour for 1,000).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sigma", type=float, default=25.8, help="noise standard deviation on 0-255")
    p.add_argument("--data-seed", type=int, default=0)
    p.add_argument("--n-val", type=int, default=None, help="the first N validation images (default: all)")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "bm3d-baseline.json")
    args = p.parse_args(argv)
    import bm3d

    from grader.data import load_default_data
    from grader.psnr import psnr_global, psnr_per_image

    data = load_default_data(seed=args.data_seed, progress=False)
    noisy, clean = data.val_input[: args.n_val], data.val_target[: args.n_val]
    images = noisy.numpy().transpose(0, 2, 3, 1).astype(np.float64) / 255
    start, cpu = time.perf_counter(), time.process_time()
    out = []
    for i, image in enumerate(images):
        out.append(bm3d.bm3d_rgb(image, args.sigma / 255))
        if (i + 1) % 100 == 0:
            print(f"{i + 1}/{len(images)} images, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    pred = np.clip(np.stack(out) * 255, 0, 255).transpose(0, 3, 1, 2)
    result = {
        "what": "BM3D (bm3d.bm3d_rgb, default profile) on the validation set",
        "command": "python scripts/bm3d_baseline.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "bm3d": version("bm3d"),
        "sigma": args.sigma,
        "n_val": len(noisy),
        "data": {k: data.info.get(k) for k in ("source", "seed", "noise", "data_id")},
        "noisy_input": {
            "psnr_per_image": psnr_per_image(noisy, clean, data_range=255.0),
            "psnr_global": psnr_global(noisy, clean, data_range=255.0),
        },
        "bm3d_result": {
            "psnr_per_image": psnr_per_image(pred, clean, data_range=255.0),
            "psnr_global": psnr_global(pred, clean, data_range=255.0),
        },
        "wall_seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    r = result["bm3d_result"]
    print(
        f"BM3D σ={args.sigma:g}: {r['psnr_per_image']:.2f} dB per image, {r['psnr_global']:.2f} dB global "
        f"({len(noisy)} images, {result['wall_seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()
