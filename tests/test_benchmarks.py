"""The benchmark runner works end to end (at small sizes: timings are never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    for workload in ("W1 moons step", "W2 deep chain", "W3 wide", "W4 digits", "W5 draw_graph"):
        assert workload in text
    assert "micrograd 0.1.0" in text
    assert "RecursionError" in text  # micrograd's recursive sort, reported as such
    assert text.count("train(compile=True)") == 2  # W1 and W4


def test_full_runs_insist_on_five_repetitions() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--repeats", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "at least five repetitions" in result.stderr
