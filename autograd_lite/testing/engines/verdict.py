"""The verdict on one expression: does the engine agree with autograd_lite, and if not, what
differs first (it raised, a value, a gradient, zero_grad, the Hessian)."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from .adapter import Engine
from .programs import _Oracle, _oracle, _Outcome, _outcome, _program, _Raised

if TYPE_CHECKING:
    from ..strategies import Expression


@dataclasses.dataclass
class _Finding:
    """One failed example: what differs, and the numbers for the report."""

    kind: str  # "raised", "value", "gradient", "reset", "hessian"
    message: str
    yours: list[float | None] = dataclasses.field(default_factory=list)


def _close(a: float | None, b: float, atol: float, rtol: float, scale: float = 0.0) -> bool:
    if a is None or not math.isfinite(a):
        return False
    return abs(a - b) <= atol + rtol * max(abs(b), scale)


def _examine(
    engine: Engine, expr: Expression, order: int, atol: float, rtol: float
) -> tuple[_Finding | None, _Oracle, _Outcome | None]:
    ours = _oracle(expr, order)
    program = _program(engine, expr)
    try:
        theirs = _outcome(engine, program, order, expr.n_inputs)
    except _Raised as raised:
        return _Finding("raised", f"`{raised.statement}` raised {raised.error!r}"), ours, None
    n = expr.n_inputs
    out_k = expr.output
    if not _close(theirs.values[-1], ours.values[out_k], atol, rtol, ours.value_scale):
        return _Finding("value", "the value differs"), ours, theirs
    leaf_grads = theirs.grads[:n]
    for i in range(n):
        if not _close(leaf_grads[i], ours.grads[i], atol, rtol, ours.scales[i]):
            return _Finding("gradient", "a gradient differs", leaf_grads), ours, theirs
    if engine.resets:
        first = [g for g in leaf_grads if g is not None]
        if any(g not in (None, 0, 0.0) for g in theirs.after_reset) or not all(
            _close(a, b, atol, rtol) for a, b in zip(theirs.second_pass, first, strict=True)
        ):
            finding = _Finding("reset", "zero_grad() does not reset", list(theirs.second_pass))
            return finding, ours, theirs
    for i, row in enumerate(theirs.hessian):
        for j, h in enumerate(row):
            if not _close(h, ours.hessian[i][j], atol, rtol, ours.scales[i] * 10):
                return _Finding("hessian", f"∂²/∂x{i}∂x{j} differs"), ours, theirs
    return None, ours, theirs
