"""microgpt's training script, written in its style and parameterised by the Value class.

The model and loop of Karpathy's microgpt (2026), written for these benchmarks from a
description of it: token and position embeddings, RMSNorm, one layer of causal multi-head
attention over a KV cache of lists (one token at a time), a ReLU MLP, residuals, a language-model
head; Adam by hand with bias correction and a linear decay of the learning rate to 0; one name
per step. Only the class differs between runs: :mod:`benchmarks.microgpt_peer`'s ``Value`` or
``autograd_lite.Value``. Every operation is written as microgpt writes it (``sum`` of a
generator, ``max(val.data ...)``, ``** -0.5``, ``p.data -= ...``, ``p.grad = 0``), so this is
also the test that such code runs unchanged on autograd_lite.

    run = microgpt(Value, docs, num_steps=1000)
    losses = [run.step() for _ in range(1000)]
    names = run.sample(20, temperature=0.5)
"""

# microgpt writes zip() without strict=: kept as written.
# ruff: noqa: B905

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Run:
    """One training run: ``step()`` trains on the next name and returns its loss (a float);
    ``sample(n, temperature)`` draws names from the model as it is."""

    step: Callable[[], float]
    sample: Callable[[int, float], list[str]]
    params: list[Any]
    vocab_size: int


def microgpt(
    Value: type,
    docs: Sequence[str],
    num_steps: int,
    *,
    seed: int = 42,
    n_embd: int = 16,
    n_head: int = 4,
    n_layer: int = 1,
    block_size: int = 16,
) -> Run:
    """Set up microgpt's model and optimiser over ``Value``; the random numbers (the order of
    the names, the initial weights, the samples) come from ``random.Random(seed)``, the same
    stream as microgpt's ``random.seed(42)``."""
    rng = random.Random(seed)
    docs = list(docs)
    rng.shuffle(docs)
    uchars = sorted(set("".join(docs)))  # the characters are tokens 0 … n-1
    BOS = len(uchars)  # and one more token begins and ends every name
    vocab_size = len(uchars) + 1
    head_dim = n_embd // n_head

    def matrix(nout: int, nin: int, std: float = 0.08) -> list[list[Any]]:
        """nout × nin parameters drawn from a Gaussian of standard deviation ``std``."""
        return [[Value(rng.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]

    state_dict = {
        "wte": matrix(vocab_size, n_embd),
        "wpe": matrix(block_size, n_embd),
        "lm_head": matrix(vocab_size, n_embd),
    }
    for i in range(n_layer):
        state_dict[f"layer{i}.attn_wq"] = matrix(n_embd, n_embd)
        state_dict[f"layer{i}.attn_wk"] = matrix(n_embd, n_embd)
        state_dict[f"layer{i}.attn_wv"] = matrix(n_embd, n_embd)
        state_dict[f"layer{i}.attn_wo"] = matrix(n_embd, n_embd)
        state_dict[f"layer{i}.mlp_fc1"] = matrix(4 * n_embd, n_embd)
        state_dict[f"layer{i}.mlp_fc2"] = matrix(n_embd, 4 * n_embd)
    params = [p for mat in state_dict.values() for row in mat for p in row]

    def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
        """w · x, one output per row of w (no bias)."""
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits: list[Any]) -> list[Any]:
        """Probabilities from logits, shifted by the largest for safety."""
        max_val = max(val.data for val in logits)
        exps = [(val - max_val).exp() for val in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x: list[Any]) -> list[Any]:
        """x divided by its root mean square (no learned scale)."""
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id: int, pos_id: int, keys: list[list[Any]], values: list[list[Any]]) -> Any:
        """The logits of the token after ``token_id`` at ``pos_id``; appends this position's
        keys and values to the caches."""
        x = [t + p for t, p in zip(state_dict["wte"][token_id], state_dict["wpe"][pos_id])]
        x = rmsnorm(x)
        for li in range(n_layer):
            # causal self-attention: this token's query against the keys cached so far
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, state_dict[f"layer{li}.attn_wq"])
            k = linear(x, state_dict[f"layer{li}.attn_wk"])
            v = linear(x, state_dict[f"layer{li}.attn_wv"])
            keys[li].append(k)
            values[li].append(v)
            x_attn = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs : hs + head_dim]
                k_h = [ki[hs : hs + head_dim] for ki in keys[li]]
                v_h = [vi[hs : hs + head_dim] for vi in values[li]]
                attn_logits = [
                    sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5
                    for t in range(len(k_h))
                ]
                attn_weights = softmax(attn_logits)
                head_out = [
                    sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h)))
                    for j in range(head_dim)
                ]
                x_attn.extend(head_out)
            x = linear(x_attn, state_dict[f"layer{li}.attn_wo"])
            x = [a + b for a, b in zip(x, x_residual)]
            # the MLP
            x_residual = x
            x = rmsnorm(x)
            x = linear(x, state_dict[f"layer{li}.mlp_fc1"])
            x = [xi.relu() for xi in x]
            x = linear(x, state_dict[f"layer{li}.mlp_fc2"])
            x = [a + b for a, b in zip(x, x_residual)]
        return linear(x, state_dict["lm_head"])

    learning_rate, beta1, beta2, eps_adam = 0.01, 0.85, 0.99, 1e-8
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    step_count = 0

    def train_step() -> float:
        """One Adam step on the next name; its loss."""
        nonlocal step_count
        step = step_count
        doc = docs[step % len(docs)]
        tokens = [BOS] + [uchars.index(ch) for ch in doc] + [BOS]
        n = min(block_size, len(tokens) - 1)
        keys: list[list[Any]] = [[] for _ in range(n_layer)]
        values: list[list[Any]] = [[] for _ in range(n_layer)]
        losses = []
        for pos_id in range(n):
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            logits = gpt(token_id, pos_id, keys, values)
            probs = softmax(logits)
            losses.append(-probs[target_id].log())
        loss = (1 / n) * sum(losses)
        loss.backward()
        lr_t = learning_rate * (1 - step / num_steps)
        for i, p in enumerate(params):
            m[i] = beta1 * m[i] + (1 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2
            m_hat = m[i] / (1 - beta1 ** (step + 1))
            v_hat = v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps_adam)
            p.grad = 0
        step_count += 1
        return float(loss.data)

    def sample(count: int, temperature: float = 0.5) -> list[str]:
        """``count`` names drawn from the model at ``temperature``."""
        names = []
        for _ in range(count):
            keys: list[list[Any]] = [[] for _ in range(n_layer)]
            values: list[list[Any]] = [[] for _ in range(n_layer)]
            token_id, chars = BOS, []
            for pos_id in range(block_size):
                logits = gpt(token_id, pos_id, keys, values)
                probs = softmax([logit / temperature for logit in logits])
                token_id = rng.choices(range(vocab_size), weights=[p.data for p in probs])[0]
                if token_id == BOS:
                    break
                chars.append(uchars[token_id])
            names.append("".join(chars))
        return names

    return Run(train_step, sample, params, vocab_size)


def train_steps(
    Value: type, docs: Sequence[str], num_steps: int, **options: Any
) -> tuple[list[float], Run]:
    """Train for ``num_steps`` steps (the learning rate decays to 0 over them); the per-step
    losses and the run, whose ``sample`` draws names from the trained model."""
    run = microgpt(Value, docs, num_steps, **options)
    return [run.step() for _ in range(num_steps)], run
