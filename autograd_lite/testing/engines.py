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

import contextlib
import dataclasses
import math
import random
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..engine import Value, gradients, local_derivatives, type_name
from ..engine.graph import backprop
from ..engine.value import apply_rule, float_local
from ..extend import registered
from ..ops import ADD, BUILTIN_OPS, MUL, POW, RULES, Rule
from .gradcheck import Estimate, GradCheckError, _judge, check_grad
from .plain import plain_value
from .source import _lambda_text, written

__all__ = ["DEFAULT_EXAMPLES", "Engine", "EngineCheckResult", "check_engine"]

DEFAULT_EXAMPLES = 200
"""Random expressions :func:`check_engine` tries by default: a few milliseconds each (most of
it drawing the expression), about a second in all. Each deliberately broken engine of
autograd_lite's tests is caught within the first 60 on every seed tried (most within 10), so
200 leaves a wide margin; Hypothesis's test profiles do not change it. Raise it
(``examples=2000``) for a thorough run before you publish your engine."""

_PROGRAM = "<check_engine program>"

Hook = Callable[..., Any]


# ---------------------------------------------------------------------------------------------
# The adapter
# ---------------------------------------------------------------------------------------------


def _hook_name(hook: Hook, default: str) -> str:
    name = getattr(hook, "__name__", "")
    return name if name.isidentifier() else default


class Engine:
    """How :func:`check_engine` drives another engine's scalar class.

    The defaults fit micrograd-style classes: ``value_class(x)`` makes a leaf, ``.data`` and
    ``.grad`` hold the value and gradient, ``node.backward()`` runs the backward pass,
    arithmetic operators and methods named like ours (``x.tanh()``, ``abs(x)`` or ``x.abs()``)
    apply ops, and ``node.zero_grad()``, when the class has it, resets gradients. Each hook
    replaces one of these:

    Args:
        value_class: the engine's scalar class.
        leaf: makes a leaf from a float (default ``value_class``).
        data, grad: the name of the attribute holding the value (gradient), or a function of a
            node that returns it.
        backward: runs the backward pass from a node (default ``node.backward()``).
        zero_grad: resets the gradients of a node's graph (default ``node.zero_grad()`` if the
            class has it; else the check that a reset really resets is skipped).
        gradients: ``gradients(out, inputs)`` returns ∂out/∂input for each input as nodes of
            the engine that can be differentiated again; needed for ``order=2`` (autograd_lite's
            own Value has it built in).
        ops: op name (a key of :data:`autograd_lite.ops.RULES`) → a function
            ``f(*operands, *params)`` that applies it, for ops that are functions rather than
            methods or operators (``{"exp": my_engine.exp}``).

    >>> Engine(Value).name
    'Value'
    """

    def __init__(
        self,
        value_class: type,
        *,
        leaf: Hook | None = None,
        data: str | Hook = "data",
        grad: str | Hook = "grad",
        backward: Hook | None = None,
        zero_grad: Hook | None = None,
        gradients: Hook | None = None,
        ops: Mapping[str, Hook] | None = None,
    ) -> None:
        if not isinstance(value_class, type):
            raise TypeError(
                f"Engine: value_class must be a class (your engine's scalar type), got "
                f"{type_name(value_class)} {value_class!r}"
            )
        for op in ops or {}:
            if op not in RULES:
                raise KeyError(f"Engine: no op named {op!r}; the ops are {sorted(RULES)}")
        self.value_class = value_class
        self.name = value_class.__name__
        self._leaf, self._data, self._grad = leaf, data, grad
        self._backward, self._zero_grad = backward, zero_grad
        self._gradients = gradients
        if gradients is None and value_class is Value:
            self._gradients = _our_gradients
        self._ops = dict(ops or {})
        self._templates: dict[str, str] = {}

    # -- running the engine -------------------------------------------------------------------

    def leaf(self, x: float) -> Any:
        """A new leaf holding ``x``."""
        return (self._leaf or self.value_class)(x)

    def data(self, node: Any) -> float:
        """The value of ``node``, as a float."""
        raw = getattr(node, self._data) if isinstance(self._data, str) else self._data(node)
        return float(raw)

    def grad(self, node: Any) -> float:
        """The gradient of ``node`` after a backward pass, as a float."""
        raw = getattr(node, self._grad) if isinstance(self._grad, str) else self._grad(node)
        return float(raw)

    def backward(self, node: Any) -> None:
        """Run the backward pass from ``node``."""
        if self._backward is not None:
            self._backward(node)
        else:
            node.backward()

    @property
    def resets(self) -> bool:
        """Whether the engine claims to reset gradients (it has ``zero_grad``)."""
        return self._zero_grad is not None or callable(getattr(self.value_class, "zero_grad", None))

    def zero_grad(self, node: Any) -> None:
        """Reset the gradients of ``node``'s graph."""
        if self._zero_grad is not None:
            self._zero_grad(node)
        else:
            node.zero_grad()

    @property
    def differentiable(self) -> bool:
        """Whether gradients can be differentiated again (``order=2`` is possible)."""
        return self._gradients is not None

    def gradients(self, out: Any, inputs: Sequence[Any]) -> list[Any]:
        """∂out/∂input for each input, as differentiable nodes of the engine."""
        if self._gradients is None:
            raise ValueError(
                f"order=2 needs differentiable gradients: give Engine({self.name}, "
                "gradients=...) a function (out, inputs) -> gradients as your engine's nodes"
            )
        return list(self._gradients(out, inputs))

    # -- writing programs for the engine ------------------------------------------------------

    def namespace(self) -> dict[str, Any]:
        """The names the programs written for this engine use."""
        names: dict[str, Any] = {self.name: self.value_class}
        if self._leaf is not None:
            names[_hook_name(self._leaf, "leaf")] = self._leaf
        for op, hook in self._ops.items():
            names[_hook_name(hook, f"op_{op}")] = hook
        for op, function in registered().items():  # a registered op is written as its call
            names.setdefault(op, function)
        return names

    def leaf_text(self, x: float) -> str:
        """How a program makes a leaf holding ``x``."""
        if self._leaf is None:
            return f"{self.name}({x!r})"
        return f"{_hook_name(self._leaf, 'leaf')}({x!r})"

    def templates(self, op: str) -> list[str]:
        """The ways of writing ``op`` to try (the first that works is kept)."""
        rule = RULES[op]
        if op in self._ops:
            hook = _hook_name(self._ops[op], f"op_{op}")
            if rule.variadic:
                return [f"{hook}({{all}})"]
            args = [f"{{{i}}}" for i in range(len(rule.inputs))]
            args += [f"{{p{i}}}" for i in range(len(rule.params))]
            return [f"{hook}({', '.join(args)})"]
        own = rule.python.template.replace("Value.", f"{self.name}.")
        # The same op as a method, under each of its names (abs(x) is also x.abs()).
        extra = ", ".join(f"{{p{i}}}" for i in range(len(rule.params)))
        methods = [f"{{0}}.{name}({extra})" for name in rule.methods]
        return list(dict.fromkeys([own, *methods]))

    def op_text(self, op: str, names: Sequence[str], params: Sequence[float] = ()) -> str:
        """``op`` applied to the nodes called ``names``, as Python."""
        template = self._templates.get(op) or self.templates(op)[0]
        return written(op, names, params, template)

    def setup_text(self) -> list[str]:
        """Lines that import (or define) what a program uses, for the report."""
        lines = [_import_line(self.value_class, self.name)]
        hooks = [(self._leaf, "leaf")] if self._leaf is not None else []
        hooks += [(hook, f"op_{op}") for op, hook in self._ops.items()]
        for hook, default in hooks:
            assert hook is not None
            lines.append(_import_line(hook, _hook_name(hook, default)))
        used = [op for op in self._templates if op in registered() and op not in self._ops]
        if used:
            lines.append("from autograd_lite.extend import registered")
            lines += [f"{op} = registered()[{op!r}]" for op in used]
        return lines

    def read_text(self, what: str, node: str) -> str:
        """How a program reads the value (``what="data"``) or gradient of ``node``."""
        hook = self._data if what == "data" else self._grad
        if isinstance(hook, str):
            return f"{node}.{hook}"
        return _call_text(hook, node)

    def backward_text(self, node: str) -> str:
        """How a program runs the backward pass from ``node``."""
        if self._backward is None:
            return f"{node}.backward()"
        return _call_text(self._backward, node)


def _our_gradients(out: Value, inputs: Sequence[Value]) -> list[Value]:
    return gradients(out, inputs, create_graph=True)


def _call_text(hook: Hook, argument: str) -> str:
    name = getattr(hook, "__name__", "")
    if name == "<lambda>":
        text = _lambda_text(hook)
        return f"({text})({argument})" if text else f"<a lambda>({argument})"
    return f"{name}({argument})"


def _import_line(thing: Any, name: str) -> str:
    module = getattr(thing, "__module__", None)
    qualname = getattr(thing, "__qualname__", name)
    if getattr(thing, "__name__", "") == "<lambda>":
        text = _lambda_text(thing)
        return f"{name} = {text}" if text else f"# {name}: the lambda you gave Engine"
    if module and module != "__main__" and "<" not in qualname:
        alias = "" if qualname == name else f" as {name}"
        return f"from {module} import {qualname}{alias}"
    return f"# {name}: your {qualname} (define or import it here)"


# ---------------------------------------------------------------------------------------------
# Programs: one expression written for the engine, run, and read
# ---------------------------------------------------------------------------------------------


class _Raised(Exception):  # noqa: N818 - an internal signal, never seen by users
    """The engine raised while running ``statement``."""

    def __init__(self, statement: str, error: BaseException) -> None:
        self.statement, self.error = statement, error
        super().__init__(f"{statement}: {type_name(error)}: {error}")


def _run(engine: Engine, statements: Sequence[str]) -> dict[str, Any]:
    """Run ``statements`` with the engine's names; the namespace afterwards."""
    namespace = engine.namespace()
    code = compile("\n".join(statements), _PROGRAM, "exec")
    try:
        exec(code, namespace)
    except Exception as error:
        lines = [
            f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == _PROGRAM
        ]
        statement = statements[lines[-1] - 1] if lines and lines[-1] else "the program"
        raise _Raised(statement, error) from None
    return namespace


def _read(engine: Engine, what: str, name: str, node: Any) -> float:
    """The value (``what="data"``) or gradient of ``node``, or _Raised naming how it was read."""
    try:
        return engine.data(node) if what == "data" else engine.grad(node)
    except Exception as error:
        raise _Raised(engine.read_text(what, name), error) from None


def _call(what: str, function: Callable[[], Any]) -> Any:
    try:
        return function()
    except Exception as error:
        raise _Raised(what, error) from None


@dataclasses.dataclass
class _Program:
    """An expression written for the engine: ``names[k]`` is node k (inputs first)."""

    names: list[str]
    statements: list[str]
    inputs: list[float]

    @property
    def output(self) -> str:
        return self.names[-1]


def _program(engine: Engine, expr: Any) -> _Program:
    """The expression's steps written with the engine's class. Each step is a new node, so
    the program has one node per step even where the expression returns an input."""
    names = [f"x{i}" for i in range(expr.n_inputs)]
    statements = [
        f"{name} = {engine.leaf_text(x)}" for name, x in zip(names, expr.inputs, strict=True)
    ]
    for k, step in enumerate(expr.steps, start=expr.n_inputs):
        operands = [names[i] for i in step.operands]
        names.append(f"v{k}")
        statements.append(f"v{k} = {engine.op_text(step.op, operands, step.params)}")
    if expr.output != len(names) - 1:  # keep the node the expression returns last
        names.append(names[expr.output])
    return _Program(names, statements, list(expr.inputs))


@dataclasses.dataclass
class _Oracle:
    """autograd_lite's numbers for an expression: node values, ∂out/∂node, and bounds of the
    rounding error of each (Σ|local|·|upstream| over paths)."""

    nodes: list[Value]
    values: list[float]
    grads: list[float]
    scales: list[float]
    value_scale: float
    hessian: list[list[float]]


def _oracle(expr: Any, order: int) -> _Oracle:
    nodes = [Value(x) for x in expr.inputs]
    for step in expr.steps:
        operands = tuple(nodes[i] for i in step.operands)
        nodes.append(apply_rule(RULES[step.op], operands, step.params))
    out = nodes[expr.output]
    order_, grads = backprop(out, 1.0, float_local)
    scale: dict[Value, float] = {out: 1.0}
    for node in reversed(order_):
        for parent, local in zip(node.parents, local_derivatives(node), strict=True):
            scale[parent] = scale.get(parent, 0.0) + abs(local) * scale.get(node, 0.0)
    value_scale = math.fsum(abs(n.data) * scale.get(n, 0.0) for n in order_)
    inputs = nodes[: expr.n_inputs]
    hessian = []
    if order == 2:
        firsts = gradients(out, inputs, create_graph=True)
        hessian = [[g.data for g in gradients(first, inputs)] for first in firsts]
    return _Oracle(
        nodes,
        [n.data for n in nodes],
        [grads.get(n, 0.0) for n in nodes],
        [scale.get(n, 0.0) for n in nodes],
        value_scale,
        hessian,
    )


@dataclasses.dataclass
class _Outcome:
    """What the engine gave for one program."""

    values: list[float]
    grads: list[float | None]  # every node's gradient after backward (None: not readable)
    out_grad: float | None
    hessian: list[list[float]] = dataclasses.field(default_factory=list)
    after_reset: list[float | None] = dataclasses.field(default_factory=list)
    second_pass: list[float] = dataclasses.field(default_factory=list)


def _read_grad(engine: Engine, node: Any) -> float | None:
    with contextlib.suppress(Exception):
        return engine.grad(node)
    return None


def _outcome(engine: Engine, program: _Program, order: int, n_inputs: int) -> _Outcome:
    namespace = _run(engine, program.statements)
    nodes = [namespace[name] for name in program.names]
    out = nodes[-1]
    values = [
        _read(engine, "data", name, node) for name, node in zip(program.names, nodes, strict=True)
    ]
    _call(engine.backward_text(program.output), lambda: engine.backward(out))
    leaves = nodes[:n_inputs]
    for name, leaf in zip(program.names, leaves, strict=False):
        _read(engine, "grad", name, leaf)
    result = _Outcome(values, [_read_grad(engine, n) for n in nodes], _read_grad(engine, out))
    if engine.resets:
        _call(f"{program.output}.zero_grad()", lambda: engine.zero_grad(out))
        result.after_reset = [_read_grad(engine, n) for n in nodes]
        _call(engine.backward_text(program.output), lambda: engine.backward(out))
        result.second_pass = [engine.grad(leaf) for leaf in leaves]
    if order == 2:
        firsts = _call("gradients(out, inputs)", lambda: engine.gradients(out, leaves))
        for first in firsts:
            try:
                row = engine.gradients(first, leaves)
            except Exception as error:
                raise _Raised("gradients(∂out/∂x, inputs)", error) from None
            result.hessian.append([engine.data(g) for g in row])
    return result


# ---------------------------------------------------------------------------------------------
# Verdicts and diagnoses
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Finding:
    """One failed example: what differs, and the numbers for the report."""

    kind: str  # "raised", "value", "gradient", "reset", "hessian"
    message: str
    yours: list[float | None] = dataclasses.field(default_factory=list)


def _close(a: float | None, b: float, atol: float, rtol: float, scale: float = 0.0) -> bool:
    if a is None or not math.isfinite(a):
        return False
    return abs(a - b) <= atol + rtol * max(abs(b), scale)


def _examine(
    engine: Engine, expr: Any, order: int, atol: float, rtol: float
) -> tuple[_Finding | None, _Oracle, _Outcome | None]:
    ours = _oracle(expr, order)
    program = _program(engine, expr)
    try:
        theirs = _outcome(engine, program, order, expr.n_inputs)
    except _Raised as raised:
        return _Finding("raised", f"`{raised.statement}` raised {raised.error!r}"), ours, None
    n = expr.n_inputs
    out_k = expr.output
    if not _close(theirs.values[-1], ours.values[out_k], atol, rtol, ours.value_scale):
        return _Finding("value", "the value differs"), ours, theirs
    leaf_grads = theirs.grads[:n]
    for i in range(n):
        if not _close(leaf_grads[i], ours.grads[i], atol, rtol, ours.scales[i]):
            return _Finding("gradient", "a gradient differs", leaf_grads), ours, theirs
    if engine.resets:
        first = [g for g in leaf_grads if g is not None]
        if any(g not in (None, 0, 0.0) for g in theirs.after_reset) or not all(
            _close(a, b, atol, rtol) for a, b in zip(theirs.second_pass, first, strict=True)
        ):
            finding = _Finding("reset", "zero_grad() does not reset", list(theirs.second_pass))
            return finding, ours, theirs
    for i, row in enumerate(theirs.hessian):
        for j, h in enumerate(row):
            if not _close(h, ours.hessian[i][j], atol, rtol, ours.scales[i] * 10):
                return _Finding("hessian", f"∂²/∂x{i}∂x{j} differs"), ours, theirs
    return None, ours, theirs


def _fd_row_agrees(theirs: float, estimates: list[Estimate]) -> bool:
    return _judge(theirs, [dataclasses.replace(e) for e in estimates], 1e-5, 1e-3) == "agrees"


def _ratio_text(yours: float, expected: float) -> str:
    return f"yours {yours!r}, expected {expected!r}"


def _explain(
    what: str,
    yours: float,
    expected: float,
    sibling: float | None,
    formula: str,
) -> str:
    """How a derivative is wrong, in the words of the classic mistakes."""
    text = f"{what}: {_ratio_text(yours, expected)} ({formula})"

    def same(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-9 + 1e-6 * abs(b)

    if sibling is not None and not same(sibling, expected) and same(yours, sibling):
        return f"{text} — looks like the operands are swapped (that is the other derivative)"
    if expected != 0 and same(yours, -expected):
        return f"{text} — the sign is wrong"
    if yours == 0 and expected != 0:
        return f"{text} — no gradient is passed on to this operand"
    if expected != 0 and yours != 0:
        factor = yours / expected
        return f"{text} — off by a factor of {factor:.4g}: a factor is missing or wrong"
    return text


def _probe_names(rule: Rule, n: int) -> list[str]:
    """Names for the leaves of a probe: the rule's own (``a``, ``b``), as identifiers."""
    return [name.replace("[", "").replace("]", "") for name in rule.input_names(n)]


def _isolated(
    engine: Engine,
    op: str,
    xs: Sequence[float],
    params: Sequence[float],
    same: bool,
    upstream: float,
) -> tuple[list[str], list[float], float]:
    """``op`` alone at ``xs`` on fresh leaves (one leaf for every operand if ``same``), its
    output multiplied by a leaf ``upstream`` (if not 1): the program, the leaves' gradients
    and the output's value."""
    rule = RULES[op]
    names = ["a"] * len(xs) if same else _probe_names(rule, len(xs))
    statements = [
        f"{name} = {engine.leaf_text(x)}" for name, x in dict(zip(names, xs, strict=True)).items()
    ]
    statements.append(f"out = {engine.op_text(op, names, params)}")
    root = "out"
    if upstream != 1:
        statements += [
            f"c = {engine.leaf_text(upstream)}",
            f"z = {engine.op_text(MUL.name, ['out', 'c'])}",
        ]
        root = "z"
    statements.append(engine.backward_text(root))
    namespace = _run(engine, statements[:-1])
    engine.backward(namespace[root])
    grads = [engine.grad(namespace[name]) for name in dict.fromkeys(names)]
    return statements, grads, engine.data(namespace["out"])


def _mul_is_right(engine: Engine) -> bool:
    """Whether the engine's a * b has the right derivatives at a plain point."""
    if MUL.name not in engine._templates:
        return False
    try:
        _, grads, _ = _isolated(engine, MUL.name, (0.7, 1.3), (), False, 1.0)
    except (_Raised, Exception):
        return False
    return _close(grads[0], 1.3, 1e-12, 1e-12) and _close(grads[1], 0.7, 1e-12, 1e-12)


def _op_diagnosis(
    engine: Engine, op: str, xs: Sequence[float], params: Sequence[float]
) -> list[str]:
    """What is wrong with ``op`` on its own at ``xs``, if anything: its value, its derivatives
    on distinct leaves, with an upstream gradient, on one leaf used for every operand."""
    rule = RULES[op]
    ours = apply_rule(rule, tuple(Value(x) for x in xs), tuple(params))
    local = list(local_derivatives(ours))
    names = _probe_names(rule, len(xs))
    shown = written(op, names, params)
    where = ", ".join(f"{n} = {x!r}" for n, x in zip(names, xs, strict=True))
    try:
        _, grads, value = _isolated(engine, op, xs, params, same=False, upstream=1.0)
    except (_Raised, Exception) as error:
        return [f"{shown} at {where} raises {error}"]
    if not _close(value, ours.data, 1e-9, 1e-9):
        return [
            f"the value of {shown} at {where}: {_ratio_text(value, ours.data)} ({rule.formula})"
        ]
    found = []
    for j, (g, e) in enumerate(zip(grads, local, strict=True)):
        if not _close(g, e, 1e-9, 1e-7):
            sibling = local[1 - j] if len(local) == 2 else None
            what = f"∂({shown})/∂{names[j]} at {where}"
            found.append(_explain(what, g, e, sibling, rule.derivative))
    if found:
        return found
    if _mul_is_right(engine):  # the probe multiplies the output by 3
        with contextlib.suppress(_Raised, Exception):
            _, grads, _ = _isolated(engine, op, xs, params, same=False, upstream=3.0)
            if not all(_close(g, 3 * e, 1e-9, 1e-7) for g, e in zip(grads, local, strict=True)):
                return [
                    f"({shown}) * 3 at {where} gives ∂/∂{names[0]} = {grads[0]!r}, expected "
                    f"3 × {local[0]!r}: the backward of {op} ignores the gradient that reaches "
                    "its output (multiply the local derivative by out.grad)"
                ]
    if len(xs) >= 2 and not rule.variadic:
        with contextlib.suppress(_Raised, Exception):
            point = [xs[0]] * len(xs)
            twice = apply_rule(rule, tuple([Value(xs[0])] * len(xs)), tuple(params))
            expected = math.fsum(local_derivatives(twice))
            _, (g,), _ = _isolated(engine, op, point, params, same=True, upstream=1.0)
            if not _close(g, expected, 1e-9, 1e-7):
                text = written(op, ["a"] * len(xs), params)
                return [
                    f"{text} gives ∂/∂a = {g!r}, expected {expected!r} at a = {xs[0]!r}: "
                    "gradients are assigned (=), not accumulated (+=)"
                ]
    return []


def _passes_nothing(engine: Engine, op: str) -> bool:
    """Whether ``op`` alone, at a point where its derivatives are not 0, passes no gradient."""
    rule = RULES[op]
    xs = _PROBE_POINT[rule.operand_count()]
    try:
        _, grads, _ = _isolated(engine, op, xs, _probe_params(rule), False, 1.0)
    except (_Raised, Exception):
        return False
    return all(g == 0 for g in grads)


def _basic_ops(engine: Engine, wrong: str) -> list[str]:
    """Diagnoses of add and mul at a plain point, when they are wrong too: many engines build
    other ops on them (micrograd's -x is x * -1, a / b is a * b**-1), so they may be the
    cause."""
    found = []
    for rule in (ADD, MUL, POW):
        op = rule.name
        if op != wrong and op in engine._templates:
            point = _PROBE_POINT[len(rule.inputs)]
            problems = _op_diagnosis(engine, op, point, _probe_params(rule))
            found += [f"{op} is wrong too (other ops may be built on it): {p}" for p in problems]
    return found


def _seed_diagnosis(
    engine: Engine, expr: Any, program: _Program, ours: _Oracle, theirs: _Outcome
) -> list[str]:
    """What is wrong with the seed ∂out/∂out = 1 of the backward pass, if anything."""
    out = program.output
    if theirs.out_grad is not None and not _close(theirs.out_grad, 1.0, 1e-12, 1e-12):
        return [
            f"after {out}.backward(), {out}.grad is {theirs.out_grad!r}, expected 1: the "
            f"backward pass must start from the seed ∂{out}/∂{out} = 1"
        ]
    n = expr.n_inputs
    silent = list(engine._templates)  # every op passes a gradient on at the probe points
    if (
        theirs.out_grad == 1
        and all(g == 0 for g in theirs.grads[:n])
        and any(ours.grads[:n])
        and len(silent) >= 2
        and all(_passes_nothing(engine, op) for op in silent[:2])
    ):
        return [
            f"{out}.grad is 1 after backward(), but no gradient reached the inputs: the seed "
            f"∂{out}/∂{out} = 1 must be set before the nodes pass gradients on, not after"
        ]
    return []


_REPEATS = (
    "a node reached twice gets its gradient twice: the topological sort visits shared nodes "
    "more than once (keep a set of visited nodes)"
)
_NOT_TOPOLOGICAL = (
    "part of it never arrived: the backward order misses nodes or is not topological (a node "
    "must pass its gradient on only after every node that uses it has)"
)


def _order_probes(engine: Engine) -> str:
    """Which mechanism fails on three small graphs (x at 0.5; constants are leaves): x used by
    two ops (accumulation), a node s used by two ops on paths of equal length (a sort that
    repeats s passes its gradient on twice), and on paths of unequal length (an order that is
    not topological lets s pass its gradient on before it is complete). "" if none fails or
    add and mul are not both right on their own."""
    if not (ADD.name in engine._templates and _mul_is_right(engine)):
        return ""
    if _op_diagnosis(engine, ADD.name, _PROBE_POINT[2], ()):
        return ""
    k = engine.leaf_text

    def mul(a: str, b: str) -> str:
        return engine.op_text(MUL.name, [a, b])

    def add(a: str, b: str) -> str:
        return engine.op_text(ADD.name, [a, b])

    head = [f"x = {k(0.5)}", f"k2 = {k(2.0)}", f"k3 = {k(3.0)}", f"k5 = {k(5.0)}"]
    graphs = [
        ([f"a = {mul('x', 'k2')}", f"b = {mul('x', 'k3')}", f"out = {add('a', 'b')}"], 5.0, "="),
        (
            [
                f"s = {mul('x', 'k3')}",
                f"a = {mul('s', 'k2')}",
                f"b = {mul('s', 'k5')}",
                f"out = {add('a', 'b')}",
            ],
            21.0,
            _REPEATS,
        ),
        (
            [
                f"s = {mul('x', 'k3')}",
                f"a = {mul('s', 'k2')}",
                f"b = {mul('a', 'k5')}",
                f"out = {add('b', 's')}",
            ],
            33.0,
            _NOT_TOPOLOGICAL,
        ),
    ]
    for body, expected, meaning in graphs:
        try:
            namespace = _run(engine, head + body)
            engine.backward(namespace["out"])
            g = engine.grad(namespace["x"])
        except (_Raised, Exception):
            return ""
        if not _close(g, expected, 1e-12, 1e-12):
            shown = "; ".join(body)
            if meaning == "=":
                meaning = "gradients are assigned (=), not accumulated (+=)"
            return f"{meaning} (in {shown}, x.grad is {g!r}, expected {expected!r})"
    return ""


def _structure_diagnosis(
    engine: Engine,
    expr: Any,
    program: _Program,
    ours: _Oracle,
    theirs: _Outcome,
    atol: float,
    rtol: float,
) -> list[str]:
    """Every op is right alone: find the node closest to the output whose gradient is wrong,
    and compare it with the contributions of its uses."""
    n = expr.n_inputs
    uses: dict[int, list[tuple[int, int]]] = {}
    for k, step in enumerate(expr.steps, start=n):
        for j, i in enumerate(step.operands):
            uses.setdefault(i, []).append((k, j))
    for k in range(len(ours.nodes) - 1, -1, -1):
        g = theirs.grads[k] if k < len(theirs.grads) else None
        if g is None or _close(g, ours.grads[k], atol, rtol, ours.scales[k]):
            continue
        edges = uses.get(k, [])
        contributions = [local_derivatives(ours.nodes[c])[j] * ours.grads[c] for c, j in edges]
        name, expected = program.names[k], ours.grads[k]
        head = f"{name} is used {len(edges)} time{'s' if len(edges) != 1 else ''}"
        shares = ", ".join(f"{c:.6g}" for c in contributions)
        probed = _order_probes(engine)
        if probed:
            return [f"{head}; its gradient is {g!r}, expected {expected!r}: {probed}"]
        if len(edges) >= 2 and any(
            _close(g, c, atol, rtol, abs(expected)) for c in contributions if c
        ):
            return [
                f"{head} (contributions {shares}); its gradient is {g!r}, only one of them, "
                f"expected their sum {expected!r}: gradients are assigned (=), not accumulated "
                "(+=)"
            ]
        if abs(g) > abs(expected):
            return [
                f"{head}; its gradient is {g!r}, expected {expected!r} (contributions {shares}): "
                "a node reached twice gets its gradient twice: the topological sort visits "
                "shared nodes more than once (keep a set of visited nodes)"
            ]
        return [
            f"{head}; its gradient is {g!r}, expected {expected!r} (contributions {shares}): "
            "part of it never arrived: the backward order misses nodes or is not topological "
            "(a node must pass its gradient on only after every node that uses it has)"
        ]
    return [
        "every op is right on its own, so the error is in how they are combined: the seed, the "
        "accumulation of gradients, or the order of the backward pass"
    ]


def _diagnose(
    engine: Engine,
    expr: Any,
    finding: _Finding,
    ours: _Oracle,
    theirs: _Outcome | None,
    atol: float,
    rtol: float,
) -> list[str]:
    program = _program(engine, expr)
    if finding.kind == "raised":
        return [f"your engine raised while running this program: {finding.message}"]
    n = expr.n_inputs
    assert theirs is not None
    if finding.kind == "reset":
        stale = [
            f"{program.names[k]}.grad = {g!r}"
            for k, g in enumerate(theirs.after_reset)
            if g not in (None, 0, 0.0)
        ]
        if stale:
            return [
                f"after {program.output}.zero_grad() some gradients are not 0 ({', '.join(stale)}):"
                " zero_grad must reset every node of the graph, intermediate nodes too"
            ]
        first = [g for g in theirs.grads[:n] if g is not None]
        return [
            f"a second backward pass after zero_grad() gives {theirs.second_pass!r}, the first "
            f"gave {first!r}: state leaks between two backward passes (a topological order, or "
            "a set of visited nodes, kept from the first pass?)"
        ]
    if finding.kind == "value":  # the first node whose value is wrong
        for k, step in enumerate(expr.steps, start=n):
            if not _close(theirs.values[k], ours.values[k], 1e-9, 1e-9, ours.scales[k]):
                operands = [ours.values[i] for i in step.operands]
                found = _op_diagnosis(engine, step.op, operands, step.params)
                line = program.statements[k]
                return found or [
                    f"the value of {line}: {_ratio_text(theirs.values[k], ours.values[k])}"
                ]
    seed = _seed_diagnosis(engine, expr, program, ours, theirs)
    if seed:
        return seed
    seen: set[tuple[str, tuple[float, ...], tuple[float, ...]]] = set()
    for step in expr.steps:
        xs: tuple[float, ...] = tuple(ours.values[i] for i in step.operands)
        key = (step.op, xs, step.params)
        if key in seen:
            continue
        seen.add(key)
        found = _op_diagnosis(engine, step.op, xs, step.params)
        if found:
            return found + _basic_ops(engine, step.op)
    if finding.kind == "hessian":
        return [
            f"{finding.message}, while every first derivative is right: a backward rule "
            "reads numbers (.data) where it must use nodes, so its derivative is lost"
        ]
    return _structure_diagnosis(engine, expr, program, ours, theirs, atol, rtol)


# ---------------------------------------------------------------------------------------------
# Reflected operators: 2 * x, 1 - x, 2 ** x
# ---------------------------------------------------------------------------------------------

_DUNDER = {"+": "radd", "-": "rsub", "*": "rmul", "/": "rtruediv", "**": "rpow"}
"""Python's reflected method of each binary operator (``2 * x`` calls ``x.__rmul__(2)``)."""


def _reflected(engine: Engine, ops: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """None if ``c op x`` and ``x op c`` (c a number) work for every binary operator among
    ``ops``; else (the program, the diagnosis) of the first that does not."""
    x, c = 1.5, 2.0
    operators = {op: rule.python.operator for op, rule in RULES.items() if rule.python.operator}
    for op, symbol in operators.items():
        if symbol not in _DUNDER:
            continue  # a registered notation's operator with no reflected method in Python
        reflected = callable(getattr(engine.value_class, f"__{_DUNDER[symbol]}__", None))
        if not (op in ops or reflected) or op in engine._ops:
            continue
        for left in (False, True):
            text = f"{c!r} {symbol} x" if left else f"x {symbol} {c!r}"
            operands = (Value(c), Value(x)) if left else (Value(x), Value(c))
            ours = apply_rule(RULES[op], operands)
            expected = local_derivatives(ours)[1 if left else 0]
            statements = [
                f"x = {engine.leaf_text(x)}",
                f"out = {text}",
                engine.backward_text("out"),
            ]
            try:
                namespace = _run(engine, statements[:2])
                value = engine.data(namespace["out"])
            except _Raised as raised:
                if not left:
                    break  # numbers as operands are not supported at all: nothing to check
                return statements[:2], [
                    f"{text} raises {type_name(raised.error)}: {raised.error} (x {symbol} {c!r} "
                    f"works): the reflected operator __{_DUNDER[symbol]}__ is missing"
                ]
            swapped = apply_rule(RULES[op], operands[::-1]).data
            if not _close(value, ours.data, 1e-12, 1e-12):
                why = (
                    f": __{_DUNDER[symbol]}__ computes x {symbol} {c!r} instead (the operands are "
                    "swapped)"
                    if left and _close(value, swapped, 1e-12, 1e-12)
                    else ""
                )
                return statements[:2], [
                    f"{text} at x = {x!r} is {value!r}, expected {ours.data!r}{why}"
                ]
            try:
                engine.backward(namespace["out"])
                g = engine.grad(namespace["x"])
            except Exception as error:
                return statements, [f"backward through {text} raises {error!r}"]
            if not _close(g, expected, 1e-9, 1e-7):
                line = f"∂({text})/∂x at x = {x!r}"
                return statements, [_explain(line, g, expected, None, RULES[op].derivative)]
    return None


# ---------------------------------------------------------------------------------------------
# Detecting which ops an engine has
# ---------------------------------------------------------------------------------------------

_PROBE_POINT = {1: (0.7,), 2: (0.7, 1.3), 3: (0.7, 1.3, -0.4), 5: (0.7, 1.3, -0.4, 0.9, 0.2)}


def _probe_params(rule: Rule) -> tuple[float, ...]:
    """The parameters a probe of ``rule`` uses: the first its sampling chooses."""
    choices = rule.sampling.choices
    return choices[0] if choices else ()


def _detect(engine: Engine, op: str) -> str | None:
    """None if the engine can apply ``op`` (remembering how it is written), else why not."""
    rule = RULES[op]
    arity = rule.operand_count()
    xs = _PROBE_POINT[arity]
    names = [f"a{i}" for i in range(arity)]
    reason = "not found"
    for template in engine.templates(op):
        statements = [f"{name} = {engine.leaf_text(x)}" for name, x in zip(names, xs, strict=True)]
        statements.append(f"out = {written(op, names, _probe_params(rule), template)}")
        try:
            out = _run(engine, statements)["out"]
        except _Raised as raised:
            reason = f"{type_name(raised.error)}: {raised.error}"
            continue
        if isinstance(out, engine.value_class):
            engine._templates[op] = template
            return None
        reason = f"gives {type_name(out)}, not a {engine.name}"
    return reason


# ---------------------------------------------------------------------------------------------
# The result and check_engine
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(repr=False)
class EngineCheckResult:
    """The outcome of :func:`check_engine`; ``report()`` (or ``print(result)``) explains it."""

    engine: str  # the class, with its module
    ops: list[str]  # the ops checked
    missing: dict[str, str]  # ops of autograd_lite the class does not have, and why
    order: int
    examples: int  # random expressions tried (up to and including the first failing one)
    ok: bool
    reflected_failed: bool = False  # every random expression passed, a reflected operator not
    program: list[str] = dataclasses.field(default_factory=list)  # reproduces the failure
    table: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)
    diagnosis: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        return f"<EngineCheckResult {verdict}: {self.engine}, {self.examples} examples>"

    def report(self) -> str:
        """What was checked, and on failure: the program, the numbers, the diagnosis."""
        checked = f"ops checked: {', '.join(self.ops) or 'none'}"
        missing = f"not found in your class: {', '.join(self.missing)}" if self.missing else ""
        if self.ok:
            lines = [
                f"check_engine passed: {self.engine} agrees with autograd_lite and finite "
                f"differences on {self.examples} random expressions (order {self.order}), and "
                "on the reflected operators (2 * x, 1 - x, ...).",
                checked,
            ]
            return "\n".join([*lines, *([missing] if missing else []), *self.notes])
        where = (
            f"{self.examples} random expressions passed, but the reflected operators did not"
            if self.reflected_failed
            else f"random expression {self.examples} failed (shown shrunk by Hypothesis to "
            "the smallest that fails)"
        )
        lines = [f"check_engine FAILED: {self.engine}: {where}.", "", "Diagnosis:"]
        lines += [f"  - {d}" for d in self.diagnosis]
        if self.table:
            header = ("", "yours", "autograd_lite", "finite differences")
            lines.append("")
            lines += [f"  {a:<10}{b:>24}  {c:>24}  {d:>30}" for a, b, c, d in [header, *self.table]]
        lines += ["", "Reproduce (paste into Python):", ""]
        lines += [f"    {line}" for line in self.program]
        lines += ["", checked, *([missing] if missing else []), *self.notes]
        return "\n".join(lines)


def _numbers(x: float | None) -> str:
    return "—" if x is None else repr(x)


def _report_program(engine: Engine, program: _Program, n: int) -> list[str]:
    out = program.output
    lines = [*engine.setup_text(), *program.statements, engine.backward_text(out)]
    value = engine.read_text("data", out)
    grads = ", ".join(engine.read_text("grad", name) for name in program.names[:n])
    lines.append(f"print({value}, [{grads}])")
    return lines


def _failure(
    engine: Engine, expr: Any, order: int, atol: float, rtol: float
) -> EngineCheckResult | None:
    """The report of a failing expression, or None if it passes after all (theirs agrees
    with finite differences where autograd_lite does not)."""
    finding, ours, theirs = _examine(engine, expr, order, atol, rtol)
    if finding is None:
        return None
    n = expr.n_inputs
    program = _program(engine, expr)
    table: list[tuple[str, str, str, str]] = []
    with contextlib.suppress(Exception):
        fd = check_grad(expr, list(expr.inputs), raise_on_failure=False)
        plain = plain_value(expr, list(expr.inputs))
        exact = f"{plain!r} (math)" if isinstance(plain, float) else "—"
        yours = theirs.values[-1] if theirs else None
        table.append(("value", _numbers(yours), repr(ours.values[expr.output]), exact))
        for i, row in enumerate(fd.rows):
            estimate = next((e.value for e in row.estimates if e.trusted), None)
            g = theirs.grads[i] if theirs else None
            if (
                finding.kind == "gradient"
                and row.verdict == "MISMATCH"
                and g is not None
                and _fd_row_agrees(g, row.estimates)
            ):
                return None  # our derivative is the one that is off here: not theirs
            table.append((f"∂{program.output}/∂x{i}", _numbers(g), repr(row.analytic),
                          _numbers(estimate)))  # fmt: skip
    diagnosis = _diagnose(engine, expr, finding, ours, theirs, atol, rtol)
    return EngineCheckResult(
        engine="",
        ops=[],
        missing={},
        order=order,
        examples=0,
        ok=False,
        program=_report_program(engine, program, n),
        table=table,
        diagnosis=diagnosis,
    )


def _qualified(cls: type) -> str:
    module = getattr(cls, "__module__", "")
    return f"{module}.{cls.__qualname__}" if module and module != "builtins" else cls.__qualname__


def check_engine(
    value_class: type | Engine,
    *,
    ops: Sequence[str] | None = None,
    examples: int = DEFAULT_EXAMPLES,
    order: int = 1,
    seed: int | None = None,
    atol: float = 1e-9,
    rtol: float = 1e-7,
    raise_on_failure: bool = True,
) -> EngineCheckResult:
    """Property-test another engine's scalar class against autograd_lite and finite differences.

    Random expression DAGs over the ops the class has are built with *your* class, your
    ``backward()`` runs, and your forward values (also against Python's :mod:`math`) and
    gradients of the inputs are compared with autograd_lite's; with ``order=2`` the Hessian
    too (give an :class:`Engine` a ``gradients`` hook). First, fixed checks of the reflected
    operators (``2 * x``, ``1 - x``, ``2 ** x``, for the operators the class has). If the
    class has ``zero_grad``, each example also checks that it resets every node and that a
    second backward pass then gives the same gradients.

    Args:
        value_class: your scalar class (micrograd-style: ``.data``, ``.grad``, ``.backward()``,
            operators, methods named like ours), or an :class:`Engine` adapter around it.
        ops: the ops to check (names of :data:`autograd_lite.ops.RULES`); default: every built-in
            op the class has, found by trying each (the result says which it found).
        examples: random expressions to try (:data:`DEFAULT_EXAMPLES`).
        order: 1, or 2 to also check second derivatives.
        seed: makes the run reproducible (default: the Hypothesis profile decides).
        atol, rtol: a value or gradient agrees when ``|yours − ours| ≤ atol + rtol·s``, where
            ``s`` bounds its size and rounding error (Σ over paths of |local derivatives|).
        raise_on_failure: raise :class:`GradCheckError` on failure (default) or return the
            result.

    Returns the :class:`EngineCheckResult` (``.ok``, ``.ops``, ``.missing``, ``report()``). On
    failure raises :class:`GradCheckError` whose message is the report: the smallest failing
    expression as Python that uses your class, your numbers beside autograd_lite's and the
    finite differences, and which op is wrong and how, or which mechanism (accumulation, the
    topological order, the seed, reflected operators, zero_grad).

    >>> check_engine(Value, ops=["mul", "exp"], examples=10, seed=1).ops
    ['mul', 'exp']
    """
    # strategies first: without Hypothesis, its ImportError names the extra to install.
    from .strategies import expressions  # noqa: I001 (this order on purpose)

    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    engine = value_class if isinstance(value_class, Engine) else Engine(value_class)
    if order not in (1, 2):
        raise ValueError(f"check_engine: order must be 1 or 2, got {order!r}")
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"check_engine: examples must be a positive int, got {examples!r}")
    if order == 2 and not engine.differentiable:
        engine.gradients(None, [])  # raises the ValueError that says what to give
    wanted = list(BUILTIN_OPS) if ops is None else list(ops)  # not the ops of register()
    for op in wanted:
        if op not in RULES:
            raise KeyError(f"check_engine: no op named {op!r}; the ops are {sorted(RULES)}")
    missing = {op: why for op in wanted if (why := _detect(engine, op)) is not None}
    if ops is not None and missing:
        details = "; ".join(f"{op}: {why}" for op, why in missing.items())
        raise ValueError(f"check_engine: {engine.name} cannot apply {details}")
    found = [op for op in wanted if op not in missing]
    if not found:
        raise ValueError(
            f"check_engine: {engine.name} has none of autograd_lite's ops (tried "
            f"{', '.join(wanted)}); give an Engine with ops=... hooks"
        )
    result = EngineCheckResult(_qualified(engine.value_class), found, missing, order, 0, ok=True)
    if ops is None:
        result.notes.append(f"(found by trying each of autograd_lite's {len(wanted)} ops)")

    calls = 0
    failed_at = 0

    def fails(expr: Any) -> bool:
        nonlocal calls, failed_at
        calls += 1
        finding, _, _ = _examine(engine, expr, order, atol, rtol)
        if finding is not None and _failure(engine, expr, order, atol, rtol) is not None:
            failed_at = failed_at or calls
            return True
        return False

    budget = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    rng = random.Random(seed) if seed is not None else None
    try:
        smallest = find(expressions(ops=found), fails, settings=budget, random=rng)
    except NoSuchExample:
        result.examples = calls
        reflected = _reflected(engine, found)
        if reflected is not None:
            statements, diagnosis = reflected
            result.ok, result.reflected_failed = False, True
            result.program = [*engine.setup_text(), *statements]
            result.diagnosis = diagnosis
    else:
        failure = _failure(engine, smallest, order, atol, rtol)
        assert failure is not None
        failure.engine, failure.ops, failure.missing = result.engine, found, missing
        failure.examples = failed_at
        failure.notes = result.notes
        result = failure
    if not result.ok and raise_on_failure:
        raise GradCheckError(result)
    return result
