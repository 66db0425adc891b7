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
    # While a pruned pass asks a rule again for the derivatives someone needs (value.py,
    # lenient_local): a result that overflows is recorded (it may belong to an operand nobody
    # needs), not refused.
    lenient = False


grad_mode = _GradMode()
"""The current mode of this thread."""


class _Paused:
    count = 0
    lock = threading.Lock()


paused = _Paused()
"""How many ``no_grad()`` blocks are open, in all threads together. Speed: every new node asks
whether to record, and a thread-local attribute costs twice a plain one; while no block is open
anywhere, every thread records, so ``paused.count == 0`` answers without the thread-local."""


def recording() -> bool:
    """Whether a new node records its graph in this thread: the question every node asks, as
    the engine asks it inline (``not paused.count or grad_mode.enabled``)."""
    return not paused.count or grad_mode.enabled


def is_grad_enabled() -> bool:
    """Whether new operations record their graph (False inside ``no_grad()``)."""
    return recording()


@contextmanager
def _grad_mode_set(enabled: bool) -> Iterator[None]:
    previous = grad_mode.enabled
    with paused.lock:  # += is not atomic across threads
        paused.count += not enabled
    grad_mode.enabled = enabled
    try:
        yield
    finally:
        grad_mode.enabled = previous
        with paused.lock:
            paused.count -= not enabled


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
