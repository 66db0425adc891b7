"""The derivative rules: every operation of autograd_lite, defined once.

Each :class:`Rule` says how an op computes its value from plain floats (``forward``) and what its
local derivatives ∂out/∂input are (``local``). The engine records which rule made each node and,
in the backward pass, multiplies these local derivatives by the upstream gradient (the chain rule).

Local derivatives are written in plain arithmetic over their arguments plus a small math
namespace ``m`` (the functions in :data:`MATH_FUNCTIONS`; ``m.data``, which reads the number out
of an argument; ``m.differentiable``, whether the result will be differentiated again). The
engine calls them two ways:

* with floats and :class:`FloatMath` — the fast path of ``backward()``;
* with :class:`~autograd_lite.Value` objects and the engine's ``ValueMath`` — the derivative is
  then itself recorded as a graph, so it can be differentiated again (second derivatives and
  Hessians come for free).

A third reader, :mod:`autograd_lite.compiler`, calls ``forward`` and ``local`` with operands that
build Python source text (``SourceMath``), and so writes a graph's backward pass as code from
these same rules.

Why this file is over 500 lines: it is the one table of derivatives, which the brief wants in
one place; each rule is a few lines (forward, local, formula, facts), and the facts' types live
in :mod:`autograd_lite.facts`.

``local(m, out, *inputs, *params)`` receives ``out``, the op's own result, because several
derivatives are cheapest in terms of it: (eˣ)' = eˣ, tanh' = 1 − tanh², σ' = σ(1 − σ).

>>> rule = RULES["mul"]
>>> rule.forward(3.0, 4.0)
12.0
>>> rule.local(FloatMath, 12.0, 3.0, 4.0)   # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
(4.0, 3.0)
>>> RULES["tanh"].derivative
'1 − tanh(x)²'

Everything else about an op is on its rule too (:mod:`autograd_lite.facts`): how Python source
and pictures write it, whether a neuron may use it as an activation, where the checks sample it.
Every other module reads those facts from here; none keeps a list of ops of its own.

>>> RULES["mul"].python.write([("a", 5), ("b + 1", 1)]), RULES["mul"].picture.operator
('a * (b + 1)', '')

Your own op is a Rule too: :func:`autograd_lite.extend.register` adds it to the table.

This module is the lowest layer of the library: it knows nothing of Values (see ARCHITECTURE.md).
It stays one file, past the usual size, so that every derivative of the library is in one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import DomainError
from .facts import (
    ATOM,
    EVERYWHERE,
    MARGIN,
    POWER,
    PRODUCT,
    SUM,
    UNARY,
    Interval,
    Notation,
    Sampling,
    Written,
)

__all__ = [
    "ADD",
    "BUILTIN_OPS",
    "MATH_FUNCTIONS",
    "MUL",
    "POW",
    "RULES",
    "SUMMATION",
    "FloatMath",
    "Rule",
    "rule_named",
]

# Kept importable from here, where they were before autograd_lite.extend: register & co.
_MOVED_TO_EXTEND = ("Op", "register", "registered", "unregister")


def __getattr__(name: str) -> Any:
    # The one import in the library that runs back up a layer (see ARCHITECTURE.md): the old
    # home of register() keeps working; it loads extend only when one of these names is asked.
    if name in _MOVED_TO_EXTEND:
        from . import extend

        return getattr(extend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Rule:
    """One operation: its value, its local derivatives, and how to show and check it.

    Attributes:
        name: the op name recorded on nodes (``Value.op``) and used in error messages.
        symbol: a short symbol for drawings (``"+"``, ``"exp"``).
        inputs: names of the Value operands, in order (``("a", "b")``); for a variadic op,
            the one name that every operand shares; for a paired one, three names: the two of
            each pair and the one after them (``("w", "x", "b")``).
        forward: computes the value from floats: ``forward(*inputs, *params)``. Raises
            :class:`~autograd_lite.DomainError` (op and reason only; the engine adds the
            operands and their labels).
        local: the local derivatives, ``local(m, out, *inputs, *params)`` → one entry per input.
        formula: the value in words, e.g. ``"a · b"``.
        derivative: the local derivatives in words, e.g. ``"∂/∂a = b,  ∂/∂b = a"``.
        params: names of constant parameters that are numbers, not Values (``("c",)`` for x ** c).
        variadic: takes any number of operands (the n-ary sum).
        pairs: (variadic) its operands are pairs followed by one more: w₀, x₀, w₁, x₁, …, b.
        kinks: inputs where the derivative jumps; ``local`` documents the value it picks there.
        written: how it is written in source and pictures (:class:`Written`).
        activation: whether a neuron may apply it to its weighted sum (``nn``): "" if not;
            ``"rectifier"`` (zero for negative inputs, as relu: He initialisation) or
            ``"smooth"`` (as tanh: LeCun initialisation).
        sampling: where the checks draw its operands (:class:`Sampling`).
        finite_locals: its local derivatives are finite wherever its operands and its result
            are (the compiler then skips a sample that a zero upstream gradient makes useless:
            zero times a finite number changes no sum).
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
    pairs: bool = False
    written: Written = field(default_factory=Written)
    activation: str = ""
    sampling: Sampling = field(default_factory=Sampling)
    finite_locals: bool = False

    def __reduce__(self) -> tuple[Callable[[str], Rule], tuple[str]]:
        # Rules hold lambdas, which do not pickle; they are singletons of the table, so a
        # pickled graph refers to its rules by name.
        return (rule_named, (self.name,))

    # -- naming the operands ----------------------------------------------------------------

    def input_name(self, j: int, count: int) -> str:
        """The name of operand ``j`` of ``count``: ``a``, ``b``; ``x[2]`` of a variadic op;
        ``w[0]``, ``x[0]``, …, ``b`` of a paired one. Errors, reports and pictures all say this.

        >>> Rule("f", "f", ("w", "x", "b"), max, max, "", "", variadic=True, pairs=True
        ...      ).input_names(5)
        ['w[0]', 'x[0]', 'w[1]', 'x[1]', 'b']
        """
        if not self.variadic:
            return self.inputs[j]
        if not self.pairs:
            return f"{self.inputs[0]}[{j}]"
        if j == count - 1:
            return self.inputs[2]
        return f"{self.inputs[j % 2]}[{j // 2}]"

    def input_names(self, count: int) -> list[str]:
        """The names of ``count`` operands (:meth:`input_name`)."""
        return [self.input_name(j, count) for j in range(count)]

    def operand_count(self) -> int:
        """How many operands the op takes; for a variadic op, a typical number (3; 5 for a
        paired op: two pairs and one more), as the checks and probes use it."""
        if not self.variadic:
            return len(self.inputs)
        return 5 if self.pairs else 3

    # -- how it is written ------------------------------------------------------------------

    @property
    def python(self) -> Notation:
        """How Python source writes the op (see :class:`Written`)."""
        written = self.written
        if written.python is not None:
            return written.python
        extra = ", ".join(f"{{p{i}}}" for i in range(len(self.params)))
        if written.method:
            return Notation(f"{{0:{ATOM}}}.{written.method}({extra})")
        operands = (
            "{all}" if self.variadic else ", ".join(f"{{{i}}}" for i in range(len(self.inputs)))
        )
        return Notation(f"{self.name}({', '.join(p for p in (operands, extra) if p)})")

    @property
    def picture(self) -> Notation:
        """How a drawing names a node the op made (see :class:`Written`)."""
        if self.written.picture is not None:
            return self.written.picture
        operands = (
            "{all}" if self.variadic else ", ".join(f"{{{i}}}" for i in range(len(self.inputs)))
        )
        return Notation(f"{self.symbol}({operands})")

    @property
    def methods(self) -> tuple[str, ...]:
        """Every name of the Value method that applies the op (``("silu", "swish")``)."""
        written = self.written
        return (written.method, *written.aliases) if written.method else ()

    # -- where to check it ------------------------------------------------------------------

    def domain(self, params: Sequence[float] = ()) -> tuple[Interval, ...]:
        """Where the checks may apply the op, one interval per operand position (see
        :class:`Sampling`); an empty tuple means everywhere."""
        domain = self.sampling.domain
        return domain(*params) if callable(domain) else domain


def rule_named(name: str) -> Rule:
    """The rule called ``name`` in the table (how a pickled graph finds its rules again)."""
    if name not in RULES:
        raise KeyError(
            f"no op named {name!r} in the rule table: a pickled graph refers to its rules by "
            "name, so register the op (import the module that calls autograd_lite.extend.register) "
            "before unpickling"
        )
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
    except TypeError:
        # Operands that are not numbers: the compiler's source text, whose ``fsum`` writes
        # this very sum as code (autograd_lite.compiler.text). Costs nothing on floats.
        for x in xs:
            fsum = getattr(type(x), "fsum", None)
            if fsum is not None:
                written: float = fsum(xs)
                return written
        raise


def _linear(*v: float) -> float:
    """Σ wᵢ·xᵢ + b for v = (w₀, x₀, w₁, x₁, …, b): a neuron's weighted sum as one op."""
    if len(v) % 2 == 0:
        raise DomainError("linear", "expected pairs (w, x) followed by one bias b")
    products = [v[i] * v[i + 1] for i in range(0, len(v) - 1, 2)]
    try:
        total = _sum(*products, v[-1])
    except ValueError:  # fsum refuses inf − inf: products overflowed with opposite signs
        total = math.inf
    # Speed: the result is checked, not every product (a product that overflowed makes the sum
    # inf or refused). Not a float: the compiler's source text, which writes this fast path
    # (compiled code that meets inf asks the engine, which lands below).
    if not isinstance(total, float) or math.isfinite(total):
        return total
    # A product overflowed, though the sum may fit (1e200·1e200 − 1e200·1e200 = 0): multiply
    # and add exactly instead (rare: slow is fine).
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
    lenient = False
    """True when the engine asks only for the derivatives of operands someone needs (a pass
    pruned to some inputs): a rule may then give nan where an operand's derivative has no real
    value, as vpow does for ∂/∂b at a negative base."""

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
    elif getattr(m, "lenient", False):  # (getattr: a namespace of one's own may not say)
        # Asked only for operands someone needs (a pruned pass), and b is not one of them:
        # ∂/∂b has no real value here, but the real ∂/∂a above is all that is needed.
        db = math.nan
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


def _written(python: str = "", picture: str = "", level: int = ATOM, **others: Any) -> Written:
    """The Written of an operator: the same precedence in source and in pictures."""
    return Written(
        python=Notation(python, level) if python else None,
        picture=Notation(picture, level) if picture else None,
        **others,
    )


def _sample(*operands: Interval, **others: Any) -> Sampling:
    return Sampling(operands=operands, **others)


_INF = math.inf
_POSITIVE = Interval(MARGIN, _INF)  # inside a domain x > 0, with the margin
_NONZERO = Interval(MARGIN, 100.0, either_sign=True)  # either side of a kink at 0


def _pow_domain(c: float) -> tuple[Interval, ...]:
    # A non-integer power needs x > 0; below c = 1, xᶜ⁻¹ grows without bound near x = 0.
    if c != int(c):
        return (_POSITIVE,)
    return (Interval(MARGIN, _INF, either_sign=True),) if c < 1 else ()


_RULE_LIST = (
    Rule("add", "+", ("a", "b"), lambda a, b: a + b,
         lambda m, out, a, b: (1.0, 1.0),
         "a + b", "∂/∂a = 1,  ∂/∂b = 1",
         written=_written("{0:1} + {1:2}", "{0:1} + {1:1}", SUM, micrograd="+"),
         finite_locals=True),
    Rule("sub", "−", ("a", "b"), lambda a, b: a - b,
         lambda m, out, a, b: (1.0, -1.0),
         "a − b", "∂/∂a = 1,  ∂/∂b = −1",
         written=_written("{0:1} - {1:2}", "{0:1} − {1:2}", SUM, micrograd="-"),
         finite_locals=True),
    Rule("mul", "×", ("a", "b"), lambda a, b: a * b,
         lambda m, out, a, b: (b, a),
         "a · b", "∂/∂a = b,  ∂/∂b = a",
         written=_written("{0:2} * {1:3}", "{0:2}·{1:2}", PRODUCT, micrograd="*"),
         finite_locals=True),
    Rule("truediv", "÷", ("a", "b"), _truediv,
         lambda m, out, a, b: (1 / b, -out / b),  # −a/b² written as −out/b: no b² to overflow
         "a / b", "∂/∂a = 1/b,  ∂/∂b = −a/b²",
         written=_written("{0:2} / {1:3}", "{0:2} / {1:3}", PRODUCT, micrograd="/"),
         sampling=_sample(Interval(-10.0, 10.0), Interval(0.5, 100.0, either_sign=True),
                          domain=(EVERYWHERE, Interval(MARGIN, _INF, either_sign=True)))),
    Rule("neg", "−", ("x",), lambda x: -x,
         lambda m, out, x: (-1.0,),
         "−x", "−1",
         written=_written("-{0:3}", "−{0:4}", UNARY),
         finite_locals=True),
    Rule("pos", "+", ("x",), lambda x: x,
         lambda m, out, x: (1.0,),
         "x", "1",
         written=_written("+{0:3}", "+{0:4}", UNARY),
         finite_locals=True),
    Rule("sum", "Σ", ("x",), _sum,
         lambda m, out, *xs: (1.0,) * len(xs),
         "x₀ + x₁ + … (exactly rounded)", "∂/∂xᵢ = 1", variadic=True,
         written=Written(python=Notation("Value.sum([{all}])"),
                         picture=Notation("{all}", SUM, join=" + ", short="Σ of {n} terms")),
         sampling=Sampling(count=(1, 6)),
         finite_locals=True),
    Rule("linear", "Σw·x+b", ("w", "x", "b"), _linear, _linear_local,
         "w₀·x₀ + w₁·x₁ + … + b (exactly rounded)", "∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ,  ∂/∂b = 1",
         variadic=True, pairs=True,
         written=Written(python=Notation("Value.linear([{weights}], [{inputs}], {last})"),
                         picture=Notation("{pairs} + {last}", SUM, join=" + ", short="w·x + b")),
         sampling=_sample(Interval(-10.0, 10.0), count=(1, 3)),
         finite_locals=True),
    Rule("pow", "**", ("x",), _power, _pow_local,
         "xᶜ (c a number)", "c·xᶜ⁻¹", params=("c",),
         written=_written("{0:5} ** {p0}", "{0:5}{p0:sup}", POWER, micrograd="**{p0}"),
         sampling=_sample(Interval(0.5, 10.0), params=(Interval(-2.0, 2.0),),
                          choices=((2.0,), (3.0,), (-1.0,), (0.5,), (1.5,), (-0.5,), (0.0,),
                                   (1.0,)),
                          domain=_pow_domain)),
    Rule("vpow", "**", ("a", "b"), _power, _vpow_local,
         "aᵇ (b a Value)", "∂/∂a = b·aᵇ⁻¹,  ∂/∂b = aᵇ·ln a",
         written=_written("{0:5} ** {1:4}", "{0:5}^{1:5}", POWER),
         sampling=_sample(Interval(0.5, 5.0), Interval(-2.0, 2.0),
                          domain=(_POSITIVE, Interval(-3.0, 3.0)))),
    Rule("exp", "exp", ("x",), _exp,
         lambda m, out, x: (out,),
         "eˣ", "eˣ",
         written=Written(method="exp"),
         sampling=_sample(Interval(-20.0, 4.5)),  # e^4.5 ≈ 90
         finite_locals=True),
    Rule("log", "log", ("x",), _log,
         lambda m, out, x: (1 / x,),
         "ln x", "1/x",
         written=Written(method="log"),
         sampling=_sample(Interval(MARGIN, 100.0), domain=(_POSITIVE,))),
    Rule("sqrt", "√", ("x",), _sqrt,
         lambda m, out, x: (0.5 / out,),  # infinite at x = 0: the engine reports it
         "√x", "1/(2√x)",
         written=Written(method="sqrt", picture=Notation("√{0:5}")),
         sampling=_sample(Interval(MARGIN, 100.0), domain=(_POSITIVE,))),
    Rule("tanh", "tanh", ("x",), math.tanh,
         lambda m, out, x: (1 - out * out,),
         "tanh x", "1 − tanh(x)²",
         written=Written(method="tanh"), activation="smooth",
         sampling=_sample(Interval(-5.0, 5.0)),
         finite_locals=True),
    Rule("sigmoid", "σ", ("x",), _sigmoid,
         lambda m, out, x: (out * (1 - out),),
         "σ(x) = 1/(1 + e^−x)", "σ(x)·(1 − σ(x))",
         written=Written(method="sigmoid"), activation="smooth",
         sampling=_sample(Interval(-20.0, 20.0)),
         finite_locals=True),
    Rule("relu", "relu", ("x",), lambda x: x if x > 0 else 0.0,
         lambda m, out, x: (1.0 if m.data(x) > 0 else 0.0,),  # 0 at the kink x = 0
         "max(x, 0)", "1 if x > 0 else 0 (0 at x = 0)", kinks=(0.0,),
         written=Written(method="relu", micrograd="ReLU"), activation="rectifier",
         sampling=_sample(_NONZERO),
         finite_locals=True),
    Rule("leaky_relu", "lrelu", ("x",), lambda x, slope: x if x > 0 else slope * x,
         lambda m, out, x, slope: (1.0 if m.data(x) > 0 else slope,),  # slope at x = 0
         "x if x > 0 else slope·x", "1 if x > 0 else slope (slope at x = 0)",
         params=("slope",), kinks=(0.0,),
         written=Written(method="leaky_relu"), activation="rectifier",
         sampling=_sample(_NONZERO, params=(Interval(0.0, 0.5),),
                          choices=((0.1,), (0.01,), (0.3,))),
         finite_locals=True),
    Rule("abs", "|x|", ("x",), abs,
         lambda m, out, x: (_sign(m.data(x)),),  # 0 at the kink x = 0
         "|x|", "sign(x) (0 at x = 0)", kinks=(0.0,),
         written=Written(method="abs", python=Notation("abs({0})"), picture=Notation("|{0}|")),
         sampling=_sample(_NONZERO),
         finite_locals=True),
    Rule("silu", "silu", ("x",), lambda x: x * _sigmoid(x), _silu_local,
         "x·σ(x)", "σ(x)·(1 + x·(1 − σ(x)))",
         written=Written(method="silu", aliases=("swish",)), activation="rectifier",
         sampling=_sample(Interval(-20.0, 20.0)),
         finite_locals=True),
    Rule("softplus", "softplus", ("x",), _softplus,
         lambda m, out, x: (m.sigmoid(x),),
         "ln(1 + eˣ)", "σ(x)",
         written=Written(method="softplus"),
         sampling=_sample(Interval(-20.0, 20.0)),
         finite_locals=True),
    # Beyond |x| = 100 sin and cos oscillate too fast for any finite difference to follow.
    Rule("sin", "sin", ("x",), math.sin,
         lambda m, out, x: (m.cos(x),),
         "sin x", "cos x",
         written=Written(method="sin"),
         sampling=_sample(Interval(-10.0, 10.0), domain=(Interval(-100.0, 100.0),)),
         finite_locals=True),
    Rule("cos", "cos", ("x",), math.cos,
         lambda m, out, x: (-m.sin(x),),
         "cos x", "−sin x",
         written=Written(method="cos"),
         sampling=_sample(Interval(-10.0, 10.0), domain=(Interval(-100.0, 100.0),)),
         finite_locals=True),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULE_LIST}
"""Every op of the library by name, in the order above; :func:`~autograd_lite.extend.register`
adds others."""

for _name in MATH_FUNCTIONS:
    setattr(FloatMath, _name, staticmethod(RULES[_name].forward))

BUILTIN_OPS: tuple[str, ...] = tuple(RULES)
"""The names of the library's own ops."""

# The rules that other modules use by themselves (the engine's operators, check_engine's probes
# of how gradients flow through + and ×, the compiler's softmax shift Σ exp(z − m)).
ADD, MUL, POW = RULES["add"], RULES["mul"], RULES["pow"]
SUB, EXP = RULES["sub"], RULES["exp"]
SUMMATION = RULES["sum"]  # (SUM is the precedence level of + and -)
