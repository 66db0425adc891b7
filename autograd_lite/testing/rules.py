"""Check one rule of the table: its local derivatives against finite differences of itself.

:func:`check_rule` is :func:`~autograd_lite.testing.check_grad` applied to a single node of the
op, at several points: the first derivatives (``local`` on floats) are compared with central
differences of ``forward``, and the second derivatives (the derivative of ``local`` run on
Values) with central differences of ``local``. So a rule added with
:func:`autograd_lite.ops.register` is checked before any graph uses it:

>>> from autograd_lite import Rule
>>> from autograd_lite.ops import register, unregister
>>> cube = register(Rule("cube", "cube", ("x",), lambda x: x**3,
...                      lambda m, out, x: (3 * x**2,), "x³", "3·x²"))
>>> check_rule("cube")
<RuleCheckResult passed: cube, order 2, 14 derivatives checked at 7 points>
>>> _ = unregister("cube")
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence

from ..engine import Value
from ..engine.value import apply_rule
from ..errors import DomainError
from ..ops import RULES, Rule
from .gradcheck import DEFAULT_STEPS, GradCheckError, GradCheckResult, Row, check_grad

__all__ = ["DEFAULT_POINTS", "RuleCheckResult", "check_rule"]

DEFAULT_POINTS: tuple[float, ...] = (-2.3, -1.1, -0.4, 0.3, 0.8, 1.6, 2.7)
"""The values operands take when no points are given (points outside the op's domain, or on a
kink, are skipped): moderate, of both signs, none at 0, ±1 or another common kink."""

Point = tuple[float, ...]


def _default_points(rule: Rule) -> list[Point]:
    n = len(DEFAULT_POINTS)
    if rule.variadic:  # one, two and three operands, twice each
        return [DEFAULT_POINTS[k : k + size] for size in (1, 2, 3) for k in (0, 3)]
    # Each input runs through every value, the inputs offset so that they differ.
    return [
        tuple(DEFAULT_POINTS[(k + 3 * i) % n] for i in range(len(rule.inputs))) for k in range(n)
    ]


def _number(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"check_rule: {what} must be a real number, got {type(x).__name__} {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"check_rule: {what} must be finite, got {x!r}")
    return float(x)


def _given_points(rule: Rule, points: object) -> list[Point]:
    if isinstance(points, (str, numbers.Number)) or not isinstance(points, Sequence):
        raise TypeError(
            f"check_rule: points must be a list of points, each a list of operands, got "
            f"{type(points).__name__} {points!r}; e.g. points=[[1.5], [-0.3]]"
        )
    if len(points) == 0:
        raise ValueError("check_rule: points is empty; give at least one (or None for defaults)")
    found = []
    for k, point in enumerate(points):
        if isinstance(point, numbers.Real) and not rule.variadic and len(rule.inputs) == 1:
            point = (point,)  # one operand: a bare number will do
        if isinstance(point, str) or not isinstance(point, Sequence):
            raise TypeError(
                f"check_rule: points[{k}] must be a list of operands, got "
                f"{type(point).__name__} {point!r}"
            )
        if not rule.variadic and len(point) != len(rule.inputs):
            raise ValueError(
                f"check_rule: {rule.name} takes {len(rule.inputs)} operand"
                f"{'s' if len(rule.inputs) != 1 else ''} ({', '.join(rule.inputs)}); "
                f"points[{k}] = {list(point)!r} has {len(point)}"
            )
        if len(point) == 0:
            raise ValueError(f"check_rule: points[{k}] is empty; give the operands")
        found.append(tuple(_number(x, f"points[{k}][{i}]") for i, x in enumerate(point)))
    return found


def _operands(rule: Rule, point: Point) -> str:
    """``a = 1.0, b = 2.0``: the operands of ``point`` under the rule's names for them."""
    names = rule.input_names(len(point))
    return ", ".join(f"{name} = {x!r}" for name, x in zip(names, point, strict=True))


def _where(rule: Rule, point: Point, params: Point) -> str:
    parts = [_operands(rule, point)] if point else []
    parts += [f"{name} = {p!r}" for name, p in zip(rule.params, params, strict=True)]
    return ", ".join(parts)


def _row_name(rule: Rule, row: Row, count: int) -> str:
    """∂cube/∂x for a first derivative, ∂²cube/∂x² or ∂²f/∂a∂b for a second (of ``count``
    operands)."""
    names = rule.input_names(count)
    if len(row.index) == 1:
        return f"∂{rule.name}/∂{names[row.index[0]]}"
    i, j = row.index
    if i == j:
        return f"∂²{rule.name}/∂{names[i]}²"
    return f"∂²{rule.name}/∂{names[i]}∂{names[j]}"


@dataclasses.dataclass(repr=False)
class RuleCheckResult:
    """The outcome of :func:`check_rule`: ``ok`` is the verdict, ``report()`` (or ``print``)
    explains it, ``checks`` holds the :class:`GradCheckResult` of each point checked and
    ``skipped`` the points that could not be checked, with the reason."""

    rule: str
    order: int
    checks: list[tuple[Point, GradCheckResult]]
    skipped: list[tuple[Point, str]]
    problems: list[str]
    reproduce: str
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        verdict = "passed" if self.ok else f"FAILED ({len(self.problems)} problems)"
        rows = sum(len(result.rows) for _, result in self.checks)
        return (
            f"<RuleCheckResult {verdict}: {self.rule}, order {self.order}, {rows} derivatives "
            f"checked at {len(self.checks)} points>"
        )

    def report(self) -> str:
        """Each derivative at each point, the rule's value beside finite differences; skipped
        points with the reason; the problems; a line that reproduces the check."""
        rule = RULES.get(self.rule)
        verdict = "passed" if self.ok else "FAILED"
        lines = [
            f"check_rule {verdict}: {self.rule}"
            + (f" ({rule.formula}; local derivative {rule.derivative})" if rule else "")
            + f", order {self.order}, tolerance |rule − numeric| ≤ {self.atol:g} + "
            f"{self.rtol:g}·|numeric|"
        ]
        for point, result in self.checks:
            lines.append("")
            for row in result.rows:
                lines.append(f"  {_line(rule, row, point)}" if rule else f"  {row.name}")
        if self.skipped:
            lines.append("\nSkipped:")
            lines.extend(f"  - {reason}" for _, reason in self.skipped)
        if self.problems:
            lines.append("\nProblems:")
            lines.extend(f"  - {problem}" for problem in self.problems)
        lines.append(f"\nReproduce: {self.reproduce}")
        return "\n".join(lines)


def _best(row: Row) -> float | None:
    """The finite-difference estimate a verdict rests on: the first trusted one of the sweep."""
    return next((e.value for e in row.estimates if e.trusted), None)


def _line(rule: Rule, row: Row, point: Point) -> str:
    where = _operands(rule, point)
    best = _best(row)
    numeric = "no usable estimate" if best is None else f"finite differences ≈ {best!r}"
    verdict = "ok" if row.passed else row.verdict
    name = _row_name(rule, row, len(point))
    return f"{name} at {where}: rule {row.analytic!r}, {numeric}  [{verdict}]"


def check_rule(
    name: str,
    points: Sequence[Sequence[float] | float] | None = None,
    *,
    params: Sequence[float] = (),
    order: int = 2,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    steps: Sequence[float] = DEFAULT_STEPS,
    raise_on_failure: bool = True,
) -> RuleCheckResult:
    """Check the rule ``name`` (registered or built-in) against finite differences of itself.

    At each point, one node of the op is checked with :func:`check_grad`: each local derivative
    against central differences of the rule's ``forward``, and (``order=2``, the default) each
    derivative of ``local`` (run on Values, as for Hessians) against central differences of
    ``local``. A derivative passes when ``|rule − numeric| ≤ atol + rtol·|numeric|`` for a
    trusted estimate of the step sweep, as in :func:`check_grad`.

    Args:
        name: the op's name in :data:`autograd_lite.ops.RULES`.
        points: where to check, each a list of operands (a bare number for a one-input op).
            Default: :data:`DEFAULT_POINTS`, skipping those outside the op's domain or on a
            kink. A point you give that is outside the domain is an error.
        params: the op's constant parameters (``params=(0.1,)`` for leaky_relu's slope), the
            same at every point; needed when the rule has params.

    Raises :class:`GradCheckError` with a report naming the rule, the input, the rule's value
    and the finite-difference estimate, when a derivative disagrees, or when no derivative
    could be checked at all (every point skipped); ``raise_on_failure=False`` returns the
    result instead.

    >>> check_rule("leaky_relu", params=(0.1,)).ok
    True
    >>> check_rule("log", [0.5, 30.0], order=1)
    <RuleCheckResult passed: log, order 1, 2 derivatives checked at 2 points>
    """
    if not isinstance(name, str) or name not in RULES:
        raise KeyError(f"check_rule: no op named {name!r}; the ops are {', '.join(RULES)}")
    rule = RULES[name]
    if order not in (1, 2):
        raise ValueError(f"check_rule: order must be 1 or 2, got {order!r}")
    if isinstance(params, (str, numbers.Number)) or not isinstance(params, Sequence):
        raise TypeError(f"check_rule: params must be a tuple of numbers, got {params!r}")
    if len(params) != len(rule.params):
        wanted = ", ".join(rule.params) or "none"
        example = f", e.g. params=({', '.join('0.5' for _ in rule.params)},)" if rule.params else ""
        raise ValueError(
            f"check_rule: {name} has {len(rule.params)} parameter"
            f"{'s' if len(rule.params) != 1 else ''} ({wanted}), got params={tuple(params)!r}"
            f"{example}"
        )
    constants = tuple(_number(p, f"params[{k}]") for k, p in enumerate(params))
    given = points is not None
    candidates = _given_points(rule, points) if given else _default_points(rule)

    def op(*xs: Value) -> Value:
        return apply_rule(rule, xs, constants)

    checks: list[tuple[Point, GradCheckResult]] = []
    skipped: list[tuple[Point, str]] = []
    problems: list[str] = []
    for point in candidates:
        where = _where(rule, point, constants)
        try:
            op(*(Value(x) for x in point))
        except DomainError as error:
            if given:
                raise ValueError(
                    f"check_rule: the point {where} is outside the domain of {name}: {error}"
                ) from None
            skipped.append((point, f"{where}: outside the domain ({error.reason})"))
            continue
        try:
            result = check_grad(
                op, list(point), atol=atol, rtol=rtol, order=order, steps=steps,
                raise_on_failure=False,
            )  # fmt: skip
        except DomainError as error:  # a local derivative that is not finite here
            skipped.append((point, f"{where}: {error}"))
            continue
        if result.kinks and not result.problems:
            skipped.append((point, f"{where}: on a kink, where {name} has no derivative"))
            continue
        checks.append((point, result))
        for row in result.rows:
            if row.verdict == "MISMATCH":
                of = "forward" if len(row.index) == 1 else "local"
                problems.append(
                    f"{_row_name(rule, row, len(point))} at {where}: {row.analytic!r} by the rule, "
                    f"but ≈ {_best(row)!r} by finite differences of its {of}"
                )
        for problem in result.problems:  # what is not a row: repeat and seed checks
            if not problem.startswith(("∂f", "∂²f")):
                problems.append(f"at {where}: {problem}")
    if not any(row.passed for _, result in checks for row in result.rows) and not problems:
        reasons = "; ".join(reason for _, reason in skipped) or "finite differences inconclusive"
        problems.append(f"no derivative of {name} could be checked at any point: {reasons}")

    shown = [list(p) for p in candidates] if given else None
    extra = "".join(
        f", {key}={value!r}"
        for key, value, default in (
            ("params", constants, ()),
            ("order", order, 2),
            ("atol", atol, 1e-5),
            ("rtol", rtol, 1e-3),
            ("steps", tuple(steps), DEFAULT_STEPS),
        )
        if value != default
    )
    reproduce = (
        f"from autograd_lite.testing import check_rule; "
        f"check_rule({name!r}{'' if shown is None else f', {shown!r}'}{extra})"
    )
    for _, result in checks:  # check_grad's own line would name a local function
        result.reproduce = reproduce
    outcome = RuleCheckResult(name, order, checks, skipped, problems, reproduce, atol, rtol)
    if raise_on_failure and problems:
        raise GradCheckError(outcome)
    return outcome
