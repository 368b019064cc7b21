"""Making each team's bestmodel.pth, reproducibly, with the team's own code.

- train:   the team's Model trains on the embedded data (seeded, one thread) and saves itself;
- copy:    team_x's file, byte for byte (the team's flaw is elsewhere);
- convert: team_x's trained weights put into the team's own Model, saved by the team's own save_model();
- cuda:    team_x's weights saved with every storage tagged 'cuda:0', as a GPU machine writes them;
- lfs:     a Git LFS pointer file;
- none:    no file.

The code-running steps run in a child process per team, so that every team's
`Miniproject_2` package is imported fresh: `python sample_checkpoints.py train|export|import ...`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# recipe name -> (epochs, training pairs); the same seed for every recipe
TRAINING = {"nearest": (4, 20000), "transpose": (4, 20000), "mp1": (1, 8000)}
RECIPE_PACKAGE = {"mp1": "Miniproject_1"}  # recipes of project 1; the others train a Miniproject_2
SEED = 0
SOURCE_TEAM = "team_x"
SOURCE_TEAMS = {1: "team_mp1_good", 2: SOURCE_TEAM}  # per project: whose checkpoint the others derive from


def _import_model(root: Path, package: str = "Miniproject_2"):
    import importlib

    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(root))
    return importlib.import_module(f"{package}.model")  # the team's own code


def _network_layers(model) -> list:
    return list(model.net.modules)


def train(root: Path, recipe: str) -> None:
    """Train the team's Model from scratch and let it save its own bestmodel.pth."""
    import torch

    from grader.data import load_default_data
    from grader.psnr import psnr_per_image

    epochs, pairs = TRAINING[recipe]
    data = load_default_data(progress=False)
    module = _import_model(root, RECIPE_PACKAGE.get(recipe, "Miniproject_2"))
    torch.manual_seed(SEED)
    model = module.Model()
    val_in, val_clean = data.val_input, data.val_target
    noisy = psnr_per_image(val_in.double(), val_clean, data_range=255.0)
    for epoch in range(epochs):
        model.train(data.train_input[:pairs], data.train_target[:pairs], 1)
        out = model.predict(val_in.float()).double().clamp(0, 255)
        print(f"  epoch {epoch + 1}/{epochs}: {psnr_per_image(out, val_clean, data_range=255.0):.2f} dB "
              f"(noisy input {noisy:.2f} dB)", flush=True)
    model.save_model()


def export_weights(root: Path, out: Path) -> None:
    """The weight and bias of every layer of the team's pretrained Model, as {index: {name: tensor}}."""
    import torch

    module = _import_model(root)
    model = module.Model()
    model.load_pretrained_model()
    layers = {}
    for i, layer in enumerate(_network_layers(model)):
        tensors = {name: getattr(layer, name).clone() for name in ("weight", "bias")
                   if isinstance(getattr(layer, name, None), torch.Tensor)}
        if tensors:
            layers[i] = tensors
    torch.save(layers, out)


def import_weights(root: Path, source: Path) -> None:
    """Copy exported weights into the team's Model, layer by layer, and save them with its save_model()."""
    import torch

    module = _import_model(root)
    model = module.Model()
    layers = torch.load(source)
    network = _network_layers(model)
    for i, tensors in layers.items():
        for name, value in tensors.items():
            getattr(network[i], name).copy_(value)
    model.save_model()


def resave_project1(root: Path, source: Path) -> None:
    """Put a project-1 state dict into the team's network and save it with the team's own save_model()."""
    import torch

    module = _import_model(root, "Miniproject_1")
    model = module.Model()
    model.net.load_state_dict(torch.load(source, map_location="cpu"))
    model.save_model()


def save_as_cuda(source: Path, dest: Path) -> None:
    """Re-save a list of CPU tensors with every storage tagged 'cuda:0', as torch.save does on a GPU.

    torch.load without map_location then fails on a CPU-only machine with the
    usual "Attempting to deserialize object on a CUDA device" error.
    """
    from unittest import mock

    import torch
    import torch.serialization

    weights = torch.load(source)
    with mock.patch.object(torch.serialization, "location_tag", lambda storage: "cuda:0"):
        torch.save(weights, dest)
    try:
        torch.load(dest)
    except RuntimeError as exc:
        if "CUDA" not in str(exc):
            raise
    else:
        if not torch.cuda.is_available():
            raise AssertionError(f"{dest}: loads without map_location, the CUDA tag did not stick")
    loaded = torch.load(dest, map_location="cpu")
    pairs = zip(loaded.values(), weights.values()) if isinstance(weights, dict) else zip(loaded, weights)
    if len(loaded) != len(weights) or not all(torch.equal(a, b) for a, b in pairs):
        raise AssertionError(f"{dest}: does not load back the same weights with map_location='cpu'")


def run_child(*args: str) -> None:
    """Run one of this module's steps in a fresh interpreter (a fresh `Miniproject_2` import)."""
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], check=True)


def main(argv: list[str]) -> None:
    step, root = argv[0], Path(argv[1])
    if step == "train":
        train(root, argv[2])
    elif step == "export":
        export_weights(root, Path(argv[2]))
    elif step == "import":
        import_weights(root, Path(argv[2]))
    elif step == "resave1":
        resave_project1(root, Path(argv[2]))
    else:
        raise SystemExit(f"unknown step {step!r}; " + json.dumps(["train", "export", "import", "resave1"]))


if __name__ == "__main__":
    main(sys.argv[1:])
