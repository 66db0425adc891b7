"""Datasets: shapes, seeds, geometry, the split, the digits, errors."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite.datasets import (
    load_digits_binary,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS = [make_moons, make_circles, make_xor, make_spirals]


@pytest.mark.parametrize("make", GENERATORS)
def test_shapes_labels_and_seeds(make: Callable[..., Any]) -> None:
    X, y = make(101, seed=3)
    assert len(X) == len(y) == 101
    assert all(len(p) == 2 and all(math.isfinite(c) for c in p) for p in X)
    assert set(y) == {0, 1}
    assert make(101, seed=3) == (X, y)
    assert make(101, seed=4) != (X, y)


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    X, y = make_moons(50, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert y.count(0) == y.count(1) == 25


def test_circles_radii_and_xor_labels() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    for p, label in zip(X, y):
        assert math.hypot(*p) == pytest.approx(1.0 if label == 0 else 0.3)
    X, y = make_xor(200, seed=0)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))


def test_split_is_stratified_and_complete() -> None:
    X = [[float(i)] for i in range(100)]
    y = [0] * 80 + [1] * 20
    X_train, X_test, _, y_test = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert (len(X_test), y_test.count(1)) == (25, 5)
    assert sorted(X_train + X_test) == X
    assert train_test_split(X, y, seed=1) == train_test_split(X, y, seed=1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(1), r"n must be an int >= 2, got 1"),
        (lambda: make_moons(10, noise=-1), r"noise must be a number >= 0"),
        (lambda: make_circles(10, factor=1.5), r"factor must be in \(0, 1\)"),
        (lambda: make_spirals(10, turns=0), r"turns must be a positive number"),
        (lambda: train_test_split([[1.0]], [0, 1]), r"X has 1 samples but y has 2"),
        (lambda: train_test_split([[1.0]], [0], test_fraction=1.0), r"test_fraction must be in \(0, 1\)"),
    ],
)  # fmt: skip
def test_errors(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(10.0), r"n must be an int >= 2, got float 10.0"),
        (lambda: make_moons("10"), r"n must be an int >= 2, got str '10'"),
        (lambda: make_moons(10, noise="0.1"), r"noise must be a number >= 0, got str '0.1'"),
    ],
)  # fmt: skip
def test_arguments_of_the_wrong_type_are_type_errors(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_digits_zero_and_one() -> None:
    X, y = load_digits_binary()
    assert len(X) == len(y) == 360
    assert all(len(image) == 64 for image in X)
    assert min(min(image) for image in X) == 0.0
    assert max(max(image) for image in X) == 1.0
    assert set(y) == {0, 1}


def test_digits_without_scikit_learn_explain_the_extra() -> None:
    script = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from autograd_lite.datasets import load_digits_binary\n"
        "load_digits_binary()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install 'autograd-lite[digits]'" in result.stderr
