"""check_engine and its result: detect the ops, search for the smallest failing expression
with Hypothesis, and report it."""

from __future__ import annotations

import contextlib
import dataclasses
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...ops import BUILTIN_OPS, RULES
from ..gradcheck import GradCheckError, check_grad
from ..plain import plain_value
from .adapter import Engine
from .diagnosis import _diagnose, _fd_row_agrees
from .probes import _detect
from .programs import _Program, _program
from .reflected import _reflected
from .verdict import _examine

if TYPE_CHECKING:
    from ..strategies import Expression

DEFAULT_EXAMPLES = 200
"""Random expressions :func:`check_engine` tries by default: a few milliseconds each (most of
it drawing the expression), about a second in all. Each deliberately broken engine of
autograd_lite's tests is caught within the first 60 on every seed tried (most within 10), so
200 leaves a wide margin; Hypothesis's test profiles do not change it. Raise it
(``examples=2000``) for a thorough run before you publish your engine."""


@dataclasses.dataclass(repr=False)
class EngineCheckResult:
    """The outcome of :func:`check_engine`; ``report()`` (or ``print(result)``) explains it."""

    engine: str  # the class, with its module
    ops: list[str]  # the ops checked
    missing: dict[str, str]  # ops of autograd_lite the class does not have, and why
    order: int
    examples: int  # random expressions tried (up to and including the first failing one)
    ok: bool
    reflected_failed: bool = False  # every random expression passed, a reflected operator not
    program: list[str] = dataclasses.field(default_factory=list)  # reproduces the failure
    table: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)
    diagnosis: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        return f"<EngineCheckResult {verdict}: {self.engine}, {self.examples} examples>"

    def report(self) -> str:
        """What was checked, and on failure: the program, the numbers, the diagnosis."""
        checked = f"ops checked: {', '.join(self.ops) or 'none'}"
        missing = f"not found in your class: {', '.join(self.missing)}" if self.missing else ""
        if self.ok:
            lines = [
                f"check_engine passed: {self.engine} agrees with autograd_lite and finite "
                f"differences on {self.examples} random expressions (order {self.order}), and "
                "on the reflected operators (2 * x, 1 - x, ...).",
                checked,
            ]
            return "\n".join([*lines, *([missing] if missing else []), *self.notes])
        where = (
            f"{self.examples} random expressions passed, but the reflected operators did not"
            if self.reflected_failed
            else f"random expression {self.examples} failed (shown shrunk by Hypothesis to "
            "the smallest that fails)"
        )
        lines = [f"check_engine FAILED: {self.engine}: {where}.", "", "Diagnosis:"]
        lines += [f"  - {d}" for d in self.diagnosis]
        if self.table:
            header = ("", "yours", "autograd_lite", "finite differences")
            lines.append("")
            lines += [f"  {a:<10}{b:>24}  {c:>24}  {d:>30}" for a, b, c, d in [header, *self.table]]
        lines += ["", "Reproduce (paste into Python):", ""]
        lines += [f"    {line}" for line in self.program]
        lines += ["", checked, *([missing] if missing else []), *self.notes]
        return "\n".join(lines)


def _numbers(x: float | None) -> str:
    return "—" if x is None else repr(x)


def _report_program(engine: Engine, program: _Program, n: int) -> list[str]:
    out = program.output
    lines = [*engine.setup_text(), *program.statements, engine.backward_text(out)]
    value = engine.read_text("data", out)
    grads = ", ".join(engine.read_text("grad", name) for name in program.names[:n])
    lines.append(f"print({value}, [{grads}])")
    return lines


def _failure(
    engine: Engine, expr: Expression, order: int, atol: float, rtol: float
) -> EngineCheckResult | None:
    """The report of a failing expression, or None if it passes after all (theirs agrees
    with finite differences where autograd_lite does not)."""
    finding, ours, theirs = _examine(engine, expr, order, atol, rtol)
    if finding is None:
        return None
    n = expr.n_inputs
    program = _program(engine, expr)
    table: list[tuple[str, str, str, str]] = []
    with contextlib.suppress(Exception):
        fd = check_grad(expr, list(expr.inputs), raise_on_failure=False)
        plain = plain_value(expr, list(expr.inputs))
        exact = f"{plain!r} (math)" if isinstance(plain, float) else "—"
        yours = theirs.values[-1] if theirs else None
        table.append(("value", _numbers(yours), repr(ours.values[expr.output]), exact))
        for i, row in enumerate(fd.rows):
            estimate = next((e.value for e in row.estimates if e.trusted), None)
            g = theirs.grads[i] if theirs else None
            if (
                finding.kind == "gradient"
                and row.verdict == "MISMATCH"
                and g is not None
                and _fd_row_agrees(g, row.estimates)
            ):
                return None  # our derivative is the one that is off here: not theirs
            table.append((f"∂{program.output}/∂x{i}", _numbers(g), repr(row.analytic),
                          _numbers(estimate)))  # fmt: skip
    diagnosis = _diagnose(engine, expr, finding, ours, theirs, atol, rtol)
    return EngineCheckResult(
        engine="",
        ops=[],
        missing={},
        order=order,
        examples=0,
        ok=False,
        program=_report_program(engine, program, n),
        table=table,
        diagnosis=diagnosis,
    )


def _qualified(cls: type) -> str:
    module = getattr(cls, "__module__", "")
    return f"{module}.{cls.__qualname__}" if module and module != "builtins" else cls.__qualname__


def check_engine(
    value_class: type | Engine,
    *,
    ops: Sequence[str] | None = None,
    examples: int = DEFAULT_EXAMPLES,
    order: int = 1,
    seed: int | None = None,
    atol: float = 1e-9,
    rtol: float = 1e-7,
    raise_on_failure: bool = True,
) -> EngineCheckResult:
    """Property-test another engine's scalar class against autograd_lite and finite differences.

    Random expression DAGs over the ops the class has are built with *your* class, your
    ``backward()`` runs, and your forward values (also against Python's :mod:`math`) and
    gradients of the inputs are compared with autograd_lite's; with ``order=2`` the Hessian
    too (give an :class:`Engine` a ``gradients`` hook). First, fixed checks of the reflected
    operators (``2 * x``, ``1 - x``, ``2 ** x``, for the operators the class has). If the
    class has ``zero_grad``, each example also checks that it resets every node and that a
    second backward pass then gives the same gradients.

    Args:
        value_class: your scalar class (micrograd-style: ``.data``, ``.grad``, ``.backward()``,
            operators, methods named like ours), or an :class:`Engine` adapter around it.
        ops: the ops to check (names of :data:`autograd_lite.ops.RULES`); default: every built-in
            op the class has, found by trying each (the result says which it found).
        examples: random expressions to try (:data:`DEFAULT_EXAMPLES`).
        order: 1, or 2 to also check second derivatives.
        seed: makes the run reproducible (default: the Hypothesis profile decides).
        atol, rtol: a value or gradient agrees when ``|yours − ours| ≤ atol + rtol·s``, where
            ``s`` bounds its size and rounding error (Σ over paths of |local derivatives|).
        raise_on_failure: raise :class:`GradCheckError` on failure (default) or return the
            result.

    Returns the :class:`EngineCheckResult` (``.ok``, ``.ops``, ``.missing``, ``report()``). On
    failure raises :class:`GradCheckError` whose message is the report: the smallest failing
    expression as Python that uses your class, your numbers beside autograd_lite's and the
    finite differences, and which op is wrong and how, or which mechanism (accumulation, the
    topological order, the seed, reflected operators, zero_grad).

    >>> from autograd_lite import Value
    >>> check_engine(Value, ops=["mul", "exp"], examples=10, seed=1).ops
    ['mul', 'exp']
    """
    # strategies first: without Hypothesis, its ImportError names the extra to install.
    from ..strategies import expressions  # noqa: I001 (this order on purpose)

    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    engine = value_class if isinstance(value_class, Engine) else Engine(value_class)
    if order not in (1, 2):
        raise ValueError(f"check_engine: order must be 1 or 2, got {order!r}")
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"check_engine: examples must be a positive int, got {examples!r}")
    if order == 2 and not engine.differentiable:
        engine.gradients(None, [])  # raises the ValueError that says what to give
    wanted = list(BUILTIN_OPS) if ops is None else list(ops)  # not the ops of register()
    for op in wanted:
        if op not in RULES:
            raise KeyError(f"check_engine: no op named {op!r}; the ops are {sorted(RULES)}")
    missing = {op: why for op in wanted if (why := _detect(engine, op)) is not None}
    if ops is not None and missing:
        details = "; ".join(f"{op}: {why}" for op, why in missing.items())
        raise ValueError(f"check_engine: {engine.name} cannot apply {details}")
    found = [op for op in wanted if op not in missing]
    if not found:
        raise ValueError(
            f"check_engine: {engine.name} has none of autograd_lite's ops (tried "
            f"{', '.join(wanted)}); give an Engine with ops=... hooks"
        )
    result = EngineCheckResult(_qualified(engine.value_class), found, missing, order, 0, ok=True)
    if ops is None:
        result.notes.append(f"(found by trying each of autograd_lite's {len(wanted)} ops)")

    calls = 0
    failed_at = 0

    def fails(expr: Expression) -> bool:
        nonlocal calls, failed_at
        calls += 1
        finding, _, _ = _examine(engine, expr, order, atol, rtol)
        if finding is not None and _failure(engine, expr, order, atol, rtol) is not None:
            failed_at = failed_at or calls
            return True
        return False

    budget = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    rng = random.Random(seed) if seed is not None else None
    try:
        smallest = find(expressions(ops=found), fails, settings=budget, random=rng)
    except NoSuchExample:
        result.examples = calls
        reflected = _reflected(engine, found)
        if reflected is not None:
            statements, diagnosis = reflected
            result.ok, result.reflected_failed = False, True
            result.program = [*engine.setup_text(), *statements]
            result.diagnosis = diagnosis
    else:
        failure = _failure(engine, smallest, order, atol, rtol)
        assert failure is not None
        failure.engine, failure.ops, failure.missing = result.engine, found, missing
        failure.examples = failed_at
        failure.notes = result.notes
        result = failure
    if not result.ok and raise_on_failure:
        raise GradCheckError(result)
    return result
