"""What the engine checks on the way in, and how its errors name things: numbers, types and the
operands of an op.

>>> real(3), real(2.5)
(3.0, 2.5)
>>> real("2")
Traceback (most recent call last):
TypeError: Value data must be a real number (int or float), got str '2'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Protocol

from .._common import shorten
from ..errors import DomainError, Operand
from ..ops import Rule

__all__ = ["describe", "number", "real", "refuse_arguments", "type_name"]


def type_name(obj: object) -> str:
    """The name of ``obj``'s type for an error message: short for builtins, NumPy and our own
    classes, with its module for anything else, so that another engine's ``Value`` is not
    mistaken for ours.

    >>> from autograd_lite import Value
    >>> type_name(1.5), type_name(Value(1.0))
    ('float', 'Value')
    >>> Foreign = type("Value", (), {"__module__": "micrograd.engine"})  # another engine's Value
    >>> type_name(Foreign())
    'micrograd.engine.Value'
    """
    cls = type(obj)
    module = getattr(cls, "__module__", "") or ""
    # Builtins, our own classes and NumPy's (ndarray, float64) are known by their short names.
    if module.partition(".")[0] in ("builtins", "autograd_lite", "numpy"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def real(data: object, label: str = "", op: str = "Value", what: str = "data") -> float:
    """``data`` as a finite float, or a TypeError/DomainError that names what was wrong."""
    if type(data) is float:  # the common case first: no ABC check
        number = data
    elif isinstance(data, bool) or not isinstance(data, numbers.Real):
        hint = (
            " (use .item() to take the number out of an array)"
            if hasattr(data, "ndim") and type(data).__name__ == "ndarray"
            else ""
        )
        if type(data).__module__.startswith(__package__ or "autograd_lite.engine"):  # our Value
            hint = " (this takes a plain number: give v.data)"
        elif hasattr(data, "data") and hasattr(data, "grad") and not hint:
            hint = " (a value of another engine? give its number, e.g. x.data)"
        raise TypeError(
            f"{op} {what} must be a real number (int or float), got {type_name(data)} "
            f"{data!r}{hint}" + (f" for node {label!r}" if label else "")
        )
    else:
        try:
            number = float(data)
        except OverflowError:
            shown = shorten(str(data), 20)
            reason = f"{what} must fit in a float (magnitude below 1.8e308), got {shown}"
            raise DomainError(op, reason + (f" for node {label!r}" if label else "")) from None
    if not math.isfinite(number):
        raise DomainError(
            "Value", f"{what} must be a finite real number", [("data", number, label)]
        )
    return number


def refuse_arguments(label: object, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    """Explain what is wrong with Value(data, label, ...) beyond (data, label)."""
    if args or {"_children", "_op"} & set(kwargs) or isinstance(label, (tuple, list, set)):
        raise TypeError(
            "micrograd's Value(data, _children, _op) builds an op by hand, which cannot work here: "
            "an op is a rule with its derivative (see autograd_lite.extend.register); Value takes "
            "(data, label='')"
        )
    if kwargs:
        raise TypeError(f"Value takes (data, label=''), got keyword arguments {sorted(kwargs)}")
    raise TypeError(f"Value label must be a str, got {type_name(label)} {label!r}")


class _Operand(Protocol):
    @property
    def data(self) -> float: ...

    label: str


def describe(rule: Rule, operands: Sequence[_Operand], params: Sequence[float]) -> list[Operand]:
    """How an error names an op's inputs: (name, value, label) for operands, then parameters."""
    names = rule.input_names(len(operands))
    described = [(name, v.data, v.label) for name, v in zip(names, operands, strict=True)]
    described += [(name, p, "") for name, p in zip(rule.params, params, strict=True)]
    return described


def number(x: object) -> float | None:
    """The number of a real number (NumPy's too) as a float, for comparisons; None for anything
    else (a bool included)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return float(x)
