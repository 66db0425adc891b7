"""The peer for the microgpt workload: a minimal scalar Value in microgpt's design.

Written for these benchmarks from a description of Karpathy's microgpt (2026), not copied from
it: every node holds its number, its gradient, its children and the local derivatives
∂node/∂child, computed in the forward pass; backward() sorts the graph and runs
``child.grad += local_grad * node.grad``. Like microgpt, the sort is recursive (so a graph
deeper than Python's recursion limit fails; a training step of the workload is far from it),
nothing checks domains or overflow, and subtraction and division are built from +, × and ** -1.
"""

# microgpt writes zip() without strict=: kept as written.
# ruff: noqa: B905

from __future__ import annotations

import math
from typing import Any


class Value:
    """A scalar node: its number, its gradient, its children and ∂self/∂child for each."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(
        self, data: float, children: tuple[Value, ...] = (), local_grads: tuple[float, ...] = ()
    ) -> None:
        self.data = data  # the number, computed in the forward pass
        self.grad: float = 0  # ∂loss/∂this node, filled in by backward()
        self._children = children  # the operands, in order
        self._local_grads = local_grads  # ∂this/∂child, one per child

    def __add__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, c: float) -> Value:  # c a number
        return Value(self.data**c, (self,), (c * self.data ** (c - 1),))

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def relu(self) -> Value:
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

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

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[Value] = set()

        def visit(node: Value) -> None:  # recursive depth-first search, children first
            if node not in seen:
                seen.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1
        for node in reversed(order):
            for child, local_grad in zip(node._children, node._local_grads):
                child.grad += local_grad * node.grad
