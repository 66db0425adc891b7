"""train(compile=True) on a trained model: zero-gradient samples skip their backward pass, the
L2 term runs on floats, and every loss, gradient and parameter stays the engine's, bit for bit
(issue 23, item 3)."""

from __future__ import annotations

from typing import Any

import pytest

import autograd_lite.train as train_module
from autograd_lite import Value
from autograd_lite.compiler.model import _cache, compiled_l2
from autograd_lite.datasets import make_moons
from autograd_lite.errors import DomainError
from autograd_lite.losses import hinge, l2
from autograd_lite.nn import MLP, Module, Neuron
from autograd_lite.train import TrainingStoppedError, train

OPTIONS: dict[str, Any] = {"loss": hinge, "lr": 0.5, "l2_alpha": 1e-4, "progress": False}


def _moons() -> tuple[list[list[float]], list[int]]:
    X, y = make_moons(60, noise=0.1, seed=0)
    return X, [1 if t == 1 else -1 for t in y]


def _state(model: Module) -> list[float]:
    return [p.data for p in model.parameters()] + [p.grad for p in model.parameters()]


def test_a_trained_model_trains_on_bit_for_bit_as_on_the_engine() -> None:
    X, y = _moons()
    plain, compiled = MLP(2, [8, 8, 1], seed=0), MLP(2, [8, 8, 1], seed=0)
    h1 = train(plain, X, y, steps=100, **OPTIONS)
    h2 = train(compiled, X, y, steps=100, compile=True, **OPTIONS)
    assert h2.loss == h1.loss and h2.accuracy == h1.accuracy
    assert _state(compiled) == _state(plain)
    # Trained: most margins are met, and those samples skipped their backward pass.
    cm = _cache[compiled]
    before = cm.skipped
    h1 = train(plain, X, y, steps=20, **OPTIONS)
    h2 = train(compiled, X, y, steps=20, compile=True, **OPTIONS)
    assert h2.loss == h1.loss and _state(compiled) == _state(plain)
    assert cm.skips_zeros
    assert cm.skipped - before > 20 * len(X) // 2  # more than half the samples, every step


def test_mini_batches_and_momentum_on_a_trained_model_match_too() -> None:
    X, y = _moons()
    options = dict(OPTIONS, batch_size=16, seed=4, momentum=0.9, l2_alpha=3e-3)
    plain, compiled = MLP(2, [6, 1], activation="tanh", seed=3), MLP(2, [6, 1], "tanh", seed=3)
    h1 = train(plain, X, y, steps=150, **options)
    h2 = train(compiled, X, y, steps=150, compile=True, **options)
    assert h2.loss == h1.loss and _state(compiled) == _state(plain)
    assert _cache[compiled].skipped > 0


def test_the_l2_term_is_not_built_on_the_engine_when_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    X, y = _moons()
    plain = MLP(2, [4, 1], seed=1)
    expected = train(plain, X, y, steps=5, **OPTIONS)
    calls: list[int] = []

    def counting_l2(parameters: Any, alpha: float) -> Value:
        calls.append(1)
        return l2(parameters, alpha)

    monkeypatch.setattr(train_module, "l2", counting_l2)
    compiled = MLP(2, [4, 1], seed=1)
    got = train(compiled, X, y, steps=5, compile=True, **OPTIONS)
    assert calls == []
    assert got.loss == expected.loss and _state(compiled) == _state(plain)
    train(MLP(2, [4, 1], seed=1), X, y, steps=2, **OPTIONS)  # the engine's loop still uses it
    assert calls == [1, 1]


def test_compiled_l2_matches_the_engines_value_and_gradients() -> None:
    ps = [Value(x) for x in (0.3, -1.7, 2.5e-3, 12.0, -0.0)]
    engine = l2(ps, 3e-4)
    engine.backward()
    expected = [p.grad for p in ps]
    for p in ps:
        p.grad = 0.0
    result = compiled_l2(ps, 3e-4)
    assert result is not None
    value, add_gradients = result
    add_gradients()
    assert value == engine.data and [p.grad for p in ps] == expected


def test_an_overflowing_l2_term_is_left_to_the_engine_which_says_why() -> None:
    assert compiled_l2([Value(1e200)], 1.0) is None
    X, y = _moons()
    model = MLP(2, [3, 1], seed=0)
    model.parameters()[0].data = 1e200
    with pytest.raises(TrainingStoppedError, match=r"mul: the result overflows"):
        train(model, X, y, steps=2, compile=True, **OPTIONS)


class _Rooted(Module):
    """√(relu(w·x + b)) − 1.5: at a zero-loss sample with w·x + b ≤ 0 the engine refuses √'s
    infinite derivative at 0, though the seed is zero."""

    def __init__(self) -> None:
        self.n = Neuron(2, "relu", seed=0)

    def children(self) -> list[tuple[str, Module]]:
        return [("n", self.n)]

    def __call__(self, xs: Any) -> Value:
        return self.n(xs).sqrt() - 1.5


def test_a_model_whose_rules_may_refuse_at_a_zero_seed_does_not_skip() -> None:
    X, y = [[1.0, 1.0], [-1.0, -1.0]], [1, -1]
    model = _Rooted()
    model.n.w[0].data, model.n.w[1].data = 1.0, 1.0  # sample 2: relu gives 0, √ at 0
    with pytest.raises(TrainingStoppedError) as plain:
        train(model, X, y, steps=1, loss=hinge, progress=False)
    with pytest.raises(TrainingStoppedError) as compiled:
        train(model, X, y, steps=1, loss=hinge, progress=False, compile=True)
    assert isinstance(compiled.value.cause, DomainError)
    assert str(compiled.value) == str(plain.value)
    assert not _cache[model].skips_zeros
