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

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import is_int
from .engine import Value, no_grad
from .functional import value_and_grad
from .nn import Module
from .train import History, _as_value  # how a prediction reads as one score

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_activations",
    "plot_attention",
    "plot_contours",
    "plot_decision_boundary",
    "plot_descent_steps",
    "plot_history",
    "plot_tangent",
]

Range = tuple[float, float]
Point = tuple[float, float]
Function1 = Callable[[Value], Any]
Function2 = Callable[[Value, Value], Any]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def require_matplotlib() -> None:
    """Raise an ImportError that says what to install if matplotlib is missing: call it before
    long work whose results will be plotted (the demo checks before it trains)."""
    try:
        import matplotlib  # noqa: F401 (imported only to see that it is there)
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'autograd-lite[plot]' "
            "(or pip install matplotlib)"
        ) from None


def _figure(figsize: tuple[float, float] = (5.5, 4.5)) -> Figure:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=100, layout="constrained")


def _canvas(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new figure with one pair of axes, or the figure that ``ax`` (given by the caller) is in."""
    if ax is None:
        figure = _figure(figsize)
        return figure, figure.subplots()
    root = ax.figure.figure  # the top-level figure, also when ax sits in a subfigure
    if root is None:
        raise ValueError("ax must belong to a figure")
    return root, ax


def _finish(figure: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        figure.savefig(path)
    return figure


def _legend_outside(axes: Axes) -> None:
    """The legend to the right of the axes, where it cannot cover any data."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")


def _finite(function: str, name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{function}: {name} must be a finite number, got {x!r}")
    return float(x)


def _range(function: str, name: str, bounds: object) -> Range:
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise ValueError(f"{function}: {name} must be a pair (low, high), got {bounds!r}")
    low, high = (_finite(function, name, b) for b in bounds)
    if not low < high:
        raise ValueError(f"{function}: {name} must have low < high, got {bounds!r}")
    return low, high


def _count(function: str, name: str, n: object, smallest: int) -> int:
    """``n`` as an int ≥ ``smallest``: a TypeError for another type (as train's ``steps`` and
    ``batch_size``), a ValueError for an int that is too small."""
    if not is_int(n):
        raise TypeError(
            f"{function}: {name} must be an integer ≥ {smallest}, got {type(n).__name__} {n!r}"
        )
    if n < smallest:
        raise ValueError(f"{function}: {name} must be an integer ≥ {smallest}, got {n!r}")
    return int(n)


def _grid(low: float, high: float, n: int) -> list[float]:
    return [low + (high - low) * k / (n - 1) for k in range(n)]


def _number(function: str, result: object) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    raise TypeError(
        f"{function}: the function must return a Value or a number, "
        f"got {type(result).__name__} {result!r}"
    )


def _values(function: str, f: Callable[..., Any], *columns: Sequence[float]) -> list[float]:
    """f at each point (one coordinate per column), evaluated on Values without recording."""
    with no_grad():
        return [_number(function, f(*map(Value, point))) for point in zip(*columns, strict=True)]


def _slope(f: Callable[..., Any], *point: float) -> tuple[float, list[float]]:
    """The value of f and its partial derivatives at ``point``, from the engine."""
    value, partials = value_and_grad(f)(*point)
    return float(value), [float(p) for p in partials]


def _limits(heights: Sequence[float]) -> Range:
    low, high = min(heights), max(heights)
    pad = 0.08 * (high - low) if high > low else 1.0
    return low - pad, high + pad


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
