"""train(compile=True) on a GPT (issue 22): one program per position, shared by every sequence;
token ids are inputs, not constants; losses, gradients and parameters are the engine's (bit for
bit where the same sums run in the same order, else within a few units in the last place);
a graph that changes raises GraphChangedError."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.compiler.gpt import CompiledGPT, compiled_gpt, sequence_cross_entropy_floats
from autograd_lite.errors import GraphChangedError
from autograd_lite.losses import sequence_cross_entropy
from autograd_lite.nn import GPT
from autograd_lite.nn.gpt import next_token_data
from autograd_lite.optim import Adam, linear_decay
from autograd_lite.tokens import CharTokenizer
from autograd_lite.train import train

NAMES = ["emma", "ava", "bo", "isabella", "zoe", "liam", "mia", "al", "x", "charlotte"]


def _tiny(seed: int = 0, n_layer: int = 1) -> GPT:
    return GPT(vocab_size=7, block_size=6, n_layer=n_layer, n_embd=4, n_head=2, seed=seed)


def _engine_step(model: GPT, tokens: list[int], targets: list[int]) -> tuple[float, list[float]]:
    for p in model.parameters():
        p.grad = 0.0
    loss = sequence_cross_entropy([model(tokens)], [targets])
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def _compiled_step(model: GPT, tokens: list[int], targets: list[int]) -> tuple[float, list[float]]:
    for p in model.parameters():
        p.grad = 0.0
    predictions, backward = compiled_gpt(model).forward([tokens])
    loss = sequence_cross_entropy(predictions, [targets])
    loss.backward()
    backward()
    return loss.data, [p.grad for p in model.parameters()]


def _close(a: list[float], b: list[float], ulps: float = 64) -> float:
    """The largest |a − b|, checked to be within ``ulps`` units of the largest |a|."""
    worst = max(abs(x - y) for x, y in zip(a, b, strict=True))
    assert worst <= ulps * math.ulp(max(map(abs, a)))
    return worst


def test_gradients_are_the_engines_bit_for_bit_when_the_sums_run_in_its_order() -> None:
    # The engine meets a position's last hidden state first through the target's logit, the
    # program through logit 0: with every target 0 the orders agree, and so does every bit.
    model = _tiny()
    for tokens in ([6, 1, 2], [6, 3, 3, 3, 0], [6], [6, 5, 4, 3, 2, 1]):
        targets = [0] * len(tokens)
        assert _compiled_step(model, tokens, targets) == _engine_step(model, tokens, targets)


def test_gradients_match_the_engine_for_any_targets() -> None:
    model = _tiny(n_layer=2)
    for tokens, targets in (([6, 1, 2], [1, 2, 6]), ([6, 3, 3, 3, 0], [3, 3, 3, 0, 6])):
        loss, grads = _compiled_step(model, tokens, targets)
        engine_loss, engine_grads = _engine_step(model, tokens, targets)
        assert loss == engine_loss  # the forward pass is the engine's, bit for bit
        _close(engine_grads, grads)


def test_twenty_steps_of_mixed_lengths_train_as_on_the_engine() -> None:
    tokenizer = CharTokenizer.from_texts(NAMES)
    X, y = next_token_data(NAMES, tokenizer, block_size=8)
    runs = []
    for compile in (False, True):
        model = GPT(tokenizer.vocab_size, 8, 1, 8, 2, seed=3)
        optimizer = Adam(model.named_parameters(), lr=linear_decay(0.01, 20), betas=(0.85, 0.99))
        history = train(
            model, X, y, loss=sequence_cross_entropy, steps=20, optimizer=optimizer,
            batch_size=1, order="epochs", seed=1, progress=False, compile=compile,
        )  # fmt: skip
        runs.append((history.loss, [p.data for p in model.parameters()], model))
    (engine_loss, engine_params, _), (loss, params, model) = runs
    assert len({len(x) for x in X}) > 4  # lengths 2 … 9: many programs, shared
    assert sorted(compiled_gpt(model).programs) == list(range(8))
    _close(engine_loss, loss, ulps=8)
    _close(engine_params, params, ulps=8)


def test_a_batch_of_sequences_trains_as_on_the_engine() -> None:
    tokens = [[6, 1, 2], [6, 2], [6, 1, 2, 3]]
    targets = [[1, 2, 0], [2, 0], [1, 2, 3, 0]]
    results = []
    for compile in (False, True):
        model = _tiny(seed=5)
        history = train(
            model, tokens, targets, loss=sequence_cross_entropy, steps=5, lr=0.5,
            progress=False, compile=compile,
        )  # fmt: skip
        results.append((history.loss, [p.data for p in model.parameters()]))
    _close(results[0][0], results[1][0], ulps=8)
    _close(results[0][1], results[1][1], ulps=8)


def test_a_token_picks_its_own_row_of_the_embedding_and_gets_its_gradient() -> None:
    model = _tiny()
    _, grads = _compiled_step(model, [6, 2, 2], [0, 0, 0])
    by_param = dict(zip(map(id, model.parameters()), grads, strict=True))
    rows = [[by_param[id(p)] for p in row] for row in model.wte.weight]
    assert all(g != 0.0 for g in rows[6] + rows[2])  # the rows the tokens picked
    assert all(g == 0.0 for k in (0, 1, 3, 4, 5) for g in rows[k])  # no other row
    # Token 2 at positions 1 and 2: its row gets both contributions, as on the engine.
    assert grads == _engine_step(model, [6, 2, 2], [0, 0, 0])[1]


def test_one_program_per_position_serves_every_token_and_every_length() -> None:
    model = _tiny()
    compiled = compiled_gpt(model)
    compiled.forward([[6, 1, 2]])
    first = dict(compiled.programs)
    compiled.forward([[6, 5], [6, 4, 3, 0]])
    assert compiled.programs[0] is first[0] and compiled.programs[2] is first[2]
    assert sorted(compiled.programs) == [0, 1, 2, 3]
    assert compiled_gpt(model) is compiled  # cached


def test_the_source_of_three_tokens_is_three_readable_programs() -> None:
    model = _tiny()
    source = compiled_gpt(model).source(3)
    assert [line for line in source.splitlines() if line.startswith("def ")] == [
        "def position_0(_w, _xs):",
        "def position_1(_w, _xs):",
        "def position_2(_w, _xs):",
    ]
    assert "# ∂(a · b)/∂a = b" in source and "# a softmax's shift: max zᵢ" in source
    assert "wte" not in source  # token rows are inputs, read by the caller
    assert "= _w[" in source and "# wpe.w0_0" in source
    with pytest.raises(ValueError, match=r"position must be an int in 0\.\.5"):
        compiled_gpt(model).program(6)


def test_a_changed_graph_raises_graph_changed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _tiny()
    compiled = compiled_gpt(model)
    compiled.forward([[6, 1]])
    program = compiled.program(1)
    program.calls = 255  # the next call is re-traced
    original = GPT.step_embedded

    def changed(self: GPT, embedding: Any, pos: int, cache: Any) -> list[Value]:
        return [z * 2.0 for z in original(self, embedding, pos, cache)]  # one more op a logit

    monkeypatch.setattr(GPT, "step_embedded", changed)
    with pytest.raises(GraphChangedError, match="position 1 of the GPT records another graph"):
        compiled.forward([[6, 1]])


def test_a_model_that_depends_on_the_numbers_is_refused_when_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = GPT.step_embedded

    def branching(self: GPT, embedding: Any, pos: int, cache: Any) -> list[Value]:
        logits = original(self, embedding, pos, cache)
        return [z.relu() if embedding[0].data > 0 else z for z in logits]

    monkeypatch.setattr(GPT, "step_embedded", branching)
    model = _tiny()
    for row in model.wte.weight:  # rows of both signs of their first entry
        row[0].data = 1e-4 if row[0].data < 0 else row[0].data
    model.wte.weight[0][0].data = -1e-4
    with pytest.raises(GraphChangedError):
        compiled_gpt(model).forward([[0, 1]])  # traced at its example, then run here


def test_bad_sequences_get_the_engines_errors() -> None:
    model = _tiny()
    compiled = compiled_gpt(model)
    with pytest.raises(ValueError, match="token id"):
        compiled.forward([[6, 9]])
    with pytest.raises(ValueError, match="longer than block_size"):
        compiled.forward([[6] * 7])
    assert compiled.fallbacks == 2
    with pytest.raises(TypeError, match=r"must be an autograd_lite\.nn\.GPT"):
        compiled_gpt("model")  # type: ignore[arg-type]


def test_a_new_model_or_new_parameters_get_new_programs() -> None:
    model = _tiny()
    compiled = compiled_gpt(model)
    assert isinstance(compiled, CompiledGPT)
    model.lm_head = type(model.lm_head)(4, 7, seed=9)
    assert compiled_gpt(model) is not compiled


def test_the_float_loss_is_the_engines_bit_for_bit() -> None:
    rng = random.Random(7)
    for _ in range(30):
        lengths = [rng.randint(1, 5) for _ in range(rng.randint(1, 3))]
        logits = [[[rng.gauss(0, 3) for _ in range(6)] for _ in range(n)] for n in lengths]
        targets = [[rng.randrange(6) for _ in range(n)] for n in lengths]
        leaves = [[[Value(z) for z in row] for row in rows] for rows in logits]
        engine = sequence_cross_entropy(leaves, targets)
        engine.backward()
        value, grads = sequence_cross_entropy_floats(logits, targets)
        assert value == engine.data
        assert grads == [[[z.grad for z in row] for row in rows] for rows in leaves]


def test_train_uses_the_float_loss_and_the_engines_loss_for_bad_targets() -> None:
    model = _tiny()
    compiled = compiled_gpt(model)
    predictions, _ = compiled.forward([[6, 1]])
    assert compiled.loss(sequence_cross_entropy, predictions, [[1, 2]]) is not None
    assert compiled.loss(sequence_cross_entropy, predictions, [[1, 9]]) is None
    assert compiled.loss(sequence_cross_entropy, predictions, [[1]]) is None
    assert compiled.loss(lambda p, t: p[0][0][0], predictions, [[1, 2]]) is None
    with pytest.raises(ValueError, match="class index"):
        train(model, [[6, 1]], [[1, 9]], loss=sequence_cross_entropy, steps=1, compile=True)
