"""The base block: forward, backward and param, as the course's suggested interface."""


class Module:
    """A block of the network.

    - ``forward(x)`` returns the output and keeps what ``backward`` needs;
    - ``backward(grad_output)`` takes dL/d(output), ADDS dL/d(parameter) into the
      gradient tensors and returns dL/d(input);
    - ``param()`` lists (parameter, gradient) pairs, empty for blocks without parameters.

    Blocks with parameters name them in ``param_names`` (weight first, then bias); the
    gradient of parameter ``p`` lives in the attribute ``p_grad`` (``weight_grad``,
    ``bias_grad``). If a parameter is replaced by a tensor of another shape, dtype or
    device (a grader copying torch's weights in float64, say), its gradient restarts at
    zero with the new parameter's shape, dtype and device.
    """

    param_names = ()

    def forward(self, *input):
        raise NotImplementedError

    def backward(self, *gradwrtoutput):
        raise NotImplementedError

    def __call__(self, *input):
        return self.forward(*input)

    def param(self):
        """[(parameter, gradient), ...], weight first, then bias."""
        return [(getattr(self, name), self.grad(name)) for name in self.param_names if getattr(self, name) is not None]

    def grad(self, name):
        """The gradient tensor of parameter `name`, matching the parameter's shape, dtype and device."""
        p, g = getattr(self, name), getattr(self, name + "_grad", None)
        if g is None or g.shape != p.shape or g.dtype != p.dtype or g.device != p.device:
            g = p.new_zeros(p.shape)
            setattr(self, name + "_grad", g)
        return g

    def to(self, device=None, dtype=None):
        """Moves (and optionally casts) parameters and gradients in place; returns self."""
        for name in self.param_names:
            p = getattr(self, name)
            if p is not None:
                g = self.grad(name)  # before the parameter moves, so accumulated values move with it
                setattr(self, name, p.to(device=device, dtype=dtype))
                setattr(self, name + "_grad", g.to(device=device, dtype=dtype))
        return self

    def __repr__(self):
        return type(self).__name__ + "()"
