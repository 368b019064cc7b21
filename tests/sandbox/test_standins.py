"""The torchvision stand-in only answers the submission's own imports, and names what it handed out.

In-process: the finder is put on sys.meta_path for each test and taken off
again, with every module it created.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from grader.sandbox import standins
from grader.sandbox.shims import ShimLog

needs_no_torchvision = pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is not None, reason="a real torchvision is installed: no stand-in"
)


@pytest.fixture
def installed(tmp_path):
    log = ShimLog()
    log.root = str(tmp_path / "team")
    finder = standins.install(log)
    try:
        yield log, tmp_path
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.split(".")[0] in standins.STANDINS or n.startswith("drift_mod_")]:
            del sys.modules[name]


def _module(path, name: str, source: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@needs_no_torchvision
def test_the_submission_gets_a_stand_in_whose_use_fails_with_the_way_out(installed):
    log, tmp = installed
    source = (
        "import torchvision\n"
        "from torchvision import transforms\n"
        "import torchvision.datasets as D\n"
        "class Mine(D.VisionDataset):\n"
        "    pass\n"
        "def flip(x):\n"
        "    return transforms.RandomHorizontalFlip(p=1.0)(x)\n"
    )
    module = _module(tmp / "team" / "Miniproject_2" / "model.py", "drift_mod_a", source)
    with pytest.raises(standins.PackageNotAvailable, match="grade env create DIR --torch 2.14.1 --with torchvision"):
        module.flip(1)
    with pytest.raises(standins.PackageNotAvailable):
        module.Mine()  # a subclass of a stand-in cannot be built either
    names = {(e["detail"]["name"], e["detail"].get("called", False)) for e in log.drain()}
    assert ("torchvision.transforms.RandomHorizontalFlip", True) in names
    assert {"torchvision", "torchvision.datasets", "torchvision.transforms", "torchvision.datasets.VisionDataset"} <= {
        n for n, _ in names
    }


@needs_no_torchvision
def test_imports_from_outside_the_submission_find_nothing(installed):
    log, tmp = installed
    with pytest.raises(ImportError):
        _module(tmp / "elsewhere" / "lib.py", "drift_mod_b", "import torchvision\n")
    assert log.drain() == []


@needs_no_torchvision
def test_the_grader_reading_a_stand_in_records_nothing(installed):
    log, tmp = installed
    module = _module(tmp / "team" / "m.py", "drift_mod_c", "from torchvision import transforms\n")
    log.drain()
    assert module.transforms.weight is not None  # the grader's adapters probing attributes
    assert repr(module.transforms) == "<stand-in for torchvision.transforms>"
    assert log.drain() == []
