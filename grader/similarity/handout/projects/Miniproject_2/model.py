"""Template: what the mini-project-2 handout allows to import, and its grad-mode line (Model API: ../../both/)."""

import torch
from torch import arange, cat, empty  # noqa: F401
from torch.nn.functional import fold, unfold  # noqa: F401

torch.set_grad_enabled(False)
