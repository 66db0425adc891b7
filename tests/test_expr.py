"""The expression parser: a whitelist over ast, never eval."""

from __future__ import annotations

import pytest

from autograd_lite import DomainError
from autograd_lite.expr import parse_expression


@pytest.mark.parametrize(
    ("text", "variables", "value"),
    [
        ("(x**2 + 1)**3", {"x": 2.0}, 125.0),
        ("-x + +y", {"x": 1.0, "y": 3.0}, 2.0),
        ("x / y - 2 * x", {"x": 1.0, "y": 4.0}, -1.75),
        ("exp(log(x)) + sqrt(x) + abs(-x)", {"x": 4.0}, 10.0),
        ("relu(x) + leaky_relu(x, 0.5) + tanh(0 * x)", {"x": -2.0}, -1.0),
        (
            "sigmoid(x) + silu(x) + swish(x) + softplus(x) + sin(x) + cos(x)",
            {"x": 0.0},
            0.5 + 0.6931471805599453 + 1.0,
        ),
        ("2 ** x", {"x": 3.0}, 8.0),
        ("3", {}, 3.0),
    ],
)
def test_values(text: str, variables: dict[str, float], value: float) -> None:
    assert parse_expression(text, variables).data == pytest.approx(value, rel=1e-15)


def test_variables_are_labelled_leaves_and_number_exponents_stay_numbers() -> None:
    f = parse_expression("x**2", {"x": -3.0})
    assert f.op == "pow"
    assert f.parents[0].label == "x"
    f.backward()
    assert f.parents[0].grad == -6.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", r"not allowed in an expression: a call of __import__\('os'\).system \(col 1\)"),
        ("x.__class__", r"Attribute 'x.__class__'"),
        ("lambda: 1", r"Lambda"),
        ("x if x else 1", r"IfExp"),
        ("[x]", r"List"),
        ("x @ x", r"the operator MatMult"),
        ("x % 2", r"the operator Mod"),
        ("not x", r"the operator Not"),
        ("True + x", r"the constant True"),
        ("'a'", r"the constant 'a'"),
        ("1e999", r"not finite"),
        ("exp(x=1)", r"the keyword argument x= of exp \(give arguments by position\) \(col 5\)"),
        ("open('f')", r"a call of open"),
        ("y + 1", r"unknown variable 'y' \(col 1\): give it a value, as in y=1.5 \(variables given: x\)"),
        ("exp(x, x)", r"exp takes 1 argument, got 2"),
        ("x +", r"not a valid expression"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expression(text, {"x": 1.0})


def test_arithmetic_errors_are_the_engines() -> None:
    with pytest.raises(DomainError, match=r"^truediv: division by zero"):
        parse_expression("1 / (x - 1)", {"x": 1.0})
    with pytest.raises(DomainError, match=r"^pow: the result overflows"):
        parse_expression("10 ** 400", {})


def test_caret_gets_a_hint() -> None:
    with pytest.raises(
        ValueError, match=r"the operator \^ \(exclusive or in Python: write x\*\*2 for a power\)"
    ):
        parse_expression("x^2", {"x": 2.0})
