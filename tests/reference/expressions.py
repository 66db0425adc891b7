"""Expressions written against the micrograd-style API, for comparing with PyTorch.

Each function takes scalars that support ``+ - * / **`` and the methods ``relu``, ``exp``,
``log``, ``tanh``, ``sigmoid``, ``sin``, ``cos``, ``sqrt``, ``abs``: autograd_lite Values or
float64 PyTorch tensors alike. ``record_torch_reference.py`` runs them with PyTorch and stores the
values and gradients; ``tests/test_torch_reference.py`` runs them with autograd_lite and compares.
The inputs avoid kinks (relu, abs at 0), where libraries may legitimately differ.
"""

from __future__ import annotations

from typing import Any


def _functional(x: Any, name: str, *args: float) -> Any:
    """silu, softplus and leaky_relu are methods of Value but functions in torch."""
    if hasattr(x, name):
        return getattr(x, name)(*args)
    import torch.nn.functional as torch_functional  # only reached with torch tensors

    return getattr(torch_functional, name)(x, *args)


def micrograd_sanity_check(x: Any) -> Any:
    # micrograd's test_sanity_check
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a: Any, b: Any) -> Any:
    # micrograd's test_more_ops (augmented assignments written out)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def neuron(x1: Any, x2: Any, w1: Any, w2: Any, b: Any) -> Any:
    # Karpathy's lecture neuron: tanh(x1·w1 + x2·w2 + b)
    return (x1 * w1 + x2 * w2 + b).tanh()


def reuse(a: Any) -> Any:
    b = a + a
    c = b * b
    return c * a - b / (a * a + 1)


def transcendental(x: Any, y: Any) -> Any:
    return (x.exp() * y.sin() + (x * y).cos()) / (1 + x.sigmoid()) - (x * x + y * y).sqrt().log()


def powers(x: Any, y: Any) -> Any:
    return x**y + 2**x + y ** (-1.5) + (x.abs() + 1) ** 0.5 - x**3


def activations(x: Any) -> Any:
    return (
        x.relu()
        + x.tanh()
        + x.sigmoid()
        + _functional(x, "silu")
        + _functional(x, "softplus")
        + _functional(x, "leaky_relu", 0.1)
        + x.abs()
    )


def division_chain(a: Any, b: Any, c: Any) -> Any:
    return a / b / c + (a - b) / (b * c) - c / (a + b + c)


def deep_chain(x: Any) -> Any:
    y = x
    for i in range(200):
        y = (y * 0.99 + 0.01 * (i % 7)).tanh() + 0.5 * y
    return y


def mse_of_two_points(w: Any, b: Any) -> Any:
    points = [(1.0, 2.0), (2.0, 3.5), (-1.0, -0.5)]
    loss = 0.0 * w
    for x, y in points:
        loss = loss + (w * x + b - y) ** 2
    return loss / len(points)


EXPRESSIONS: dict[str, tuple[Any, list[tuple[float, ...]]]] = {
    "micrograd_sanity_check": (micrograd_sanity_check, [(-4.0,), (1.5,), (3.0,)]),
    "micrograd_more_ops": (micrograd_more_ops, [(-4.0, 2.0), (1.25, -0.5), (3.0, 2.5)]),
    "neuron": (neuron, [(2.0, 0.0, -3.0, 1.0, 6.8813735870195432), (0.5, -1.5, 0.3, 0.7, -0.1)]),
    "reuse": (reuse, [(3.0,), (-0.7,), (0.1,)]),
    "transcendental": (transcendental, [(0.5, 1.5), (-1.2, 0.3), (2.0, -2.0)]),
    "powers": (powers, [(1.5, 2.5), (0.3, 0.7), (2.0, 4.0)]),
    "activations": (activations, [(1.7,), (-0.4,), (-3.0,), (25.0,)]),
    "division_chain": (division_chain, [(1.0, 2.0, 3.0), (-2.5, 0.5, 4.0)]),
    "deep_chain": (deep_chain, [(0.3,), (-1.0,)]),
    "mse_of_two_points": (mse_of_two_points, [(0.5, 0.1), (1.4, 0.6)]),
}
