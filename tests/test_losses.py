"""Losses: exact values, gradients against finite differences, stability, errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2,
    log_softmax,
    mse,
    softmax,
)
from autograd_lite.testing import check_grad


def _s(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_exact_values() -> None:
    assert mse([Value(3.0), Value(-1.0)], [1.0, 0.0]).data == 2.5
    assert hinge([Value(2.0), Value(0.5), Value(-0.5)], [1, 1, 1]).data == pytest.approx(2.0 / 3)
    assert hinge([Value(0.5)], [-1]).data == 1.5
    assert hinge([Value(0.5)], [0]).data == 1.5  # 0 is the negative class
    p = 0.8
    assert binary_cross_entropy([Value(p)], [1]).data == pytest.approx(-math.log(p), rel=1e-15)
    assert binary_cross_entropy([Value(p)], [0]).data == pytest.approx(-math.log(1 - p), rel=1e-15)
    z = 0.7
    assert binary_cross_entropy_with_logits([Value(z)], [1]).data == pytest.approx(
        -math.log(_s(z)), rel=1e-14
    )
    assert cross_entropy([[0.0, 0.0, 0.0]], [2]).data == pytest.approx(math.log(3), rel=1e-15)
    assert l2([Value(1.0), Value(-2.0)], 0.5).data == 2.5
    assert [p.data for p in softmax([0.0, math.log(3.0)])] == pytest.approx([0.25, 0.75], rel=1e-15)


def test_stable_for_large_inputs() -> None:
    assert binary_cross_entropy_with_logits([Value(1000.0)], [1]).data == 0.0
    assert binary_cross_entropy_with_logits([Value(-1000.0)], [1]).data == 1000.0
    assert cross_entropy([[1000.0, 0.0]], [1]).data == 1000.0
    assert [p.data for p in softmax([1000.0, 1000.0])] == [0.5, 0.5]
    assert [v.data for v in log_softmax([-1000.0, 0.0])] == pytest.approx([-1000.0, 0.0])


def test_clamping_in_binary_cross_entropy() -> None:
    p = Value(0.0)
    loss = binary_cross_entropy([p], [1])
    assert loss.data == pytest.approx(-math.log(1e-7))
    loss.backward()
    assert p.grad == 0.0  # clamped: as in PyTorch's clamp, no gradient flows
    q = Value(0.5)
    binary_cross_entropy([q], [1], eps=1e-3).backward()
    assert q.grad == pytest.approx(-2.0)


@pytest.mark.parametrize(
    "loss",
    [
        lambda a, b, c: mse([a, b, c], [0.5, -1.0, 2.0]),
        lambda a, b, c: hinge([a, b, c], [1, -1, 1]),
        lambda a, b, c: binary_cross_entropy([a.sigmoid(), b.sigmoid(), c.sigmoid()], [1, 0, 0.3]),
        lambda a, b, c: binary_cross_entropy_with_logits([a, b, c], [1, 0, 0.3]),
        lambda a, b, c: cross_entropy([[a, b, c], [c, a, b]], [0, 2]),
        lambda a, b, c: Value.sum(softmax([a, b, c])[:2]),
        lambda a, b, c: l2([a, b, c], 0.1),
    ],
    ids=["mse", "hinge", "bce", "bce_logits", "cross_entropy", "softmax", "l2"],
)
def test_gradients_agree_with_finite_differences(loss: Callable[..., Value]) -> None:
    check_grad(loss, [0.4, -1.3, 0.8], order=2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse([Value(1.0)], [1.0, 2.0]), ValueError, r"mse: 1 predictions but 2 targets"),
        (lambda: mse([], []), ValueError, r"mse: no samples"),
        (lambda: mse(Value(1.0), [1.0]), TypeError, r"predictions must be a list, got Value"),
        (lambda: mse([Value(1.0)], "a"), TypeError, r"targets must be a list, got str"),
        (lambda: mse([Value(1.0)], [math.nan]), ValueError, r"each target must be a finite number, got nan"),
        (lambda: hinge([Value(1.0)], [2]), ValueError, r"hinge: targets must be classes −1/\+1 \(or 0/1\), got 2"),
        (lambda: hinge([Value(1.0), Value(1.0)], [-1, 0]), ValueError, r"mix −1 and 0"),
        (lambda: binary_cross_entropy([Value(1.5)], [1]), ValueError, r"must be probabilities in \[0, 1\], got 1.5"),
        (lambda: binary_cross_entropy([Value(0.5)], [2]), ValueError, r"targets must be in \[0, 1\]"),
        (lambda: binary_cross_entropy([Value(0.5)], [1], eps=0.0), ValueError, r"eps must be in \(0, 0.5\)"),
        (lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, r"class index in 0..1, got 2"),
        (lambda: cross_entropy([[]], [0]), TypeError, r"non-empty list of class scores"),
        (lambda: l2([Value(1.0)], -1.0), ValueError, r"alpha must be a number >= 0"),
    ],
)  # fmt: skip
def test_errors(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
