"""Programs: one random expression written as Python for the engine, run, and read; and
autograd_lite's own numbers for it (the oracle)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from ...engine import Value, gradients, local_derivatives, type_name
from ...engine.graph import backprop
from ...engine.value import apply_rule, float_local
from ...ops import RULES
from .adapter import Engine, Node

if TYPE_CHECKING:
    from ..strategies import Expression

_PROGRAM = "<check_engine program>"


class _Raised(Exception):  # noqa: N818 - an internal signal, never seen by users
    """The engine raised while running ``statement``."""

    def __init__(self, statement: str, error: BaseException) -> None:
        self.statement, self.error = statement, error
        super().__init__(f"{statement}: {type_name(error)}: {error}")


def _run(engine: Engine, statements: Sequence[str]) -> dict[str, object]:
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


def _read(engine: Engine, what: str, name: str, node: Node) -> float:
    """The value (``what="data"``) or gradient of ``node``, or _Raised naming how it was read."""
    try:
        return engine.data(node) if what == "data" else engine.grad(node)
    except Exception as error:
        raise _Raised(engine.read_text(what, name), error) from None


T = TypeVar("T")


def _call(what: str, function: Callable[[], T]) -> T:
    """``function()``, or _Raised naming ``what`` the program was doing when it raised."""
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


def _program(engine: Engine, expr: Expression) -> _Program:
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


def _oracle(expr: Expression, order: int) -> _Oracle:
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


def _read_grad(engine: Engine, node: Node) -> float | None:
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
