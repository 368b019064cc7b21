"""Sequential: modules applied in order; gradients flow back in reverse order."""

from .module import Module


class Sequential(Module):
    """Sequential(m1, m2, ...): forward applies m1 then m2 ...; backward runs them backwards.

    The blocks are in `modules` (a list); it also supports len(), iteration and indexing.
    """

    def __init__(self, *modules):
        self.modules = list(modules)

    def forward(self, x):
        for m in self.modules:
            x = m.forward(x)
        return x

    def backward(self, grad_output):
        for m in reversed(self.modules):
            grad_output = m.backward(grad_output)
        return grad_output

    def param(self):
        return [pair for m in self.modules for pair in m.param()]

    def to(self, device=None, dtype=None):
        for m in self.modules:
            m.to(device, dtype)
        return self

    def state_dict(self):
        """{'<index>.weight': tensor, '<index>.bias': tensor, ...}, as torch.nn.Sequential names them."""
        return {
            f"{i}.{name}": getattr(m, name)
            for i, m in enumerate(self.modules)
            for name in m.param_names
            if getattr(m, name) is not None
        }

    def load_state_dict(self, state):
        """Copies `state` (as from state_dict) into the parameters, in place; names and shapes must match."""
        own = self.state_dict()
        if set(state) != set(own):
            raise KeyError(f"state has keys {sorted(state)}, the network expects {sorted(own)}")
        for name, p in own.items():
            if tuple(state[name].shape) != tuple(p.shape):
                raise ValueError(f"{name}: saved shape {tuple(state[name].shape)}, network shape {tuple(p.shape)}")
            p.copy_(state[name])

    def __len__(self):
        return len(self.modules)

    def __iter__(self):
        return iter(self.modules)

    def __getitem__(self, index):
        return self.modules[index]

    def __repr__(self):
        return "Sequential(\n" + "".join(f"  ({i}): {m!r}\n" for i, m in enumerate(self.modules)) + ")"
