"""Results built in code (scored with the real rubric); the headless-Chromium renderer is in tests/conftest.py."""

from __future__ import annotations

import pytest

from grader.result import Check, Result
from grader.scoring import load_rubric, score

# characters that break naive Markdown tables, HTML, XML, CSV and GitHub workflow commands
NASTY = 'a|b <script>alert("x")</script> 100% done, "quoted"\nsecond line \x01 _under_ *star*'


def _comparison(err: float, tol: float) -> dict:
    return {"shape": [2, 5, 7, 9], "max_abs_err": err, "max_rel_err": err / 3, "tolerance": tol, "ok": err <= tol}


def build_result(
    team: str = "Proj_123456_654321",
    *,
    scipers=("123456", "654321"),
    conv_ok: bool = True,
    forbidden: bool = False,
    pretrained: float | None = 24.1,
    trained: float | None = 22.0,
    epoch: float | None = 30.0,
    package_dir: str = "/work/sub/Proj_123456_654321/Miniproject_2",
    message_extra: str = "",
) -> Result:
    """A Result shaped like the grader's, with findings, exception frames and alternatives."""
    findings = (
        [
            {
                "file": "others/layers.py",
                "line": 12,
                "col": 4,
                "category": "forbidden_torch",
                "name": "torch.relu",
                "severity": "fail",
                "message": "forbidden call torch.relu" + message_extra,
                "count": 3,
                "lines": [12, 20, 31],
            },
            {
                "file": "model.py",
                "line": 3,
                "col": 0,
                "category": "third_party",
                "name": "tqdm",
                "severity": "warn",
                "message": "utility import tqdm",
                "count": 1,
                "lines": [3],
            },
        ]
        if forbidden
        else []
    )
    checks = [
        Check(
            "structure.layout",
            "pass",
            "Miniproject_2/ holds __init__.py and model.py",
            {"package_dir": package_dir, "package_name": "Miniproject_2"},
        ),
        Check("structure.import", "pass", "Miniproject_2.model imports in 0.05 s", {"seconds": 0.05}),
        Check(
            "rules.static_imports",
            "fail" if forbidden else "pass",
            ("found: torch.relu (others/layers.py:12)" + message_extra) if forbidden else "no forbidden imports",
            {"files_scanned": 4, "findings": findings},
        ),
        Check(
            "blocks.Conv2d.forward",
            "pass" if conv_ok else "fail",
            "matches torch" if conv_ok else "forward output: max error 0.31 exceeds 1.0e-03" + message_extra,
            {"comparisons": [_comparison(1e-6 if conv_ok else 0.31, 1e-3)]},
        ),
        Check("blocks.NearestUpsampling.forward", "pass", "matches torch", {"comparisons": [_comparison(2e-7, 1e-3)]}),
        Check(
            "blocks.TransposeConv2d.forward",
            "skipped",
            "not implemented (the other upsampling variant is)",
            {"not_applicable": True},
        ),
        Check(
            "model.load_pretrained",
            "pass" if pretrained is not None else "fail",
            "bestmodel.pth loaded" if pretrained is not None else "load_pretrained_model() failed",
            {}
            if pretrained is not None
            else {
                "exception": {
                    "type": "FileNotFoundError",
                    "message": "bestmodel.pth",
                    "where": ["Miniproject_2/model.py:80 in load_pretrained_model: torch.load(CHECKPOINT)"],
                }
            },
        ),
        Check(
            "model.pretrained_psnr",
            "pass" if pretrained is not None else "skipped",
            f"{pretrained} dB" if pretrained is not None else "no pretrained model loaded",
            {"psnr": pretrained, "gain_db": pretrained - 20.5} if pretrained is not None else {},
        ),
        Check(
            "model.train_time",
            "pass" if epoch is not None else "skipped",
            f"one epoch in {epoch} s" if epoch is not None else "training not requested",
            {"seconds": epoch, "budget_seconds": 144.0} if epoch is not None else {},
        ),
    ]
    result = Result(
        submission=team,
        source=f"submissions/{team}",
        scipers=list(scipers),
        checks=checks,
        psnr={"noisy_input": 20.5, "pretrained": pretrained, "trained": trained, "reference": 23.9},
        timing={
            "epoch_seconds": epoch,
            "epoch_pairs": 4000,
            "budget_seconds": 144.0,
            "ratio_to_reference": None if epoch is None else epoch / 25.0,
            "grading_seconds": 12.5,
        },
        environment={
            "grader_version": "0.1.0",
            "data_id": "abc123",
            "rubric_digest": "0123456789abcdef",
            "submission_hash": "ab" * 32,
            "fast": True,
            "train": True,
            "n_train": 4000,
            "n_val": 200,
            "device": "cpu",
        },
        notes=["--fast: PSNR figures are not comparable with a full grade"],
    )
    return score(result, load_rubric())


@pytest.fixture
def make_result():
    return build_result


@pytest.fixture
def nasty() -> str:
    return NASTY
