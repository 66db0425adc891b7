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

Building the graph needs only the ``graphviz`` Python package; :func:`render` (or Jupyter's
display) needs Graphviz's ``dot`` program and says how to install it when it is missing, while
``graph.source`` (DOT text) is always available.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import graphviz

from .engine import Value, local_derivatives, topological_order
from .ops import RULES

__all__ = [
    "DEFAULT_MAX_NODES",
    "Drawing",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "backward_frames",
    "draw_graph",
    "render",
    "save_frames",
]

DEFAULT_MAX_NODES = 1500
"""Largest graph laid out by default (measured: dot takes seconds at ~3,000 nodes, minutes at
~10,000)."""

INSTALL_HELP = (
    "Graphviz's `dot` program is needed to lay out and draw graphs, and it is not installed "
    "(the DOT text is still available as graph.source). Install it with one of:\n"
    "  sudo apt-get install --no-install-recommends graphviz   (Debian, Ubuntu)\n"
    "  brew install graphviz                                   (macOS)\n"
    "  conda install -c conda-forge graphviz                   (conda)"
)

_STYLE = {  # fill colours by role, when gradients are not coloured
    "input": "#deebf7",
    "parameter": "#fee6ce",
    "constant": "#f0f0f0",
    "intermediate": "#ffffff",
    "output": "#e5f5e0",
}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is missing; the message says how to install it."""


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``: laying it out would take minutes."""


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A ``graphviz.Digraph`` that explains a missing ``dot`` instead of raising in Jupyter."""

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, Any]:
        if shutil.which("dot") is None:
            return {"text/plain": f"{INSTALL_HELP}\n\n{self.source}"}
        bundle: dict[str, Any] = super()._repr_mimebundle_(include, exclude)
        return bundle


def _number(x: float) -> str:
    # Four significant digits keep widths stable; the tooltip carries the full value.
    # Adding 0.0 turns −0.0 into 0.0, which is the same number and reads better.
    return f"{x + 0.0:.4g}"


def _role(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    if node.scope:
        return "parameter"
    return "input" if node.label else "constant"


def _op_text(node: Value) -> str:
    rule = RULES[node.op]
    if node.op == "pow":
        return f"x**{node.op_args[0]:g}"
    if node.op == "leaky_relu":
        return f"lrelu({node.op_args[0]:g})"
    return rule.symbol


def _colour(grad: float, scale: float) -> str:
    """A diverging colour: blue for negative gradients, red for positive, white for zero;
    the intensity is |grad| / scale."""
    t = min(abs(grad) / scale, 1.0) if scale > 0 else 0.0
    r, g, b = (255, 255, 255)
    target = (203, 24, 29) if grad > 0 else (33, 113, 181)
    mix = [round(c + (tc - c) * t * 0.85) for c, tc in zip((r, g, b), target, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


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


def _collapsed_scope(node: Value, collapse: str | None) -> str | None:
    """The scope a node is folded into when collapsing neurons or layers, or None."""
    if collapse is None or not node.scope:
        return None
    parts = node.scope.split(".")
    depth = {"layer": 1, "neuron": 2}[collapse]
    return ".".join(parts[:depth]) if len(parts) >= depth else None


def _checked_order(root: Value, max_nodes: int) -> list[Value]:
    """The nodes to draw, or GraphTooLargeError when there are more than ``max_nodes``."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    ops = sum(1 for node in order if node.parents)
    if len(order) + ops > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {len(order)} values and {ops} ops, more than max_nodes={max_nodes}: "
            "Graphviz would take minutes to lay it out. Draw a smaller graph (one sample, one "
            "neuron), collapse neurons or layers (collapse='neuron'), or raise max_nodes."
        )
    return order


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    edge_derivatives: bool = False,
    contributions: bool = False,
    color_gradients: bool = False,
    highlight: Value | None = None,
    collapse: str | None = None,
    clusters: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Drawing:
    """The computation graph of ``root`` as a Graphviz digraph (DOT text in ``.source``).

    Args:
        rankdir: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
        edge_derivatives: label each edge with the local derivative ∂out/∂in.
        contributions: also show local × upstream gradient on each edge (what the chain rule
            adds to the input's gradient), with line width following its magnitude.
        color_gradients: fill nodes by the sign and size of their gradient, with a legend;
            nodes whose gradient is exactly zero (a dead ReLU) get a dashed border.
        highlight: a node (say, a parameter) whose paths to the output are emphasised.
        collapse: ``"neuron"`` or ``"layer"``: fold each neuron or layer of an nn module
            into one summary node.
        clusters: box the nodes of each neuron and layer built by :mod:`autograd_lite.nn`.
        max_nodes: refuse graphs larger than this (see :data:`DEFAULT_MAX_NODES`).

    Node ids follow the topological order, so the same graph gives the same DOT text on every
    run. Before any backward pass (the root's gradient is still 0), nodes say "grad: not
    computed" rather than showing zeros as if they were gradients.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
    order = _checked_order(root, max_nodes)
    has_grads = root.grad != 0.0
    on_path = _on_paths(highlight, order) if highlight is not None else None
    scale = max((abs(n.grad) for n in order), default=0.0)

    graph = Drawing(
        "autograd_lite",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.25"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    ids = {id(node): f"n{k}" for k, node in enumerate(order)}
    group = {id(node): _collapsed_scope(node, collapse) for node in order}

    def faded(*nodes: Value) -> bool:
        return on_path is not None and not all(id(n) in on_path for n in nodes)

    # Nodes, inside clusters for their scopes.
    bodies: dict[str, list[str]] = {}
    summaries: dict[str, Value] = {}
    for node in order:
        key = group[id(node)]
        if key is not None:
            summaries[key] = node  # the last node of a scope in topological order: its output
            continue
        target = graphviz.Digraph()
        _value_node(target, ids[id(node)], node, root, has_grads, color_gradients, scale,
                    faded(node))  # fmt: skip
        if node.parents:
            target.node(f"{ids[id(node)]}_op", html.escape(_op_text(node)), shape="circle",
                        width="0.3", height="0.3", fixedsize="false", fontsize="10",
                        color="#bbbbbb" if faded(node) else "black")  # fmt: skip
            target.edge(f"{ids[id(node)]}_op", ids[id(node)],
                        color="#dddddd" if faded(node) else "black")  # fmt: skip
        bodies.setdefault(node.scope if clusters else "", []).extend(target.body)
    for key, node in summaries.items():
        target = graphviz.Digraph()
        label = (
            f"<<b>{html.escape(key)}</b><br/>out {html.escape(_number(node.data))}"
            + (f"<br/>grad {html.escape(_number(node.grad))}" if has_grads else "")
            + ">"
        )
        target.node(
            f"s_{key}", label, shape="box3d", style="filled", fillcolor="#fff7bc", margin="0.2"
        )
        bodies.setdefault("", []).extend(target.body)
    _emit_clusters(graph, bodies)

    # Edges: one per operand, so a + a has two (edges between collapsed scopes are merged).
    merged: dict[tuple[str, str], int] = {}
    for node in order:
        if not node.parents:
            continue
        head = f"{ids[id(node)]}_op"
        if group[id(node)] is not None:
            head = f"s_{group[id(node)]}"
        locals_ = local_derivatives(node)
        largest = max((abs(local * node.grad) for local in locals_), default=0.0)
        for parent, local in zip(node.parents, locals_, strict=True):
            tail = ids[id(parent)] if group[id(parent)] is None else f"s_{group[id(parent)]}"
            if tail == head:
                continue  # inside a collapsed scope
            if tail.startswith("s_") or head.startswith("s_"):
                merged[(tail, head)] = merged.get((tail, head), 0) + 1
                continue
            attrs: dict[str, str] = {}
            texts = []
            if edge_derivatives:
                texts.append(f"∂={_number(local)}")
            if contributions and has_grads:
                contribution = local * node.grad
                texts.append(f"×{_number(node.grad)} = {_number(contribution)}")
                width = 0.6 + 3.4 * (abs(contribution) / largest if largest else 0.0)
                attrs["penwidth"] = f"{width:.2f}"
            if texts:
                attrs["label"] = html.escape(" ".join(texts))
                attrs["decorate"] = "true"  # a line ties the label to its own edge
            if faded(node, parent):
                attrs["color"] = "#dddddd"
                attrs["fontcolor"] = "#bbbbbb"
            elif on_path is not None:
                attrs["color"] = "#d94801"
                attrs["penwidth"] = attrs.get("penwidth", "2.2")
            graph.edge(tail, head, **attrs)

    for (tail, head), count in merged.items():
        graph.edge(tail, head, **({"label": f"{count} edges"} if count > 1 else {}))

    if color_gradients and has_grads:
        graph.node(
            "legend",
            f"<gradient colour: red &gt; 0, blue &lt; 0, white 0; full colour at "
            f"|grad| = {html.escape(_number(scale))}<br/>dashed border: gradient exactly 0>",
            shape="note",
            fontsize="9",
        )
    if not has_grads:
        graph.node(
            "note",
            "gradients not computed yet: call backward() on the output",
            shape="note",
            fontsize="9",
        )
    return graph


def _value_node(
    target: graphviz.Digraph,
    name: str,
    node: Value,
    root: Value,
    has_grads: bool,
    color_gradients: bool,
    scale: float,
    faded: bool,
) -> None:
    role = _role(node, root)
    title = html.escape(node.label or ("" if node.parents else "const"))
    grad = _number(node.grad) if has_grads else "not computed"
    cells = ([f"<td><b>{title}</b></td>"] if title else []) + [
        f"<td>data {html.escape(_number(node.data))}</td>",
        f"<td>grad {html.escape(grad)}</td>",
    ]
    fill = _STYLE[role]
    style = "filled,rounded"
    if color_gradients and has_grads:
        fill = _colour(node.grad, scale)
        if node.grad == 0.0:
            style += ",dashed"
    named = f"{role} {node.label}" if node.label else role
    tooltip = f"{named}: data = {node.data!r}, grad = {node.grad!r}"
    target.node(
        name,
        f'<<table border="0" cellborder="0" cellspacing="4"><tr>{"".join(cells)}</tr></table>>',
        shape="box",
        style=style,
        fillcolor=fill,
        color="#bbbbbb" if faded else ("#238b45" if role == "output" else "black"),
        fontcolor="#999999" if faded else "black",
        penwidth="2" if role == "output" else "1",
        tooltip=tooltip,
    )


def _emit_clusters(graph: graphviz.Digraph, bodies: dict[str, list[str]]) -> None:
    """Put each scope's lines into nested clusters (layer0 ⊃ layer0.neuron3)."""
    graph.body.extend(bodies.pop("", []))
    tree: dict[str, Any] = {}
    for scope in sorted(bodies):
        level = tree
        for part in scope.split("."):
            level = level.setdefault(part, {})

    def emit(parent: graphviz.Digraph, level: dict[str, Any], prefix: str) -> None:
        for part in sorted(level):
            scope = f"{prefix}{part}"
            with parent.subgraph(name=f"cluster_{scope.replace('.', '_')}") as cluster:
                cluster.attr(label=scope, style="rounded,dashed", color="#999999",
                             fontsize="10", fontcolor="#666666")  # fmt: skip
                cluster.body.extend(bodies.get(scope, []))
                emit(cluster, level[part], f"{scope}.")

    emit(graph, tree, "")


def render(
    graph: graphviz.Digraph, path: str | Path, *, format: str | None = None, timeout: float = 60.0
) -> Path:
    """Lay out ``graph`` with ``dot`` and write it to ``path`` (SVG, PNG or PDF, by suffix).

    Raises :class:`GraphvizNotFoundError` with install commands if ``dot`` is missing, and
    TimeoutError if the layout takes longer than ``timeout`` seconds.
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or "svg"
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: format must be svg, png or pdf, got {fmt!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(INSTALL_HELP)
    try:
        result = subprocess.run(
            [dot, f"-T{fmt}"],
            input=graph.source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"dot took longer than {timeout:g} s to lay out the graph: draw a smaller graph or "
            "collapse neurons or layers"
        ) from None
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    path.write_bytes(result.stdout)
    return path


# ---------------------------------------------------------------------------------------------
# The backward pass, frame by frame
# ---------------------------------------------------------------------------------------------

_FRAME_ATTRS = {"rankdir": "LR", "fontname": "Helvetica", "nodesep": "0.3", "labelloc": "t"}


def backward_frames(
    root: Value, *, seed: float = 1.0, rankdir: str = "LR", max_nodes: int = DEFAULT_MAX_NODES
) -> list[Drawing]:
    """The backward pass of ``root`` as a list of drawings, one per step, laid out alike.

    Frame 0 holds only the seed ∂L/∂L = ``seed``. Each following frame takes the next node in
    reverse topological order, whose gradient is now complete, and shows what it passes to each
    parent: local derivative × its gradient, added to the parent's running total. Gradients not
    reached yet show "?". Every frame has the same nodes, edges and node sizes (edge texts are
    external labels), so Graphviz places every node at the same spot in every frame.

    The gradients are computed here from the rule table, so the frames can be drawn with or
    without a prior ``backward()`` call; the last frame shows the same numbers backward() gives.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    order = _checked_order(root, max_nodes)
    ids = {id(node): f"n{k}" for k, node in enumerate(order)}
    running: dict[int, float] = {id(root): float(seed)}
    steps = [node for node in reversed(order) if node.parents]
    frames = [
        _frame(
            order,
            ids,
            running,
            None,
            {},
            rankdir,
            f"frame 0/{len(steps)}: the seed ∂L/∂L = {_number(seed)}",
        )
    ]
    for k, node in enumerate(steps, start=1):
        upstream = running[id(node)]
        passed = {}
        for parent, local in zip(node.parents, local_derivatives(node), strict=True):
            running[id(parent)] = running.get(id(parent), 0.0) + local * upstream
            passed[id(parent)] = local
        name = node.label or f"{node.op} = {_number(node.data)}"
        caption = (
            f"frame {k}/{len(steps)}: the gradient of {name} is complete "
            f"({_number(upstream)}); each parent gets local derivative × {_number(upstream)}"
        )
        frames.append(_frame(order, ids, running, node, passed, rankdir, caption))
    return frames


def _frame(
    order: list[Value],
    ids: dict[int, str],
    running: dict[int, float],
    current: Value | None,
    passed: dict[int, float],
    rankdir: str,
    caption: str,
) -> Drawing:
    graph = Drawing(
        "autograd_lite",
        graph_attr={**_FRAME_ATTRS, "rankdir": rankdir, "label": html.escape(caption)},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "fixedsize": "true"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    for node in order:
        name = ids[id(node)]
        grad = running.get(id(node))
        title = html.escape(node.label or ("" if node.parents else "const"))
        shown = "?" if grad is None else _number(grad)
        text = f"{title} = " if title else ""
        text += f"{html.escape(_number(node.data))} | grad {html.escape(shown)}"
        is_current = node is current
        received = id(node) in passed
        graph.node(
            name,
            text,
            shape="box",
            width="1.9",
            height="0.42",
            style="filled,rounded",
            fillcolor="#fdae6b" if is_current else "#fee6ce" if received else "#ffffff",
            color="#d94801" if is_current or received else "black",
            penwidth="2.5" if is_current else "1",
        )
        if node.parents:
            graph.node(f"{name}_op", html.escape(_op_text(node)), shape="circle", width="0.45",
                       fontsize="9")  # fmt: skip
            graph.edge(f"{name}_op", name)
    for node in order:
        for parent, local in zip(node.parents, local_derivatives(node), strict=True):
            attrs = {"xlabel": html.escape(f"∂={_number(local)}")}
            if node is current:
                upstream = running[id(node)]
                # At the tail, next to the parent that receives it (tail labels, like xlabels,
                # are placed after the layout, so nodes still do not move).
                attrs = {
                    "taillabel": html.escape(f"{_number(local)} × {_number(upstream)}"),
                    "labeldistance": "2.2",
                    "labelangle": "25",
                    "color": "#d94801",
                    "labelfontcolor": "#d94801",
                    "penwidth": "2.5",
                }
            graph.edge(ids[id(parent)], f"{ids[id(node)]}_op", **attrs)
    return graph


def save_frames(
    frames: Sequence[Drawing], folder: str | Path, *, format: str = "svg"
) -> list[Path]:
    """Render every frame into ``folder`` as frame_000.svg, frame_001.svg, ... (see render)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [render(frame, folder / f"frame_{k:03d}.{format}") for k, frame in enumerate(frames)]
