"""The facts a rule carries besides its arithmetic, so that every reader finds them on the rule.

A :class:`~autograd_lite.ops.Rule` is one op of the library, written once. The engine reads its
``forward`` and ``local`` functions; everything else that has to know about an op reads the
facts defined here, which the rule holds:

* :class:`Written` — how it is written in Python (``x.exp()``, ``a + b``), in pictures
  (``exp(x)``, ``a·b``) and by micrograd (``'*'``); :class:`Notation` holds one such template
  with its precedence, so operands get brackets exactly where a reader needs them;
* ``activation`` — whether :mod:`autograd_lite.nn` may apply it to a neuron's weighted sum;
* :class:`Sampling` — where the checks of :mod:`autograd_lite.testing` draw its operands.

>>> note = Notation("{0:1} - {1:2}", SUM)       # Python's a - b: b is bracketed if it is a sum
>>> note.write([("x", ATOM), ("y + 1", SUM)])
'x - (y + 1)'
>>> Notation("{0:5}{p0:sup}", POWER).write([("x + 1", SUM)], [2.0])
'(x + 1)²'

The table of the library's own rules is :data:`autograd_lite.ops.RULES`; your own op is a
Rule too (:func:`autograd_lite.extend.register`), with these facts filled in for you where
it leaves them out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "ATOM",
    "EVERYWHERE",
    "MARGIN",
    "POWER",
    "PRODUCT",
    "SUM",
    "UNARY",
    "WIDE",
    "Interval",
    "Notation",
    "Sampling",
    "Written",
]

# Precedence, as Python parses operators: a sum binds loosest, an atom (a name, a number, a
# call) tightest. Pictures use the same scale.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

MARGIN = 0.1
"""The distance the checks keep from the edge of an op's domain and from its kinks: finite
differences must not step across them."""

_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _exponent(c: float) -> str:
    """c as an exponent: superscript digits for a small integer (x²), else ^c (x^0.5)."""
    if c == int(c) and -99 <= c <= 999:
        return str(int(c)).translate(_SUPERSCRIPT)
    return f"^{c:g}"


def _wrapped(text: str, level: int, needed: int) -> str:
    return f"({text})" if level < needed else text


@dataclass(frozen=True)
class Notation:
    """A template for writing an op, and the precedence of what it writes.

    Fields of the template: ``{0}``, ``{1}``, … are the operands; ``{0:3}`` brackets operand 0
    unless its own precedence is at least 3. ``{p0}`` is the first constant parameter
    (``{p0:sup}`` as an exponent: ``x²``). For variadic ops, ``{all}`` is every operand, joined
    by ``join``; for paired ones (:attr:`Rule.pairs`), ``{weights}`` and ``{inputs}`` are the
    first and second of each pair, ``{pairs}`` the products ``w·x`` joined by ``join``, and
    ``{last}`` the operand after the pairs. ``short``, if given, is what pictures show when the
    full form would be too long (``{n}`` is the number of operands).
    """

    template: str
    level: int = ATOM
    join: str = ", "
    short: str = ""

    def write(self, operands: Sequence[tuple[str, int]], params: Sequence[float] = ()) -> str:
        """The template filled in with ``operands`` as (text, precedence) and ``params``."""
        texts = [text for text, _ in operands]
        pairs = range(0, len(operands) - 1, 2)

        def field(match: re.Match[str]) -> str:
            key, spec = match.groups()
            if key.isdigit():
                text, level = operands[int(key)]
                return _wrapped(text, level, int(spec or 0))
            if key.startswith("p") and key[1:].isdigit():
                value = params[int(key[1:])]
                return _exponent(value) if spec == "sup" else repr(value)
            if key == "all":
                return self.join.join(texts)
            if key == "weights":
                return self.join.join(texts[i] for i in pairs)
            if key == "inputs":
                return self.join.join(texts[i + 1] for i in pairs)
            if key == "pairs":
                return self.join.join(f"{texts[i]}·{texts[i + 1]}" for i in pairs)
            if key == "last":
                return texts[-1] if texts else ""
            raise KeyError(f"no field {{{key}}} in a Notation: {self.template!r}")

        return _FIELD.sub(field, self.template)

    @property
    def operator(self) -> str:
        """The binary operator the template writes (``"+"`` for ``{0:1} + {1:2}``), or ""."""
        match = re.fullmatch(r"\{0(?::\d)?\} (\S+) \{1(?::\d)?\}", self.template)
        return match.group(1) if match else ""

    @property
    def fields(self) -> set[str]:
        """The names of the fields the template uses."""
        return {match.group(1) for match in _FIELD.finditer(self.template)}


@dataclass(frozen=True)
class Written:
    """How an op is written: in Python source, in pictures, and by micrograd.

    Attributes:
        method: the name of the :class:`~autograd_lite.Value` method that applies it
            (``"exp"`` for ``x.exp()``); "" for an op written only with an operator.
        aliases: other names of that method (``"swish"`` for ``silu``).
        python: how Python source writes it; by default the method call, or for an op
            without one, a call of its name: ``cube(x)``.
        picture: how drawings name a node it made; by default ``symbol(operands)``.
        micrograd: micrograd's name of the op (``Value._op``: ``"+"``, ``"ReLU"``); by
            default the op's own name.
    """

    method: str = ""
    aliases: tuple[str, ...] = ()
    python: Notation | None = None
    picture: Notation | None = None
    micrograd: str = ""


@dataclass(frozen=True)
class Interval:
    """The numbers from ``low`` to ``high``; with ``either_sign``, the numbers whose magnitude
    lies there, of either sign (so 0 is left out).

    >>> Interval(0.5, 100.0, either_sign=True).contains(-2.0), Interval(0.1, math.inf).contains(0)
    (True, False)
    """

    low: float
    high: float
    either_sign: bool = False

    def contains(self, x: float) -> bool:
        return self.low <= (abs(x) if self.either_sign else x) <= self.high


WIDE = Interval(-100.0, 100.0)
"""Where operands are drawn when a rule says nothing else."""

EVERYWHERE = Interval(-math.inf, math.inf)


@dataclass(frozen=True)
class Sampling:
    """Where the checks (:mod:`autograd_lite.testing.strategies`) draw an op's operands.

    Attributes:
        operands: for the first operands drawn for the op (``op_inputs``), one interval per
            input (one for all the operands of a variadic op); default :data:`WIDE`.
        count: how many operands a variadic op gets (pairs, for a paired op).
        params: for ``op_inputs``, one interval per constant parameter.
        choices: the parameters random expressions use; the first is the one
            :func:`~autograd_lite.testing.check_engine` probes another engine with.
        domain: where random expressions may apply the op to earlier values, one interval
            per input: inside its domain and :data:`MARGIN` away from its edges, where finite
            differences can follow it. A function of the parameters where the domain depends
            on them (``x ** c``). Default: everywhere.
    """

    operands: tuple[Interval, ...] = ()
    count: tuple[int, int] = (1, 3)
    params: tuple[Interval, ...] = ()
    choices: tuple[tuple[float, ...], ...] = ()
    domain: tuple[Interval, ...] | Callable[..., tuple[Interval, ...]] = ()
