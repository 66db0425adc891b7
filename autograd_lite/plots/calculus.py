"""Pictures of the calculus lessons: a tangent and its secants, a landscape with its gradient
and a descent, the steps of gradient descent on one weight."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._figure import (
    _SUBSCRIPTS,
    Function1,
    Function2,
    Point,
    Range,
    _canvas,
    _count,
    _finish,
    _finite,
    _grid,
    _legend_outside,
    _limits,
    _range,
    _slope,
    _values,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_tangent(
    f: Function1,
    a: float,
    *,
    secant_steps: Sequence[float] = (),
    x_range: Range | None = None,
    y_range: Range | None = None,
    name: str = "f(x)",
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """The curve of ``f``, its tangent line at ``a`` and, for each Δ in ``secant_steps``, the
    secant line through ``a`` and ``a + Δ``.

    The tangent's slope f′(a) comes from the engine. Each secant's slope is
    (f(a + Δ) − f(a)) / Δ, and its second point is drawn as an open circle. ``name`` labels the
    curve in the legend, which sits to the right of the axes. The y axis spans the curve unless
    ``y_range`` is given. Draws into ``ax`` when given, else into a new figure; writes the
    figure to ``path`` when given; returns the figure.

    >>> figure = plot_tangent(lambda x: x**2, 1.0, secant_steps=[0.5], x_range=(-1, 2))
    >>> [line.get_label() for line in figure.axes[0].get_lines()][:3]
    ['f(x)', 'tangent at a = 1: slope 2', 'secant with Δ = 0.5: slope 2.5']
    """
    function = "plot_tangent"
    a = _finite(function, "a", a)
    steps = [_finite(function, "each secant step", h) for h in secant_steps]
    if 0.0 in steps:
        raise ValueError(f"{function}: a secant step Δ must not be 0 (that is the tangent)")
    low, high = (a - 2.0, a + 2.0) if x_range is None else _range(function, "x_range", x_range)
    fa, (slope,) = _slope(f, a)
    xs = _grid(low, high, 241)
    heights = _values(function, f, xs)

    figure, axes = _canvas(ax, (8.0, 4.4))
    axes.plot(xs, heights, color="C0", linewidth=2, label=name)
    axes.plot(
        xs,
        [fa + slope * (x - a) for x in xs],
        color="C1",
        label=f"tangent at a = {a:g}: slope {slope:.4g}",
    )
    styles = [":", "--", "-."]
    for k, h in enumerate(steps):
        (fah,) = _values(function, f, [a + h])
        secant = (fah - fa) / h
        (line,) = axes.plot(
            xs,
            [fa + secant * (x - a) for x in xs],
            styles[k % len(styles)],
            color=f"C{k + 2}",
            label=f"secant with Δ = {h:g}: slope {secant:.4g}",
        )
        axes.plot([a + h], [fah], "o", color=line.get_color(), markerfacecolor="white")
    axes.plot([a], [fa], "ko", label=f"the point (a, f(a)) = ({a:g}, {fa:.4g})")
    axes.set_xlim(low, high)
    axes.set_ylim(*(_limits(heights) if y_range is None else _range(function, "y_range", y_range)))
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    if title:
        axes.set_title(title)
    _legend_outside(axes)
    return _finish(figure, path)


def plot_contours(
    f: Function2,
    x_range: Range,
    y_range: Range,
    *,
    levels: int = 12,
    resolution: int = 61,
    contour_labels: bool = False,
    arrows: int = 0,
    descent_from: Point | None = None,
    point_label: str | None = None,
    trail: Sequence[Point] = (),
    minimum: Point | None = None,
    minimum_label: str = "minimum",
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
    legend: bool = True,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """A contour map of ``f(x, y)``, with what gradient descent needs drawn on it.

    - ``arrows=n``: an n×n grid of gradient arrows ∇f = (∂f/∂x, ∂f/∂y), each pointing uphill;
    - ``descent_from=(x, y)``: a black arrow labelled −∇f from that point, the direction of
      steepest descent (the arrow shows the direction; its length is a quarter of the map),
      and the point itself, named ``point_label`` in the legend;
    - ``trail``: points joined in order, such as the path of a descent;
    - ``minimum``: a star, named ``minimum_label`` in the legend.

    Both axes use the same scale, so right angles look right. The contour levels are spaced
    evenly over the map (``levels`` of them); ``contour_labels`` writes each level's value on its
    line. Draws into ``ax`` when given, else into a new figure; writes the figure to ``path``
    when given; returns the figure.

    >>> figure = plot_contours(lambda x, y: x**2 + 4 * y**2, (-2, 2), (-1, 1),
    ...                        descent_from=(1.0, 0.5), minimum=(0.0, 0.0), resolution=21)
    >>> figure.axes[0].get_xlabel(), [t.get_text() for t in figure.axes[0].texts if t.get_text()]
    ('x', ['−∇f'])
    """
    function = "plot_contours"
    x_low, x_high = _range(function, "x_range", x_range)
    y_low, y_high = _range(function, "y_range", y_range)
    _count(function, "levels", levels, 1)
    _count(function, "resolution", resolution, 2)
    _count(function, "arrows", arrows, 0)
    xs, ys = _grid(x_low, x_high, resolution), _grid(y_low, y_high, resolution)
    heights = [_values(function, f, xs, [y] * len(xs)) for y in ys]

    figure, axes = _canvas(ax, (5.5, 4.5))
    lines = axes.contour(xs, ys, heights, levels=levels, cmap="terrain", linewidths=1.0)
    if contour_labels:
        axes.clabel(lines, fontsize=7, colors="black")
    if arrows:
        # Inset by half a cell, so that no arrow starts on the frame.
        arrow_xs = _grid(x_low, x_high, 2 * arrows + 1)[1::2]
        arrow_ys = _grid(y_low, y_high, 2 * arrows + 1)[1::2]
        tails = [(x, y) for y in arrow_ys for x in arrow_xs]
        slopes = [_slope(f, x, y)[1] for x, y in tails]
        axes.quiver(
            [x for x, _ in tails],
            [y for _, y in tails],
            [s[0] for s in slopes],
            [s[1] for s in slopes],
            color="tab:red",
            angles="xy",
        )
    if minimum is not None:
        mx, my = (_finite(function, "minimum", c) for c in minimum)
        axes.plot([mx], [my], "*", color="tab:blue", markersize=14, label=minimum_label)
    if trail:
        points = [(_finite(function, "trail", x), _finite(function, "trail", y)) for x, y in trail]
        axes.plot(
            [x for x, _ in points],
            [y for _, y in points],
            "o-",
            color="tab:red",
            markersize=3,
            linewidth=1.2,
            label=f"descent path ({len(points) - 1} steps)",
        )
    if descent_from is not None:
        px, py = (_finite(function, "descent_from", c) for c in descent_from)
        _, (gx, gy) = _slope(f, px, py)
        size = math.hypot(gx, gy)
        if size == 0.0:
            raise ValueError(
                f"{function}: ∇f is zero at descent_from = ({px:g}, {py:g}): "
                "no direction of descent to draw"
            )
        length = 0.25 * min(x_high - x_low, y_high - y_low)
        ux, uy = -gx / size, -gy / size
        head = (px + length * ux, py + length * uy)
        axes.annotate(
            "",
            xy=head,
            xytext=(px, py),
            arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2, "mutation_scale": 16},
        )
        axes.annotate(
            "−∇f",
            xy=head,
            xytext=(14 * ux, 14 * uy),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
        )
        name = f"the point ({px:g}, {py:g})" if point_label is None else point_label
        axes.plot([px], [py], "ko", markersize=5, label=name)
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    axes.set_aspect("equal")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    if legend and axes.get_legend_handles_labels()[1]:
        _legend_outside(axes)
    return _finish(figure, path)


def plot_descent_steps(
    f: Function1,
    starts: Sequence[float],
    lr: float,
    *,
    steps: int = 1,
    x_range: Range,
    y_range: Range | None = None,
    xlabel: str = "w",
    ylabel: str = "f(w)",
    title: str | None = None,
    ax: Axes | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Gradient descent on a function of one variable, w₂ = w₁ − lr·f′(w₁), drawn on its curve.

    From each start, ``steps`` steps are taken (the derivative comes from the engine). Each point
    wₖ sits on the curve at (wₖ, f(wₖ)), labelled with its name, and an arrow joins each point
    to the next: an arrow that goes down the curve is a step that worked. The legend (to the
    right of the axes) gives each start's slope and where its first step lands. Draws into
    ``ax`` when given, else into a new figure; writes the figure to ``path`` when given;
    returns the figure.

    >>> figure = plot_descent_steps(lambda w: (w - 1) ** 2, [0.0, 2.5], lr=0.25, x_range=(-1, 3))
    >>> [t.get_text() for t in figure.axes[0].texts if t.get_text()]
    ['w₁', 'w₂', 'w₁', 'w₂']
    """
    function = "plot_descent_steps"
    if not starts:
        raise ValueError(f"{function}: starts is empty: give at least one starting point w₁")
    first = [_finite(function, "each start", w) for w in starts]
    lr = _finite(function, "lr", lr)
    if lr <= 0:
        raise ValueError(f"{function}: lr must be positive, got {lr!r}")
    _count(function, "steps", steps, 1)
    low, high = _range(function, "x_range", x_range)
    xs = _grid(low, high, 241)
    heights = _values(function, f, xs)

    figure, axes = _canvas(ax, (6.5, 4.0))
    axes.plot(xs, heights, color="C0", linewidth=2, label=ylabel)
    for k, w in enumerate(first):
        colour = f"C{k + 1}"
        walk, slopes = [w], []
        for _ in range(steps):
            _, (slope,) = _slope(f, walk[-1])
            slopes.append(slope)
            walk.append(walk[-1] - lr * slope)
        on_curve = _values(function, f, walk)
        axes.plot(
            walk,
            on_curve,
            "o",
            color=colour,
            label=f"w₁ = {w:g}: slope {slopes[0]:+.3g}, so w₂ = {walk[1]:.3g}",
        )
        for j, (wj, hj) in enumerate(zip(walk, on_curve, strict=True)):
            axes.annotate(
                f"w{str(j + 1).translate(_SUBSCRIPTS)}",
                xy=(wj, hj),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                color=colour,
            )
            if j:
                axes.annotate(
                    "",
                    xy=(wj, hj),
                    xytext=(walk[j - 1], on_curve[j - 1]),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5},
                )
    axes.set_xlim(low, high)
    axes.set_ylim(*(_limits(heights) if y_range is None else _range(function, "y_range", y_range)))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    _legend_outside(axes)
    return _finish(figure, path)
