"""Evaluate a function on plain floats, with Python's arithmetic and :mod:`math` alone.

This gives ``f``'s value without the engine's rule table, so :func:`check_grad` can catch a wrong
forward rule (finite differences would agree with it, since they use the same forward).

>>> plain_value(lambda x: (x * 2).exp().sigmoid(), [0.5])
0.93809...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value

__all__ = ["plain_value"]


def _sigmoid(x: float) -> float:
    # Written independently of ops.py, but with the same care: exp() of a non-positive number only.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


class _Plain(float):
    """A float with the methods of a Value, computed with :mod:`math`."""

    def exp(self) -> _Plain:
        return _Plain(math.exp(self))

    def log(self) -> _Plain:
        return _Plain(math.log(self))

    def sqrt(self) -> _Plain:
        return _Plain(math.sqrt(self))

    def tanh(self) -> _Plain:
        return _Plain(math.tanh(self))

    def sigmoid(self) -> _Plain:
        return _Plain(_sigmoid(self))

    def relu(self) -> _Plain:
        return _Plain(max(float(self), 0.0))

    def leaky_relu(self, slope: float = 0.01) -> _Plain:
        return _Plain(self if self > 0 else slope * self)

    def silu(self) -> _Plain:
        return _Plain(self * _sigmoid(self))

    swish = silu

    def softplus(self) -> _Plain:
        return _Plain(
            math.log1p(math.exp(self)) if self < 30 else self + math.log1p(math.exp(-self))
        )

    def sin(self) -> _Plain:
        return _Plain(math.sin(self))

    def cos(self) -> _Plain:
        return _Plain(math.cos(self))

    def abs(self) -> _Plain:
        return _Plain(abs(float(self)))


def _keep_plain(name: str) -> Callable[..., Any]:
    """float's own operator, returning a _Plain so that methods can follow."""
    method = getattr(float, name)

    def wrapped(self: float, *args: Any) -> Any:
        result = method(float(self), *args)
        return result if result is NotImplemented else _Plain(result)

    wrapped.__name__ = name
    return wrapped


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__pos__",
              "__abs__"):  # fmt: skip
    setattr(_Plain, _name, _keep_plain(_name))


def plain_value(f: Callable[..., Any], xs: Sequence[float]) -> float | str:
    """``f`` evaluated on plain floats, or why that was not possible (a message)."""
    try:
        result = f(*(_Plain(x) for x in xs))
    except Exception as error:  # any failure only means this comparison cannot be made
        return f"{type(error).__name__}: {error}"
    if isinstance(result, Value):
        return result.data  # e.g. Value.sum turned the floats back into Values
    if isinstance(result, float):
        return float(result)
    return f"f returned {type(result).__name__} on floats"
