"""The training loop: it learns, it is reproducible, it reports, and the digits are learned."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import DomainError, Value
from autograd_lite.datasets import load_digits_binary, make_moons, make_xor, train_test_split
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
)
from autograd_lite.nn import MLP, Layer, Module
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


# -- models of your own, micrograd's way -------------------------------------------------------


class _Scale(Module):
    """f(x) = w·x with one parameter, declared only by overriding parameters()."""

    def __init__(self, w: float) -> None:
        self.w = Value(w, label="w")

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return self.w * x[0]

    def parameters(self) -> list[Value]:
        return [self.w]


def test_a_module_that_overrides_parameters_trains_exactly() -> None:
    # mse of one sample: L = (w·x − t)², ∂L/∂w = 2(w·x − t)·x = 2·(0.5·2 − 3)·2 = −8,
    # so one step with lr 0.1 gives w = 0.5 − 0.1·(−8) = 1.3.
    model = _Scale(0.5)
    history = train(model, [[2.0]], [3.0], loss=mse, steps=1, lr=0.1, progress=False)
    assert history.loss == [4.0]
    assert model.w.data == pytest.approx(1.3, abs=1e-15)


class _Net(Module):
    def __init__(self, hidden: int, seed: int) -> None:
        self.l1 = Layer(2, hidden, seed=seed)
        self.l2 = Layer(hidden, 1, activation="linear", seed=seed + 1)

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return self.l2(self.l1(x))[0]

    def parameters(self) -> list[Value]:
        return self.l1.parameters() + self.l2.parameters()


def test_the_reviews_micrograd_style_net_now_learns() -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    history = train(_Net(4, 0), X, y, loss=hinge, steps=3, progress=False)
    assert history.loss[0] > history.loss[1] > history.loss[2]  # was 1.2886 three times


@given(hidden=st.integers(1, 5), seed=st.integers(0, 10**6), compiled=st.booleans())
def test_every_parameter_a_custom_module_lists_is_trained(
    hidden: int, seed: int, compiled: bool
) -> None:
    model = _Net(hidden, seed)
    before = [p.data for p in model.parameters()]
    X, y = make_moons(8, noise=0.1, seed=seed)
    # Each listed parameter moves by −lr·∂L/∂w, ∂L/∂w read from a twin's graph; compiled or
    # not. Before the fix nothing moved (a dead ReLU's weights may stay: their ∂L/∂w is 0).
    reference = _Net(hidden, seed)
    mse([reference(x) for x in X], y).backward()
    expected = [p.data - 0.05 * p.grad for p in reference.parameters()]
    train(model, X, y, loss=mse, steps=1, lr=0.05, progress=False, compile=compiled)
    after = [p.data for p in model.parameters()]
    assert after == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert after != before or all(p.grad == 0 for p in reference.parameters())


class _NoParameters(Module):
    def __call__(self, x):  # type: ignore[no-untyped-def]
        return Value(x[0])


def test_a_model_without_parameters_is_refused_not_trained() -> None:
    with pytest.raises(ValueError, match=r"train: _NoParameters\(\) has no parameters"):
        train(_NoParameters(), [[1.0]], [1], steps=1, progress=False)


# -- wrong argument types: TypeErrors that say what was expected -------------------------------


def _float_loss(predictions: object, targets: object) -> float:
    return 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": lambda x: x[0]}, TypeError, r"^train: model must be an autograd_lite\.nn\.Module .*got function$"),
        ({"loss": "hinge"}, TypeError, r"^train: loss must be a function of \(predictions, targets\).*got str 'hinge': give the function, loss=autograd_lite\.losses\.hinge$"),
        ({"loss": 3}, TypeError, r"^train: loss must be a function .*got int 3$"),
        ({"loss": _float_loss}, TypeError, r"^train: the loss _float_loss must return a Value .*got float 1\.0$"),
        ({"compile": "yes"}, TypeError, r"^train: compile must be True or False, got str 'yes'$"),
        ({"progress": 1}, TypeError, r"^train: progress must be True, False or None, got int 1$"),
        ({"steps": 1.5}, TypeError, r"^train: steps must be an int >= 0, got float 1\.5$"),
        ({"steps": True}, TypeError, r"^train: steps must be an int >= 0, got bool True$"),
        ({"l2_alpha": "a"}, TypeError, r"^train: l2_alpha must be a number >= 0, got str 'a'$"),
        ({"l2_alpha": -1.0}, ValueError, r"^train: l2_alpha must be a finite number >= 0, got -1\.0$"),
        ({"l2_alpha": math.inf}, ValueError, r"^train: l2_alpha must be a finite number >= 0, got inf$"),
        ({"steps": -1}, ValueError, r"^train: steps must be an int >= 0, got -1$"),
    ],
)  # fmt: skip
def test_wrong_types_are_type_errors_and_out_of_range_values_value_errors(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    X, y = make_moons(4, seed=0)
    arguments: dict[str, Any] = {"model": MLP(2, [2, 1], seed=0), "progress": False}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        train(arguments.pop("model"), X, y, **arguments)


def test_evaluate_checks_the_loss_too() -> None:
    with pytest.raises(TypeError, match=r"^evaluate: loss must be a function"):
        evaluate(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], loss="mse")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^evaluate: the loss _float_loss must return a Value"):
        evaluate(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], loss=_float_loss)  # type: ignore[arg-type]


def test_numpy_integers_for_steps_and_batch_size() -> None:
    np = pytest.importorskip("numpy")
    X, y = make_moons(10, seed=0)
    a = train(
        MLP(2, [3, 1], seed=0),
        X,
        y,
        steps=np.int64(3),
        batch_size=np.int32(4),
        seed=1,
        progress=False,
    )
    b = train(MLP(2, [3, 1], seed=0), X, y, steps=3, batch_size=4, seed=1, progress=False)
    assert a.loss == b.loss and len(a.loss) == 3
