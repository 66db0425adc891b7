"""Gradients nobody needs do not stop a step (issue 23, item 4)."""

from __future__ import annotations

import pytest

from autograd_lite import Value, grad, gradients, topological_order
from autograd_lite.errors import DomainError
from autograd_lite.losses import hinge
from autograd_lite.nn import MLP
from autograd_lite.train import train


def _overflowing_model() -> MLP:
    """At x = 1e-200: ∂L/∂x = 1e200 · 1e200 overflows, every parameter's gradient is finite."""
    model = MLP(1, [1, 1], seed=0)
    for name, p in model.named_parameters():
        p.data = 1e200 if name.endswith("w0") else 0.0
    return model


def test_an_overflowing_gradient_of_an_input_nn_made_does_not_stop_training() -> None:
    model = _overflowing_model()
    history = train(model, [[1e-200]], [-1], steps=1, loss=hinge, lr=1e-300, progress=False)
    assert history.loss == [1e200]
    assert all(abs(p.grad) < 1e201 for p in model.parameters())


def test_backward_fills_in_the_input_gradient_without_refusing() -> None:
    model = _overflowing_model()
    out = model([1e-200])
    out.backward()
    (x,) = [n for n in topological_order(out) if n.label == "x0"]
    assert x.grad == float("inf")  # computed, shown in pictures, but nobody's to refuse
    assert all(abs(p.grad) < 1e201 for p in model.parameters())


# -- a ** Value(b) with a negative base ---------------------------------------------------------


def test_a_negative_base_to_a_constant_exponent_has_its_derivative_in_the_base() -> None:
    # (−2)³ = −8 is real and so is ∂/∂a = 3·(−2)² = 12; ∂/∂b would need ln(−2), and is not asked.
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    assert [g.data for g in gradients(a**b, [a])] == [12.0]
    (da,) = gradients(a**b, [a], create_graph=True)
    assert da.data == 12.0 and [g.data for g in gradients(da, [a])] == [-12.0]  # 6·a
    assert grad(lambda x: x ** Value(3.0))(-2.0) == [12.0]


def test_a_negative_base_still_refuses_where_the_exponents_derivative_is_needed() -> None:
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    with pytest.raises(DomainError, match=r"^vpow: .*exponent b needs a base a > 0"):
        gradients(a**b, [a, b])
    with pytest.raises(DomainError, match=r"^vpow: .*exponent b needs a base a > 0"):
        (a**b).backward()  # backward() fills in b's gradient too: b is needed


# -- create_graph=True and an overflowing derivative nobody needs --------------------------------


def test_create_graph_ignores_an_overflowing_derivative_of_an_operand_nobody_needs() -> None:
    a, b = Value(1e200, label="a"), Value(1e-100, label="b")
    # ∂(a/b)/∂b = −a/b² = −1e400 overflows; ∂/∂a = 1/b = 1e100 is what is asked.
    (da,) = gradients(a / b, [a], create_graph=True)
    assert da.data == 1e100
    assert [g.data for g in gradients(a / b, [a])] == [1e100]
    with pytest.raises(DomainError, match=r"^truediv: its local derivative"):
        gradients(a / b, [a, b], create_graph=True)
