"""SGD and Adam over (parameter, gradient) pairs, following torch.optim's update rules exactly."""


class Optimizer:
    """Holds the (parameter, gradient) pairs (e.g. model.param()); zero_grad() clears the gradients."""

    def __init__(self, params, lr):
        self.params = [(p, g) for p, g in params]
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        if lr < 0:
            raise ValueError(f"invalid learning rate {lr}")
        self.lr = lr

    def zero_grad(self):
        for _, g in self.params:
            g.zero_()


class SGD(Optimizer):
    """torch.optim.SGD: g = grad + wd·p;  b = μ·b + (1 - dampening)·g (b = g at the first step);
    g = g + μ·b (Nesterov) or b;  p -= lr·g."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.momentum, self.dampening, self.weight_decay, self.nesterov = momentum, dampening, weight_decay, nesterov
        self.buffers = [None] * len(self.params)

    def step(self):
        for k, (p, g) in enumerate(self.params):
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            if self.momentum:
                b = self.buffers[k]
                if b is None:
                    b = self.buffers[k] = g.clone()
                else:
                    b.mul_(self.momentum).add_(g, alpha=1 - self.dampening)
                g = g.add(b, alpha=self.momentum) if self.nesterov else b
            p.add_(g, alpha=-self.lr)


class Adam(Optimizer):
    """torch.optim.Adam (amsgrad=False): g = grad + wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
    p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.t = 0
        self.m = [p.new_zeros(p.shape) for p, _ in self.params]
        self.v = [p.new_zeros(p.shape) for p, _ in self.params]

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1 - b1**self.t)
        root_c2 = (1 - b2**self.t) ** 0.5
        for (p, g), m, v in zip(self.params, self.m, self.v):
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, v.sqrt().div_(root_c2).add_(self.eps), value=-step_size)
