"""autograd_lite: scalar reverse-mode automatic differentiation you can see, check and trust.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3          # f(x) = (x² + 1)³
>>> f.backward()
>>> f.data, x.grad               # 125 and f'(2) = 3·(x² + 1)²·2x = 300
(125.0, 300.0)
"""

from .compiler import CompiledFunction, compile
from .engine import (
    Value,
    enable_grad,
    gradients,
    is_grad_enabled,
    local_derivatives,
    no_grad,
    topological_order,
)
from .errors import DomainError, GraphChangedError
from .functional import grad, hessian, jacobian, value_and_grad
from .ops import RULES, Rule

__all__ = [
    "RULES",
    "CompiledFunction",
    "DomainError",
    "GraphChangedError",
    "Rule",
    "Value",
    "compile",
    "enable_grad",
    "grad",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "local_derivatives",
    "no_grad",
    "topological_order",
    "value_and_grad",
]

__version__ = "0.1.0"
