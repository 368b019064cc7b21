"""MSE, as torch.nn.MSELoss() (mean reduction)."""

from .module import Module


class MSE(Module):
    """L = mean((prediction - target)²);  dL/dprediction = 2 · (prediction - target) / numel."""

    def forward(self, prediction, target):
        if prediction.shape != target.shape:
            raise ValueError(
                f"MSE: prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ in shape"
            )
        self.diff = prediction - target
        return self.diff.pow(2).mean()  # a 0-dim tensor

    def backward(self, grad_output=1.0):
        """dL/dprediction, times grad_output (dL'/dL when L feeds a further scalar; 1 by default)."""
        return self.diff * (2.0 / self.diff.numel()) * grad_output
