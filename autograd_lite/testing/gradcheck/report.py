"""The report of :func:`~autograd_lite.testing.check_grad`: its result, and the small
:class:`Report` protocol every check's result meets (what :class:`GradCheckError` needs)."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from .verdict import Row, _tolerance


class Report(Protocol):
    """A check's result as :class:`~autograd_lite.testing.GradCheckError` holds it: the results
    of check_grad, check_engine and check_rule all have ``ok`` and ``report()``."""

    @property
    def ok(self) -> bool: ...

    def report(self) -> str: ...


@dataclasses.dataclass(repr=False)
class GradCheckResult:
    """The outcome of :func:`check_grad`; ``report()`` (or ``print(result)``) explains it, ``ok``
    is the verdict.

    >>> from autograd_lite.testing import check_grad
    >>> result = check_grad(lambda x: x * x, [3.0])
    >>> result
    <GradCheckResult passed: f(3.0) = 9.0, order 1, 1 derivative checked>
    >>> print(result)   # doctest: +ELLIPSIS
    check_grad passed: f(3.0) = 9.0, order 1, tolerance |analytic − numeric| ≤ 1e-05 + ...
    <BLANKLINE>
    ∂f/∂x0 at x0 = 3.0: analytic 6.0  [ok]
    ...
    """

    inputs: list[float]
    value: float
    order: int
    rows: list[Row]
    problems: list[str]  # failed checks: forward value, repeat, seed, mismatches, inconclusive
    suspects: list[str]  # nodes whose local derivatives disagree with their own forward rule
    unchecked: list[str]  # nodes whose local derivatives could not be checked
    kinks: list[str]  # derivatives with no estimate because every step crosses a kink
    wrong_gradient: bool  # a mismatch, or a repeat or seeded backward pass that disagreed
    reproduce: str
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return not self.problems and not self.kinks

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        verdict = (
            "passed"
            if self.ok
            else "NONDIFFERENTIABLE POINT"
            if not self.problems
            else (f"FAILED ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''})")
        )
        rows = f"{len(self.rows)} derivative{'s' if len(self.rows) != 1 else ''} checked"
        point = ", ".join(map(repr, self.inputs))
        return (
            f"<GradCheckResult {verdict}: f({point}) = {self.value!r}, order {self.order}, {rows}>"
        )

    def report(self) -> str:
        """A table per derivative, the verdict, the suspect nodes and a line that reproduces it."""
        verdict = "passed" if self.ok else "FAILED"
        if self.kinks and not self.problems:
            verdict = "NONDIFFERENTIABLE POINT"
        lines = [
            f"check_grad {verdict}: f({', '.join(map(repr, self.inputs))}) = {self.value!r}, "
            f"order {self.order}, tolerance |analytic − numeric| ≤ {self.atol:g} + "
            f"{self.rtol:g}·|numeric|"
        ]
        for row in self.rows:
            lines.append(
                f"\n{row.name} at x{row.index[-1]} = {row.x!r}: analytic {row.analytic!r}"
                f"  [{'ok' if row.passed else row.verdict}]"
            )
            lines.append(_HEADER)
            for e in row.estimates:
                if e.value is None:
                    lines.append(f"  {e.step:<14}{'—':>24}  {e.note}")
                    continue
                err = abs(row.analytic - e.value)
                rel = err / abs(e.value) if e.value else err
                tol = _tolerance(e.value, self.atol, self.rtol)
                agrees = "agrees" if err <= tol + e.rounding + e.truncation else "differs"
                lines.append(
                    f"  {e.step:<14}{e.value:>24.15g}{err:>12.3g}{rel:>12.3g}"
                    f"{e.rounding:>11.2g}{e.truncation:>11.2g}{tol:>11.3g}"
                    f"  {agrees if e.trusted else e.note}"
                )
        if self.kinks:
            lines.append("")
            lines.extend(self.kinks)
        if self.problems:
            lines.append("\nProblems:")
            lines.extend(f"  - {problem}" for problem in self.problems)
        if self.suspects:
            lines.append("\nNodes whose local derivatives disagree with their own forward rule:")
            lines.extend(f"  - {suspect}" for suspect in self.suspects)
        if self.unchecked:
            lines.append("\nNodes whose local derivatives could not be checked here:")
            lines.extend(f"  - {node}" for node in self.unchecked)
        if self.wrong_gradient and not self.suspects and not self.unchecked:
            lines.append(
                "\nEvery node's local derivatives agree with its forward rule, so the error is in "
                "how they are combined: the chain rule, the accumulation of gradients, or the "
                "order of the backward pass."
            )
        lines.append(f"\nReproduce: {self.reproduce}")
        return "\n".join(lines)


_HEADER = (
    f"  {'step':<14}{'numeric':>24}{'abs error':>12}{'rel error':>12}"
    f"{'rounding':>11}{'truncation':>11}{'tolerance':>11}  verdict"
)
