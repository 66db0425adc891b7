"""Pictures of networks and their training: activations, attention weights, a classifier's
decision boundary, a training history."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine import no_grad
from ..nn import Module
from ..train import History, _as_value  # how a prediction reads as one score
from ._figure import (
    Function1,
    Range,
    _count,
    _figure,
    _finish,
    _grid,
    _legend_outside,
    _range,
    _slope,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_activations(
    activations: Mapping[str, Function1],
    *,
    z_range: Range = (-5.0, 5.0),
    points: int = 201,
    path: str | Path | None = None,
) -> Figure:
    """Activation functions side by side: g(z) in the top row, g′(z) from the engine below.

    ``activations`` maps a title to a function of one Value. Writes the figure to ``path`` when
    given; returns the figure.

    >>> figure = plot_activations({"ReLU": lambda z: z.relu()}, points=11)
    >>> [(a.get_title(), a.get_ylabel()) for a in figure.axes]
    [('ReLU', 'g(z)'), ('', 'g′(z), by the engine')]
    """
    function = "plot_activations"
    if not activations:
        raise ValueError(f"{function}: no activation functions to draw")
    low, high = _range(function, "z_range", z_range)
    _count(function, "points", points, 2)
    zs = _grid(low, high, points)
    columns = len(activations)
    figure = _figure((3.25 * columns, 5.0))
    axes = figure.subplots(2, columns, sharex=True, squeeze=False)
    for column, (name, g) in enumerate(activations.items()):
        top, bottom = axes[0, column], axes[1, column]
        pairs = [_slope(g, z) for z in zs]
        top.plot(zs, [value for value, _ in pairs])
        top.set_title(name)
        top.set_ylabel("g(z)")
        bottom.plot(zs, [partials[0] for _, partials in pairs], color="tab:red")
        bottom.set_xlabel("z")
        bottom.set_ylabel("g′(z), by the engine")
        for panel in (top, bottom):
            panel.axhline(0, color="grey", linewidth=0.6)
            panel.axvline(0, color="grey", linewidth=0.6)
    return _finish(figure, path)


def plot_attention(
    weights: Sequence[Sequence[Sequence[float]]],
    tokens: Sequence[str],
    *,
    title: str = "Attention",
    annotate: bool | None = None,
    path: str | Path | None = None,
) -> Figure:
    """The attention weights of one layer as heatmaps, one panel per head: query position down,
    key position across, each labelled with its token. Cells right of the diagonal (the future,
    which a causal head never sees) stay blank.

    Args:
        weights: ``[head][query]``, each a list of weights over key positions 0..query, as in
            ``GPT.last_attention[layer]`` after a forward pass.
        tokens: one label per position (the characters, with BOS shown as you like).
        annotate: write each weight in its cell; None does so for up to 10 positions.

    >>> figure = plot_attention([[[1.0], [0.25, 0.75]]], ["<s>", "e"])
    >>> [a.get_title() for a in figure.axes[:1]], figure.axes[0].get_ylabel()
    (['head 0'], 'query (position attending)')
    """
    function = "plot_attention"
    heads = [list(head) for head in weights]
    n = len(tokens)
    if not heads or n == 0:
        raise ValueError(f"{function}: expects weights of at least one head and one token")
    for h, head in enumerate(heads):
        if len(head) != n:
            raise ValueError(
                f"{function}: head {h} has {len(head)} query rows but there are {n} tokens; "
                "expected one row per token"
            )
        for q, row in enumerate(head):
            if len(row) != q + 1:
                raise ValueError(
                    f"{function}: head {h}, query {q} has {len(row)} weights; a causal row "
                    f"has {q + 1} (keys 0..{q})"
                )
    show_numbers = n <= 10 if annotate is None else annotate
    labels = [str(t) for t in tokens]
    side = max(2.6, 0.32 * n + 1.2)
    # One row of panels while it fits a notebook's width (~9 inches), else two columns.
    columns = len(heads) if side * len(heads) <= 10 else 2
    rows = -(-len(heads) // columns)
    figure = _figure((side * columns + 0.8, side * rows + 0.6))
    grid_axes = figure.subplots(rows, columns, squeeze=False)
    axes = [ax for row_axes in grid_axes for ax in row_axes]
    for ax in axes[len(heads) :]:
        ax.set_visible(False)
    image = None
    for h, (ax, head) in enumerate(zip(axes, heads, strict=False)):
        first_column = h % columns == 0
        grid = [[row[k] if k < len(row) else math.nan for k in range(n)] for row in head]
        image = ax.imshow(grid, vmin=0.0, vmax=1.0, cmap="Blues")
        ax.set_title(f"head {h}")
        ax.set_xticks(range(n), labels, fontsize="small")
        ax.set_yticks(range(n), labels if first_column else [""] * n, fontsize="small")
        ax.set_xlabel("key (position attended to)")
        if first_column:
            ax.set_ylabel("query (position attending)")
        if show_numbers:
            for q, row in enumerate(head):
                for k, w in enumerate(row):
                    color = "white" if w > 0.6 else "black"
                    ax.text(k, q, f"{w:.2f}", ha="center", va="center", fontsize=7, color=color)
    if image is not None:
        figure.colorbar(image, ax=axes[: len(heads)], shrink=0.6, label="weight")
    figure.suptitle(title)
    return _finish(figure, path)


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path,
    *,
    resolution: int = 40,
    title: str = "Decision boundary",
    xlabel: str = "x₁",
    ylabel: str = "x₂",
) -> Path:
    """Shade where ``model``'s score is positive (class 1) or not, and plot the points.

    The model is evaluated on a ``resolution``×``resolution`` grid without recording graphs.
    The legend sits to the right of the axes. Returns the path written.
    """
    if not X or len(X[0]) != 2:
        raise ValueError("plot_decision_boundary needs 2-D points")
    figure = _figure((6.5, 4.5))
    axes = figure.subplots()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25
    x_lo, x_hi = min(xs) - pad, max(xs) + pad
    y_lo, y_hi = min(ys) - pad, max(ys) + pad
    grid_x, grid_y = _grid(x_lo, x_hi, resolution), _grid(y_lo, y_hi, resolution)
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
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    _legend_outside(axes)
    figure.savefig(path)
    return Path(path)


def plot_history(history: History, path: str | Path, *, title: str = "Training") -> Path:
    """The loss (and accuracy, when known) at each step. Returns the path written.

    The legend sits under the axes, where it cannot cover either curve.
    """
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
        labels = [str(line.get_label()) for line in lines]
        figure.legend(lines, labels, loc="outside lower center", ncols=2)
    axes.set_title(title)
    figure.savefig(path)
    return Path(path)
