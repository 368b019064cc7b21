"""Train the reference solution (or its torch.nn twin) on the embedded data set, logging each epoch.

    python scripts/train_reference.py         # reference -> bestmodel.pth + docs/reference-training.json
    python scripts/train_reference.py --twin  # torch.nn twin, same seed/batches/schedule
                                              #   -> docs/reference-twin-training.json

Both runs start from the same weights (the reference Model's initialisation for
--seed), see the same batches in the same order (the reference's own batch
generator, from the same RNG state) and follow the same learning-rate schedule;
the twin uses torch.nn, autograd and torch.optim.Adam. Each epoch logs the
validation PSNR (per image, the primary definition, and global), the seconds it
took, and the mean training loss, to a JSON file rewritten after every epoch.
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
from reference_twin import PACKAGE, REF_DIR, ROOT, load_reference, twin_of  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0, help="torch seed: initial weights, batch order, augmentation")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the embedded data set")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--n-train", type=int, default=None, help="use the first N training pairs (default: all)")
    p.add_argument("--twin", action="store_true", help="train the torch.nn twin instead of the reference")
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="where to save the weights (default: the reference's bestmodel.pth; the twin saves none)",
    )
    p.add_argument(
        "--log",
        type=Path,
        default=None,
        help="JSON log (default: docs/reference-training.json or docs/reference-twin-training.json)",
    )
    return p.parse_args(argv)


def psnrs(pred, clean):
    """Both PSNR definitions of 0-255 predictions against the clean images."""
    from grader.psnr import psnr_global, psnr_per_image

    return {
        "psnr_per_image": psnr_per_image(pred, clean, data_range=255.0),
        "psnr_global": psnr_global(pred, clean, data_range=255.0),
    }


def evaluate(forward, noisy, clean, device, ensemble=True):
    """Validation PSNRs of `forward` (a network on [0, 1] images; 32×32 needs no padding): one pass, and if
    `ensemble` the mean over the 8 symmetries as Model.predict does by default (key suffixes _single, _ensemble)."""
    self_ensemble = sys.modules[PACKAGE + ".others.symmetry"].self_ensemble
    out = {}
    ways = (("single", forward), ("ensemble", lambda x: self_ensemble(forward, x)))
    for name, f in ways[: 2 if ensemble else 1]:
        with torch.no_grad():
            pred = torch.cat(
                [f(noisy[i : i + 250].to(device).float() / 255).cpu() * 255 for i in range(0, len(noisy), 250)]
            )
        out.update({f"{k}_{name}": v for k, v in psnrs(pred, clean).items()})
    return out


def train_twin(model, twin, a, b, epochs, on_epoch):
    """Model.train's loop with torch.nn, autograd and torch.optim.Adam: same batches, schedule and hyperparameters."""
    data = sys.modules[PACKAGE + ".others.data"]
    schedule = sys.modules[PACKAGE + ".others.schedule"]
    opt = torch.optim.Adam(twin.parameters(), lr=model.lr)
    total, warmup, decay_start = model.schedule_steps(len(a), epochs)
    step = 0
    for epoch in range(epochs):
        start, loss_sum, batches = time.perf_counter(), 0.0, 0
        for x, y in data.shuffled_batches(a, b, model.batch_size, model.device):
            for group in opt.param_groups:
                group["lr"] = schedule.learning_rate(step, total, model.lr, warmup, decay_start)
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(twin(x), y)
            loss.backward()
            opt.step()
            loss_sum, batches, step = loss_sum + loss.detach(), batches + 1, step + 1
        on_epoch(epoch, time.perf_counter() - start, float(loss_sum) / batches)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from grader.data import load_default_data

    data = load_default_data(seed=args.data_seed, progress=False)
    a, b = data.train_input, data.train_target
    if args.n_train:
        a, b = a[: args.n_train], b[: args.n_train]
    ref = load_reference()

    torch.manual_seed(args.seed)
    model = ref.Model()  # the reference's initial weights, for both runs
    twin = None
    if args.twin:
        rng = torch.get_rng_state()
        twin = twin_of(model.net)  # building torch.nn layers draws random numbers: put the generator back
        torch.set_rng_state(rng)

    name = "twin" if args.twin else "reference"
    log_path = args.log or ROOT / "docs" / ("reference-twin-training.json" if args.twin else "reference-training.json")
    log = {
        "what": f"{name}: {'torch.nn + autograd + torch.optim.Adam' if args.twin else 'reference_impl blocks + Adam'}",
        "command": "python scripts/train_reference.py " + " ".join(sys.argv[1:] if argv is None else argv),
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
    log_path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = args.checkpoint or REF_DIR / "bestmodel.pth"
    started = time.perf_counter()

    def on_epoch(epoch, seconds, loss):
        forward = twin if args.twin else model.net.forward
        ensemble = (epoch + 1) % 5 == 0 or epoch + 1 == args.epochs  # 8 passes: not every epoch
        entry = {
            "epoch": epoch + 1,
            "seconds": round(seconds, 2),
            "train_loss": loss,
            **evaluate(forward, data.val_input, data.val_target, model.device, ensemble),
        }
        log["epochs"].append(entry)
        if not args.twin:  # a run stopped early keeps the weights it reached (the log says after which epoch)
            model.save_model(checkpoint)
            log["saved_after_epoch"] = epoch + 1
        log["wall_seconds"] = round(time.perf_counter() - started, 1)
        log_path.write_text(json.dumps(log, indent=2) + "\n")
        more = (
            (
                f", {entry['psnr_per_image_ensemble']:.3f} dB self-ensembled (global "
                f"{entry['psnr_global_ensemble']:.3f} dB)"
            )
            if ensemble
            else ""
        )
        print(
            f"{name} epoch {epoch + 1:3d}  {seconds:7.1f} s  loss {loss:.5f}  PSNR per image "
            f"{entry['psnr_per_image_single']:.3f} dB one pass (global {entry['psnr_global_single']:.3f} dB){more}",
            flush=True,
        )

    print(
        f"{name}: {len(a)} pairs, {args.epochs} epochs, {args.threads} threads; noisy input "
        f"{log['noisy_input']['psnr_per_image']:.3f} dB per image",
        flush=True,
    )
    if args.twin:
        twin.to(model.device)
        train_twin(model, twin, a, b, args.epochs, on_epoch)
    else:
        model.train(a, b, args.epochs, on_epoch=on_epoch)
        shipped = ref.Model()  # what a grader gets: the saved file, loaded, through Model.predict
        if Path(checkpoint).resolve() == (REF_DIR / "bestmodel.pth").resolve():
            shipped.load_pretrained_model()
        else:
            shipped.net.load_state_dict(torch.load(checkpoint, map_location=shipped.device, weights_only=True))
        log["shipped_predict"] = psnrs(shipped.predict(data.val_input), data.val_target)
        log["checkpoint"] = {
            "path": str(Path(checkpoint).resolve().relative_to(ROOT))
            if Path(checkpoint).resolve().is_relative_to(ROOT)
            else str(checkpoint),
            "bytes": Path(checkpoint).stat().st_size,
        }
    log["final"] = log["epochs"][-1] if log["epochs"] else None
    if log["final"]:
        log["gain_db_per_image"] = {
            k: log["final"][f"psnr_per_image_{k}"] - log["noisy_input"]["psnr_per_image"]
            for k in ("single", "ensemble")
        }
    log["wall_seconds"] = round(time.perf_counter() - started, 1)
    log_path.write_text(json.dumps(log, indent=2) + "\n")
    print(f"{name}: done in {log['wall_seconds']:.0f} s; log {log_path}", flush=True)


if __name__ == "__main__":
    main()
