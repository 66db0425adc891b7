"""Check the engine's derivatives against central finite differences, with a report to act on.

>>> from autograd_lite.testing import check_grad, numerical_grad
>>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [3.0, 4.0])]
[4.0, 3.0]
>>> check_grad(lambda x, y: (x * y).tanh() + y.exp(), [0.5, -1.0]).ok
True
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import inspect
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..engine import Value, _apply, _local, gradients, local_derivatives, topological_order
from ..errors import DomainError
from ..ops import RULES, Rule

__all__ = [
    "DEFAULT_STEPS",
    "GradCheckError",
    "GradCheckResult",
    "NondifferentiablePoint",
    "check_grad",
    "numerical_grad",
    "override_rule",
]

DEFAULT_STEPS: tuple[float, ...] = (1e-3, 1e-5, 1e-7)
"""Step sizes of the sweep; each is used absolute (h) and relative to the input (h·|x|)."""

_SEED = -2.0  # the upstream gradient of the scaling check: a power of two scales floats exactly

Graph = tuple[list[Value], Value]
"""The input leaves of one evaluation of f, and its output."""


# ---------------------------------------------------------------------------------------------
# Numerical derivatives
# ---------------------------------------------------------------------------------------------


def _call(f: Callable[..., Any], xs: Sequence[float]) -> Graph:
    """f at fresh leaves labelled x0, x1, ...: the leaves and the result (which must be a Value)."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(
            f"the function must return a Value computed from its arguments, got "
            f"{type(out).__name__} {out!r}"
        )
    return inputs, out


def _scalar(result: object) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    raise TypeError(f"the function must return a Value or a number, got {type(result).__name__}")


def _shifted(xs: Sequence[float], i: int, h: float) -> tuple[list[float], list[float]]:
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return up, down


def numerical_grad(
    f: Callable[..., Any], xs: Sequence[float], *, step: float = 1e-6, relative: bool = True
) -> list[float]:
    """Central differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for each input, in float64.

    ``f`` is called with Values (it may return a Value or a float). The step is
    ``step·max(1, |xᵢ|)`` when ``relative`` (the default), else ``step``; the denominator is the
    distance between the two points as floats actually represent them.

    >>> round(numerical_grad(lambda x: x.exp(), [0.0])[0], 9)
    1.0
    """
    grads = []
    for i, x in enumerate(xs):
        h = step * max(1.0, abs(x)) if relative else step
        up, down = _shifted(xs, i, h)
        f_up = _scalar(f(*(Value(v) for v in up)))
        f_down = _scalar(f(*(Value(v) for v in down)))
        grads.append((f_up - f_down) / (up[i] - down[i]))
    return grads


# ---------------------------------------------------------------------------------------------
# Results and errors
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One derivative compared: ∂f/∂xᵢ (``index`` = (i,)) or ∂²f/∂xᵢ∂xⱼ (``index`` = (i, j))."""

    index: tuple[int, ...]
    x: float
    analytic: float
    numeric: dict[str, float | None]  # step label → estimate (None where a kink was straddled)
    rounding: dict[str, float]  # step label → estimated rounding error of that estimate
    kinks: dict[str, str]  # step label → the kink (or domain edge) it straddled
    tolerance: float = 0.0
    best_step: str | None = None
    passed: bool = False

    @property
    def name(self) -> str:
        if len(self.index) == 1:
            return f"∂f/∂x{self.index[0]}"
        return f"∂²f/∂x{self.index[0]}∂x{self.index[1]}"

    @property
    def abs_error(self) -> float:
        estimate = self.numeric.get(self.best_step) if self.best_step else None
        return math.inf if estimate is None else abs(self.analytic - estimate)

    @property
    def rel_error(self) -> float:
        estimate = self.numeric.get(self.best_step) if self.best_step else None
        if estimate is None:
            return math.inf
        return self.abs_error / abs(estimate) if estimate else self.abs_error


@dataclasses.dataclass
class GradCheckResult:
    """The outcome of :func:`check_grad`; ``report()`` explains it, ``ok`` is the verdict."""

    inputs: list[float]
    value: float
    order: int
    rows: list[Row]
    problems: list[str]  # failed consistency checks (forward, repeat, seed) and mismatches
    suspects: list[str]  # nodes whose local derivatives disagree with their forward rule
    kink: str | None  # set when every step crosses a kink for some derivative
    reproduce: str
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return not self.problems and self.kink is None

    def __bool__(self) -> bool:
        return self.ok

    def report(self) -> str:
        """A table per derivative, the verdict, the suspect nodes and a line that reproduces it."""
        verdict = "passed" if self.ok else "FAILED"
        if self.kink is not None:
            verdict = "NONDIFFERENTIABLE POINT"
        lines = [
            f"check_grad {verdict}: f({', '.join(map(repr, self.inputs))}) = {self.value!r}, "
            f"order {self.order}, tolerance |analytic − numeric| ≤ {self.atol:g} + "
            f"{self.rtol:g}·|numeric|"
        ]
        for row in self.rows:
            mark = "ok" if row.passed else "MISMATCH"
            if not row.passed and all(e is None for e in row.numeric.values()):
                mark = "no estimate"
            lines.append(
                f"\n{row.name} at x{row.index[-1]} = {row.x!r}: analytic {row.analytic!r}  [{mark}]"
            )
            lines.append(f"  {'step':<14}{'numeric':>24}{'abs error':>12}{'rel error':>12}"
                         f"{'rounding':>11}{'tolerance':>11}  verdict")  # fmt: skip
            for label, estimate in row.numeric.items():
                if estimate is None:
                    lines.append(f"  {label:<14}{'—':>24}  crosses {row.kinks[label]}")
                    continue
                err = abs(row.analytic - estimate)
                rel = err / abs(estimate) if estimate else err
                tol = self.atol + self.rtol * abs(estimate)
                lines.append(
                    f"  {label:<14}{estimate:>24.15g}{err:>12.3g}{rel:>12.3g}"
                    f"{row.rounding[label]:>11.2g}{tol:>11.3g}  {'agrees' if err <= tol else '-'}"
                )
        if self.kink is not None:
            lines.append(f"\n{self.kink}")
        if self.problems:
            lines.append("\nProblems:")
            lines.extend(f"  - {problem}" for problem in self.problems)
        if self.suspects:
            lines.append("\nNodes whose local derivatives disagree with their own forward rule:")
            lines.extend(f"  - {suspect}" for suspect in self.suspects)
        elif self.problems:
            lines.append(
                "\nEvery node's local derivatives agree with its forward rule, so the error is in "
                "how they are combined: the chain rule, the accumulation of gradients, or the "
                "order of the backward pass."
            )
        lines.append(f"\nReproduce: {self.reproduce}")
        return "\n".join(lines)


class GradCheckError(AssertionError):
    """The engine's derivatives disagree with finite differences; ``.result`` has the details."""

    def __init__(self, result: GradCheckResult) -> None:
        self.result = result
        super().__init__(result.report())


class NondifferentiablePoint(GradCheckError):  # noqa: N818 - the name the issue asks for
    """The point sits on a kink (relu, abs, leaky_relu at 0): no derivative to check there."""


# ---------------------------------------------------------------------------------------------
# Independent forward evaluation
# ---------------------------------------------------------------------------------------------


class _Plain(float):
    """A float whose arithmetic and functions come from Python and :mod:`math` alone.

    Evaluating ``f`` on these gives its value without the rule table, so a wrong forward rule is
    caught (finite differences would agree with it).
    """

    def exp(self) -> _Plain:
        return _Plain(math.exp(self))

    def log(self) -> _Plain:
        return _Plain(math.log(self))

    def sqrt(self) -> _Plain:
        return _Plain(math.sqrt(self))

    def tanh(self) -> _Plain:
        return _Plain(math.tanh(self))

    def sigmoid(self) -> _Plain:
        return _Plain(0.5 * (1.0 + math.tanh(0.5 * self)))  # σ(x) = (1 + tanh(x/2)) / 2

    def relu(self) -> _Plain:
        return _Plain(max(float(self), 0.0))

    def leaky_relu(self, slope: float = 0.01) -> _Plain:
        return _Plain(self if self > 0 else slope * self)

    def silu(self) -> _Plain:
        return _Plain(self * self.sigmoid())

    swish = silu

    def softplus(self) -> _Plain:
        return _Plain(math.log1p(math.exp(self)) if self < 30 else self + math.exp(-self))

    def sin(self) -> _Plain:
        return _Plain(math.sin(self))

    def cos(self) -> _Plain:
        return _Plain(math.cos(self))

    def abs(self) -> _Plain:
        return _Plain(abs(float(self)))


def _plain_method(name: str) -> Callable[..., Any]:
    method = getattr(float, name)

    def wrapped(self: float, *args: Any) -> Any:
        result = method(float(self), *args)
        return result if result is NotImplemented else _Plain(result)

    wrapped.__name__ = name
    return wrapped


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__pos__",
              "__abs__"):  # fmt: skip
    setattr(_Plain, _name, _plain_method(_name))


def _plain_value(f: Callable[..., Any], xs: Sequence[float]) -> float | str:
    """f evaluated on plain floats, or why that was not possible."""
    try:
        result = f(*(_Plain(x) for x in xs))
        return _scalar(result)
    except Exception as error:  # any failure only means this check is skipped
        return f"{type(error).__name__}: {error}"


# ---------------------------------------------------------------------------------------------
# Kinks: which branch each kinked op took
# ---------------------------------------------------------------------------------------------


def _side(x: float, kink: float) -> int:
    return (x > kink) - (x < kink)


def _branches(out: Value) -> list[tuple[Value, int]]:
    """For every node of a kinked op (relu, abs, leaky_relu), the side of the kink it was on."""
    sides = []
    for node in topological_order(out):
        rule = RULES.get(node.op)
        if rule is not None and rule.kinks:
            sides.append((node, _side(node.parents[0].data, rule.kinks[0])))
    return sides


def _kink_between(base: list[tuple[Value, int]], *others: Graph) -> str | None:
    """A description of the first kinked op whose branch differs between the evaluations."""
    for _, other in others:
        sides = _branches(other)
        if len(sides) != len(base):
            return "a change in the graph's shape (control flow that depends on the values)"
        for (node, side), (_, other_side) in zip(base, sides, strict=True):
            if side != other_side:
                where = f" node {node.label!r}" if node.label else ""
                return (
                    f"the kink of {node.op}{where} at {RULES[node.op].kinks[0]:g} "
                    f"(its input is {node.parents[0].data!r})"
                )
    return None


# ---------------------------------------------------------------------------------------------
# Node-level checks: find the op whose local derivative is wrong
# ---------------------------------------------------------------------------------------------


def _agrees(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)


def _node_suspects(out: Value, order: int, atol: float, rtol: float) -> list[str]:
    """Nodes whose local derivatives (order 1), or their derivatives (order 2), disagree with
    central differences of the op's own rule at the node's recorded inputs."""
    suspects = []
    for node in topological_order(out):
        rule = RULES.get(node.op)
        ins = [p.data for p in node.parents]
        if rule is None or any(_side(x, k) == 0 for x in ins for k in rule.kinks):
            continue  # a leaf, or a kink: no derivative to compare
        try:
            wrong = _first_wrong_claim(node, rule, ins, order, atol, rtol)
        except ArithmeticError:
            continue  # near a domain boundary the rule cannot be probed on both sides
        if wrong is not None:
            suspects.append(wrong)
    return suspects


def _first_wrong_claim(
    node: Value, rule: Rule, ins: list[float], order: int, atol: float, rtol: float
) -> str | None:
    def at(values: list[float]) -> Value:
        return _apply(rule, tuple(Value(v) for v in values), node.op_args)

    # What the rule claims: (a name, a function of the op's inputs, its claimed partials).
    claims: list[tuple[str, Callable[[list[float]], float], list[float]]]
    if order == 1:
        claims = [(node.op, lambda v: at(v).data, list(local_derivatives(node)))]
    else:
        fresh = at(ins)
        firsts = [_as_value(d) for d in _local(fresh, differentiable=True)]
        claims = []
        for k, first in enumerate(firsts):

            def local_k(v: list[float], k: int = k) -> float:
                return local_derivatives(at(v))[k]

            claimed = [g.data for g in gradients(first, list(fresh.parents))]
            claims.append((f"∂{node.op}/∂{_input_name(rule, k)}", local_k, claimed))
    for what, function, claimed in claims:
        for j in range(len(ins)):
            estimates = _sweep(function, ins, j)
            if not any(_agrees(claimed[j], e, atol, rtol) for e in estimates):
                label = f" (node {node.label!r})" if node.label else ""
                return (
                    f"{node.op}{label} at {_describe_inputs(rule, ins, node.op_args)}: "
                    f"∂({what})/∂{_input_name(rule, j)} is {claimed[j]!r} by the rule "
                    f"but ≈ {estimates[1]!r} by finite differences of its forward"
                )
    return None


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _input_name(rule: Rule, i: int) -> str:
    return f"{rule.inputs[0]}[{i}]" if rule.variadic else rule.inputs[i]


def _describe_inputs(rule: Rule, ins: list[float], args: tuple[float, ...]) -> str:
    parts = [f"{_input_name(rule, i)} = {x!r}" for i, x in enumerate(ins)]
    parts += [f"{name} = {value!r}" for name, value in zip(rule.params, args, strict=True)]
    return ", ".join(parts)


def _sweep(function: Callable[[list[float]], float], xs: list[float], j: int) -> list[float]:
    """Central-difference estimates of ∂function/∂xⱼ over the default steps."""
    estimates = []
    for h in _steps(xs[j], DEFAULT_STEPS).values():
        up, down = _shifted(xs, j, h)
        estimates.append((function(up) - function(down)) / (up[j] - down[j]))
    return estimates


# ---------------------------------------------------------------------------------------------
# check_grad
# ---------------------------------------------------------------------------------------------


def _steps(x: float, steps: Sequence[float]) -> dict[str, float]:
    """The sweep at x: each step absolute, and relative to |x| when that differs."""
    sweep = {f"h={h:g}": h for h in steps}
    if abs(x) > 0 and abs(x) != 1:
        sweep.update({f"h={h:g}·|x|": h * abs(x) for h in steps})
    return sweep


def _source_of(f: Callable[..., Any]) -> str:
    """Python source for f: its ``source`` attribute (drawn expressions have one), the text of a
    lambda, or its import path."""
    source = getattr(f, "source", None)
    if isinstance(source, str):
        return source
    if getattr(f, "__name__", "") == "<lambda>":
        with contextlib.suppress(OSError, TypeError):
            text = inspect.getsource(f)
            start = text.find("lambda")
            # The longest prefix from `lambda` that parses as a lambda on its own: drops the rest
            # of the line, such as the ", [1.0])" of the call it was written in.
            for end in range(len(text), start, -1):
                with contextlib.suppress(SyntaxError):
                    tree = ast.parse(text[start:end].strip(), mode="eval")
                    if isinstance(tree.body, ast.Lambda):
                        return " ".join(text[start:end].split())
    module = getattr(f, "__module__", None)
    qualname = getattr(f, "__qualname__", repr(f))
    return f"{module}.{qualname}" if module else qualname


def _reproduce(f: Callable[..., Any], xs: Sequence[float], order: int) -> str:
    source = _source_of(f)
    order_arg = ", order=2" if order == 2 else ""
    if source.startswith("def "):
        name = source.split("(")[0][4:]
        source_line = source.replace("\n", "\\n")
        return f"exec({source_line!r}); check_grad({name}, {list(xs)!r}{order_arg})"
    return f"check_grad({source}, {list(xs)!r}{order_arg})"


def _gradient(f: Callable[..., Any], xs: Sequence[float], seed: float = 1.0) -> list[float]:
    """The analytic gradient, by backward() on a fresh graph."""
    inputs, out = _call(f, xs)
    out.backward(seed)
    return [x.grad for x in inputs]


def _grad_of(graph: Graph) -> list[float]:
    inputs, out = graph
    return [g.data for g in gradients(out, inputs)]


def _hessian(f: Callable[..., Any], xs: Sequence[float]) -> list[list[float]]:
    inputs, out = _call(f, xs)
    return [_grad_of((inputs, first)) for first in gradients(out, inputs, create_graph=True)]


def check_grad(
    f: Callable[..., Any],
    xs: Sequence[float],
    *,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
    steps: Sequence[float] = DEFAULT_STEPS,
    raise_on_failure: bool = True,
) -> GradCheckResult:
    """Check the engine's derivatives of ``f`` at ``xs`` against central finite differences.

    ``f`` takes Values (one per entry of ``xs``) and returns a Value. A derivative passes when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|`` for at least one step of the sweep (each of
    ``steps`` absolute and relative to |x|), so no single step size has to suit every magnitude.
    Also checked: the value equals ``f`` evaluated on plain floats (when ``f`` runs on floats), a
    second backward pass on a fresh graph gives the same gradients, and seeding backward with
    an upstream gradient c scales every gradient by c. ``order=2`` also checks the Hessian
    against finite differences of the gradient.

    Raises :class:`GradCheckError` (an AssertionError) with a report on failure, or
    :class:`NondifferentiablePoint` when every step crosses a kink (relu, abs, leaky_relu at
    0). With ``raise_on_failure=False`` it returns the :class:`GradCheckResult` instead.

    >>> check_grad(lambda x: x.log(), [1e7]).ok
    True
    >>> check_grad(lambda x: x.relu(), [0.0])   # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    autograd_lite.testing.gradcheck.NondifferentiablePoint: check_grad NONDIFFERENTIABLE POINT: ...
    """
    if order not in (1, 2):
        raise ValueError(f"check_grad: order must be 1 or 2, got {order!r}")
    if not xs:
        raise ValueError("check_grad: give at least one input")
    if atol < 0 or rtol < 0:
        raise ValueError(f"check_grad: tolerances must be >= 0, got atol={atol}, rtol={rtol}")
    xs = [float(Value(x).data) for x in xs]

    graph = _call(f, xs)
    out = graph[1]
    value = out.data
    problems: list[str] = []

    plain = _plain_value(f, xs)
    if isinstance(plain, float) and not _agrees(value, plain, 1e-9, 1e-9):
        problems.append(
            f"forward value {value!r} differs from f evaluated on plain floats ({plain!r}): "
            "a forward rule is wrong"
        )

    analytic = _gradient(f, xs)
    repeat = _gradient(f, xs)
    if repeat != analytic:
        problems.append(
            f"a second backward pass on a fresh graph gave {repeat!r} instead of {analytic!r}"
        )
    seeded = _gradient(f, xs, seed=_SEED)
    expected = [_SEED * g for g in analytic]
    if not all(_agrees(s, e, 1e-300, 1e-12) for s, e in zip(seeded, expected, strict=True)):
        problems.append(
            f"backward(seed={_SEED}) gave {seeded!r}, not {_SEED} × the gradient {expected!r}: "
            "the upstream gradient is not propagated"
        )

    base = _branches(out)
    sweep = (f, base, steps, atol, rtol)
    rows = [_compare((i,), xs, analytic[i], _output, *sweep) for i in range(len(xs))]
    if order == 2:
        hess = _hessian(f, xs)
        for i, j in itertools.product(range(len(xs)), repeat=2):
            rows.append(_compare((i, j), xs, hess[i][j], functools.partial(_partial, i), *sweep))

    kink = None
    for row in rows:
        if not row.numeric:
            problems.append(
                f"{row.name}: no step of the sweep {list(steps)} resolves x{row.index[-1]}"
            )
            continue
        if all(estimate is None for estimate in row.numeric.values()):
            kink = (
                f"{row.name} cannot be checked at this point: every step crosses "
                f"{next(iter(row.kinks.values()))}. The function has no derivative here; "
                "move the point away from it."
            )
            break
        if not row.passed:
            problems.append(
                f"{row.name}: analytic {row.analytic!r} disagrees with every finite-difference "
                "estimate"
            )

    suspects = []
    if problems:
        suspects = _node_suspects(out, 1, atol, rtol)
        if order == 2 and not suspects:
            suspects = _node_suspects(out, 2, atol, rtol)

    result = GradCheckResult(
        inputs=list(xs),
        value=value,
        order=order,
        rows=rows,
        problems=problems,
        suspects=suspects,
        kink=kink,
        reproduce=_reproduce(f, xs, order),
        atol=atol,
        rtol=rtol,
    )
    if raise_on_failure and kink is not None and not problems:
        raise NondifferentiablePoint(result)
    if raise_on_failure and not result.ok:
        raise GradCheckError(result)
    return result


def _output(graph: Graph) -> float:
    return graph[1].data


def _partial(i: int, graph: Graph) -> float:
    return _grad_of(graph)[i]


def _compare(
    index: tuple[int, ...],
    xs: list[float],
    analytic: float,
    read: Callable[[Graph], float],
    f: Callable[..., Any],
    base: list[tuple[Value, int]],
    steps: Sequence[float],
    atol: float,
    rtol: float,
) -> Row:
    """Compare one analytic derivative with central differences over the sweep along xs[j] of
    ``read`` (the value, or one partial derivative) of f's graph."""
    j = index[-1]
    row = Row(index=index, x=xs[j], analytic=analytic, numeric={}, rounding={}, kinks={})
    best = math.inf
    for label, h in _steps(xs[j], steps).items():
        up, down = _shifted(xs, j, h)
        if up[j] == down[j]:
            continue  # the step is below the resolution of floats at x
        try:
            g_up, g_down = _call(f, up), _call(f, down)
        except DomainError as error:
            row.numeric[label] = None
            row.kinks[label] = f"the edge of the domain of {error.op}"
            continue
        straddled = _kink_between(base, g_up, g_down)
        if straddled is not None:
            row.numeric[label] = None
            row.kinks[label] = straddled
            continue
        f_up, f_down = read(g_up), read(g_down)
        estimate = (f_up - f_down) / (up[j] - down[j])
        row.numeric[label] = estimate
        row.rounding[label] = 2.2e-16 * (abs(f_up) + abs(f_down)) / (up[j] - down[j])
        miss = abs(analytic - estimate)
        tolerance = atol + rtol * abs(estimate)
        if miss <= tolerance:
            row.passed = True
        if miss - tolerance < best:
            best = miss - tolerance
            row.best_step, row.tolerance = label, tolerance
    return row


@contextlib.contextmanager
def override_rule(
    name: str,
    *,
    forward: Callable[..., float] | None = None,
    local: Callable[..., tuple[Any, ...]] | None = None,
) -> Iterator[None]:
    """Temporarily replace an op's forward function or local derivatives in the rule table.

    For negative controls and lessons: swap in a deliberately wrong derivative and watch
    :func:`check_grad` catch it. Graphs built inside the block use the replacement.

    >>> with override_rule("mul", local=lambda m, out, a, b: (a, b)):   # wrong: should be (b, a)
    ...     check_grad(lambda x, y: x * y, [2.0, 3.0], raise_on_failure=False).ok
    False
    """
    if name not in RULES:
        raise KeyError(f"override_rule: no op named {name!r}; the ops are {sorted(RULES)}")
    rule = RULES[name]
    saved = (rule.forward, rule.local)
    # Rules are frozen so nothing changes them by accident; this is the one deliberate change,
    # made in place so that the engine (which keeps references to the rule) sees it too.
    if forward is not None:
        object.__setattr__(rule, "forward", forward)
    if local is not None:
        object.__setattr__(rule, "local", local)
    try:
        yield
    finally:
        object.__setattr__(rule, "forward", saved[0])
        object.__setattr__(rule, "local", saved[1])
