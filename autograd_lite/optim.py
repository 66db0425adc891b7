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

from ._common import is_real
from .engine import Value
from .errors import DomainError

__all__ = ["SGD", "Schedule"]

Schedule = Callable[[int], float]
"""A learning rate as a function of the step number (0, 1, 2, ...)."""


def _positive(name: str, value: object) -> float:
    if not is_real(value):  # int, float or a NumPy scalar; not a bool
        raise TypeError(f"SGD: {name} must be a number, got {type(value).__name__} {value!r:.40}")
    if not 0 < value < math.inf:
        raise ValueError(f"SGD: {name} must be a positive finite number, got {value!r}")
    return float(value)


class SGD:
    """Stochastic gradient descent over a list of parameters.

    Args:
        params: the Values to update (``model.parameters()``), each at most once; or pairs
            (name, Value), as ``model.named_parameters()`` gives, so errors use the names.
        lr: the learning rate, a number or a schedule ``lr(step) -> float``.
        momentum: μ in [0, 1). With μ = 0 (the default) a step is exactly w ← w − lr·∂L/∂w;
            otherwise v ← μ·v + ∂L/∂w and w ← w − lr·v (PyTorch's convention).

    A step never leaves a parameter non-finite: if any gradient is not finite, or any new value
    (or momentum) would overflow, :meth:`step` raises :class:`~autograd_lite.DomainError`
    naming the parameter and the step (counted from 0, as the schedule counts), and changes
    nothing: every parameter and momentum keeps its value from before that step.

    >>> w = Value(1.0, label="w")
    >>> w.grad = 10.0
    >>> SGD([w], lr=1e308).step()
    Traceback (most recent call last):
        ...
    autograd_lite.errors.DomainError: SGD: step 0 would make params[0] ('w') -inf: ...
    >>> w.data
    1.0
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[tuple[str, Value]],
        lr: float | Schedule,
        momentum: float = 0.0,
    ) -> None:
        self.params: list[Value] = []
        self.names: list[str] = []
        """How errors name each parameter: its given name, or ``params[i] ('label')``."""
        if hasattr(params, "parameters") or not isinstance(params, Iterable):
            raise TypeError(
                "SGD takes the parameters: SGD(model.parameters(), lr=…), "
                f"got {type(params).__name__}"
            )
        seen: set[int] = set()
        for i, item in enumerate(params):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                name, p = item
            else:
                p = item
                label = p.label if isinstance(p, Value) else ""
                name = f"params[{i}]" + (f" ({label!r})" if label else "")
            if not isinstance(p, Value):
                raise TypeError(f"SGD: params[{i}] must be a Value, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"SGD: params[{i}] appears twice; it would be updated twice")
            seen.add(id(p))
            self.params.append(p)
            self.names.append(name)
        if not self.params:
            raise ValueError(
                "SGD: no parameters to update (an empty list); a model declares them by "
                "own_parameters()/children() or by overriding parameters() (see nn.Module)"
            )
        if not callable(lr):
            _positive("lr", lr)
        self.lr = lr
        if not is_real(momentum):
            raise TypeError(
                f"SGD: momentum must be a number, got {type(momentum).__name__} {momentum!r:.40}"
            )
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.steps = 0
        self._velocity = [0.0] * len(self.params)

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return _positive("lr", self.lr(self.steps) if callable(self.lr) else self.lr)

    def step(self) -> None:
        """Move every parameter against its gradient, all or nothing (see the class)."""
        lr = self.current_lr()
        for name, p in zip(self.names, self.params, strict=True):
            if not math.isfinite(p.grad):
                raise DomainError(
                    "SGD",
                    f"step {self.steps}: the gradient of {name} is {p.grad!r}; "
                    "no parameter was changed",
                )
        # Every new value first, checked, and only then assigned: a step that would overflow
        # one parameter changes none (nor any momentum).
        if self.momentum:
            velocity = [
                self.momentum * v + p.grad for v, p in zip(self._velocity, self.params, strict=True)
            ]
        else:
            velocity = [p.grad for p in self.params]
        new = [p.data - lr * v for p, v in zip(self.params, velocity, strict=True)]
        for name, p, v, w in zip(self.names, self.params, velocity, new, strict=True):
            if not (math.isfinite(w) and math.isfinite(v)):
                direction = "v (v = μ·v + ∂L/∂w)" if self.momentum else "∂L/∂w"
                raise DomainError(
                    "SGD",
                    f"step {self.steps} would make {name} {w!r}: w − lr·{direction} = "
                    f"{p.data!r} − {lr!r}·{v!r} overflows a float. No parameter was changed; "
                    "lower the learning rate",
                )
        for p, w in zip(self.params, new, strict=True):
            p.data = w
        if self.momentum:
            self._velocity = velocity
        self.steps += 1

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0
