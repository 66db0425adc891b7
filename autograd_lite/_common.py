"""Small checks shared by nn, losses, train and datasets: seeds, numbers and sequences.

They accept what people pass in practice: lists, tuples, NumPy arrays and rows, NumPy scalars.

>>> is_real(3), is_real(2.5), is_real(True), is_real("1")
(True, True, False, False)
>>> as_list([1.0, 2.0]), as_list("ab"), as_list(3.0)
([1.0, 2.0], None, None)
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Sequence
from typing import Any, TypeGuard

VERSION = "0.1.0"
"""The package's version, as pyproject.toml gives it (``autograd_lite.__version__``)."""

Seed = int | random.Random | None


def make_rng(seed: Seed, who: str = "seed") -> random.Random:
    """A random generator for ``seed``: its own generator for an int, the object itself for a
    ``random.Random``, and for None one seeded from Python's global ``random`` state, so that
    ``random.seed(1337)`` makes everything that follows reproducible (as in micrograd).

    >>> _ = random.seed(1); a = make_rng(None).random()
    >>> _ = random.seed(1); b = make_rng(None).random()
    >>> a == b, make_rng(7).random() == make_rng(7).random()
    (True, True)
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    if is_int(seed):
        return random.Random(int(seed))
    raise TypeError(
        f"{who} must be an int, a random.Random or None, got {type(seed).__name__} {seed!r}"
    )


def is_real(x: object) -> TypeGuard[float]:
    """Whether ``x`` is a real number: int, float or a NumPy scalar; not a bool. (Typed as a
    float guard: every numbers.Real converts and compares like one.)"""
    # NumPy's bool_ is not a numbers.Real, so one bool check suffices.
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_int(x: object) -> TypeGuard[int]:
    """Whether ``x`` is an integer: an int or a NumPy integer; not a bool.

    >>> import numpy as np
    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def as_list(xs: object) -> list[Any] | None:
    """``xs`` as a list if it is a sequence of items (list, tuple, range, or a NumPy array: a
    2-D array gives its rows); None for anything else (numbers, strings, sets, mappings)."""
    if isinstance(xs, (str, bytes)):
        return None
    if isinstance(xs, Sequence) or getattr(xs, "ndim", 0) >= 1:  # NumPy arrays have ndim
        items: list[Any] = list(xs)  # type: ignore[call-overload]
        return items
    return None


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters for a message, with … and its length if it was
    longer (a label, a file's field or a formula may be as long as anyone likes).

    >>> shorten("abc", 5), shorten("abcdefgh", 5)
    ('abc', 'abcd… (8 characters)')
    """
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"
