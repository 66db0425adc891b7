"""The engine: ``Value`` records a computation graph; ``backward`` runs the chain rule over it.

Its rooms: :mod:`.value` (the Value and how a node is recorded), :mod:`.graph` (the walk: the
topological order and the chain rule), :mod:`.checks` (numbers and types on the way in, and how
errors name operands), :mod:`.number` (a Value's manners as a number), :mod:`.micrograd`
(micrograd's attribute names) and :mod:`.mode` (``no_grad``).

A tour, on f(x) = (x² + 1)³ at x = 2 (u = x² + 1 = 5, f = u³ = 125, f'(x) = 3u² · 2x = 300):

>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3
>>> f
Value(data=125.0, grad=0.0, op='pow')
>>> f.backward()
>>> x.grad
300.0

Every node remembers the op that made it and its operands, in order (``a + a`` has two edges):

>>> a = Value(3.0, label="a")
>>> b = a + a
>>> b.op, [p.label for p in b.parents]
('add', ['a', 'a'])
>>> b.backward()
>>> a.grad
2.0

Gradient semantics (PyTorch's, so gradients can be summed over samples):

* ``backward()`` *adds* into the ``grad`` of leaves (nodes with no parents: inputs, parameters,
  constants). Calling it twice on the same graph doubles the leaves' gradients; call
  ``zero_grad()`` (or set ``grad = 0.0``) between independent passes.
* Intermediate nodes are *overwritten*: they show the gradient of the latest backward pass.
* Nothing is recorded inside ``no_grad()``; ``detach()`` makes a leaf copy.

Differentiable gradients (for second derivatives) come from :func:`gradients` with
``create_graph=True``; :mod:`autograd_lite.functional` builds ``grad`` and ``hessian`` on it.
"""

from __future__ import annotations

from .checks import type_name
from .derivatives import gradients
from .graph import topological_order
from .mode import enable_grad, is_grad_enabled, no_grad
from .value import Parameter, Value, local_derivatives, rule_of

__all__ = [
    "Parameter",
    "Value",
    "enable_grad",
    "gradients",
    "is_grad_enabled",
    "local_derivatives",
    "no_grad",
    "rule_of",
    "topological_order",
    "type_name",
]
