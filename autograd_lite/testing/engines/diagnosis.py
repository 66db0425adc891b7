"""Diagnosis: naming the bug of a failing engine — which op is wrong and how, or which
mechanism (the seed, accumulation, the topological order, zero_grad). The reflected
operators have their own check, in reflected.py."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...engine import Value, local_derivatives
from ...engine.value import apply_rule
from ...ops import ADD, MUL, POW, RULES
from ..gradcheck.numeric import Estimate
from ..gradcheck.verdict import _judge
from ..source import written
from .adapter import Engine
from .probes import (
    _PROBE_POINT,
    _isolated,
    _mul_is_right,
    _passes_nothing,
    _probe_names,
    _probe_params,
)
from .programs import _Oracle, _Outcome, _Program, _program, _Raised, _run
from .verdict import _close, _Finding

if TYPE_CHECKING:
    from ..strategies import Expression


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
    engine: Engine, expr: Expression, program: _Program, ours: _Oracle, theirs: _Outcome
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
    expr: Expression,
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
    expr: Expression,
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
