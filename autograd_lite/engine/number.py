"""A Value's manners as a number: ``item()``, ``format()``, ordering; ``float()`` refused.

None of them records anything in the graph. Ordering compares the numbers and returns a bool,
so ``max(a, b)``, ``sorted(values)`` and ``if a > b:`` work; it is not recorded, since a
comparison has no derivative. ``==`` stays identity (the default), so Values stay hashable and
can be keys of the dicts that hold a graph.
"""

from __future__ import annotations

from typing import Any

from .checks import number

__all__ = ["NumberManners"]


class NumberManners:
    """The methods that read a node's number (``self._data``) without recording anything."""

    __slots__ = ()

    _data: float

    def item(self) -> float:
        """The number, as a float (the same as :attr:`data`; PyTorch's spelling).

        >>> from autograd_lite import Value
        >>> Value(2.5).item()
        2.5
        """
        return self._data

    def __format__(self, spec: str) -> str:
        """Formats the number: ``f"{v:.2f}"``; an empty spec gives the repr.

        >>> from autograd_lite import Value
        >>> v = Value(3.14159, label="pi")
        >>> f"{v:.2f}", f"{v}"
        ('3.14', "Value(data=3.14159, grad=0.0, label='pi')")
        """
        return format(self._data, spec) if spec else repr(self)

    def __float__(self) -> float:
        raise TypeError(
            "float(Value) would take the number out of the graph, so its derivative would be lost: "
            "use v.data (or v.item()) for the number, and Value methods (v.exp(), v.log(), ...) "
            "instead of the math module"
        )

    def __int__(self) -> int:
        raise TypeError(
            "int(Value) would take the number out of the graph: use int(v.data) for the number"
        )

    def __bool__(self) -> bool:
        raise TypeError(
            "a Value has no truth value (Value(0.0) would be true, as for any object); "
            "compare its number instead, e.g. `if v.data > 0:`"
        )

    def __lt__(self, other: Any) -> bool:
        """``a < b`` compares the numbers (not recorded in the graph).

        >>> from autograd_lite import Value
        >>> a, b = Value(1.0), Value(2.0)
        >>> a < b, max(a, b) is b, sorted([b, a, 1.5]) == [a, 1.5, b]
        (True, True, True)
        """
        b = _number_of(other)
        return NotImplemented if b is None else self._data < b

    def __le__(self, other: Any) -> bool:
        b = _number_of(other)
        return NotImplemented if b is None else self._data <= b

    def __gt__(self, other: Any) -> bool:
        b = _number_of(other)
        return NotImplemented if b is None else self._data > b

    def __ge__(self, other: Any) -> bool:
        b = _number_of(other)
        return NotImplemented if b is None else self._data >= b


def _number_of(x: object) -> float | None:
    """The number of a node or a real number, or None for anything else."""
    return x._data if isinstance(x, NumberManners) else number(x)
