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

The drawing is made in three rooms, each answering one question: :mod:`.labels` (what a box and
its rows say), :mod:`.layout` (where the boxes go: direction, clusters, collapsed modules) and
:mod:`.scene` (the boxes of one graph, worked out once, and the digraph built from them).
"""

from __future__ import annotations

from ...engine import Value, type_name
from ..render import (
    INSTALL_HELP,
    Drawing,
    GraphTooLargeError,
    GraphvizNotFoundError,
    render,
)
from ..style import Parameters
from .layout import RANKDIRS
from .layout import choose_rankdir as choose_rankdir  # its old home, which tests import
from .scene import DEFAULT_MAX_NODES, Scene

__all__ = [
    "DEFAULT_MAX_NODES",
    "INSTALL_HELP",
    "Drawing",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "Scene",
    "draw_graph",
    "render",
]


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
    parameters: Parameters = None,
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
        parameters: a module (or a list of Values) whose parameters are drawn as parameters
            (their colour, tooltip and legend entry). Without it, the leaves that are
            :class:`~autograd_lite.engine.Parameter` (every nn module makes its weights so, a
            bare ``Neuron`` too) or that an nn module stamped with its place in a model are;
            name Values made by hand (a script in microgpt's style) with ``parameters=[...]``.

    Box ids follow the topological order (``n0``, ``n1``, …; the edge from operand j of box k
    is ``e{k}_{j}``), so the same graph gives the same DOT text on every run. Before any
    backward pass (the root's gradient is still 0), boxes say "grad ?" and the legend says
    the gradients are not computed yet. A value used by many ops far apart (x in x + x + … + x)
    is drawn once in full and as a small copy beside each far use, which keeps ``dot`` fast.

    >>> from autograd_lite.nn import Neuron
    >>> neuron = Neuron(2, seed=0)
    >>> out = neuron([1.0, 2.0])
    >>> 'tooltip="parameter w0' in draw_graph(out).source        # nn made w0 a Parameter
    True
    >>> from autograd_lite import Value
    >>> w = Value(0.5, label="w")
    >>> 'tooltip="input w' in draw_graph(w * 2).source              # a Value made by hand
    True
    >>> 'tooltip="parameter w' in draw_graph(w * 2, parameters=[w]).source
    True
    """
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, got {rankdir!r}"
        )
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"highlight must be a Value, got {type_name(highlight)}")
    scene = Scene(root, collapse=collapse, max_nodes=max_nodes, parameters=parameters)
    return scene.draw(
        rankdir=rankdir,
        edge_derivatives=edge_derivatives,
        contributions=contributions,
        color_gradients=color_gradients,
        highlight=highlight,
        clusters=clusters,
        legend=legend,
    )
