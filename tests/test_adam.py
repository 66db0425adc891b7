"""Adam against steps computed by hand; the schedules; the all-or-nothing refusal it shares
with SGD; training a GPT with it through train()."""

from __future__ import annotations

import math

import pytest

from autograd_lite import DomainError, Value
from autograd_lite.losses import sequence_cross_entropy
from autograd_lite.nn import GPT, next_token_data
from autograd_lite.optim import SGD, Adam, Optimizer, cosine_decay, linear_decay
from autograd_lite.tokens import CharTokenizer
from autograd_lite.train import TrainingStoppedError, train


def test_two_adam_steps_by_hand() -> None:
    w = Value(1.0)
    optimizer = Adam([w], lr=0.1, betas=(0.5, 0.75), eps=1e-8)
    w.grad = 2.0
    optimizer.step()
    # m = 0.5·2 = 1, v = 0.25·4 = 1; m̂ = 1/0.5 = 2, v̂ = 1/0.25 = 4: w = 1 − 0.1·2/(2 + 1e-8)
    assert w.data == 1.0 - 0.1 * 2.0 / (2.0 + 1e-8)
    w.grad = -1.0
    first = w.data
    optimizer.step()
    # m = 0.5·1 + 0.5·(−1) = 0, so the second step does not move w at all
    assert w.data == first
    w.grad = 1.0
    optimizer.step()
    m = 0.5 * 0.0 + 0.5 * 1.0
    v = 0.75 * (0.75 * 1.0 + 0.25 * 1.0) + 0.25 * 1.0
    m_hat, v_hat = m / (1 - 0.5**3), v / (1 - 0.75**3)
    assert w.data == first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert optimizer.steps == 3


def test_adam_is_microgpts_update() -> None:
    """The same floats as microgpt's loop: lr_t, m, v, m̂, v̂, p −= lr_t·m̂/(v̂**0.5 + eps)."""
    ws = [Value(0.3), Value(-0.2)]
    optimizer = Adam(ws, lr=linear_decay(0.01, 10), betas=(0.85, 0.99), eps=1e-8)
    data, m, v = [0.3, -0.2], [0.0, 0.0], [0.0, 0.0]
    for step in range(3):
        grads = [0.5 - step, 0.25 * step]
        for w, g in zip(ws, grads):
            w.grad = g
        optimizer.step()
        lr_t = 0.01 * (1 - step / 10)
        for i, g in enumerate(grads):
            m[i] = 0.85 * m[i] + (1 - 0.85) * g
            v[i] = 0.99 * v[i] + (1 - 0.99) * g**2
            m_hat = m[i] / (1 - 0.85 ** (step + 1))
            v_hat = v[i] / (1 - 0.99 ** (step + 1))
            data[i] -= lr_t * m_hat / (v_hat**0.5 + 1e-8)
        assert [w.data for w in ws] == data


def test_adam_minimises_a_quadratic_and_zero_grad() -> None:
    w = Value(5.0)
    optimizer = Adam([w], lr=0.1)
    for _ in range(300):
        optimizer.zero_grad()
        ((w - 2.0) ** 2).backward()
        optimizer.step()
    assert w.data == pytest.approx(2.0, abs=1e-2)
    optimizer.zero_grad()
    assert w.grad == 0.0
    assert isinstance(optimizer, Optimizer) and isinstance(SGD([w], lr=0.1), Optimizer)


def test_adam_refuses_a_non_finite_gradient_and_changes_nothing() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    optimizer = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, 1.0
    optimizer.step()
    state = (a.data, b.data, list(optimizer._m), list(optimizer._v))
    a.grad, b.grad = 1.0, math.inf
    with pytest.raises(
        DomainError, match=r"^Adam: step 1: the gradient of params\[1\] \('b'\) is inf"
    ):
        optimizer.step()
    assert (a.data, b.data, optimizer._m, optimizer._v) == state
    assert optimizer.steps == 1


def test_adam_refuses_an_overflowing_update_and_changes_nothing() -> None:
    w = Value(-1e308, label="w")
    optimizer = Adam([("w", w)], lr=1e308)
    w.grad = 1.0
    with pytest.raises(
        DomainError,
        match=r"^Adam: step 0 would make w -inf: w − lr·m̂/\(√v̂ \+ eps\) = -1e\+308 − 1e\+308.* No parameter was changed",
    ):
        optimizer.step()
    assert w.data == -1e308 and optimizer._m == [0.0] and optimizer.steps == 0
    w.data, w.grad = 1.0, 1e200  # g² overflows v
    with pytest.raises(DomainError, match=r"^Adam: step 0 would make w"):
        Adam([("w", w)], lr=0.1).step()
    assert w.data == 1.0


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda w: Adam([w], lr=0.0),
            ValueError,
            r"^Adam: lr must be a positive finite number, got 0.0",
        ),
        (
            lambda w: Adam([w], lr=0.1, betas=(1.0, 0.9)),
            ValueError,
            r"^Adam: betas\[0\] must be a number in \[0, 1\), got 1.0",
        ),
        (lambda w: Adam([w], lr=0.1, betas=(0.9,)), TypeError, r"^Adam: betas must be a pair"),  # type: ignore[arg-type]
        (
            lambda w: Adam([w], lr=0.1, eps=0.0),
            ValueError,
            r"^Adam: eps must be a positive finite number",
        ),
        (lambda w: Adam([], lr=0.1), ValueError, r"^Adam: no parameters to update"),
        (lambda w: Adam([w, w], lr=0.1), ValueError, r"^Adam: params\[1\] appears twice"),
        (
            lambda w: Adam(GPT(3, 2, 1, 2, 1), lr=0.1),
            TypeError,
            r"^Adam takes the parameters: Adam\(model\.parameters\(\), lr=…\)",
        ),  # type: ignore[arg-type]
    ],
)
def test_adam_refuses_bad_arguments(make, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        make(Value(1.0))


def test_linear_decay_is_microgpts() -> None:
    schedule = linear_decay(0.01, 1000)
    assert [schedule(s) for s in (0, 1, 999)] == [
        0.01,
        0.01 * (1 - 1 / 1000),
        0.01 * (1 - 999 / 1000),
    ]
    assert linear_decay(1.0, 4, end=0.2)(2) == pytest.approx(0.6)
    with pytest.raises(ValueError, match=r"step 1000 is outside the schedule's 0\.\.999"):
        schedule(1000)
    with pytest.raises(ValueError, match=r"linear_decay: steps must be an int >= 1, got 0"):
        linear_decay(0.1, 0)
    with pytest.raises(ValueError, match=r"linear_decay: lr must be a positive finite number"):
        linear_decay(-0.1, 10)


def test_cosine_decay_ends_near_end() -> None:
    schedule = cosine_decay(1.0, 100, end=0.1)
    assert schedule(0) == 1.0
    assert schedule(50) == pytest.approx(0.55)
    assert 0.1 < schedule(99) < 0.1005


def test_one_schedule_mechanism_for_sgd_and_adam() -> None:
    for make in (lambda p, lr: SGD(p, lr=lr), lambda p, lr: Adam(p, lr=lr)):
        w = Value(0.0)
        optimizer = make([w], linear_decay(1.0, 4))
        lrs = []
        for _ in range(4):
            lrs.append(optimizer.current_lr())
            w.grad = 1.0
            optimizer.step()
        assert lrs == [1.0, 0.75, 0.5, 0.25]


def test_train_a_gpt_with_adam_one_name_per_step() -> None:
    names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper"]
    tok = CharTokenizer.from_texts(names)
    model = GPT(tok.vocab_size, 8, 1, 8, 2, seed=0)
    X, y = next_token_data(names, tok, model.block_size)
    steps = 40
    history = train(
        model,
        X,
        y,
        loss=sequence_cross_entropy,
        steps=steps,
        optimizer=Adam(model.parameters(), lr=linear_decay(0.02, steps), betas=(0.85, 0.99)),
        batch_size=1,
        order="epochs",
        seed=1,
        progress=False,
    )
    assert len(history.loss) == steps and history.accuracy == [None] * steps
    assert history.lr[:2] == [0.02, 0.02 * (1 - 1 / steps)]
    first, last = sum(history.loss[:8]) / 8, sum(history.loss[-8:]) / 8
    assert last < first - 0.5


def test_order_epochs_visits_every_sample_once_per_epoch() -> None:
    from autograd_lite.nn import MLP

    seen: list[float] = []

    def loss(predictions, targets):  # type: ignore[no-untyped-def]
        seen.extend(targets)
        return Value.sum(predictions) * 0.0

    X = [[float(i)] for i in range(5)]
    train(
        MLP(1, [1], seed=0),
        X,
        [0, 1, 2, 3, 4],
        loss=loss,
        steps=5,
        batch_size=2,
        order="epochs",
        seed=0,
        progress=False,
    )
    assert sorted(seen[:5]) == [0, 1, 2, 3, 4]


def test_train_refuses_an_optimizer_with_lr_or_of_other_parameters() -> None:
    from autograd_lite.nn import MLP

    model = MLP(1, [1], seed=0)
    with pytest.raises(TypeError, match=r"give lr and momentum to the optimizer"):
        train(model, [[1.0]], [1], optimizer=Adam(model.parameters()), lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"the optimizer's 1 parameters are not those of"):
        train(model, [[1.0]], [1], optimizer=Adam([Value(1.0)]), progress=False)
    with pytest.raises(TypeError, match=r"optimizer must be an autograd_lite\.optim optimizer"):
        train(model, [[1.0]], [1], optimizer="adam", progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"order must be 'random' or 'epochs'"):
        train(model, [[1.0]], [1], order="sorted", progress=False)


def test_a_refused_adam_step_stops_training_with_the_history() -> None:
    from autograd_lite.nn import MLP

    model = MLP(1, [1], seed=0)
    model.parameters()[0].data = -1.5e308  # ∂loss/∂w = x = 1: Adam moves w by −lr, to −inf
    with pytest.raises(
        TrainingStoppedError, match=r"Adam: step 0 would make layer0\.neuron0\.w0 -inf"
    ) as caught:
        train(
            model,
            [[1.0]],
            [1],
            loss=lambda predictions, targets: predictions[0] * 1.0,
            optimizer=Adam(model.named_parameters(), lr=1e308),
            progress=False,
        )
    assert caught.value.history.loss == []
    assert model.parameters()[0].data == -1.5e308
