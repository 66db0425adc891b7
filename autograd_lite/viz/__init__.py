"""Pictures of computation graphs and networks (Graphviz), and an interactive explorer.

* :func:`draw_graph` — the computation graph of a Value: every value, gradient and local
  derivative (``value.draw()`` is a shortcut).
* :func:`backward_frames` — the backward pass, one picture per step, laid out alike.
* :func:`explore` — the backward pass as a page to step through (Jupyter, or one HTML file).
* :func:`draw_network` — an MLP as columns of neurons, its edges coloured by weight or gradient.

Building a drawing needs only the ``graphviz`` Python package; laying it out (Jupyter's display,
:func:`render`) needs Graphviz's ``dot`` program, and says how to install it when it is missing.
"""

from __future__ import annotations

from .explorer import Explorer, explore
from .frames import (
    BackwardFrames,
    BackwardStep,
    Passed,
    backward_frames,
    backward_steps,
    save_frames,
)
from .graph import (
    DEFAULT_MAX_NODES,
    INSTALL_HELP,
    Drawing,
    GraphTooLargeError,
    GraphvizNotFoundError,
    draw_graph,
    render,
)
from .network import draw_network

__all__ = [
    "DEFAULT_MAX_NODES",
    "INSTALL_HELP",
    "BackwardFrames",
    "BackwardStep",
    "Drawing",
    "Explorer",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "Passed",
    "backward_frames",
    "backward_steps",
    "draw_graph",
    "draw_network",
    "explore",
    "render",
    "save_frames",
]
