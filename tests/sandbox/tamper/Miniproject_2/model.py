"""Student code that monkeypatches torch at import (the sandbox tests expect it reported as tampering)."""

import torch
import torch.nn.functional as F

_unfold = F.unfold
_matmul = torch.Tensor.matmul


def unfold(*args, **kwargs):
    return _unfold(*args, **kwargs)


def matmul(self, other):
    return _matmul(self, other)


torch.nn.functional.unfold = unfold
torch.Tensor.matmul = matmul


class Model:
    def predict(self, x):
        return x
