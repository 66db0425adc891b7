"""W6: microgpt's training step, with the peer's Value, with autograd_lite's, and as nn.GPT.

    python -m benchmarks.microgpt                    # 5 rounds of 25 steps: the ratio ours / peer
    python -m benchmarks.microgpt --names names.txt  # another names file

The same script (:mod:`benchmarks.microgpt_script`) trains the model over
:mod:`benchmarks.microgpt_peer`'s ``Value`` and over ``autograd_lite.Value``, on the same names
in the same order; a third contender is the idiomatic ``autograd_lite.nn.GPT`` with
``optim.Adam``. Each runs in a Python process of its own (:mod:`benchmarks.solo` says why: the
peer's graphs are freed by the cycle collector, which in one process would charge its work to
the other's steps). A round runs each once, the order rotating; its ratio is ours / peer over
all its steps; the ratio quoted is the median of the rounds'.

The names are makemore's ``names.txt``, as microgpt trains on: the copy autograd_lite ships
once it does, else the shared data folder beside the repository (``../shared/data/``), else
``--names PATH``; without any the workload is skipped with a message saying so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd_lite
from benchmarks import solo

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


def losses_differ(result: solo.Solo) -> tuple[int, int, float]:
    """How many of the losses differ between the peer and autograd_lite's Value, out of how
    many, and the largest relative difference (the two runs train on the same names)."""
    pairs = [
        (a, b)
        for peer, ours in zip(result.losses["peer"], result.losses["ours"], strict=True)
        for a, b in zip(peer, ours, strict=True)
    ]
    worst = max(abs(a - b) / abs(a) for a, b in pairs)
    return sum(a != b for a, b in pairs), len(pairs), worst


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
    result = solo.measure(("peer", "ours", "gpt"), args.steps, args.repeats, path)
    differ, compared, worst = losses_differ(result)
    print(
        f"microgpt step, {result.parameters:,} parameters, {args.repeats} rounds of "
        f"{args.steps} steps on {path}, each in a process of its own"
    )
    print(
        f"median step: peer (microgpt's design) {result.median('peer') * 1e3:.1f} ms, "
        f"autograd_lite {result.median('ours') * 1e3:.1f} ms, "
        f"nn.GPT {result.median('gpt') * 1e3:.1f} ms"
    )
    shown = ", ".join(f"{r:.2f}" for r in result.ratios("ours", "peer"))
    print(f"ours / peer = {result.ratio('ours', 'peer'):.2f} (median of the rounds: {shown})")
    print(f"nn.GPT / peer = {result.ratio('gpt', 'peer'):.2f}")
    print(
        f"losses that differ: {differ} of {compared}, by at most {worst:.1e} relative "
        "(the peer divides as a·b⁻¹, autograd_lite as a/b)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
