"""Small classification data sets: seeded, pure Python (plus the 8×8 digits from scikit-learn).

Each generator returns ``(X, y)``: ``X`` a list of points (lists of floats), ``y`` a list of
class labels 0 or 1. The same seed gives the same data; seed=None draws from Python's global
``random`` state.

>>> X, y = make_moons(8, noise=0.0, seed=0)
>>> len(X), sorted(y)
(8, [0, 0, 0, 0, 1, 1, 1, 1])
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
>>> len(X_train), len(X_test), sorted(y_test)
(6, 2, [0, 1])
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ._common import is_int, is_real, make_rng

__all__ = [
    "NAMES_LICENSE",
    "load_digits_binary",
    "load_names",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]

Points = list[list[float]]
Labels = list[int]
T = TypeVar("T")


def _check(n: object, noise: object) -> None:
    """A TypeError for ``n`` or ``noise`` of the wrong type, a ValueError for a wrong value."""
    if not is_int(n):
        raise TypeError(f"n must be an int >= 2, got {type(n).__name__} {n!r}")
    if n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if not is_real(noise):
        raise TypeError(f"noise must be a number >= 0, got {type(noise).__name__} {noise!r}")
    if not 0 <= noise < math.inf:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def _shuffled(points: Points, labels: Labels, rng: random.Random) -> tuple[Points, Labels]:
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def _noisy(rng: random.Random, noise: float, *coordinates: float) -> list[float]:
    return [c + rng.gauss(0.0, noise) for c in coordinates]


def _two_classes(
    n: int, noise: float, rng: random.Random, point: Callable[[int, int, int], tuple[float, float]]
) -> tuple[Points, Labels]:
    """n points, the first half of class 0 and the rest of class 1, shuffled.

    ``point(label, k, count)`` places the k-th of the ``count`` points of a class, before
    Gaussian noise of standard deviation ``noise`` is added.
    """
    points, labels = [], []
    for label, count in enumerate((n // 2, n - n // 2)):
        for k in range(count):
            points.append(_noisy(rng, noise, *point(label, k, count)))
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_moons(
    n: int = 100, *, noise: float = 0.1, seed: int | None = None
) -> tuple[Points, Labels]:
    """Two interleaving half circles (the data set of micrograd's demo).

    Class 0 is the upper moon (cos t, sin t), class 1 the lower one (1 − cos t, ½ − sin t),
    t evenly spaced in [0, π], plus Gaussian noise of standard deviation ``noise``.
    """
    _check(n, noise)

    def moon(label: int, k: int, count: int) -> tuple[float, float]:
        t = math.pi * k / max(count - 1, 1)
        if label == 0:
            return math.cos(t), math.sin(t)
        return 1 - math.cos(t), 0.5 - math.sin(t)

    return _two_classes(n, noise, make_rng(seed), moon)


def make_circles(
    n: int = 100, *, noise: float = 0.05, factor: float = 0.5, seed: int | None = None
) -> tuple[Points, Labels]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` in (0, 1)."""
    _check(n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")

    def circle(label: int, k: int, count: int) -> tuple[float, float]:
        t = 2 * math.pi * k / count
        radius = 1.0 if label == 0 else factor
        return radius * math.cos(t), radius * math.sin(t)

    return _two_classes(n, noise, make_rng(seed), circle)


def make_xor(n: int = 100, *, noise: float = 0.0, seed: int | None = None) -> tuple[Points, Labels]:
    """Points uniform in the square [−1, 1]²; class 1 where exactly one coordinate is positive."""
    _check(n, noise)
    rng = make_rng(seed)
    points, labels = [], []
    for _ in range(n):
        x, y = rng.uniform(-1, 1), rng.uniform(-1, 1)
        labels.append(int((x > 0) != (y > 0)))
        points.append(_noisy(rng, noise, x, y))
    return points, labels


def make_spirals(
    n: int = 100, *, noise: float = 0.05, turns: float = 1.5, seed: int | None = None
) -> tuple[Points, Labels]:
    """Two interleaved spirals of ``turns`` turns each, class 1 the other spiral rotated by π."""
    _check(n, noise)
    if not 0 < turns < math.inf:
        raise ValueError(f"turns must be a positive number, got {turns!r}")

    def spiral(label: int, k: int, count: int) -> tuple[float, float]:
        r = (k + 1) / count  # the radius grows from near 0 to 1
        t = 2 * math.pi * turns * r + math.pi * label
        return r * math.cos(t), r * math.sin(t)

    return _two_classes(n, noise, make_rng(seed), spiral)


def load_digits_binary() -> tuple[Points, Labels]:
    """The 8×8 images of handwritten 0s and 1s bundled with scikit-learn (no network).

    Returns 64 pixel intensities per image scaled to [0, 1], and labels 0 or 1 (360 images).
    Needs scikit-learn: ``pip install 'autograd-lite[digits]'``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "load_digits_binary needs scikit-learn for its bundled digits data: "
            "pip install 'autograd-lite[digits]' (or pip install scikit-learn)"
        ) from None
    digits = load_digits(n_class=2)
    points = [[float(v) / 16.0 for v in row] for row in digits.data]
    return points, [int(label) for label in digits.target]


_DATA = Path(__file__).parent / "data"

NAMES_LICENSE = _DATA / "names.LICENSE"
"""The licence of :func:`load_names`' data: MIT, copyright (c) 2022 Andrej Karpathy."""


def load_names() -> list[str]:
    """The 32,033 first names of makemore's ``names.txt`` (the data set microgpt trains on),
    lower-case, in the file's order; shipped with the package (no network).

    The data is MIT-licensed, copyright (c) 2022 Andrej Karpathy; the licence text is in
    :data:`NAMES_LICENSE` (``autograd_lite/data/names.LICENSE``).

    >>> names = load_names()
    >>> len(names), names[:3]
    (32033, ['emma', 'olivia', 'ava'])
    """
    text = (_DATA / "names.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def train_test_split(
    X: Sequence[T], y: Sequence[int], *, test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list[T], list[T], list[int], list[int]]:
    """Shuffle and split into (X_train, X_test, y_train, y_test), keeping each class's share.

    Each class is split on its own (stratified), so a rare class is in both parts.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}; expected as many")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = make_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(set(y)):
        members = [i for i, t in enumerate(y) if t == label]
        rng.shuffle(members)
        n_test = round(len(members) * test_fraction)
        test += members[:n_test]
        train += members[n_test:]
    rng.shuffle(train)
    rng.shuffle(test)
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
