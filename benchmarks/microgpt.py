"""W6: microgpt's training step, with the peer's Value and with autograd_lite's, side by side.

    python -m benchmarks.microgpt                    # 5 rounds of 25 steps: the ratio ours / peer
    python -m benchmarks.microgpt --names names.txt  # another names file

The same script (:mod:`benchmarks.microgpt_script`) trains two copies of the model in one
process, one over :mod:`benchmarks.microgpt_peer`'s ``Value`` and one over
``autograd_lite.Value``, on the same names in the same order. They take their steps in turn,
which of the two goes first alternating from step to step, so a busy machine slows both alike;
each pair of steps trains on the same name. A round is one such run of both (after one untimed
step each, to warm up); its ratio is ours / peer over the time of all its steps (single steps
vary with the length of the name and with the cycle collector, which runs in one step or
another); the ratio quoted is the median of the rounds'.

The names are makemore's ``names.txt``, as microgpt trains on: the copy autograd_lite ships
once it does, else the shared data folder beside the repository (``../shared/data/``), else
``--names PATH``; without any the workload is skipped with a message saying so.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd_lite
from autograd_lite import Value
from benchmarks import microgpt_peer
from benchmarks.microgpt_script import microgpt

ROOT = Path(__file__).resolve().parents[1]

PACKAGE = Path(autograd_lite.__file__).resolve().parent
"""autograd_lite's folder, searched for the ``names.txt`` it will ship as package data."""

SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
"""makemore's names.txt (32,032 names, MIT licence) in the shared data folder beside the
repository, until autograd_lite ships it as package data."""

MISSING = (
    "skipped: names.txt not found (looked for autograd_lite's packaged copy and for "
    "../shared/data/names.txt beside the repository); pass --names PATH"
)
"""What the benchmark says instead of a time when it has no names to train on."""

SOME_NAMES = ("emma", "olivia", "isabella", "sophia", "charlotte", "quinn", "xavier", "zoe",
              "jackson", "wyatt", "freddie", "gabriel")  # fmt: skip
"""A few names for the tests (never for timings): every letter a–z occurs, so the vocabulary
(27 tokens) and the parameter count (4,192) are microgpt's."""


def find_names(path: Path | None = None) -> Path | None:
    """The names file to train on: ``path`` if given (it must exist), else the ``names.txt``
    that autograd_lite ships (once it does), else :data:`SHARED_NAMES`; None if there is none."""
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"no names file at {path} (expected one name a line)")
        return path
    packaged = sorted(PACKAGE.rglob("names.txt"))
    for candidate in [*packaged, SHARED_NAMES]:
        if candidate.is_file():
            return candidate
    return None


def load_names(path: Path) -> list[str]:
    """The names in ``path``, one a line, as microgpt reads them (stripped, blank lines out)."""
    text = path.read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise ValueError(f"{path} holds no names (expected one name a line)")
    return names


@dataclass
class Round:
    """One round: the seconds each step took with each Value, and the losses it gave."""

    peer: list[float]
    ours: list[float]
    peer_losses: list[float]
    ours_losses: list[float]
    parameters: int

    @property
    def ratio(self) -> float:
        """ours / peer over all the round's steps."""
        return sum(self.ours) / sum(self.peer)


@dataclass
class Result:
    """Several rounds: the median step of each Value and the median of the rounds' ratios."""

    rounds: list[Round]

    @property
    def peer(self) -> float:
        """The median seconds per step with the peer's Value, over every timed step."""
        return statistics.median(t for r in self.rounds for t in r.peer)

    @property
    def ours(self) -> float:
        """The median seconds per step with autograd_lite's Value, over every timed step."""
        return statistics.median(t for r in self.rounds for t in r.ours)

    @property
    def ratio(self) -> float:
        """ours / peer: the median of the rounds' ratios."""
        return statistics.median(r.ratio for r in self.rounds)

    @property
    def parameters(self) -> int:
        """The model's parameter count (4,192 with microgpt's sizes and 27 tokens)."""
        return self.rounds[0].parameters

    @property
    def losses_differ(self) -> tuple[int, int, float]:
        """How many of the losses of all rounds differ between the two Values, out of how
        many, and the largest relative difference."""
        pairs = [
            (a, b) for r in self.rounds for a, b in zip(r.peer_losses, r.ours_losses, strict=True)
        ]
        worst = max(abs(a - b) / abs(a) for a, b in pairs)
        return sum(a != b for a, b in pairs), len(pairs), worst


def compare(docs: Sequence[str], steps: int) -> Round:
    """One round: both trained for ``steps`` timed steps (after one untimed one each), in turn."""
    runs = {
        "peer": microgpt(microgpt_peer.Value, docs, steps + 1),
        "ours": microgpt(Value, docs, steps + 1),
    }
    times: dict[str, list[float]] = {"peer": [], "ours": []}
    losses: dict[str, list[float]] = {"peer": [], "ours": []}
    for name in ("peer", "ours"):
        runs[name].step()  # warm-up
    for i in range(steps):
        for name in ("peer", "ours") if i % 2 == 0 else ("ours", "peer"):
            start = time.perf_counter()
            loss = runs[name].step()
            times[name].append(time.perf_counter() - start)
            losses[name].append(loss)
    return Round(
        times["peer"], times["ours"], losses["peer"], losses["ours"], len(runs["ours"].params)
    )


def measure(docs: Sequence[str], steps: int, repeats: int) -> Result:
    """``repeats`` rounds of ``steps`` timed steps of each Value."""
    if steps < 1 or repeats < 1:
        raise ValueError(f"steps and repeats must be at least 1, got {steps} and {repeats}")
    return Result([compare(docs, steps) for _ in range(repeats)])


def main(argv: list[str] | None = None) -> int:
    """The command line: measure and print the ratio (or why it was skipped)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=25, help="timed steps of each (25)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (5)")
    parser.add_argument("--names", type=Path, help="a names file, one name a line")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be at least 1")
    try:
        path = find_names(args.names)
    except FileNotFoundError as error:
        parser.error(str(error))
    if path is None:
        print(f"microgpt step: {MISSING}")
        return 0
    result = measure(load_names(path), args.steps, args.repeats)
    differ, compared, worst = result.losses_differ
    print(
        f"microgpt step, {result.parameters:,} parameters, {args.repeats} rounds of "
        f"{args.steps} steps on {path}"
    )
    print(
        f"median step: peer (microgpt's design) {result.peer * 1e3:.1f} ms, "
        f"autograd_lite {result.ours * 1e3:.1f} ms"
    )
    shown = ", ".join(f"{r.ratio:.2f}" for r in result.rounds)
    print(f"ours / peer = {result.ratio:.2f} (median of the rounds: {shown})")
    print(
        f"losses that differ: {differ} of {compared}, by at most {worst:.1e} relative "
        "(the peer divides as a·b⁻¹, autograd_lite as a/b)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
