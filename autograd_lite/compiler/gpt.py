"""A GPT's forward and backward pass compiled, for ``train(..., compile=True)`` on a
:class:`~autograd_lite.nn.GPT`: one program per *position*, shared by every sequence.

Why per position. The graph of a sequence of n tokens depends only on n, but its program grows
with n² (attention) and is large: about 150,000 lines for 16 tokens, seconds to generate and
hundreds of MB to compile, and a run meets every length from 2 to 16. Position t's
computation, given the keys and values of the positions before it, is the same for every
sequence that reaches t; so the programs are cut there: ``position_t`` takes the token's
embedding row and the earlier positions' keys and values as *inputs*, and gives the logits and
its own keys and values. A sequence of n tokens runs programs 0 … n−1; the programs for the
longest sequence (16 of them) are all a run ever compiles.

Token ids are not in the code. The driver gathers each token's row of ``wte`` (floats) and
passes it in; the gradient the program returns for those inputs is added back into that row's
gradient. Parameters are read live, from one list of their ``.data`` taken at each step.

Each program is a generator: it runs the forward pass and hands over its outputs; sent the
gradients of those outputs (the loss's, for the logits; the later positions', for its keys and
values), it runs the backward pass, one line per edge, adding into the gradients it was given.
Positions are run backward last to first, sequences of a batch last to first, as the engine's
reversed topological order visits them, so each sum is added in the engine's order, with one
exception: the engine reaches the last hidden state first through the *target's* logit (the
loss picks it first), the program through logit 0, so the 27 terms of that gradient are added
in another order (differences of a few units in the last place; the tests bound them).

>>> from autograd_lite.nn import GPT
>>> model = GPT(vocab_size=5, block_size=4, n_layer=1, n_embd=4, n_head=2, seed=0)
>>> compiled = compiled_gpt(model)
>>> print(compiled.source(1).splitlines()[0])
def position_0(_w, _xs):
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from .._common import is_int
from ..engine import Value
from ..errors import GraphChangedError
from ..nn.gpt import GPT, KVCache
from .program import Program, _line, backward_text, describe_change, first_trace, trace
from .text import Text

__all__ = ["CompiledGPT", "PositionProgram", "compiled_gpt"]

CHECK = 256
"""A position's program re-traces its position on its first call and every 256th: a re-trace
(the engine's forward pass and the graph's fingerprint) costs some 40 compiled calls, and the
program was already traced twice, at two inputs, when it was compiled."""

_GRAD = r"\bg\d+(?:_[A-Za-z0-9_]*)?\b"
_VALUE = r"\bv\d+(?:_[A-Za-z0-9_]*)?\b"


class PositionProgram:
    """The compiled forward and backward pass of one position of a GPT (see the module).

    Inputs (``_xs``): the token's embedding (``n_embd`` numbers), then for each earlier
    position, for each layer, its key and its value (``n_embd`` each). Outputs: the
    ``vocab_size`` logits, then for each layer this position's key and value.

    Attributes:
        source: the generated Python. calls, checks: calls so far, and how many re-traced.
        seconds: how long it took to make.
    """

    def __init__(self, model: GPT, pos: int, index: dict[int, int]) -> None:
        from . import build, node_names, runtime_namespace

        self.model = weakref.ref(model)
        self.pos = pos
        e, layers = model.n_embd, model.n_layer
        self.width = 2 * layers * e  # one position's keys and values
        self.labels = [f"e{j}" for j in range(e)] + [
            f"{kv}{i}p{s}_{j}"
            for s in range(pos)
            for i in range(layers)
            for kv in ("k", "v")
            for j in range(e)
        ]
        example = [((7 * k) % 11 - 5) / 10 for k in range(len(self.labels))]
        who = "train(compile=True)"
        self.trace = first_trace(self._call, example, self.labels, who)
        unknown = [v for v in self.trace.live if id(v) not in index]
        if unknown:
            raise ValueError(
                f"{who}: the GPT uses a Value that is not one of its parameters "
                f"({unknown[0]!r}); train it without compile=True"
            )
        self.shape = self.trace.fingerprint()
        self.live = list(self.trace.live)
        program = Program(self.trace, [*self.live, *self.trace.inputs], node_names(self.trace))
        seeds = [Text(f"s{k}") for k in range(len(self.trace.outputs))]
        lines = program.backward(seeds, accumulate=True)
        # Where a parameter or an input gets one contribution (most do: a weight is used once
        # per position), the line adds into its slot of _acc or _gin directly, the same sum.
        slots = {program.by_id[id(v)].grad: f"_acc[{index[id(v)]}]" for v in self.live}
        slots.update(
            (program.by_id[id(v)].grad, f"_gin[{k}]")
            for k, v in enumerate(self.trace.inputs)
            if id(v) in program.by_id
        )
        count: dict[str, int] = {}
        for target, _, _ in lines:
            count[target] = count.get(target, 0) + 1
        direct = {g for g, n in count.items() if n == 1 and g in slots}
        lines = [(slots[t] if t in direct else t, code, note) for t, code, note in lines]
        backward = backward_text(lines)
        used = set(re.findall(_GRAD, "\n".join(backward)))
        forward = program.forward_lines
        read = set(re.findall(_VALUE, "\n".join(forward + backward)))
        reads = []
        for value in self.live:
            node = program.by_id[id(value)]
            if node.var in read:
                name = f"{value.scope}.{value.label}" if value.scope else value.label
                reads.append(_line(f"{node.var} = _w[{index[id(value)]}]", name))
        inputs = program.inputs()
        params = [(program.by_id[id(v)].grad, index[id(v)]) for v in self.live]
        params = [(g, i) for g, i in params if g in used]
        grads_in = [
            (program.by_id[id(v)].grad, k)
            for k, v in enumerate(self.trace.inputs)
            if id(v) in program.by_id and program.by_id[id(v)].grad in used
        ]
        outputs = ", ".join(program.output_texts())
        seed_names = ", ".join(s.code for s in seeds)
        self.source = "\n".join(
            [
                f"def position_{pos}(_w, _xs):",
                f"    # position {pos}: the token's embedding, then the earlier positions' keys "
                "and values",
                f"    {', '.join(inputs)}, = _xs",
                "    # the parameters it reads, from _w: their .data at this step",
                *reads,
                "    # the forward pass: one line per node",
                *forward,
                _line(
                    f"_finite = _sum(({', '.join(program.computed())},))",
                    "inf or nan if a step overflowed",
                ),
                "    # hand over the logits, this position's keys and values; wait for their "
                "gradients",
                f"    _acc, _gin, ({seed_names},) = yield ({outputs},), _finite",
                "    # the gradients to add to: the parameters' (_acc), the inputs' (_gin)",
                *[f"    {g} = _acc[{i}]" for g, i in params],
                *[f"    {g} = _gin[{k}]" for g, k in grads_in],
                "    # the backward pass: one line per edge, "
                "∂out/∂operand += local derivative · ∂out/∂node",
                *backward,
                *[f"    _acc[{i}] = {g}" for g, i in params],
                *[f"    _gin[{k}] = {g}" for g, k in grads_in],
                "",
            ]
        )
        namespace = runtime_namespace(program)
        self.run: Callable[[list[float], list[float]], Any] = build(
            self.source, namespace, f"position_{pos}"
        )
        self.calls = self.checks = 0
        self.seconds = 0.0
        """How long it took to make (trace, write and compile), set by CompiledGPT.program."""

    def _call(self, *xs: Value) -> list[Value]:
        model = self.model()
        assert model is not None, "the model was freed"
        e, width = model.n_embd, self.width
        cache = KVCache.empty(model.n_layer)
        for s in range(self.pos):
            base = e + s * width
            for i in range(model.n_layer):
                cache.keys[i].append(list(xs[base + 2 * i * e : base + (2 * i + 1) * e]))
                cache.values[i].append(list(xs[base + (2 * i + 1) * e : base + (2 * i + 2) * e]))
        logits = model.step_embedded(list(xs[:e]), self.pos, cache)
        out = list(logits)
        for i in range(model.n_layer):
            out += cache.keys[i][self.pos] + cache.values[i][self.pos]
        return out

    def guard(self, xs: list[float]) -> None:
        """Re-trace the position at ``xs`` on the calls due, and raise GraphChangedError if the
        model records another graph there."""
        self.calls += 1
        if self.calls != 1 and self.calls % CHECK:
            return
        self.checks += 1
        now = trace(self._call, xs, self.labels, "train", self.live)
        if now.fingerprint(self.live) != self.shape:
            raise GraphChangedError(
                f"train(compile=True): on call {self.calls} position {self.pos} of the GPT "
                f"records another graph ({describe_change(self.trace, now)}). Its program stands "
                "for the graph recorded when it was compiled: the model's Python code takes "
                "another path now. Train without compile=True"
            )


class CompiledGPT:
    """A GPT's compiled passes: :meth:`program` for each position (made on first use, then
    reused), :meth:`forward` for a training step (as ``train`` calls it)."""

    def __init__(self, model: GPT) -> None:
        self.model = weakref.ref(model)
        self.params = model.parameters()
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.rows = [[self.index[id(p)] for p in row] for row in model.wte.weight]
        self.programs: dict[int, PositionProgram] = {}
        self.fallbacks = 0

    def matches(self, model: GPT) -> bool:
        """Whether ``model`` still has the parameters (the same objects) this was made for."""
        params = model.parameters()
        return len(params) == len(self.params) and all(map(_same, params, self.params))

    def program(self, pos: int) -> PositionProgram:
        """The program of position ``pos`` (0 … block_size − 1), compiled on first use."""
        model = self.model()
        assert model is not None, "the model was freed"
        if not is_int(pos) or not 0 <= pos < model.block_size:
            raise ValueError(
                f"compiled GPT: position must be an int in 0..{model.block_size - 1}, got {pos!r}"
            )
        found = self.programs.get(int(pos))
        if found is None:
            start = time.perf_counter()
            found = self.programs[int(pos)] = PositionProgram(model, int(pos), self.index)
            found.seconds = time.perf_counter() - start
        return found

    def source(self, length: int) -> str:
        """The Python that a sequence of ``length`` tokens runs: the programs of positions
        0 … length − 1, one after the other."""
        return "\n".join(self.program(t).source for t in range(length))

    def forward(self, batch: Sequence[Any]) -> tuple[list[Any], Callable[[], None]]:
        """Logits for each sequence of ``batch`` (rows of leaf Values, as ``model(tokens)``
        gives), and the function that runs the backward pass once the loss's ``backward()``
        has given those leaves their gradients."""
        model = self.model()
        assert model is not None, "the model was freed"
        sequences = [_tokens(model, s) for s in batch]
        if any(s is None for s in sequences):
            return self._engine(model, batch)  # the engine raises its own error
        w = [p.data for p in self.params]
        runs: list[tuple[list[int], list[Any], list[list[Value]]]] = []
        v = model.vocab_size
        for tokens in sequences:
            assert tokens is not None
            kv: list[list[float]] = []
            generators = []
            rows = []
            for t, token in enumerate(tokens):
                program = self.program(t)
                xs = [w[i] for i in self.rows[token]]
                for earlier in kv:
                    xs += earlier
                program.guard(xs)
                generator = program.run(w, xs)
                try:
                    outputs, finite = next(generator)
                except (ArithmeticError, ValueError):
                    finite = math.inf
                if not math.isfinite(finite):
                    return self._engine(model, batch)
                generators.append(generator)
                rows.append([Value(z) for z in outputs[:v]])
                kv.append(list(outputs[v:]))
            runs.append((tokens, generators, rows))

        def backward() -> None:
            acc = [p.grad for p in self.params]
            e, width = model.n_embd, 2 * model.n_layer * model.n_embd
            try:
                for tokens, generators, rows in reversed(runs):  # the engine's order
                    grads_kv = [[0.0] * width for _ in tokens]
                    for t in range(len(tokens) - 1, -1, -1):
                        seeds = [z.grad for z in rows[t]] + grads_kv[t]
                        gin = [0.0] * e
                        for earlier in grads_kv[:t]:
                            gin += earlier
                        with contextlib.suppress(StopIteration):  # the program has run to its end
                            generators[t].send((acc, gin, seeds))
                        for s in range(t):
                            grads_kv[s] = gin[e + s * width : e + (s + 1) * width]
                        for i, g in zip(self.rows[tokens[t]], gin, strict=False):
                            acc[i] += g  # the token's row of wte gets its embedding's gradient
                finite = all(map(math.isfinite, acc))
            except (ArithmeticError, ValueError):
                finite = False
            if not finite:
                self.fallbacks += 1  # the engine computes it, and raises its own error
                for tokens, _, rows in runs:
                    outputs = [z for row in model(tokens) for z in row]
                    seeds = [z.grad for row in rows for z in row]
                    Value.sum([z * s for z, s in zip(outputs, seeds, strict=True)]).backward()
                return
            for p, g in zip(self.params, acc, strict=True):
                p.grad = g

        return [rows for _, _, rows in runs], backward

    def loss(self, loss: Any, predictions: Sequence[Any], targets: Sequence[Any]) -> Value | None:
        """``loss(predictions, targets)`` computed on floats, for the library's
        :func:`~autograd_lite.losses.sequence_cross_entropy` of this pass's predictions: its
        value as a leaf, and each prediction's ``grad`` set to what the loss's ``backward()``
        would give it (see :func:`sequence_cross_entropy_floats`). None for any other loss, or
        targets the loss would refuse: the engine then computes it (and raises its error)."""
        from ..losses import sequence_cross_entropy

        if loss is not sequence_cross_entropy or len(predictions) != len(targets):
            return None
        rows = [[[z.data for z in row] for row in rows] for rows in predictions]
        plain = []
        for zs, ts in zip(rows, targets, strict=True):
            if isinstance(ts, (str, bytes)) or not isinstance(ts, Sequence) or len(ts) != len(zs):
                return None
            if not all(is_int(t) and 0 <= t < len(z) for t, z in zip(ts, zs, strict=True)):
                return None
            plain.append([int(t) for t in ts])
        value, grads = sequence_cross_entropy_floats(rows, plain)
        for leaves, sequence in zip(predictions, grads, strict=True):
            for row, row_grads in zip(leaves, sequence, strict=True):
                for z, g in zip(row, row_grads, strict=True):
                    z.grad = g
        return Value(value)

    def _engine(self, model: GPT, batch: Sequence[Any]) -> tuple[list[Any], Callable[[], None]]:
        self.fallbacks += 1
        return [model(tokens) for tokens in batch], lambda: None


def sequence_cross_entropy_floats(
    logits: Sequence[Sequence[Sequence[float]]], targets: Sequence[Sequence[int]]
) -> tuple[float, list[list[list[float]]]]:
    """:func:`~autograd_lite.losses.sequence_cross_entropy` and its gradient with respect to
    every logit, on floats, by the float operations the engine performs on its graph, in the
    order its backward pass adds them (so the same bits): per position m = max z,
    eₖ = exp(zₖ − m), S = Σ eₖ (exactly rounded), ln S, the term −((z_t − m) − ln S); the mean
    of the terms, the mean over sequences. Backward, a logit gets 1·(eₖ·(1·∂S)) and the
    target's logit then adds 1·(1·∂score), the engine's order.

    >>> value, grads = sequence_cross_entropy_floats([[[0.0, 0.0]]], [[1]])
    >>> round(value, 6), grads
    (0.693147, [[[0.5, -0.5]]])
    """
    ce, backs = [], []
    for rows, ts in zip(logits, targets, strict=True):
        terms, saved = [], []
        for zs, t in zip(rows, ts, strict=True):
            m = max(zs)
            exps = [math.exp(z - m) for z in zs]
            total = math.fsum(exps)
            score = (zs[t] - m) - math.log(total)
            terms.append(-score)
            saved.append((exps, total, t))
        ce.append(math.fsum(terms) * (1.0 / len(terms)))
        backs.append(saved)
    value = math.fsum(ce) * (1.0 / len(ce))
    g_ce = 1.0 * ((1.0 / len(ce)) * 1.0)  # Σ over sequences, then × 1/B: ∂ = 1 · (1/B · 1)
    grads = []
    for saved in backs:
        g_term = 1.0 * ((1.0 / len(saved)) * g_ce)  # × 1/n, then Σ over positions
        g_score = -1.0 * g_term  # −score
        rows_grads = []
        for exps, total, t in saved:
            g_total = 1 / total * (-1.0 * g_score)  # ∂(ln S)/∂S = 1/S, of (a − ln S)
            row = [1.0 * (e * (1.0 * g_total)) for e in exps]  # Σ, exp, (z − m)
            row[t] = row[t] + 1.0 * (1.0 * g_score)  # the target's own z − m, reached last
            rows_grads.append(row)
        grads.append(rows_grads)
    return value, grads


def _same(a: object, b: object) -> bool:
    return a is b


def _tokens(model: GPT, tokens: object) -> list[int] | None:
    """The token ids of one sequence, or None if it is not one the model takes (the engine
    then raises its own error)."""
    if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Sequence):
        return None
    if not 1 <= len(tokens) <= model.block_size:
        return None
    if not all(is_int(t) and 0 <= t < model.vocab_size for t in tokens):
        return None
    return [int(t) for t in tokens]


_cache: weakref.WeakKeyDictionary[GPT, CompiledGPT] = weakref.WeakKeyDictionary()


def compiled_gpt(model: GPT) -> CompiledGPT:
    """The compiled passes of ``model``: the ones made before, while the model keeps the same
    parameter objects, else new ones. ``compiled_gpt(model).program(t)`` is position t's
    program (``.source`` its Python); ``.source(n)`` all that n tokens run."""
    if not isinstance(model, GPT):
        raise TypeError(f"compiled_gpt: model must be an autograd_lite.nn.GPT, got {model!r:.40}")
    cached = _cache.get(model)
    if cached is not None and cached.matches(model):
        return cached
    compiled = _cache[model] = CompiledGPT(model)
    return compiled
