"""The graph walk: topological order and the backward pass (the chain rule), over recorded nodes.

These functions read what a node records (``parents``, its rule, its number) and nothing else,
so they work on any node of the engine; :class:`~autograd_lite.Value` calls them. Nothing here
recurses: a chain of a million nodes is fine.

The chain rule is written in two loops of the same shape: :func:`backprop` keeps the gradients
in a dictionary (for gradients that are Values, ``create_graph``, and for passes pruned to some
inputs), :func:`backprop_in_place` writes floats into the nodes (every ``backward()``: a third
faster). tests/test_engine_fast_paths.py checks that they give the same bits.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x
>>> [n.label or n.op for n in topological_order(y)]
['x', 'mul', 'add']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from ..errors import DomainError
from ..ops import ADD, MUL, Rule
from .checks import describe

__all__ = ["backprop", "backprop_in_place", "check_finite", "depending_on", "topological_order"]


class Node(Hashable, Protocol):
    """What the walk reads of a node."""

    parents: tuple[Any, ...]
    op_args: tuple[float, ...]
    label: str
    _rule: Rule | None
    _data: float
    _grad: float

    @property
    def data(self) -> float: ...


N = TypeVar("N", bound=Node)

# _FAST: speed. + and × are most of the nodes of a network's graph (a weighted sum of n terms
# is n products and n sums), so on floats the backward pass applies their local derivatives
# (∂(a + b) = 1, 1; ∂(a · b) = b, a, as their rules say) written out, not by calling the rule:
# half the time of the pass on microgpt's graph. They step aside when override_rule has
# replaced a rule's derivatives; tests/test_engine_fast_paths.py checks that both ways give
# the same bits. Value's operators take the same path forward (engine/value.py).
ADD_LOCAL, MUL_LOCAL = ADD.local, MUL.local
Local = Callable[[Any], tuple[Any, ...]]
"""∂node/∂parent for each parent of a node: floats, or Values for a differentiable pass."""
Lenient = Callable[[Any, set[Any], DomainError], tuple[Any, ...]]
"""The local derivatives of a node asked again, in a pass that needs only some of its parents'
gradients, after ``local`` refused (an operand nobody needs has none: ∂(aᵇ)/∂b at a < 0)."""


def topological_order(root: N) -> list[N]:
    """Every node ``root`` depends on, each once, parents before children, ``root`` last.

    Iterative depth-first search (no recursion: a chain of a million nodes is fine), visiting
    parents in their recorded order, so the order is the same on every run.
    """
    order: list[N] = []
    visited = {root}
    # Each stack entry holds a node and an iterator over its parents that remembers how far
    # we got, so a node with a million parents is scanned once, not once per child.
    stack: list[tuple[N, Iterator[N]]] = [(root, iter(root.parents))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def depending_on(order: Sequence[N], sources: Iterable[N]) -> set[N]:
    """The nodes of ``order`` (a topological order) that are in ``sources`` or depend on one."""
    reached = set(sources)
    for node in order:  # parents first, so each node's parents are already decided
        if node not in reached and any(parent in reached for parent in node.parents):
            reached.add(node)
    return reached


def backprop(
    root: N,
    seed: Any,
    local: Local,
    inputs: Sequence[N] | None = None,
    *,
    floats: bool = False,
    lenient: Lenient | None = None,
) -> tuple[list[N], dict[N, Any]]:
    """The backward pass: ∂root/∂node for every node, from ``seed`` = ∂root/∂root, with
    ``local(node)`` giving its local derivatives (floats, or Values for a differentiable pass;
    ``floats`` says they are floats, which lets + and × take the fast path, _FAST).

    With ``inputs``, only for the nodes that lie on a path from one of them to ``root``: the
    others are nobody's business, and their gradients might overflow. Where ``local`` refuses
    a node whose refused derivative may belong to an operand nobody needs, ``lenient`` is
    asked instead (without it, the refusal stands).
    """
    order = topological_order(root)
    needed = None if inputs is None else depending_on(order, inputs)
    if needed is not None:
        order = [node for node in order if node in needed]
    fast = floats and needed is None and ADD.local is ADD_LOCAL and MUL.local is MUL_LOCAL
    grads: dict[N, Any] = {root: seed}
    for node in reversed(order):  # children before parents: a node's gradient is complete
        rule = node._rule
        if rule is None:
            continue  # a leaf passes nothing on
        upstream = grads[node]
        if fast and (rule is MUL or rule is ADD):  # _FAST: the two lines of the loop below
            a, b = node.parents
            da = b._data * upstream if rule is MUL else upstream  # ∂(a·b)/∂a = b; ∂(a+b)/∂a = 1
            db = a._data * upstream if rule is MUL else upstream
            grads[a] = grads[a] + da if a in grads else da
            grads[b] = grads[b] + db if b in grads else db
            continue
        derivatives = local(node) if needed is None else _needed(node, local, lenient, needed)
        edges: Iterable[tuple[N, Any]] = zip(node.parents, derivatives, strict=True)
        if needed is not None:  # once per node, not per edge: most passes are not pruned
            edges = [(parent, d) for parent, d in edges if parent in needed]
        for parent, d in edges:
            # The chain rule: ∂root/∂parent += ∂node/∂parent · ∂root/∂node. A parent's first
            # contribution is stored as it is, not added to a 0: on Values (create_graph) that
            # would record a needless `0 + …` node in the derivative's graph.
            grads[parent] = grads[parent] + d * upstream if parent in grads else d * upstream
    return order, grads


def _needed(node: N, local: Local, lenient: Lenient | None, needed: set[N]) -> tuple[Any, ...]:
    """``local(node)`` in a pass that needs the gradients of ``needed`` only: if it refuses
    and some operand is not needed, ``lenient`` decides (the refusal may concern that one)."""
    try:
        return local(node)
    except DomainError as refused:
        if lenient is None or all(parent in needed for parent in node.parents):
            raise
        return lenient(node, needed, refused)


def backprop_in_place(root: Node, seed: float, local: Local) -> bool:
    """The backward pass on floats, as :func:`backprop`, but written straight into each node's
    ``_grad``: a leaf adds this pass's ∂root/∂leaf to its grad, any other node is overwritten.

    Speed: this is the pass of every ``backward()``, a training step's; an attribute costs a
    third less than a dictionary entry, and no copy into the nodes follows. Returns False, with
    every grad put back as it was, if a leaf's gradient from this pass is not finite: the caller
    then runs the checked pass to find the op to blame (an overflow anywhere reaches a leaf, as
    inf or nan, through the products and sums of the chain rule). A local derivative that
    raises also leaves every grad as it was.
    """
    order = topological_order(root)
    before = [node._grad for node in order]  # to put back if the pass is refused
    leaves = [node for node in order if node._rule is None]
    kept = [leaf._grad for leaf in leaves]  # what leaves accumulate onto
    for node in order:
        node._grad = 0.0  # this pass's sums start here
    root._grad = seed
    mul = MUL if MUL.local is MUL_LOCAL else None  # _FAST, unless override_rule replaced it
    add = ADD if ADD.local is ADD_LOCAL else None
    try:
        for node in reversed(order):  # children before parents: a node's gradient is complete
            rule = node._rule
            if rule is None:
                continue  # a leaf passes nothing on
            upstream = node._grad
            if rule is mul:  # _FAST: ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
                a, b = node.parents
                a._grad += b._data * upstream
                b._grad += a._data * upstream
            elif rule is add:  # _FAST: ∂(a+b)/∂a = ∂(a+b)/∂b = 1
                a, b = node.parents
                a._grad += upstream
                b._grad += upstream
            else:
                for parent, d in zip(node.parents, local(node), strict=True):
                    parent._grad += d * upstream  # the chain rule, as in backprop
    except BaseException:
        _put_back(order, before)
        raise
    passed = [leaf._grad for leaf in leaves]
    if not all(map(math.isfinite, passed)):
        _put_back(order, before)
        return False
    for leaf, old, grad in zip(leaves, kept, passed, strict=True):
        leaf._grad = old + grad  # a leaf accumulates: its grad before, plus this pass's
    return True


def _put_back(order: list[Node], grads: list[float]) -> None:
    for node, grad in zip(order, grads, strict=True):
        node._grad = grad


def check_finite(
    order: list[N],
    grads: dict[N, float],
    local: Local,
    visible: Callable[[list[N]], set[N]] | None = None,
) -> None:
    """Refuse gradients that overflowed, naming the op where the first infinity appeared.

    Only the gradients of the nodes ``visible(order)`` count (all, without it); the check is
    done first on every gradient, so the common case costs one pass.
    """
    if all(map(math.isfinite, grads.values())):
        return
    bad = {node for node, g in grads.items() if not math.isfinite(g)}
    if visible is not None:
        bad &= visible(order)
        if not bad:
            return  # only constants nobody asked about overflowed: they keep inf
    # The first non-finite gradient (nearest the root) on a path to an offending node.
    upstream = depending_on(order, bad)
    first = next(
        node for node in reversed(order) if node in upstream and not math.isfinite(grads[node])
    )
    # The infinity came from a child of `first`: its local derivative, or the product.
    for child in reversed(order):
        rule = child._rule
        if rule is None or first not in child.parents:
            continue
        for parent, d in zip(child.parents, local(child), strict=True):
            if parent is first and not math.isfinite(d):
                raise DomainError(
                    rule.name,
                    f"its local derivative is not a finite real number here ({d!r})",
                    describe(rule, child.parents, child.op_args),
                )
    if first.label:
        where = f"node {first.label!r}"
    elif first.parents:
        where = f"the output of {first._rule.name if first._rule else '?'}"
    else:
        where = f"the unlabelled leaf {first.data!r}"
    raise DomainError(
        "backward",
        f"the gradient reaching {where} is {grads[first]!r}: the chain rule product "
        "overflows a float",
        [("data", first.data, first.label)],
    )
