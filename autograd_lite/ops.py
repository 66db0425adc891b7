"""The derivative rules: every operation of autograd_lite, defined once.

Each :class:`Rule` says how an op computes its value from plain floats (``forward``) and what its
local derivatives ∂out/∂input are (``local``). The engine records which rule made each node and,
in the backward pass, multiplies these local derivatives by the upstream gradient (the chain rule).

Local derivatives are written in plain arithmetic over their arguments plus a small math
namespace ``m`` (the functions in :data:`MATH_FUNCTIONS`; ``m.data``, which reads the number out
of an argument; ``m.differentiable``, whether the result will be differentiated again). The
engine calls them two ways:

* with floats and :class:`FloatMath` — the fast path of ``backward()``;
* with :class:`~autograd_lite.engine.Value` objects and the engine's ``ValueMath`` — the
  derivative is then itself recorded as a graph, so it can be differentiated again
  (second derivatives and Hessians come for free).

``local(m, out, *inputs, *params)`` receives ``out``, the op's own result, because several
derivatives are cheapest in terms of it: (eˣ)' = eˣ, tanh' = 1 − tanh², σ' = σ(1 − σ).

>>> rule = RULES["mul"]
>>> rule.forward(3.0, 4.0)
12.0
>>> rule.local(FloatMath, 12.0, 3.0, 4.0)   # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
(4.0, 3.0)
>>> RULES["tanh"].derivative
'1 − tanh(x)²'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import DomainError

__all__ = ["MATH_FUNCTIONS", "RULES", "FloatMath", "Rule"]


@dataclass(frozen=True)
class Rule:
    """One operation: its value, its local derivatives, and how to show it.

    Attributes:
        name: the op name recorded on nodes (``Value.op``) and used in error messages.
        symbol: a short symbol for drawings (``"+"``, ``"exp"``).
        inputs: names of the Value operands, in order (``("a", "b")``); for a variadic op,
            the one name that every operand shares.
        forward: computes the value from floats: ``forward(*inputs, *params)``. Raises
            :class:`DomainError` (op and reason only; the engine adds operands and labels).
        local: the local derivatives, ``local(m, out, *inputs, *params)`` → one entry per input.
        formula: the value in words, e.g. ``"a · b"``.
        derivative: the local derivatives in words, e.g. ``"∂/∂a = b,  ∂/∂b = a"``.
        params: names of constant parameters that are numbers, not Values (``("c",)`` for x ** c).
        variadic: takes any number of operands (the n-ary sum).
        kinks: inputs where the derivative jumps; ``local`` documents the value it picks there.
    """

    name: str
    symbol: str
    inputs: tuple[str, ...]
    forward: Callable[..., float]
    local: Callable[..., tuple[Any, ...]]
    formula: str
    derivative: str
    params: tuple[str, ...] = ()
    variadic: bool = False
    kinks: tuple[float, ...] = ()

    def __reduce__(self) -> tuple[Callable[[str], Rule], tuple[str]]:
        # Rules hold lambdas, which do not pickle; they are singletons of the table, so a
        # pickled graph refers to its rules by name.
        return (_rule_named, (self.name,))


def _rule_named(name: str) -> Rule:
    return RULES[name]


# ---------------------------------------------------------------------------------------------
# Forward functions that need a domain check or a numerically stable form.
# ---------------------------------------------------------------------------------------------


def _truediv(a: float, b: float) -> float:
    if b == 0:
        raise DomainError("truediv", "division by zero: expected b != 0")
    return a / b


def _power(x: float, c: float) -> float:
    """x ** c over the reals: errors instead of Python's complex results (the engine names
    the op, pow or vpow, when it reports them)."""
    if x == 0 and c < 0:
        raise DomainError("pow", "0 to a negative power divides by zero: expected a base != 0")
    if x < 0 and c != int(c):
        raise DomainError(
            "pow",
            "a negative base to a non-integer power is not a real number: "
            "expected a base >= 0 or an integer exponent",
        )
    return float(x**c)  # may raise OverflowError: the engine reports it as an overflow


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise DomainError("exp", "expected x <= 709.78 (exp(x) overflows a float above)") from None


def _log(x: float) -> float:
    if x <= 0:
        raise DomainError("log", "expected x > 0")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise DomainError("sqrt", "expected x >= 0")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp() only ever sees a non-positive argument: no overflow for any x.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|): exact for large |x| instead of overflowing.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _exact_sum(terms: Iterable[Fraction]) -> float:
    """The sum of exact fractions, rounded once to a float; inf where it overflows (the engine
    reports that as an overflow)."""
    try:
        return float(sum(terms, Fraction(0)))
    except OverflowError:
        return math.inf


def _sum(*xs: float) -> float:
    try:
        return math.fsum(xs)
    except OverflowError:
        # fsum can overflow on its way to a sum that fits (1e308 + 1e308 − 1e308). Halving
        # would lose the last bit of subnormals, so add exactly instead (rare: slow is fine).
        return _exact_sum(map(Fraction, xs))


def _linear(*v: float) -> float:
    """Σ wᵢ·xᵢ + b for v = (w₀, x₀, w₁, x₁, …, b): a neuron's weighted sum as one op."""
    if len(v) % 2 == 0:
        raise DomainError("linear", "expected pairs (w, x) followed by one bias b")
    products = [v[i] * v[i + 1] for i in range(0, len(v) - 1, 2)]
    if all(map(math.isfinite, products)):
        return _sum(*products, v[-1])
    # A product overflowed, though the sum may fit (1e200·1e200 − 1e200·1e200 = 0), and fsum
    # refuses inf − inf: multiply and add exactly instead (rare: slow is fine).
    pairs = range(0, len(v) - 1, 2)
    return _exact_sum([*(Fraction(v[i]) * Fraction(v[i + 1]) for i in pairs), Fraction(v[-1])])


def _linear_local(m: Any, out: Any, *v: Any) -> tuple[Any, ...]:
    # ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ (as for a product), ∂/∂b = 1.
    partials: list[Any] = []
    for i in range(0, len(v) - 1, 2):
        partials += (v[i + 1], v[i])
    return (*partials, 1.0)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


MATH_FUNCTIONS = ("exp", "log", "sigmoid", "sin", "cos")
"""The ops that local derivatives may call through the math namespace ``m``."""


class FloatMath:
    """The math namespace on plain floats: ``m.exp`` is the forward function of the ``exp``
    rule, and so on for :data:`MATH_FUNCTIONS` (filled in below the table)."""

    differentiable = False

    @staticmethod
    def data(x: float) -> float:
        return x

    exp: Callable[[float], float]
    log: Callable[[float], float]
    sigmoid: Callable[[float], float]
    sin: Callable[[float], float]
    cos: Callable[[float], float]


# ---------------------------------------------------------------------------------------------
# Local derivatives that need more than one expression.
# ---------------------------------------------------------------------------------------------


_EXACT_INTEGERS = 2.0**53
"""Below this magnitude every integer is a float, so c − 1 is exact for an integer c."""


def _power_minus_one(m: Any, out: Any, x: Any, c: Any) -> Any:
    """xᶜ⁻¹, with the sign right even where c − 1 rounds.

    From 2⁵³ on, floats are even integers and c − 1 (odd) is not a float: it rounds to an even
    neighbour, and a negative base would get the sign of an even power (x = −1, c = 2⁵⁴:
    xᶜ⁻¹ = −1, but x ** (c − 1) = +1). There xᶜ⁻¹ is computed as xᶜ / x from ``out`` = xᶜ,
    which is exact in sign; at x = 0 it is 0 (c ≥ 2⁵³; 0 to a negative power is refused by the
    forward). Smaller exponents keep x ** (c − 1): xᶜ / x would lose xᶜ⁻¹ where xᶜ underflows.
    """
    if abs(m.data(c)) < _EXACT_INTEGERS:
        return x ** (c - 1)
    return out / x if m.data(x) != 0 else 0.0


def _pow_local(m: Any, out: Any, x: Any, c: float) -> tuple[Any, ...]:
    # d(xᶜ)/dx = c·xᶜ⁻¹. For c = 0 the function is the constant 1, derivative 0 everywhere
    # (written out because c·x⁻¹ would divide by zero at x = 0).
    return (c * _power_minus_one(m, out, x, c) if c != 0 else 0.0,)


def _vpow_local(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    # ∂(aᵇ)/∂a = b·aᵇ⁻¹ and ∂(aᵇ)/∂b = aᵇ·ln a.
    # At a = b = 0 the function is the constant a⁰ = 1, derivative 0 (a⁻¹ would divide by zero).
    # Elsewhere keep the formula even when b = 0: its dependence on b carries ∂²/∂a∂b.
    da = 0.0 if m.data(a) == 0 and m.data(b) == 0 else b * _power_minus_one(m, out, a, b)
    if m.data(a) > 0:
        db = out * m.log(a)
    elif m.data(a) == 0 and not m.differentiable:
        db = 0.0  # 0ᵇ is constant (0 for b > 0, 1 at b = 0; b < 0 is refused by the forward)
    elif m.data(a) == 0:
        # As a Value the constant would claim ∂²/∂a∂b = 0, but aᵇ·ln a has no limit at a = 0.
        raise DomainError(
            "vpow", "at base a = 0 the derivative with respect to b has no derivative of its own"
        )
    else:
        raise DomainError(
            "vpow",
            "the derivative with respect to the exponent b needs a base a > 0 (a negative base "
            "has a real power only at integer b); use a number exponent if b is a constant",
        )
    return (da, db)


def _silu_local(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    s = m.sigmoid(x)
    return (s * (1 + x * (1 - s)),)


_RULE_LIST = (
    Rule("add", "+", ("a", "b"), lambda a, b: a + b,
         lambda m, out, a, b: (1.0, 1.0),
         "a + b", "∂/∂a = 1,  ∂/∂b = 1"),
    Rule("sub", "−", ("a", "b"), lambda a, b: a - b,
         lambda m, out, a, b: (1.0, -1.0),
         "a − b", "∂/∂a = 1,  ∂/∂b = −1"),
    Rule("mul", "×", ("a", "b"), lambda a, b: a * b,
         lambda m, out, a, b: (b, a),
         "a · b", "∂/∂a = b,  ∂/∂b = a"),
    Rule("truediv", "÷", ("a", "b"), _truediv,
         lambda m, out, a, b: (1 / b, -out / b),  # −a/b² written as −out/b: no b² to overflow
         "a / b", "∂/∂a = 1/b,  ∂/∂b = −a/b²"),
    Rule("neg", "−", ("x",), lambda x: -x,
         lambda m, out, x: (-1.0,),
         "−x", "−1"),
    Rule("pos", "+", ("x",), lambda x: x,
         lambda m, out, x: (1.0,),
         "x", "1"),
    Rule("sum", "Σ", ("xs",), _sum,
         lambda m, out, *xs: (1.0,) * len(xs),
         "x₀ + x₁ + … (exactly rounded)", "∂/∂xᵢ = 1", variadic=True),
    Rule("linear", "Σw·x+b", ("v",), _linear, _linear_local,
         "w₀·x₀ + w₁·x₁ + … + b (exactly rounded)", "∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ,  ∂/∂b = 1",
         variadic=True),
    Rule("pow", "**", ("x",), _power, _pow_local,
         "xᶜ (c a number)", "c·xᶜ⁻¹", params=("c",)),
    Rule("vpow", "**", ("a", "b"), _power, _vpow_local,
         "aᵇ (b a Value)", "∂/∂a = b·aᵇ⁻¹,  ∂/∂b = aᵇ·ln a"),
    Rule("exp", "exp", ("x",), _exp,
         lambda m, out, x: (out,),
         "eˣ", "eˣ"),
    Rule("log", "log", ("x",), _log,
         lambda m, out, x: (1 / x,),
         "ln x", "1/x"),
    Rule("sqrt", "√", ("x",), _sqrt,
         lambda m, out, x: (0.5 / out,),  # infinite at x = 0: the engine reports it
         "√x", "1/(2√x)"),
    Rule("tanh", "tanh", ("x",), math.tanh,
         lambda m, out, x: (1 - out * out,),
         "tanh x", "1 − tanh(x)²"),
    Rule("sigmoid", "σ", ("x",), _sigmoid,
         lambda m, out, x: (out * (1 - out),),
         "σ(x) = 1/(1 + e^−x)", "σ(x)·(1 − σ(x))"),
    Rule("relu", "relu", ("x",), lambda x: x if x > 0 else 0.0,
         lambda m, out, x: (1.0 if m.data(x) > 0 else 0.0,),  # 0 at the kink x = 0
         "max(x, 0)", "1 if x > 0 else 0 (0 at x = 0)", kinks=(0.0,)),
    Rule("leaky_relu", "lrelu", ("x",), lambda x, slope: x if x > 0 else slope * x,
         lambda m, out, x, slope: (1.0 if m.data(x) > 0 else slope,),  # slope at x = 0
         "x if x > 0 else slope·x", "1 if x > 0 else slope (slope at x = 0)",
         params=("slope",), kinks=(0.0,)),
    Rule("abs", "|x|", ("x",), abs,
         lambda m, out, x: (_sign(m.data(x)),),  # 0 at the kink x = 0
         "|x|", "sign(x) (0 at x = 0)", kinks=(0.0,)),
    Rule("silu", "silu", ("x",), lambda x: x * _sigmoid(x), _silu_local,
         "x·σ(x)", "σ(x)·(1 + x·(1 − σ(x)))"),
    Rule("softplus", "softplus", ("x",), _softplus,
         lambda m, out, x: (m.sigmoid(x),),
         "ln(1 + eˣ)", "σ(x)"),
    Rule("sin", "sin", ("x",), math.sin,
         lambda m, out, x: (m.cos(x),),
         "sin x", "cos x"),
    Rule("cos", "cos", ("x",), math.cos,
         lambda m, out, x: (-m.sin(x),),
         "cos x", "−sin x"),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULE_LIST}
"""Every op of the library by name, in the order above."""

for _name in MATH_FUNCTIONS:
    setattr(FloatMath, _name, staticmethod(RULES[_name].forward))
