"""Gradients nobody needs do not stop a step (issue 23, item 4)."""

from __future__ import annotations

from autograd_lite import topological_order
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
