"""Draw computation graphs with Graphviz: every value, gradient and local derivative.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3
>>> f.backward()
>>> graph = draw_graph(f, edge_derivatives=True)
>>> graph.source == draw_graph(f, edge_derivatives=True).source   # the same text every time
True
>>> print(graph.source.splitlines()[0])
digraph autograd_lite {

Each value is one box: its name (label, or the subexpression that made it, like ``x² + 1``), its
data and its grad. With ``edge_derivatives=True`` the box of an op also lists its local
derivatives, one row per operand, and the edge from each operand ends at its own row.

Building the graph needs only the ``graphviz`` Python package; :func:`render` (or Jupyter's
display) needs Graphviz's ``dot`` program and says how to install it when it is missing, while
``graph.source`` (DOT text) is always available.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import graphviz

from ..engine import Value, local_derivatives, rule_of, topological_order, type_name
from .render import (
    INSTALL_HELP,
    Drawing,
    GraphTooLargeError,
    GraphvizNotFoundError,
    render,
)
from .style import (
    ROLE_COLOURS,
    clean_text,
    gradient_colour,
    node_names,
    number,
    role,
)

__all__ = [
    "DEFAULT_MAX_NODES",
    "INSTALL_HELP",
    "Drawing",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "draw_graph",
    "render",
]

DEFAULT_MAX_NODES = 1500
"""Largest graph laid out by default, in drawn boxes (measured: dot takes seconds at ~3,000
nodes, minutes at ~10,000)."""

MAX_ROWS = 24
"""Ops with more operands than this list their derivative rule once instead of a row each."""

WIDTH_BUDGET = 800.0
"""Widest layout (points) kept left to right: at 900 px in a notebook, 11 pt text stays ≥ 9 pt."""

_HIGHLIGHT = "#d94801"  # orange: highlighted paths, the current step of a backward pass
_FADED = "#cccccc"
_SUMMARY_FILL = "#fff7bc"
_ROW_FILL = "#f2f2f2"
RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
_COMPASS = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}


def html_text(text: str) -> str:
    """User text inside an HTML-like label: escaped, with no control characters."""
    return html.escape(clean_text(text, limit=10_000))


# -- one box per value ----------------------------------------------------------------------------


@dataclass
class Row:
    """One operand's line in an op's box: its local derivative and, maybe, what it passes on."""

    port: str
    text: str
    extra: str = ""  # e.g. "×75 = 300", in the highlight colour
    width: int = 0  # reserved width in points (frames keep every box the same size)


@dataclass
class Box:
    """What a value box shows; :func:`box_label` turns it into an HTML-like label."""

    title: str  # HTML, already escaped
    data: str
    grad: str
    fill: str
    rows: list[Row] = field(default_factory=list)
    dashed: bool = False
    border: str = "black"
    penwidth: int = 1
    faded: bool = False
    grad_width: int = 0
    anchors: int = 0  # without rows: invisible cells, one per operand, that edges end at


def box_label(box: Box, rankdir: str) -> str:
    """The HTML-like label of a value box: its title, data and grad, and the rows of local
    derivatives where the edges come in: a column on the left (LR; right for RL), or rows on top
    (TB; below for BT), the first one entered straight from above so a chain stays straight."""

    def text(inner: str) -> str:
        return f'<font color="#999999">{inner}</font>' if box.faded else inner

    grad_width = f' width="{box.grad_width}"' if box.grad_width else ""
    data = text(f"data {html.escape(box.data)}")
    grad = text(f"grad {html.escape(box.grad)}")
    # Stacked (title, data, grad), so boxes stay narrow and a graph fits a notebook's width.
    main = (
        f'<table border="0" cellspacing="0" cellpadding="1"><tr><td>{text(box.title)}</td></tr>'
        f"<tr><td>{data}</td></tr><tr><td{grad_width}>{grad}</td></tr></table>"
    )
    style = "rounded,dashed" if box.dashed else "rounded"
    opening = (
        f'<table border="{box.penwidth}" style="{style}" color="{box.border}" '
        f'bgcolor="{box.fill}" cellborder="0" cellspacing="0" cellpadding="3">'
    )

    def cell(row: Row, extra_attrs: str = "") -> str:
        extra = f'<br/><font color="{_HIGHLIGHT}">{row.extra}</font>' if row.extra else ""
        width = f' width="{row.width}"' if row.width else ""
        return (
            f'<td port="{row.port}" bgcolor="{_ROW_FILL}" align="left" balign="left"'
            f"{width}{extra_attrs}>{text(row.text)}{extra}</td>"
        )

    if not box.rows and box.anchors > 1:
        # No rows to show, but one empty, invisible cell per operand, in order, where the edges
        # come in: dot then stacks the operands in order (w0, w1, …, b), as it does for rows.
        size = 'width="2" height="9"' if rankdir in ("LR", "RL") else 'width="9" height="2"'
        cells = [f'<td port="p{j}" {size}></td>' for j in range(box.anchors)]
        if rankdir in ("LR", "RL"):
            side = f'<td rowspan="{box.anchors}">{main}</td>'
            first = cells[0] + side if rankdir == "LR" else side + cells[0]
            column = "".join(f"<tr>{c}</tr>" for c in [first, *cells[1:]])
            return f"<{opening}{column}</table>>"
        body = f'<tr><td colspan="{box.anchors}">{main}</td></tr>'
        anchors = f"<tr>{''.join(cells)}</tr>"
        return f"<{opening}{anchors}{body}</table>>" if rankdir == "TB" else (
            f"<{opening}{body}{anchors}</table>>")  # fmt: skip
    if not box.rows:
        return f"<{opening}<tr><td>{main}</td></tr></table>>"
    if rankdir in ("LR", "RL"):
        lines = []
        for k, row in enumerate(box.rows):
            side = f'<td rowspan="{len(box.rows)}">{main}</td>' if k == 0 else ""
            lines.append(f"<tr>{cell(row)}{side}</tr>" if rankdir == "LR" else
                         f"<tr>{side}{cell(row)}</tr>")  # fmt: skip
        return f"<{opening}{''.join(lines)}</table>>"
    rows = "".join(f"<tr>{cell(row)}</tr>" for row in box.rows)
    body = f"<tr><td>{main}</td></tr>"
    return (
        f"<{opening}{rows}{body}</table>>"
        if rankdir == "TB"
        else f"<{opening}{body}{rows}</table>>"
    )


def box_title(node: Value, name: str, root_symbol: str, root: Value) -> str:
    """The bold name of a box; an op node with a label also shows the expression it holds."""
    if node is root and not node.label:
        return f"<b>{html.escape(f'{root_symbol} = {name}')}</b>"  # one run of bold text
    if not node.parents and not node.label:
        return "<b>constant</b>"
    return f"<b>{html.escape(name)}</b>"


def bracketed(name: str) -> str:
    """A name as an operand of ∂: ∂/∂x², but ∂/∂(x + 1)."""
    return name if re.fullmatch(r"[\w.²³⁴⁵⁶⁷⁸⁹⁰¹⁻]+|\w+\(.*\)", name) else f"({name})"


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def input_name(node: Value, j: int) -> str:
    """The rule's name for operand ``j`` of ``node``: a, b, x; xᵢ of a sum; wᵢ, xᵢ, b of linear."""
    rule = rule_of(node)
    if node.op == "linear":
        if j == len(node.parents) - 1:
            return "b"
        return f"{'wx'[j % 2]}{j // 2}".translate(_SUBSCRIPT)
    if rule.variadic:
        return f"{rule.inputs[0][0]}{j}".translate(_SUBSCRIPT)
    return rule.inputs[j]


def operand_names(node: Value, names: Sequence[str], index: dict[int, int]) -> list[str]:
    """How the rows of ``node`` call its operands: their names when short, else the rule's
    names for its inputs (:func:`input_name`)."""
    result = []
    for j, parent in enumerate(node.parents):
        name = bracketed(names[index[id(parent)]])
        if len(name) > 14:  # the rule's own names: w₀, x₀, b of a neuron, a and b, …
            name = input_name(node, j)
        result.append(name)
    return result


def derivative_text(operand: str, local: float) -> str:
    """``∂/∂x = 4``: the text of a row (escaped)."""
    return html.escape(f"∂/∂{operand} = {number(local)}")


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
    narrower."""
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


# -- collapsing modules ---------------------------------------------------------------------------


def _samples(order: Sequence[Value]) -> dict[int, int]:
    """For each node, the first input leaf (a leaf outside any module) it depends on, as its
    position in ``order``: nodes of one sample share it, so each sample collapses apart."""
    first: dict[int, int] = {}
    for k, node in enumerate(order):
        if not node.parents:
            if not node.scope:
                first[id(node)] = k
            continue
        found = [first[id(p)] for p in node.parents if id(p) in first]
        if found:
            first[id(node)] = min(found)
    return first


def _groups(order: Sequence[Value], collapse: str | None) -> dict[int, str]:
    """The summary box each collapsed node folds into (scope, with the sample when several)."""
    if collapse is None:
        return {}
    depth = {"layer": 1, "neuron": 2}[collapse]
    sample_of = _samples(order)
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


def _summary_label(
    key: str,
    members: list[Value],
    outputs: list[Value],
    has_grads: bool,
    fill: str,
    faded: bool = False,
) -> str:
    def span(values: list[float]) -> str:
        low, high = min(values), max(values)
        return number(low) if low == high else f"{number(low)} … {number(high)}"

    lines = [f"<b>{html.escape(key)}</b>"]
    params = [n for n in members if not n.parents]
    if outputs:
        ops = ", ".join(sorted({node.op for node in outputs}))
        count = len(outputs)
        lines.append(html.escape(f"{count} output{'s' if count != 1 else ''} ({ops})"))
        lines.append(html.escape(f"out {span([n.data for n in outputs])}"))
        if has_grads:
            lines.append(html.escape(f"grad {span([n.grad for n in outputs])}"))
        if params:
            lines.append(html.escape(f"{len(params)} parameters"))
    else:  # the parameters of a module, shared by several samples
        lines.append(html.escape(f"{len(params)} parameters, {span([n.data for n in params])}"))
        if has_grads:
            lines.append(html.escape(f"grad {span([n.grad for n in params])}"))
    font = '<font color="#999999">{}</font>' if faded else "{}"
    rows = "".join(f"<tr><td>{font.format(line)}</td></tr>" for line in lines)
    border = _FADED if faded else "black"
    return (
        f'<<table border="1" style="rounded" color="{border}" bgcolor="{fill}" cellborder="0" '
        f'cellspacing="0" cellpadding="2">{rows}</table>>'
    )


# -- the drawing ----------------------------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    rankdir: str = "auto",
    edge_derivatives: bool = False,
    contributions: bool = False,
    color_gradients: bool = False,
    highlight: Value | None = None,
    collapse: str | None = None,
    clusters: bool = True,
    legend: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Drawing:
    """The computation graph of ``root`` as a Graphviz digraph (DOT text in ``.source``).

    Args:
        rankdir: ``"auto"`` (left to right when that fits a notebook's width, else top to
            bottom), ``"LR"``, ``"TB"``, ``"RL"`` or ``"BT"``.
        edge_derivatives: list each op's local derivatives ∂out/∂operand in its box, one row
            per operand, where that operand's edge comes in.
        contributions: also show local × grad on each row (what the chain rule adds to the
            operand's gradient), with the edge's width following its size.
        color_gradients: fill boxes by the sign and size of their gradient; boxes whose
            gradient is exactly zero (a dead ReLU) get a dashed border.
        highlight: a node (say, a parameter) whose paths to the output are emphasised.
        collapse: ``"neuron"`` or ``"layer"``: fold each neuron or layer of an nn module (per
            sample) into one summary box.
        clusters: frame the boxes of each neuron and layer built by :mod:`autograd_lite.nn`.
        legend: a key under the picture: what the colours, rows and widths mean, and what
            "grad" is the derivative of.
        max_nodes: refuse drawings with more boxes than this, counted after collapsing.

    Box ids follow the topological order (``n0``, ``n1``, …; the edge from operand j of box k
    is ``e{k}_{j}``), so the same graph gives the same DOT text on every run. Before any
    backward pass (the root's gradient is still 0), boxes say "grad ?" and the legend says
    the gradients are not computed yet. A value used by many ops far apart (x in x + x + … + x)
    is drawn once in full and as a small copy beside each far use, which keeps ``dot`` fast.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, got {rankdir!r}"
        )
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"highlight must be a Value, got {type_name(highlight)}")
    scene = Scene(root, collapse=collapse, max_nodes=max_nodes)
    return scene.draw(
        rankdir=rankdir,
        edge_derivatives=edge_derivatives,
        contributions=contributions,
        color_gradients=color_gradients,
        highlight=highlight,
        clusters=clusters,
        legend=legend,
    )


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
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"{caller} needs a Value, got {type_name(root)}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"{caller}: max_nodes must be a whole number >= 1, got {max_nodes!r}")
        self.root = root
        order = topological_order(root)
        self.order = order
        self.index = {id(node): k for k, node in enumerate(order)}
        self.group = _groups(order, collapse)
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

    def group_of(self, k: int) -> dict[str, str]:
        """The ``group`` attribute of box k, if it is part of a chain."""
        return {"group": self.chains[k]} if k in self.chains else {}

    def grad_text(self, node: Value) -> str:
        return number(node.grad) if self.has_grads else "?"

    def box(self, node: Value, *, color_gradients: bool = False, scale: float = 0.0) -> Box:
        """The box of ``node`` as draw_graph shows it (no rows: the caller adds them)."""
        part = role(node, self.root)
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
        part = role(node, self.root)
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
            return f"n{k}:p{j}:{_COMPASS[rankdir]}"
        if len(node.parents) > MAX_ROWS:
            return f"n{k}:p:{_COMPASS[rankdir]}"
        if rankdir in ("TB", "BT"):
            # Rows span the box: row 0 is entered straight from above (below for BT), the
            # others from the left, so each edge still ends at its own row.
            return f"n{k}:p0:{_COMPASS[rankdir]}" if j == 0 else f"n{k}:p{j}:w"
        return f"n{k}:p{j}:{_COMPASS[rankdir]}"

    def emit_nodes(self, graph: Drawing, lines: dict[str, list[str]], clusters: bool) -> None:
        """Put each scope's node lines into nested clusters (layer0 ⊃ layer0.neuron3)."""
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
        on_path = _on_paths(highlight, order) if highlight is not None else None
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
                box.faded, box.border = True, _FADED
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
            target.node(_summary_id(key), summaries[key], id=_summary_id(key))
            lines.setdefault("", []).extend(target.body)
        self.emit_nodes(graph, lines, clusters)
        _keep_in_order(graph, sorted(summaries, key=natural_key))
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
            fill = _SUMMARY_FILL
            if color_gradients and self.has_grads:
                fill = gradient_colour(max((n.grad for n in outputs or nodes), key=abs), scale)
            faded = on_path is not None and not any(id(n) in on_path for n in nodes)
            result[key] = _summary_label(key, nodes, outputs, self.has_grads, fill, faded)
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
                        tail = _summary_id(tail_key) if tail_key else f"n{self.index[id(parent)]}"
                        head = _summary_id(head_key) if head_key else f"n{k}"
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
                    attrs["color"] = _FADED
                elif on_path is not None:
                    attrs["color"] = _HIGHLIGHT
                    attrs["penwidth"] = attrs.get("penwidth", "2.2")
                graph.edge(tail, self.head(k, j, rankdir, with_rows), **attrs)
        for (tail, head), count in merged.items():
            attrs = {"label": f"{count} edges"} if count > 1 else {}
            if on_path is not None:  # as for single edges: on the path, or faded
                on = (tail, head) in merged_on_path
                attrs.update(color=_HIGHLIGHT if on else _FADED, penwidth="2.2" if on else "1")
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
                present = {role(n, self.root) for n in self.order if id(n) not in self.group}
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


def _keep_in_order(graph: Drawing, keys: list[str]) -> None:
    """Stack the summaries of one layer (and sample) in index order, neuron0 first: dot would
    otherwise order them to save crossings (2, 3, 0, 1). Invisible edges inside a rank=same
    group fix the order without moving anything to another rank."""
    siblings: dict[str, list[str]] = {}
    for key in keys:
        scope, _, sample = key.partition(" · ")
        if scope.count(".") == 1 and not sample.startswith("parameters"):
            siblings.setdefault(f"{scope.split('.')[0]} {sample}", []).append(_summary_id(key))
    for names in siblings.values():
        if len(names) > 1:
            with graph.subgraph() as same:
                same.attr(rank="same")
                for tail, head in itertools.pairwise(names):
                    same.edge(tail, head, style="invis")


def _summary_id(key: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9]+", "_", key)


def _on_paths(source: Value, order: Sequence[Value]) -> set[int]:
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
