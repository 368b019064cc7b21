"""Speed of the reference against the same network in torch.nn with autograd, in one process.

- one training step at batch 100: forward, MSE, backward, optimizer step (what Model.train
  does per batch), with SGD (momentum 0.9: the course's optimizer) and with Adam (the one
  the reference trains with), each against torch.optim's;
- the same steps interleaved (reference, torch, reference, ...), so that a machine whose
  load changes during the run slows both sides alike: its ratio is the one to quote;
- inference on 1,000 32×32 images (Model.predict's forward pass).
"""

import statistics
import time

import pytest
import torch
from reference_twin import load_reference, twin_of

BATCH = 100
ROUNDS = 30
OPTIMIZERS = ("sgd", "adam")


@pytest.fixture(scope="module")
def steps():
    """{(what, side): callable}: training steps per optimizer and forward passes, from equal weights and data."""
    ref = load_reference()
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(BATCH, 3, 32, 32, generator=gen)
    y = torch.rand(BATCH, 3, 32, 32, generator=gen)
    images = torch.rand(1000, 3, 32, 32, generator=gen)
    found = {}
    for name in OPTIMIZERS:
        torch.manual_seed(0)
        model = ref.Model()
        net, mse = model.net, ref.MSE()
        twin = twin_of(net).to(model.device)
        if name == "sgd":
            opt = ref.SGD(net.param(), lr=1e-3, momentum=0.9)
            twin_opt = torch.optim.SGD(twin.parameters(), lr=1e-3, momentum=0.9)
        else:
            opt, twin_opt = model.optimizer, torch.optim.Adam(twin.parameters(), lr=model.lr)
        xs, ys = x.to(model.device), y.to(model.device)
        found[name, "reference"] = train_step(net, mse, opt, xs, ys)
        found[name, "torch"] = twin_step(twin, twin_opt, xs, ys)
    images = images.to(model.device)
    found["forward", "reference"] = torch.no_grad()(lambda: net.forward(images))
    found["forward", "torch"] = torch.no_grad()(lambda: twin(images))
    return found


def train_step(net, mse, opt, x, y):
    """One step of the reference: its own forward, backward and optimizer, autograd off."""

    def step():
        with torch.no_grad():
            opt.zero_grad()
            mse.forward(net.forward(x), y)
            net.backward(mse.backward())
            opt.step()

    return step


def twin_step(twin, opt, x, y):
    """One step of the torch.nn twin: autograd and torch.optim."""

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(twin(x), y).backward()
        opt.step()

    return step


def record(ratios, name, benchmark, side):
    """Keeps this benchmark's median for the reference / torch summary (nothing when benchmarks are disabled)."""
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        ratios.setdefault(name, [None, None])[0 if side == "reference" else 1] = stats.stats.median


@pytest.mark.parametrize("side", ["reference", "torch"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_train_step(benchmark, steps, ratios, optimizer, side):
    benchmark.pedantic(steps[optimizer, side], rounds=ROUNDS, warmup_rounds=3)
    record(ratios, f"train step, batch 100, {optimizer}", benchmark, side)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_train_step_interleaved(benchmark, steps, ratios, optimizer):
    """Both steps in turn; the benchmark's own time is the pair, the ratio is of the per-side medians."""
    ours, theirs = [], []

    def both():
        t0 = time.perf_counter()
        steps[optimizer, "reference"]()
        t1 = time.perf_counter()
        steps[optimizer, "torch"]()
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)

    benchmark.pedantic(both, rounds=ROUNDS, warmup_rounds=3)
    ratios[f"train step, batch 100, {optimizer}, interleaved"] = [statistics.median(ours), statistics.median(theirs)]
    benchmark.extra_info["ratio_reference_over_torch"] = statistics.median(ours) / statistics.median(theirs)


@pytest.mark.parametrize("side", ["reference", "torch"])
def test_predict_forward(benchmark, steps, ratios, side):
    benchmark.pedantic(steps["forward", side], rounds=10, warmup_rounds=2)
    record(ratios, "forward, 1000 images", benchmark, side)
