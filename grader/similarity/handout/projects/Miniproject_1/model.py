"""Template: the imports every mini-project-1 team writes (full PyTorch); the Model API is in ../../both/."""

import torch  # noqa: F401
from torch import nn, optim  # noqa: F401
