"""The training loop: it learns, it is reproducible, it reports, and the digits are learned."""

from __future__ import annotations

import pytest

from autograd_lite import DomainError, Value
from autograd_lite.datasets import load_digits_binary, make_moons, make_xor, train_test_split
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
)
from autograd_lite.nn import MLP
from autograd_lite.train import accuracy, evaluate, train


def test_training_reduces_the_loss_and_records_history() -> None:
    X, y = make_moons(60, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    history = train(model, X, y, steps=40, lr=0.3, l2_alpha=1e-4, progress=False)
    assert len(history.loss) == len(history.accuracy) == len(history.lr) == 40
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] is not None and history.accuracy[-1] >= 0.85
    assert set(history.lr) == {0.3}


def test_training_is_reproducible_with_seeds() -> None:
    def run() -> list[float]:
        X, y = make_xor(40, seed=1)
        model = MLP(2, [6, 1], activation="tanh", seed=2)
        return train(model, X, y, steps=15, lr=0.2, batch_size=10, seed=3, progress=False).loss

    assert run() == run()


def test_schedule_and_momentum_reach_the_optimizer() -> None:
    X, y = make_moons(20, seed=0)
    history = train(
        MLP(2, [4, 1], seed=0),
        X,
        y,
        steps=3,
        lr=lambda k: 0.1 * (k + 1),
        momentum=0.5,
        progress=False,
    )
    assert history.lr == pytest.approx([0.1, 0.2, 0.3])


def test_progress_bar_is_shown_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(10, seed=0)
    train(MLP(2, [2, 1], seed=0), X, y, steps=2, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "acc=" in err
    train(MLP(2, [2, 1], seed=0), X, y, steps=2)  # not a terminal under pytest: quiet
    assert capsys.readouterr().err == ""


def test_accuracy_reads_predictions_the_way_the_loss_does() -> None:
    assert accuracy([Value(0.3), Value(-2.0)], [1, 0], hinge) == 1.0
    assert accuracy([Value(0.3), Value(-2.0)], [1, -1], hinge) == 1.0
    assert accuracy([Value(0.3)], [0], binary_cross_entropy_with_logits) == 0.0
    assert accuracy([Value(0.7), Value(0.2)], [1, 1], binary_cross_entropy) == 0.5
    assert (
        accuracy([[Value(0.1), Value(2.0)], [Value(3.0), Value(1.0)]], [1, 0], cross_entropy) == 1.0
    )
    assert accuracy([Value(0.1)], [0.1], mse) is None


def test_multiclass_training_with_cross_entropy() -> None:
    X = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.9, 0.1], [0.1, 0.9], [-0.9, 0.1]]
    y = [0, 1, 2, 0, 1, 2]
    model = MLP(2, [8, 3], activation="tanh", seed=0)
    history = train(model, X, y, loss=cross_entropy, steps=60, lr=0.5, progress=False)
    assert history.accuracy[-1] == 1.0
    assert evaluate(model, X, y, loss=cross_entropy)[1] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": -1}, r"steps must be an int >= 0"),
        ({"batch_size": 0}, r"batch_size must be in 1..4 or None"),
        ({"lr": 0.0}, r"lr must be a positive finite number"),
    ],
)
def test_errors(kwargs: dict[str, object], message: str) -> None:
    X, y = make_moons(4, seed=0)
    with pytest.raises(ValueError, match=message):
        train(MLP(2, [2, 1], seed=0), X, y, progress=False, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"X has 4 samples and y 3"):
        train(MLP(2, [2, 1], seed=0), X, y[:3], progress=False)


def test_evaluate_records_no_graph() -> None:
    model = MLP(2, [3, 1], seed=0)
    loss, acc = evaluate(model, [[0.5, 0.5], [1.0, -1.0]], [1, 0])
    assert loss >= 0 and acc is not None
    assert all(p.grad == 0 for p in model.parameters())


def test_digits_zero_versus_one_reach_99_percent_on_held_out_images() -> None:
    X, y = load_digits_binary()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.5, seed=0)
    model = MLP(64, [16, 1], seed=0)
    loss = binary_cross_entropy_with_logits
    # Plain (stochastic) gradient descent: no momentum, mini-batches of 30 images.
    train(
        model, X_train, y_train, loss=loss, steps=40, lr=0.5, batch_size=30, seed=0, progress=False
    )
    _, held_out = evaluate(model, X_test, y_test, loss=loss)
    assert held_out is not None and held_out >= 0.99
    assert len(X_test) == 180


def test_a_refused_step_stops_training_and_keeps_the_history() -> None:
    from autograd_lite.losses import mse
    from autograd_lite.train import TrainingStoppedError

    model = MLP(1, [1], seed=0)
    schedule = lambda k: 0.01 if k < 2 else 1e303  # noqa: E731 (the third step overflows)
    with pytest.raises(
        TrainingStoppedError, match=r"step 2 of 5.*\.history holds the 2 steps"
    ) as info:
        train(model, [[1.0]], [1e6], loss=mse, steps=5, lr=schedule, progress=False)
    error = info.value
    assert isinstance(error, DomainError)  # so `except DomainError` still catches it
    assert error.step == 2 and len(error.history.loss) == 2 and error.history.lr == [0.01, 0.01]
    assert "layer0.neuron0.w0" in str(error)
    # The parameters are those after step 1: replaying the two good steps gives the same.
    again = MLP(1, [1], seed=0)
    train(again, [[1.0]], [1e6], loss=mse, steps=2, lr=0.01, progress=False)
    assert [p.data for p in model.parameters()] == [p.data for p in again.parameters()]
