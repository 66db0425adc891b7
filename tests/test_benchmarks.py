"""The benchmark runner works end to end (at small sizes: timings are never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from benchmarks import microgpt_peer
from benchmarks.microgpt import SOME_NAMES
from benchmarks.microgpt_script import train_steps

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_run_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    text = out.read_text()
    assert text.strip() == result.stdout.strip()
    for workload in ("W1 moons step", "W2 deep chain", "W3 wide", "W4 digits", "W5 draw_graph",
                     "W6 microgpt step", "W7 microgpt step, nn.GPT compiled",
                     "W7 compiling the 2 positions", "W7 3 steps end to end"):  # fmt: skip
        assert workload in text
    assert "micrograd 0.1.0" in text
    assert "RecursionError" in text  # micrograd's recursive sort, reported as such
    assert text.count("train(compile=True)") == 3  # W1 untrained and trained, and W4
    assert "train(compile=True), trained model (100 steps first)" in text
    assert "plain floats, trained model (100 steps first)" in text


def test_full_runs_insist_on_five_repetitions() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--repeats", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "at least five repetitions" in result.stderr


# -- W6: microgpt's script over the peer's Value and over ours ------------------------------------


def test_microgpt_script_trains_alike_with_the_peer_and_with_autograd_lite() -> None:
    peer, _ = train_steps(microgpt_peer.Value, SOME_NAMES, 3)
    ours, run = train_steps(Value, SOME_NAMES, 3)
    assert len(run.params) == 4192  # microgpt's model: 27 tokens, n_embd 16, one layer
    assert len(ours) == 3
    assert ours[-1] < ours[0]  # it learns
    # Not always to the last bit: the peer divides as microgpt does, a · b ** -1, which differs
    # from a / b in the last bit for about one pair of floats in four.
    assert ours == pytest.approx(peer, rel=1e-14)
    assert all(isinstance(name, str) for name in run.sample(2, 0.5))


def _divide_as_autograd_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The peer's a / b as one node with autograd_lite's local derivatives (1/b, −out/b)."""
    peer = microgpt_peer.Value

    def truediv(a: Any, b: Any) -> Any:
        b = b if isinstance(b, peer) else peer(b)
        out = a.data / b.data
        return peer(out, (a, b), (1 / b.data, -out / b.data))

    monkeypatch.setattr(peer, "__truediv__", truediv)
    monkeypatch.setattr(peer, "__rtruediv__", lambda b, a: truediv(peer(a), b))


def test_microgpt_script_is_bit_identical_where_the_same_float_operations_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _divide_as_autograd_lite(monkeypatch)
    peer_losses, peer = train_steps(microgpt_peer.Value, SOME_NAMES, 3)
    our_losses, ours = train_steps(Value, SOME_NAMES, 3)
    assert our_losses == peer_losses  # to the last bit
    assert [p.data for p in ours.params] == [p.data for p in peer.params]
    assert ours.sample(3, 0.5) == peer.sample(3, 0.5)


def test_microgpt_ratio_command_prints_the_ratio(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\n".join(SOME_NAMES) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.microgpt", "--steps", "1", "--repeats", "1",
         "--names", str(names)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    assert "4,192 parameters" in result.stdout
    assert "ours / peer = " in result.stdout
    assert "losses that differ: " in result.stdout


def test_without_names_the_microgpt_workload_says_it_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import microgpt, run

    monkeypatch.setattr(microgpt, "PACKAGE", tmp_path)
    monkeypatch.setattr(microgpt, "SHARED_NAMES", tmp_path / "no" / "names.txt")
    rows: list[list[str]] = []
    assert run.w6(1, 1, rows, None) is None
    assert rows[0][0].startswith("W6 microgpt step")
    assert "skipped: names.txt not found" in rows[0][3]
    assert "--names PATH" in rows[0][3]
    with pytest.raises(FileNotFoundError, match="no names file at"):
        microgpt.find_names(tmp_path / "missing.txt")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "names.txt").write_text("emma\n", encoding="utf-8")
    assert microgpt.find_names() == tmp_path / "data" / "names.txt"  # the packaged copy
