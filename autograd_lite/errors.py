"""The exception types of autograd_lite: DomainError for arithmetic with no finite real answer,
GraphChangedError for compiled code whose function records another graph.

>>> from autograd_lite import Value
>>> Value(-1.0, label="x").log()
Traceback (most recent call last):
    ...
autograd_lite.errors.DomainError: log: expected x > 0; got x = -1.0 (node 'x')
"""

from __future__ import annotations

from collections.abc import Sequence

from ._common import shorten

__all__ = ["DomainError", "GraphChangedError", "Operand"]

Operand = tuple[str, float, str]
"""How an error names one input of an op: (parameter name, value, label of the node or "")."""


class DomainError(ValueError, ArithmeticError):
    """An op was asked for a value or derivative that is not a finite real number.

    Raised for inputs outside an op's domain (``log(0)``, ``sqrt(-4)``, ``x / 0``, a negative
    base to a non-integer power), for results that overflow (``exp(1000)``) and for local
    derivatives that are infinite (``sqrt`` at 0). It subclasses both :class:`ValueError`
    (what :mod:`math` raises for a domain error) and :class:`ArithmeticError` (what Python
    raises for division by zero and overflow), so either ``except`` clause catches it.

    Attributes:
        op: the name of the operation, as in the rule table (``"log"``, ``"truediv"``...).
        reason: what was expected, in words.
        operands: the inputs, each as (name, value, label).
    """

    op: str
    reason: str
    operands: tuple[Operand, ...]

    def __init__(self, op: str, reason: str, operands: Sequence[Operand] = ()) -> None:
        self.op = op
        self.reason = reason
        self.operands = tuple(operands)
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.operands:
            return f"{self.op}: {self.reason}"
        described = ", ".join(
            f"{name} = {value!r}" + (f" (node {shorten(label, 40)!r})" if label else "")
            for name, value, label in self.operands
        )
        return f"{self.op}: {self.reason}; got {described}"

    def __reduce__(self) -> tuple[type[DomainError], tuple[str, str, tuple[Operand, ...]]]:
        # Keep the structured fields when the error crosses a process boundary (pytest-xdist,
        # multiprocessing): the default would call __init__ with the message alone.
        return (type(self), (self.op, self.reason, self.operands))


class GraphChangedError(RuntimeError):
    """A compiled function's graph no longer matches the function it was compiled from.

    Compiled code (:func:`autograd_lite.compile`) stands for one recorded graph. When the
    function records another one for other inputs (Python control flow on ``x.data``, numbers
    computed from the inputs' values), the compiled code would compute something else: this
    error says so, and where the graphs part.
    """
