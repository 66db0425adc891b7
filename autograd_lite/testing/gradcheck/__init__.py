"""Check the engine's derivatives against central finite differences, with a report to act on.

>>> from autograd_lite.testing import check_grad, numerical_grad
>>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [3.0, 4.0])]
[4.0, 3.0]
>>> check_grad(lambda x, y: (x * y).tanh() + y.exp(), [0.5, -1.0]).ok
True

How a derivative is judged. For each step h of a sweep (each of ``steps`` absolute, and relative
to |x|), the central difference (f(x + h) − f(x − h)) / 2h is an *estimate*. An estimate is set
aside when the step crosses a kink or leaves a domain, or when f's rounding error, divided by
the step, exceeds half the tolerance. An estimate is *trusted* unless a narrower step's estimate
contradicts it (a wide step can be fooled by curvature: a step as wide as a period of sin gives
0). The analytic derivative passes when it agrees with a trusted estimate. When no estimate can
be used the check is *inconclusive* and says so, rather than passing or blaming an op.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence

from ...engine import Value, enable_grad, gradients
from ...errors import DomainError
from ..plain import plain_value
from ..source import graph_lambda, reproduce
from .numeric import (
    DEFAULT_STEPS,
    Estimate,
    Graph,
    _call,
    _check_step,
    _estimates,
    _gradient,
    _hessian,
    _output,
    _partial,
    _probe,
    _rounding_scale,
    numerical_grad,
)
from .override import override_rule
from .report import GradCheckResult, Report
from .suspects import _check_nodes
from .verdict import Row, _agrees, _judge, _why_inconclusive

__all__ = [
    "DEFAULT_STEPS",
    "Estimate",
    "GradCheckError",
    "GradCheckResult",
    "NondifferentiablePoint",
    "Row",
    "check_grad",
    "numerical_grad",
    "override_rule",
]


class GradCheckError(AssertionError):
    """Derivatives disagree with finite differences; ``.result`` has the details: a
    :class:`GradCheckResult` from :func:`check_grad`, an
    :class:`~autograd_lite.testing.engines.EngineCheckResult` from
    :func:`~autograd_lite.testing.check_engine`, or a
    :class:`~autograd_lite.testing.rules.RuleCheckResult` from
    :func:`~autograd_lite.testing.check_rule`. The message is its report."""

    result: Report

    def __init__(self, result: Report) -> None:
        self.result = result
        super().__init__(result.report())

    def __reduce__(self) -> tuple[type[GradCheckError], tuple[Report]]:
        return (type(self), (self.result,))


class NondifferentiablePoint(GradCheckError):  # noqa: N818 - the name the issue asks for
    """The point sits on a kink (relu, abs, leaky_relu at 0): no derivative to check there."""


def check_grad(
    f: Callable[..., object],
    xs: Sequence[float],
    *,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
    steps: Sequence[float] = DEFAULT_STEPS,
    raise_on_failure: bool = True,
) -> GradCheckResult:
    """Check the engine's derivatives of ``f`` at ``xs`` against central finite differences.

    ``f`` takes Values (one per entry of ``xs``) and returns a Value. A derivative passes when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|`` (plus the estimate's own rounding and
    truncation error estimates) for a trusted estimate of the sweep (each of
    ``steps`` absolute and relative to |x|; see the module's notes), so no single step size has
    to suit every magnitude. Also checked: the value equals ``f`` evaluated on plain floats (when
    ``f`` runs on floats), a second backward pass on a fresh graph gives the same gradients, and
    seeding backward with an upstream gradient c scales every gradient by c. ``order=2`` also
    checks the Hessian against finite differences of the gradient.

    Raises :class:`GradCheckError` (an AssertionError) with a report on failure, or
    :class:`NondifferentiablePoint` when, for some derivative, every step crosses a kink (relu,
    abs, leaky_relu at 0) and nothing else is wrong. With ``raise_on_failure=False`` it returns
    the :class:`GradCheckResult` instead.

    >>> check_grad(lambda x: x.log(), [1e7]).ok
    True
    >>> check_grad(lambda x: x.relu(), [0.0])   # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    autograd_lite.testing.gradcheck.NondifferentiablePoint: check_grad NONDIFFERENTIABLE POINT: ...
    """
    if order not in (1, 2):
        raise ValueError(f"check_grad: order must be 1 or 2, got {order!r}")
    if isinstance(xs, (int, float, Value, str)) or not hasattr(xs, "__len__"):
        raise TypeError(
            f"check_grad: xs must be a list of numbers (one per argument of f), got "
            f"{type(xs).__name__}; for one input write [x]"
        )
    if len(xs) == 0:
        raise ValueError("check_grad: give at least one input")
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            raise TypeError(
                f"check_grad: xs[{i}] is a Value; give plain numbers, the point to check at "
                f"(check_grad builds fresh Values from them), e.g. {x.data!r}"
            )
    if not (atol >= 0 and rtol >= 0):
        raise ValueError(f"check_grad: tolerances must be >= 0, got atol={atol}, rtol={rtol}")
    if isinstance(steps, (int, float)) or len(steps) == 0:
        raise ValueError(f"check_grad: steps must be a non-empty list of step sizes, got {steps!r}")
    for k, h in enumerate(steps):
        _check_step(h, f"check_grad: steps[{k}]")
    points = [Value(x).data for x in xs]
    options: dict[str, object] = {"order": order} if order != 1 else {}
    if (atol, rtol) != (1e-5, 1e-3):
        options.update(atol=atol, rtol=rtol)
    if tuple(steps) != DEFAULT_STEPS:
        options["steps"] = list(steps)
    with enable_grad():  # inside no_grad() there would be no graph to check
        result = _check(f, points, atol, rtol, order, steps)
        inputs, out = _call(f, points)
    names = getattr(getattr(f, "__code__", None), "co_varnames", ())[: len(points)]
    if len(names) < len(points):
        names = tuple(f"x{i}" for i in range(len(points)))
    result.reproduce = reproduce(f, points, options, graph_lambda(inputs, out, names))
    if raise_on_failure and result.problems:
        raise GradCheckError(result)
    if raise_on_failure and result.kinks:
        raise NondifferentiablePoint(result)
    return result


def _check(
    f: Callable[..., object],
    xs: list[float],
    atol: float,
    rtol: float,
    order: int,
    steps: Sequence[float],
) -> GradCheckResult:
    value = _call(f, xs)[1].data
    problems: list[str] = []

    plain = plain_value(f, xs)
    if isinstance(plain, float) and not _agrees(value, plain, 1e-10, 1e-8):
        problems.append(
            f"the value {value!r} differs from f evaluated on plain floats ({plain!r}): "
            "a forward rule is wrong"
        )

    analytic = _gradient(f, xs)
    repeat = _gradient(f, xs)
    if repeat != analytic:
        problems.append(
            f"a second backward pass on a fresh graph gave {repeat!r} instead of {analytic!r}"
        )
    # A power of two scales floats exactly; −0.5 instead of −2 where doubling could overflow
    # (the gradient of an input, or of a constant: 1e308 * x at x = 1 overflows only there).
    seed = -0.5 if max(map(abs, analytic)) > 1e300 else -2.0
    try:
        seeded = _gradient(f, xs, seed=seed)
    except DomainError:
        seed = -0.5
        seeded = _gradient(f, xs, seed=seed)
    expected = [seed * g for g in analytic]
    if not all(_agrees(s, e, 1e-300, 1e-12) for s, e in zip(seeded, expected, strict=True)):
        problems.append(
            f"backward(seed={seed}) gave {seeded!r}, not {seed} × the gradient {expected!r}: "
            "the upstream gradient is not propagated"
        )

    def row(
        index: tuple[int, ...], exact: float, read: Callable[[Graph], float], scale: float
    ) -> Row:
        estimates = _estimates(_probe(f, read), xs, index[-1], steps, scale)
        verdict = _judge(exact, estimates, atol, rtol)
        return Row(index, xs[index[-1]], exact, estimates, verdict)

    inputs, out = _call(f, xs)
    scale = _rounding_scale(out)
    rows = [row((i,), analytic[i], _output, scale) for i in range(len(xs))]
    if order == 2:
        hess = _hessian(f, xs)
        firsts = gradients(out, inputs, create_graph=True)
        for i, j in itertools.product(range(len(xs)), repeat=2):
            partial = functools.partial(_partial, i)
            rows.append(row((i, j), hess[i][j], partial, _rounding_scale(firsts[i])))

    kinks = []
    for r in rows:
        if r.verdict == "MISMATCH":
            problems.append(
                f"{r.name}: analytic {r.analytic!r} disagrees with the trusted finite-difference "
                "estimates"
            )
        elif r.verdict == "inconclusive":
            problems.append(f"{r.name}: inconclusive: {_why_inconclusive(r)}")
        elif r.verdict == "kink":
            crossed = next(e.note for e in r.estimates)
            kinks.append(
                f"{r.name} cannot be checked at this point: every step {crossed}. "
                "The function has no derivative here; move the point away from the kink."
            )

    wrong_gradient = (
        repeat != analytic
        or any(problem.startswith("backward(seed") for problem in problems)
        or any(r.verdict == "MISMATCH" for r in rows)
    )
    suspects: list[str] = []
    unchecked: list[str] = []
    if problems:
        out = _call(f, xs)[1]
        suspects, unchecked = _check_nodes(out, 1, atol, rtol)
        if order == 2 and not suspects:
            suspects, unchecked = _check_nodes(out, 2, atol, rtol)

    return GradCheckResult(
        inputs=list(xs),
        value=value,
        order=order,
        rows=rows,
        problems=problems,
        suspects=suspects,
        unchecked=unchecked,
        kinks=kinks,
        wrong_gradient=wrong_gradient,
        reproduce="",
        atol=atol,
        rtol=rtol,
    )
