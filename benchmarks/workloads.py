"""The benchmark workloads, each written for autograd_lite, micrograd and (W1) plain floats.

Every function builds its own inputs and returns nothing; the runner times them.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Callable
from typing import Any

from autograd_lite import Value
from autograd_lite.datasets import load_digits_binary, make_moons
from autograd_lite.losses import binary_cross_entropy_with_logits, hinge, l2
from autograd_lite.nn import MLP
from autograd_lite.train import train

SIZES = (2, 16, 16, 1)


def moons() -> tuple[list[list[float]], list[int]]:
    X, y = make_moons(100, noise=0.1, seed=0)
    return X, [1 if label == 1 else -1 for label in y]


# -- W1: one training step of micrograd's demo -----------------------------------------------------


def w1_autograd_lite() -> Callable[[], None]:
    X, y = moons()
    model = MLP(2, [16, 16, 1], seed=0)
    parameters = model.parameters()

    def step() -> None:
        scores = [model(x) for x in X]
        loss = hinge(scores, y) + l2(parameters, 1e-4)
        model.zero_grad()
        loss.backward()
        for p in parameters:
            p.data -= 0.5 * p.grad

    return step


COMPILED_STEPS = 10
"""Steps per timed run of the compiled workloads (the time per step is the run's / this)."""


TRAINED_STEPS = 100
"""Steps taken before timing the "trained model" rows of W1 (most hinge margins then met)."""


def w1_compiled(trained_steps: int = 0) -> Callable[[], None]:
    """The same step with train(compile=True): the model's pass as generated Python, the loss
    on the engine; the progress bar off, accuracy and history kept, as a user has them.
    Compiled once here (after ``trained_steps`` steps: the trained model); each run trains
    COMPILED_STEPS steps."""
    X, y = moons()
    model = MLP(2, [16, 16, 1], seed=0)
    options: dict[str, Any] = {"loss": hinge, "lr": 0.5, "l2_alpha": 1e-4, "progress": False}
    train(model, X, y, steps=max(trained_steps, 1), compile=True, **options)

    def steps() -> None:
        train(model, X, y, steps=COMPILED_STEPS, compile=True, **options)

    return steps


def w1_micrograd() -> Callable[[], None]:
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    X, y = moons()
    random.seed(0)
    model = MMLP(2, [16, 16, 1])

    def step() -> None:  # the loss of micrograd's demo.ipynb, as written there
        inputs = [list(map(MValue, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad

    return step


def w1_floats(trained_steps: int = 0) -> Callable[[], None]:
    """The same step written by hand with plain floats: the floor for pure Python. A sample
    whose hinge loss is zero passes nothing back, so its backward pass is skipped, as anyone
    writing it by hand would. ``trained_steps`` steps are taken before it is handed out (the
    trained model)."""
    X, y = moons()
    rng = random.Random(0)
    layers = []
    for nin, nout in itertools.pairwise(SIZES):
        bound = math.sqrt(6.0 / nin)
        weights = [[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)]
        layers.append((weights, [0.0] * nout))

    def step() -> None:
        grads = [([[0.0] * len(w) for w in ws], [0.0] * len(bs)) for ws, bs in layers]
        n = len(X)
        for x, target in zip(X, y, strict=True):
            activations = [x]
            pre = []
            for k, (ws, bs) in enumerate(layers):
                inp = activations[-1]
                z = [
                    sum(wi * xi for wi, xi in zip(w, inp, strict=True)) + b
                    for w, b in zip(ws, bs, strict=True)
                ]
                pre.append(z)
                last = k == len(layers) - 1
                activations.append(z if last else [v if v > 0 else 0.0 for v in z])
            score = activations[-1][0]
            margin = 1 - target * score
            if margin <= 0:
                continue  # a zero loss: nothing flows back from this sample
            upstream = [-target / n]
            for k in range(len(layers) - 1, -1, -1):
                ws, bs = layers[k]
                gws, gbs = grads[k]
                inp = activations[k]
                if k != len(layers) - 1:
                    upstream = [u if z > 0 else 0.0 for u, z in zip(upstream, pre[k], strict=True)]
                below = [0.0] * len(inp)
                for j, u in enumerate(upstream):
                    gbs[j] += u
                    row, grow = ws[j], gws[j]
                    for i, xi in enumerate(inp):
                        grow[i] += u * xi
                        below[i] += u * row[i]
                upstream = below
        for (ws, bs), (gws, gbs) in zip(layers, grads, strict=True):
            for j in range(len(ws)):
                for i in range(len(ws[j])):
                    ws[j][i] -= 0.5 * (gws[j][i] + 2e-4 * ws[j][i])
                bs[j] -= 0.5 * (gbs[j] + 2e-4 * bs[j])

    for _ in range(trained_steps):
        step()
    return step


# -- W2: a deep chain ------------------------------------------------------------------------------


def w2_autograd_lite(n: int) -> Callable[[], None]:
    def chain() -> None:
        x = Value(0.5)
        y = x
        for _ in range(n):
            y = y * 0.999 + 0.001
        y.backward()

    return chain


def w2_micrograd(n: int) -> Callable[[], None]:
    from micrograd.engine import Value as MValue

    def chain() -> None:
        x = MValue(0.5)
        y = x
        for _ in range(n):
            y = y * 0.999 + 0.001
        y.backward()

    return chain


# -- W3: a wide graph ------------------------------------------------------------------------------


def w3_autograd_lite(n: int) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    rng = random.Random(0)
    numbers = [(rng.random(), rng.random()) for _ in range(n)]

    def build() -> Any:
        return Value.sum([Value(a) * Value(b) for a, b in numbers])

    def backward(total: Any) -> None:
        total.backward()

    return build, backward


def w3_micrograd(n: int) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    from micrograd.engine import Value as MValue

    rng = random.Random(0)
    numbers = [(rng.random(), rng.random()) for _ in range(n)]

    def build() -> Any:
        # micrograd has no n-ary sum; a balanced tree of additions keeps its recursive
        # backward within the recursion limit (a chain of 10⁶ additions would not be).
        level = [MValue(a) * MValue(b) for a, b in numbers]
        while len(level) > 1:
            level = [
                level[i] + level[i + 1] if i + 1 < len(level) else level[i]
                for i in range(0, len(level), 2)
            ]
        return level[0]

    def backward(total: Any) -> None:
        total.backward()

    return build, backward


# -- W4: one epoch on the digits -------------------------------------------------------------------


def w4_autograd_lite() -> Callable[[], None]:
    X, y = load_digits_binary()
    model = MLP(64, [16, 1], seed=0)
    parameters = model.parameters()
    rng = random.Random(0)
    order = list(range(len(X)))

    def epoch() -> None:  # mini-batches of 30, one pass over the 360 images
        rng.shuffle(order)
        for start in range(0, len(order), 30):
            batch = order[start : start + 30]
            logits = [model(X[i]) for i in batch]
            loss = binary_cross_entropy_with_logits(logits, [y[i] for i in batch])
            model.zero_grad()
            loss.backward()
            for p in parameters:
                p.data -= 0.5 * p.grad

    return epoch


def w4_compiled() -> Callable[[], None]:
    """One epoch as train(compile=True): 12 random mini-batches of 30 (train draws each batch
    at random rather than shuffling once per epoch: the same work)."""
    X, y = load_digits_binary()
    model = MLP(64, [16, 1], seed=0)
    options: dict[str, Any] = {"loss": binary_cross_entropy_with_logits, "lr": 0.5,
                               "batch_size": 30, "seed": 0, "progress": False}  # fmt: skip
    train(model, X, y, steps=1, compile=True, **options)

    def epoch() -> None:
        train(model, X, y, steps=len(X) // 30, compile=True, **options)

    return epoch


def w4_micrograd() -> Callable[[], None]:
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    X, y = load_digits_binary()
    random.seed(0)
    model = MMLP(64, [16, 1])
    rng = random.Random(0)
    order = list(range(len(X)))

    def epoch() -> None:  # the same, with hinge loss: micrograd has no log or exp of a sum
        rng.shuffle(order)
        for start in range(0, len(order), 30):
            batch = order[start : start + 30]
            scores = [model(list(map(MValue, X[i]))) for i in batch]
            targets = [1 if y[i] == 1 else -1 for i in batch]
            losses = [(1 + -t * s).relu() for t, s in zip(targets, scores, strict=True)]
            loss = sum(losses) * (1.0 / len(losses))
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= 0.5 * p.grad

    return epoch


# -- W5: drawing -----------------------------------------------------------------------------------


def w5_graph(values: int) -> Value:
    """A graph of about ``values`` value nodes: tanh(1.01·y) repeated (three values a step)."""
    x = Value(0.5, label="x")
    y = x
    for _ in range((values - 1) // 3):
        y = (y * 1.01).tanh()
    y.backward()
    return y


def recursion_limit() -> int:
    return sys.getrecursionlimit()


__all__ = [
    "COMPILED_STEPS",
    "TRAINED_STEPS",
    "hinge",
    "w1_autograd_lite",
    "w1_compiled",
    "w1_floats",
    "w1_micrograd",
    "w2_autograd_lite",
    "w2_micrograd",
    "w3_autograd_lite",
    "w3_micrograd",
    "w4_autograd_lite",
    "w4_compiled",
    "w4_micrograd",
    "w5_graph",
]
