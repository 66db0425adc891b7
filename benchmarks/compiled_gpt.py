"""W7: microgpt's training step on ``autograd_lite.nn.GPT`` compiled, beside the peer's (W6).

    python -m benchmarks.compiled_gpt          # 5 rounds of 25 steps, compile cost, 1,000 steps

Three measurements, on makemore's names as W6 (the same model sizes, seed and Adam settings as
``autograd-lite gpt``: GPT(27, 16, 1, 16, 4), Adam lr 0.01 decaying linearly to 0, betas
(0.85, 0.99), one name per step):

- **the step**: the peer's step (benchmarks/microgpt_peer.py, through benchmarks/microgpt_script.py)
  and a compiled step, on the same names in the same order, each in a process of its own
  (:mod:`benchmarks.solo`). The compiled step is the body of ``train(..., compile=True)``'s
  loop: the compiled forward pass, the loss, the compiled backward pass, Adam. Its programs are
  compiled before the timed steps (that cost is measured apart). The ratio is peer / compiled
  over each round's steps; the one quoted is the median of the rounds'.
- **the compile cost**: the time to compile the programs the longest name (16 tokens) runs, all
  16 positions, on a fresh model; its peak memory is measured in a second run under tracemalloc
  (which slows it, so the time is taken without it).
- **1,000 steps**: a real run of ``train(..., steps=1000, compile=True)`` from a fresh model,
  every compilation included, against the peer's 1,000 steps, extrapolated as 1,000 × the mean
  of its timed steps (the mean, not the median: a total is a sum).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd_lite.compiler.gpt import compiled_gpt
from autograd_lite.losses import sequence_cross_entropy
from autograd_lite.nn.gpt import GPT, next_token_data
from autograd_lite.optim import Adam, linear_decay
from autograd_lite.tokens import CharTokenizer
from autograd_lite.train import train
from benchmarks import microgpt, solo

SEED = 42
SIZES = {"block_size": 16, "n_layer": 1, "n_embd": 16, "n_head": 4}


def _setup(docs: Sequence[str], steps: int) -> tuple[GPT, Adam, list[list[int]], list[list[int]]]:
    """The model, optimiser and data of ``autograd-lite gpt``, the names in the peer's order."""
    order = list(docs)
    random.Random(SEED).shuffle(order)  # the peer's first draw: the same names, in turn
    tokenizer = CharTokenizer.from_texts(order)
    model = GPT(tokenizer.vocab_size, seed=SEED, **SIZES)
    X, y = next_token_data(order, tokenizer, model.block_size)
    optimizer = Adam(
        model.named_parameters(), lr=linear_decay(0.01, max(steps, 1)), betas=(0.85, 0.99)
    )
    return model, optimizer, X, y


def compiled_run(
    docs: Sequence[str], steps: int, precompile: bool = True
) -> tuple[Callable[[], float], int]:
    """A step function for the compiled GPT (``train``'s loop body), its programs compiled
    first (unless not ``precompile``: then on first use, as ``train`` does), and the model's
    parameter count."""
    model, optimizer, X, y = _setup(docs, steps)
    compiled = compiled_gpt(model)
    for t in range(model.block_size if precompile else 0):
        compiled.program(t)
    i = 0

    def step() -> float:
        nonlocal i
        assert model.vocab_size  # the step holds the model (the compiled passes only refer to it)
        tokens, targets = X[i % len(X)], y[i % len(y)]
        i += 1
        predictions, model_backward = compiled.forward([tokens])
        loss = sequence_cross_entropy(predictions, [targets])
        optimizer.zero_grad()
        loss.backward()
        model_backward()
        optimizer.step()
        return loss.data

    return step, len(model.parameters())


def compile_cost(docs: Sequence[str], positions: int = 16) -> tuple[float, int]:
    """Seconds to compile the programs of the first ``positions`` positions (16: all that a
    16-token name runs) on a fresh model, and the peak bytes allocated meanwhile (a second
    run, under tracemalloc)."""
    seconds, peak = 0.0, 0
    for traced in (False, True):
        model = _setup(docs, 1)[0]
        gc.collect()
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        compiled = compiled_gpt(model)
        for t in range(positions):
            compiled.program(t)
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            seconds = time.perf_counter() - start
        del compiled, model
    return seconds, peak


@dataclass
class Thousand:
    seconds: float
    compiling: float
    last50: float


def thousand_steps(docs: Sequence[str], steps: int = 1000) -> Thousand:
    """A real run of ``train(..., compile=True)``, as ``autograd-lite gpt --compile`` runs it."""
    model, optimizer, X, y = _setup(docs, steps)
    start = time.perf_counter()
    history = train(
        model, X, y, loss=sequence_cross_entropy, steps=steps, optimizer=optimizer,
        batch_size=1, order="epochs", seed=SEED, progress=False, compile=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    compiling = sum(p.seconds for p in compiled_gpt(model).programs.values())
    last = history.loss[-50:]
    return Thousand(seconds, compiling, sum(last) / len(last))


@dataclass
class Result:
    steps: solo.Solo
    compile_seconds: float
    compile_peak: int
    thousand: Thousand | None

    @property
    def peer(self) -> float:
        return self.steps.median("peer")

    @property
    def compiled(self) -> float:
        return self.steps.median("compiled")

    @property
    def ratio(self) -> float:
        """peer / compiled: the median of the rounds' ratios."""
        return statistics.median(self.steps.ratios("peer", "compiled"))

    @property
    def peer_thousand(self) -> float:
        """1,000 × the peer's mean step."""
        return 1000 * self.steps.mean("peer")


def measure(
    docs: Sequence[str], steps: solo.Solo, thousand: int = 1000, quick: bool = False
) -> Result:
    """The compile cost and the ``thousand``-step run (none if 0) beside the ``steps`` measured
    by :func:`benchmarks.solo.measure`; ``quick``: the cost of two positions only."""
    seconds, peak = compile_cost(docs, 2 if quick else 16)
    return Result(steps, seconds, peak, thousand_steps(docs, thousand) if thousand else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=25, help="timed steps of each (25)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (5)")
    parser.add_argument("--names", type=Path, help="a names file, one name a line")
    args = parser.parse_args(argv)
    path = microgpt.find_names(args.names)
    if path is None:
        print(f"compiled GPT step: {microgpt.MISSING}")
        return 0
    steps = solo.measure(("peer", "compiled"), args.steps, args.repeats, path)
    result = measure(microgpt.load_names(path), steps)
    print(
        f"median step: peer {result.peer * 1e3:.1f} ms, compiled nn.GPT "
        f"{result.compiled * 1e3:.1f} ms; peer / compiled = {result.ratio:.1f}"
    )
    print(
        f"compiling 16 positions: {result.compile_seconds:.2f} s, "
        f"peak {result.compile_peak / 1e6:.0f} MB"
    )
    if result.thousand is not None:
        t = result.thousand
        print(
            f"1,000 steps: compiled {t.seconds:.1f} s ({t.compiling:.1f} s compiling), peer "
            f"{result.peer_thousand:.0f} s (extrapolated): {result.peer_thousand / t.seconds:.1f}×;"
            f" last-50 loss {t.last50:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
