"""Through the public grader: clean validation images never reach student code, and nothing is left behind.

The submission (tests/sandbox/snoop) hunts for the clean images in the
worker's memory and files and returns them from predict() if found; every
request the judge sends is also recorded and searched for them.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import torch
from sandbox_helpers import SNOOP, copy_submission, leftovers

from grader.data import N2NData
from grader.grade import grade_submission
from grader.options import GradeOptions
from grader.sandbox.supervisor import Worker


@pytest.fixture(scope="module")
def data() -> N2NData:
    gen = torch.Generator().manual_seed(7)

    def noisy(clean):
        return (clean.float() + 30 * torch.randn(clean.shape, generator=gen)).clamp(0, 255).to(torch.uint8)

    clean_val = torch.randint(0, 256, (8, 3, 32, 32), generator=gen, dtype=torch.uint8)
    clean_train = torch.randint(0, 256, (16, 3, 32, 32), generator=gen, dtype=torch.uint8)
    return N2NData(
        noisy(clean_train),
        noisy(clean_train),
        noisy(clean_val),
        clean_val,
        info={"data_id": "sandbox-test", "source": "synthetic", "noise": "gaussian"},
    )


def tensors_in(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from tensors_in(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from tensors_in(v)


def holds_any_image(t: torch.Tensor, images: torch.Tensor) -> bool:
    if t.dim() < 3 or tuple(t.shape[-3:]) != tuple(images.shape[1:]):
        return False
    flat = t.reshape(-1, *images.shape[1:]).to(torch.float64)
    return bool((flat[:, None] == images.to(torch.float64)[None]).flatten(2).all(-1).any())


def digest(folder) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


def test_clean_images_never_reach_the_worker_and_grading_leaves_nothing(tmp_path, data, monkeypatch):
    root = copy_submission(SNOOP, tmp_path / "team")
    before = digest(root)
    sent, workers = [], []
    real_request, real_start = Worker.request, Worker.start

    def spy_request(self, payload, timeout):
        sent.append(payload)
        return real_request(self, payload, timeout)

    def spy_start(self):
        hello = real_start(self)
        workers.append((self.box, self.uid, self.proc.pid))
        return hello

    monkeypatch.setattr(Worker, "request", spy_request)
    monkeypatch.setattr(Worker, "start", spy_start)
    options = GradeOptions(
        n_train=16, n_val=8, measure_reference=False, train=True, extra_hidden=[str(tmp_path / "out")]
    )
    result = grade_submission(root, options, data=data)

    tensors = [t for payload in sent for t in tensors_in(payload)]
    assert any(holds_any_image(t, data.val_input) for t in tensors), "the spy saw no validation input at all"
    assert not any(holds_any_image(t, data.val_target) for t in tensors), "a clean image was sent to the worker"

    checks = {c.id: c for c in result.checks}
    pretrained = checks["model.pretrained_psnr"]
    assert pretrained.details.get("gain_db") == pytest.approx(0.0, abs=1e-9), (
        f"predict() found something better than its noisy input: {pretrained.message}"
    )
    assert result.protections.get("clean_images_sent") is False

    assert digest(root) == before, "grading changed the submission"
    assert workers
    for box, uid, pid in workers:
        assert not os.path.exists(box), f"{box} left behind"
        assert leftovers(uid=uid, sid=pid) == []
    assert zombie_children() == [], "the judge left unreaped children"


def zombie_children() -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == b"Z" and int(fields[1]) == os.getpid():
            out.append(int(name))
    return out


@pytest.mark.parametrize("plant", ["memory", "disk"])
def test_the_snoop_does_find_clean_images_where_they_would_be_reachable(tmp_path, data, plant):
    """The control: the hunter above is not blind. Planted in its memory or files, it finds them."""
    import numpy as np
    from sandbox_helpers import Session

    from grader.sandbox.client import tensor_of

    root = copy_submission(SNOOP, tmp_path)
    if plant == "disk":
        np.save(root / "Miniproject_2" / "planted.npy", data.val_target.numpy())
    s = Session(root)
    try:
        if plant == "memory":
            s.client.send("store", value=data.val_target)
        handle = s.client.new("Model")["handle"]
        out = tensor_of(s.client.call(handle, "predict", data.val_input, context="Model.predict", cast=False)["value"])
    finally:
        s.close()
    assert torch.equal(out.to(torch.uint8), data.val_target)
