"""Numeric estimates: f evaluated at fresh leaves, and central finite differences over a
sweep of steps, with each estimate's rounding error and the kinks a step crosses."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence

from ...engine import Value, gradients, topological_order, type_name
from ...engine.graph import backprop
from ...engine.value import float_local
from ...errors import DomainError
from ...ops import RULES

DEFAULT_STEPS: tuple[float, ...] = (1e-3, 1e-5, 1e-7)
"""Step sizes of the sweep; each is used absolute (h) and relative to the input (h·|x|)."""

_EPS = 2.0**-52
_MAX = 1.7976931348623157e308  # the largest float
_TINY = 2.0**-1074  # the spacing of subnormal floats
_ROUNDING_FACTOR = 4.0  # slack over the first-order bound of the rounding error

Graph = tuple[list[Value], Value]
"""The input leaves of one evaluation of f, and its output."""

Probe = Callable[[list[float]], tuple[float, list[tuple[str, int]]]]
"""f (or one of its derivatives) at a point, with the side of every kink it passed."""


def _call(f: Callable[..., object], xs: Sequence[float]) -> Graph:
    """f at fresh leaves labelled x0, x1, ...: the leaves and the result (which must be a Value)."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*inputs)
    if not isinstance(out, Value):
        hint = (
            "; to test another engine's class, use autograd_lite.testing.check_engine"
            if hasattr(out, "data") and hasattr(out, "grad")
            else ""
        )
        raise TypeError(
            f"the function must return a Value computed from its arguments, got "
            f"{type_name(out)} {out!r}{hint}"
        )
    return inputs, out


def _scalar(result: object) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    raise TypeError(f"the function must return a Value or a number, got {type_name(result)}")


def _check_step(step: object, what: str) -> None:
    """A ValueError naming ``what`` and the bad step unless ``step`` is a number in (0, 1]: a
    step of 0 divides by zero, nan or inf give no estimate, and a step above 1 (used absolute
    and relative to |x|) measures a secant, not a derivative."""
    number = float(step) if isinstance(step, numbers.Real) and not isinstance(step, bool) else None
    if number is None or not 0 < number <= 1:
        raise ValueError(f"{what} must be a finite number in (0, 1], got {step!r}")


def _shifted(xs: Sequence[float], i: int, h: float) -> tuple[list[float], list[float]]:
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return up, down


def numerical_grad(
    f: Callable[..., object], xs: Sequence[float], *, step: float = 1e-6, relative: bool = True
) -> list[float]:
    """Central differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for each input, in float64.

    ``f`` is called with Values (it may return a Value or a float). The step is
    ``step·max(1, |xᵢ|)`` when ``relative`` (the default), else ``step``; the denominator is the
    distance between the two points as floats actually represent them.

    >>> round(numerical_grad(lambda x: x.exp(), [0.0])[0], 9)
    1.0
    >>> numerical_grad(lambda x: x.exp(), [0.0], step=0)
    Traceback (most recent call last):
        ...
    ValueError: numerical_grad: step must be a finite number in (0, 1], got 0
    """
    _check_step(step, "numerical_grad: step")
    grads = []
    for i, x in enumerate(xs):
        h = step * max(1.0, abs(x)) if relative else step
        up, down = _shifted(xs, i, h)
        if not (math.isfinite(up[i]) and math.isfinite(down[i])):
            raise ValueError(
                f"numerical_grad: x{i} ± h = {x!r} ± {h:g} passes the largest float "
                f"({_MAX:g}); differentiate at a smaller input"
            )
        f_up = _scalar(f(*(Value(v) for v in up)))
        f_down = _scalar(f(*(Value(v) for v in down)))
        grads.append((f_up - f_down) / (up[i] - down[i]))
    return grads


@dataclasses.dataclass
class Estimate:
    """One central difference: its step, value (None if the step could not be used), the
    estimated rounding and truncation errors of the value, and its standing."""

    step: str
    value: float | None
    width: float = 0.0  # the distance between the two points, as floats
    rounding: float = 0.0
    truncation: float = 0.0
    note: str = ""  # why the value is missing or set aside: "crosses ...", "rounding", ...
    trusted: bool = False


def _steps(x: float, steps: Sequence[float]) -> dict[str, float]:
    """The sweep at x: each step absolute, and relative to |x| when that differs."""
    sweep = {f"h={h:g}": h for h in steps}
    if abs(x) > 0 and abs(x) != 1:
        sweep.update({f"h={h:g}·|x|": h * abs(x) for h in steps})
    return sweep


def _crossing(base: list[tuple[str, int]], sides: list[tuple[str, int]]) -> str | None:
    if len(sides) != len(base):
        return "a change in the graph's shape (control flow that depends on the values)"
    for (where, side), (_, other) in zip(base, sides, strict=True):
        if side != other:
            return where
    return None


def _rounding_scale(out: Value) -> float:
    """Σ |v|·|∂out/∂v| over the nodes v that ``out`` is computed from: each op rounds its result
    v by up to ε·|v|, which reaches the output multiplied by ∂out/∂v. This sees cancellation
    ((x + 1e16) − 1e16 is small, but its rounding error is not) that |out| alone would hide."""
    order, grads = backprop(out, 1.0, float_local)
    return math.fsum(abs(node.data * grads[node]) for node in order if node.parents)


def _estimates(
    probe: Probe, xs: list[float], j: int, steps: Sequence[float], scale: float = 0.0
) -> list[Estimate]:
    """Central differences of ``probe`` along xs[j] over the sweep. ``scale`` bounds the
    rounding error of one evaluation in units of ε (see :func:`_rounding_scale`)."""
    _, base = probe(xs)
    found = []
    for label, h in _steps(xs[j], steps).items():
        up, down = _shifted(xs, j, h)
        if not (math.isfinite(up[j]) and math.isfinite(down[j])):
            found.append(Estimate(label, None, note=f"x ± h passes the largest float ({_MAX:g})"))
            continue
        if up[j] == down[j]:
            continue  # the step is below the resolution of floats at x
        try:
            (f_up, sides_up), (f_down, sides_down) = probe(up), probe(down)
        except ArithmeticError as error:  # DomainError among them
            op = error.op if isinstance(error, DomainError) else "an op"
            found.append(Estimate(label, None, note=f"leaves the domain of {op}"))
            continue
        crossed = _crossing(base, sides_up) or _crossing(base, sides_down)
        if crossed is not None:
            found.append(Estimate(label, None, note=f"crosses {crossed}"))
            continue
        width = up[j] - down[j]
        # Multiply the tiny factor in first, so that |f| near the float maximum cannot overflow.
        size = max(abs(f_up), abs(f_down), scale)
        # Relative rounding, plus the absolute spacing of subnormal floats (below 2.2e-308
        # precision is absolute, not relative).
        rounding = _ROUNDING_FACTOR * (_EPS * size + _TINY) * 2.0 / width
        found.append(Estimate(label, (f_up - f_down) / width, width, rounding))
    return found


def _side(x: float, kink: float) -> int:
    return (x > kink) - (x < kink)


def _branches(out: Value) -> list[tuple[str, int]]:
    """For every node of a kinked op (relu, abs, leaky_relu, registered ops with kinks), the
    side of each kink it was on."""
    sides = []
    for node in topological_order(out):
        rule = RULES.get(node.op)
        if rule is None:
            continue
        where = f" node {node.label!r}" if node.label else ""
        for kink in rule.kinks:  # one input (register checks it), maybe several kinks
            description = (
                f"the kink of {node.op}{where} at {kink:g} (its input is {node.parents[0].data!r})"
            )
            sides.append((description, _side(node.parents[0].data, kink)))
    return sides


def _gradient(f: Callable[..., object], xs: Sequence[float], seed: float = 1.0) -> list[float]:
    """The analytic gradient, by backward() on a fresh graph."""
    inputs, out = _call(f, xs)
    out.backward(seed)
    return [x.grad for x in inputs]


def _grad_of(graph: Graph) -> list[float]:
    inputs, out = graph
    return [g.data for g in gradients(out, inputs)]


def _hessian(f: Callable[..., object], xs: Sequence[float]) -> list[list[float]]:
    inputs, out = _call(f, xs)
    return [_grad_of((inputs, first)) for first in gradients(out, inputs, create_graph=True)]


def _output(graph: Graph) -> float:
    return graph[1].data


def _partial(i: int, graph: Graph) -> float:
    return _grad_of(graph)[i]


def _probe(f: Callable[..., object], read: Callable[[Graph], float]) -> Probe:
    def probe(point: list[float]) -> tuple[float, list[tuple[str, int]]]:
        graph = _call(f, point)
        return read(graph), _branches(graph[1])

    return probe
