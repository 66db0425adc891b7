"""Swap an op's forward function or local derivatives for the length of a ``with`` block:
the negative controls of the tests and the lessons (a deliberately wrong rule, caught)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ...extend import takes
from ...ops import RULES


@contextlib.contextmanager
def override_rule(
    name: str,
    *,
    forward: Callable[..., float] | None = None,
    local: Callable[..., tuple[Any, ...]] | None = None,
) -> Iterator[None]:
    """Temporarily replace an op's forward function or local derivatives in the rule table.

    For negative controls and lessons: swap in a deliberately wrong derivative and watch
    :func:`check_grad` catch it. Graphs built inside the block use the replacement.

    >>> from autograd_lite.testing import check_grad
    >>> with override_rule("mul", local=lambda m, out, a, b: (a, b)):   # wrong: should be (b, a)
    ...     check_grad(lambda x, y: x * y, [2.0, 3.0], raise_on_failure=False).ok
    False
    """
    if name not in RULES:
        raise KeyError(f"override_rule: no op named {name!r}; the ops are {sorted(RULES)}")
    rule = RULES[name]
    if not rule.variadic:  # a replacement must take what the engine will pass it
        shape = ", ".join([*rule.inputs, *rule.params])
        for what, function, extra in (("forward", forward, 0), ("local", local, 2)):
            if function is None:
                continue
            if not takes(function, extra + len(rule.inputs) + len(rule.params)):
                expected = f"(m, out, {shape})" if extra else f"({shape})"
                raise TypeError(
                    f"override_rule: {what} for {name!r} must take {expected}, like the rule "
                    "it replaces in autograd_lite/ops.py"
                )
    saved = (rule.forward, rule.local)
    # Rules are frozen so nothing changes them by accident; this is the one deliberate change,
    # made in place so that the engine (which keeps references to the rule) sees it too.
    if forward is not None:
        object.__setattr__(rule, "forward", forward)
    if local is not None:
        object.__setattr__(rule, "local", local)
    try:
        yield
    finally:
        object.__setattr__(rule, "forward", saved[0])
        object.__setattr__(rule, "local", saved[1])
