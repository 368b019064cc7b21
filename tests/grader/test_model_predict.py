"""The predict contract, the PSNR's uint8 feeding and train_odd_n's diagnosis, against a fake worker (no sandbox).

The fake client runs a plain Python `predict`/`train` in this process and answers as the worker would:
student exceptions come back as StudentRaised with torch's message.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch

from grader.checks.model import ModelContext, predict, pretrained, training
from grader.sandbox.client import StudentRaised


class FakeClient:
    """Answers `call`/`new`/`send`/`free` like Client, running `model` (an object with predict/train) here."""

    def __init__(self, model):
        self.model = model
        self.worker = SimpleNamespace(starts=1, alive=True, submission_root="/nowhere")
        self.calls: list[tuple] = []

    def send(self, op, **fields):
        self.calls.append((op, fields))
        return {"seeded": ["torch", "random"]}

    def new(self, cls, *args, context=None, **kwargs):
        return {"handle": "h1"}

    def free(self, *handles):
        pass

    def call(self, handle, method, *args, context, cast=True, return_args=False, timeout=None, **kwargs):
        self.calls.append((method, [a.dtype if isinstance(a, torch.Tensor) else a for a in args]))
        before = [a.clone() if isinstance(a, torch.Tensor) else None for a in args]
        try:
            value = getattr(self.model, method)(*args)
        except Exception as exc:
            raise StudentRaised({"type": type(exc).__name__, "message": str(exc), "where": []}, context) from None
        reply = {"value": {"kind": "scalar", "value": None}}
        if isinstance(value, torch.Tensor):
            dtype = str(value.dtype).replace("torch.", "")
            reply["value"] = {"kind": "tensor", "tensor": value.detach().clone(), "dtype": dtype}
        reply["args_changed"] = [b is not None and not torch.equal(b, a) for b, a in zip(before, args)]
        return reply


def _context(model, n_val=8, n_train=200):
    g = torch.Generator().manual_seed(0)
    val = torch.randint(0, 256, (n_val, 3, 32, 32), dtype=torch.uint8, generator=g)
    train = torch.randint(0, 256, (n_train, 3, 32, 32), dtype=torch.uint8, generator=g)
    return ModelContext(FakeClient(model), {}, train, train.clone(), val, val.clone(), budget_floor=1.0)


class Denoiser:
    """Returns its input (0–255 in, 0–255 out); `rescale` says how it reads its input."""

    def __init__(self, weights_dtype=torch.float32, uint8_only=False):
        self.weights_dtype, self.uint8_only = weights_dtype, uint8_only

    def predict(self, x):
        if self.uint8_only:
            x = x.float() / 255 if x.dtype == torch.uint8 else x
        else:
            x = x / 255  # uint8 / 255 is the default dtype; float32 stays float32
        if x.dtype != self.weights_dtype:
            raise RuntimeError("expected m1 and m2 to have the same dtype, but got: float != double")
        return (torch.sigmoid((x - 0.5) * 8) if self.uint8_only else x) * 255


def _by_id(checks):
    return {c.id: c for c in checks}


def test_a_float64_model_crashing_on_float32_input_names_one_cause_and_gets_its_psnr_from_uint8():
    torch.set_default_dtype(torch.float64)
    try:
        ctx = _context(Denoiser(weights_dtype=torch.float64))
        checks = _by_id(predict.predict_checks(ctx, "h1"))
        check, value = pretrained.psnr_check(
            "model.pretrained_psnr", ctx, "h1", label="pretrained", must_gain=0.0, unavailable=""
        )
    finally:
        torch.set_default_dtype(torch.float32)
    same = [i for i, c in checks.items() if c.details.get("cause") == "float64_default"]
    assert same == [
        "model.predict_shape",
        "model.predict_range",
        "model.predict_dtype",
        "model.predict_input_unchanged",
        "model.predict_float",
        "model.predict_other_size",
    ]
    assert checks["model.predict_uint8"].status == "pass"
    assert "computes in float64" in checks["model.predict_shape"].message
    assert check.details["predict_input"]["input"] == "uint8" and value["per_image"] >= 80  # the identity (PSNR capped)


def test_a_model_that_rescales_only_uint8_is_named_and_keeps_its_psnr():
    ctx = _context(Denoiser(uint8_only=True))
    checks = _by_id(predict.predict_checks(ctx, "h1"))
    assert checks["model.predict_range"].status == "pass"
    assert checks["model.predict_float"].status == "warn"
    assert "treats float input as 0–1" in checks["model.predict_float"].message
    assert checks["model.predict_float"].details["cause"] == "predict.float_as_unit_range"
    check, _ = pretrained.psnr_check("model.pretrained_psnr", ctx, "h1", label="p", must_gain=0.0, unavailable="")
    assert check.details["predict_input"]["input"] == "uint8"


def test_the_psnr_is_measured_in_uint8_batches_of_100_as_the_course_did():
    ctx = _context(Denoiser(), n_val=250)
    prediction, how = pretrained.predict_all(ctx, "h1", "pretrained")
    fed = [args[0] for method, args in ctx.client.calls if method == "predict"]
    assert fed == [torch.uint8] * 3 and how == {"input": "uint8", "batch": 100}
    assert prediction.shape == ctx.val_input.shape


def test_a_model_crashing_on_uint8_is_measured_on_float_with_a_note():
    class InPlace(Denoiser):
        def predict(self, x):
            x /= 255  # fails on uint8
            return x * 255

    ctx = _context(InPlace())
    check, value = pretrained.psnr_check("model.pretrained_psnr", ctx, "h1", label="p", must_gain=0.0, unavailable="")
    assert value is not None and check.details["predict_input"]["input"] == "float32"
    assert "predict raised on uint8 input" in check.message


class Trainer:
    """train() divides by the number of full batches of 64: zero below 64 pairs."""

    def train(self, x, y, epochs):
        return 1.0 / (len(x) // 64)


def test_train_odd_n_says_the_crash_comes_with_few_pairs_not_with_the_remainder():
    ctx = _context(Trainer())
    check = training.odd_n_check(ctx)
    assert check.status == "fail"
    assert "fails on 37 pairs yet works on 165" in check.message and "not a multiple" not in check.message.split(":")[0]
    assert check.details["larger_n"] == {"pairs": 165, "works": True}
    seeds = [fields["seed"] for op, fields in ctx.client.calls if op == "seed"]
    assert seeds and set(seeds) == {0}  # seeded before each Model() and train()


def test_train_odd_n_with_a_crash_on_any_number_blames_no_batch_size():
    class Broken:
        def train(self, x, y, epochs):
            raise FileNotFoundError("../data/val_data.pkl")

    check = training.odd_n_check(_context(Broken()))
    assert check.status == "fail" and "and on 165 with the same error" in check.message
