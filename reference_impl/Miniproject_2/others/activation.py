"""ReLU and Sigmoid: elementwise, so the backward pass is the local derivative times dL/dy."""

from .module import Module


class ReLU(Module):
    """y = max(x, 0);  dL/dx = dL/dy · [x > 0]  (0 at x = 0, as torch)."""

    def forward(self, x):
        self.positive = x > 0
        return x.clamp(min=0)

    def backward(self, grad_output):
        return grad_output * self.positive


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x));  dL/dx = dL/dy · y · (1 - y)."""

    def forward(self, x):
        self.output = x.neg().exp_().add_(1).reciprocal_()  # exp(-x) = inf for x << 0 gives 0, as it should
        return self.output

    def backward(self, grad_output):
        y = self.output
        return grad_output * y * (1 - y)
