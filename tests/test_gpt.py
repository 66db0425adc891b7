"""The GPT pieces: exact small cases, finite differences of every module's gradients, the
causal mask, parameter count, save/load, sampling, and the errors of bad input."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.losses import cross_entropy, sequence_cross_entropy
from autograd_lite.nn import (
    GPT,
    Block,
    CausalSelfAttention,
    Embedding,
    KVCache,
    Linear,
    Module,
    RMSNorm,
    dot,
    next_token_data,
    rmsnorm,
    sample,
)
from autograd_lite.testing import check_grad, override_rule
from autograd_lite.tokens import CharTokenizer


def _finite_differences(module: Module, loss: Callable[[], Value], h: float = 1e-6) -> None:
    """Every parameter's grad from backward() against (L(p + h) − L(p − h)) / 2h."""
    module.zero_grad()
    loss().backward()
    for name, p in module.named_parameters():
        analytic = p.grad
        original = p.data
        p.data = original + h
        up = loss().data
        p.data = original - h
        down = loss().data
        p.data = original
        numeric = (up - down) / (2 * h)
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-7), name


# -- exact small cases -------------------------------------------------------------------------


def test_linear_is_w_times_x_without_bias() -> None:
    lin = Linear(2, 2, seed=0)
    (a, b), (c, d) = lin.weight
    a.data, b.data, c.data, d.data = 1.0, 2.0, -3.0, 0.5
    ys = lin([3.0, 4.0])
    assert [y.data for y in ys] == [11.0, -7.0]
    assert len(lin.parameters()) == 4
    assert lin.named_parameters()[1][0] == "w0_1"


def test_embedding_rows_are_the_parameters() -> None:
    emb = Embedding(4, 3, seed=1)
    assert emb(2) is emb.weight[2]
    assert len(emb.parameters()) == 12


def test_rmsnorm_by_hand() -> None:
    ys = rmsnorm([3.0, 4.0])
    scale = (12.5 + 1e-5) ** -0.5
    assert [y.data for y in ys] == [3.0 * scale, 4.0 * scale]
    assert [y.data for y in RMSNorm(2)([3.0, 4.0])] == [y.data for y in ys]
    assert RMSNorm(2).parameters() == []


def test_attention_of_one_position_is_its_own_value() -> None:
    """With one position the softmax has one entry, 1: the output is wo · v exactly."""
    attn = CausalSelfAttention(4, 2, seed=3)
    x = [0.5, -1.0, 2.0, 0.25]
    (out,) = attn([x])
    v = [dot(row, x).data for row in attn.wv.weight]
    expected = [sum(w.data * vi for w, vi in zip(row, v)) for row in attn.wo.weight]
    assert [o.data for o in out] == pytest.approx(expected, rel=1e-12)
    assert attn.last_weights == [[1.0], [1.0]]


def test_attention_weights_are_a_softmax_of_scaled_dot_products() -> None:
    attn = CausalSelfAttention(2, 1, seed=5)
    xs = [[1.0, 0.0], [0.0, 1.0]]
    attn(xs)
    q = [dot(row, xs[1]).data for row in attn.wq.weight]
    ks = [[dot(row, x).data for row in attn.wk.weight] for x in xs]
    scores = [sum(a * b for a, b in zip(q, k)) / math.sqrt(2) for k in ks]
    exps = [math.exp(s - max(scores)) for s in scores]
    assert attn.last_weights[0] == pytest.approx([e / sum(exps) for e in exps], rel=1e-12)


def test_microgpt_sizes_have_4192_parameters() -> None:
    model = GPT(27, 16, 1, 16, 4, seed=42)
    assert len(model.parameters()) == 4192
    names = [name for name, _ in model.named_parameters()]
    assert len(set(names)) == 4192
    assert names[0] == "wte.w0_0"
    assert "layer0.attn.wq.w15_15" in names and "layer0.fc2.w15_63" in names
    assert names[-1] == "lm_head.w26_15"
    assert repr(model).splitlines()[0] == (
        "GPT(vocab 27, block 16, 1 layer, 16 embd, 4 heads: 4192 parameters)"
    )


def test_seeded_init_is_reproducible_with_std_0_08() -> None:
    a, b = GPT(27, 16, 1, 16, 4, seed=7), GPT(27, 16, 1, 16, 4, seed=7)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != GPT(27, 16, 1, 16, 4, seed=8).state_dict()
    values = list(a.state_dict().values())
    std = math.sqrt(sum(v * v for v in values) / len(values))
    assert 0.07 < std < 0.09


def test_one_row_of_logits_per_position_and_attention_kept() -> None:
    model = GPT(5, 4, 2, 4, 2, seed=0)
    rows = model([4, 0, 1])
    assert [len(r) for r in rows] == [5, 5, 5]
    assert len(model.last_attention) == 2 and len(model.last_attention[0]) == 2
    for layer in model.last_attention:
        for head in layer:
            assert [len(row) for row in head] == [1, 2, 3]  # query t sees keys 0..t
            for row in head:
                assert math.fsum(row) == pytest.approx(1.0, abs=1e-15)


def test_the_kv_cache_gives_the_same_logits_as_the_whole_sequence() -> None:
    model = GPT(6, 5, 1, 4, 2, seed=2)
    tokens = [5, 1, 2, 3]
    whole = [[z.data for z in row] for row in model(tokens)]
    cache = KVCache.empty(1)
    stepped = [[z.data for z in model.step(t, pos, cache)] for pos, t in enumerate(tokens)]
    assert whole == stepped
    assert len(cache) == 4


def test_the_future_gets_exactly_zero_gradient() -> None:
    """Causal: the logits at position 0 do not depend on the embedding of token 2 at all."""
    model = GPT(6, 4, 1, 4, 2, seed=4)
    rows = model([0, 1, 2])
    cross_entropy(rows[:1], [3]).backward()
    assert all(p.grad == 0.0 for p in model.wte.weight[2])  # token 2 is only at position 2
    assert all(p.grad == 0.0 for p in model.wpe.weight[2])
    assert any(p.grad != 0.0 for p in model.wpe.weight[0])


# -- finite differences ------------------------------------------------------------------------


def test_rmsnorm_gradient_against_finite_differences() -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        ys = rmsnorm([a, b, c])
        return ys[0] * 2.0 + ys[1] * ys[2]

    assert check_grad(f, [0.3, -1.2, 2.0]).ok


def test_attention_gradient_wrt_inputs_against_finite_differences() -> None:
    attn = CausalSelfAttention(4, 2, seed=1)

    def f(*xs: Value) -> Value:
        out = attn([list(xs[:4]), list(xs[4:8]), list(xs[8:])])
        return Value.sum([o * (i + 1) for i, o in enumerate(out[-1])]) + out[0][1]

    rng = random.Random(0)
    assert check_grad(f, [rng.uniform(-1, 1) for _ in range(12)]).ok


@pytest.mark.parametrize(
    ("module", "loss"),
    [
        (Linear(3, 2, seed=0), lambda m: Value.sum(m([0.5, -1.0, 2.0])) ** 2),
        (Embedding(3, 2, seed=0), lambda m: (m(1)[0] * m(1)[1]) + m(2)[0]),
        (
            CausalSelfAttention(4, 2, seed=2),
            lambda m: Value.sum(
                [o * o for row in m([[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.9]]) for o in row]
            ),
        ),
        (
            Block(4, 2, seed=3),
            lambda m: Value.sum(
                [o * o for row in m([[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.9]]) for o in row]
            ),
        ),
    ],
    ids=["Linear", "Embedding", "CausalSelfAttention", "Block"],
)
def test_module_gradients_against_finite_differences(
    module: Module, loss: Callable[[Module], Value]
) -> None:
    _finite_differences(module, lambda: loss(module))


def test_gpt_gradients_against_finite_differences() -> None:
    model = GPT(5, 4, 1, 4, 2, seed=6)
    _finite_differences(model, lambda: cross_entropy(model([4, 0, 2]), [0, 2, 4]))


def test_a_wrong_derivative_would_be_caught() -> None:
    """The check above fails when a derivative is wrong: ×'s swapped (used by rmsnorm)."""
    block = Block(4, 2, seed=3)

    def loss() -> Value:
        return Value.sum([o * o for row in block([[1.0, 0.5, -0.3, 0.2]]) for o in row])

    with override_rule("mul", local=lambda m, out, a, b: (a, b)), pytest.raises(AssertionError):
        _finite_differences(block, loss)


# -- saving and loading ------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = GPT(7, 5, 1, 4, 2, seed=1)
    path = tmp_path / "gpt.json"
    model.save(path)
    loaded = GPT.load(path)
    assert isinstance(loaded, GPT)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()
    assert [z.data for z in loaded([6, 1])[1]] == [z.data for z in model([6, 1])[1]]
    other = GPT(7, 5, 1, 4, 2, seed=2)
    assert other.load(path) is other
    assert other.state_dict() == model.state_dict()


def test_a_corrupt_gpt_file_is_refused_and_the_model_unchanged(tmp_path: Path) -> None:
    model = GPT(7, 5, 1, 4, 2, seed=1)
    path = tmp_path / "gpt.json"
    model.save(path)
    record = json.loads(path.read_text())
    record["parameters"]["lm_head.w0_0"] = "oops"
    path.write_text(json.dumps(record))
    target = GPT(7, 5, 1, 4, 2, seed=9)
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"parameter 'lm_head\.w0_0' must be a number"):
        target.load(path)
    assert target.state_dict() == before
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"not a JSON file"):
        GPT.load(path)
    bigger = GPT(7, 5, 2, 4, 2, seed=1)
    bigger.save(path)
    with pytest.raises(ValueError, match=r"saved from GPT\(vocab 7, block 5, 2 layers"):
        target.load(path)
    assert target.state_dict() == before
    record = json.loads(path.read_text())
    record["config"]["n_head"] = 3
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"cannot build GPT from the saved config"):
        GPT.load(path)


@pytest.mark.parametrize(
    "sizes", [(7, 5, 1, 4, 2), (27, 16, 1, 16, 4), (5, 3, 3, 6, 3), (2, 1, 2, 2, 1)]
)
def test_the_parameter_count_foreseen_from_a_config_is_the_model_s(sizes: tuple[int, ...]) -> None:
    model = GPT(*sizes, seed=0)
    GPT._check_file(model.config(), model.state_dict(), "f")  # no complaint: the same count
    with pytest.raises(ValueError, match="refused before building"):
        GPT._check_file(model.config(), {**model.state_dict(), "extra": 0.0}, "f")


@pytest.mark.parametrize("field", ["vocab_size", "block_size", "n_layer", "n_embd"])
def test_a_file_declaring_a_huge_gpt_is_refused_before_anything_is_built(
    tmp_path: Path, field: str
) -> None:
    import time
    import tracemalloc

    model = GPT(7, 5, 1, 4, 2, seed=1)
    path = tmp_path / "gpt.json"
    model.save(path)
    record = json.loads(path.read_text())
    record["config"][field] = 1_000_000 if field != "n_embd" else 1_000_002  # n_head 2 divides it
    path.write_text(json.dumps(record))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=rf"{field} 1,?000,?00\d.*refused before building"):
            GPT.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0 and peak < 5_000_000


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: GPT(27, 16, 1, 16, 3),
            ValueError,
            r"n_embd \(16\) must be divisible by n_head \(3\)",
        ),
        (
            lambda: GPT(0, 16, 1, 16, 4),
            ValueError,
            r"GPT: vocab_size must be a positive int, got 0",
        ),
        (
            lambda: GPT(27, 16.0, 1, 16, 4),
            TypeError,
            r"GPT: block_size must be a positive int, got float",
        ),  # type: ignore[arg-type]
        (lambda: Linear(0, 2), ValueError, r"Linear: nin must be a positive int"),
        (lambda: Embedding(3, -1), ValueError, r"Embedding: dim must be a positive int"),
        (
            lambda: CausalSelfAttention(6, 4),
            ValueError,
            r"n_embd \(6\) must be divisible by n_head \(4\)",
        ),
    ],
)
def test_bad_sizes(make: Callable[[], object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("tokens", "error", "message"),
    [
        (
            [0, 27],
            ValueError,
            r"tokens\[1\] must be a token id, an int in 0\.\.26 \(vocab_size 27\), got 27",
        ),
        ([-1], ValueError, r"tokens\[0\] must be a token id, an int in 0\.\.26"),
        ([1.0], ValueError, r"tokens\[0\] must be a token id"),
        ([], ValueError, r"expects at least one token, got an empty sequence"),
        (list(range(17)), ValueError, r"a sequence of 17 tokens is longer than block_size 16"),
        ("emma", TypeError, r"encode text with a CharTokenizer first"),
    ],
)
def test_bad_token_sequences(tokens: object, error: type[Exception], message: str) -> None:
    model = GPT(27, 16, 1, 8, 2, seed=0)
    with pytest.raises(error, match=message):
        model(tokens)  # type: ignore[arg-type]


def test_bad_inputs_to_the_small_modules() -> None:
    with pytest.raises(ValueError, match=r"Linear\(3 → 2, no bias\): expects 3 inputs, got 2"):
        Linear(3, 2, seed=0)([1.0, 2.0])
    with pytest.raises(ValueError, match=r"token id must be an int in 0\.\.2, got 5"):
        Embedding(3, 2, seed=0)(5)
    with pytest.raises(ValueError, match=r"rmsnorm: expects a non-empty list"):
        rmsnorm([])
    model = GPT(5, 4, 1, 4, 2, seed=0)
    with pytest.raises(ValueError, match=r"position must be in 0\.\.3 \(block_size 4\), got 4"):
        model.step(0, 4, KVCache.empty(1))
    with pytest.raises(ValueError, match=r"position 1 needs 1 positions of 1 layers"):
        model.step(0, 1, KVCache.empty(1))


# -- data and sampling -------------------------------------------------------------------------


def test_next_token_data_wraps_in_bos_and_truncates() -> None:
    tok = CharTokenizer("abc")
    X, y = next_token_data(["ab", "abcabc"], tok, block_size=4)
    assert X == [[3, 0, 1], [3, 0, 1, 2]]
    assert y == [[0, 1, 3], [0, 1, 2, 0]]
    with pytest.raises(ValueError, match=r"no texts \(an empty list\)"):
        next_token_data([], tok, block_size=4)
    with pytest.raises(ValueError, match=r"'d' \(at index 0 of 'd'\) is not in the vocabulary"):
        next_token_data(["d"], tok, block_size=4)


def test_sequence_cross_entropy_is_cross_entropy_per_sequence() -> None:
    model = GPT(4, 4, 1, 4, 2, seed=0)
    rows_a, rows_b = model([3, 0]), model([3, 1, 2])
    a, b = cross_entropy(rows_a, [0, 3]), cross_entropy(rows_b, [1, 2, 3])
    total = sequence_cross_entropy([rows_a, rows_b], [[0, 3], [1, 2, 3]])
    assert total.data == pytest.approx((a.data + b.data) / 2, rel=1e-15)
    assert sequence_cross_entropy([rows_a], [[0, 3]]).data == a.data


def test_sample_is_seeded_and_stops_at_bos() -> None:
    tok = CharTokenizer("abc")
    model = GPT(tok.vocab_size, 6, 1, 4, 2, seed=0)
    first = sample(model, 5, temperature=0.8, seed=3, tokenizer=tok)
    assert first == sample(model, 5, temperature=0.8, seed=3, tokenizer=tok)
    assert all(isinstance(s, str) and len(s) <= 6 and set(s) <= set("abc") for s in first)
    ids = sample(model, 5, temperature=0.8, seed=3)
    assert [tok.decode(s) for s in ids] == first


def test_sample_at_a_low_temperature_takes_the_likeliest_token() -> None:
    model = GPT(5, 6, 1, 4, 2, seed=1)
    greedy = sample(model, 3, temperature=1e-3, seed=0)
    assert greedy == sample(model, 3, temperature=1e-3, seed=1)  # no chance left to draw
    tokens = [4, *greedy[0]]
    rows = model(tokens[: model.block_size])
    for t, row in enumerate(rows[: len(greedy[0]) + 1]):
        best = max(range(5), key=lambda i: row[i].data)
        expected = tokens[t + 1] if t + 1 < len(tokens) else 4  # then BOS ended the sample
        assert best == expected


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0, math.inf, math.nan])
def test_sample_refuses_a_temperature_that_is_not_positive(temperature: float) -> None:
    model = GPT(3, 3, 1, 2, 1, seed=0)
    with pytest.raises(ValueError, match=r"sample: temperature must be a positive number"):
        sample(model, 1, temperature=temperature)


def test_sample_refuses_a_tokenizer_of_another_vocabulary() -> None:
    with pytest.raises(ValueError, match=r"the tokenizer has 4 tokens but the model 3"):
        sample(GPT(3, 3, 1, 2, 1, seed=0), 1, tokenizer=CharTokenizer("abc"))
