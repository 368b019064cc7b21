"""2022-style code that needs the worker's drift shims (tests/sandbox/test_shims.py): one method per drift."""

import argparse
import sys
from pathlib import Path

import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR, _LRScheduler

try:
    import torchvision.transforms as T  # absent from the grader's environment: a stand-in, unless shims are off
except ImportError:
    T = None

HERE = Path(__file__).parent


class Net:
    """A tiny network pickled whole (the checkpoint of load_whole)."""

    def __init__(self):
        self.weight = torch.ones(2, 2)


class Halving(_LRScheduler):
    """A 2022 custom scheduler: passes verbose on to the base class positionally."""

    def __init__(self, optimizer, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self):
        return [group["lr"] * 0.5 for group in self.optimizer.param_groups]


def _optimizer():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


class Drift:
    def load_cuda(self):
        return torch.load(HERE / "cuda.pth")[0]

    def load_whole(self):
        return torch.load(HERE / "whole.pth").weight

    def load_whole_from_file(self):
        with open(HERE / "whole.pth", "rb") as fh:
            return torch.load(fh).weight

    def load_whole_refused(self):
        return torch.load(HERE / "whole.pth", weights_only=True).weight

    def scheduler_keyword(self):
        StepLR(_optimizer(), step_size=5, gamma=0.5, verbose=True)
        return 1

    def scheduler_positional(self):
        ReduceLROnPlateau(_optimizer(), "min", 0.1, 10, 1e-4, "rel", 0, 0, 1e-8, True)
        return 1

    def scheduler_custom(self):
        Halving(_optimizer(), -1, True)
        return 1

    def parse_command_line(self):
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.25)
        return parser.parse_args().lr

    def argv_length(self):
        return len(sys.argv)

    def use_torchvision(self):
        if T is None:
            raise ImportError("no torchvision")
        return T.ToTensor()(torch.zeros(3, 4, 4))
