"""Probes derived from the rule table: which ops an engine has (and how it writes each), and
each op run alone on fresh leaves, for the diagnosis."""

from __future__ import annotations

from collections.abc import Sequence

from ...engine import type_name
from ...ops import MUL, RULES, Rule
from ..source import written
from .adapter import Engine
from .programs import _Raised, _run
from .verdict import _close

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


def _passes_nothing(engine: Engine, op: str) -> bool:
    """Whether ``op`` alone, at a point where its derivatives are not 0, passes no gradient."""
    rule = RULES[op]
    xs = _PROBE_POINT[rule.operand_count()]
    try:
        _, grads, _ = _isolated(engine, op, xs, _probe_params(rule), False, 1.0)
    except (_Raised, Exception):
        return False
    return all(g == 0 for g in grads)
