"""What every picture of the library shares: how numbers, names and user text are written, and
the colours of roles and gradients.

Every value box says what it holds: its label if it has one, otherwise the subexpression that
produced it, written as a person would:

>>> from autograd_lite import Value, topological_order
>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1).tanh() * 3
>>> node_names(topological_order(f))
['x', 'x²', '1', 'x² + 1', 'tanh(x² + 1)', '3', 'tanh(x² + 1)·3']

User text is made safe to draw: control characters are shown as escapes, lone surrogates
replaced and long text cut with an ellipsis.

>>> clean_text("a\\x00b" + "c" * 50, limit=10)
'a\\\\x00bccc…'
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from typing import TypeAlias

from ..engine import Parameter, Value, rule_of, type_name
from ..facts import ATOM, SUM
from ..nn import Module

__all__ = [
    "GRADIENT_NEGATIVE",
    "GRADIENT_POSITIVE",
    "LABEL_LIMIT",
    "ROLE_COLOURS",
    "Parameters",
    "clean_text",
    "gradient_colour",
    "node_names",
    "number",
    "parameter_ids",
    "role",
]

LABEL_LIMIT = 40
"""Longest label drawn in a box (characters); tooltips and the explorer keep more."""

NAME_LIMIT = 24
"""Longest expression drawn as a box's name before it is shortened with an ellipsis."""

ROLE_COLOURS = {  # fill colours by role, when gradients are not coloured
    "input": "#deebf7",
    "parameter": "#e9e3f5",  # lavender: apart from the oranges of a backward step
    "constant": "#f0f0f0",
    "intermediate": "#ffffff",
    "output": "#e5f5e0",
}

GRADIENT_POSITIVE = (203, 24, 29)  # red
GRADIENT_NEGATIVE = (33, 113, 181)  # blue

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def number(x: float) -> str:
    """Four significant digits (the full value goes into tooltips); −0 is written 0.

    >>> number(3.14159265), number(-0.0), number(1234567.0)
    ('3.142', '0', '1.235e+06')
    """
    return f"{x + 0.0:.4g}"


def clean_text(text: str, limit: int = LABEL_LIMIT) -> str:
    """``text`` as it can be drawn: control characters as ``\\xNN``, lone surrogates as �,
    at most ``limit`` characters (the last one an ellipsis when cut)."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


Parameters: TypeAlias = Module | Iterable[Value] | None
"""What a picture is told are parameters: a module (its ``parameters()``), some Values, or
None (only the leaves an nn module stamped with its scope)."""


def parameter_ids(parameters: Parameters, caller: str) -> frozenset[int]:
    """The ids of the Values that ``parameters`` names (see :data:`Parameters`), checked.

    >>> from autograd_lite.nn import Neuron
    >>> neuron = Neuron(2, seed=0)
    >>> len(parameter_ids(neuron, "draw_graph")), parameter_ids(None, "draw_graph")
    (3, frozenset())
    >>> parameter_ids([1.0], "draw_graph")
    Traceback (most recent call last):
        ...
    TypeError: draw_graph: parameters must be a Module or a list of Values, got float at index 0
    """
    if parameters is None:
        return frozenset()
    if isinstance(parameters, Module):
        values: list[object] = list(parameters.parameters())
    elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, bytes, Value)):
        values = list(parameters)
    else:
        raise TypeError(
            f"{caller}: parameters must be a Module or a list of Values, "
            f"got {type_name(parameters)}"
        )
    for i, p in enumerate(values):
        if not isinstance(p, Value):
            raise TypeError(
                f"{caller}: parameters must be a Module or a list of Values, got "
                f"{type_name(p)} at index {i}"
            )
    return frozenset(id(p) for p in values)


def role(node: Value, root: Value, parameters: Container[int] = frozenset()) -> str:
    """``"output"``, ``"intermediate"``, ``"parameter"`` (a leaf that a model learns: a
    :class:`~autograd_lite.engine.Parameter`, which every nn module makes, a leaf an nn module
    stamped with its scope, or one whose id is in ``parameters``), ``"input"`` (a labelled
    leaf) or ``"constant"`` (an unlabelled leaf).

    A bare :class:`~autograd_lite.nn.Neuron`'s weights are Parameters; Values made by hand
    (a script in microgpt's style) are parameters when the caller names them:

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import Neuron
    >>> neuron = Neuron(2, seed=0)
    >>> out = neuron([1.0, 2.0])
    >>> role(neuron.w[0], out), role(out, out)
    ('parameter', 'output')
    >>> w = Value(0.5, label="w")
    >>> y = w * 2
    >>> role(w, y), role(w, y, parameter_ids([w], "role"))
    ('input', 'parameter')
    """
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    if isinstance(node, Parameter) or node.scope or id(node) in parameters:
        return "parameter"
    return "input" if node.label else "constant"


def gradient_colour(grad: float, scale: float) -> str:
    """A diverging colour: red for positive gradients, blue for negative, white for zero; the
    intensity is ``|grad| / scale``.

    >>> gradient_colour(0.0, 1.0), gradient_colour(1.0, 1.0)
    ('#ffffff', '#d33b3f')
    """
    t = min(abs(grad) / scale, 1.0) if scale > 0 else 0.0
    target = GRADIENT_POSITIVE if grad > 0 else GRADIENT_NEGATIVE
    mix = [round(255 + (c - 255) * t * 0.85) for c in target]
    return "#{:02x}{:02x}{:02x}".format(*mix)


# -- names ----------------------------------------------------------------------------------------
# Each op is named as its rule's picture notation writes it (``rule.picture``), with operands in
# brackets only where a reader needs them: (x² + 1)³ but x² + 1.

_MOST_TERMS = 3
"""A variadic op with more operands than this is drawn with the middle ones elided."""


def _expression(node: Value, operands: list[tuple[str, int]]) -> tuple[str, int]:
    """The name of ``node`` built from its operands' names, with its precedence."""
    rule = rule_of(node)
    notation = rule.picture
    short = notation.short.format(n=len(operands))
    if rule.variadic and len(operands) > _MOST_TERMS:
        if "all" not in notation.fields:
            return short or notation.write(operands, node.op_args), notation.level
        operands = [*operands[:2], ("…", ATOM), operands[-1]]
    text = notation.write(operands, node.op_args)
    if short and text.count("…") > 1:  # too little of it left to read: say what it is
        return short, notation.level
    return text, notation.level


def _short(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"


def node_names(order: Sequence[Value]) -> list[str]:
    """A name for each node of ``order`` (parents before children, as topological_order gives):
    its label, else the subexpression that produced it (a constant is its number)."""
    names: dict[int, tuple[str, int]] = {}
    result = []
    for node in order:
        if node.label:
            entry = (clean_text(node.label), ATOM)
        elif not node.parents:
            # A negative constant is bracketed like a sum: 1 − (−1)·x, not 1 − −1·x.
            entry = (number(node.data).replace("-", "−"), ATOM if node.data >= 0 else SUM)
        else:
            operands = [names[id(p)] for p in node.parents]
            text, level = _expression(node, operands)
            if len(text) > NAME_LIMIT:  # elide the long operands: tanh(…) rather than tanh(x² + …
                elided = [(n, lv) if len(n) <= 8 and "…" not in n else ("…", ATOM)
                          for n, lv in operands]  # fmt: skip
                text, level = _expression(node, elided)
            entry = (_short(text), level)
        names[id(node)] = entry
        result.append(entry[0])
    return result
