"""A drawing worked out once: the :class:`Scene` of a graph knows its boxes (order, names,
roles, which nodes fold into summaries, which far uses are drawn as copies) and builds the
Graphviz digraph of :func:`~autograd_lite.viz.draw_graph`, its edges and its legend.
:mod:`~autograd_lite.viz.frames` and the explorer draw from the same scene, so every picture
of a graph has the same boxes.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> f = x * x + 1
>>> f.backward()
>>> scene = Scene(f)
>>> scene.names, scene.has_grads
(['x', 'x·x', '1', 'x·x + 1'], True)
>>> scene.tooltip(x)
'input x: data = 2.0, grad = 4.0'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import graphviz

from ...engine import Value, local_derivatives, rule_of, topological_order, type_name
from ..render import Drawing, GraphTooLargeError
from ..style import (
    ROLE_COLOURS,
    Parameters,
    clean_text,
    gradient_colour,
    node_names,
    number,
    parameter_ids,
    role,
)
from .labels import (
    FADED,
    HIGHLIGHT,
    MAX_ROWS,
    SUMMARY_FILL,
    Box,
    Row,
    box_label,
    box_title,
    derivative_text,
    operand_names,
    summary_label,
)
from .layout import (
    COMPASS,
    choose_rankdir,
    emit_clusters,
    estimate_width,
    groups,
    keep_in_order,
    natural_key,
    ranks,
    summary_id,
)

__all__ = ["DEFAULT_MAX_NODES", "Scene"]

DEFAULT_MAX_NODES = 1500
"""Largest graph laid out by default, in drawn boxes (measured: dot takes seconds at ~3,000
nodes, minutes at ~10,000)."""


class Scene:
    """What a drawing of ``root`` shows, worked out once: the order, names, which nodes fold
    into summaries, and which far uses are drawn as copies. :mod:`.frames` and the explorer
    draw from the same scene, so every picture of a graph has the same boxes."""

    def __init__(
        self,
        root: Value,
        *,
        collapse: str | None = None,
        max_nodes: int = DEFAULT_MAX_NODES,
        caller: str = "draw_graph",
        parameters: Parameters = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"{caller} needs a Value, got {type_name(root)}")
        # Leaves an nn module stamped with its scope are parameters anyway; these are the
        # others (a bare Neuron's, a module of one's own): only the module knows them.
        self.parameters = parameter_ids(parameters, caller)
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"{caller}: max_nodes must be a whole number >= 1, got {max_nodes!r}")
        self.root = root
        order = topological_order(root)
        self.order = order
        self.index = {id(node): k for k, node in enumerate(order)}
        self.group = groups(order, collapse, self.parameters)
        self.rank = ranks(order)
        self.copied = self._copied_edges()
        boxes = sum(1 for node in order if id(node) not in self.group)
        boxes += len(set(self.group.values())) + len(self.copied)
        if boxes > max_nodes:
            if caller != "draw_graph":  # frames and the explorer draw every box
                advice = "one sample, one neuron"
            elif collapse is None:
                advice = (
                    "one sample or one neuron, or collapse neurons or layers "
                    "(collapse='neuron' or 'layer')"
                )
            else:
                advice = "fewer samples, or collapse='layer'"
            raise GraphTooLargeError(
                f"the drawing would have {boxes} boxes ({len(order)} values), more than "
                f"max_nodes={max_nodes}: Graphviz would take minutes to lay it out. "
                f"Draw a smaller graph ({advice}), or raise max_nodes."
            )
        self.names = node_names(order)
        self.chains = self._chains()
        self.symbol = clean_text(root.label) if root.label else "out"
        # Gradients exist once any node has one; they are derivatives *of this root* when its
        # own is 1 (backward() was called on it), else of whatever output backward() ran from.
        self.has_grads = any(node.grad != 0.0 for node in order)
        self.grads_of_root = root.grad == 1.0

    def _copied_edges(self) -> set[tuple[int, int]]:
        """(consumer position, operand j) of the edges drawn from a copy of their operand:
        the far uses of a node used far away three times or more."""
        far: dict[int, list[tuple[int, int]]] = {}
        for k, node in enumerate(self.order):
            if id(node) in self.group:
                continue
            for j, parent in enumerate(node.parents):
                if id(parent) not in self.group and self.rank[id(node)] - self.rank[id(parent)] > 3:
                    far.setdefault(id(parent), []).append((k, j))
        return {edge for edges in far.values() if len(edges) >= 3 for edge in edges}

    def _chains(self) -> dict[int, str]:
        """A Graphviz group per chain of ops through their first operand, (((x + x) + x) + x):
        dot keeps the boxes of a group in one straight line."""
        chains: dict[int, str] = {}
        for k, node in enumerate(self.order):
            if node.parents and node.parents[0].parents and id(node) not in self.group:
                first = self.index[id(node.parents[0])]
                chains[k] = chains.setdefault(first, f"g{first}")
        return chains

    def name(self, node: Value) -> str:
        return self.names[self.index[id(node)]]

    def role(self, node: Value) -> str:
        """Output, intermediate, parameter, input or constant (:func:`~..style.role`)."""
        return role(node, self.root, self.parameters)

    def group_of(self, k: int) -> dict[str, str]:
        """The ``group`` attribute of box k, if it is part of a chain."""
        return {"group": self.chains[k]} if k in self.chains else {}

    def grad_text(self, node: Value) -> str:
        return number(node.grad) if self.has_grads else "?"

    def box(self, node: Value, *, color_gradients: bool = False, scale: float = 0.0) -> Box:
        """The box of ``node`` as draw_graph shows it (no rows: the caller adds them)."""
        part = self.role(node)
        fill = ROLE_COLOURS[part]
        dashed = False
        if color_gradients and self.has_grads:
            fill = gradient_colour(node.grad, scale)
            dashed = node.grad == 0.0
        return Box(
            title=box_title(node, self.name(node), self.symbol, self.root),
            data=number(node.data),
            grad=self.grad_text(node),
            fill=fill,
            dashed=dashed,
            border="#238b45" if part == "output" else "black",
            penwidth=2 if part == "output" else 1,
        )

    def tooltip(self, node: Value) -> str:
        """Full precision, for hovering in an SVG."""
        part = self.role(node)
        grad = repr(node.grad) if self.has_grads else "not computed yet"
        text = f"{part} {clean_text(self.name(node), 200)}: data = {node.data!r}, grad = {grad}"
        if node.parents:
            rule = rule_of(node)
            text += f"; op {rule.name}: {rule.formula}; {rule.derivative}"
        return text

    def graph(self, rankdir: str, caption: str = "") -> Drawing:
        attrs = {"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.25",
                 "ranksep": "0.35", "labelloc": "b", "labeljust": "c", "pad": "0.15"}  # fmt: skip
        if caption:
            attrs["label"] = caption
        return Drawing(
            "autograd_lite",
            graph_attr=attrs,
            node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "plain"},
            edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
        )

    def rows(self, node: Value, *, contributions: bool) -> list[Row]:
        """One row per operand (local derivative, and local × grad), or one row with the rule
        for ops with very many operands."""
        if not node.parents:
            return []
        locals_ = local_derivatives(node)
        if len(node.parents) > MAX_ROWS:
            return [Row("p", html.escape(rule_of(node).derivative))]
        operands = operand_names(node, self.names, self.index)
        rows = []
        for j, (operand, local) in enumerate(zip(operands, locals_, strict=True)):
            extra = ""
            if contributions and self.has_grads:
                extra = html.escape(f"× {number(node.grad)} = {number(local * node.grad)}")
            rows.append(Row(f"p{j}", derivative_text(operand, local), extra))
        return rows

    def tail(self, graph: Drawing, k: int, j: int) -> str:
        """Where the edge of operand j of box k starts: the operand's box, or (for a far use of
        a value used far away many times) a small copy of it, added to ``graph`` here."""
        parent = self.order[k].parents[j]
        if (k, j) not in self.copied:
            return f"n{self.index[id(parent)]}"
        name = f"c{k}_{j}"
        graph.node(name, html.escape(self.name(parent)), shape="box", style="rounded,dashed",
                   fontsize="9", margin="0.04,0.02", height="0.2", width="0.3", color="#888888",
                   tooltip=f"a copy of {clean_text(self.name(parent), 200)}, drawn here so the "
                           "edge stays short")  # fmt: skip
        return name

    def head(self, k: int, j: int, rankdir: str, with_rows: bool) -> str:
        """Where the edge of operand j of box k ends: its row, or the box."""
        node = self.order[k]
        if not with_rows:  # the invisible anchors, if any
            if len(node.parents) < 2 or len(node.parents) > MAX_ROWS:
                return f"n{k}"
            return f"n{k}:p{j}:{COMPASS[rankdir]}"
        if len(node.parents) > MAX_ROWS:
            return f"n{k}:p:{COMPASS[rankdir]}"
        if rankdir in ("TB", "BT"):
            # Rows span the box: row 0 is entered straight from above (below for BT), the
            # others from the left, so each edge still ends at its own row.
            return f"n{k}:p0:{COMPASS[rankdir]}" if j == 0 else f"n{k}:p{j}:w"
        return f"n{k}:p{j}:{COMPASS[rankdir]}"

    def draw(
        self,
        *,
        rankdir: str,
        edge_derivatives: bool,
        contributions: bool,
        color_gradients: bool,
        highlight: Value | None,
        clusters: bool,
        legend: bool,
    ) -> Drawing:
        order, group = self.order, self.group
        with_rows = edge_derivatives or contributions
        on_path = on_paths(highlight, order) if highlight is not None else None
        scale = max((abs(n.grad) for n in order), default=0.0)

        def faded(*nodes: Value) -> bool:
            return on_path is not None and not all(id(n) in on_path for n in nodes)

        boxes: dict[str, tuple[Value, Box]] = {}
        for k, node in enumerate(order):
            if id(node) in group:
                continue
            box = self.box(node, color_gradients=color_gradients, scale=scale)
            if with_rows:
                box.rows = self.rows(node, contributions=contributions)
            elif len(node.parents) <= MAX_ROWS:
                box.anchors = len(node.parents)
            if faded(node):
                box.faded, box.border = True, FADED
            boxes[f"n{k}"] = (node, box)
        if rankdir == "auto":
            widths = {name: estimate_width(box) for name, (_, box) in boxes.items()}
            rank = {name: self.rank[id(node)] for name, (node, _) in boxes.items()}
            rankdir = choose_rankdir(widths, rank)

        graph = self.graph(rankdir)
        lines: dict[str, list[str]] = {}
        for name, (node, box) in boxes.items():
            target = graphviz.Digraph()
            target.node(name, box_label(box, rankdir), id=name, tooltip=self.tooltip(node),
                        **self.group_of(self.index[id(node)]))  # fmt: skip
            lines.setdefault(node.scope if clusters else "", []).extend(target.body)
        summaries = self._summaries(color_gradients, scale, on_path)
        for key in sorted(summaries, key=natural_key):
            target = graphviz.Digraph()
            target.node(summary_id(key), summaries[key], id=summary_id(key))
            lines.setdefault("", []).extend(target.body)
        emit_clusters(graph, lines, clusters)
        keep_in_order(graph, sorted(summaries, key=natural_key))
        self._emit_edges(graph, rankdir, with_rows, contributions, on_path, faded)
        if legend or not self.has_grads:
            graph.attr(label=self.legend(
                edge_derivatives=with_rows, contributions=contributions and self.has_grads,
                color_gradients=color_gradients and self.has_grads, scale=scale,
                summaries=bool(summaries), full=legend,
            ))  # fmt: skip
        return graph

    def _summaries(
        self, color_gradients: bool, scale: float, on_path: set[int] | None = None
    ) -> dict[str, str]:
        """The labels of the summary boxes of collapsed modules, by key."""
        members: dict[str, list[Value]] = {}
        for node in self.order:
            key = self.group.get(id(node))
            if key is not None:
                members.setdefault(key, []).append(node)
        used_outside: set[int] = {id(self.root)}
        for node in self.order:
            for parent in node.parents:
                if self.group.get(id(parent)) != self.group.get(id(node)):
                    used_outside.add(id(parent))
        result = {}
        for key, nodes in members.items():
            outputs = [n for n in nodes if n.parents and id(n) in used_outside]
            fill = SUMMARY_FILL
            if color_gradients and self.has_grads:
                fill = gradient_colour(max((n.grad for n in outputs or nodes), key=abs), scale)
            faded = on_path is not None and not any(id(n) in on_path for n in nodes)
            result[key] = summary_label(key, nodes, outputs, self.has_grads, fill, faded)
        return result

    def _emit_edges(
        self,
        graph: Drawing,
        rankdir: str,
        with_rows: bool,
        contributions: bool,
        on_path: set[int] | None,
        faded: Any,
    ) -> None:
        largest = max(
            (abs(local * node.grad) for node in self.order if node.parents
             for local in local_derivatives(node)),
            default=0.0,
        )  # fmt: skip
        merged: dict[tuple[str, str], int] = {}
        merged_on_path: set[tuple[str, str]] = set()  # merged edges that carry a highlighted path
        for k, node in enumerate(self.order):
            if not node.parents:
                continue
            locals_ = local_derivatives(node)
            for j, (parent, local) in enumerate(zip(node.parents, locals_, strict=True)):
                tail_key, head_key = self.group.get(id(parent)), self.group.get(id(node))
                if tail_key is not None or head_key is not None:
                    if tail_key != head_key:
                        tail = summary_id(tail_key) if tail_key else f"n{self.index[id(parent)]}"
                        head = summary_id(head_key) if head_key else f"n{k}"
                        merged[(tail, head)] = merged.get((tail, head), 0) + 1
                        if on_path is not None and not faded(node, parent):
                            merged_on_path.add((tail, head))
                    continue
                tail = self.tail(graph, k, j)
                attrs = {"id": f"e{k}_{j}"}
                if contributions and self.has_grads and largest:
                    width = 0.8 + 3.2 * abs(local * node.grad) / largest
                    attrs["penwidth"] = f"{width:.2f}"
                if faded(node, parent):
                    attrs["color"] = FADED
                elif on_path is not None:
                    attrs["color"] = HIGHLIGHT
                    attrs["penwidth"] = attrs.get("penwidth", "2.2")
                graph.edge(tail, self.head(k, j, rankdir, with_rows), **attrs)
        for (tail, head), count in merged.items():
            attrs = {"label": f"{count} edges"} if count > 1 else {}
            if on_path is not None:  # as for single edges: on the path, or faded
                on = (tail, head) in merged_on_path
                attrs.update(color=HIGHLIGHT if on else FADED, penwidth="2.2" if on else "1")
            graph.edge(tail, head, **attrs)

    def legend(
        self,
        *,
        edge_derivatives: bool,
        contributions: bool,
        color_gradients: bool,
        scale: float,
        summaries: bool,
        full: bool = True,
    ) -> str:
        """The key under a picture, as an HTML-like label."""
        lines: list[str] = []
        symbol = html.escape(self.symbol)
        if not self.has_grads:
            lines.append("gradients not computed yet: call backward() on the output")
        if full:
            if color_gradients:
                lines.append(
                    f"fill: the gradient, red &gt; 0, blue &lt; 0, white 0; full colour at "
                    f"|grad| = {html.escape(number(scale))}; dashed border: gradient exactly 0"
                )
            else:
                present = {self.role(n) for n in self.order if id(n) not in self.group}
                swatch = (
                    '<td bgcolor="{}" border="1" fixedsize="true" width="92" height="18">{}</td>'
                )
                swatches = "".join(
                    swatch.format(colour, part)
                    for part, colour in ROLE_COLOURS.items()
                    if part in present
                )
                lines.append(
                    f'<table border="0" cellspacing="4" cellpadding="2"><tr>{swatches}</tr></table>'
                )
            if self.has_grads and self.grads_of_root:
                lines.append(
                    f"grad = ∂{symbol}/∂(box): how much {symbol} changes per unit change of the box"
                )
            elif self.has_grads:
                lines.append(
                    f"grad: from the last backward() pass, of the output it started from (not of "
                    f"{symbol}, whose own grad is {html.escape(number(self.root.grad))}, not 1)"
                )
            if edge_derivatives:
                lines.append(
                    "grey rows: local derivatives ∂(box)/∂(operand), where each edge comes in"
                )
            if contributions:
                lines.append(
                    "orange: × the box's grad = what the chain rule adds to the operand's grad"
                )
                lines.append("edge width: the size of that amount")
            if self.copied:
                lines.append("small dashed boxes: copies of a value used by many ops")
            if summaries:
                lines.append(
                    "yellow boxes: a neuron or layer folded into one (ranges over its outputs)"
                )
        rows = "".join(f'<tr><td><font point-size="10">{line}</font></td></tr>' for line in lines)
        return (
            f'<<table border="0" cellspacing="0" cellpadding="1"><tr><td> </td></tr>{rows}</table>>'
        )


def on_paths(source: Value, order: Sequence[Value]) -> set[int]:
    """ids of the nodes on some path from ``source`` to the root (the last node of ``order``)."""
    below = {id(source)}
    for node in order:  # parents come first: one pass finds everything downstream of source
        if any(id(p) in below for p in node.parents):
            below.add(id(node))
    above = {id(order[-1])}
    for node in reversed(order):  # and one pass back finds what the root depends on
        if id(node) in above:
            above.update(id(p) for p in node.parents)
    return below & above
