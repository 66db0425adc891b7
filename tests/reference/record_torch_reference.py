"""Record PyTorch's values and gradients for tests/reference/expressions.py (float64).

Run with ``make torch-reference``; it writes tests/data/torch_reference.json. The tests compare
autograd_lite against this file, so `make test` never needs PyTorch itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.reference.expressions import EXPRESSIONS

OUT = Path(__file__).resolve().parents[1] / "data" / "torch_reference.json"


def main() -> None:
    import torch  # imported here: pytest collects this file (doctests) without PyTorch installed

    cases = []
    for name, (function, points) in EXPRESSIONS.items():
        for point in points:
            xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
            out = function(*xs)
            out.backward()
            cases.append(
                {
                    "expression": name,
                    "inputs": list(point),
                    "value": out.item(),
                    "grads": [x.grad.item() for x in xs],
                }
            )
    record = {"torch_version": torch.__version__, "dtype": "float64", "cases": cases}
    OUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {len(cases)} cases from torch {torch.__version__} to {OUT}")


if __name__ == "__main__":
    main()
