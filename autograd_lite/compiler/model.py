"""A model's per-sample forward and backward pass, compiled, for ``train(..., compile=True)``.

The model is traced once on one sample; its parameters (Values that exist before the call) are
read live at every step, so the optimizer's updates are seen. A step runs the compiled forward
pass over the batch, hands the outputs to the loss as leaf Values (the loss, L2 term and
``backward()`` stay on the engine, so every loss works unchanged), then runs the compiled
backward pass from the gradients the loss gave those leaves, adding into each parameter's
``grad``. Samples are visited in reverse, as the engine's reversed topological order visits
them, so each parameter's gradient is summed in the engine's order.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value
from ..errors import GraphChangedError
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

__all__ = ["CompiledModel", "compiled_model"]

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

    def _engine(self, rows: Sequence[Any]) -> tuple[list[Any], Callable[[], None]]:
        self.fallbacks += 1
        model = self.model()
        assert model is not None
        return [model(row) for row in rows], lambda: None
