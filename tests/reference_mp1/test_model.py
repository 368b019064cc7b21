"""The project-1 reference's Model: the course API and every contract the grader checks."""

import subprocess
import sys

import pytest
import torch
from mp1_testing import REF_DIR

CHECKPOINT = REF_DIR / "bestmodel.pth"
# trained by scripts/train_reference_mp1.py on branch reference; a checkout without it skips what needs it
needs_checkpoint = pytest.mark.skipif(
    not CHECKPOINT.is_file(), reason="the project-1 reference's bestmodel.pth is not in this checkout yet"
)


@pytest.fixture(scope="module")
def model(mp1):
    if not CHECKPOINT.is_file():
        pytest.skip("the project-1 reference's bestmodel.pth is not in this checkout yet")
    torch.manual_seed(0)
    m = mp1.Model()
    m.load_pretrained_model()
    return m


def run_python(code, cwd, **env):
    """Runs `code` in a fresh interpreter in `cwd`; returns stdout (fails the test on a non-zero exit)."""
    import os

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "shape", [(3, 3, 32, 32), (1, 3, 37, 19), (2, 3, 5, 7), (1, 3, 1, 1), (1, 3, 64, 48), (0, 3, 32, 32)]
)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.float64])
def test_predict_contract(model, shape, dtype):
    """Any N and H×W, uint8 or float 0-255 in; float32 0-255 out, same shape and device; input untouched."""
    torch.manual_seed(1)
    x = (torch.rand(shape) * 255).to(dtype)
    before = x.clone()
    y = model.predict(x)
    assert y.shape == x.shape and y.dtype == torch.float32 and y.device == x.device
    if y.numel():
        assert float(y.min()) >= 0 and float(y.max()) <= 255 and torch.isfinite(y).all()
    assert torch.equal(x, before), "predict modified its input"


def test_predict_same_for_uint8_and_float(model):
    """The course passed uint8 validation images; float 0-255 input of the same values gives the same output."""
    x = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    assert torch.allclose(model.predict(x), model.predict(x.float()), atol=1e-4)


def test_predict_treats_images_independently(model):
    """Chunking and padding never mix images: one at a time gives the same as all at once."""
    x = torch.randint(0, 256, (3, 3, 13, 10), dtype=torch.uint8)
    together = model.predict(x)
    alone = torch.cat([model.predict(x[i : i + 1]) for i in range(3)])
    assert float((together - alone).abs().max()) < 1e-3


def test_predict_rejects_bad_input(model):
    with pytest.raises(ValueError, match="N×3×H×W"):
        model.predict(torch.zeros(1, 1, 8, 8))


def smooth_pairs(n, seed, with_clean=False):
    """Noisy pairs of smooth random images (learnable in a few steps), uint8; and the clean images if asked."""
    gen = torch.Generator().manual_seed(seed)
    clean = torch.nn.functional.interpolate(torch.rand(n, 3, 4, 4, generator=gen), size=32, mode="bilinear") * 255
    noisy = [
        (clean + 25 * torch.randn(clean.shape, generator=gen)).clamp(0, 255).round().to(torch.uint8) for _ in range(2)
    ]
    return (noisy[0], noisy[1], clean) if with_clean else (noisy[0], noisy[1])


@pytest.mark.parametrize("n", [7, 130])  # fewer than one batch, and not a multiple of the batch size
@pytest.mark.parametrize("grad", [True, False])  # the caller's autograd mode, restored afterwards
def test_train_any_n(mp1, n, grad):
    torch.manual_seed(0)
    model = mp1.Model()
    a, b = smooth_pairs(n, seed=0)
    a_before, b_before = a.clone(), b.clone()
    w_before = [p.detach().clone() for p in model.net.parameters()]
    epochs = []
    with torch.set_grad_enabled(grad):
        model.train(a, b, 2, on_epoch=lambda e, s, loss: epochs.append((e, s, loss)))
        assert torch.is_grad_enabled() == grad
    assert [e for e, _, _ in epochs] == [0, 1] and all(s > 0 and loss > 0 for _, s, loss in epochs)
    assert all(not torch.equal(p, q) for p, q in zip(model.net.parameters(), w_before))
    assert torch.equal(a, a_before) and torch.equal(b, b_before)


def test_train_denoises(mp1):
    """uint8 input, float target (both 0-255): 24 short steps lower the loss and raise the PSNR by over 1 dB
    over the untrained network's (whose random noise head starts below the noisy input)."""
    from grader.psnr import psnr_per_image

    torch.manual_seed(0)
    model = mp1.Model()
    model.batch_size, model.self_ensemble = 25, False  # small steps keep the test fast
    a, b, clean = smooth_pairs(200, seed=1, with_clean=True)
    before = psnr_per_image(model.predict(a), clean, data_range=255.0)
    losses = []
    model.train(a, b.float(), 3, on_epoch=lambda e, s, loss: losses.append(loss))
    assert losses[-1] < losses[0], losses
    gain = psnr_per_image(model.predict(a), clean, data_range=255.0) - before
    assert gain > 1.0, f"gain {gain:.2f} dB"


def test_train_rejects_mismatched_pairs(mp1):
    with pytest.raises(ValueError, match="same, non-empty shape"):
        mp1.Model().train(torch.zeros(4, 3, 32, 32), torch.zeros(5, 3, 32, 32), 1)


def test_training_is_reproducible_from_the_seed(mp1):
    """torch.manual_seed fixes the initial weights, the batch order and the augmentations: same seed, same weights."""
    a, b = smooth_pairs(60, seed=2)

    def trained(seed):
        torch.manual_seed(seed)
        model = mp1.Model()
        model.batch_size = 16
        model.train(a, b, 1)
        return [p.detach().clone() for p in model.net.parameters()]

    first, again, other = trained(5), trained(5), trained(6)
    assert all(torch.equal(p, q) for p, q in zip(first, again))
    assert not all(torch.equal(p, q) for p, q in zip(first, other))


@needs_checkpoint
def test_checkpoint_is_a_small_plain_dict(mp1):
    """bestmodel.pth: under 2 MB, a dict of float32 CPU tensors matching the network, loadable with weights_only."""
    assert CHECKPOINT.is_file(), "bestmodel.pth is missing: run scripts/train_reference_mp1.py"
    assert CHECKPOINT.stat().st_size < 2_000_000
    state = torch.load(CHECKPOINT, map_location="cpu", weights_only=True)
    own = mp1.Model().net.state_dict()
    assert set(state) == set(own)
    for name, tensor in state.items():
        assert tensor.dtype == torch.float32 and tensor.device.type == "cpu" and tensor.shape == own[name].shape


@needs_checkpoint
def test_load_maps_onto_this_machines_device(mp1, monkeypatch):
    """load_pretrained_model passes map_location (a checkpoint saved on a GPU loads on a CPU-only machine)."""
    seen = {}
    real_load = torch.load

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    model = mp1.Model()
    model.load_pretrained_model()
    assert seen.get("map_location") == model.device and seen.get("weights_only") is True


@needs_checkpoint
def test_fresh_interpreter_elsewhere_without_cuda(tmp_path):
    """In a new process, from another working directory, with CUDA hidden: the import leaves torch's global
    state alone, bestmodel.pth is found next to model.py, predict works; both the package import and
    `from model import Model` (Miniproject_1/ on sys.path) work."""
    code = f"""
import sys, torch
sys.path[:0] = [{str(REF_DIR.parent)!r}, {str(REF_DIR)!r}]
state = (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads(), torch.initial_seed())
from Miniproject_1.model import Model
import model as top_level
assert state == (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads(),
                 torch.initial_seed()), "import changed torch"
for m in (Model(), top_level.Model()):
    m.load_pretrained_model()
    y = m.predict(torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8))
    print(m.device, tuple(y.shape), y.dtype)
"""
    out = run_python(code, cwd=tmp_path, CUDA_VISIBLE_DEVICES="")
    assert out.split("\n")[:2] == ["cpu (2, 3, 32, 32) torch.float32"] * 2


def test_pretrained_model_denoises(model):
    """The shipped weights gain more than 5 dB (per image, one pass) on 200 validation images of the embedded data."""
    data = pytest.importorskip("grader.data").load_default_data(progress=False)
    from grader.psnr import psnr_per_image

    noisy, clean = data.val_input[:200], data.val_target[:200]
    model.self_ensemble = False
    try:
        denoised = model.predict(noisy)
    finally:
        model.self_ensemble = True
    gain = psnr_per_image(denoised, clean, data_range=255.0) - psnr_per_image(noisy, clean, data_range=255.0)
    assert gain > 5.0, f"gain {gain:.2f} dB"
