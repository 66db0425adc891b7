"""The rule table's third reader: operands that build Python source text instead of numbers.

The engine calls each rule's ``local(m, out, *inputs, *params)`` with floats and
:class:`~autograd_lite.ops.FloatMath` (the fast backward pass), and with Values and the engine's
``ValueMath`` (higher derivatives). The compiler calls the very same functions with
:class:`Text` operands and :class:`SourceMath`: every ``+``, ``*``, ``**`` or ``m.exp`` a rule
performs then writes the expression that would compute it, so generated code comes from the
rules themselves, never from a second copy of the derivatives.

>>> from autograd_lite.ops import RULES
>>> m = SourceMath()
>>> out, x = Text("out"), Text("x")
>>> [str(d) for d in RULES["tanh"].local(m, out, x)]
['1 - out * out']
>>> [str(d) for d in RULES["mul"].local(m, Text("ab"), Text("a"), Text("b"))]
['b', 'a']

A rule that compares numbers (``m.data(x) > 0`` at relu's kink) is run once per outcome of
each comparison, and the outcomes become a conditional expression, so the compiled code keeps
the rule's own choice at the kink:

>>> str(rule_source(lambda: RULES["relu"].local(m, out, x))[0])
'1.0 if x > 0 else 0.0'
"""

from __future__ import annotations

import keyword
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..facts import ATOM, POWER, PRODUCT, SUM, UNARY
from ..ops import MATH_FUNCTIONS, FloatMath

__all__ = ["Namespace", "SourceMath", "Text", "Untraceable", "rule_source"]

# Precedence levels (facts.py's SUM < PRODUCT < UNARY < POWER < ATOM, as Python parses them), so
# that operands get parentheses exactly where Python would otherwise group them differently
# (the arithmetic, and so its rounding, must be the one the rule performed).
COND = 0  # a conditional expression binds looser than any operator


class Untraceable(TypeError):  # noqa: N818 - a signal: call the function at run time instead
    """A rule did something with a :class:`Text` operand that has no source form (``float(x)``,
    ``math.tanh(x)``...): the compiler then calls the rule's own function at run time."""


class Text:
    """A Python expression that computes a float at run time, with its precedence.

    Arithmetic on Text (with Text or numbers on either side) builds a new Text; comparisons
    ask the current :func:`rule_source` exploration which outcome to follow.
    """

    __slots__ = ("code", "level", "parts")

    def __init__(
        self, code: str, level: int = ATOM, parts: tuple[str, Text, Text] | None = None
    ) -> None:
        self.code = code
        self.level = level
        self.parts = parts  # (condition, yes, no) of a conditional expression

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Text({self.code!r})"

    def __bool__(self) -> bool:
        raise Untraceable("a rule asked for the truth value of an operand: compare m.data(x)")

    # -- arithmetic -------------------------------------------------------------------------

    def __add__(self, other: object) -> Text:
        return _binary(self, " + ", other, SUM)

    def __radd__(self, other: object) -> Text:
        return _binary(other, " + ", self, SUM)

    def __sub__(self, other: object) -> Text:
        return _binary(self, " - ", other, SUM)

    def __rsub__(self, other: object) -> Text:
        return _binary(other, " - ", self, SUM)

    def __mul__(self, other: object) -> Text:
        return _binary(self, " * ", other, PRODUCT)

    def __rmul__(self, other: object) -> Text:
        return _binary(other, " * ", self, PRODUCT)

    def __truediv__(self, other: object) -> Text:
        return _binary(self, " / ", other, PRODUCT)

    def __rtruediv__(self, other: object) -> Text:
        return _binary(other, " / ", self, PRODUCT)

    def __pow__(self, other: object) -> Text:
        return _binary(self, " ** ", other, POWER)

    def __rpow__(self, other: object) -> Text:
        return _binary(other, " ** ", self, POWER)

    def __neg__(self) -> Text:
        return Text(f"-{wrap(self, UNARY)}", UNARY)

    def __pos__(self) -> Text:
        return Text(f"+{wrap(self, UNARY)}", UNARY)

    def __abs__(self) -> Text:
        return Text(f"abs({self.code})")

    # -- comparisons: each one is a branch of the rule ---------------------------------------

    def __gt__(self, other: object) -> bool:
        return _decide(self, ">", other)

    def __ge__(self, other: object) -> bool:
        return _decide(self, ">=", other)

    def __lt__(self, other: object) -> bool:
        return _decide(self, "<", other)

    def __le__(self, other: object) -> bool:
        return _decide(self, "<=", other)

    def __eq__(self, other: object) -> bool:
        return _decide(self, "==", other)

    def __ne__(self, other: object) -> bool:
        return _decide(self, "!=", other)

    __hash__ = None  # type: ignore[assignment]

    @staticmethod
    def fsum(terms: Sequence[object]) -> Text:
        """``math.fsum`` of the terms: what the rule table's exactly rounded sums call on
        operands that are not numbers (see ``_sum`` in :mod:`autograd_lite.ops`)."""
        items = [lift(t).code for t in terms]
        return Text(f"fsum(({', '.join(items)}{',' if len(items) == 1 else ''}))")


def literal(x: float) -> Text:
    """A number as Python source: ``repr`` of a finite float or an int, negative ones as a
    unary expression (so ``2.0 ** (-1.0)`` keeps its brackets)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Untraceable(f"not a number: {type(x).__name__}")
    if isinstance(x, float) and not math.isfinite(x):
        raise Untraceable(f"a non-finite constant {x!r}")
    text = repr(x)
    return Text(text, UNARY if text.startswith("-") else ATOM)


def lift(x: object) -> Text:
    """``x`` as Text: itself, or a literal for a number."""
    return x if isinstance(x, Text) else literal(x)  # type: ignore[arg-type]


def wrap(x: Text, needed: int) -> str:
    """``x``'s code, in brackets if its precedence is below ``needed``."""
    return f"({x.code})" if x.level < needed else x.code


def _binary(a: object, symbol: str, b: object, level: int) -> Text:
    if not isinstance(a, (Text, int, float)) or not isinstance(b, (Text, int, float)):
        return NotImplemented  # type: ignore[no-any-return]  # Python then tries the other side
    left, right = lift(a), lift(b)
    if level == POWER:  # ** groups from the right and binds tighter than a unary minus on its left
        code = f"{wrap(left, ATOM)}{symbol}{wrap(right, UNARY)}"
    else:  # left-associative: a − (b − c) and a·(b·c) keep their brackets (rounding differs)
        code = f"{wrap(left, level)}{symbol}{wrap(right, level + 1)}"
    return Text(code, level)


def conditional(condition: str, yes: Text, no: Text) -> Text:
    """``yes if condition else no`` (just ``yes`` when both read the same)."""
    if yes.code == no.code:
        return yes
    code = f"{wrap(yes, SUM)} if {condition} else {wrap(no, COND)}"
    return Text(code, COND, (condition, yes, no))


# -- exploring the branches of a rule ------------------------------------------------------------


@dataclass
class _Run:
    """One run of a rule: the comparisons it made (text and outcome) and what it returned."""

    prefix: list[bool]
    decisions: list[tuple[str, bool]] = field(default_factory=list)


class _Current(threading.local):
    run: _Run | None = None


_current = _Current()

MAX_PATHS = 64
"""Most outcomes of comparisons a rule may have before the compiler calls it at run time."""


def _decide(a: object, symbol: str, b: object) -> bool:
    run = _current.run
    if run is None:
        raise Untraceable("a comparison of source text outside a rule's trace")
    condition = f"{wrap(lift(a), SUM)} {symbol} {wrap(lift(b), SUM)}"
    k = len(run.decisions)
    outcome = run.prefix[k] if k < len(run.prefix) else True
    run.decisions.append((condition, outcome))
    return outcome


@dataclass
class Path:
    """The comparisons one run made, and its result: a tuple of entries, or a refusal."""

    decisions: list[tuple[str, bool]]
    result: tuple[Any, ...] | None  # None: the rule raised an ArithmeticError on this path


def explore(run: Callable[[], Any]) -> list[Path]:
    """Run ``run`` once per combination of outcomes of the comparisons it makes.

    Raises :class:`Untraceable` if the function does something with Text that has no source
    form, or has more than :data:`MAX_PATHS` paths.
    """
    paths: list[Path] = []
    pending: list[list[bool]] = [[]]
    while pending:
        state = _Run(pending.pop())
        previous, _current.run = _current.run, state
        try:
            result: tuple[Any, ...] | None = run()
            if not isinstance(result, tuple):
                result = (result,)
        except Untraceable:
            raise
        except ArithmeticError:  # DomainError among them: the engine refuses on this path too
            result = None
        except (TypeError, AttributeError, ValueError) as error:
            raise Untraceable(str(error)) from None
        finally:
            _current.run = previous
        # Every comparison first taken as True opens the path where it is False.
        for k in range(len(state.prefix), len(state.decisions)):
            pending.append([d for _, d in state.decisions[:k]] + [False])
        paths.append(Path(state.decisions, result))
        if len(paths) > MAX_PATHS:
            raise Untraceable(f"more than {MAX_PATHS} branches")
    return paths


def merge(paths: Sequence[Path], entry: Callable[[Path], Text], depth: int = 0) -> Text:
    """One expression for all paths: their entries, joined by the comparisons that chose them."""
    first = paths[0]
    if len(first.decisions) == depth:
        return entry(first)
    condition = first.decisions[depth][0]
    yes = [p for p in paths if p.decisions[depth][1]]
    no = [p for p in paths if not p.decisions[depth][1]]
    return conditional(condition, merge(yes, entry, depth + 1), merge(no, entry, depth + 1))


FAIL = Text("_fail()")
"""What a path on which the rule refuses computes: a call that raises, so the compiled function
falls back to the engine, which raises the rule's own DomainError naming the op."""


def rule_source(run: Callable[[], Any]) -> list[Text]:
    """The source of each entry that ``run`` (a call of a rule on Text) returns, over all its
    branches. A path on which the rule raises gives :data:`FAIL` in every entry."""
    paths = explore(run)
    sizes = {len(p.result) for p in paths if p.result is not None}
    if len(sizes) != 1:
        raise Untraceable("the rule returns different numbers of entries on different branches")
    (size,) = sizes

    def entry(j: int) -> Callable[[Path], Text]:
        return lambda path: FAIL if path.result is None else lift(path.result[j])

    return [merge(paths, entry(j)) for j in range(size)]


def has_failure(texts: Sequence[Text]) -> bool:
    return any(FAIL.code in t.code for t in texts)


# -- names in the generated code ------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_NODE_NAME = re.compile(r"[vgds]\d")  # the prefixes of the generated locals (v12_x, g12_x...)
RESERVED = frozenset(
    {"abs", "max", "fsum", "zip", "reversed", "len", "range", "float", "list", "tuple"}
)
"""Builtins the generated code uses, which a function name must not shadow."""


class Namespace:
    """The functions generated code calls, each bound to a name that is a safe identifier.

    A name comes from a whitelist (ASCII letters, digits, underscores, not a keyword, not the
    shape of a generated local); anything else, such as a rule name with spaces or quotes, is
    called ``op1``, ``op2``... The same function always gets the same name.
    """

    def __init__(self) -> None:
        self.functions: dict[str, Any] = {"fsum": math.fsum}

    def name(self, preferred: str, function: Any) -> str:
        safe = (
            _SAFE_NAME.fullmatch(preferred)
            and not keyword.iskeyword(preferred)
            and not _NODE_NAME.match(preferred)
            and preferred not in RESERVED
        )
        k = 1
        candidate = preferred if safe else "op1"
        while candidate in self.functions and self.functions[candidate] is not function:
            k += 1
            candidate = f"{preferred}_{k}" if safe else f"op{k}"
        self.functions[candidate] = function
        return candidate

    def call(self, preferred: str, function: Any, args: Sequence[object]) -> Text:
        name = self.name(preferred, function)
        return Text(f"{name}({', '.join(lift(a).code for a in args)})")


class SourceMath:
    """The math namespace on Text: ``m.exp(x)`` writes a call of the function that
    :class:`~autograd_lite.ops.FloatMath` would call, and so on for
    :data:`~autograd_lite.ops.MATH_FUNCTIONS`. ``m.data(x)`` is ``x`` itself: in generated
    code every operand already is a float."""

    differentiable = False

    def __init__(self, namespace: Namespace | None = None) -> None:
        self.namespace = namespace if namespace is not None else Namespace()

    @staticmethod
    def data(x: object) -> object:
        return x

    def __getattr__(self, name: str) -> Callable[[object], Text]:
        if name not in MATH_FUNCTIONS:
            raise AttributeError(name)
        function = getattr(FloatMath, name)
        return lambda x: self.namespace.call(name, function, [x])
