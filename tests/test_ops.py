"""Every rule of the derivative table: exact hand-derived values, derivatives at kinks, second
derivatives, and Hypothesis property tests against central differences (first and second order).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import RULES, Value, gradients, hessian
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


# -- property tests against central differences ----------------------------------------------


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Both signs, |x| in [lo, hi]: away from the kink at 0."""
    return st.tuples(_finite(lo, hi), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


# For each op, inputs (and parameters) inside its domain with a margin.
DOMAINS: dict[str, st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]] = {
    "add": st.tuples(st.tuples(_finite(-1e3, 1e3), _finite(-1e3, 1e3)), st.just(())),
    "sub": st.tuples(st.tuples(_finite(-1e3, 1e3), _finite(-1e3, 1e3)), st.just(())),
    "mul": st.tuples(st.tuples(_finite(-1e3, 1e3), _finite(-1e3, 1e3)), st.just(())),
    "truediv": st.tuples(st.tuples(_finite(-1e3, 1e3), _away_from_zero(0.1, 1e3)), st.just(())),
    "neg": st.tuples(st.tuples(_finite(-1e3, 1e3)), st.just(())),
    "pos": st.tuples(st.tuples(_finite(-1e3, 1e3)), st.just(())),
    "sum": st.tuples(st.lists(_finite(-1e3, 1e3), min_size=1, max_size=6).map(tuple), st.just(())),
    "pow": st.tuples(st.tuples(_finite(0.1, 10.0)), st.tuples(_finite(-3.0, 3.0))),
    "vpow": st.tuples(st.tuples(_finite(0.1, 5.0), _finite(-3.0, 3.0)), st.just(())),
    "exp": st.tuples(st.tuples(_finite(-20.0, 20.0)), st.just(())),
    "log": st.tuples(st.tuples(_finite(0.01, 1e3)), st.just(())),
    "sqrt": st.tuples(st.tuples(_finite(0.01, 1e3)), st.just(())),
    "tanh": st.tuples(st.tuples(_finite(-5.0, 5.0)), st.just(())),
    "sigmoid": st.tuples(st.tuples(_finite(-20.0, 20.0)), st.just(())),
    "relu": st.tuples(st.tuples(_away_from_zero(0.01, 1e3)), st.just(())),
    "leaky_relu": st.tuples(st.tuples(_away_from_zero(0.01, 1e3)), st.tuples(_finite(0.0, 0.5))),
    "abs": st.tuples(st.tuples(_away_from_zero(0.01, 1e3)), st.just(())),
    "silu": st.tuples(st.tuples(_finite(-20.0, 20.0)), st.just(())),
    "softplus": st.tuples(st.tuples(_finite(-20.0, 20.0)), st.just(())),
    "sin": st.tuples(st.tuples(_finite(-10.0, 10.0)), st.just(())),
    "cos": st.tuples(st.tuples(_finite(-10.0, 10.0)), st.just(())),
}


def test_every_rule_has_a_property_test_domain() -> None:
    assert set(DOMAINS) == set(RULES)


def _central_difference(f: Callable[[list[float]], float], xs: list[float], i: int) -> float:
    h = 1e-5 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (up[i] - down[i])


def _close(analytic: float, numeric: float, scale: float) -> bool:
    return abs(analytic - numeric) <= 1e-6 * (1.0 + abs(numeric) + scale)


@pytest.mark.parametrize("op", sorted(RULES))
@given(data=st.data())
def test_first_and_second_derivatives_match_central_differences(op: str, data: Any) -> None:
    inputs, params = data.draw(DOMAINS[op], label="inputs, params")

    def f(xs: list[Value]) -> Value:
        return BUILD[op](*xs, *params)

    def value(xs: list[float]) -> float:
        return f([Value(x) for x in xs]).data

    def derivative(i: int) -> Callable[[list[float]], float]:
        def d_i(xs: list[float]) -> float:
            vs = [Value(x) for x in xs]
            return gradients(f(vs), vs)[i].data

        return d_i

    xs = [Value(x) for x in inputs]
    out = f(xs)
    firsts = gradients(out, xs, create_graph=True)
    for i in range(len(inputs)):
        numeric = _central_difference(value, list(inputs), i)
        assert _close(firsts[i].data, numeric, abs(out.data)), (i, firsts[i].data, numeric)
        seconds = gradients(firsts[i], xs)
        for j in range(len(inputs)):
            numeric2 = _central_difference(derivative(i), list(inputs), j)
            assert _close(seconds[j].data, numeric2, abs(firsts[i].data)), (i, j, numeric2)
