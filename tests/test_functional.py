"""grad, value_and_grad, jacobian, hessian: exact on polynomials, composable, no silent errors."""

from __future__ import annotations

import itertools
import math

import pytest

from autograd_lite import (
    DomainError,
    Value,
    grad,
    gradients,
    hessian,
    jacobian,
    no_grad,
    value_and_grad,
)

POINTS = [(1.0, 2.0), (-1.5, 0.5), (3.0, -2.0), (0.0, 0.0)]


def test_hessian_from_the_issue() -> None:
    assert hessian(lambda x, y: x**2 * y)(1.0, 2.0) == [[4.0, 2.0], [2.0, 0.0]]


@pytest.mark.parametrize(("x", "y"), POINTS)
def test_polynomial_gradient_and_hessian_are_exact(x: float, y: float) -> None:
    # f = x³y² − 4xy + 7y³ + x⁴ − 2
    def f(a: Value, b: Value) -> Value:
        return a**3 * b**2 - 4 * a * b + 7 * b**3 + a**4 - 2

    fx = 3 * x**2 * y**2 - 4 * y + 4 * x**3
    fy = 2 * x**3 * y - 4 * x + 21 * y**2
    fxx = 6 * x * y**2 + 12 * x**2
    fxy = 6 * x**2 * y - 4
    fyy = 2 * x**3 + 42 * y
    value, g = value_and_grad(f)(x, y)
    assert value == pytest.approx(x**3 * y**2 - 4 * x * y + 7 * y**3 + x**4 - 2, abs=1e-12)
    assert g == pytest.approx([fx, fy], abs=1e-12)
    h = hessian(f)(x, y)
    assert h[0] == pytest.approx([fxx, fxy], abs=1e-12)
    assert h[1] == pytest.approx([fxy, fyy], abs=1e-12)


def test_three_variable_hessian_is_symmetric_and_exact() -> None:
    # f = xyz + x²z, at (1, 2, 3)
    h = hessian(lambda x, y, z: x * y * z + x**2 * z)(1.0, 2.0, 3.0)
    assert h == [[6.0, 3.0, 4.0], [3.0, 0.0, 1.0], [4.0, 1.0, 0.0]]
    for i, j in itertools.product(range(3), repeat=2):
        assert h[i][j] == h[j][i]


def test_third_derivative_by_composing_grad() -> None:
    # d³(x⁴)/dx³ = 24x
    d3 = grad(lambda x: grad(lambda y: grad(lambda z: z**4)(y)[0])(x)[0])
    assert d3(1.5) == [36.0]


def test_grad_of_hessian_entry_composes() -> None:
    # ∂/∂x of ∂²(x³y)/∂x² = ∂(6xy)/∂x = 6y
    d = grad(lambda x, y: hessian(lambda a, b: a**3 * b)(x, y)[0][0])
    assert d(2.0, 5.0) == [30.0, 12.0]


def test_nested_grad_sees_variables_from_the_outer_function() -> None:
    # Perturbation confusion: f(x) = x · d/dy (x·y) = x², so f'(x) = 2x. Treating the inner
    # derivative as a constant would give x instead.
    outer = grad(lambda x: x * grad(lambda y: x * y)(1.0)[0])
    assert outer(3.0) == [6.0]


def test_repeated_argument_gets_one_partial_per_argument() -> None:
    x = Value(3.0)
    # f(a, b) = a·b: ∂f/∂a = b, ∂f/∂b = a, even when both are the same Value
    g = grad(lambda a, b: a * b)(x, x)
    assert [v.data for v in g] == [3.0, 3.0]


def test_with_values_the_results_are_values_with_a_graph() -> None:
    x = Value(2.0, label="x")
    (g,) = grad(lambda t: t**3)(x)
    assert isinstance(g, Value)
    assert g.data == 12.0
    (g2,) = gradients(g, [x])
    assert g2.data == 12.0  # 6x


def test_functions_do_not_touch_grad_attributes() -> None:
    x = Value(2.0)
    grad(lambda t: t * x)(3.0)
    assert x.grad == 0.0


def test_unused_argument_has_zero_derivative() -> None:
    assert grad(lambda x, y: x * x)(3.0, 4.0) == [6.0, 0.0]


def test_jacobian_of_a_vector_function() -> None:
    j = jacobian(lambda r, t: [r * t.cos(), r * t.sin()])(2.0, 0.0)
    assert j == [[1.0, -0.0], [0.0, 2.0]]


@pytest.mark.parametrize(
    ("function", "call", "message"),
    [
        (lambda x: 3.0, grad, r"grad: the function must return one Value .*, got float 3\.0"),
        (lambda x: [x, x], grad, "grad: the function must return one Value"),
        (lambda x: "x", jacobian, "jacobian: the function must return a Value or a list of Values"),
        (lambda x: [x, 1.0], jacobian, "got list"),
    ],
)
def test_bad_function_results_are_named(function, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=message):
        call(function)(1.0)


def test_no_arguments_and_bad_arguments() -> None:
    with pytest.raises(TypeError, match="at least one argument"):
        grad(lambda: Value(1.0))()
    with pytest.raises(TypeError, match="got str"):
        grad(lambda x: x)("1.0")


def test_gradients_checks_its_arguments() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="output must be a Value, got float"):
        gradients(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        gradients(x * 2, [x, 2.0])  # type: ignore[list-item]


def test_second_derivative_of_a_transcendental_function() -> None:
    # f = e^{sin x}: f'' = e^{sin x} (cos²x − sin x)
    x = 0.3
    (d2,) = hessian(lambda t: t.sin().exp())(x)
    assert d2[0] == pytest.approx(
        math.exp(math.sin(x)) * (math.cos(x) ** 2 - math.sin(x)), rel=1e-14
    )


def test_functions_differentiate_inside_no_grad() -> None:
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == [6.0]
        assert hessian(lambda x, y: x**2 * y)(1.0, 2.0) == [[4.0, 2.0], [2.0, 0.0]]


def test_a_mixed_derivative_that_does_not_exist_is_refused() -> None:
    # ∂²(xⁿ)/∂x∂n = xⁿ⁻¹(1 + n ln x) has no limit at x = 0.
    with pytest.raises(DomainError, match=r"^vpow: .*at base a = 0"):
        hessian(lambda x, n: x**n)(0.0, 1.0)


def test_hessian_of_linear() -> None:
    h = hessian(lambda w, x, b: Value.linear([w], [x], b))(2.0, 3.0, 1.0)
    assert h == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
