"""Your own ops: :func:`register` adds a :class:`~autograd_lite.ops.Rule` to the table and
returns a function that applies it; :func:`apply` applies any op of the table by name.

The public face for new primitives (as HIPS autograd's ``extend``): a rule written here is read
by everything that reads the built-in ones — backward and higher derivatives, drawings,
generated source and the compiler, the strategies and :func:`~autograd_lite.testing.check_engine`.

>>> cube = register(Rule("cube", "³", ("x",), lambda x: x**3,
...                      lambda m, out, x: (3 * x**2,), "x³", "3·x²"))
>>> x = Value(2.0, label="x")
>>> y = cube(x)
>>> y.backward()
>>> y.data, x.grad, apply("cube", 3.0)
(8.0, 12.0, 27.0)
>>> _ = unregister("cube")
"""

from __future__ import annotations

import inspect
import keyword
import math
from collections.abc import Callable
from typing import Any

from ._common import is_real
from .engine import Value, no_grad
from .engine.derivatives import ValueMath
from .engine.value import apply_rule, required
from .facts import Notation, Sampling, Written
from .ops import BUILTIN_OPS, MATH_FUNCTIONS, RULES, FloatMath, Rule

__all__ = ["Op", "Rule", "apply", "register", "registered", "unregister"]

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
            if not is_real(p):
                raise TypeError(
                    f"{rule.name}: the parameter {name} must be a real number (a constant, not a "
                    f"Value: make it an input of the op to differentiate by it), got "
                    f"{type(p).__name__} {p!r}"
                )
            if not math.isfinite(p):
                raise ValueError(f"{rule.name}: the parameter {name} must be finite, got {p!r}")
        constants = tuple(float(p) for p in params)
        what = f"{rule.name} expects Values or real numbers as operands"
        leaves = tuple(required(x, what) for x in operands)
        if any(isinstance(x, Value) for x in operands):
            return apply_rule(rule, leaves, constants)
        # Numbers only: a float, computed (and its errors reported) exactly as for Values.
        with no_grad():
            return apply_rule(rule, leaves, constants).data


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
    for flag in ("variadic", "pairs"):
        if not isinstance(getattr(rule, flag), bool):
            raise TypeError(f"register: {rule.name!r}: {flag} must be True or False")
    if rule.pairs and not rule.variadic:
        raise ValueError(f"register: {rule.name!r}: pairs=True needs variadic=True")
    names_needed = 3 if rule.pairs else 1
    if rule.variadic and (len(inputs) != names_needed or params):
        shared = (
            "three input names (each pair's two and the last one's)"
            if rule.pairs
            else "one input name, shared by all its operands,"
        )
        raise ValueError(
            f"register: {rule.name!r}: a variadic op has {shared} and no params "
            f"(forward(*xs) could not tell them apart); got inputs={inputs}, params={params}"
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
    _check_facts(rule)
    counts = _counts(rule)
    shape = ", ".join(["*" + inputs[0]] if rule.variadic else [*inputs, *params])
    for what, extra in (("forward", 0), ("local", 2)):
        if not all(takes(getattr(rule, what), extra + n) for n in counts):
            expected = f"(m, out, {shape})" if extra else f"({shape})"
            raise TypeError(
                f"register: {rule.name!r}: {what} must take {expected}, to match inputs and params"
            )


_ACTIVATION_KINDS = ("", "rectifier", "smooth")


def _check_facts(rule: Rule) -> None:
    """A TypeError or ValueError naming the first fact of ``rule`` (how it is written, whether
    it is an activation, where it is sampled) that the readers could not use."""
    for field, kind in (("written", Written), ("sampling", Sampling)):
        if not isinstance(getattr(rule, field), kind):
            raise TypeError(
                f"register: {rule.name!r}: {field} must be a {kind.__name__}, got "
                f"{type(getattr(rule, field)).__name__}"
            )
    if rule.written.method or rule.written.aliases:
        raise ValueError(
            f"register: {rule.name!r}: a registered op is applied by the function register() "
            "returns, not a Value method: leave written.method and written.aliases empty"
        )
    if rule.activation not in _ACTIVATION_KINDS:
        raise ValueError(
            f"register: {rule.name!r}: activation must be one of {_ACTIVATION_KINDS}, got "
            f"{rule.activation!r}"
        )
    for what in ("python", "picture"):
        notation = getattr(rule.written, what)
        if notation is not None and not isinstance(notation, Notation):
            raise TypeError(f"register: {rule.name!r}: written.{what} must be a Notation")
        for n in _counts(rule) if rule.variadic else (len(rule.inputs),):  # fields it has
            try:
                getattr(rule, what).write([("a", 5)] * n, [1.0] * len(rule.params))
            except (KeyError, IndexError, ValueError) as error:
                raise ValueError(
                    f"register: {rule.name!r}: written.{what} cannot be written for {n} "
                    f"operand{'s' if n != 1 else ''}: {error}"
                ) from None


def _counts(rule: Rule) -> tuple[int, ...]:
    """Numbers of operands to try ``rule`` with."""
    if not rule.variadic:
        return (len(rule.inputs) + len(rule.params),)
    return (3, 5) if rule.pairs else (1, 2, 3)


def _samples(rule: Rule) -> list[tuple[float, ...]]:
    """Points to try ``rule`` at: operands followed by parameters."""
    if rule.variadic:
        return [_SAMPLES[:n] for n in _counts(rule)]
    n = len(rule.inputs) + len(rule.params)
    return [tuple(_SAMPLES[(k + i) % len(_SAMPLES)] for i in range(n)) for k in range(3)]


def _check_calls(rule: Rule) -> None:
    """Call the new rule's functions on sample floats, and ``local`` on Values too; a TypeError
    or ValueError for what the engine could not use. Points outside the op's domain (its forward
    raises DomainError, or ValueError or ArithmeticError) are skipped."""
    n_inputs = 0 if rule.variadic else len(rule.inputs)
    for point in _samples(rule):
        count = len(point) if rule.variadic else n_inputs
        operands, params = point[:count], point[count:]
        where = ", ".join(
            f"{name} = {x!r}"
            for name, x in zip([*rule.input_names(count), *rule.params], point, strict=True)
        )
        try:
            out = rule.forward(*point)
        except (ValueError, ArithmeticError):
            continue  # outside the domain
        if not is_real(out):
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
            if not is_real(d):
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
    >>> from autograd_lite import hessian
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


def apply(op: str | Rule, *args: Any) -> Any:
    """Apply the op named ``op`` (or the rule itself) to operands, then its parameters: on
    Values it records a node, on numbers alone it returns a float, as the function
    :func:`register` returns does. Built-in ops work the same way.

    >>> x = Value(0.5)
    >>> apply("leaky_relu", -x, 0.1).data, apply("mul", 2.0, 4.0)
    (-0.05, 8.0)
    """
    if isinstance(op, Rule):
        rule = op
    elif isinstance(op, str) and op in RULES:
        rule = RULES[op]
    else:
        raise KeyError(f"apply: no op named {op!r}; the ops are {', '.join(RULES)}")
    return Op(rule)(*args)
