"""A cheating Model for the sandbox tests: it hunts for the clean validation images.

predict() returns the clean images when it finds them anywhere it can look
(this process's memory, the files it can see, the request in flight), else
its noisy input unchanged. Graded through the real grader, its PSNR gain
must therefore be exactly zero.
"""

import gc
import os

import torch


def _candidates_in_memory(x):
    for obj in gc.get_objects():
        try:
            if isinstance(obj, torch.Tensor) and obj is not x and obj.shape == x.shape and not torch.equal(obj, x):
                yield obj
        except Exception:
            continue


def _candidates_on_disk(x):
    """Any .npy or .pkl file the worker can see outside the system folders."""
    import numpy as np

    skip = ("/proc", "/sys", "/usr", "/etc", "/dev")
    for top in os.listdir("/"):
        if "/" + top in skip:
            continue
        for folder, dirs, files in os.walk("/" + top):
            dirs[:] = [d for d in dirs if d not in ("site-packages", "lib", "include")]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    if name.endswith(".npy"):
                        arr = torch.from_numpy(np.load(path))
                    elif name.endswith(".pkl"):
                        loaded = torch.load(path, weights_only=False)
                        arr = loaded[1] if isinstance(loaded, (tuple, list)) else loaded
                    else:
                        continue
                    if isinstance(arr, torch.Tensor) and arr.shape[1:] == x.shape[1:]:
                        yield arr[: len(x)]
                except Exception:
                    continue


class Model:
    def __init__(self):
        self.found = None

    def load_pretrained_model(self):
        pass

    def train(self, train_input, train_target, num_epochs=1):
        pass

    def predict(self, test_input):
        for source in (_candidates_in_memory, _candidates_on_disk):
            for candidate in source(test_input):
                if candidate.shape == test_input.shape:
                    self.found = candidate
                    return candidate.to(torch.float32)
        return test_input.to(torch.float32)
