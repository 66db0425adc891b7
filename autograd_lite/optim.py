"""Plain gradient descent: w ← w − lr·∂L/∂w, optionally with momentum.

>>> from autograd_lite import Value
>>> w = Value(1.0)
>>> optimizer = SGD([w], lr=0.1)
>>> loss = w * w          # ∂loss/∂w = 2w = 2
>>> loss.backward()
>>> optimizer.step()
>>> w.data                # 1 − 0.1·2
0.8
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from .engine import Value

__all__ = ["SGD", "Schedule"]

Schedule = Callable[[int], float]
"""A learning rate as a function of the step number (0, 1, 2, ...)."""


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"SGD: {name} must be a number, got {type(value).__name__}")
    if not 0 < value < math.inf:
        raise ValueError(f"SGD: {name} must be a positive finite number, got {value!r}")
    return float(value)


class SGD:
    """Stochastic gradient descent over a list of parameters.

    Args:
        params: the Values to update (``model.parameters()``); each at most once.
        lr: the learning rate, a number or a schedule ``lr(step) -> float``.
        momentum: μ in [0, 1). With μ = 0 (the default) a step is exactly w ← w − lr·∂L/∂w;
            otherwise v ← μ·v + ∂L/∂w and w ← w − lr·v (PyTorch's convention).
    """

    def __init__(
        self, params: Iterable[Value], lr: float | Schedule, momentum: float = 0.0
    ) -> None:
        self.params = list(params)
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"SGD: params[{i}] must be a Value, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"SGD: params[{i}] appears twice; it would be updated twice")
            seen.add(id(p))
        if not callable(lr):
            _positive("lr", lr)
        self.lr = lr
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
            raise TypeError(f"SGD: momentum must be a number, got {type(momentum).__name__}")
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.steps = 0
        self._velocity = [0.0] * len(self.params)

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return _positive("lr", self.lr(self.steps) if callable(self.lr) else self.lr)

    def step(self) -> None:
        """Move every parameter against its gradient; a non-finite gradient is refused."""
        lr = self.current_lr()
        for i, p in enumerate(self.params):
            if not math.isfinite(p.grad):
                raise ValueError(f"SGD: the gradient of params[{i}] ({p.label!r}) is {p.grad!r}")
        for i, p in enumerate(self.params):
            if self.momentum:
                self._velocity[i] = self.momentum * self._velocity[i] + p.grad
                p.data -= lr * self._velocity[i]
            else:
                p.data -= lr * p.grad
        self.steps += 1

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0
