"""SGD: exactly w ← w − lr·∂L/∂w, momentum, schedules, errors."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value
from autograd_lite.optim import SGD


def test_plain_gradient_descent_is_exact() -> None:
    w, b = Value(0.3), Value(-1.2)
    w.grad, b.grad = 0.7, -0.1
    SGD([w, b], lr=0.05).step()
    assert w.data == 0.3 - 0.05 * 0.7
    assert b.data == -1.2 - 0.05 * -0.1


def test_momentum_follows_pytorchs_convention() -> None:
    w = Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.9)
    w.grad = 1.0
    optimizer.step()  # v = 1
    assert w.data == pytest.approx(0.9)
    optimizer.step()  # v = 0.9 + 1 = 1.9
    assert w.data == pytest.approx(0.9 - 0.19)


def test_schedule_and_zero_grad() -> None:
    w = Value(0.0)
    optimizer = SGD([w], lr=lambda step: 1.0 / (step + 1))
    for _ in range(3):
        w.grad = 1.0
        assert optimizer.current_lr() == 1.0 / (optimizer.steps + 1)
        optimizer.step()
    assert w.data == pytest.approx(-(1 + 1 / 2 + 1 / 3))
    optimizer.zero_grad()
    assert w.grad == 0.0


def test_minimises_a_quadratic() -> None:
    w = Value(5.0)
    optimizer = SGD([w], lr=0.1)
    for _ in range(100):
        optimizer.zero_grad()
        ((w - 2.0) ** 2).backward()
        optimizer.step()
    assert w.data == pytest.approx(2.0, abs=1e-8)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda w: SGD([w, w], lr=0.1), ValueError, r"params\[1\] appears twice"),
        (lambda w: SGD([w, 1.0], lr=0.1), TypeError, r"params\[1\] must be a Value, got float"),  # type: ignore[list-item]
        (lambda w: SGD([w], lr=0.0), ValueError, r"lr must be a positive finite number, got 0.0"),
        (lambda w: SGD([w], lr=math.inf), ValueError, r"lr must be a positive finite number"),
        (lambda w: SGD([w], lr="0.1"), TypeError, r"lr must be a number, got str"),  # type: ignore[arg-type]
        (lambda w: SGD([w], lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda w: SGD([w], lr=lambda k: -1.0).step(), ValueError, r"lr must be a positive finite number, got -1.0"),
    ],
)  # fmt: skip
def test_errors(make, error: type[Exception], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        make(Value(1.0))


def test_a_non_finite_gradient_is_refused_before_anything_moves() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(ValueError, match=r"gradient of params\[1\] \('b'\) is nan"):
        SGD([a, b], lr=0.1).step()
    assert (a.data, b.data) == (1.0, 2.0)


def test_sgd_given_a_model_says_to_pass_its_parameters() -> None:
    from autograd_lite.nn import MLP

    with pytest.raises(
        TypeError, match=r"^SGD takes the parameters: SGD\(model\.parameters\(\), lr=…\), got MLP$"
    ):
        SGD(MLP(2, [1], seed=0), lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^SGD takes the parameters: .*got float$"):
        SGD(1.0, lr=0.1)  # type: ignore[arg-type]


def test_sgd_with_no_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^SGD: no parameters to update"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"^SGD: no parameters to update"):
        SGD(iter(()), lr=0.1)


def test_numpy_scalars_are_numbers_for_lr_and_momentum() -> None:
    np = pytest.importorskip("numpy")
    w = Value(1.0)
    w.grad = 2.0
    optimizer = SGD([w], lr=np.float32(0.5), momentum=np.float64(0.25))
    optimizer.step()
    assert w.data == 0.0 and optimizer.momentum == 0.25
    with pytest.raises(TypeError, match=r"^SGD: momentum must be a number, got str"):
        SGD([w], lr=0.1, momentum="0.9")  # type: ignore[arg-type]
