"""Derivatives beyond ``backward()``: the gradients of some inputs only (:func:`gradients`),
and derivatives that are Values themselves, recorded as graphs (``create_graph=True``), so they
can be differentiated again.

>>> from autograd_lite import Value
>>> x = Value(3.0)
>>> (dy,) = gradients(x**3, [x], create_graph=True)   # 3x² = 27, as a Value
>>> (d2y,) = gradients(dy, [x])                       # 6x = 18
>>> dy.data, d2y.data
(27.0, 18.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DomainError
from ..ops import MATH_FUNCTIONS, FloatMath
from .checks import real, type_name
from .graph import backprop, check_finite
from .mode import enable_grad, grad_mode
from .value import Value, _local_error, float_local

__all__ = ["ValueMath", "gradients", "lenient_local", "value_local"]


class ValueMath:
    """The math namespace on Values: ``m.exp(x)`` is ``x.exp()``, recording a graph, and so on
    for :data:`~autograd_lite.ops.MATH_FUNCTIONS`."""

    differentiable = True
    lenient = False  # as FloatMath.lenient

    @staticmethod
    def data(x: Value | float) -> float:
        return x._data if isinstance(x, Value) else x


for _name in MATH_FUNCTIONS:
    setattr(ValueMath, _name, staticmethod(getattr(Value, _name)))


def value_local(node: Value) -> tuple[Value | float, ...]:
    """∂node/∂parent for each parent, as Values whose graph records how they were computed
    from the parents: the rule's ``local`` run on the nodes, for higher derivatives."""
    rule = node._rule
    assert rule is not None, "leaves have no local derivatives"
    try:
        return rule.local(ValueMath, node, *node.parents, *node.op_args)
    except ArithmeticError as error:
        raise _local_error(rule, node, error) from None


class _LenientFloatMath(FloatMath):
    lenient = True


class _LenientValueMath(ValueMath):
    lenient = True


def lenient_local(
    differentiable: bool,
) -> Callable[[Value, set[Value], DomainError], tuple[Any, ...]]:
    """The derivatives of a node that a pruned pass needs, asked again after ``float_local``
    (or ``value_local``) refused: where the refused derivative belongs to an operand nobody
    needs (∂(aᵇ)/∂b at a < 0; with ``create_graph``, ∂(a/b)/∂b = −a/b² overflowing), the others
    are given. The rule runs with a lenient math namespace (vpow gives nan for ∂/∂b) and with
    overflowing results recorded; the first refusal stands if a needed operand's derivative
    is not finite or was computed through a node that is not.
    """
    lenient_math = _LenientValueMath if differentiable else _LenientFloatMath

    def local(node: Value, needed: set[Value], refused: DomainError) -> tuple[Any, ...]:
        rule = node._rule
        assert rule is not None, "leaves have no local derivatives"
        previous, grad_mode.lenient = grad_mode.lenient, True
        try:
            if differentiable:
                derivatives = rule.local(lenient_math, node, *node.parents, *node.op_args)
            else:
                numbers_ = [p._data for p in node.parents]
                derivatives = rule.local(lenient_math, node._data, *numbers_, *node.op_args)
        except (ArithmeticError, ValueError):
            raise refused from None
        finally:
            grad_mode.lenient = previous
        known = {node, *node.parents}
        for parent, d in zip(node.parents, derivatives, strict=True):
            if parent in needed and not _finite_throughout(d, known):
                raise refused
        return tuple(derivatives)

    return local


def _finite_throughout(d: Any, known: set[Value]) -> bool:
    """Whether ``d`` (a float, or a Value with a graph) is finite, and so is every node the
    lenient pass made on the way to it (the walk stops at the ``known`` operands)."""
    if not isinstance(d, Value):
        return math.isfinite(d)
    stack, seen = [d], set()
    while stack:
        value = stack.pop()
        if value in seen or value in known:
            continue
        seen.add(value)
        if not math.isfinite(value._data):
            return False
        stack.extend(value.parents)
    return True


def gradients(
    output: Value, inputs: Sequence[Value], *, seed: float = 1.0, create_graph: bool = False
) -> list[Value]:
    """∂output/∂x for each x in ``inputs``, without touching any node's ``grad``.

    With ``create_graph=True`` each gradient is a Value with a graph of its own, so it can be
    differentiated again. An input that ``output`` does not depend on gets 0.

    >>> x = Value(3.0)
    >>> y = x**3                                          # y = x³
    >>> (dy,) = gradients(y, [x], create_graph=True)      # 3x² = 27
    >>> (d2y,) = gradients(dy, [x])                       # 6x = 18
    >>> dy.data, d2y.data
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients: output must be a Value, got {type_name(output)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"gradients: inputs[{i}] must be a Value, got {type_name(x)}")
    # Only the nodes between the inputs and the output get gradients: no other gradient can
    # overflow and make this refuse, and none is computed in vain.
    if not create_graph:
        seed_number = real(seed, op="backward", what="seed")
        order, grads = backprop(
            output, seed_number, float_local, inputs, lenient=lenient_local(False)
        )
        check_finite(order, grads, float_local)
        return [Value(grads.get(x, 0.0)) for x in inputs]
    with enable_grad():  # the derivative's graph must be recorded, even inside no_grad()
        order, grads = backprop(
            output, Value(seed, label="seed"), value_local, inputs, lenient=lenient_local(True)
        )
        return [grads[x] if x in grads else Value(0.0) for x in inputs]
