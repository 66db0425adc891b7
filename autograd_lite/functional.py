"""Derivatives of Python functions: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``.

Built on the engine's :func:`~autograd_lite.engine.gradients`: each call wraps the arguments in
fresh input nodes, runs the function once to record its graph, and runs the backward pass.

>>> f = lambda x, y: x**2 * y
>>> grad(f)(1.0, 2.0)                      # [∂f/∂x, ∂f/∂y] = [2xy, x²]
[4.0, 1.0]
>>> hessian(f)(1.0, 2.0)
[[4.0, 2.0], [2.0, 0.0]]

They compose: ``grad`` of a function that itself calls ``grad`` differentiates the derivative.

>>> d2 = grad(lambda x: grad(lambda t: t**3)(x)[0])   # d²(x³)/dx² = 6x
>>> d2(2.0)
[12.0]

Called with numbers, they return numbers. Called with Values, or inside another of these
functions, they return Values that carry their own graph (that is what makes composing work).

``f`` is differentiated with respect to its arguments only. A Value that ``f`` uses from outside
is a constant to it, unless the call happens inside another of these functions (then the
outer one differentiates through it) or its arguments are Values. So write
``grad(lambda t: x * t)(x)`` or ``gradients(...)`` when an outer ``backward()`` must see it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, enable_grad, gradients

__all__ = ["grad", "hessian", "jacobian", "value_and_grad"]


class _Nesting(threading.local):
    depth = 0


_nesting = _Nesting()


def _evaluate(
    f: Callable[..., Any], xs: Sequence[Value | float], name: str, *, scalar: bool
) -> tuple[list[Value], list[list[Value]], bool]:
    """Run ``f`` on fresh input nodes; return its outputs, their gradients, and whether the
    results must stay Values (differentiable) rather than be turned into floats."""
    if not xs:
        raise TypeError(f"{name}: the function needs at least one argument to differentiate")
    # Inside another grad/hessian (or when given Values) the derivatives must stay connected to
    # the outer graph; otherwise a derivative that depends on an outer variable would silently
    # be treated as a constant.
    differentiable = _nesting.depth > 0 or any(isinstance(x, Value) for x in xs)
    # A fresh node per argument (`+x` is the identity op), so f(x, x) gets one partial
    # derivative per argument, as in the mathematics, not their sum.
    _nesting.depth += 1
    try:
        with enable_grad():  # a derivative is wanted: record even inside no_grad()
            inputs = [
                +x if isinstance(x, Value) else Value(x, label=f"x{i}") for i, x in enumerate(xs)
            ]
            result = f(*inputs)
    finally:
        _nesting.depth -= 1
    if isinstance(result, Value):
        outputs = [result]
    elif not scalar and isinstance(result, (list, tuple)):
        outputs = list(result)
    else:
        outputs = []
    if not outputs or not all(isinstance(out, Value) for out in outputs):
        expected = "one Value" if scalar else "a Value or a list of Values"
        raise TypeError(
            f"{name}: the function must return {expected} computed from its arguments, "
            f"got {type(result).__name__} {result!r}"
        )
    rows = [gradients(out, inputs, create_graph=differentiable) for out in outputs]
    return outputs, rows, differentiable


def _numbers(rows: list[list[Value]]) -> list[list[float]]:
    return [[g.data for g in row] for row in rows]


def value_and_grad(f: Callable[..., Value]) -> Callable[..., tuple[Any, list[Any]]]:
    """A function returning ``(f(*xs), [∂f/∂x₀, ∂f/∂x₁, …])``.

    >>> value_and_grad(lambda x, y: x * y + y)(3.0, 2.0)
    (8.0, [2.0, 4.0])
    """

    def value_and_grad_f(*xs: Value | float) -> tuple[Any, list[Any]]:
        outputs, rows, differentiable = _evaluate(f, xs, "value_and_grad", scalar=True)
        if differentiable:
            return outputs[0], rows[0]
        return outputs[0].data, _numbers(rows)[0]

    return value_and_grad_f


def grad(f: Callable[..., Value]) -> Callable[..., list[Any]]:
    """A function returning the partial derivatives ``[∂f/∂x₀, ∂f/∂x₁, …]`` of ``f(*xs)``.

    >>> grad(lambda x: x.sin())(0.0)
    [1.0]
    """
    with_value = value_and_grad(f)

    def grad_f(*xs: Value | float) -> list[Any]:
        return with_value(*xs)[1]

    return grad_f


def jacobian(f: Callable[..., Sequence[Value] | Value]) -> Callable[..., list[list[Any]]]:
    """A function returning the matrix J[i][j] = ∂fᵢ/∂xⱼ of a function returning several Values.

    >>> jacobian(lambda x, y: [x * y, x + y])(2.0, 3.0)
    [[3.0, 2.0], [1.0, 1.0]]
    """

    def jacobian_f(*xs: Value | float) -> list[list[Any]]:
        _, rows, differentiable = _evaluate(f, xs, "jacobian", scalar=False)
        return rows if differentiable else _numbers(rows)

    return jacobian_f


def hessian(f: Callable[..., Value]) -> Callable[..., list[list[Any]]]:
    """A function returning the matrix H[i][j] = ∂²f/∂xᵢ∂xⱼ (the Jacobian of the gradient).

    >>> hessian(lambda x, y: x**3 + x * y)(1.0, 5.0)
    [[6.0, 1.0], [1.0, 0.0]]
    """
    return jacobian(grad(f))
