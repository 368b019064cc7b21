"""The Model class: the course API and the contracts the grader relies on."""

import subprocess
import sys

import pytest
import torch
from reference_testing import REF_DIR

CHECKPOINT = REF_DIR / "bestmodel.pth"


@pytest.fixture(scope="module")
def model(ref):
    torch.manual_seed(0)
    return ref.Model()


def run_python(code, cwd):
    """Runs `code` in a fresh interpreter in `cwd`; returns stdout (fails the test on a non-zero exit)."""
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_architecture(model, ref):
    """Sequential(Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU, Upsampling, Sigmoid)."""
    kinds = [ref.Conv2d, ref.ReLU, ref.Conv2d, ref.ReLU, ref.Upsampling, ref.ReLU, ref.Upsampling, ref.Sigmoid]
    assert isinstance(model.net, ref.Sequential) and len(model.net) == len(kinds)
    assert all(isinstance(block, kind) for block, kind in zip(model.net, kinds))
    assert model.net[0].stride == (2, 2) and model.net[2].stride == (2, 2)
    assert model.net[0].in_channels == 3 and model.net[6].conv.out_channels == 3


@pytest.mark.parametrize("shape", [(3, 3, 32, 32), (1, 3, 37, 19), (2, 3, 5, 7), (1, 3, 1, 1), (1, 3, 64, 48)])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.float64])
def test_predict_contract(model, shape, dtype):
    torch.manual_seed(1)
    x = (torch.rand(shape) * 255).to(dtype)
    before = x.clone()
    y = model.predict(x)
    assert y.shape == x.shape and y.dtype == torch.float32 and y.device == x.device
    assert float(y.min()) >= 0 and float(y.max()) <= 255 and torch.isfinite(y).all()
    assert torch.equal(x, before), "predict modified its input"


def test_predict_treats_images_independently(model):
    """Chunking and padding never mix images: one at a time gives the same as all at once."""
    x = torch.randint(0, 256, (3, 3, 13, 10), dtype=torch.uint8)
    together = model.predict(x)
    alone = torch.cat([model.predict(x[i : i + 1]) for i in range(3)])
    assert float((together - alone).abs().max()) < 1e-3


def test_predict_rejects_bad_input(model):
    with pytest.raises(ValueError, match="N×3×H×W"):
        model.predict(torch.zeros(1, 1, 8, 8))


def smooth_pairs(n, seed):
    """Noisy pairs of smooth random images (learnable in a few steps), uint8."""
    gen = torch.Generator().manual_seed(seed)
    clean = torch.nn.functional.interpolate(torch.rand(n, 3, 4, 4, generator=gen), size=32, mode="bilinear") * 255
    noisy = [
        (clean + 25 * torch.randn(clean.shape, generator=gen)).clamp(0, 255).round().to(torch.uint8) for _ in range(2)
    ]
    return noisy[0], noisy[1]


@pytest.mark.parametrize("n", [7, 130])  # fewer than one batch, and not a multiple of the batch size
def test_train_any_n_with_grad_mode_restored(ref, n):
    torch.manual_seed(0)
    model = ref.Model()
    a, b = smooth_pairs(n, seed=0)
    a_before = a.clone()
    w_before = model.net[0].weight.clone()
    epochs = []
    with torch.set_grad_enabled(True):
        model.train(a, b, 2, on_epoch=lambda e, s, loss: epochs.append((e, s, loss)))
        assert torch.is_grad_enabled()  # train switched autograd off only inside
    assert [e for e, _, _ in epochs] == [0, 1] and all(s > 0 and loss > 0 for _, s, loss in epochs)
    assert not torch.equal(model.net[0].weight, w_before) and torch.equal(a, a_before)


def test_train_lowers_the_loss_with_grad_disabled_globally(ref):
    """Runs with autograd off for the whole process, as the grader does; a few epochs must lower the loss."""
    torch.manual_seed(0)
    model = ref.Model()
    model.batch_size = 25  # small steps keep the test fast
    a, b = smooth_pairs(200, seed=1)
    losses = []
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        model.train(a, b.float(), 3, on_epoch=lambda e, s, loss: losses.append(loss))
    finally:
        torch.set_grad_enabled(previous)
    assert losses[-1] < 0.8 * losses[0], losses


def test_checkpoint_is_a_small_plain_dict(model):
    assert CHECKPOINT.is_file(), "bestmodel.pth is missing: run scripts/train_reference.py"
    assert CHECKPOINT.stat().st_size < 2_000_000
    state = torch.load(CHECKPOINT, map_location="cpu", weights_only=True)
    own = model.net.state_dict()
    assert set(state) == set(own)
    for name, tensor in state.items():
        assert tensor.dtype == torch.float32 and tensor.device.type == "cpu" and tensor.shape == own[name].shape


def test_fresh_interpreter_elsewhere(tmp_path):
    """In a new process, from another working directory: the import leaves torch's global state alone,
    bestmodel.pth is found next to model.py, and `from model import Conv2d, ...` (Miniproject_2/ on
    sys.path, the course's way) works as well as the package import."""
    code = f"""
import sys, torch
sys.path[:0] = [{str(REF_DIR.parent)!r}, {str(REF_DIR)!r}]
state = (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads())
from Miniproject_2.model import Model
assert state == (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads()), "import changed torch"
m = Model()
m.load_pretrained_model()
y = m.predict(torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8))
print(tuple(y.shape), y.dtype)
from model import Conv2d, TransposeConv2d, NearestUpsampling, Upsampling, ReLU, Sigmoid, MSE, SGD, Sequential
print(Conv2d(3, 3, 3).weight.shape)
"""
    assert run_python(code, cwd=tmp_path).split("\n")[:2] == [
        "(2, 3, 32, 32) torch.float32",
        "torch.Size([3, 3, 3, 3])",
    ]


def test_pretrained_model_denoises(ref):
    """The shipped weights beat the noisy input by 3 dB on 300 validation images of the embedded data."""
    data = pytest.importorskip("grader.data").load_default_data(progress=False)
    from grader.psnr import psnr_per_image

    model = ref.Model()
    model.load_pretrained_model()
    noisy, clean = data.val_input[:300], data.val_target[:300]
    gain = psnr_per_image(model.predict(noisy), clean, data_range=255.0) - psnr_per_image(
        noisy, clean, data_range=255.0
    )
    assert gain > 3.0, f"gain {gain:.2f} dB"


def test_training_is_reproducible_from_the_seed(ref):
    """torch.manual_seed fixes the initial weights, the batch order and the augmentations: same seed, same weights."""
    a, b = smooth_pairs(60, seed=2)

    def trained(seed):
        torch.manual_seed(seed)
        model = ref.Model()
        model.batch_size = 16
        model.train(a, b, 1)
        return [p.clone() for p, _ in model.net.param()]

    first, again, other = trained(5), trained(5), trained(6)
    assert all(torch.equal(p, q) for p, q in zip(first, again))
    assert not all(torch.equal(p, q) for p, q in zip(first, other))
