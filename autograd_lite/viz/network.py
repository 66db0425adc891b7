"""Draw a multi-layer perceptron the way courses do: a column of circles per layer, an edge per
weight.

>>> from autograd_lite.nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> graph = draw_network(model, sample=[0.5, -1.0])
>>> weights = [line for line in graph.source.splitlines() if ".w" in line and " -> " in line]
>>> len(weights)                                     # one edge per weight: 2·3 + 3·1
9
>>> graph.source == draw_network(model, sample=[0.5, -1.0]).source   # the same text every time
True

Each edge's colour follows its weight (red positive, blue negative, stronger for larger |w|) and
so does its width; each neuron's circle holds its bias and, with ``sample=``, its output on that
input. ``show="gradients"`` colours the edges by each weight's gradient instead, after a
backward pass. A layer wider than ``max_neurons`` is drawn as its first and last neurons and one
"… n more" circle.
"""

from __future__ import annotations

import html
import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz

from ..engine import Value, no_grad
from ..nn import MLP
from .render import Drawing
from .style import ROLE_COLOURS, gradient_colour, number

__all__ = ["SHOW", "draw_network"]

SHOW = ("weights", "gradients")
"""What the edges of :func:`draw_network` can follow."""

_MERGED = "#b0b0b0"  # edges to and from the neurons not drawn
_ZERO = "#e4e4e4"  # an edge whose weight (or gradient) is exactly 0
_FLOOR = 0.15  # the faintest edge colour, as a fraction of full colour, so no edge vanishes
_NODE_SIZE = "0.66"  # circle diameter, inches: room for "∂b −0.09" at 9 pt


@dataclass(frozen=True)
class _Column:
    """One column of circles: the inputs (index 0) or the neurons of ``model.layers[index-1]``."""

    index: int
    title: str  # "inputs", "hidden 2", "output"
    size: int
    activation: str  # "" for the inputs
    head: tuple[int, ...]  # the neurons drawn above the "… n more" circle
    tail: tuple[int, ...]  # and below it
    outputs: tuple[float, ...] | None  # every neuron's output on the sample, if there is one

    @property
    def hidden(self) -> int:
        """How many neurons the "… n more" circle stands for (0: every neuron is drawn)."""
        return self.size - len(self.head) - len(self.tail)

    def slots(self) -> list[int | None]:
        """The circles, top to bottom: a neuron's index, or None for "… n more"."""
        more: list[int | None] = [None] if self.hidden else []
        return [*self.head, *more, *self.tail]

    def node(self, slot: int | None) -> str:
        """A circle's node id: ``L1_3``, or ``L1_more``."""
        return f"L{self.index}_{'more' if slot is None else slot}"

    def not_drawn(self, slot: int | None) -> Sequence[int]:
        """The neurons a circle stands for: its own, or all those "… n more" stands for."""
        if slot is not None:
            return [slot]
        return range(len(self.head), self.size - len(self.tail))


def _column(
    index: int,
    title: str,
    size: int,
    activation: str,
    max_neurons: int,
    outputs: list[float] | None,
) -> _Column:
    drawn = size if size <= max_neurons else max_neurons - 1  # one circle for "… n more"
    head = (drawn + 1) // 2 if drawn < size else size
    tail = drawn - head
    return _Column(
        index,
        title,
        size,
        activation,
        tuple(range(head)),
        tuple(range(size - tail, size)),
        None if outputs is None else tuple(outputs),
    )


def _check_sample(model: MLP, sample: object) -> list[float]:
    """The sample as floats, or an error that says what was expected."""
    if isinstance(sample, (str, bytes)) or not isinstance(sample, Sequence):
        raise TypeError(
            f"sample must be a list of {model.nin} numbers (one per input), "
            f"got {type(sample).__name__}"
        )
    if len(sample) != model.nin:
        raise ValueError(
            f"sample has {len(sample)} numbers but the model has {model.nin} inputs "
            f"({model.architecture})"
        )
    values = []
    for i, x in enumerate(sample):
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"sample[{i}] must be a number, got {type(x).__name__} {x!r}")
        if not math.isfinite(x):
            raise ValueError(f"sample[{i}] must be finite, got {x!r}")
        values.append(float(x))
    return values


def _outputs(model: MLP, sample: list[float]) -> list[list[float]]:
    """Every column's outputs on ``sample`` (the inputs first), neuron by neuron, recording
    no graph."""
    columns = [sample]
    with no_grad():
        xs = [Value(x, label=f"x{i}") for i, x in enumerate(sample)]
        for layer in model.layers:
            xs = [neuron._forward(xs) for neuron in layer.neurons]
            columns.append([x.data for x in xs])
    return columns


def _short(x: float) -> str:
    """A number in at most 6 characters, to fit in a circle, with a real minus sign: two
    decimals, and below 0.005 a power of ten, so a small gradient never reads as 0 (the
    tooltips have every digit).

    >>> [_short(x) for x in (0.0, -0.0, 0.1234, -3.4, -0.00031, 0.0049, 99.996, -345.6, 1.2e5)]
    ['0', '0', '0.12', '−3.40', '−3e−4', '5e−3', '100', '−346', '1e+05']
    """
    size = abs(x)
    if size == 0:
        return "0"
    if size < 0.005:
        mantissa, _, exponent = f"{x:.0e}".partition("e")
        text = f"{mantissa}e-{exponent.lstrip('-').lstrip('0') or '0'}"
    elif size < 99.995:
        text = f"{x:.2f}"
    elif size < 9999.5:
        text = f"{x:.0f}"
    else:
        text = f"{x:.0e}"
    return text.replace("-", "−")


def draw_network(
    model: MLP,
    sample: Sequence[float] | None = None,
    *,
    show: str = "weights",
    max_neurons: int = 16,
    legend: bool = True,
) -> Drawing:
    """A diagram of ``model`` as courses draw it (DOT text in ``.source``; Jupyter shows it).

    Args:
        model: an :class:`autograd_lite.nn.MLP`.
        sample: one input (``model.nin`` numbers): each circle then shows its output on it,
            from a forward pass that records no graph.
        show: ``"weights"`` (edge colour and width follow each weight) or ``"gradients"``
            (they follow each weight's ``grad``, and each circle shows its bias's ``grad``;
            call ``backward()`` first).
        max_neurons: the most circles in a column (at least 2); a wider layer shows its first
            and last neurons and one "… n more" circle, whose edges are merged into grey ones.
        legend: a key under the picture: the model, what colours and widths mean, the scale.

    There is one column per layer, left to right (the inputs, each hidden layer, the output),
    captioned with its size and activation; each neuron is a circle holding its bias ``b``.
    Edges are red for positive values and blue for negative ones, their colour and width
    growing with the magnitude up to the largest in the model, which the legend names. With a
    sample, a dashed circle is a neuron whose output is exactly 0 (a ReLU that is off). Node
    ids are ``L{column}_{neuron}`` (``L0_*`` the inputs, ``L1_*`` the first layer, ``L1_more``
    a "… n more" circle), and the DOT text is the same on every run.

    >>> from autograd_lite.nn import MLP
    >>> model = MLP(3, [4, 2], seed=0)
    >>> graph = draw_network(model)
    >>> sum(line.lstrip().startswith("L1_") and "->" not in line
    ...     for line in graph.source.splitlines())         # four circles in the hidden layer
    4
    >>> draw_network(model, show="gradients")
    Traceback (most recent call last):
    ...
    ValueError: show='gradients': every weight's gradient is 0; call backward() first
    """
    if not isinstance(model, MLP):
        raise TypeError(
            f"draw_network needs an MLP (autograd_lite.nn.MLP), got {type(model).__name__}"
        )
    if show not in SHOW:
        raise ValueError(f"show must be 'weights' or 'gradients', got {show!r}")
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, numbers.Integral):
        raise TypeError(
            f"max_neurons must be an int ≥ 2, got {type(max_neurons).__name__} {max_neurons!r}"
        )
    if max_neurons < 2:
        raise ValueError(f"max_neurons must be an int ≥ 2, got {max_neurons!r}")
    if not isinstance(legend, bool):
        raise TypeError(f"legend must be True or False, got {type(legend).__name__}")
    outputs = None if sample is None else _outputs(model, _check_sample(model, sample))
    gradients = show == "gradients"
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    magnitude = max(abs(w.grad if gradients else w.data) for w in weights)
    if gradients and magnitude == 0:
        raise ValueError("show='gradients': every weight's gradient is 0; call backward() first")

    columns = []
    for k in range(len(model.layers) + 1):
        title = "inputs" if k == 0 else "output" if k == len(model.layers) else f"hidden {k}"
        size = model.nin if k == 0 else model.layers[k - 1].nout
        activation = "" if k == 0 else model.layers[k - 1].activation
        column_outputs = None if outputs is None else outputs[k]
        columns.append(_column(k, title, size, activation, max_neurons, column_outputs))

    graph = Drawing(
        "network",
        graph_attr={
            "rankdir": "LR",
            "splines": "line",  # straight lines, as on a blackboard
            "nodesep": "0.08",
            "ranksep": _ranksep(columns),
            "outputorder": "edgesfirst",  # circles cover the ends of the edges
            "fontname": "Helvetica",
            "labelloc": "b",
            "labeljust": "c",
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "10",
            "shape": "circle",
            "fixedsize": "true",
            "width": _NODE_SIZE,
            "height": _NODE_SIZE,
            "style": "filled",
        },
        edge_attr={"arrowhead": "none"},
    )
    for column in columns:
        _draw_column(graph, model, column, gradients)
    zeros = False  # whether some edge drawn is exactly 0
    for source, target in itertools.pairwise(columns):
        # An invisible, heavy edge pulls the captions into one row along the top.
        graph.edge(f"caption{source.index}", f"caption{target.index}", style="invis", weight="50")
        zeros |= _draw_edges(graph, model, source, target, gradients, magnitude)
    if legend:
        graph.attr(label=_legend(model, columns, gradients, magnitude, zeros))
    return graph


def _ranksep(columns: list[_Column]) -> str:
    """The gap between columns (inches): wider for taller columns, so the lines between two
    layers of 16 can be told apart, but narrower when there are many columns, so the picture
    stays about 9 inches (900 pixels) wide."""
    tallest = max(len(column.slots()) for column in columns)
    fits = (9.0 - 0.85 * len(columns)) / (len(columns) - 1)  # a caption is ~0.85 inches wide
    return f"{max(0.8, min(0.9 + 0.065 * tallest, fits)):.2f}"


def _draw_column(graph: graphviz.Digraph, model: MLP, column: _Column, gradients: bool) -> None:
    """A column's caption and circles, kept in this order, top to bottom, by invisible edges."""
    with graph.subgraph(name=f"column{column.index}") as sub:
        sub.attr(rank="same")
        noun = "input" if column.index == 0 else "neuron"
        size = f"{column.size} {noun}{'s' if column.size != 1 else ''}"
        if column.hidden:
            size += f", {column.size - column.hidden} drawn"
        caption = [f"<b>{column.title}</b>", size]
        if column.activation:
            caption.append(column.activation)
        previous = f"caption{column.index}"
        sub.node(
            previous,
            label=f"<{'<br/>'.join(caption)}>",  # our own words: nothing to escape
            shape="plaintext",
            style="",
            fixedsize="false",
            width="0",
            height="0",
        )
        for slot in column.slots():
            node = column.node(slot)
            if slot is None:
                sub.node(
                    node,
                    label=f'<…<br/><font point-size="9">{column.hidden} more</font>>',
                    style="dashed",
                    color="#808080",
                    fontcolor="#505050",
                    tooltip=f"{column.hidden} {noun}s not drawn",
                )
            else:
                _draw_neuron(sub, model, column, slot, gradients)
            sub.edge(previous, node, style="invis")
            previous = node


def _draw_neuron(
    graph: graphviz.Digraph, model: MLP, column: _Column, j: int, gradients: bool
) -> None:
    """One circle: an input's name, or a neuron's bias (or its gradient); the output on the
    sample in bold above it."""
    lines = [] if column.outputs is None else [f"<b>{_short(column.outputs[j])}</b>"]
    if column.index == 0:
        fill = ROLE_COLOURS["input"]
        name = f"x{j}"
        tooltip = f"input x{j}"
    else:
        last = column.index == len(model.layers)
        fill = ROLE_COLOURS["output" if last else "intermediate"]
        bias = model.layers[column.index - 1].neurons[j].b
        name = f"∂b {_short(bias.grad)}" if gradients else f"b {_short(bias.data)}"
        tooltip = (
            f"layer{column.index - 1}.neuron{j} ({column.activation}): "
            f"b = {bias.data!r}, grad of b = {bias.grad!r}"
        )
    attrs = {"fillcolor": fill}
    if column.outputs is not None:
        tooltip += f"; output on the sample = {column.outputs[j]!r}"
        if column.index > 0 and column.outputs[j] == 0:
            attrs["style"] = "filled,dashed"
    # The circle is sized for "∂b −0.09": a power of ten goes on a line of its own.
    parts = name.split(" ", 1) if "e" in name else [name]
    lines += [f'<font point-size="9">{part}</font>' for part in parts] if lines else parts
    graph.node(column.node(j), label=f"<{'<br/>'.join(lines)}>", tooltip=tooltip, **attrs)


def _draw_edges(
    graph: graphviz.Digraph,
    model: MLP,
    source: _Column,
    target: _Column,
    gradients: bool,
    magnitude: float,
) -> bool:
    """The edges from one column to the next: one grey edge for each pair of circles that
    involves a "… n more", then one per drawn weight, weakest first (strong ones end on top).
    Returns whether one of those weights (or gradients) is exactly 0."""
    layer = model.layers[target.index - 1]
    what = "gradients" if gradients else "weights"
    # Between two tall columns the lines are many and close: thinner, or they make a wall.
    widest = min(2.5, max(1.2, 2.5 * math.sqrt(32 / (len(source.slots()) * len(target.slots())))))
    drawn: list[tuple[float, int, str, str, dict[str, str]]] = []
    for t in target.slots():
        for s in source.slots():
            tail, head = source.node(s), target.node(t)
            if s is not None and t is not None:
                w = layer.neurons[t].w[s]
                v = w.grad if gradients else w.data
                attrs = _edge_style(v, magnitude, widest)
                attrs["tooltip"] = (
                    f"layer{target.index - 1}.neuron{t}.w{s} = {w.data!r}, grad = {w.grad!r}"
                )
                drawn.append((abs(v), len(drawn), tail, head, attrs))
                continue
            vs = [
                w.grad if gradients else w.data
                for i in target.not_drawn(t)
                for w in (layer.neurons[i].w[k] for k in source.not_drawn(s))
            ]
            tooltip = (
                f"{len(vs)} {what} of neurons not drawn, from {number(min(vs))} "
                f"to {number(max(vs))}"
            )
            graph.edge(tail, head, color=_MERGED, style="dashed", tooltip=tooltip)
    for *_, tail, head, attrs in sorted(drawn, key=lambda edge: edge[:2]):
        graph.edge(tail, head, **attrs)
    return any(size == 0 for size, *_ in drawn)


def _edge_style(v: float, magnitude: float, widest: float) -> dict[str, str]:
    """Colour by sign and |v| / magnitude (never fainter than _FLOOR), width by |v|."""
    if v == 0:
        return {"color": _ZERO, "penwidth": "0.4"}
    shown = math.copysign(max(abs(v), _FLOOR * magnitude), v)
    width = 0.3 + (widest - 0.3) * abs(v) / magnitude
    return {"color": gradient_colour(shown, magnitude), "penwidth": f"{width:.2f}"}


def _legend(
    model: MLP, columns: list[_Column], gradients: bool, magnitude: float, zeros: bool
) -> str:
    """The key under the picture, as an HTML-like label."""
    scale = _short(magnitude) if magnitude >= 0.005 else number(magnitude)
    cells = "".join(
        f'<td bgcolor="{gradient_colour(t * magnitude, magnitude)}" width="24" height="10"></td>'
        for t in (-1.0, -0.6, -_FLOOR, _FLOOR, 0.6, 1.0)
    )
    what, size = (
        ("the gradient ∂L/∂w from the last backward()", "|∂L/∂w|")
        if gradients
        else ("the weight w", "|w|")
    )
    lines = [
        f"<b>{html.escape(model.architecture)}</b> · {len(model.parameters())} parameters",
        '<table border="0" cellspacing="0" cellpadding="2"><tr>'
        f'<td align="right">−{scale} </td>{cells}<td align="left"> +{scale}</td></tr></table>',
        f"edge colour: {what}, red &gt; 0, blue &lt; 0; deeper and wider as {size} grows",
    ]
    if gradients:
        lines.append("gradient descent moves each weight against its gradient: w ← w − lr·∂L/∂w")
    inside = [] if columns[0].outputs is None else ["its output on the sample (bold)"]
    inside.append("∂L/∂b, its bias's gradient" if gradients else "b, its bias")
    lines.append(f"in each neuron: {' and '.join(inside)}")
    if zeros:
        lines.append(
            "light grey edges: exactly 0"
            + (" (no gradient reached those weights)" if gradients else "")
        )
    if any(
        c.outputs[j] == 0 for c in columns[1:] if c.outputs is not None for j in c.head + c.tail
    ):
        lines.append("dashed circle: output exactly 0 on this sample (a ReLU that is off)")
    if any(column.hidden for column in columns):
        lines.append("grey dashed edges: the weights of the neurons not drawn, merged")
    rows = "".join(f'<tr><td><font point-size="10">{line}</font></td></tr>' for line in lines)
    return f'<<table border="0" cellspacing="0" cellpadding="1"><tr><td> </td></tr>{rows}</table>>'
