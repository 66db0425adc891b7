"""autograd_lite: scalar reverse-mode automatic differentiation you can see, check and trust.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3          # f(x) = (x² + 1)³
>>> f.backward()
>>> f.data, x.grad               # 125 and f'(2) = 3·(x² + 1)²·2x = 300
(125.0, 300.0)
"""

from typing import TYPE_CHECKING, Any

from ._common import VERSION
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

__version__ = VERSION

if TYPE_CHECKING:
    from .compiler import CompiledFunction, compile

_LAZY = {"compile": "compiler", "CompiledFunction": "compiler"}
"""Names re-exported from rooms that ``import autograd_lite`` does not load: the compiler is
optional, so it is imported when one of its names is first asked for."""


def __getattr__(name: str) -> Any:
    """``autograd_lite.compile`` and ``autograd_lite.CompiledFunction``, imported on first use.

    >>> import autograd_lite
    >>> autograd_lite.compile.__module__
    'autograd_lite.compiler'
    """
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
