"""Plots: real PNG files, headless, and a clear message without matplotlib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP
from autograd_lite.plots import plot_decision_boundary, plot_history
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
