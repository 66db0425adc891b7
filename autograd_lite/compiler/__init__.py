"""Compile a recorded graph to straight-line Python: the backward pass, read as a program.

:func:`compile` traces a function once on Values and writes its graph as Python: one line per
node forward, one line per edge backward, each backward line commented with the rule it applies.
The code comes from the rule table itself: every rule's ``forward`` and ``local`` are called with
operands that build source text (:mod:`autograd_lite.compiler.text`), beside the floats of the
fast backward pass and the Values of higher derivatives.

>>> from autograd_lite import compile
>>> f = compile(lambda x: (x**2 + 1) ** 3, [2.0])
>>> f(2.0), f.value_and_grad(2.0)
(125.0, (125.0, [300.0]))
>>> print(f.source)   # doctest: +NORMALIZE_WHITESPACE
def value_and_grad(v0_x):
    # the forward pass: one line per node
    v1 = pow(v0_x, 2.0)                       # x²
    v3 = v1 + 1.0                             # x² + 1
    v4 = pow(v3, 3.0)                         # (x² + 1)³
    # the backward pass: one line per edge, ∂out/∂operand += local derivative · ∂out/∂node
    g4 = 1.0                                  # the seed: ∂out/∂out
    g3 = 3.0 * v3 ** 2.0 * g4                 # ∂(xᶜ)/∂x = c·xᶜ⁻¹
    g1 = g3                                   # ∂(a + b)/∂a = 1
    g0_x = 2.0 * v0_x ** 1.0 * g1             # ∂(xᶜ)/∂x = c·xᶜ⁻¹
    _finite = _sum((v1, v3, v4, g0_x,))       # inf or nan if a step overflowed: ask the engine
    return v4, [g0_x], _finite

Compiled code stands for *one* graph. If ``f``'s Python code takes different paths for different
inputs (``if x.data > 0: ...``), the compiled function would silently compute the other path;
so it re-traces ``f`` on some calls and raises :class:`~autograd_lite.errors.GraphChangedError`
when the graph differs (``check=True`` re-traces every call).
"""

from __future__ import annotations

import builtins
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value, gradients
from ..errors import GraphChangedError
from .program import (
    Program,
    Trace,
    _line,
    _walk,
    backward_text,
    describe_change,
    due,
    finite_check,
    first_trace,
    trace,
)
from .text import Text

__all__ = ["CompiledFunction", "GraphChangedError", "compile"]

DEFAULT_CHECK = 64
"""By default a compiled function re-traces calls 1, 2, 4, … 32 and then every 64th."""


class _RefusedError(ArithmeticError):
    """Raised by ``_fail()`` in generated code, where a rule refuses its inputs: the compiled
    function then asks the engine, which raises the rule's own error naming the op."""


def _fail() -> float:
    raise _RefusedError("a rule refused its inputs")


def runtime_namespace(program: Program) -> dict[str, Any]:
    """What generated code may call: the rule table's functions, and a few helpers."""
    namespace: dict[str, Any] = {"__builtins__": builtins}
    namespace.update(program.namespace.functions)
    namespace.update(_live=tuple(program.trace.live), _fail=_fail, _sum=builtins.sum)
    return namespace


def build(source: str, namespace: dict[str, Any], name: str) -> Callable[..., Any]:
    """Compile generated ``source`` (the builtin ``compile``: this package's own ``compile``
    shadows the name) and return the function it defines."""
    code = builtins.compile(source, f"<autograd_lite.compile: {name}>", "exec")
    exec(code, namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def node_names(trace: Trace) -> list[str]:
    """Each node's name for comments: its label, or the subexpression that made it."""
    from ..viz.style import node_names as names_of  # the pictures' naming, shared

    everything = _walk(trace.outputs, lambda _: False)
    named = dict(zip(map(id, everything), names_of(everything), strict=True))
    return [named[id(n)] for n in trace.order]


def _check_option(check: object, who: str) -> bool | int:
    if isinstance(check, bool) or (isinstance(check, int) and check >= 1):
        return check
    raise ValueError(f"{who}: check must be True, False or an int >= 1, got {check!r}")


def _labels(f: Callable[..., Any], n: int) -> list[str]:
    """The inputs' labels: the parameter names of ``f`` when it has one per input."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(positional) == n and len(parameters) == n:
        return positional
    return [f"x{i}" for i in range(n)]


class CompiledFunction:
    """A function of plain numbers, compiled from the graph its Python function records.

    Made by :func:`compile`. Call it for the value, or :meth:`value_and_grad` for the value
    and the partial derivatives; :attr:`source` is the Python it runs.

    Attributes:
        source: the generated ``value_and_grad`` function, as Python source.
        calls: how many times it was called; checks: how many calls were re-traced;
            fallbacks: how many calls the engine answered (a rule refused, or a step
            overflowed: the engine then raises its own error, or gives its result).
    """

    def __init__(self, f: Callable[..., Any], traced: Trace, labels: list[str], check: bool | int):
        if not traced.single:
            raise TypeError(
                "compile: the function must return one Value (a scalar to differentiate), "
                f"got a list of {len(traced.outputs)}"
            )
        self._f = f
        self._trace = traced
        self._labels = labels
        self._shape = traced.fingerprint()
        self.check = check
        self.calls = self.checks = self.fallbacks = 0
        program = Program(traced, traced.inputs, node_names(traced))
        backward = backward_text(program.backward([Text("1.0")], accumulate=False))
        grads = [program.grad_of(program.by_id[id(v)]) if id(v) in program.by_id else "0.0"
                 for v in traced.inputs]  # fmt: skip
        computed = program.computed()
        (output,) = program.output_texts()
        arguments = ", ".join(program.inputs())
        forward = program.forward_lines
        self.source = "\n".join(
            [
                f"def value_and_grad({arguments}):",
                *program.live_reads(forward + backward),
                "    # the forward pass: one line per node",
                *forward,
                "    # the backward pass: one line per edge, "
                "∂out/∂operand += local derivative · ∂out/∂node",
                *backward,
                _line(
                    finite_check(computed + [g for g in grads if g != "0.0"]),
                    "inf or nan if a step overflowed: ask the engine",
                ),
                f"    return {output}, [{', '.join(grads)}], _finite",
                "",
            ]
        )
        self.forward_source = "\n".join(
            [
                f"def value({arguments}):",
                *program.live_reads(forward),
                *forward,
                f"    {finite_check(computed)}",
                f"    return {output}, _finite",
                "",
            ]
        )
        namespace = runtime_namespace(program)
        self._value_and_grad = build(self.source, namespace, "value_and_grad")
        self._value = build(self.forward_source, namespace, "value")
        self.n_inputs = len(traced.inputs)
        self.n_nodes = len(traced.order)

    def __repr__(self) -> str:
        name = getattr(self._f, "__name__", type(self._f).__name__)
        if self.check is True:
            when = "every call"
        elif self.check is False:
            when = "never"
        else:
            when = f"on calls 1, 2, 4, … and every {self.check}th"
        return (
            f"CompiledFunction({name}, {self.n_inputs} inputs, {self.n_nodes} nodes, "
            f"re-traced {when})"
        )

    # -- calling --------------------------------------------------------------------------------

    def _numbers(self, xs: Sequence[object]) -> list[float]:
        if len(xs) != self.n_inputs:
            raise TypeError(f"this compiled function takes {self.n_inputs} inputs, got {len(xs)}")
        return [
            x if type(x) is float and math.isfinite(x) else Value(x, label=label).data  # type: ignore[arg-type]
            for x, label in zip(xs, self._labels, strict=True)
        ]

    def _guard(self, xs: list[float]) -> None:
        self.calls += 1
        if not due(self.calls, self.check):
            return
        self.checks += 1
        now = trace(self._f, xs, self._labels, "compiled function", live=self._trace.live)
        if now.fingerprint(self._trace.live) != self._shape:
            raise GraphChangedError(
                f"the compiled function's graph changed on call {self.calls}, at {xs!r} "
                f"({describe_change(self._trace, now)}). It was compiled from the graph f "
                "recorded at the example inputs and stands for that graph only: f's Python "
                "code takes another path here (if x.data > 0: ..., or numbers computed from "
                "x.data). Use the engine for this function, or compile one function per path"
            )

    def _engine(self, xs: list[float], with_grad: bool) -> tuple[float, list[float]]:
        self.fallbacks += 1
        traced = trace(self._f, xs, self._labels, "compiled function")
        (out,) = traced.outputs
        if not with_grad:
            return out.data, []
        return out.data, [g.data for g in gradients(out, traced.inputs)]

    def __call__(self, *xs: float) -> float:
        """f at ``xs``: the compiled forward pass, on plain numbers."""
        numbers = self._numbers(xs)
        self._guard(numbers)
        try:
            value, finite = self._value(*numbers)
        except (ArithmeticError, ValueError):  # ValueError: fsum of inf − inf
            return self._engine(numbers, with_grad=False)[0]
        if not math.isfinite(finite):
            return self._engine(numbers, with_grad=False)[0]
        return float(value)

    def value_and_grad(self, *xs: float) -> tuple[float, list[float]]:
        """``(f(*xs), [∂f/∂x₀, ∂f/∂x₁, …])``, by the compiled forward and backward passes."""
        numbers = self._numbers(xs)
        self._guard(numbers)
        try:
            value, grads, finite = self._value_and_grad(*numbers)
        except (ArithmeticError, ValueError):  # ValueError: fsum of inf − inf
            return self._engine(numbers, with_grad=True)
        if not math.isfinite(finite):
            return self._engine(numbers, with_grad=True)
        return float(value), [float(g) for g in grads]


def compile(
    f: Callable[..., Value], example_inputs: Sequence[float], *, check: bool | int = DEFAULT_CHECK
) -> CompiledFunction:
    """Trace ``f`` on Values made from ``example_inputs`` and compile its graph to Python.

    Args:
        f: a function of Values returning one Value, as for :func:`autograd_lite.grad`.
            Values it takes from outside (not its arguments) are read afresh at every call and
            treated as constants: they get no gradient.
        example_inputs: numbers to trace ``f`` at; the compiled function takes as many.
        check: re-trace ``f`` on the calls numbered 1, 2, 4, … below ``check`` and on every
            ``check``-th call, and raise GraphChangedError if the graph differs; ``True``
            re-traces every call, ``False`` never.

    The rule: compiled code is right only for inputs where ``f`` records the graph it recorded
    at ``example_inputs``. Ops with kinks (relu, abs) are fine: they are one op whatever the
    sign. Python ``if``\\s on ``x.data`` and numbers computed from ``x.data`` are not: ``f`` is
    traced a second time at slightly moved inputs, and checked again on later calls, so most
    such functions are refused with GraphChangedError rather than answered wrongly.

    Where a rule refuses its inputs (``log`` of a negative number) or a step overflows, the
    call is answered by the engine, which raises its own DomainError naming the op.

    >>> f = compile(lambda x, y: (x * y).tanh(), [0.5, -1.0])
    >>> f.value_and_grad(0.5, -1.0) == __import__("autograd_lite").value_and_grad(
    ...     lambda x, y: (x * y).tanh())(0.5, -1.0)
    True
    """
    if not callable(f):
        raise TypeError(f"compile: f must be a function of Values, got {type(f).__name__}")
    if isinstance(example_inputs, (str, bytes)) or not isinstance(example_inputs, Sequence):
        raise TypeError(
            "compile: example_inputs must be a list of numbers, one per argument of f, got "
            f"{type(example_inputs).__name__}"
        )
    check = _check_option(check, "compile")
    labels = _labels(f, len(example_inputs))
    numbers = [Value(x, label=label).data for x, label in zip(example_inputs, labels, strict=True)]
    traced = first_trace(f, numbers, labels, "compile")
    return CompiledFunction(f, traced, labels, check)
