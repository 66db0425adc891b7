"""A scalar ``Value`` in the style of Karpathy's microgpt (2026), and two copies with a planted bug.

Written for the tests from a description of microgpt's class, not copied from it: every node
holds ``data``, ``grad``, its ``_children`` and the ``_local_grads`` ∂node/∂child, computed in
the forward pass; ``backward()`` sorts the graph recursively and runs
``child.grad += local_grad * node.grad``. There is no ``zero_grad`` (microgpt writes
``p.grad = 0`` in its optimiser loop), no tanh, and ``-``, ``/`` are built from ``+``, ``×`` and
``** -1``. The benchmarks' peer (``benchmarks/microgpt_peer.py``) is the same design, written
separately.

The copies are the two mistakes ``check_engine`` must name in such a class:

* :class:`LogMinusOneOverX`: ``log``'s local derivative written as ``-1/x``;
* :class:`AssignedGrad`: ``child.grad = local_grad * node.grad`` in ``backward``, not ``+=``.

They live at module level so that a report's reproduce snippet can import them.
"""

from __future__ import annotations

import math
from typing import Any


class Value:
    """A scalar node: its value, its gradient, its children and ∂self/∂child for each child."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(
        self,
        data: float,
        children: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
    ) -> None:
        self.data = data
        self.grad: float = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other: float) -> Value:
        """``self ** c`` for a number ``c`` (a Value exponent is not supported, as in microgpt)."""
        return type(self)(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self) -> Value:
        """The natural logarithm."""
        return type(self)(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> Value:
        """e to the power of self."""
        return type(self)(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self) -> Value:
        """max(0, self), with derivative 0 at 0."""
        return type(self)(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other)

    def __rsub__(self, other: float) -> Value:
        return other + (-self)

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __truediv__(self, other: Value | float) -> Value:
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:
        return other * self**-1

    def _order(self) -> list[Value]:
        """Every node this one depends on, children before the nodes that use them."""
        topo: list[Value] = []
        visited: set[Value] = set()

        def build_topo(v: Value) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        return topo

    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with ∂self/∂node."""
        self.grad = 1
        for v in reversed(self._order()):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


class LogMinusOneOverX(Value):
    """Planted bug: log's local derivative is written ``-1/x`` (it is ``1/x``)."""

    __slots__ = ()

    def log(self) -> Value:
        return type(self)(math.log(self.data), (self,), (-1 / self.data,))


class AssignedGrad(Value):
    """Planted bug: backward assigns ``child.grad = ...`` instead of adding to it."""

    __slots__ = ()

    def backward(self) -> None:
        self.grad = 1
        for v in reversed(self._order()):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad = local_grad * v.grad
