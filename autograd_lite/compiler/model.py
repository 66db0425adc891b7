"""A model's per-sample forward and backward pass, compiled, for ``train(..., compile=True)``.

The model is traced once on one sample; its parameters (Values that exist before the call) are
read live at every step, so the optimizer's updates are seen. A step runs the compiled forward
pass over the batch, hands the outputs to the loss as leaf Values (the loss and its
``backward()`` stay on the engine, so every loss works unchanged; the L2 term is computed on
floats by :func:`compiled_l2`), then runs the compiled backward pass from the gradients the
loss gave those leaves, adding into each parameter's ``grad``, and skipping the samples to
which the loss gave no gradient at all. Samples are visited in reverse, as the engine's
reversed topological order visits them, so each parameter's gradient is summed in the engine's
order.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value, rule_of
from ..errors import GraphChangedError
from ..ops import RULES, _sum
from .program import (
    Program,
    backward_text,
    describe_change,
    due,
    first_trace,
    flatten,
    trace,
)
from .text import Text

__all__ = ["CompiledModel", "compiled_l2", "compiled_model"]

_ZERO_SAFE = frozenset(id(rule) for rule in RULES.values() if rule.finite_locals)
"""The library's own rules (by identity, taken at import: a rule registered later is not one
of them) whose local derivatives are finite wherever their operands and result are (the
rule's ``finite_locals`` fact): through a graph of only these, a zero upstream gradient gives
exactly zero contributions, which change no sum, so a sample whose seeds are all zero can be
skipped with the same result."""

CHECK = 16
"""A compiled model re-traces one sample on steps 1, 2, 4, 8 and then every 16th step."""

_cache: weakref.WeakKeyDictionary[Any, CompiledModel] = weakref.WeakKeyDictionary()


def compiled_model(model: Any, example: Sequence[Any]) -> CompiledModel | None:
    """The compiled per-sample pass of ``model``: the one made before if the model still records
    the same graph (same architecture, same parameter objects), else a new one. None if the
    example is not a row of real numbers: the engine then trains, and raises its own error."""
    rows = _rows([example], len(example)) if hasattr(example, "__len__") else None
    if rows is None:
        return None
    (row,) = rows
    cached = _cache.get(model)
    if cached is not None and cached.matches(row):
        return cached
    try:
        compiled = CompiledModel(model, row)
    except ArithmeticError:  # the model refuses this sample: the engine's loop will say so
        return None
    _cache[model] = compiled
    return compiled


def _rows(rows: Sequence[Any], nin: int) -> list[tuple[float, ...]] | None:
    """The samples as tuples of floats, or None if any is not a row of ``nin`` real numbers
    (the engine then handles the step and raises its own error)."""
    plain = []
    for row in rows:
        if isinstance(row, (str, bytes, Value)) or not hasattr(row, "__len__"):
            return None
        values = tuple(row)
        if len(values) != nin:
            return None
        for x in values:
            if type(x) is not float:
                if isinstance(x, bool) or not isinstance(x, numbers.Real):
                    return None
                values = tuple(float(v) for v in values)
                break
        plain.append(values)
    return plain


class CompiledModel:
    """One model's compiled per-sample pass (made by :func:`compiled_model`)."""

    def __init__(self, model: Any, example: Sequence[float]) -> None:
        from . import build, node_names, runtime_namespace

        self.model = weakref.ref(model)
        self.nin = len(example)
        self.labels = [f"x{i}" for i in range(self.nin)]
        numbers_ = [float(x) for x in example]
        traced = first_trace(self._call, numbers_, self.labels, "train(compile=True)")
        captured = [v for v in traced.live if v.parents]
        if captured:
            raise ValueError(
                "train(compile=True): the model uses a Value computed outside its forward pass "
                f"({captured[0]!r}); its gradient would have to flow on through that graph. "
                "Make it a parameter (a leaf), or train without compile=True"
            )
        self.trace = traced
        self.shape = traced.fingerprint()
        self.params = list(traced.live)  # every leaf from outside: it gets its gradient
        program = Program(traced, self.params, node_names(traced))
        seeds = [Text(f"s{i}") for i in range(len(traced.outputs))]
        backward = backward_text(program.backward(seeds, accumulate=True), indent="        ")
        grads = [program.grad_of(program.by_id[id(p)]) for p in self.params]
        forward = ["    " + line for line in program.forward_lines]
        saved = program.referenced(backward)
        computed = program.computed()
        inputs = program.inputs()
        unpack = f"({inputs[0]},)" if len(inputs) == 1 else ", ".join(inputs)
        outputs = ", ".join(program.output_texts())
        self.forward_source = "\n".join(
            [
                "def forward_batch(_rows):",
                *program.live_reads(forward),
                "    _out = []",
                "    _finite = 0.0",
                f"    for {unpack} in _rows:",
                *forward,
                f"        _finite = _sum((_finite, {', '.join(computed)},))",
                f"        _out.append((({outputs},), ({', '.join(saved)},)))",
                "    return _out, _finite",
                "",
            ]
        )
        seed_names = ", ".join(s.code for s in seeds)
        accumulators = [g for g in grads if g != "0.0"]
        self.backward_source = "\n".join(
            [
                "def backward_batch(_work, _acc):",
                *program.live_reads(backward),
                f"    {''.join(g + ', ' for g in accumulators)}= _acc" if accumulators else "",
                f"    for ({''.join(v + ', ' for v in saved)}), ({seed_names},) in _work:",
                *(backward or ["        pass"]),
                f"    return [{', '.join(accumulators)}]",
                "",
            ]
        )
        self.updated = [p for p, g in zip(self.params, grads, strict=True) if g != "0.0"]
        self.skips_zeros = _zero_safe(traced.order)
        """Whether samples whose seeds are all zero skip the backward pass (see _ZERO_SAFE)."""
        self.skipped = 0
        namespace = runtime_namespace(program)
        self._forward = build(self.forward_source, namespace, "forward_batch")
        self._backward = build(self.backward_source, namespace, "backward_batch")
        self.steps = self.checks = self.fallbacks = 0

    def _call(self, *xs: Value) -> Any:
        model = self.model()
        assert model is not None, "the model was freed"
        return model(list(xs))

    def matches(self, example: Sequence[float]) -> bool:
        """Whether the model still records the graph this was compiled from."""
        if len(example) != self.nin:
            return False
        try:
            now = trace(
                self._call, [float(x) for x in example], self.labels, "train", self.trace.live
            )
        except Exception:
            return False
        return now.fingerprint(self.trace.live) == self.shape

    def _guard(self, rows: list[tuple[float, ...]]) -> None:
        self.steps += 1
        if not due(self.steps, CHECK):
            return
        self.checks += 1
        row = rows[self.steps % len(rows)]
        now = trace(self._call, list(row), self.labels, "train", self.trace.live)
        if now.fingerprint(self.trace.live) != self.shape:
            raise GraphChangedError(
                f"train(compile=True): on step {self.steps} the model records another graph for "
                f"the sample {list(row)!r} ({describe_change(self.trace, now)}). The compiled "
                "pass stands for the graph recorded when it was compiled: the model's Python "
                "code takes another path for this sample. Train without compile=True"
            )

    def forward(self, rows: Sequence[Any]) -> tuple[list[Any], Callable[[], None]]:
        """Predictions for the samples (leaf Values, shaped as the model's own outputs), and the
        function that runs the backward pass once the loss's ``backward()`` has given them
        their gradients."""
        plain = _rows(rows, self.nin)
        if plain is None:
            return self._engine(rows)
        self._guard(plain)
        try:
            out, finite = self._forward(plain)
        except (ArithmeticError, ValueError):  # ValueError: fsum of inf − inf
            return self._engine(rows)
        if not math.isfinite(finite):
            return self._engine(rows)
        single = self.trace.single
        predictions: list[Any] = [
            Value(values[0]) if single else [Value(v) for v in values] for values, _ in out
        ]

        def backward() -> None:
            seeds = [(p.grad,) if single else tuple(v.grad for v in p) for p in predictions]
            work = [(saved, seed) for (_, saved), seed in zip(out, seeds, strict=True)]
            if self.skips_zeros:
                work = _without_zero_seeds(work)
                self.skipped += len(out) - len(work)
            work.reverse()  # the engine's order: the last sample's graph comes first
            try:
                grads = self._backward(work, [p.grad for p in self.updated])
                finite = all(map(math.isfinite, grads))
            except (ArithmeticError, ValueError):
                finite = False
            if not finite:  # let the engine compute it, and raise its own error
                self.fallbacks += 1
                for row, seed in zip(rows, seeds, strict=True):
                    outputs, _ = flatten(self._call(*[Value(x) for x in row]), "train")
                    for output, s in zip(outputs, seed, strict=True):
                        output.backward(s)
                return
            for p, g in zip(self.updated, grads, strict=True):
                p.grad = g

        return predictions, backward

    def loss(self, *_: Any) -> Value | None:
        """None: the loss of a compiled MLP runs on the engine (so every loss works unchanged)."""
        return None

    def _engine(self, rows: Sequence[Any]) -> tuple[list[Any], Callable[[], None]]:
        self.fallbacks += 1
        model = self.model()
        assert model is not None
        return [model(row) for row in rows], lambda: None


def _zero_safe(order: Sequence[Value]) -> bool:
    """Whether every op node of a traced graph applies one of the rules of ``_ZERO_SAFE``."""
    return all(not node.parents or id(rule_of(node)) in _ZERO_SAFE for node in order)


def _without_zero_seeds(work: list[Any]) -> list[Any]:
    """The backward work of the samples with a seed other than zero (nan is kept: it is not
    zero, and the check after the pass sends it to the engine).

    In the engine such a sample adds 0.0 · (a finite local derivative) = ±0.0 to every
    gradient it reaches, which leaves each sum as it was (a running sum that starts at +0.0
    never becomes −0.0), so skipping it gives the same bits, without the work: in a trained
    model most hinge margins are met and most samples pass nothing back.
    """
    return [item for item in work if any(item[1])]


def compiled_l2(
    parameters: Sequence[Value], alpha: float
) -> tuple[float, Callable[[], None]] | None:
    """The L2 term ``alpha · Σ p²`` of :func:`~autograd_lite.losses.l2` computed on floats, and
    the function that adds its gradient to each parameter's ``grad``, for the training loop to
    call after the loss's ``backward()`` (the engine adds the L2 term's share first, in the
    same place); None if a number is not finite: the engine's ``l2`` then says why.

    The same float operations as the engine's graph ``alpha * Value.sum([p * p ...])`` and
    its backward pass: p·p, an exactly rounded sum, alpha times that; each p then gets
    p·alpha twice (once per operand of p·p), summed in the order the engine adds them.
    """
    a = float(alpha)
    data = [p.data for p in parameters]
    try:
        value = a * _sum(*[x * x for x in data])
        shares = [x * a for x in data]
    except (ArithmeticError, ValueError):
        return None
    if not math.isfinite(value) or not all(map(math.isfinite, shares)):
        return None

    def add_gradients() -> None:
        for p, share in zip(parameters, shares, strict=True):
            p.grad += share + share

    return value, add_gradients
