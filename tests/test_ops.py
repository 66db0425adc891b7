"""Every rule of the derivative table: exact hand-derived values, derivatives at kinks and second
derivatives. (Property tests of every rule against finite differences, first and second order,
run through autograd_lite.testing in tests/test_testing.py.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import RULES, DomainError, Value, gradients, hessian
from autograd_lite.ops import FloatMath

# How to build each op through the public API, given Values (and then the op's parameters).
BUILD: dict[str, Callable[..., Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "neg": lambda x: -x,
    "pos": lambda x: +x,
    "sum": lambda *xs: Value.sum(xs),
    "linear": lambda *v: Value.linear(v[:-1:2], v[1:-1:2], v[-1]),
    "pow": lambda x, c: x**c,
    "vpow": lambda a, b: a**b,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x, slope: x.leaky_relu(slope),
    "abs": lambda x: abs(x),
    "silu": lambda x: x.silu(),
    "softplus": lambda x: x.softplus(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
}

E = math.e


def _s(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# (op, inputs, params, value, derivative with respect to each input), derived by hand.
EXACT: list[tuple[str, tuple[float, ...], tuple[float, ...], float, tuple[float, ...]]] = [
    ("add", (2.0, 3.0), (), 5.0, (1.0, 1.0)),
    ("add", (-1.5, 0.25), (), -1.25, (1.0, 1.0)),
    ("sub", (2.0, 3.0), (), -1.0, (1.0, -1.0)),
    ("sub", (-0.5, -0.5), (), 0.0, (1.0, -1.0)),
    ("mul", (2.0, 3.0), (), 6.0, (3.0, 2.0)),
    ("mul", (-0.5, 4.0), (), -2.0, (4.0, -0.5)),
    ("truediv", (1.0, 4.0), (), 0.25, (0.25, -1 / 16)),
    ("truediv", (-3.0, 2.0), (), -1.5, (0.5, 0.75)),
    ("neg", (2.0,), (), -2.0, (-1.0,)),
    ("neg", (-0.0,), (), 0.0, (-1.0,)),
    ("pos", (2.5,), (), 2.5, (1.0,)),
    ("pos", (-7.0,), (), -7.0, (1.0,)),
    ("sum", (1.0, 2.0, 3.0), (), 6.0, (1.0, 1.0, 1.0)),
    ("sum", (0.5,), (), 0.5, (1.0,)),
    ("linear", (2.0, 3.0, -1.0, 4.0, 0.5), (), 2.5, (3.0, 2.0, 4.0, -1.0, 1.0)),
    ("linear", (0.25,), (), 0.25, (1.0,)),
    ("pow", (3.0,), (2.0,), 9.0, (6.0,)),
    ("pow", (4.0,), (0.5,), 2.0, (0.25,)),
    ("pow", (2.0,), (-1.0,), 0.5, (-0.25,)),
    ("pow", (-2.0,), (3.0,), -8.0, (12.0,)),
    ("pow", (0.0,), (2.0,), 0.0, (0.0,)),
    ("pow", (5.0,), (0.0,), 1.0, (0.0,)),
    ("pow", (0.0,), (0.0,), 1.0, (0.0,)),
    ("pow", (0.0,), (1.0,), 0.0, (1.0,)),
    ("vpow", (2.0, 3.0), (), 8.0, (12.0, 8 * math.log(2.0))),
    ("vpow", (E, 2.0), (), E**2, (2 * E, E**2)),
    ("vpow", (0.0, 2.0), (), 0.0, (0.0, 0.0)),
    ("vpow", (0.0, 0.0), (), 1.0, (0.0, 0.0)),
    ("vpow", (3.0, 0.0), (), 1.0, (0.0, math.log(3.0))),
    ("exp", (0.0,), (), 1.0, (1.0,)),
    ("exp", (1.0,), (), E, (E,)),
    ("exp", (-2.0,), (), math.exp(-2.0), (math.exp(-2.0),)),
    ("log", (1.0,), (), 0.0, (1.0,)),
    ("log", (E,), (), 1.0, (1 / E,)),
    ("log", (0.5,), (), -math.log(2.0), (2.0,)),
    ("sqrt", (4.0,), (), 2.0, (0.25,)),
    ("sqrt", (9.0,), (), 3.0, (1 / 6,)),
    ("tanh", (0.0,), (), 0.0, (1.0,)),
    ("tanh", (0.5,), (), math.tanh(0.5), (1 - math.tanh(0.5) ** 2,)),
    ("sigmoid", (0.0,), (), 0.5, (0.25,)),
    ("sigmoid", (2.0,), (), _s(2.0), (_s(2.0) * (1 - _s(2.0)),)),
    ("sigmoid", (-800.0,), (), 0.0, (0.0,)),
    ("sigmoid", (800.0,), (), 1.0, (0.0,)),
    ("relu", (2.0,), (), 2.0, (1.0,)),
    ("relu", (-2.0,), (), 0.0, (0.0,)),
    ("relu", (0.0,), (), 0.0, (0.0,)),  # the kink: 0 by our convention (and PyTorch's)
    ("leaky_relu", (2.0,), (0.1,), 2.0, (1.0,)),
    ("leaky_relu", (-2.0,), (0.1,), -0.2, (0.1,)),
    ("leaky_relu", (0.0,), (0.1,), 0.0, (0.1,)),  # the kink: the slope
    ("abs", (-3.0,), (), 3.0, (-1.0,)),
    ("abs", (3.0,), (), 3.0, (1.0,)),
    ("abs", (0.0,), (), 0.0, (0.0,)),  # the kink: 0
    ("silu", (0.0,), (), 0.0, (0.5,)),
    ("silu", (1.0,), (), _s(1.0), (_s(1.0) * (1 + 1 - _s(1.0)),)),
    ("softplus", (0.0,), (), math.log(2.0), (0.5,)),
    ("softplus", (1000.0,), (), 1000.0, (1.0,)),
    ("softplus", (-1000.0,), (), 0.0, (0.0,)),
    ("sin", (0.0,), (), 0.0, (1.0,)),
    ("sin", (math.pi / 6,), (), math.sin(math.pi / 6), (math.cos(math.pi / 6),)),
    ("cos", (0.0,), (), 1.0, (-0.0,)),
    ("cos", (math.pi,), (), -1.0, (-math.sin(math.pi),)),
]


def test_every_rule_has_a_builder_and_hand_derived_cases() -> None:
    assert set(BUILD) == set(RULES)
    for name in RULES:
        assert sum(case[0] == name for case in EXACT) >= 2, f"add exact cases for {name}"


def test_every_rule_documents_itself() -> None:
    for name, rule in RULES.items():
        assert rule.name == name
        assert rule.formula
        assert rule.derivative
        assert rule.inputs
        if rule.kinks:
            assert "at x = 0" in rule.derivative, "say which derivative is taken at the kink"


@pytest.mark.parametrize(
    ("op", "inputs", "params", "value", "derivatives"),
    EXACT,
    ids=[f"{c[0]}{c[1] + c[2]}" for c in EXACT],
)
def test_exact_value_and_derivatives(
    op: str,
    inputs: tuple[float, ...],
    params: tuple[float, ...],
    value: float,
    derivatives: tuple[float, ...],
) -> None:
    xs = [Value(x) for x in inputs]
    node = BUILD[op](*xs, *params)
    assert node.op == op
    assert node.data == pytest.approx(value, rel=1e-15, abs=1e-300)
    node.backward()
    assert tuple(x.grad for x in xs) == pytest.approx(derivatives, rel=1e-15, abs=1e-300)
    # The same derivatives, recorded as Values (the rule run on Values instead of floats).
    fresh = [Value(x) for x in inputs]
    if op == "vpow" and inputs[0] == 0:
        # ∂(aᵇ)/∂b = aᵇ·ln a has no derivative at a = 0: refused rather than recorded as a
        # constant that would claim ∂²/∂a∂b = 0.
        with pytest.raises(DomainError, match="at base a = 0 the derivative with respect to b"):
            gradients(BUILD[op](*fresh, *params), fresh, create_graph=True)
        return
    as_values = gradients(BUILD[op](*fresh, *params), fresh, create_graph=True)
    assert tuple(g.data for g in as_values) == pytest.approx(derivatives, rel=1e-15, abs=1e-300)


# d²f/dx² by hand, for every one-input op.
SECOND: list[tuple[str, float, tuple[float, ...], float]] = [
    ("exp", 1.0, (), E),
    ("log", 2.0, (), -0.25),
    ("sqrt", 4.0, (), -1 / 32),
    ("tanh", 0.5, (), -2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2)),
    ("sigmoid", 0.5, (), _s(0.5) * (1 - _s(0.5)) * (1 - 2 * _s(0.5))),
    ("silu", 0.5, (), _s(0.5) * (1 - _s(0.5)) * (2 + 0.5 * (1 - 2 * _s(0.5)))),
    ("softplus", 0.5, (), _s(0.5) * (1 - _s(0.5))),
    ("sin", 1.0, (), -math.sin(1.0)),
    ("cos", 1.0, (), -math.cos(1.0)),
    ("pow", 2.0, (3.0,), 12.0),
    ("pow", 4.0, (0.5,), -1 / 32),
    ("pow", -2.0, (4.0,), 48.0),
    ("relu", 2.0, (), 0.0),
    ("leaky_relu", -2.0, (0.1,), 0.0),
    ("abs", -2.0, (), 0.0),
    ("neg", 2.0, (), 0.0),
    ("pos", 2.0, (), 0.0),
]


@pytest.mark.parametrize(("op", "x", "params", "expected"), SECOND)
def test_second_derivative_by_hand(
    op: str, x: float, params: tuple[float, ...], expected: float
) -> None:
    v = Value(x)
    (first,) = gradients(BUILD[op](v, *params), [v], create_graph=True)
    (second,) = gradients(first, [v])
    assert second.data == pytest.approx(expected, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("add", 2.0, 3.0, [[0.0, 0.0], [0.0, 0.0]]),
        ("sub", 2.0, 3.0, [[0.0, 0.0], [0.0, 0.0]]),
        ("mul", 2.0, 3.0, [[0.0, 1.0], [1.0, 0.0]]),
        # a/b: ∂²/∂a² = 0, ∂²/∂a∂b = −1/b², ∂²/∂b² = 2a/b³
        ("truediv", 3.0, 2.0, [[0.0, -0.25], [-0.25, 0.75]]),
        # aᵇ: b(b−1)aᵇ⁻², aᵇ⁻¹(1 + b ln a), aᵇ ln²a
        ("vpow", 2.0, 3.0, [[12.0, 4 * (1 + 3 * math.log(2))], [4 * (1 + 3 * math.log(2)), 8 * math.log(2) ** 2]]),
    ],
)  # fmt: skip
def test_hessian_of_binary_ops_by_hand(op: str, a: float, b: float, expected: Any) -> None:
    h = hessian(BUILD[op])(a, b)
    for row, expected_row in zip(h, expected, strict=True):
        assert row == pytest.approx(expected_row, rel=1e-14, abs=1e-300)


def test_float_math_matches_value_math() -> None:
    for name in ("exp", "log", "sin", "cos", "sigmoid"):
        float_result = getattr(FloatMath, name)(0.7)
        assert float_result == getattr(Value(0.7), name)().data
