"""Hypothesis strategies: leaf floats, inputs inside each op's domain, and random expression DAGs.

Needs Hypothesis (``pip install 'autograd-lite[test]'``). A property test in five lines:

>>> from hypothesis import given, settings
>>> from autograd_lite.testing import check_grad
>>> from autograd_lite.testing.strategies import expressions
>>> @settings(max_examples=20)
... @given(expressions())
... def test_engine_agrees_with_finite_differences(expr):
...     check_grad(expr, expr.inputs)
>>> test_engine_agrees_with_finite_differences()

An expression is a small program: each step applies an op to any earlier nodes, so nodes are
shared (a DAG, not only a tree). Ops are chosen among those whose domain holds, with a margin, for
the operands already drawn, so nothing is filtered away; values stay finite and moderate, and
relu/abs/leaky_relu stay away from their kink. Every expression prints as Python source that
rebuilds it, and calling it runs exactly that source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "autograd_lite.testing.strategies needs Hypothesis: pip install 'autograd-lite[test]' "
        "(or pip install hypothesis)"
    ) from error

from ..engine import Value
from ..extend import registered
from ..facts import MARGIN, WIDE, Interval
from ..ops import ADD, BUILTIN_OPS, RULES, SUMMATION, FloatMath
from .source import written

__all__ = ["BUILTIN_OPS", "Expression", "expressions", "leaves", "op_inputs"]

LIMIT = 1e4
"""Largest magnitude an expression's values may reach."""

STEEPEST = 100.0
"""Largest magnitude of a local derivative an expression's ops may have."""


def _admissible(op: str, xs: Sequence[float], params: Sequence[float]) -> bool:
    """Whether ``op`` at ``xs`` is inside the domain its rule's sampling gives (which keeps a
    margin from the edges), away from its kinks, and gives a finite value and local
    derivatives of moderate size."""
    rule = RULES[op]
    domain = rule.domain(params)
    if domain:
        shared = domain * len(xs) if rule.variadic else domain
        if not all(interval.contains(x) for interval, x in zip(shared, xs, strict=False)):
            return False
    if any(abs(xs[0] - kink) < MARGIN for kink in rule.kinks):
        return False
    try:
        value = rule.forward(*xs, *params)
        if not (math.isfinite(value) and abs(value) <= LIMIT):
            return False
        # Keep derivatives moderate too: a product of steep local derivatives makes f so steep
        # that finite differences of it drown in rounding error at any step size.
        local = rule.local(FloatMath, value, *xs, *params)
    except (ArithmeticError, ValueError):  # DomainError (both), or math.log in a registered op
        return False
    return all(abs(d) <= STEEPEST for d in local)


def leaves(magnitude: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in [−magnitude, magnitude]: the inputs of an expression."""
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False)


def _drawn(interval: Interval) -> st.SearchStrategy[float]:
    """Floats in ``interval`` (magnitudes with either sign, if it says so)."""
    numbers = st.floats(interval.low, interval.high, allow_nan=False, allow_infinity=False)
    if not interval.either_sign:
        return numbers
    return st.tuples(numbers, st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


def op_inputs(op: str) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    """Operands (and constant parameters) for ``op`` where its rule's sampling says to draw
    them: inside its domain with a margin, and where its local derivatives stay moderate
    (within :data:`STEEPEST`, as later steps of an expression require; a test checks that).

    >>> from hypothesis import given
    >>> @given(op_inputs("log"))
    ... def test_log_input_is_positive(case):
    ...     (x,), params = case
    ...     assert x >= MARGIN and params == ()
    >>> test_log_input_is_positive()
    """
    if op not in RULES:
        raise KeyError(f"op_inputs: no op named {op!r}; the ops are {sorted(RULES)}")
    rule = RULES[op]
    if op not in BUILTIN_OPS:
        return _registered_inputs(op)
    sampling = rule.sampling
    each = [_drawn(interval) for interval in sampling.operands or (WIDE,)]
    operands: st.SearchStrategy[tuple[float, ...]]
    if rule.variadic:
        low, high = sampling.count
        per_count = 2 if rule.pairs else 1
        operands = st.integers(low, high).flatmap(
            lambda n: st.tuples(*[each[0]] * (per_count * n + (1 if rule.pairs else 0)))
        )
    else:
        operands = st.tuples(*(each if len(each) == len(rule.inputs) else each * len(rule.inputs)))
    params = st.tuples(*[_drawn(interval) for interval in sampling.params])
    return st.tuples(operands, params)


def _no_params(op: str, who: str) -> None:
    rule = RULES[op]
    if rule.params:
        raise ValueError(
            f"{who}: the registered op {op!r} has params ({', '.join(rule.params)}), which the "
            "strategies cannot choose for you; register a version with the parameter fixed "
            "(a closure over it), or test it with check_rule(params=...)"
        )


def _registered_inputs(op: str) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    """Operands for an op added with register(): its domain is not known in advance, so draw
    moderate floats and keep those where the op is admissible (its forward succeeds, with a
    value and local derivatives of moderate size, away from its kinks)."""
    _no_params(op, "op_inputs")
    rule = RULES[op]
    sizes = st.integers(1, 3) if rule.variadic else st.just(len(rule.inputs))
    operands = sizes.flatmap(lambda n: st.tuples(*[leaves(10.0)] * n))
    return st.tuples(operands.filter(lambda xs: _admissible(op, xs, ())), st.just(()))


@dataclass(frozen=True)
class Step:
    """One line of an expression's program: ``v<k> = op(operands..., params...)``."""

    op: str
    operands: tuple[int, ...]
    params: tuple[float, ...] = ()


@dataclass(frozen=True)
class Expression:
    """A random expression drawn by :func:`expressions`: a program over Values.

    Call it with Values (or floats); ``inputs`` is the point it was drawn at; ``source`` is the
    Python that defines it (``repr`` shows it with the inputs).
    """

    n_inputs: int
    steps: tuple[Step, ...]
    inputs: tuple[float, ...]
    output: int
    _function: Callable[..., Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        namespace: dict[str, Any] = {"Value": Value, **registered()}  # ops written as calls
        # Running the printed source itself guarantees that what a failure prints is what ran.
        exec(compile(self.source, "<autograd_lite expression>", "exec"), namespace)
        object.__setattr__(self, "_function", namespace["f"])

    def _name(self, index: int) -> str:
        return f"x{index}" if index < self.n_inputs else f"v{index}"

    @property
    def source(self) -> str:
        lines = [f"def f({', '.join(self._name(i) for i in range(self.n_inputs))}):"]
        for k, step in enumerate(self.steps, start=self.n_inputs):
            text = written(step.op, [self._name(i) for i in step.operands], step.params)
            lines.append(f"    v{k} = {text}")
        lines.append(f"    return {self._name(self.output)}")
        return "\n".join(lines)

    @property
    def ops(self) -> list[str]:
        return [step.op for step in self.steps]

    def __call__(self, *xs: Any) -> Any:
        if len(xs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(xs)}")
        return self._function(*xs)

    def __repr__(self) -> str:
        return f"{self.source}\n# at {list(self.inputs)!r}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # noqa: ARG002
        # Hypothesis prints falsifying examples with this hook: show the source, not the fields.
        printer.text(repr(self))


@st.composite
def expressions(
    draw: st.DrawFn,
    *,
    n_inputs: int | tuple[int, int] = (1, 3),
    max_steps: int = 6,
    ops: Sequence[str] | None = None,
    require: str | None = None,
) -> Expression:
    """Random expression DAGs with the point to evaluate them at.

    Args:
        n_inputs: the number of inputs, or a (min, max) range.
        max_steps: the most ops in the program.
        ops: the ops to choose from (default: every built-in op, :data:`BUILTIN_OPS`). The
            nodes that nothing else uses are added up at the end, with ``sum`` if it is among
            them, else with a chain of ``add`` (else only the last is returned).
        require: an op that must appear: the first step applies it to inputs drawn from its
            domain (:func:`op_inputs`).

    Ops added with :func:`~autograd_lite.ops.register` are drawn only when named in ``ops`` or
    ``require`` (``ops=[*BUILTIN_OPS, "cube"]``): registering an op in one test must not change
    what other tests draw, nor what :func:`~autograd_lite.testing.check_engine` asks of another
    engine. Their domain is not declared: they are applied where their forward succeeds with a
    moderate value and moderate local derivatives, away from their kinks. Ops with params
    cannot be drawn (the strategies cannot choose the parameter).
    """
    pool = list(BUILTIN_OPS) if ops is None else list(ops)
    for op in [*pool, *([require] if require else [])]:
        if op not in RULES:
            raise KeyError(f"expressions: no op named {op!r}; the ops are {', '.join(RULES)}")
        if op not in BUILTIN_OPS:
            _no_params(op, "expressions")
    steps: list[Step] = []
    if require is not None:
        operands, params = draw(op_inputs(require), label=f"inputs of {require}")
        values = list(operands)
        n = len(values)
        steps.append(Step(require, tuple(range(n)), params))
        values.append(RULES[require].forward(*operands, *params))
    else:
        low, high = (n_inputs, n_inputs) if isinstance(n_inputs, int) else n_inputs
        n = draw(st.integers(low, high), label="number of inputs")
        values = [draw(leaves(), label=f"x{i}") for i in range(n)]
    for _ in range(draw(st.integers(0 if require else 1, max_steps), label="number of steps")):
        # Operands first (any earlier nodes, so subexpressions are shared), then an op among
        # those admissible for them: no rejection sampling.
        picks = [draw(st.integers(0, len(values) - 1)) for _ in range(draw(st.integers(1, 3)))]
        candidates: dict[str, list[Step]] = {}
        for op in pool:
            rule = RULES[op]
            arity = len(picks) if rule.variadic else len(rule.inputs)
            if rule.pairs:
                arity -= 1 - arity % 2  # pairs and one more: an odd count, at least 3
                if arity < 3:
                    continue
            if arity > len(picks):
                continue
            xs = [values[i] for i in picks[:arity]]
            for params in _param_choices(op):
                if _admissible(op, xs, params):
                    candidates.setdefault(op, []).append(Step(op, tuple(picks[:arity]), params))
        if not candidates:
            continue
        # The op first, then its parameters: each admissible op is equally likely.
        step = draw(st.sampled_from(candidates[draw(st.sampled_from(sorted(candidates)))]))
        steps.append(step)
        values.append(RULES[step.op].forward(*(values[i] for i in step.operands), *step.params))
    # The output uses every node nothing else used, so no step is dead code: one n-ary sum, or
    # a chain of additions when the pool has no sum (another engine's class may have none).
    used = {i for step in steps for i in step.operands}
    sinks = [k for k in range(n, n + len(steps)) if k not in used]
    if len(sinks) > 1 and SUMMATION.name in pool:
        steps.append(Step(SUMMATION.name, tuple(sinks)))
    elif len(sinks) > 1 and ADD.name in pool:
        steps.append(Step(ADD.name, (sinks[0], sinks[1])))
        for sink in sinks[2:]:
            steps.append(Step(ADD.name, (n + len(steps) - 1, sink)))
    output = n + len(steps) - 1 if steps else 0
    inputs = tuple(values[:n])
    return Expression(n_inputs=n, steps=tuple(steps), inputs=inputs, output=output)


def _param_choices(op: str) -> Sequence[tuple[float, ...]]:
    return RULES[op].sampling.choices or [()]
