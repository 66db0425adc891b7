"""Whether new operations record their graph: ``no_grad()``, ``enable_grad()`` and the mode
they set, per thread.

>>> with no_grad():
...     is_grad_enabled()
False
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]


class _GradMode(threading.local):
    # Thread-local like PyTorch's: no_grad() in one thread does not stop recording in another.
    enabled = True


grad_mode = _GradMode()
"""The current mode; ``grad_mode.enabled`` is read for every new node."""


def is_grad_enabled() -> bool:
    """Whether new operations record their graph (False inside ``no_grad()``)."""
    return grad_mode.enabled


@contextmanager
def _grad_mode_set(enabled: bool) -> Iterator[None]:
    previous = grad_mode.enabled
    grad_mode.enabled = enabled
    try:
        yield
    finally:
        grad_mode.enabled = previous


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record graphs again inside a ``no_grad()`` block (the default outside one).

    >>> with no_grad(), enable_grad():
    ...     is_grad_enabled()
    True
    """
    return _grad_mode_set(True)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Inside this block, operations compute values but record no graph (results are leaves).

    Use it for parameter updates and evaluation. Also works as a decorator: ``@no_grad()``.

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.parents, is_grad_enabled()
    ((), True)
    """
    return _grad_mode_set(False)
