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

A third reader, :mod:`autograd_lite.compiler`, calls ``forward`` and ``local`` with operands that
build Python source text (``SourceMath``), and so writes a graph's backward pass as code from
these same rules.

``local(m, out, *inputs, *params)`` receives ``out``, the op's own result, because several
derivatives are cheapest in terms of it: (eˣ)' = eˣ, tanh' = 1 − tanh², σ' = σ(1 − σ).

>>> rule = RULES["mul"]
>>> rule.forward(3.0, 4.0)
12.0
>>> rule.local(FloatMath, 12.0, 3.0, 4.0)   # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
(4.0, 3.0)
>>> RULES["tanh"].derivative
'1 − tanh(x)²'

Your own op is a Rule too: :func:`register` adds it to the table and returns a function that
applies it (see its docstring); :func:`autograd_lite.testing.check_rule` checks its derivatives.
"""

from __future__ import annotations

import inspect
import keyword
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import DomainError

__all__ = [
    "BUILTIN_OPS",
    "MATH_FUNCTIONS",
    "RULES",
    "FloatMath",
    "Op",
    "Rule",
    "register",
    "registered",
    "unregister",
]


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
    if name not in RULES:
        raise KeyError(
            f"no op named {name!r} in the rule table: a pickled graph refers to its rules by "
            "name, so register the op (import the module that calls autograd_lite.ops.register) "
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

BUILTIN_OPS: tuple[str, ...] = tuple(RULES)
"""The names of the library's own ops; :func:`register` adds others to :data:`RULES`."""


# ---------------------------------------------------------------------------------------------
# Your own ops
# ---------------------------------------------------------------------------------------------

_REGISTERED: dict[str, Op] = {}

_SAMPLES = (0.7, -1.3, 2.1, -0.4, 1.6)
"""Where :func:`register` tries a new rule's functions (points outside its domain are skipped)."""


class Op:
    """An op of the rule table as a function, as :func:`register` returns it.

    On Values (or a mix of Values and numbers) it records a node made by its rule, so backward,
    second derivatives, drawings and :func:`~autograd_lite.testing.check_grad` work as for the
    built-in ops; on plain numbers it returns the float its forward function computes. Constant
    parameters (``rule.params``) follow the operands and must be numbers.

    Attributes:
        rule: the :class:`Rule` it applies.
    """

    __slots__ = ("rule",)

    rule: Rule

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    @property
    def __name__(self) -> str:  # so printed source and reproduce lines can name it
        return self.rule.name

    @property
    def __doc__(self) -> str:  # type: ignore[override]  # per op: its formula and derivative
        return f"{self.rule.name}: {self.rule.formula}; local derivative {self.rule.derivative}"

    def __repr__(self) -> str:
        rule = self.rule
        return f"<op {rule.name}({', '.join([*rule.inputs, *rule.params])}) = {rule.formula}>"

    def __reduce__(self) -> tuple[Callable[[str], Op], tuple[str]]:
        return (_op_named, (self.rule.name,))

    def __call__(self, *args: Any) -> Any:
        rule = self.rule
        if RULES.get(rule.name) is not rule:
            raise LookupError(
                f"{rule.name}: this op is no longer in the rule table (it was unregistered or "
                "replaced); use the function that register() returned last"
            )
        operands: tuple[Any, ...]
        params: tuple[Any, ...]
        if rule.variadic:
            if not args:
                raise TypeError(f"{rule.name} takes one or more operands, got none")
            operands, params = args, ()
        else:
            expected = len(rule.inputs) + len(rule.params)
            if len(args) != expected:
                names = ", ".join([*rule.inputs, *rule.params])
                raise TypeError(
                    f"{rule.name} takes {expected} argument{'s' if expected != 1 else ''} "
                    f"({names}), got {len(args)}"
                )
            operands, params = args[: len(rule.inputs)], args[len(rule.inputs) :]
        for name, p in zip(rule.params, params, strict=True):
            if not _real_number(p):
                raise TypeError(
                    f"{rule.name}: the parameter {name} must be a real number (a constant, not a "
                    f"Value: make it an input of the op to differentiate by it), got "
                    f"{type(p).__name__} {p!r}"
                )
            if not math.isfinite(p):
                raise ValueError(f"{rule.name}: the parameter {name} must be finite, got {p!r}")
        constants = tuple(float(p) for p in params)
        # The engine records nodes; it imports this module, so it is imported here, at call
        # time (by then it is always loaded: importing autograd_lite loads it).
        from .engine import Value, _apply, _required, no_grad

        what = f"{rule.name} expects Values or real numbers as operands"
        leaves = tuple(_required(x, what) for x in operands)
        if any(isinstance(x, Value) for x in operands):
            return _apply(rule, leaves, constants)
        # Numbers only: a float, computed (and its errors reported) exactly as for Values.
        with no_grad():
            return _apply(rule, leaves, constants).data


def _op_named(name: str) -> Op:
    if name not in _REGISTERED:
        raise KeyError(
            f"no registered op named {name!r}: register it (import the module that calls "
            "autograd_lite.ops.register) before unpickling"
        )
    return _REGISTERED[name]


def takes(function: Callable[..., Any], count: int) -> bool:
    """Whether ``function`` can be called with ``count`` positional arguments (True when Python
    cannot tell, as for some builtins)."""
    try:
        inspect.signature(function).bind(*[0.0] * count)
    except TypeError:
        return False
    except ValueError:
        return True
    return True


def _names(rule: Rule, field: str, value: object, *, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, tuple):
        hint = f" (for one name write ({value!r},))" if isinstance(value, str) else ""
        raise TypeError(
            f"register: {rule.name!r}: {field} must be a tuple of names, got "
            f"{type(value).__name__} {value!r}{hint}"
        )
    if not value and not allow_empty:
        raise ValueError(f"register: {rule.name!r}: {field} is empty; an op needs an input")
    for name in value:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"register: {rule.name!r}: {field} must be names like 'x' or 'a', got {name!r}"
            )
    return value


def _check_fields(rule: Rule) -> None:
    """TypeError or ValueError naming the first field of ``rule`` that the engine cannot use."""
    if (
        not isinstance(rule.name, str)
        or not rule.name.isidentifier()
        or keyword.iskeyword(rule.name)
    ):
        raise ValueError(
            f"register: the name of an op must be a Python identifier such as 'cube' (it names "
            f"the op in errors, drawings and printed source), got {rule.name!r}"
        )
    for field in ("symbol", "formula", "derivative"):
        text = getattr(rule, field)
        if not isinstance(text, str) or not text.strip():
            raise TypeError(
                f"register: {rule.name!r}: {field} must be a non-empty str (drawings show it), "
                f"got {text!r}"
            )
    inputs = _names(rule, "inputs", rule.inputs, allow_empty=False)
    params = _names(rule, "params", rule.params, allow_empty=True)
    if len(set(inputs + params)) != len(inputs + params):
        raise ValueError(
            f"register: {rule.name!r}: inputs and params must have different names, got "
            f"{inputs + params}"
        )
    for field in ("forward", "local"):
        if not callable(getattr(rule, field)):
            raise TypeError(
                f"register: {rule.name!r}: {field} must be a function, got "
                f"{type(getattr(rule, field)).__name__} {getattr(rule, field)!r}"
            )
    if not isinstance(rule.variadic, bool):
        raise TypeError(f"register: {rule.name!r}: variadic must be True or False")
    if rule.variadic and (len(inputs) != 1 or params):
        raise ValueError(
            f"register: {rule.name!r}: a variadic op has one input name, shared by all its "
            f"operands, and no params (forward(*xs) could not tell them apart); got "
            f"inputs={inputs}, params={params}"
        )
    if not isinstance(rule.kinks, tuple) or not all(
        isinstance(k, (int, float)) and not isinstance(k, bool) and math.isfinite(k)
        for k in rule.kinks
    ):
        raise TypeError(
            f"register: {rule.name!r}: kinks must be a tuple of finite numbers, got {rule.kinks!r}"
        )
    if rule.kinks and (len(inputs) != 1 or rule.variadic):
        raise ValueError(
            f"register: {rule.name!r}: kinks are supported for ops of one input (the checks "
            f"watch which side of each kink that input is on); got inputs={inputs}"
        )
    counts = (1, 2, 3) if rule.variadic else (len(inputs) + len(params),)
    shape = ", ".join(["*" + inputs[0]] if rule.variadic else [*inputs, *params])
    for what, extra in (("forward", 0), ("local", 2)):
        if not all(takes(getattr(rule, what), extra + n) for n in counts):
            expected = f"(m, out, {shape})" if extra else f"({shape})"
            raise TypeError(
                f"register: {rule.name!r}: {what} must take {expected}, to match inputs and params"
            )


def _samples(rule: Rule) -> list[tuple[float, ...]]:
    """Points to try ``rule`` at: operands followed by parameters."""
    if rule.variadic:
        return [_SAMPLES[:n] for n in (1, 2, 3)]
    n = len(rule.inputs) + len(rule.params)
    return [tuple(_SAMPLES[(k + i) % len(_SAMPLES)] for i in range(n)) for k in range(3)]


def _real_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_calls(rule: Rule) -> None:
    """Call the new rule's functions on sample floats, and ``local`` on Values too; a TypeError
    or ValueError for what the engine could not use. Points outside the op's domain (its forward
    raises DomainError, or ValueError or ArithmeticError) are skipped."""
    from .engine import Value, ValueMath  # at call time: the engine imports this module

    n_inputs = 0 if rule.variadic else len(rule.inputs)
    for point in _samples(rule):
        count = len(point) if rule.variadic else n_inputs
        operands, params = point[:count], point[count:]
        where = ", ".join(
            f"{name} = {x!r}"
            for name, x in zip(
                [f"{rule.inputs[0]}[{i}]" for i in range(count)]
                if rule.variadic
                else [*rule.inputs, *rule.params],
                point,
                strict=True,
            )
        )
        try:
            out = rule.forward(*point)
        except (ValueError, ArithmeticError):
            continue  # outside the domain
        if not _real_number(out):
            raise TypeError(
                f"register: {rule.name!r}: forward must return a real number, got "
                f"{type(out).__name__} {out!r} at {where}"
            )
        try:
            local = rule.local(FloatMath, float(out), *point)
        except (ValueError, ArithmeticError):
            continue
        noun = f"{count} entr{'ies' if count != 1 else 'y'}"
        if not isinstance(local, (tuple, list)) or len(local) != count:
            shown = f"{type(local).__name__} {local!r}"
            hint = " (for one input write a 1-tuple: (3 * x**2,))" if count == 1 else ""
            raise ValueError(
                f"register: {rule.name!r}: local must return a tuple of {noun}, one "
                f"∂out/∂input per input, got {shown} at {where}{hint}"
            )
        for i, d in enumerate(local):
            if not _real_number(d):
                raise TypeError(
                    f"register: {rule.name!r}: local must give numbers when called with floats "
                    f"(m = FloatMath); entry {i} is {type(d).__name__} {d!r} at {where}"
                )
        leaves = [Value(x) for x in operands]
        try:
            on_values = rule.local(ValueMath, Value(out), *leaves, *params)
        except (ValueError, ArithmeticError):
            continue
        except Exception as error:
            raise TypeError(
                f"register: {rule.name!r}: local must also run on Values, so that second "
                f"derivatives come for free: write it in plain arithmetic and the functions of "
                f"m ({', '.join(f'm.{f}' for f in MATH_FUNCTIONS)}), not math.*; called with "
                f"Values at {where} it raised {type(error).__name__}: {error}"
            ) from None
        if not isinstance(on_values, (tuple, list)) or len(on_values) != count:
            raise ValueError(
                f"register: {rule.name!r}: local must return a tuple of {noun} on Values too, "
                f"got {on_values!r} at {where}"
            )


def register(rule: Rule, *, replace: bool = False) -> Op:
    """Add your own op to the rule table and return a function that applies it.

    ``rule.forward`` computes the value from floats; ``rule.local(m, out, *inputs, *params)``
    returns one local derivative ∂out/∂input per input, written in plain arithmetic (and the
    functions of ``m``: ``m.exp``, ``m.log``, ``m.sigmoid``, ``m.sin``, ``m.cos``), so that it
    runs on floats for ``backward()`` and on Values for second derivatives. The rule is checked
    first: its fields, the signatures of its functions, and calls at a few sample points (those
    outside the op's domain are skipped). Check its derivatives with
    :func:`autograd_lite.testing.check_rule`.

    The name must be new: a built-in op's name is refused, and so is the name of another
    registered rule unless ``replace=True``. Registering the *same* Rule object again is allowed
    and returns its function (so re-running a module is harmless). :func:`unregister` removes
    it (for tests).

    >>> cube = register(Rule("cube", "³", ("x",), lambda x: x**3,
    ...                      lambda m, out, x: (3 * x**2,), "x³", "3·x²"))
    >>> from autograd_lite import Value, hessian
    >>> x = Value(2.0, label="x")
    >>> y = cube(x) + x
    >>> y.backward()
    >>> y.data, x.grad, cube(2.0)                       # 2³ + 2, 3·2² + 1, a float
    (10.0, 13.0, 8.0)
    >>> hessian(lambda x: cube(x))(2.0)                 # 6x, for free
    [[12.0]]
    >>> _ = unregister("cube")
    """
    if not isinstance(rule, Rule):
        raise TypeError(
            f"register expects a Rule(name, symbol, inputs, forward, local, formula, derivative), "
            f"got {type(rule).__name__} {rule!r}"
        )
    if not isinstance(rule.name, str):
        raise ValueError(f"register: the name of an op must be a str, got {rule.name!r}")
    if rule.name in BUILTIN_OPS:
        raise ValueError(
            f"register: {rule.name!r} is a built-in op; choose another name (the built-in ops "
            f"are {', '.join(BUILTIN_OPS)})"
        )
    existing = RULES.get(rule.name)
    if existing is rule:
        return _REGISTERED[rule.name]
    if existing is not None and not replace:
        raise ValueError(
            f"register: an op named {rule.name!r} is already registered ({existing.formula}); "
            "pass replace=True to replace it (functions returned for the old rule then refuse "
            "to run), or choose another name"
        )
    _check_fields(rule)
    _check_calls(rule)
    RULES[rule.name] = rule
    _REGISTERED[rule.name] = Op(rule)
    return _REGISTERED[rule.name]


def unregister(name: str) -> Rule:
    """Remove an op added by :func:`register` and return its rule (built-in ops stay).

    Nodes recorded with it still differentiate (they hold their rule), but drawings, checks and
    pickles look rules up by name: re-register the rule to use those.

    >>> unregister("exp")
    Traceback (most recent call last):
        ...
    ValueError: unregister: 'exp' is a built-in op; only ops added with register() can be removed
    """
    if name in BUILTIN_OPS:
        raise ValueError(
            f"unregister: {name!r} is a built-in op; only ops added with register() can be removed"
        )
    if name not in _REGISTERED:
        known = ", ".join(_REGISTERED) or "none"
        raise KeyError(f"unregister: no registered op named {name!r} (registered: {known})")
    del _REGISTERED[name]
    return RULES.pop(name)


def registered() -> dict[str, Op]:
    """The ops added with :func:`register`, by name, in the order they were added (a copy)."""
    return dict(_REGISTERED)
