"""Plots: real PNG files, headless, labelled axes, legends clear of the data, and clear errors."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP
from autograd_lite.plots import (
    plot_activations,
    plot_contours,
    plot_decision_boundary,
    plot_descent_steps,
    plot_history,
    plot_tangent,
)
from autograd_lite.train import History, train

PNG = b"\x89PNG\r\n\x1a\n"


def test_decision_boundary_and_history_are_written(tmp_path: Path) -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = train(model, X, y, steps=3, progress=False)
    boundary = plot_decision_boundary(model, X, y, tmp_path / "b.png", resolution=10)
    curve = plot_history(history, tmp_path / "h.png")
    assert boundary.read_bytes().startswith(PNG)
    assert curve.read_bytes().startswith(PNG)
    svg = plot_history(history, tmp_path / "h.svg")
    assert b"<svg" in svg.read_bytes()[:500]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs 2-D points"):
        plot_decision_boundary(MLP(3, [1], seed=0), [[1.0, 2.0, 3.0]], [0], tmp_path / "x.png")
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history(History(), tmp_path / "x.png")


def test_missing_matplotlib_names_the_extra() -> None:
    script = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.figure'] = None\n"
        "from autograd_lite.plots import plot_history\n"
        "from autograd_lite.train import History\n"
        "plot_history(History(loss=[1.0]), 'x.png')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install 'autograd-lite[plot]'" in result.stderr


# ---------------------------------------------------------------------------------------------
# The lessons' pictures: each returns its Figure (and writes a file when given a path).


def _legend_is_outside(figure: Any, axes: Any) -> bool:
    """True when the legend of ``axes`` lies to the right of the axes, clear of the data."""
    figure.draw_without_rendering()
    legend = axes.get_legend()
    return bool(legend.get_window_extent().x0 >= axes.get_window_extent().x1)


def cubic(x: Any) -> Any:
    return x**3 - 3 * x + 1


def test_tangent_is_written_labelled_and_has_the_engines_slope(tmp_path: Path) -> None:
    path = tmp_path / "tangent.png"
    figure = plot_tangent(cubic, 1.5, secant_steps=[1.0, 0.4], x_range=(-2, 2.5), path=path)
    assert path.read_bytes().startswith(PNG)
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x", "y")
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert "f(x)" in lines
    tangent = lines["tangent at a = 1.5: slope 3.75"]  # f'(1.5) = 3·1.5² − 3
    xs, ys = tangent.get_xdata(), tangent.get_ydata()
    assert math.isclose((ys[-1] - ys[0]) / (xs[-1] - xs[0]), 3.75)
    assert "secant with Δ = 1: slope 9.25" in lines  # 3.75 + 4.5·Δ + Δ²
    assert "secant with Δ = 0.4: slope 5.71" in lines
    assert axes.get_xlim() == (-2.0, 2.5)
    assert _legend_is_outside(figure, axes)


def test_tangent_errors() -> None:
    with pytest.raises(ValueError, match="plot_tangent: a must be a finite number"):
        plot_tangent(cubic, math.nan)
    with pytest.raises(ValueError, match="must not be 0"):
        plot_tangent(cubic, 1.0, secant_steps=[0.0])
    with pytest.raises(ValueError, match="x_range must have low < high"):
        plot_tangent(cubic, 1.0, x_range=(2, -2))
    with pytest.raises(ValueError, match="y_range must be a pair"):
        plot_tangent(cubic, 1.0, y_range=(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"must return .*Value"):
        plot_tangent(lambda x: "not a number", 1.0)


def bowl(x: Any, y: Any) -> Any:
    return x**2 + 4 * y**2


def test_contours_draw_arrows_trail_minimum_and_the_descent_arrow(tmp_path: Path) -> None:
    path = tmp_path / "contours.svg"
    trail = [(1.5, 0.8), (0.9, 0.2), (0.5, -0.1)]
    figure = plot_contours(
        bowl, (-2, 2), (-1, 1), arrows=3, descent_from=(1.0, 0.5), trail=trail,
        minimum=(0.0, 0.0), xlabel="east", ylabel="north", title="bowl", resolution=21, path=path,
    )  # fmt: skip
    assert b"<svg" in path.read_bytes()[:500]
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == ("east", "north", "bowl")
    (field,) = [c for c in axes.collections if type(c).__name__ == "Quiver"]
    assert field.N == 9
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert list(zip(*lines["descent path (2 steps)"].get_data(), strict=True)) == trail
    assert list(lines["minimum"].get_data()) == [[0.0], [0.0]]
    # The arrow from (1, 0.5) points along −∇f = −(2x, 8y) = (−2, −4).
    (arrow,) = [t for t in axes.texts if t.get_text() == "" and t.arrow_patch is not None]
    (x0, y0), (x1, y1) = arrow.xyann, arrow.xy
    assert (x0, y0) == (1.0, 0.5)
    assert math.isclose((y1 - y0) / (x1 - x0), 2.0) and x1 < x0
    assert "−∇f" in [t.get_text() for t in axes.texts]
    assert _legend_is_outside(figure, axes)


def test_contours_draw_into_given_axes_and_can_leave_out_the_legend() -> None:
    from matplotlib.figure import Figure

    figure = Figure()
    left, right = figure.subplots(1, 2)
    drawn = plot_contours(bowl, (-1, 1), (-1, 1), minimum=(0, 0), legend=False, ax=right)
    assert drawn is figure
    assert right.get_legend() is None and right.get_xlabel() == "x" and not left.lines


def test_contours_errors() -> None:
    with pytest.raises(ValueError, match="∇f is zero at descent_from"):
        plot_contours(bowl, (-1, 1), (-1, 1), descent_from=(0.0, 0.0))
    with pytest.raises(ValueError, match="plot_contours: y_range must have low < high"):
        plot_contours(bowl, (-1, 1), (1, 1))
    with pytest.raises(ValueError, match="arrows must be an integer ≥ 0"):
        plot_contours(bowl, (-1, 1), (-1, 1), arrows=-1)
    with pytest.raises(ValueError, match="resolution must be an integer ≥ 2"):
        plot_contours(bowl, (-1, 1), (-1, 1), resolution=1)
    with pytest.raises(ValueError, match="trail must be a finite number"):
        plot_contours(bowl, (-1, 1), (-1, 1), trail=[(0.0, math.inf)])


def test_descent_steps_follow_the_update_rule(tmp_path: Path) -> None:
    path = tmp_path / "steps.png"
    figure = plot_descent_steps(
        lambda w: (w - 1) ** 2, [0.0, 2.5], lr=0.25, steps=2, x_range=(-1, 3), path=path
    )
    assert path.read_bytes().startswith(PNG)
    (axes,) = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("w", "f(w)")
    walks = [line for line in axes.get_lines() if line.get_label().startswith("w₁")]
    # w₂ = w₁ − 0.25·2(w₁ − 1): from 0 to 0.5 to 0.75, from 2.5 to 1.75 to 1.375.
    assert [list(line.get_xdata()) for line in walks] == [[0.0, 0.5, 0.75], [2.5, 1.75, 1.375]]
    assert walks[0].get_label() == "w₁ = 0: slope -2, so w₂ = 0.5"
    names = [t.get_text() for t in axes.texts if t.get_text()]
    assert names == ["w₁", "w₂", "w₃"] * 2
    assert _legend_is_outside(figure, axes)


def test_descent_steps_errors() -> None:
    def square(w: Any) -> Any:
        return w * w

    with pytest.raises(ValueError, match="starts is empty"):
        plot_descent_steps(square, [], lr=0.1, x_range=(-1, 1))
    with pytest.raises(ValueError, match="lr must be positive"):
        plot_descent_steps(square, [0.5], lr=0.0, x_range=(-1, 1))
    with pytest.raises(ValueError, match="steps must be an integer ≥ 1"):
        plot_descent_steps(square, [0.5], lr=0.1, steps=0, x_range=(-1, 1))
    # The wrong type is a TypeError, the wrong value a ValueError, as train's steps.
    with pytest.raises(TypeError, match=r"steps must be an integer ≥ 1, got float 2\.0"):
        plot_descent_steps(square, [0.5], lr=0.1, steps=2.0, x_range=(-1, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="arrows must be an integer ≥ 0, got str '3'"):
        plot_contours(bowl, (-1, 1), (-1, 1), arrows="3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="each start must be a finite number"):
        plot_descent_steps(square, ["0.5"], lr=0.1, x_range=(-1, 1))  # type: ignore[list-item]


def test_activations_show_each_function_and_its_derivative(tmp_path: Path) -> None:
    path = tmp_path / "activations.png"
    figure = plot_activations(
        {"ReLU": lambda z: z.relu(), "tanh": lambda z: z.tanh()}, points=5, path=path
    )
    assert path.read_bytes().startswith(PNG)
    top_relu, top_tanh, bottom_relu, bottom_tanh = figure.axes
    assert (top_relu.get_title(), top_tanh.get_title()) == ("ReLU", "tanh")
    assert all(a.get_ylabel() == "g(z)" for a in (top_relu, top_tanh))
    assert all(a.get_xlabel() == "z" for a in (bottom_relu, bottom_tanh))
    assert "g′(z)" in bottom_relu.get_ylabel()
    derivative = bottom_relu.get_lines()[0]
    assert list(derivative.get_xdata()) == [-5.0, -2.5, 0.0, 2.5, 5.0]
    assert list(derivative.get_ydata()) == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert math.isclose(bottom_tanh.get_lines()[0].get_ydata()[2], 1.0)  # tanh′(0) = 1


def test_activations_errors() -> None:
    with pytest.raises(ValueError, match="no activation functions"):
        plot_activations({})
    with pytest.raises(ValueError, match="points must be an integer ≥ 2"):
        plot_activations({"ReLU": lambda z: z.relu()}, points=1)
    with pytest.raises(ValueError, match="z_range must have low < high"):
        plot_activations({"ReLU": lambda z: z.relu()}, z_range=(1, -1))
