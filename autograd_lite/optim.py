"""Optimizers: gradient descent (:class:`SGD`) and :class:`Adam`, with learning-rate schedules.

>>> from autograd_lite import Value
>>> w = Value(1.0)
>>> optimizer = SGD([w], lr=0.1)
>>> loss = w * w          # ∂loss/∂w = 2w = 2
>>> loss.backward()
>>> optimizer.step()
>>> w.data                # 1 − 0.1·2
0.8

Both take ``lr`` as a number or as a schedule, a function of the step number (0, 1, 2, …) such
as :func:`linear_decay`; :meth:`Optimizer.current_lr` is the rate the next step uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._common import is_int, is_real
from .engine import Value
from .errors import DomainError

__all__ = ["SGD", "Adam", "Optimizer", "Schedule", "cosine_decay", "linear_decay"]

Schedule = Callable[[int], float]
"""A learning rate as a function of the step number (0, 1, 2, ...)."""


def _positive(who: str, name: str, value: object) -> float:
    if not is_real(value):  # int, float or a NumPy scalar; not a bool
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} {value!r:.40}")
    if not 0 < value < math.inf:
        raise ValueError(f"{who}: {name} must be a positive finite number, got {value!r}")
    return float(value)


def _steps(who: str, steps: object) -> int:
    if not is_int(steps) or steps < 1:
        raise ValueError(f"{who}: steps must be an int >= 1, got {steps!r:.40}")
    return int(steps)


def linear_decay(lr: float, steps: int, end: float = 0.0) -> Schedule:
    """The rate falling in a straight line from ``lr`` at step 0 towards ``end`` at step
    ``steps``: lr·(1 − step/steps) + end·step/steps (microgpt's ``lr·(1 − step/steps)`` for end 0).
    Asked for a step outside 0..steps − 1 it raises a ValueError: the schedule is over.

    >>> schedule = linear_decay(0.01, 1000)
    >>> schedule(0), schedule(500), round(schedule(999), 12)
    (0.01, 0.005, 1e-05)
    """
    lr = _positive("linear_decay", "lr", lr)
    steps = _steps("linear_decay", steps)
    if not is_real(end) or not 0 <= end < math.inf:
        raise ValueError(f"linear_decay: end must be a finite number >= 0, got {end!r:.40}")

    def schedule(step: int) -> float:
        if not 0 <= step < steps:
            raise ValueError(f"linear_decay: step {step} is outside the schedule's 0..{steps - 1}")
        fraction = step / steps
        return lr * (1 - fraction) + end * fraction

    return schedule


def cosine_decay(lr: float, steps: int, end: float = 0.0) -> Schedule:
    """The rate following half a cosine from ``lr`` at step 0 towards ``end`` at ``steps``.

    >>> schedule = cosine_decay(1.0, 4)
    >>> [round(schedule(s), 4) for s in range(4)]
    [1.0, 0.8536, 0.5, 0.1464]
    """
    lr = _positive("cosine_decay", "lr", lr)
    steps = _steps("cosine_decay", steps)
    if not is_real(end) or not 0 <= end < math.inf:
        raise ValueError(f"cosine_decay: end must be a finite number >= 0, got {end!r:.40}")

    def schedule(step: int) -> float:
        if not 0 <= step < steps:
            raise ValueError(f"cosine_decay: step {step} is outside the schedule's 0..{steps - 1}")
        return end + (lr - end) * 0.5 * (1 + math.cos(math.pi * step / steps))

    return schedule


@dataclass
class _Proposal:
    """A step worked out but not yet taken: the new values, whether each (with its state) is
    finite, how to explain an overflow at index i, and how to keep the new state."""

    new: list[float]
    finite: list[bool]
    explain: Callable[[int], str]
    commit: Callable[[], None]


def _finite(*columns: list[float]) -> list[bool]:
    """For each row, whether every column holds a finite number there (the common case, all
    finite, is found without a list comprehension per row)."""
    if all(all(map(math.isfinite, column)) for column in columns):
        return [True] * len(columns[0])
    return [all(map(math.isfinite, row)) for row in zip(*columns, strict=True)]


class Optimizer:
    """What every optimizer shares: the parameters with their names for errors, the learning
    rate or schedule, the step count, ``zero_grad`` and an all-or-nothing update.

    A subclass defines :meth:`_proposal`: the new values (and its state) from the gradients,
    which :meth:`step` checks before anything is written.
    """

    def __init__(
        self, params: Iterable[Value] | Iterable[tuple[str, Value]], lr: float | Schedule
    ) -> None:
        who = type(self).__name__
        self.params: list[Value] = []
        self.names: list[str] = []
        """How errors name each parameter: its given name, or ``params[i] ('label')``."""
        if hasattr(params, "parameters") or not isinstance(params, Iterable):
            raise TypeError(
                f"{who} takes the parameters: {who}(model.parameters(), lr=…), "
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
                raise TypeError(f"{who}: params[{i}] must be a Value, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"{who}: params[{i}] appears twice; it would be updated twice")
            seen.add(id(p))
            self.params.append(p)
            self.names.append(name)
        if not self.params:
            raise ValueError(
                f"{who}: no parameters to update (an empty list); a model declares them by "
                "own_parameters()/children() or by overriding parameters() (see nn.Module)"
            )
        if not callable(lr):
            _positive(who, "lr", lr)
        self.lr = lr
        self.steps = 0

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return _positive(
            type(self).__name__, "lr", self.lr(self.steps) if callable(self.lr) else self.lr
        )

    def _proposal(self, lr: float, grads: list[float], data: list[float]) -> _Proposal:
        """The new parameter values and state, not yet written, from each parameter's ``grads``
        (all finite) and ``data``."""
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter from its gradient, all or nothing: a gradient that is not
        finite, or a new value that would overflow, raises :class:`~autograd_lite.DomainError`
        naming the parameter and the step, and changes no parameter and no state."""
        who = type(self).__name__
        lr = self.current_lr()
        # Each parameter's grad and data read once (properties); the checks run over the lists
        # and look for the one to name only when they fail (speed: 4,192 parameters a step).
        grads = [p.grad for p in self.params]
        if not all(map(math.isfinite, grads)):
            i = next(i for i, g in enumerate(grads) if not math.isfinite(g))
            raise DomainError(
                who,
                f"step {self.steps}: the gradient of {self.names[i]} is {grads[i]!r}; "
                "no parameter was changed",
            )
        proposal = self._proposal(lr, grads, [p.data for p in self.params])
        if not all(proposal.finite):
            i = proposal.finite.index(False)
            raise DomainError(
                who,
                f"step {self.steps} would make {self.names[i]} {proposal.new[i]!r}: "
                f"{proposal.explain(i)} overflows a float. No parameter was changed; "
                "lower the learning rate",
            )
        for p, w in zip(self.params, proposal.new, strict=True):
            p.data = w
        proposal.commit()
        self.steps += 1

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0


class SGD(Optimizer):
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
        super().__init__(params, lr)
        if not is_real(momentum):
            raise TypeError(
                f"SGD: momentum must be a number, got {type(momentum).__name__} {momentum!r:.40}"
            )
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self._velocity = [0.0] * len(self.params)

    def _proposal(self, lr: float, grads: list[float], data: list[float]) -> _Proposal:
        if self.momentum:
            velocity = [self.momentum * v + g for v, g in zip(self._velocity, grads, strict=True)]
        else:
            velocity = grads
        new = [w - lr * v for w, v in zip(data, velocity, strict=True)]
        direction = "v (v = μ·v + ∂L/∂w)" if self.momentum else "∂L/∂w"

        def explain(i: int) -> str:
            return f"w − lr·{direction} = {data[i]!r} − {lr!r}·{velocity[i]!r}"

        def commit() -> None:
            if self.momentum:
                self._velocity = velocity

        return _Proposal(new, _finite(new, velocity), explain, commit)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction, as in PyTorch and microgpt.

    For each parameter, at step t = 1, 2, …: m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g²,
    m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), and w ← w − lr·m̂ / (√v̂ + eps).

    Args:
        params: as for :class:`SGD` (Values, or (name, Value) pairs).
        lr: the learning rate, a number or a schedule such as :func:`linear_decay`.
        betas: (β₁, β₂), each in [0, 1): how slowly the averages of g and g² forget.
        eps: a small positive number that keeps the division finite.

    A step is all or nothing, as for :class:`SGD`: a gradient that is not finite, or a new
    value or average that would overflow, raises :class:`~autograd_lite.DomainError` and leaves
    every parameter and both averages as they were.

    >>> w = Value(1.0)
    >>> optimizer = Adam([w], lr=0.1)
    >>> w.grad = 3.0
    >>> optimizer.step()      # m̂ = 3, v̂ = 9: the first step moves by lr·3/(3 + eps) ≈ lr
    >>> round(w.data, 6)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[tuple[str, Value]],
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r:.40}")
        for i, beta in enumerate(betas):
            if not is_real(beta) or not 0 <= beta < 1:
                raise ValueError(f"Adam: betas[{i}] must be a number in [0, 1), got {beta!r:.40}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _positive("Adam", "eps", eps)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _proposal(self, lr: float, grads: list[float], data: list[float]) -> _Proposal:
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        m = [b1 * mi + (1 - b1) * g for mi, g in zip(self._m, grads, strict=True)]
        v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(self._v, grads, strict=True)]
        eps = self.eps
        new = [
            w - lr * (mi / c1) / ((vi / c2) ** 0.5 + eps)
            for w, mi, vi in zip(data, m, v, strict=True)
        ]

        def explain(i: int) -> str:
            return (
                f"w − lr·m̂/(√v̂ + eps) = {data[i]!r} − {lr!r}·{m[i] / c1!r}/"
                f"(√{v[i] / c2!r} + {eps!r})"
            )

        def commit() -> None:
            self._m, self._v = m, v

        return _Proposal(new, _finite(new, m, v), explain, commit)
