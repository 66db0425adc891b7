"""The reflected operators: whether ``2 * x``, ``1 - x``, ``2 ** x`` (a number on the left,
Python calls ``x.__rmul__(2)``) give the right value and gradient, checked once with fixed
numbers after every random expression passed, and what is wrong if not."""

from __future__ import annotations

from collections.abc import Sequence

from ...engine import Value, local_derivatives, type_name
from ...engine.value import apply_rule
from ...ops import RULES
from .adapter import Engine
from .diagnosis import _explain
from .programs import _Raised, _run
from .verdict import _close

_DUNDER = {"+": "radd", "-": "rsub", "*": "rmul", "/": "rtruediv", "**": "rpow"}
"""Python's reflected method of each binary operator (``2 * x`` calls ``x.__rmul__(2)``)."""


def _reflected(engine: Engine, ops: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """None if ``c op x`` and ``x op c`` (c a number) work for every binary operator among
    ``ops``; else (the program, the diagnosis) of the first that does not."""
    x, c = 1.5, 2.0
    operators = {op: rule.python.operator for op, rule in RULES.items() if rule.python.operator}
    for op, symbol in operators.items():
        if symbol not in _DUNDER:
            continue  # a registered notation's operator with no reflected method in Python
        reflected = callable(getattr(engine.value_class, f"__{_DUNDER[symbol]}__", None))
        if not (op in ops or reflected) or op in engine._ops:
            continue
        for left in (False, True):
            text = f"{c!r} {symbol} x" if left else f"x {symbol} {c!r}"
            operands = (Value(c), Value(x)) if left else (Value(x), Value(c))
            ours = apply_rule(RULES[op], operands)
            expected = local_derivatives(ours)[1 if left else 0]
            statements = [
                f"x = {engine.leaf_text(x)}",
                f"out = {text}",
                engine.backward_text("out"),
            ]
            try:
                namespace = _run(engine, statements[:2])
                value = engine.data(namespace["out"])
            except _Raised as raised:
                if not left:
                    break  # numbers as operands are not supported at all: nothing to check
                return statements[:2], [
                    f"{text} raises {type_name(raised.error)}: {raised.error} (x {symbol} {c!r} "
                    f"works): the reflected operator __{_DUNDER[symbol]}__ is missing"
                ]
            swapped = apply_rule(RULES[op], operands[::-1]).data
            if not _close(value, ours.data, 1e-12, 1e-12):
                why = (
                    f": __{_DUNDER[symbol]}__ computes x {symbol} {c!r} instead (the operands are "
                    "swapped)"
                    if left and _close(value, swapped, 1e-12, 1e-12)
                    else ""
                )
                return statements[:2], [
                    f"{text} at x = {x!r} is {value!r}, expected {ours.data!r}{why}"
                ]
            try:
                engine.backward(namespace["out"])
                g = engine.grad(namespace["x"])
            except Exception as error:
                return statements, [f"backward through {text} raises {error!r}"]
            if not _close(g, expected, 1e-9, 1e-7):
                line = f"∂({text})/∂x at x = {x!r}"
                return statements, [_explain(line, g, expected, None, RULES[op].derivative)]
    return None
