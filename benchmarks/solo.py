"""Training steps of microgpt's GPT, each contender timed in a Python process of its own.

    python -m benchmarks.solo peer --steps 25      # one process: a JSON line of times, losses

The contenders train the same model (27 tokens, block 16, 1 layer, n_embd 16, 4 heads, 4,192
parameters) on the same names in the same order, with microgpt's Adam settings:

- ``peer``: microgpt's script (benchmarks/microgpt_script.py) over the peer's 40-line Value
  (benchmarks/microgpt_peer.py);
- ``ours``: the same script over ``autograd_lite.Value``;
- ``gpt``: the idiomatic ``autograd_lite.nn.GPT`` with ``optim.Adam``, on the engine;
- ``compiled``: the same ``nn.GPT`` trained as ``train(..., compile=True)`` trains it, its
  programs compiled before the timed steps (compiling is measured apart, in W7).

Why a process each, rather than steps taken in turn in one process: microgpt's ``backward``
builds its order with a nested function that refers to itself, a reference cycle, so each of
its graphs is freed by Python's cycle collector, at some later allocation. Taken in turn, that
collection (tens of milliseconds) falls as often in the other contender's step as in its own.
In a process of its own, each pays for its own garbage, as a user running one script does. A
round runs every contender once, in an order that rotates from round to round; each process
takes one untimed step and then ``steps`` timed ones.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("peer", "ours", "gpt", "compiled")


def step_function(kind: str, docs: Sequence[str], steps: int) -> tuple[Callable[[], float], int]:
    """The step of ``kind`` (one of :data:`KINDS`) for a run of ``steps`` steps, and the
    model's parameter count."""
    if kind in ("peer", "ours"):
        from autograd_lite import Value
        from benchmarks import microgpt_peer
        from benchmarks.microgpt_script import microgpt

        run = microgpt(microgpt_peer.Value if kind == "peer" else Value, docs, steps)
        return run.step, len(run.params)
    from benchmarks import compiled_gpt

    if kind == "compiled":
        return compiled_gpt.compiled_run(docs, steps)
    if kind == "gpt":
        from autograd_lite.losses import sequence_cross_entropy

        model, optimizer, X, y = compiled_gpt._setup(docs, steps)
        i = 0

        def engine_step() -> float:
            nonlocal i
            tokens, targets = X[i % len(X)], y[i % len(y)]
            i += 1
            loss = sequence_cross_entropy([model(tokens)], [targets])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.data

        return engine_step, len(model.parameters())
    raise ValueError(f"unknown contender {kind!r}; expected one of {', '.join(KINDS)}")


def run_here(kind: str, docs: Sequence[str], steps: int) -> dict[str, object]:
    """Time ``steps`` steps of ``kind`` in this process, after one untimed step."""
    step, parameters = step_function(kind, docs, steps + 1)
    step()  # warm-up
    times, losses = [], []
    for _ in range(steps):
        start = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - start)
    return {"kind": kind, "times": times, "losses": losses, "parameters": parameters}


def run_apart(kind: str, steps: int, names: Path) -> dict[str, object]:
    """:func:`run_here` in a fresh Python process."""
    command = [sys.executable, "-m", "benchmarks.solo", kind, "--steps", str(steps)]
    result = subprocess.run(
        [*command, "--names", str(names)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    data: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return data


@dataclass
class Solo:
    """Every round's step times and losses of each contender."""

    times: dict[str, list[list[float]]]
    losses: dict[str, list[list[float]]]
    parameters: int

    def median(self, kind: str) -> float:
        """The median seconds per step of ``kind``, over every timed step."""
        return statistics.median(t for r in self.times[kind] for t in r)

    def mean(self, kind: str) -> float:
        """The mean seconds per step of ``kind`` (for totals: a total is a sum)."""
        return statistics.mean(t for r in self.times[kind] for t in r)

    def ratios(self, kind: str, over: str) -> list[float]:
        """Each round's total time of ``kind`` over that of ``over``."""
        return [sum(a) / sum(b) for a, b in zip(self.times[kind], self.times[over], strict=True)]

    def ratio(self, kind: str, over: str) -> float:
        """The median of the rounds' ratios."""
        return statistics.median(self.ratios(kind, over))


def measure(kinds: Sequence[str], steps: int, repeats: int, names: Path) -> Solo:
    """``repeats`` rounds; in each, every contender in a process of its own, the order rotated."""
    if steps < 1 or repeats < 1:
        raise ValueError(f"steps and repeats must be at least 1, got {steps} and {repeats}")
    times: dict[str, list[list[float]]] = {k: [] for k in kinds}
    losses: dict[str, list[list[float]]] = {k: [] for k in kinds}
    parameters = 0
    for r in range(repeats):
        for kind in [*kinds[r % len(kinds) :], *kinds[: r % len(kinds)]]:
            data = run_apart(kind, steps, names)
            times[kind].append([float(t) for t in data["times"]])  # type: ignore[attr-defined]
            losses[kind].append([float(x) for x in data["losses"]])  # type: ignore[attr-defined]
            parameters = int(data["parameters"])  # type: ignore[call-overload]
    return Solo(times, losses, parameters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--steps", type=int, default=25, help="timed steps (25)")
    parser.add_argument("--names", type=Path, required=True, help="a names file")
    args = parser.parse_args(argv)
    from benchmarks.microgpt import load_names

    print(json.dumps(run_here(args.kind, load_names(args.names), args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
