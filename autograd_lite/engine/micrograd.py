"""micrograd's names on a Value: ``_prev``, ``_op`` and a ``_backward`` that says where to look.

So code written for micrograd (its ``draw_dot``, trace functions) runs unchanged. Read-only: the
graph is recorded by the ops, never edited by hand. micrograd's spelling of each op is a fact of
its rule (``rule.written.micrograd``).
"""

from __future__ import annotations

from typing import Any

from ..ops import Rule

__all__ = ["MicrogradNames"]


def _micrograd_number(c: float) -> str:
    """A number as micrograd's ops show it: ``2`` for 2.0 (``'**2'``), ``0.5`` otherwise."""
    return str(int(c)) if c.is_integer() and abs(c) < 2**53 else str(c)


class MicrogradNames:
    """micrograd's attribute names, read off a node's parents and rule."""

    __slots__ = ()

    parents: tuple[Any, ...]
    op_args: tuple[float, ...]
    _rule: Rule | None

    @property
    def _prev(self) -> set[Any]:
        """micrograd's name for the parents: a new set of the distinct parents (unordered, so
        ``a + a`` has one). Prefer :attr:`parents`, the ordered tuple with one entry per edge.

        >>> from autograd_lite import Value
        >>> a = Value(3.0)
        >>> (a + a)._prev == {a}, (a + a).parents == (a, a)
        (True, True)
        """
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op in micrograd's spelling: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``,
        ...; other ops by their name (:attr:`op`); ``''`` for a leaf.

        >>> from autograd_lite import Value
        >>> x = Value(3.0)
        >>> (x + 1)._op, (x * x)._op, (x**2)._op, x.relu()._op, (x**0.5)._op, x._op
        ('+', '*', '**2', 'ReLU', '**0.5', '')
        """
        rule = self._rule
        if rule is None:
            return ""
        spelling = rule.written.micrograd or rule.name
        params = {f"p{i}": _micrograd_number(c) for i, c in enumerate(self.op_args)}
        return spelling.format(**params)

    @property
    def _backward(self) -> Any:
        raise AttributeError(
            "a Value has no _backward closure (micrograd's way): derivatives live in one table of "
            "rules. Call out.backward() on the output; local_derivatives(node) gives a node's "
            "∂node/∂parent, one per parent"
        )
