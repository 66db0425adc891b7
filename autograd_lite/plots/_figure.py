"""What every picture of :mod:`autograd_lite.plots` shares: a figure without pyplot, the
checks of its arguments, and functions evaluated on Values through the engine."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._common import is_int
from ..engine import Value, no_grad
from ..functional import value_and_grad

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
