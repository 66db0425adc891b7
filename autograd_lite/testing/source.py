"""A line of Python that reproduces a check: the function's source, the point and the options.

>>> print(reproduce(lambda x: x.exp(), [1.0], {"order": 2}))   # doctest: +NORMALIZE_WHITESPACE
from autograd_lite import Value; from autograd_lite.testing import check_grad;
check_grad(lambda x: x.exp(), [1.0], order=2)

Each op is written as its rule's Python notation says (``rule.python``), in the expressions that
strategies draw, the lambdas rebuilt from a graph when a function's own source cannot be found,
and the programs :func:`~autograd_lite.testing.check_engine` writes for another engine's class.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..engine import Value, rule_of, topological_order
from ..facts import ATOM, UNARY, Notation
from ..ops import RULES

__all__ = ["graph_lambda", "reproduce", "written"]


def written(op: str, names: Sequence[str], params: Sequence[float] = (), template: str = "") -> str:
    """``op`` applied to operands written as ``names``, as its rule's Python notation writes
    it (``template`` overrides the notation, as :func:`~autograd_lite.testing.check_engine`
    does for another engine's spelling).

    >>> written("mul", ["x0", "v2"]), written("pow", ["x0"], [3.0]), written("sum", ["a", "b"])
    ('x0 * v2', 'x0 ** 3.0', 'Value.sum([a, b])')
    """
    notation = RULES[op].python
    if template:
        notation = Notation(template, notation.level, notation.join)
    return notation.write([(name, ATOM) for name in names], params)


def graph_lambda(inputs: Sequence[Value], out: Value, names: Sequence[str]) -> str | None:
    """A lambda that rebuilds ``out`` from ``inputs`` (named ``names``), read off its graph:
    what f computed at this point (other points may take other branches). Constants are
    written as numbers. None if the text would be too long to read.

    >>> from autograd_lite import Value
    >>> x = Value(2.0)
    >>> graph_lambda([x], (x * 3).exp() + x, ["x"])
    'lambda x: (x * 3.0).exp() + x'
    """
    text: dict[Value, str] = dict(zip(inputs, names, strict=True))
    for node in topological_order(out):
        if node in text:
            continue
        if not node.parents:
            text[node] = f"Value({node.data!r})"
            continue
        notation = rule_of(node).python
        operands = []
        for p in node.parents:
            constant = not p.parents and p not in inputs
            # An operator's constant operand is written as a number (x * 3.0), where another
            # operand is a Value that makes the expression one.
            if (
                constant
                and notation.operator
                and any(q.parents or q in inputs for q in node.parents)
            ):
                operands.append((repr(p.data), ATOM if p.data >= 0 else UNARY))
            else:
                level = rule_of(p).python.level if p.parents else ATOM
                operands.append((text[p], level))
        text[node] = notation.write(operands, node.op_args)
        if len(text[node]) > 2000:
            return None
    return f"lambda {', '.join(names)}: {text[out]}"


_PREFIX = "from autograd_lite import Value; from autograd_lite.testing import check_grad; "


def _lambda_text(f: Callable[..., Any]) -> str | None:
    """The text of lambda ``f`` in its source file, when it can be told apart from others."""
    try:
        text = inspect.getsource(f)
    except (OSError, TypeError):
        return None
    code = f.__code__
    start = text.find("lambda")
    while start >= 0:
        # The longest stretch from this `lambda` that parses as a lambda on its own: it drops
        # the rest of the line, such as the ", [1.0])" of the call it was written in.
        for end in range(len(text), start, -1):
            candidate = text[start:end]
            with contextlib.suppress(SyntaxError, ValueError):
                tree = ast.parse(candidate.strip(), mode="eval")
                if isinstance(tree.body, ast.Lambda):
                    compiled = compile(candidate.strip(), "<lambda>", "eval")
                    inner = next(c for c in compiled.co_consts if inspect.iscode(c))
                    # Several lambdas may share the line: keep the one whose bytecode is f's.
                    if inner.co_code == code.co_code and inner.co_names == code.co_names:
                        return " ".join(candidate.split())
                    break
        start = text.find("lambda", start + 1)
    return None


def _setup_and_name(f: Callable[..., Any], rebuilt: str | None) -> tuple[str, str]:
    """Code that defines f (or imports it), and the expression that names it; ``rebuilt`` is
    f read off its graph, for when its source cannot be found."""
    source = getattr(f, "source", None)
    if isinstance(source, str) and source.startswith("def "):  # a drawn Expression
        return f"exec({source!r}); ", source[4 : source.index("(")]
    name = getattr(f, "__name__", "")
    if name == "<lambda>":
        text = _lambda_text(f)
        if text is not None:
            return "", text
    module = getattr(f, "__module__", None)
    qualname = getattr(f, "__qualname__", name)
    if module and module != "__main__" and qualname.isidentifier():
        return f"from {module} import {qualname}; ", qualname
    if module and module != "__main__" and qualname and "<" not in qualname:  # a method
        return f"from {module} import {qualname.split('.')[0]}; ", qualname
    with contextlib.suppress(OSError, TypeError):
        definition = textwrap.dedent(inspect.getsource(f))
        if definition.startswith("def "):
            return f"exec({definition!r}); ", name
    if rebuilt is not None:
        return "", rebuilt
    return "", (
        f"<{qualname}: no source found; define it in a .py file (or a notebook cell) so this "
        "line can show it>"
    )


def reproduce(
    f: Callable[..., Any],
    xs: Sequence[float],
    options: Mapping[str, Any],
    rebuilt: str | None = None,
) -> str:
    """One line of Python that runs the same check again. ``rebuilt`` (from
    :func:`graph_lambda`) stands in for f when f's own source cannot be found."""
    setup, name = _setup_and_name(f, rebuilt)
    extra = "".join(f", {key}={value!r}" for key, value in options.items())
    return f"{_PREFIX}{setup}check_grad({name}, {list(xs)!r}{extra})"
