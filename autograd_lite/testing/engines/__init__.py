"""Property-test another autodiff engine's scalar class: ``check_engine(MyValue)``.

For everyone who writes a micrograd-style engine: random expression DAGs (the strategies of
:mod:`autograd_lite.testing.strategies`) are built with *your* class, your ``backward()`` runs,
and your values and gradients are compared with autograd_lite's (the oracle) and with central
finite differences. A failure raises :class:`~autograd_lite.testing.GradCheckError` whose report
shows the smallest failing expression (shrunk by Hypothesis) as Python that uses your class,
the numbers side by side, and which op or mechanism is wrong.

>>> from autograd_lite import Value
>>> result = check_engine(Value, examples=20, seed=0)   # our own engine passes, of course
>>> result.ok, "tanh" in result.ops
(True, True)

A class that differs from micrograd's shape plugs in through an :class:`Engine` adapter:

>>> class Scalar:                       # .value instead of .data, backward(seed), no relu
...     def __init__(self, value, parents=(), local=()):
...         self.value, self.gradient = float(value), 0.0
...         self.parents, self.local = parents, local
...     def __add__(self, other):
...         return Scalar(self.value + other.value, (self, other), (1.0, 1.0))
...     def __mul__(self, other):
...         return Scalar(self.value * other.value, (self, other), (other.value, self.value))
...     def backward(self, seed):
...         order, seen = [], set()
...         def visit(node):
...             if id(node) not in seen:
...                 seen.add(id(node))
...                 for parent in node.parents:
...                     visit(parent)
...                 order.append(node)
...         visit(self)
...         self.gradient = seed
...         for node in reversed(order):
...             for parent, local in zip(node.parents, node.local):
...                 parent.gradient += local * node.gradient
>>> engine = Engine(Scalar, data="value", grad="gradient", backward=lambda v: v.backward(1.0))
>>> check_engine(engine, examples=20, seed=0).ops
['add', 'mul']

Needs Hypothesis (``pip install 'autograd-lite[test]'``).
"""

from __future__ import annotations

from .adapter import Engine
from .check import DEFAULT_EXAMPLES, EngineCheckResult, check_engine

__all__ = ["DEFAULT_EXAMPLES", "Engine", "EngineCheckResult", "check_engine"]
