"""The command line, end to end, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

from autograd_lite.cli import main


def test_demo_shows_the_chain_rule_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert "f(2) = 125" in out
    assert "f'(2) = 300   (by hand: 3·(x² + 1)²·2x = 300)" in out
    assert "f''(2) = 630" in out
    assert "∂f/∂x += ∂x²/∂x × ∂f/∂x² = 4 × 75" in out


def test_demo_at_another_point(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--x", "1"]) == 0
    out = capsys.readouterr().out
    assert "f(1) = 8" in out
    assert "f'(1) = 24" in out  # 3·2²·2


def test_no_command_prints_help_and_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_demo_reports_bad_points_without_a_traceback() -> None:
    for point, message in (("nan", "data must be a finite real number"), ("1e60", "overflows")):
        result = subprocess.run(
            [sys.executable, "-m", "autograd_lite", "demo", "--x", point],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2
        assert result.stderr.startswith("autograd-lite demo: error: ")
        assert message in result.stderr
        assert "Traceback" not in result.stderr
