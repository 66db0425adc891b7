"""A line of Python that reproduces a check: the function's source, the point and the options.

>>> print(reproduce(lambda x: x.exp(), [1.0], {"order": 2}))   # doctest: +NORMALIZE_WHITESPACE
from autograd_lite import Value; from autograd_lite.testing import check_grad;
check_grad(lambda x: x.exp(), [1.0], order=2)
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["reproduce"]

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


def _setup_and_name(f: Callable[..., Any]) -> tuple[str, str]:
    """Code that defines f (or imports it), and the expression that names it."""
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
    if module and module != "__main__" and "<" not in qualname:
        return f"from {module} import {qualname.split('.')[0]}; ", qualname
    with contextlib.suppress(OSError, TypeError):
        definition = textwrap.dedent(inspect.getsource(f))
        if definition.startswith("def "):
            return f"exec({definition!r}); ", name
    return "", f"<{qualname}: no source available>"


def reproduce(f: Callable[..., Any], xs: Sequence[float], options: Mapping[str, Any]) -> str:
    """One line of Python that runs the same check again."""
    setup, name = _setup_and_name(f)
    extra = "".join(f", {key}={value!r}" for key, value in options.items())
    return f"{_PREFIX}{setup}check_grad({name}, {list(xs)!r}{extra})"
