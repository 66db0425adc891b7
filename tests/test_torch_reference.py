"""autograd_lite agrees with PyTorch (float64) on expressions written in micrograd's style.

The PyTorch side was recorded by ``make torch-reference`` into tests/data/torch_reference.json,
so this test needs no PyTorch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from tests.reference.expressions import EXPRESSIONS

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())
CASES: list[dict[str, Any]] = REFERENCE["cases"]


def test_reference_covers_every_expression_and_point() -> None:
    recorded = {(case["expression"], tuple(case["inputs"])) for case in CASES}
    expected = {(name, point) for name, (_, points) in EXPRESSIONS.items() for point in points}
    assert recorded == expected, "re-run `make torch-reference` after changing the expressions"
    assert REFERENCE["dtype"] == "float64"


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['expression']}{tuple(c['inputs'])}" for c in CASES]
)
def test_value_and_gradients_match_pytorch(case: dict[str, Any]) -> None:
    function, _ = EXPRESSIONS[case["expression"]]
    xs = [Value(x) for x in case["inputs"]]
    out = function(*xs)
    out.backward()
    assert out.data == pytest.approx(case["value"], rel=1e-12, abs=1e-12)
    assert [x.grad for x in xs] == pytest.approx(case["grads"], rel=1e-10, abs=1e-12)
