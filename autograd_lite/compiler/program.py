"""From a recorded graph to straight-line Python: tracing, the shape fingerprint, and the code.

A :class:`Trace` is the graph a function recorded, cut where it reaches Values that existed
before the call (parameters, captured constants): those are read *live* from their ``.data``
at every call. A :class:`Program` writes the graph as Python: one assignment per node forward,
one per edge backward, each computed by calling the rule table's own ``forward`` and ``local``
with source-text operands (:mod:`autograd_lite.compiler.text`).

Everything here is private to the compiler; :mod:`autograd_lite.compiler` is the public face.

Why this file is over 500 lines: tracing, the shape guard and the writing of one program are
one pipeline, each stage short and read in order; the softmax shift's recognition is the part
that would move out first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value, enable_grad, rule_of
from ..errors import GraphChangedError
from ..ops import EXP, SUB, SUMMATION, FloatMath, Rule
from .text import (
    COND,
    FAIL,
    Namespace,
    SourceMath,
    Text,
    Untraceable,
    conditional,
    has_failure,
    literal,
    rule_source,
)

__all__ = ["Program", "Trace", "describe_change", "due", "flatten", "trace"]


# -- tracing ----------------------------------------------------------------------------------


def flatten(result: object, who: str) -> tuple[list[Value], bool]:
    """The Values a traced function returned, and whether it returned one Value (not a list)."""
    if isinstance(result, Value):
        return [result], True
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return list(result), False
    raise TypeError(
        f"{who}: the function must return a Value (or a list of Values) computed from its "
        f"inputs, got {type(result).__name__} {result!r}"
    )


def _walk(outputs: Sequence[Value], stop: Callable[[Value], bool]) -> list[Value]:
    """Every node the outputs depend on, parents first (iterative DFS, parents in recorded
    order, as :func:`~autograd_lite.engine.topological_order`), not entering nodes that
    ``stop`` (which are listed, as leaves of this graph)."""
    order: list[Value] = []
    visited: set[int] = set()
    for output in outputs:
        if id(output) in visited:
            continue
        visited.add(id(output))
        stack: list[tuple[Value, Iterator[Value]]] = [
            (output, iter(() if stop(output) else output.parents))
        ]
        while stack:
            node, pending = stack[-1]
            for parent in pending:
                if id(parent) not in visited:
                    visited.add(id(parent))
                    stack.append((parent, iter(() if stop(parent) else parent.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


@dataclass
class Trace:
    """One recorded call: its input leaves, its outputs, and the graph between, cut at the
    live Values (which existed before the call)."""

    inputs: list[Value]
    outputs: list[Value]
    single: bool
    order: list[Value]
    live: list[Value] = field(default_factory=list)

    def fingerprint(self, live: Sequence[Value] | None = None) -> list[tuple[Any, ...]]:
        """The graph's shape, node by node: ops, which nodes feed which, constant parameters,
        constants' values (a softmax's shift by which nodes it is the largest of, see
        :func:`shifts`), and which live Value sits where (compared by identity)."""
        live = self.live if live is None else live
        index = {id(n): k for k, n in enumerate(self.order)}
        inputs = {id(v): i for i, v in enumerate(self.inputs)}
        lives = {id(v): j for j, v in enumerate(live)}
        shifted = shifts(self.order, set(inputs) | set(lives))
        shape: list[tuple[Any, ...]] = []
        for node in self.order:
            if id(node) in inputs:
                shape.append(("input", inputs[id(node)]))
            elif id(node) in lives:
                shape.append(("live", lives[id(node)]))
            elif id(node) in shifted:
                shape.append(("shift", tuple(index[id(z)] for z in shifted[id(node)])))
            elif not node.parents:
                shape.append(("constant", node.data.hex()))
            else:
                parents = tuple(index.get(id(p), -1) for p in node.parents)
                shape.append((node.op, parents, tuple(a.hex() for a in node.op_args)))
        shape.append(("outputs", tuple(index[id(o)] for o in self.outputs), self.single))
        return shape


def made_by(node: Value, rule: Rule) -> bool:
    """Whether ``rule`` made ``node`` (False for a leaf)."""
    return bool(node.parents) and rule_of(node) is rule


def shifts(order: Sequence[Value], leaves: set[int]) -> dict[int, tuple[Value, ...]]:
    """The constants of a graph that are a softmax's shift, each with the nodes it is the
    largest of: ``m`` in Σ exp(zᵢ − m) where m = max(zᵢ.data) (how
    :func:`~autograd_lite.losses.softmax` and ``log_softmax`` keep every exponent ≤ 0), and in
    any other zᵢ − m of those z (log_softmax's scores). Compiled code computes such a shift as
    ``max(z₀, z₁, …)`` at every call instead of writing the number the trace saw; a constant
    that merely happens to equal the largest z is caught by the second trace at moved inputs
    (there it no longer does), so it is never mistaken for a shift.

    ``leaves`` are the ids of the graph's inputs and live Values (never constants).
    """

    def constant(v: Value) -> bool:
        return not v.parents and id(v) not in leaves

    found: dict[int, tuple[Value, ...]] = {}
    groups: list[tuple[tuple[Value, ...], float]] = []
    for node in order:
        if not made_by(node, SUMMATION):
            continue
        subs = [e.parents[0] if made_by(e, EXP) else None for e in node.parents]
        if not all(s is not None and made_by(s, SUB) and constant(s.parents[1]) for s in subs):
            continue
        zs = tuple(s.parents[0] for s in subs if s is not None)
        m = max(z.data for z in zs)
        if all(s is not None and s.parents[1].data == m for s in subs):
            groups.append((zs, m))
            for s in subs:
                if s is not None:
                    found[id(s.parents[1])] = zs
    if not groups:
        return found
    member = {id(z): (zs, m) for zs, m in groups for z in zs}
    for node in order:  # log_softmax's zᵢ − m − ln Σ: more subs by the same shift
        if made_by(node, SUB) and constant(node.parents[1]) and id(node.parents[1]) not in found:
            group = member.get(id(node.parents[0]))
            if group is not None and node.parents[1].data == group[1]:
                found[id(node.parents[1])] = group[0]
    return found


def trace(
    f: Callable[..., Any],
    xs: Sequence[float],
    labels: Sequence[str],
    who: str,
    live: Sequence[Value] | None = None,
) -> Trace:
    """Call ``f`` on fresh input Values; cut the graph at the ``live`` Values (when known)."""
    inputs = [Value(x, label=label) for x, label in zip(xs, labels, strict=True)]
    with enable_grad():  # a graph is wanted, even inside no_grad()
        outputs, single = flatten(f(*inputs), who)
    if live is None:
        order: list[Value] = []
        return Trace(inputs, outputs, single, order)
    stops = {id(v) for v in live}
    inputs_ids = {id(v) for v in inputs}
    order = _walk(outputs, lambda n: id(n) in stops or id(n) in inputs_ids)
    present = _ids(order)
    return Trace(inputs, outputs, single, order, [v for v in live if id(v) in present])


def _ids(order: Sequence[Value]) -> set[int]:
    return {id(n) for n in order}


def first_trace(
    f: Callable[..., Any], xs: Sequence[float], labels: Sequence[str], who: str
) -> Trace:
    """Trace ``f`` twice, the second time at slightly moved inputs, and compare.

    Nodes that both calls share (the same objects) existed before the calls: they are live.
    Everything else must record the same graph, or ``f``'s Python code depends on the
    inputs' values and no single compiled program can stand for it (GraphChangedError).
    """
    first = trace(f, xs, labels, who)
    moved = [x + (abs(x) + 1.0) * 2.0**-11 for x in xs]
    try:
        second = trace(f, moved, labels, who)
    except Exception:  # e.g. a domain edge right at the example: compare at the same point
        moved = list(xs)
        second = trace(f, moved, labels, who)
    # Python may reuse the ids of freed objects, but both graphs are alive here.
    inputs_first = {id(v) for v in first.inputs}
    inputs_second = {id(v) for v in second.inputs}
    everything_second = _ids(_walk(second.outputs, lambda n: id(n) in inputs_second))
    first.order = _walk(
        first.outputs, lambda n: id(n) in inputs_first or id(n) in everything_second
    )
    first.live = [n for n in first.order if id(n) in everything_second]
    lives = {id(v) for v in first.live}
    second.order = _walk(second.outputs, lambda n: id(n) in inputs_second or id(n) in lives)
    second.live = first.live
    if first.fingerprint() != second.fingerprint():
        raise GraphChangedError(
            f"{who}: the function records a different graph at {moved!r} than at the example "
            f"inputs {list(xs)!r} ({describe_change(first, second)}). Compiled code stands for "
            "one graph: Python control flow on the inputs' values (if x.data > 0: ...) or "
            "numbers computed from x.data make the graph depend on the inputs"
        )
    return first


def describe_change(expected: Trace, got: Trace) -> str:
    """Where two traces part, in words."""
    a, b = expected.fingerprint(), got.fingerprint(expected.live)
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"node {k}: {_describe(x)} before, {_describe(y)} now"
    return f"{len(a) - 1} nodes before, {len(b) - 1} now"


def _describe(entry: tuple[Any, ...]) -> str:
    kind = entry[0]
    if kind == "input":
        return f"input {entry[1]}"
    if kind == "live":
        return "a Value from outside the function"
    if kind == "constant":
        return f"the constant {float.fromhex(entry[1])!r}"
    if kind == "shift":
        return f"a softmax's shift, the largest of nodes {list(entry[1])}"
    if kind == "outputs":
        return f"outputs at nodes {list(entry[1])}"
    params = f" with parameters {[float.fromhex(p) for p in entry[2]]}" if entry[2] else ""
    return f"op {kind} of nodes {list(entry[1])}{params}"


# -- writing the program -------------------------------------------------------------------------

_SAFE_LABEL = re.compile(r"[A-Za-z0-9_]{1,24}")
_VARIABLE = re.compile(r"\b[vd]\d+(?:_[A-Za-z0-9_]*)?\b")
COMMENT_COLUMN = 44


def comment_text(text: str) -> str:
    """User text made safe for a ``#`` comment: anything not printable (newlines, carriage
    returns, line and paragraph separators, NUL) is written as an escape, so the text can
    never end the comment and become code."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _formula(rule: Rule) -> str:
    text = re.sub(r"\s+\([^()]*\)$", "", rule.formula)  # "xᶜ (c a number)" → "xᶜ"
    return text.split(" = ")[0]  # "σ(x) = 1/(1 + e^−x)" → "σ(x)"


def _input_key(rule: Rule, j: int, n: int) -> str:
    """Operand ``j``'s name as the rule's derivative text writes it: ``wᵢ`` for ``w[2]``."""
    return re.sub(r"\[\d+\]$", "ᵢ", rule.input_name(j, n))


def rule_comment(rule: Rule, j: int, n: int) -> str:
    """The rule an edge applies, from the rule table's own words: ``∂(a · b)/∂a = b``."""
    key = _input_key(rule, j, n)
    pieces = [p.strip() for p in rule.derivative.split(",  ")]
    rhs = None
    for piece in pieces:
        found = re.match(r"∂/∂(\S+) = (.*)", piece)
        if found and found.group(1) == key:
            rhs = found.group(2)
    if rhs is None:
        rhs = pieces[0] if len(pieces) == 1 else rule.derivative
    return f"∂({_formula(rule)})/∂{key} = {rhs}"


def _line(code: str, comment: str = "", indent: str = "    ") -> str:
    if not comment:
        return indent + code
    text = indent + code
    return f"{text.ljust(COMMENT_COLUMN)}  # {comment_text(comment)}"


def product(local: Text, upstream: Text) -> Text:
    """local · upstream, as the engine computes it (``local * upstream``), written without the
    factors that change nothing in floating point: 1·g is g and (−1)·g is −g exactly, and
    (a if c else b)·g is (a·g if c else b·g)."""
    if local.code in ("1", "1.0"):
        return upstream
    if local.code in ("-1", "-1.0"):
        return -upstream
    if local.level == COND and local.parts is not None:
        condition, yes, no = local.parts
        return conditional(condition, product(yes, upstream), product(no, upstream))
    return local * upstream


@dataclass
class Node:
    """What the program knows about one node of the trace."""

    value: Value
    kind: str  # "input", "live", "constant" or "op"
    var: str = ""  # its local variable ("" for a constant, written as a literal)
    grad: str = ""
    text: Text | None = None  # how operands refer to it


class Program:
    """A trace written as Python, in the pieces the compiled functions are assembled from.

    Args:
        trace: the recorded graph (with its live Values).
        wrt: the nodes whose gradients the backward pass returns (inputs, or live leaves).
        names: a name for each node of the trace, for comments (labels, subexpressions).
    """

    def __init__(self, trace: Trace, wrt: Sequence[Value], names: Sequence[str]) -> None:
        self.trace = trace
        self.namespace = Namespace()
        self.math = SourceMath(self.namespace)
        self.nodes: list[Node] = []
        self.by_id: dict[int, Node] = {}
        inputs = {id(v): i for i, v in enumerate(trace.inputs)}
        lives = {id(v): j for j, v in enumerate(trace.live)}
        self.shifts = shifts(trace.order, set(inputs) | set(lives))
        for k, value in enumerate(trace.order):
            suffix = f"_{value.label}" if _SAFE_LABEL.fullmatch(value.label) else ""
            if id(value) in inputs:
                kind = "input"
            elif id(value) in lives:
                kind = "live"
            elif id(value) in self.shifts:
                kind = "shift"
            elif not value.parents:
                kind = "constant"
            else:
                kind = "op"
            node = Node(value, kind)
            if kind == "constant":
                node.text = literal(value.data)
            else:
                node.var, node.grad = f"v{k}{suffix}", f"g{k}{suffix}"
                node.text = Text(node.var)
            self.nodes.append(node)
            self.by_id[id(value)] = node
        self.names = list(names)
        self.wrt = [self.by_id[id(v)] for v in wrt if id(v) in self.by_id]
        wanted = {id(n.value) for n in self.wrt}
        self.needs: set[int] = set()  # nodes with a wrt node among their ancestors (or itself)
        for node in self.nodes:
            value = node.value
            if id(value) in wanted or (
                node.kind == "op" and any(id(p) in self.needs for p in value.parents)
            ):
                self.needs.add(id(value))
        self.forward_lines = self._forward()
        self.backward_lines: list[tuple[str, str, str]] = []  # (target, code, comment)

    # -- forward ------------------------------------------------------------------------------

    def _text(self, value: Value) -> Text:
        text = self.by_id[id(value)].text
        assert text is not None
        return text

    def _operands(self, value: Value) -> list[Text]:
        texts = []
        for parent in value.parents:
            text = self.by_id[id(parent)].text
            assert text is not None
            texts.append(text)
        return texts

    def forward_order(self) -> list[int]:
        """The nodes' indices in an order to compute them: parents first, and a softmax's
        shift after every node it is the largest of (which the trace's own order, a walk from
        the outputs, may list after the shift's first use)."""
        index = {id(n.value): k for k, n in enumerate(self.nodes)}

        def needs(k: int) -> list[int]:
            node = self.nodes[k]
            if node.kind == "shift":
                return [index[id(z)] for z in self.shifts[id(node.value)]]
            if node.kind == "op":
                return [index[id(p)] for p in node.value.parents]
            return []

        order: list[int] = []
        done: set[int] = set()
        for start in range(len(self.nodes)):
            if start in done:
                continue
            done.add(start)
            stack = [(start, iter(needs(start)))]
            while stack:  # iterative depth-first search, as everywhere
                k, pending = stack[-1]
                for j in pending:
                    if j not in done:
                        done.add(j)
                        stack.append((j, iter(needs(j))))
                        break
                else:
                    stack.pop()
                    order.append(k)
        return order

    def _forward(self) -> list[str]:
        lines = []
        computed: dict[tuple[int, ...], Text] = {}  # each softmax's shift, computed once
        for k in self.forward_order() if self.shifts else range(len(self.nodes)):
            node = self.nodes[k]
            if node.kind == "shift":
                group = self.shifts[id(node.value)]
                key = tuple(map(id, group))
                if key in computed:
                    node.text = computed[key]
                    continue
                computed[key] = Text(node.var)
                names = ", ".join(self._text(z).code for z in group)
                shift = f"max({names})" if len(group) > 1 else names
                lines.append(_line(f"{node.var} = {shift}", "a softmax's shift: max zᵢ"))
                continue
            if node.kind != "op":
                continue
            value = node.value
            rule = rule_of(value)
            operands: list[object] = [*self._operands(value), *value.op_args]

            def run(rule: Rule = rule, operands: list[object] = operands) -> Any:
                return rule.forward(*operands)

            try:  # the rule's own forward, on text: inline code where it is plain arithmetic
                (code,) = rule_source(run)
                if has_failure([code]):
                    raise Untraceable("the forward refuses some inputs: call it")
            except (Untraceable, ValueError):
                code = self.namespace.call(rule.name, rule.forward, operands)
            lines.append(_line(f"{node.var} = {code}", self.names[k]))
        return lines

    # -- backward -----------------------------------------------------------------------------

    def locals_of(self, k: int) -> list[Text]:
        """The local derivatives of node ``k``, as source, from its rule's ``local``."""
        node = self.nodes[k]
        value = node.value
        rule = rule_of(value)
        assert node.text is not None
        operands = self._operands(value)
        try:
            texts = rule_source(lambda: rule.local(self.math, node.text, *operands, *value.op_args))
        except Untraceable:
            # No source form (the rule calls something of its own on its operands): call the
            # rule's local at run time on floats, exactly as backward() does.
            name = self.namespace.name(f"local_{rule.name}", rule.local)
            self.namespace.functions["_FloatMath"] = FloatMath
            args = ", ".join(t.code for t in [node.text, *operands, *map(literal, value.op_args)])
            texts = [Text(f"d{k}[{j}]") for j in range(len(operands))]
            self.backward_lines.append((f"d{k}", f"{name}(_FloatMath, {args})", ""))
        if len(texts) != len(operands):
            raise ValueError(
                f"compile: the local derivatives of {rule.name} give {len(texts)} entries for "
                f"{len(operands)} operands; expected one per operand"
            )
        return texts

    def backward(self, seeds: Sequence[Text], accumulate: bool) -> list[tuple[str, str, str]]:
        """The backward pass as (target, code, comment) lines: seeds for the outputs, then one
        line per edge into a node that leads to a wrt node, children before parents (the
        engine's reversed topological order, so every sum is added in the engine's order).

        With ``accumulate`` the wrt gradients are added to (``+=``) from the first edge on:
        they hold a running total (over the samples of a batch)."""
        self.backward_lines = []
        assigned = {id(n.value) for n in self.wrt} if accumulate else set()
        outputs = self.trace.outputs
        for output, seed in zip(outputs, seeds, strict=True):
            node = self.by_id[id(output)]
            if node.kind == "constant" or id(output) not in self.needs:
                continue
            op = "+=" if id(output) in assigned else "="
            self.backward_lines.append((node.grad, f"{op} {seed.code}", "the seed: ∂out/∂out"))
            assigned.add(id(output))
        for k in range(len(self.nodes) - 1, -1, -1):
            node = self.nodes[k]
            value = node.value
            if node.kind != "op" or id(value) not in self.needs or id(value) not in assigned:
                continue
            rule = rule_of(value)
            locals_ = self.locals_of(k)
            upstream = Text(node.grad)
            for j, (parent, local) in enumerate(zip(value.parents, locals_, strict=True)):
                if id(parent) not in self.needs:
                    continue  # constants, and inputs nobody asked about: no gradient needed
                target = self.by_id[id(parent)]
                # The chain rule: ∂out/∂parent += ∂node/∂parent · ∂out/∂node
                contribution = product(local, upstream)
                op = "+=" if id(parent) in assigned else "="
                assigned.add(id(parent))
                comment = rule_comment(rule, j, len(value.parents))
                if contribution is FAIL or FAIL.code in contribution.code:
                    comment += " (_fail(): the rule refuses here; the engine names the op)"
                self.backward_lines.append((target.grad, f"{op} {contribution.code}", comment))
        self.assigned = assigned
        return self.backward_lines

    def grad_of(self, node: Node) -> str:
        return node.grad if id(node.value) in self.assigned else "0.0"

    # -- the pieces ---------------------------------------------------------------------------

    def computed(self) -> list[str]:
        """The variables the forward pass assigns (op nodes), in order."""
        return [n.var for n in self.nodes if n.kind == "op"]

    def live_reads(self, lines: Sequence[str]) -> list[str]:
        """Assignments of the live Values that ``lines`` use, read from their ``.data``."""
        used = set(_VARIABLE.findall("\n".join(lines)))
        reads = []
        for j, value in enumerate(self.trace.live):
            node = self.by_id[id(value)]
            if node.var in used:
                comment = f"{self.names[self.nodes.index(node)]}: read at every call"
                reads.append(_line(f"{node.var} = _live[{j}].data", comment))
        return reads

    def referenced(self, lines: Sequence[str]) -> list[str]:
        """The per-call variables (inputs and op nodes) that ``lines`` read, in trace order."""
        used = set(_VARIABLE.findall("\n".join(lines)))
        return [n.var for n in self.nodes if n.kind in ("input", "op") and n.var in used]

    def output_texts(self) -> list[str]:
        texts = []
        for output in self.trace.outputs:
            text = self.by_id[id(output)].text
            assert text is not None
            texts.append(text.code)
        return texts

    def inputs(self) -> list[str]:
        """The argument names: one per input, used or not."""
        names = []
        for i, value in enumerate(self.trace.inputs):
            node = self.by_id.get(id(value))
            names.append(node.var if node is not None else f"unused{i}")
        return names


def backward_text(lines: Sequence[tuple[str, str, str]], indent: str = "    ") -> list[str]:
    return [_line(f"{target} {code}", comment, indent) for target, code, comment in lines]


def finite_check(variables: Sequence[str], start: str = "") -> str:
    """``_finite = _sum((...))``: inf or nan exactly when one of the variables is (or the sum
    overflows, which only costs a detour through the engine)."""
    terms = [start, *variables] if start else list(variables)
    if not terms:
        return "_finite = 0.0"
    return f"_finite = _sum(({', '.join(terms)},))"


def is_finite(x: float) -> bool:
    return math.isfinite(x)


def due(count: int, check: bool | int) -> bool:
    """Whether call number ``count`` (from 1) is re-traced: every call for ``check=True``, none
    for False, else calls 1, 2, 4, … below ``check`` and every ``check``-th."""
    if isinstance(check, bool):
        return check
    return count % check == 0 or (count < check and count & (count - 1) == 0)
