"""Suspects: after a failed check, each node's rule checked against finite differences of
its own forward at the recorded inputs, to name the op whose local derivative is wrong."""

from __future__ import annotations

from ...engine import Value, gradients, local_derivatives, topological_order
from ...engine.derivatives import value_local
from ...engine.value import apply_rule
from ...ops import RULES, Rule
from .numeric import DEFAULT_STEPS, Probe, _estimates, _side
from .verdict import _judge


def _describe_node(node: Value, rule: Rule) -> str:
    names = rule.input_names(len(node.parents))
    parts = [f"{name} = {p.data!r}" for name, p in zip(names, node.parents, strict=True)]
    parts += [f"{name} = {value!r}" for name, value in zip(rule.params, node.op_args, strict=True)]
    label = f" (node {node.label!r})" if node.label else ""
    return f"{node.op}{label} at {', '.join(parts)}"


def _claims(node: Value, rule: Rule, order: int) -> list[tuple[str, Probe, list[float]]]:
    """What the rule says about the node: (what, a function of its inputs, claimed partials)."""

    def at(values: list[float]) -> Value:
        return apply_rule(rule, tuple(Value(v) for v in values), node.op_args)

    def value(v: list[float]) -> tuple[float, list[tuple[str, int]]]:
        return at(v).data, []

    if order == 1:
        return [(node.op, value, list(local_derivatives(node)))]
    fresh = at([p.data for p in node.parents])
    claims: list[tuple[str, Probe, list[float]]] = []
    for k, first in enumerate(value_local(fresh)):
        first_value = first if isinstance(first, Value) else Value(first)
        claimed = [g.data for g in gradients(first_value, list(fresh.parents))]

        def local_k(v: list[float], k: int = k) -> tuple[float, list[tuple[str, int]]]:
            return local_derivatives(at(v))[k], []

        operand = rule.input_name(k, len(node.parents))
        claims.append((f"∂{node.op}/∂{operand}", local_k, claimed))
    return claims


def _check_node(node: Value, rule: Rule, order: int, atol: float, rtol: float) -> tuple[str, str]:
    """('suspect' | 'unchecked' | 'ok', a description) for one node's rule at its inputs.

    ``node.grad`` holds ∂out/∂node: an error e in a local derivative shows in the output as
    e·|∂out/∂node|, so the absolute tolerance is divided by that factor.
    """
    described = _describe_node(node, rule)
    if node.grad == 0:
        return "ok", described  # the output does not depend on this node here
    atol = atol / abs(node.grad)
    ins = [p.data for p in node.parents]
    if any(_side(x, k) == 0 for x in ins for k in rule.kinks):
        return "unchecked", f"{described}: on its kink"
    try:
        claims = _claims(node, rule, order)
    except ArithmeticError as error:
        return "unchecked", f"{described}: {error}"
    inconclusive = False
    for what, probe, claimed in claims:
        for j in range(len(ins)):
            estimates = _estimates(probe, ins, j, DEFAULT_STEPS)
            verdict = _judge(claimed[j], estimates, atol, rtol)
            if verdict == "MISMATCH":
                best = next(e.value for e in estimates if e.trusted)
                return "suspect", (
                    f"{described}: ∂({what})/∂{rule.input_name(j, len(ins))} is {claimed[j]!r} "
                    "by the "
                    f"rule but ≈ {best!r} by finite differences of its forward"
                )
            inconclusive = inconclusive or verdict != "agrees"
    if inconclusive:
        return "unchecked", f"{described}: finite differences are inconclusive here"
    return "ok", described


def _check_nodes(out: Value, order: int, atol: float, rtol: float) -> tuple[list[str], list[str]]:
    """(suspects, unchecked): nodes whose rule's derivatives (order 1) or their derivatives
    (order 2) disagree with central differences of the rule itself at the recorded inputs, and
    nodes where that could not be decided."""
    found: dict[str, list[str]] = {"suspect": [], "unchecked": [], "ok": []}
    out.backward()  # fills node.grad = ∂out/∂node, which scales each node's tolerance
    for node in topological_order(out):
        rule = RULES.get(node.op)
        if rule is not None:  # leaves have no rule to check
            standing, description = _check_node(node, rule, order, atol, rtol)
            found[standing].append(description)
    return found["suspect"], found["unchecked"]
