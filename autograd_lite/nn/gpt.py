"""A GPT made of scalar Values, as in Karpathy's microgpt: embeddings, RMSNorm, causal multi-head
self-attention with a KV cache, a ReLU MLP, residual connections, and sampling.

>>> model = GPT(vocab_size=27, block_size=16, n_layer=1, n_embd=16, n_head=4, seed=0)
>>> model
GPT(vocab 27, block 16, 1 layer, 16 embd, 4 heads: 4192 parameters)
  wte: Embedding(27 × 16: 432 parameters)
  wpe: Embedding(16 × 16: 256 parameters)
  layer0: Block(16 embd, 4 heads: 3072 parameters)
  lm_head: Linear(16 → 27, no bias: 432 parameters)
>>> logits = model([26, 4, 12])      # BOS, "e", "m": one row of 27 logits per position
>>> len(logits), len(logits[0])
(3, 27)

Every module subclasses :class:`~autograd_lite.nn.Module`, so ``parameters()``,
``named_parameters()``, ``state_dict()``, ``save``/``load`` and the printed summary work as for
an MLP (``GPT.load(path)`` rebuilds the model from the sizes saved in the file). Parameters start
as Gaussians with standard deviation 0.08 (microgpt's), drawn from ``seed``.

Why this file is over 500 lines: it is one model read top to bottom, each piece (embedding,
linear, RMSNorm, attention with its cache, block, GPT, sampling) short and used by the next;
the attention and its cache are the next to move into a file of their own if it grows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._common import Seed, is_int, make_rng
from ..engine import Parameter, Value, no_grad, rule_of
from ..losses import softmax
from .module import Module

__all__ = [
    "GPT",
    "Block",
    "CausalSelfAttention",
    "Embedding",
    "KVCache",
    "Linear",
    "RMSNorm",
    "dot",
    "next_token_data",
    "rmsnorm",
    "sample",
]

INIT_STD = 0.08
"""The standard deviation of the initial parameters (microgpt's)."""


def _size(who: str, name: str, n: object) -> int:
    if not is_int(n):
        raise TypeError(f"{who}: {name} must be a positive int, got {type(n).__name__} {n!r:.40}")
    if n < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {n!r}")
    return int(n)


def _matrix(rows: int, cols: int, rng: Any, std: float, scope: str) -> list[list[Value]]:
    """``rows`` lists of ``cols`` parameters ``w{i}_{j}``, Gaussian with deviation ``std``."""
    matrix: list[list[Value]] = [
        [Parameter(rng.gauss(0.0, std), label=f"w{i}_{j}") for j in range(cols)]
        for i in range(rows)
    ]
    for row in matrix:
        for p in row:
            p.scope = scope
    return matrix


def dot(ws: Sequence[Value], xs: Sequence[Value]) -> Value:
    """Σ wᵢ·xᵢ for two equally long, non-empty lists: one ``linear`` node whose "bias" is the
    first product (so no constant 0 leaf is needed; the sum, exactly rounded, is the same).

    >>> dot([Value(2.0), Value(3.0)], [Value(4.0), Value(-1.0)]).data
    5.0
    """
    if len(ws) != len(xs) or not ws:
        raise ValueError(
            f"dot: expects two lists of the same length > 0, got {len(ws)} and {len(xs)}"
        )
    first = ws[0] * xs[0]
    return first if len(ws) == 1 else Value.linear(ws[1:], xs[1:], first)


def _rescope(node: Value, scope: str) -> None:
    """Set the scope of a :func:`dot` result and of the product it starts from."""
    node.scope = scope
    if node.parents and rule_of(node).pairs:  # w·x + first: the first product is its last operand
        node.parents[-1].scope = scope


def _vector(who: str, n: int, xs: object) -> list[Value]:
    """``xs`` as a list of ``n`` Values (numbers become leaves)."""
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{who}: expects a list of {n} Values or numbers, got {type(xs).__name__}")
    if len(xs) != n:
        raise ValueError(f"{who}: expects {n} inputs, got {len(xs)}")
    return [x if isinstance(x, Value) else Value(x, label=f"x{i}") for i, x in enumerate(xs)]


class Embedding(Module):
    """A table of ``num`` learned vectors of ``dim`` numbers; ``emb(i)`` is row ``i``.

    >>> emb = Embedding(3, 2, seed=0)
    >>> emb
    Embedding(3 × 2: 6 parameters)
    >>> emb(2) == emb.weight[2], emb.weight[2][0].label
    (True, 'w2_0')
    >>> emb(3)
    Traceback (most recent call last):
        ...
    ValueError: Embedding(3 × 2): token id must be an int in 0..2, got 3
    """

    _list_children = False

    def __init__(
        self, num: int, dim: int, *, seed: Seed = None, std: float = INIT_STD, scope: str = ""
    ) -> None:
        self.num = _size("Embedding", "num", num)
        self.dim = _size("Embedding", "dim", dim)
        self.weight = _matrix(self.num, self.dim, make_rng(seed), std, scope)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for row in self.weight for p in row]

    def config(self) -> dict[str, Any]:
        return {"num": self.num, "dim": self.dim}

    def summary(self) -> str:
        return f"{self.num} × {self.dim}"

    def __call__(self, index: int) -> list[Value]:  # type: ignore[override]
        if not is_int(index) or not 0 <= index < self.num:
            raise ValueError(
                f"{self.architecture}: token id must be an int in 0..{self.num - 1}, "
                f"got {index!r:.40}"
            )
        return self.weight[int(index)]


class Linear(Module):
    """y = W·x without a bias: ``nout`` weighted sums of ``nin`` inputs (one ``linear`` node
    each, with a constant 0 as its bias).

    >>> lin = Linear(2, 1, seed=0)
    >>> lin.weight[0][0].data, lin.weight[0][1].data = 2.0, -1.0
    >>> [y.data for y in lin([3.0, 4.0])]
    [2.0]
    """

    _list_children = False

    def __init__(
        self, nin: int, nout: int, *, seed: Seed = None, std: float = INIT_STD, scope: str = ""
    ) -> None:
        self.nin = _size("Linear", "nin", nin)
        self.nout = _size("Linear", "nout", nout)
        self.scope = scope
        self.weight = _matrix(self.nout, self.nin, make_rng(seed), std, scope)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for row in self.weight for p in row]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout}

    def summary(self) -> str:
        return f"{self.nin} → {self.nout}, no bias"

    def __call__(self, xs: Sequence[Value | float]) -> list[Value]:
        return self._forward(_vector(self.architecture, self.nin, xs))

    def _forward(self, xs: list[Value]) -> list[Value]:
        out = [dot(row, xs) for row in self.weight]
        for y in out:
            _rescope(y, self.scope)
        return out


def rmsnorm(xs: Sequence[Value | float], eps: float = 1e-5) -> list[Value]:
    """xᵢ · (mean(x²) + eps)^(−1/2): the vector scaled to a root-mean-square of about 1
    (microgpt's RMSNorm, without a learned scale).

    >>> [round(y.data, 4) for y in rmsnorm([3.0, 4.0])]     # rms = √12.5
    [0.8485, 1.1314]
    """
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or not xs:
        raise ValueError(f"rmsnorm: expects a non-empty list of Values, got {xs!r:.40}")
    values = [x if isinstance(x, Value) else Value(x) for x in xs]
    mean_square = Value.sum([x * x for x in values]) * (1.0 / len(values))
    scale = (mean_square + eps) ** -0.5
    return [x * scale for x in values]


class RMSNorm(Module):
    """:func:`rmsnorm` as a module (it has no parameters), for ``dim`` inputs.

    >>> RMSNorm(2)
    RMSNorm(2 inputs: 0 parameters)
    """

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        self.dim = _size("RMSNorm", "dim", dim)
        self.eps = eps

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim, "eps": self.eps}

    def summary(self) -> str:
        return f"{self.dim} inputs"

    def __call__(self, xs: Sequence[Value | float]) -> list[Value]:
        return rmsnorm(_vector(self.architecture, self.dim, xs), self.eps)


@dataclass
class KVCache:
    """The keys and values of the positions seen so far, one list per layer: position t
    attends to the keys of positions 0..t, which is what makes the attention causal."""

    keys: list[list[list[Value]]] = field(default_factory=list)
    values: list[list[list[Value]]] = field(default_factory=list)

    @classmethod
    def empty(cls, n_layer: int) -> KVCache:
        """A cache for a model of ``n_layer`` layers, before the first position."""
        return cls([[] for _ in range(n_layer)], [[] for _ in range(n_layer)])

    def __len__(self) -> int:
        """The number of positions cached."""
        return len(self.keys[0]) if self.keys else 0


class _Causal(Module):
    """What attention and a block share: ``n_embd`` and ``n_head``, and a forward pass over a
    sequence that runs :meth:`step` position by position with a fresh cache."""

    n_embd: int
    n_head: int

    def config(self) -> dict[str, Any]:
        return {"n_embd": self.n_embd, "n_head": self.n_head}

    def summary(self) -> str:
        return f"{self.n_embd} embd, {self.n_head} heads"

    def __call__(self, xs: Sequence[Sequence[Value | float]]) -> list[list[Value]]:  # type: ignore[override]
        """Every position of a sequence (one list of ``n_embd`` inputs each), causally."""
        keys: list[list[Value]] = []
        values: list[list[Value]] = []
        return [self.step(_vector(self.architecture, self.n_embd, x), keys, values) for x in xs]

    def step(
        self, x: list[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[Value]:
        """The output at one position, with this layer's cache of keys and values."""
        raise NotImplementedError


class CausalSelfAttention(_Causal):
    """Multi-head self-attention: per head, softmax(q·kₜ/√d) over the cached positions t weighs
    their values; the heads' outputs, side by side, go through ``wo``.

    ``step(x, keys, values)`` takes one position's input and that layer's cache (to which it
    appends this position's key and value) and returns the output; after it,
    :attr:`last_weights` holds each head's attention weights (floats, one per cached position).
    """

    def __init__(self, n_embd: int, n_head: int, *, seed: Seed = None, scope: str = "") -> None:
        self.n_embd = _size("CausalSelfAttention", "n_embd", n_embd)
        self.n_head = _size("CausalSelfAttention", "n_head", n_head)
        if self.n_embd % self.n_head:
            raise ValueError(
                f"CausalSelfAttention: n_embd ({n_embd}) must be divisible by n_head "
                f"({n_head}), so that each head gets n_embd / n_head numbers"
            )
        self.head_dim = self.n_embd // self.n_head
        rng = make_rng(seed)
        prefix = f"{scope}." if scope else ""
        self.scope = scope
        self.wq, self.wk, self.wv, self.wo = (
            Linear(n_embd, n_embd, seed=rng, scope=f"{prefix}{name}")
            for name in ("wq", "wk", "wv", "wo")
        )
        for h in range(self.n_head):  # rows lo..hi of wq, wk, wv make head h's q, k, v
            for name, linear in (("q", self.wq), ("k", self.wk), ("v", self.wv)):
                for row in linear.weight[h * self.head_dim : (h + 1) * self.head_dim]:
                    for p in row:
                        p.scope = f"{prefix}head{h}.{name}"
        self.last_weights: list[list[float]] = []
        """Per head, the attention weights of the last position attended from."""

    def children(self) -> list[tuple[str, Module]]:
        return [("wq", self.wq), ("wk", self.wk), ("wv", self.wv), ("wo", self.wo)]

    def step(
        self, x: list[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[Value]:
        """The output at one position; appends its key and value to ``keys`` and ``values``."""
        mixed: list[Value] = []
        for out in self.head_outputs(x, keys, values):
            mixed += out
        return self.wo._forward(mixed)

    def head_outputs(
        self, x: list[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[list[Value]]:
        """Each head's output at one position (before ``wo``), ``head_dim`` Values per head;
        appends this position's key and value to the cache lists.

        Every node of head h carries the scope ``…head{h}``; its slices of q, k and v, with
        the rows of wq, wk, wv that make them, ``…head{h}.q`` (``.k``, ``.v``). A drawing of a
        lone attention module with ``collapse="neuron"`` so folds each projection (weights and
        outputs, every position) into one box and shows the head's arithmetic in full.
        """
        q, k, v = self.wq._forward(x), self.wk._forward(x), self.wv._forward(x)
        keys.append(k)
        values.append(v)
        d, scale = self.head_dim, 1.0 / math.sqrt(self.head_dim)
        outputs: list[list[Value]] = []
        self.last_weights = []
        prefix = f"{self.scope}." if self.scope else ""
        for h in range(self.n_head):
            scope = f"{prefix}head{h}"
            lo, hi = h * d, (h + 1) * d
            for name, vector in (("q", q), ("k", k), ("v", v)):
                for node in vector[lo:hi]:
                    _rescope(node, f"{scope}.{name}")
            q_h = q[lo:hi]
            logits = [dot(q_h, key[lo:hi]) * scale for key in keys]
            weights = _softmax(logits, scope)
            out = [dot(weights, [value[j] for value in values]) for j in range(lo, hi)]
            _stamp(scope, (*logits, *out))
            self.last_weights.append([w.data for w in weights])
            outputs.append(out)
        return outputs


def _stamp(scope: str, nodes: Sequence[Value]) -> None:
    """Give ``nodes`` and what made them, back to the nodes already scoped, ``scope`` (the
    constants they meet too: the 1/√d and the softmax's shift belong to the head)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.scope:
            continue
        node.scope = scope
        stack.extend(node.parents)


def _softmax(logits: list[Value], scope: str) -> list[Value]:
    """:func:`~autograd_lite.losses.softmax` (shifted by the largest logit), its nodes scoped."""
    weights = softmax(logits)
    _stamp(scope, weights)
    return weights


class Block(_Causal):
    """A transformer block: x + attention(rmsnorm(x)), then x + MLP(rmsnorm(x)), the MLP being
    ``fc1`` (n_embd → 4·n_embd), ReLU, ``fc2`` (back to n_embd)."""

    def __init__(self, n_embd: int, n_head: int, *, seed: Seed = None, scope: str = "") -> None:
        rng = make_rng(seed)
        prefix = f"{scope}." if scope else ""
        self.attn = CausalSelfAttention(n_embd, n_head, seed=rng, scope=f"{prefix}attn")
        self.n_embd, self.n_head = self.attn.n_embd, self.attn.n_head
        self.fc1 = Linear(self.n_embd, 4 * self.n_embd, seed=rng, scope=f"{prefix}fc1")
        self.fc2 = Linear(4 * self.n_embd, self.n_embd, seed=rng, scope=f"{prefix}fc2")

    def children(self) -> list[tuple[str, Module]]:
        return [("attn", self.attn), ("fc1", self.fc1), ("fc2", self.fc2)]

    def step(
        self, x: list[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[Value]:
        """The block's output at one position, with this layer's cache (as
        :meth:`CausalSelfAttention.step`)."""
        attended = self.attn.step(rmsnorm(x), keys, values)
        x = [a + b for a, b in zip(attended, x, strict=True)]
        hidden = [h.relu() for h in self.fc1._forward(rmsnorm(x))]
        return [a + b for a, b in zip(self.fc2._forward(hidden), x, strict=True)]


class GPT(Module):
    """A GPT language model over ``vocab_size`` tokens and contexts of up to ``block_size``.

    ``model(tokens)`` returns one row of ``vocab_size`` logits per position: row t scores the
    token that follows ``tokens[: t + 1]``. Afterwards :attr:`last_attention` holds the attention
    weights of that pass: ``[layer][head][query]`` is a list of floats over key positions
    0..query (what :func:`autograd_lite.plots.plot_attention` draws).

    ``step(token, pos, cache)`` computes one position with a :class:`KVCache`, as generation
    does (:func:`sample`).
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        n_layer: int,
        n_embd: int,
        n_head: int,
        *,
        seed: Seed = None,
    ) -> None:
        self.vocab_size = _size("GPT", "vocab_size", vocab_size)
        self.block_size = _size("GPT", "block_size", block_size)
        self.n_layer = _size("GPT", "n_layer", n_layer)
        self.n_embd = _size("GPT", "n_embd", n_embd)
        self.n_head = _size("GPT", "n_head", n_head)
        if self.n_embd % self.n_head:
            raise ValueError(
                f"GPT: n_embd ({n_embd}) must be divisible by n_head ({n_head}), so that each "
                "head gets n_embd / n_head numbers"
            )
        rng = make_rng(seed, "GPT: seed")
        self.wte = Embedding(self.vocab_size, self.n_embd, seed=rng, scope="wte")
        self.wpe = Embedding(self.block_size, self.n_embd, seed=rng, scope="wpe")
        self.layers = [
            Block(self.n_embd, self.n_head, seed=rng, scope=f"layer{i}")
            for i in range(self.n_layer)
        ]
        self.lm_head = Linear(self.n_embd, self.vocab_size, seed=rng, scope="lm_head")
        self.last_attention: list[list[list[list[float]]]] = []

    @classmethod
    def _check_file(cls, config: dict[str, Any], stored: object, path: str | Path) -> None:
        """Refuse a file whose sizes make another number of parameters than it stores, before
        the model is built: a file declaring ``vocab_size: 10**9`` beside the 4,192 numbers of
        microgpt's model would otherwise allocate billions of Values first. Sizes that are not
        positive ints are left to the constructor, which refuses them before it allocates."""
        if not isinstance(stored, dict):
            raise ValueError(f"{path}: the 'parameters' field is not a mapping of names to numbers")
        names = ("vocab_size", "block_size", "n_layer", "n_embd", "n_head")
        found = [config.get(name) for name in names]
        if cls is not GPT or not all(is_int(n) and n > 0 for n in found):
            return  # a subclass's own constructor, or sizes the constructor refuses
        sizes = [int(n) for n in found if n is not None]  # ints, as checked above
        vocab, block, layers, embd, _ = sizes
        # wte and lm_head: vocab × embd each; wpe: block × embd; per block, attention's four
        # embd × embd projections and the MLP's embd → 4·embd → embd.
        count = 2 * vocab * embd + block * embd + layers * 12 * embd * embd
        if count != len(stored):
            shown = f"{count:,}" if count < 10**15 else f"about {float(count):.1e}"
            declared = ", ".join(f"{name} {n}" for name, n in zip(names, sizes, strict=True))
            raise ValueError(
                f"{path}: the saved config ({declared:.200}) declares {shown} parameters, but "
                f"the file's 'parameters' holds {len(stored):,}; refused before building the model"
            )

    def children(self) -> list[tuple[str, Module]]:
        layers: list[tuple[str, Module]] = [(f"layer{i}", b) for i, b in enumerate(self.layers)]
        return [("wte", self.wte), ("wpe", self.wpe), *layers, ("lm_head", self.lm_head)]

    def config(self) -> dict[str, Any]:
        return {
            "vocab_size": self.vocab_size,
            "block_size": self.block_size,
            "n_layer": self.n_layer,
            "n_embd": self.n_embd,
            "n_head": self.n_head,
        }

    def summary(self) -> str:
        layers = f"{self.n_layer} layer{'s' if self.n_layer > 1 else ''}"
        return (
            f"vocab {self.vocab_size}, block {self.block_size}, {layers}, {self.n_embd} embd, "
            f"{self.n_head} heads"
        )

    def _token(self, token: object, where: str) -> int:
        if not is_int(token) or not 0 <= token < self.vocab_size:
            raise ValueError(
                f"GPT: {where} must be a token id, an int in 0..{self.vocab_size - 1} "
                f"(vocab_size {self.vocab_size}), got {token!r:.40}"
            )
        return int(token)

    def step(self, token: int, pos: int, cache: KVCache) -> list[Value]:
        """The logits that follow ``token`` at position ``pos``, given the positions before it in
        ``cache`` (to which this position is added)."""
        token = self._token(token, "the token")
        if not is_int(pos) or not 0 <= pos < self.block_size:
            raise ValueError(
                f"GPT: position must be in 0..{self.block_size - 1} (block_size "
                f"{self.block_size}), got {pos!r:.40}"
            )
        if len(cache.keys) != self.n_layer or len(cache) != pos:
            raise ValueError(
                f"GPT: the cache holds {len(cache)} positions of {len(cache.keys)} layers; "
                f"position {pos} needs {pos} positions of {self.n_layer} layers"
            )
        return self.step_embedded(self.wte(token), pos, cache)

    def step_embedded(self, embedding: Sequence[Value], pos: int, cache: KVCache) -> list[Value]:
        """:meth:`step` from the token's embedding (its row of ``wte``) rather than its id: what
        the compiler traces, with the row as inputs, so one program serves every token."""
        x = [t + p for t, p in zip(embedding, self.wpe(pos), strict=True)]
        x = rmsnorm(x)
        for i, layer in enumerate(self.layers):
            x = layer.step(x, cache.keys[i], cache.values[i])
        return self.lm_head._forward(x)

    def __call__(self, tokens: Sequence[int]) -> list[list[Value]]:  # type: ignore[override]
        """One row of logits per position of ``tokens`` (at most ``block_size`` of them)."""
        if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Sequence):
            raise TypeError(
                f"GPT: expects a list of token ids, got {type(tokens).__name__} {tokens!r:.40}"
                + (" (encode text with a CharTokenizer first)" if isinstance(tokens, str) else "")
            )
        if not tokens:
            raise ValueError("GPT: expects at least one token, got an empty sequence")
        if len(tokens) > self.block_size:
            raise ValueError(
                f"GPT: a sequence of {len(tokens)} tokens is longer than block_size "
                f"{self.block_size}; truncate it to at most {self.block_size}"
            )
        ids = [self._token(t, f"tokens[{i}]") for i, t in enumerate(tokens)]
        cache = KVCache.empty(self.n_layer)
        attention: list[list[list[list[float]]]] = [
            [[] for _ in range(self.n_head)] for _ in range(self.n_layer)
        ]
        rows = []
        for pos, token in enumerate(ids):
            rows.append(self.step(token, pos, cache))
            for i, layer in enumerate(self.layers):
                for h, weights in enumerate(layer.attn.last_weights):
                    attention[i][h].append(weights)
        self.last_attention = attention
        return rows


def next_token_data(
    texts: Sequence[str], tokenizer: Any, block_size: int
) -> tuple[list[list[int]], list[list[int]]]:
    """The training pairs of a language model, one per text, as microgpt makes them: the text
    wrapped as [BOS] + ids + [BOS] and cut to ``block_size + 1`` tokens; the inputs are all but
    the last of those, the targets all but the first (each input's next token).

    ``train(model, X, y, loss=sequence_cross_entropy, batch_size=1, order="epochs", …)`` then
    trains on one text per step.

    >>> from autograd_lite.tokens import CharTokenizer
    >>> X, y = next_token_data(["ab"], CharTokenizer("ab"), block_size=16)
    >>> X, y
    ([[2, 0, 1]], [[0, 1, 2]])
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"next_token_data: texts must be a list of str, got {type(texts).__name__}")
    if not texts:
        raise ValueError("next_token_data: no texts (an empty list); expected at least one")
    block_size = _size("next_token_data", "block_size", block_size)
    inputs, targets = [], []
    for text in texts:
        ids = tokenizer.encode(text, bos=True)[: block_size + 1]
        inputs.append(ids[:-1])
        targets.append(ids[1:])
    return inputs, targets


def sample(
    model: GPT,
    n: int = 20,
    *,
    temperature: float = 1.0,
    seed: Seed = None,
    bos: int | None = None,
    tokenizer: Any = None,
) -> list[Any]:
    """``n`` sequences generated by ``model``, each started from BOS and stopped at the next
    BOS or at ``block_size`` tokens; without a graph (``no_grad``).

    Each next token is drawn from softmax(logits / temperature): below 1 the likeliest tokens
    win more often, above 1 the choice is more even. With a ``tokenizer`` (a
    :class:`~autograd_lite.tokens.CharTokenizer`) the samples are strings and BOS is the
    tokenizer's; otherwise they are lists of token ids (BOS left out) and ``bos`` defaults to
    the last id, ``vocab_size − 1``.

    >>> model = GPT(5, 4, 1, 4, 2, seed=0)
    >>> len(sample(model, 3, temperature=0.5, seed=1))
    3
    >>> sample(model, 1, temperature=0)
    Traceback (most recent call last):
        ...
    ValueError: sample: temperature must be a positive number, got 0
    """
    if not isinstance(model, GPT):
        raise TypeError(f"sample: model must be a GPT, got {type(model).__name__}")
    if not is_int(n) or n < 0:
        raise ValueError(f"sample: n must be an int >= 0, got {n!r:.40}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"sample: temperature must be a number, got {temperature!r:.40}")
    if not 0 < temperature < math.inf:
        raise ValueError(f"sample: temperature must be a positive number, got {temperature!r}")
    if tokenizer is not None:
        if tokenizer.vocab_size != model.vocab_size:
            raise ValueError(
                f"sample: the tokenizer has {tokenizer.vocab_size} tokens but the model "
                f"{model.vocab_size}; expected the same vocabulary"
            )
        bos = tokenizer.bos
    start = model._token(model.vocab_size - 1 if bos is None else bos, "bos")
    rng = make_rng(seed, "sample: seed")
    ids = range(model.vocab_size)
    samples: list[Any] = []
    with no_grad():
        for _ in range(n):
            cache, token, out = KVCache.empty(model.n_layer), start, []
            for pos in range(model.block_size):
                logits = model.step(token, pos, cache)
                probs = softmax([z * (1.0 / temperature) for z in logits])
                token = rng.choices(ids, weights=[p.data for p in probs])[0]
                if token == start:
                    break
                out.append(token)
            samples.append(tokenizer.decode(out) if tokenizer is not None else out)
    return samples
