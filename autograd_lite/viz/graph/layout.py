"""Where a drawing puts its boxes: the direction (left to right when it fits a notebook), the
column each box roughly falls in, the clusters of nn modules, which nodes fold into the
summary box of a neuron or layer, and the order of those summaries.

>>> from autograd_lite import Value, topological_order
>>> from autograd_lite.viz.style import node_names
>>> x = Value(2.0, label="x")
>>> order = topological_order((x**2 + 1) ** 3)
>>> column = ranks(order)
>>> {name: column[id(node)] for name, node in zip(node_names(order), order)}
{'x': 0, 'x²': 1, '1': 1, 'x² + 1': 2, '(x² + 1)³': 3}
>>> sorted(["neuron10", "neuron2"], key=natural_key)
['neuron2', 'neuron10']
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Container, Sequence
from typing import Any

import graphviz

from ...engine import Value
from .labels import Box

__all__ = [
    "COMPASS",
    "RANKDIRS",
    "WIDTH_BUDGET",
    "choose_rankdir",
    "emit_clusters",
    "estimate_width",
    "groups",
    "keep_in_order",
    "natural_key",
    "ranks",
    "summary_id",
]

WIDTH_BUDGET = 800.0
"""Widest layout (points) kept left to right: at 900 px in a notebook, 11 pt text stays ≥ 9 pt."""

RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
COMPASS = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}
"""The side of a box where edges come in, for each direction."""


# -- the direction --------------------------------------------------------------------------------


def natural_key(text: str) -> list[Any]:
    """Sort key that puts neuron2 before neuron10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def ranks(order: Sequence[Value]) -> dict[int, int]:
    """The column (LR) or row (TB) dot will roughly give each node: the root at the length of
    the longest path from a leaf, every other node just before its first consumer (dot keeps
    edges short, so a node used once sits next to its use)."""
    depth: dict[int, int] = {}
    for node in order:  # the longest path from the leaves, parents first
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    rank = {id(order[-1]): depth[id(order[-1])]} if order else {}
    for node in reversed(order):  # consumers first: each node goes just before its first use
        for p in node.parents:
            rank[id(p)] = min(rank.get(id(p), rank[id(node)]), rank[id(node)] - 1)
    return rank


def choose_rankdir(
    widths: dict[str, float], rank: dict[str, int], budget: float = WIDTH_BUDGET
) -> str:
    """LR when its estimated width fits ``budget`` points (a notebook), else TB if that is
    narrower.

    >>> choose_rankdir({"a": 100.0, "b": 100.0}, {"a": 0, "b": 1})
    'LR'
    >>> choose_rankdir({f"n{k}": 100.0 for k in range(20)}, {f"n{k}": k for k in range(20)})
    'TB'
    """
    columns: dict[int, list[float]] = {}
    for name, w in widths.items():
        columns.setdefault(rank.get(name, 0), []).append(w)
    lr_width = sum(max(ws) for ws in columns.values()) + 36 * max(len(columns) - 1, 0)
    tb_width = max((sum(ws) + 18 * (len(ws) - 1) for ws in columns.values()), default=0.0)
    if lr_width <= budget or lr_width <= tb_width:
        return "LR"
    return "TB"


def estimate_width(box: Box) -> float:
    """A rough width in points of a box laid out left to right, its rows beside its body (11 pt
    Helvetica, ~6.2 pt a character): enough to choose a direction, not to lay out."""

    def points(*texts: str) -> float:
        plain = (html.unescape(re.sub(r"<[^>]+>", "", text)) for text in texts)
        return 14.0 + 6.2 * max(len(text) for text in plain)

    body = max(points(box.title, f"data {box.data}", f"grad {box.grad}"), box.grad_width)
    rows = max((max(points(row.text, row.extra), row.width) for row in box.rows), default=0.0)
    return body + rows


# -- clusters -------------------------------------------------------------------------------------


def emit_clusters(graph: graphviz.Digraph, lines: dict[str, list[str]], clusters: bool) -> None:
    """Put each scope's node lines (``lines[scope]``, unscoped ones under "") into ``graph``,
    in nested clusters (layer0 ⊃ layer0.neuron3) when ``clusters``."""
    graph.body.extend(lines.pop("", []))
    if not clusters:
        for scope in sorted(lines, key=natural_key):
            graph.body.extend(lines[scope])
        return
    tree: dict[str, Any] = {}
    for scope in lines:
        level = tree
        for part in scope.split("."):
            level = level.setdefault(part, {})

    def emit(parent: graphviz.Digraph, level: dict[str, Any], prefix: str) -> None:
        for part in sorted(level, key=natural_key):
            scope = f"{prefix}{part}"
            with parent.subgraph(name=f"cluster_{scope.replace('.', '_')}") as cluster:
                cluster.attr(label=scope, style="rounded,dashed", color="#999999",
                             fontsize="10", fontcolor="#666666")  # fmt: skip
                cluster.body.extend(lines.get(scope, []))
                emit(cluster, level[part], f"{scope}.")

    emit(graph, tree, "")


# -- collapsing modules ---------------------------------------------------------------------------


def _samples(order: Sequence[Value], parameters: Container[int]) -> dict[int, int]:
    """For each node, the first input leaf (a leaf outside any module, not one of
    ``parameters``) it depends on, as its position in ``order``: nodes of one sample share it,
    so each sample collapses apart."""
    first: dict[int, int] = {}
    for k, node in enumerate(order):
        if not node.parents:
            if not node.scope and id(node) not in parameters:
                first[id(node)] = k
            continue
        found = [first[id(p)] for p in node.parents if id(p) in first]
        if found:
            first[id(node)] = min(found)
    return first


def groups(
    order: Sequence[Value], collapse: str | None, parameters: Container[int] = frozenset()
) -> dict[int, str]:
    """The summary box each collapsed node folds into, by the node's id: its scope cut to a
    neuron (``collapse="neuron"``) or a layer (``"layer"``), with the sample when there are
    several (told apart by the inputs they depend on: leaves that are not ``parameters``, by
    id, and have no scope); nothing for ``collapse=None``."""
    if collapse is None:
        return {}
    depth = {"layer": 1, "neuron": 2}[collapse]
    sample_of = _samples(order, parameters)
    keys: dict[int, tuple[str, int]] = {}
    for node in order:
        parts = node.scope.split(".") if node.scope else []
        if len(parts) >= depth:
            keys[id(node)] = (".".join(parts[:depth]), sample_of.get(id(node), -1))
    samples = sorted({s for _, s in keys.values() if s >= 0})
    number_of = {s: k for k, s in enumerate(samples)}
    result = {}
    for key, (scope, sample) in keys.items():
        if len(samples) <= 1:
            result[key] = scope
        elif sample < 0:  # parameters are shared by every sample: one box of their own
            result[key] = f"{scope} · parameters"
        else:
            result[key] = f"{scope} · sample {number_of[sample]}"
    return result


def summary_id(key: str) -> str:
    """The DOT id of the summary box ``key``.

    >>> summary_id("layer0.neuron1 · sample 0")
    's_layer0_neuron1_sample_0'
    """
    return "s_" + re.sub(r"[^A-Za-z0-9]+", "_", key)


def keep_in_order(graph: graphviz.Digraph, keys: list[str]) -> None:
    """Stack the summaries of one layer (and sample) in index order, neuron0 first: dot would
    otherwise order them to save crossings (2, 3, 0, 1). Invisible edges inside a rank=same
    group fix the order without moving anything to another rank."""
    siblings: dict[str, list[str]] = {}
    for key in keys:
        scope, _, sample = key.partition(" · ")
        if scope.count(".") == 1 and not sample.startswith("parameters"):
            siblings.setdefault(f"{scope.split('.')[0]} {sample}", []).append(summary_id(key))
    for names in siblings.values():
        if len(names) > 1:
            with graph.subgraph() as same:
                same.attr(rank="same")
                for tail, head in itertools.pairwise(names):
                    same.edge(tail, head, style="invis")
