"""check_engine on a class in microgpt's style: it passes, and each planted bug is named.

microgpt's ``Value`` (Karpathy, 2026) keeps ``(children, local_grads)`` on each node and has
no ``zero_grad`` and no ``tanh``; ``check_engine`` finds the ops it has by trying each. The
class and its two broken copies are in :mod:`tests.microgpt_style`; the benchmarks' peer
(written separately in the same design) must pass too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.testing import (
    DEFAULT_EXAMPLES,
    EngineCheckResult,
    GradCheckError,
    check_engine,
)
from benchmarks import microgpt_peer
from tests import microgpt_style

ROOT = Path(__file__).resolve().parents[1]

MICROGPT_OPS = ["add", "sub", "mul", "truediv", "neg", "pow", "exp", "log", "relu"]
"""The ops of microgpt's class, in check_engine's order."""


@pytest.mark.parametrize(
    "engine", [microgpt_style.Value, microgpt_peer.Value], ids=["tests", "benchmarks' peer"]
)
@pytest.mark.parametrize("seed", range(3))
def test_a_correct_microgpt_style_class_passes(engine: type, seed: int) -> None:
    result = check_engine(engine, seed=seed)
    assert result.ok, result.report()
    assert result.ops == MICROGPT_OPS
    assert "tanh" in result.missing  # microgpt has no tanh; not a failure
    assert result.examples == DEFAULT_EXAMPLES
    assert "check_engine passed" in result.report()


def _failure(engine: type, seed: int) -> EngineCheckResult:
    with pytest.raises(GradCheckError) as info:
        check_engine(engine, seed=seed)
    result = info.value.result
    assert isinstance(result, EngineCheckResult)
    assert not result.ok
    assert result.examples <= DEFAULT_EXAMPLES
    assert str(info.value) == result.report()
    return result


@pytest.mark.parametrize("seed", range(3))
def test_log_derivative_minus_one_over_x_is_named(seed: int) -> None:
    result = _failure(microgpt_style.LogMinusOneOverX, seed)
    first = result.diagnosis[0]
    assert first.startswith("∂(x.log())/∂x"), result.report()  # the op, by name
    assert "the sign is wrong" in first
    assert "expected" in first
    assert "(1/x)" in first  # the derivative it should be
    assert "x0.log()" in "\n".join(result.program)  # the shrunk program uses log


@pytest.mark.parametrize("seed", range(3))
def test_assigned_instead_of_accumulated_gradients_are_named(seed: int) -> None:
    result = _failure(microgpt_style.AssignedGrad, seed)
    assert any(
        "gradients are assigned (=), not accumulated (+=)" in line for line in result.diagnosis
    ), result.report()
    # No op is blamed for its own derivative: every line names the mechanism.
    assert all("accumulated (+=)" in line for line in result.diagnosis), result.report()


def test_the_report_of_a_planted_bug_reproduces_in_one_paste() -> None:
    result = _failure(microgpt_style.LogMinusOneOverX, 0)
    program = "\n".join(result.program)
    assert "from tests.microgpt_style import LogMinusOneOverX" in program
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert result.table[1][1] in ran.stdout  # the wrong gradient the report shows
