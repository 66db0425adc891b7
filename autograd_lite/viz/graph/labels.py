"""What a drawing writes in and beside its boxes: each box's HTML-like label, the names of an
op's operands (the rule's own names when the values' names are too long) and their local
derivatives, and the label of a summary box.

An operand is named as its rule names it (:meth:`~autograd_lite.ops.Rule.input_name`), with
the index as a subscript, as a reader writes it:

>>> from autograd_lite import Value
>>> ws = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
>>> xs = [Value(1.0, label="x0"), Value(2.0, label="x1")]
>>> neuron = Value.linear(ws, xs, Value(0.1, label="b"))
>>> [input_name(neuron, j) for j in range(5)]
['w₀', 'x₀', 'w₁', 'x₁', 'b']
>>> derivative_text(bracketed("x + 1"), 4.0)
'∂/∂(x + 1) = 4'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...engine import Value, rule_of
from ..style import number

__all__ = [
    "FADED",
    "HIGHLIGHT",
    "MAX_ROWS",
    "SUMMARY_FILL",
    "Box",
    "Row",
    "box_label",
    "box_title",
    "bracketed",
    "derivative_text",
    "input_name",
    "operand_names",
    "summary_label",
]

MAX_ROWS = 24
"""Ops with more operands than this list their derivative rule once instead of a row each."""

HIGHLIGHT = "#d94801"  # orange: highlighted paths, the current step of a backward pass
FADED = "#cccccc"
SUMMARY_FILL = "#fff7bc"  # yellow: a folded neuron or layer
_ROW_FILL = "#f2f2f2"


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
    (TB; below for BT), the first one entered straight from above so a chain stays straight.

    >>> print(box_label(Box("<b>x</b>", "2", "300", "#deebf7"), "LR")[:60])
    <<table border="1" style="rounded" color="black" bgcolor="#d
    """

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
        extra = f'<br/><font color="{HIGHLIGHT}">{row.extra}</font>' if row.extra else ""
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
    """The bold name of a box: the output says what it stands for (``out = x²``), an
    unlabelled leaf that it is a constant.

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> f = x * x
    >>> box_title(f, "x·x", "out", f), box_title(Value(3.0), "3", "out", f)
    ('<b>out = x·x</b>', '<b>constant</b>')
    """
    if node is root and not node.label:
        return f"<b>{html.escape(f'{root_symbol} = {name}')}</b>"  # one run of bold text
    if not node.parents and not node.label:
        return "<b>constant</b>"
    return f"<b>{html.escape(name)}</b>"


# -- the rows of an op's box: its operands and their local derivatives -----------------------------


def bracketed(name: str) -> str:
    """A name as an operand of ∂: ∂/∂x², but ∂/∂(x + 1).

    >>> bracketed("x²"), bracketed("tanh(x)"), bracketed("x + 1")
    ('x²', 'tanh(x)', '(x + 1)')
    """
    return name if re.fullmatch(r"[\w.²³⁴⁵⁶⁷⁸⁹⁰¹⁻]+|\w+\(.*\)", name) else f"({name})"


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def input_name(node: Value, j: int) -> str:
    """The rule's name for operand ``j`` of ``node`` (:meth:`~autograd_lite.ops.Rule.input_name`)
    with its index as a subscript: a, b, x; x₀, x₁ of a sum; w₀, x₀, …, b of a linear node."""
    name = rule_of(node).input_name(j, len(node.parents))
    return re.sub(r"\[(\d+)\]", lambda index: index.group(1).translate(_SUBSCRIPT), name)


def operand_names(node: Value, names: Sequence[str], index: dict[int, int]) -> list[str]:
    """How the rows of ``node`` call its operands: their names when short, else the rule's
    names for its inputs (:func:`input_name`).

    >>> from autograd_lite import Value, topological_order
    >>> from autograd_lite.viz.style import node_names
    >>> x = Value(2.0, label="x")
    >>> f = (x + 1) * (x * x * x * x * x * x * x)
    >>> order = topological_order(f)
    >>> operand_names(f, node_names(order), {id(n): k for k, n in enumerate(order)})
    ['(x + 1)', 'b']
    """
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


# -- the summary box of a collapsed module --------------------------------------------------------


def summary_label(
    key: str,
    members: list[Value],
    outputs: list[Value],
    has_grads: bool,
    fill: str = SUMMARY_FILL,
    faded: bool = False,
) -> str:
    """The HTML-like label of the box that stands for a folded neuron or layer: its name, how
    many outputs it has and the ranges of their data and grads, and its parameters.

    >>> from autograd_lite import Value
    >>> w = Value(0.5, label="w0")
    >>> out = (w * 2.0).tanh()
    >>> label = summary_label("layer0.neuron0", [w, out], [out], has_grads=False)
    >>> "1 output (tanh)" in label and "1 parameters" in label
    True
    """

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
    border = FADED if faded else "black"
    return (
        f'<<table border="1" style="rounded" color="{border}" bgcolor="{fill}" cellborder="0" '
        f'cellspacing="0" cellpadding="2">{rows}</table>>'
    )
