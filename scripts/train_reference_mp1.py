"""Train the project-1 reference (reference_impl/Miniproject_1) on the embedded data set, logging each epoch.

    python scripts/train_reference_mp1.py --epochs 20 --threads 2  # -> bestmodel.pth, docs/reference-mp1-training.json

Seeded (torch seed: initial weights, batch order, augmentation) and deterministic for a
given seed and thread count on CPU. Each epoch logs the validation PSNR (per image, the
primary definition, and global) in one pass, and every `--ensemble-every` epochs and at
the end also with predict's 8-fold self-ensemble, the seconds it took and the mean
training loss, to a JSON file rewritten after every epoch; the weights are saved after
each epoch that beats the best validation PSNR so far (a run stopped early keeps the
best it reached; the log says which epoch that was). At the end the saved
bestmodel.pth is loaded into a fresh Model and scored through Model.predict.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_twin import REFERENCES, ROOT, load_reference  # noqa: E402
from train_reference import psnrs  # noqa: E402

REF_DIR, PACKAGE = REFERENCES[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0, help="torch seed: initial weights, batch order, augmentation")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the embedded data set")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--n-train", type=int, default=None, help="use the first N training pairs (default: all)")
    p.add_argument("--ensemble-every", type=int, default=2, help="score the self-ensemble every N epochs")
    p.add_argument("--checkpoint", type=Path, default=None, help="where to save the weights (default: bestmodel.pth)")
    p.add_argument("--log", type=Path, default=ROOT / "docs" / "reference-mp1-training.json", help="JSON log")
    return p.parse_args(argv)


def evaluate(model, noisy, clean, ensemble):
    """Validation PSNRs through Model.predict: one pass (key suffix _single) and, if `ensemble`, 8-fold (_ensemble)."""
    out = {}
    for name, on in (("single", False), ("ensemble", True))[: 2 if ensemble else 1]:
        model.self_ensemble = on
        out.update({f"{k}_{name}": v for k, v in psnrs(model.predict(noisy), clean).items()})
    model.self_ensemble = True
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from grader.data import load_default_data

    data = load_default_data(seed=args.data_seed, progress=False)
    a, b = data.train_input, data.train_target
    if args.n_train:
        a, b = a[: args.n_train], b[: args.n_train]
    ref = load_reference(1)
    torch.manual_seed(args.seed)
    model = ref.Model()
    log = {
        "what": "project-1 reference: residual U-Net in torch.nn, Adam",
        "command": "python scripts/train_reference_mp1.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "config": {
            "epochs": args.epochs,
            "seed": args.seed,
            "data_seed": args.data_seed,
            "threads": args.threads,
            "n_train": len(a),
            "batch_size": model.batch_size,
            "peak_lr": model.lr,
            "warmup_fraction": model.warmup,
            "decay_fraction": model.decay,
            "optimizer": "Adam",
            "parameters": sum(p.numel() for p in model.net.parameters()),
            "architecture": repr(model.net),
        },
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "device": str(model.device),
        },
        "data": {k: data.info.get(k) for k in ("source", "seed", "noise", "data_id")},
        "noisy_input": psnrs(data.val_input, data.val_target),
        "epochs": [],
    }
    args.log.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = args.checkpoint or REF_DIR / "bestmodel.pth"
    best = {"psnr": float("-inf")}
    started = time.perf_counter()

    def on_epoch(epoch, seconds, loss):
        ensemble = (epoch + 1) % args.ensemble_every == 0 or epoch + 1 == args.epochs
        cpu = time.process_time()
        entry = {
            "epoch": epoch + 1,
            "seconds": round(seconds, 2),
            "train_loss": loss,
            **evaluate(model, data.val_input, data.val_target, ensemble),
        }
        log["epochs"].append(entry)
        if entry["psnr_per_image_single"] > best["psnr"]:  # the best epoch's weights: a stopped run keeps them
            best["psnr"] = entry["psnr_per_image_single"]
            model.save_model(checkpoint)
            log["saved_after_epoch"] = epoch + 1
        log["wall_seconds"] = round(time.perf_counter() - started, 1)
        log["cpu_seconds"] = round(cpu, 1)
        args.log.write_text(json.dumps(log, indent=2) + "\n")
        more = (
            (
                f", {entry['psnr_per_image_ensemble']:.3f} dB self-ensembled (global "
                f"{entry['psnr_global_ensemble']:.3f} dB)"
            )
            if ensemble
            else ""
        )
        print(
            f"epoch {epoch + 1:3d}  {seconds:7.1f} s  loss {loss:.5f}  PSNR per image "
            f"{entry['psnr_per_image_single']:.3f} dB one pass (global {entry['psnr_global_single']:.3f} dB){more}",
            flush=True,
        )

    print(
        f"project-1 reference: {len(a)} pairs, {args.epochs} epochs, {args.threads} threads; noisy input "
        f"{log['noisy_input']['psnr_per_image']:.3f} dB per image",
        flush=True,
    )
    model.train(a, b, args.epochs, on_epoch=on_epoch)
    shipped = ref.Model()  # what a grader gets: the saved file, loaded, through Model.predict
    shipped.net.load_state_dict(torch.load(checkpoint, map_location=shipped.device, weights_only=True))
    log["shipped_predict"] = psnrs(shipped.predict(data.val_input), data.val_target)
    path = Path(checkpoint).resolve()
    log["checkpoint"] = {
        "path": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "bytes": path.stat().st_size,
    }
    log["final"] = log["epochs"][-1]
    log["wall_seconds"] = round(time.perf_counter() - started, 1)
    log["cpu_seconds"] = round(time.process_time(), 1)
    args.log.write_text(json.dumps(log, indent=2) + "\n")
    print(
        f"done in {log['wall_seconds']:.0f} s; shipped model {log['shipped_predict']['psnr_per_image']:.3f} dB "
        f"per image; log {args.log}",
        flush=True,
    )


if __name__ == "__main__":
    main()
