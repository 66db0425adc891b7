"""Pictures for the lessons and the demo: derivatives, landscapes, activations and training.

Needs matplotlib (``pip install 'autograd-lite[plot]'``). Figures are drawn without pyplot, so
nothing depends on a display or a GUI backend: each function returns a matplotlib ``Figure``
(Jupyter shows it when it is the last expression of a cell) or writes a PNG or SVG file.

Every derivative in these pictures comes from the engine (:func:`value_and_grad`), never from a
formula typed in by hand. Functions are evaluated on :class:`Value` inputs inside
:func:`no_grad`, so a function written with ``.relu()`` or ``.sin()`` works as well as one
written with ``+`` and ``**``.

>>> from autograd_lite.plots import plot_tangent
>>> figure = plot_tangent(lambda x: x**3 - 3 * x + 1, 1.5, secant_steps=[0.4])
>>> figure.axes[0].get_xlabel(), figure.axes[0].get_ylabel()
('x', 'y')

With ``path``, the figure is also written to a file (PNG through matplotlib's Agg renderer):

>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as folder:
...     _ = plot_tangent(lambda x: x.sin(), 0.0, path=Path(folder) / "tangent.png")
...     Path(folder, "tangent.png").read_bytes()[1:4]  # a PNG file starts with 0x89 PNG
b'PNG'
"""

from __future__ import annotations

from ._figure import require_matplotlib
from .calculus import plot_contours, plot_descent_steps, plot_tangent
from .networks import plot_activations, plot_attention, plot_decision_boundary, plot_history

__all__ = [
    "plot_activations",
    "plot_attention",
    "plot_contours",
    "plot_decision_boundary",
    "plot_descent_steps",
    "plot_history",
    "plot_tangent",
    "require_matplotlib",
]
