"""Loss functions: each takes predictions (Values) and targets (numbers) and returns one Value.

>>> from autograd_lite import Value
>>> mse([Value(2.0), Value(0.0)], [1.0, 0.0]).data           # ((2 − 1)² + 0²) / 2
0.5
>>> round(binary_cross_entropy_with_logits([Value(0.0)], [1]).data, 6)   # ln 2
0.693147

All are means over the samples. They are built from the engine's ops, so their gradients come from
the same rule table as everything else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._common import as_list, is_int, is_real
from .engine import Value, type_name

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "l2",
    "log_softmax",
    "mse",
    "sequence_cross_entropy",
    "softmax",
]

Scalar = Value | float


def _pairs(name: str, predictions: object, targets: object) -> tuple[list[Any], list[Any]]:
    """The predictions and targets as two lists of the same, non-zero length (lists, tuples and
    NumPy arrays are accepted), or a TypeError/ValueError that says what came instead."""
    predictions_ = as_list(predictions)
    if predictions_ is None:
        raise TypeError(f"{name}: predictions must be a list, got {type_name(predictions)}")
    targets_ = as_list(targets)
    if targets_ is None:
        raise TypeError(f"{name}: targets must be a list, got {type_name(targets)}")
    if len(predictions_) != len(targets_):
        raise ValueError(
            f"{name}: {len(predictions_)} predictions but {len(targets_)} targets; expected as many"
        )
    if not predictions_:
        raise ValueError(f"{name}: no samples; the mean of nothing is undefined")
    return predictions_, targets_


def _number(name: str, what: str, t: object) -> float:
    if not is_real(t) or not math.isfinite(t):
        raise ValueError(f"{name}: {what} must be a finite number, got {t!r}")
    return float(t)


def _values(predictions: Sequence[Scalar]) -> list[Value]:
    return [p if isinstance(p, Value) else Value(p) for p in predictions]


def _mean(terms: list[Value]) -> Value:
    return Value.sum(terms) * (1.0 / len(terms))


def mse(predictions: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Mean squared error: mean of (prediction − target)²."""
    predictions, targets = _pairs("mse", predictions, targets)
    targets_ = [_number("mse", "each target", t) for t in targets]
    return _mean([(p - t) ** 2 for p, t in zip(_values(predictions), targets_, strict=True)])


def _binary_label(name: str, t: object) -> float:
    label = _number(name, "each target", t)
    if not 0.0 <= label <= 1.0:
        raise ValueError(
            f"{name}: targets must be in [0, 1] (a class 0/1 or a probability), got {t!r}"
        )
    return label


def binary_cross_entropy(
    probabilities: Sequence[Scalar], targets: Sequence[float], *, eps: float = 1e-7
) -> Value:
    """−mean(t·ln p + (1 − t)·ln(1 − p)) for probabilities p (e.g. sigmoid outputs).

    Each p is clamped to [eps, 1 − eps] so that ln never sees 0: where a p is clamped its gradient
    is 0 (as in PyTorch's clamp). For raw scores prefer
    :func:`binary_cross_entropy_with_logits`, which needs no clamping.
    """
    probabilities, targets = _pairs("binary_cross_entropy", probabilities, targets)
    if not 0 < eps < 0.5:
        raise ValueError(f"binary_cross_entropy: eps must be in (0, 0.5), got {eps!r}")
    terms = []
    for p, t in zip(_values(probabilities), targets, strict=True):
        label = _binary_label("binary_cross_entropy", t)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                "binary_cross_entropy: predictions must be probabilities in [0, 1], got "
                f"{p.data!r} (use binary_cross_entropy_with_logits for raw scores)"
            )
        clamped = p if eps <= p.data <= 1 - eps else Value(min(max(p.data, eps), 1 - eps))
        terms.append(-(label * clamped.log() + (1 - label) * (1 - clamped).log()))
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Binary cross-entropy of σ(z) against t, computed from the logit z without overflow.

    −[t·ln σ(z) + (1 − t)·ln(1 − σ(z))] = softplus(z) − t·z, and softplus is stable for any z.
    """
    logits, targets = _pairs("binary_cross_entropy_with_logits", logits, targets)
    terms = []
    for z, t in zip(_values(logits), targets, strict=True):
        label = _binary_label("binary_cross_entropy_with_logits", t)
        terms.append(z.softplus() - label * z)
    return _mean(terms)


def _signed_label(t: object) -> float:
    label = _number("hinge", "each target", t)
    if label not in (-1.0, 1.0, 0.0):
        raise ValueError(f"hinge: targets must be classes −1/+1 (or 0/1), got {t!r}")
    return label


def hinge(scores: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """The max-margin loss of micrograd's demo: mean(relu(1 − y·score)) with y = ±1.

    Targets may be −1/+1 or 0/1 (0 is taken as −1), but not a mix of −1 and 0.
    """
    scores, targets = _pairs("hinge", scores, targets)
    labels = [_signed_label(t) for t in targets]
    if -1.0 in labels and 0.0 in labels:
        raise ValueError("hinge: targets mix −1 and 0; use −1/+1 or 0/1")
    signs = [1.0 if label == 1.0 else -1.0 for label in labels]
    return _mean([(1 - y * s).relu() for s, y in zip(_values(scores), signs, strict=True)])


def _logit_list(name: str, logits: Sequence[Scalar]) -> list[Value]:
    scores = as_list(logits)
    if not scores:
        raise TypeError(f"{name}: expects a non-empty list of class scores, got {logits!r}")
    return _values(scores)


def log_softmax(logits: Sequence[Scalar]) -> list[Value]:
    """ln softmax(z)ᵢ = zᵢ − m − ln Σⱼ e^(zⱼ − m), with m = max z so no exp overflows.

    Subtracting the constant m changes nothing mathematically (the gradient of the shift cancels),
    and keeps every exponent ≤ 0.
    """
    zs = _logit_list("log_softmax", logits)
    m = max(z.data for z in zs)
    log_total = Value.sum([(z - m).exp() for z in zs]).log()
    return [z - m - log_total for z in zs]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """Class probabilities e^(zᵢ − m) / Σⱼ e^(zⱼ − m) (m = max z, for stability).

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 1000.0])]
    [0.0, 0.0, 1.0]
    """
    zs = _logit_list("softmax", logits)
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = Value.sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Sequence[Scalar]], targets: Sequence[int]) -> Value:
    """Softmax cross-entropy for several classes: −mean(log_softmax(zₙ)[yₙ]).

    ``logits`` has one list of class scores per sample; ``targets`` one class index per sample.

    >>> round(cross_entropy([[0.0, 0.0]], [1]).data, 6)   # ln 2
    0.693147
    """
    logits, targets = _pairs("cross_entropy", logits, targets)
    terms = []
    for zs, t in zip(logits, targets, strict=True):
        scores = log_softmax(zs)
        if not is_int(t) or not 0 <= t < len(scores):
            raise ValueError(
                f"cross_entropy: each target must be a class index in 0..{len(scores) - 1}, "
                f"got {t!r}"
            )
        terms.append(-scores[int(t)])
    return _mean(terms)


def sequence_cross_entropy(
    predictions: Sequence[Sequence[Sequence[Scalar]]], targets: Sequence[Sequence[int]]
) -> Value:
    """The mean over sequences of :func:`cross_entropy` over each sequence's positions: the loss
    of a language model such as :class:`~autograd_lite.nn.GPT`, whose prediction for one
    sequence is one row of logits per position and whose targets are the next tokens.

    For one sequence it is ``cross_entropy(rows, next_tokens)`` itself, microgpt's loss: the mean
    of −ln softmax(row)[target] over the positions.

    >>> round(sequence_cross_entropy([[[0.0, 0.0], [0.0, 0.0]]], [[1, 0]]).data, 6)   # ln 2
    0.693147
    """
    predictions, targets = _pairs("sequence_cross_entropy", predictions, targets)
    return _mean([cross_entropy(rows, ts) for rows, ts in zip(predictions, targets, strict=True)])


def l2(parameters: Sequence[Value], alpha: float) -> Value:
    """L2 regularisation: alpha · Σ p² (pulls weights towards 0)."""
    if not is_real(alpha) or not 0 <= alpha < math.inf:
        raise ValueError(f"l2: alpha must be a number >= 0, got {alpha!r}")
    return alpha * Value.sum([p * p for p in parameters])
