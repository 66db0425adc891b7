"""Pictures of training: the decision boundary of a 2-D classifier and the loss curve.

Needs matplotlib (``pip install 'autograd-lite[plot]'``). Figures are drawn without pyplot, so
nothing depends on a display or a GUI backend: they go straight to PNG or SVG files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engine import no_grad
from .nn import Module
from .train import History, _as_value  # how a prediction reads as one score

__all__ = ["plot_decision_boundary", "plot_history"]


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'autograd-lite[plot]' "
            "(or pip install matplotlib)"
        ) from None
    return Figure(figsize=(5.5, 4.5), dpi=100, layout="constrained")


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path,
    *,
    resolution: int = 40,
    title: str = "Decision boundary",
) -> Path:
    """Shade where ``model``'s score is positive (class 1) or not, and plot the points.

    The model is evaluated on a ``resolution``×``resolution`` grid without recording graphs.
    Returns the path written.
    """
    if not X or len(X[0]) != 2:
        raise ValueError("plot_decision_boundary needs 2-D points")
    figure = _figure()
    axes = figure.subplots()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25
    x_lo, x_hi = min(xs) - pad, max(xs) + pad
    y_lo, y_hi = min(ys) - pad, max(ys) + pad
    grid_x = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_lo + (y_hi - y_lo) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        scores = [[_as_value(model([gx, gy])).data for gx in grid_x] for gy in grid_y]
    axes.contourf(grid_x, grid_y, scores, levels=[-1e9, 0.0, 1e9], colors=["#c6dbef", "#fdd0a2"])
    axes.contour(grid_x, grid_y, scores, levels=[0.0], colors=["#444444"], linewidths=1.0)
    for label, colour, marker in ((0, "#2171b5", "o"), (1, "#d94801", "s")):
        points = [p for p, t in zip(X, y, strict=True) if t == label]
        axes.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            c=colour,
            marker=marker,
            s=22,
            edgecolors="white",
            linewidths=0.5,
            label=f"class {label}",
        )
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize="small")
    figure.savefig(path)
    return Path(path)


def plot_history(history: History, path: str | Path, *, title: str = "Training") -> Path:
    """The loss (and accuracy, when known) at each step. Returns the path written."""
    if not history.loss:
        raise ValueError("plot_history: the history is empty (no training steps)")
    figure = _figure()
    axes = figure.subplots()
    steps = range(1, len(history.loss) + 1)
    axes.plot(steps, history.loss, color="#d94801", label="loss")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_yscale("log" if min(history.loss) > 0 else "linear")
    accuracy = [a for a in history.accuracy if a is not None]
    if len(accuracy) == len(history.loss):
        right = axes.twinx()
        right.plot(steps, accuracy, color="#2171b5", label="accuracy")
        right.set_ylabel("training accuracy")
        right.set_ylim(0, 1.05)
        lines = axes.get_lines() + right.get_lines()
        axes.legend(lines, [line.get_label() for line in lines], loc="center right")
    axes.set_title(title)
    figure.savefig(path)
    return Path(path)
