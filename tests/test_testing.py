"""autograd_lite.testing: check_grad's verdicts and reports, kinks, second order, strategies,
and negative controls (deliberately broken rules and engines must be caught)."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from autograd_lite import RULES, Value, engine, no_grad
from autograd_lite.engine import graph
from autograd_lite.engine import value as engine_value
from autograd_lite.testing import (
    GradCheckError,
    NondifferentiablePoint,
    check_grad,
    numerical_grad,
    override_rule,
)
from autograd_lite.testing.strategies import Expression, expressions, op_inputs

# -- the cases named in the issue -------------------------------------------------------------


def test_relu_at_its_kink_is_a_nondifferentiable_point_not_a_mismatch() -> None:
    with pytest.raises(NondifferentiablePoint, match="every step crosses the kink of relu at 0"):
        check_grad(lambda x: x.relu(), [0.0])


@pytest.mark.parametrize(
    ("build", "point"),
    [
        (lambda x: abs(x), 0.0),
        (lambda x: x.leaky_relu(0.1), 0.0),
        (lambda x: (x * 2 - 1).relu() + x, 0.5),
    ],
)
def test_other_kinks(build: Callable[[Value], Value], point: float) -> None:
    with pytest.raises(NondifferentiablePoint):
        check_grad(build, [point])


def test_a_kink_in_an_input_that_is_not_varied_does_not_block_the_other_partial() -> None:
    # relu(y) sits on its kink, but ∂f/∂x does not move y: only ∂f/∂y is undefined.
    result = check_grad(lambda x, y: x * 3 + y.relu(), [1.0, 0.0], raise_on_failure=False)
    assert result.rows[0].passed
    assert len(result.kinks) == 1
    assert "∂f/∂x1" in result.kinks[0]


def test_a_kink_does_not_hide_a_mismatch_in_another_input() -> None:
    wrong_sign = override_rule("sin", local=lambda m, out, x: (-m.cos(x),))
    with wrong_sign, pytest.raises(GradCheckError) as info:
        check_grad(lambda x, y: x.relu() + y.sin(), [0.0, 1.0])
    assert not isinstance(info.value, NondifferentiablePoint)
    assert info.value.result.suspects[0].startswith("sin")


def test_log_at_ten_million_passes() -> None:
    assert check_grad(lambda x: x.log(), [1e7]).ok


def test_x_exp_sin_x_at_ten_thousand_passes() -> None:
    assert check_grad(lambda x: x * x.sin().exp(), [1e4]).ok


def test_tight_default_tolerance_catches_a_zero_derivative() -> None:
    # MiniTorch's 1e-2 would let a zero derivative of a small slope pass; ours does not.
    with override_rule("mul", local=lambda m, out, a, b: (0.0 * b, a)):
        result = check_grad(lambda x: x * 0.02, [1.0], raise_on_failure=False)
    assert not result.ok


# -- results and reports ----------------------------------------------------------------------


def test_result_object_when_not_raising() -> None:
    result = check_grad(lambda x, y: x * y + y.exp(), [2.0, 0.5], raise_on_failure=False)
    assert result.ok
    assert bool(result)
    assert result.value == pytest.approx(1.0 + 0.5**0 * 1.6487212707001282)
    assert [row.index for row in result.rows] == [(0,), (1,)]
    assert "check_grad passed" in result.report()


def test_failure_report_names_input_steps_op_and_reproduces() -> None:
    wrong_sign = override_rule("sin", local=lambda m, out, x: (-m.cos(x),))
    with wrong_sign, pytest.raises(GradCheckError) as info:
        check_grad(lambda x, y: x.sin() * y, [0.5, 2.0])
    report = str(info.value)
    assert "check_grad FAILED: f(0.5, 2.0)" in report
    assert "∂f/∂x0 at x0 = 0.5: analytic" in report
    for column in ("step", "numeric", "abs error", "rel error", "rounding", "tolerance", "verdict"):
        assert column in report
    assert "h=0.001" in report
    assert "h=1e-07·|x|" in report
    assert "sin at x = 0.5: ∂(sin)/∂x is" in report
    assert report.rstrip().endswith("check_grad(lambda x, y: x.sin() * y, [0.5, 2.0])")
    assert info.value.result.suspects[0].startswith("sin")
    assert isinstance(info.value, AssertionError)


def test_a_wrong_forward_rule_is_caught_by_the_plain_float_evaluation() -> None:
    with override_rule("exp", forward=lambda x: 2.718281828459045**x * 1.001):
        result = check_grad(lambda x: x.exp() * x, [0.3], raise_on_failure=False)
    assert any("a forward rule is wrong" in problem for problem in result.problems)


def test_functions_that_do_not_run_on_floats_skip_the_forward_comparison() -> None:
    assert check_grad(lambda x: Value.sum([x, x * x]), [1.5]).ok


def test_second_order_checks_the_hessian() -> None:
    result = check_grad(lambda x, y: (x * y).sin() + x**3, [0.4, -1.2], order=2)
    assert [row.index for row in result.rows][-4:] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_second_order_catches_a_rule_that_is_only_right_on_floats() -> None:
    # Reading the numbers out of the operands cuts the derivative's graph: the first derivative
    # is still right, the second is lost.
    with override_rule("mul", local=lambda m, out, a, b: (m.data(b), m.data(a))):
        assert check_grad(lambda x, y: x * y, [2.0, 3.0]).ok
        with pytest.raises(GradCheckError) as info:
            check_grad(lambda x, y: x * y, [2.0, 3.0], order=2)
    assert "∂²f/∂x0∂x1" in str(info.value)
    assert info.value.result.suspects[0].startswith("mul")


def test_points_on_the_edge_of_a_domain_use_the_steps_that_stay_inside() -> None:
    assert check_grad(lambda x: x.log(), [1e-4]).ok  # h = 1e-3 would step below 0
    assert check_grad(lambda x: x.cos(), [5e-324]).ok  # relative steps vanish at a subnormal


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: x.sigmoid().log(), -30.0),  # log-sigmoid: the logistic loss
        (lambda x: 1 / x.sigmoid(), -25.0),
        (lambda x: x.sigmoid() * 1e12, -30.0),
        (lambda x: x * 1e308, 1.0),  # the seeded pass must not overflow
        (lambda x: x.exp() * 1e-40, 100.0),
        (lambda x: (x * 1e-8).sin(), 1e-8),
        (lambda x: x**3 / 1e6, 1e6),
    ],
)
def test_no_false_failures_on_correct_but_awkward_functions(
    f: Callable[[Value], Value], x: float
) -> None:
    check_grad(f, [x])


def test_subnormal_inputs_at_second_order() -> None:
    # Found by the thorough profile: below 2.2e-308 floats lose relative precision, so the
    # relative steps there must be set aside as rounding-dominated.
    check_grad(lambda a, b: a / b, [2.2250738585e-313, 4.0], order=2)


def test_rounding_dominated_checks_are_inconclusive_not_blamed_on_an_op() -> None:
    result = check_grad(lambda x: x + 1e16, [1.0], raise_on_failure=False)
    assert not result.ok
    assert "inconclusive" in result.problems[0]
    assert not result.suspects
    assert "how they are combined" not in result.report()


@pytest.mark.parametrize(
    ("op", "local", "f", "x"),
    [
        # A step as wide as a period of sin (h = 1e-3·|x| = π) would give 0 and agree.
        ("sin", lambda m, out, x: (0.0 * x,), lambda x: x.sin(), 1000 * math.pi),
        # The widest relative step (0.1) is itself 0.17 % off, and would agree with a 0.2 % error.
        ("exp", lambda m, out, x: (out * 1.002,), lambda x: x.exp() * 1e-40, 100.0),
    ],
)
def test_a_single_wide_step_cannot_vouch_for_a_wrong_derivative(
    op: str, local: Callable[..., Any], f: Callable[[Value], Value], x: float
) -> None:
    with override_rule(op, local=local), pytest.raises(GradCheckError) as info:
        check_grad(f, [x])
    assert any(suspect.startswith(op) for suspect in info.value.result.suspects)


@pytest.mark.parametrize("x", [1e-4, 1e10])
def test_a_broken_op_is_named_near_a_domain_edge_and_at_large_inputs(x: float) -> None:
    with (
        override_rule("log", local=lambda m, out, x: (2 / x,)),
        pytest.raises(GradCheckError) as info,
    ):
        check_grad(lambda x: x.log() * 1e10 if x.data > 1 else x.log(), [x])
    assert info.value.result.suspects[0].startswith("log"), info.value.result.report()


def test_check_grad_works_inside_no_grad() -> None:
    with no_grad():
        assert check_grad(lambda x: x * x, [3.0]).ok


def test_inputs_may_be_a_numpy_array() -> None:
    assert check_grad(lambda x, y: x * y, np.array([1.0, 2.0])).ok


def test_the_error_pickles_with_its_result() -> None:
    with (
        override_rule("exp", local=lambda m, out, x: (2 * out,)),
        pytest.raises(GradCheckError) as info,
    ):
        check_grad(lambda x: x.exp(), [0.5])
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.result.suspects == info.value.result.suspects
    assert str(copy) == str(info.value)


def _run_reproduce_line(line: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", line], capture_output=True, text=True, check=False)


def test_the_reproduce_line_of_a_drawn_expression_runs() -> None:
    expr = find(expressions(), lambda e: len(e.steps) >= 3)
    result = check_grad(expr, expr.inputs, order=2, atol=1e-6, raise_on_failure=False)
    line = result.reproduce
    assert "order=2" in line
    assert "atol=1e-06" in line
    ran = _run_reproduce_line(line)
    assert ran.returncode == 0, ran.stderr


def test_the_reproduce_line_names_the_right_lambda_of_several() -> None:
    fs = [lambda x: x.exp(), lambda x: x.sin()]
    line = check_grad(fs[1], [0.5], rtol=1e-4).reproduce
    assert "check_grad(lambda x: x.sin(), [0.5], atol=1e-05, rtol=0.0001)" in line
    assert _run_reproduce_line(line).returncode == 0


def _local_function(x: Value) -> Value:
    return x.tanh() * x


def test_the_reproduce_line_of_a_named_function() -> None:
    line = check_grad(_local_function, [0.3]).reproduce
    assert "from tests.test_testing import _local_function" in line

    def nested(x: Value) -> Value:
        return x.cos() + 1

    line = check_grad(nested, [0.3]).reproduce
    assert "exec('def nested(x: Value) -> Value:" in line
    assert _run_reproduce_line(line).returncode == 0


def test_numerical_grad() -> None:
    assert numerical_grad(lambda x, y: x * y, [3.0, 4.0]) == pytest.approx([4.0, 3.0], rel=1e-9)
    assert numerical_grad(lambda x: x**3, [2.0], step=1e-4, relative=False) == pytest.approx(
        [12.0], rel=1e-7
    )
    assert numerical_grad(lambda x: x.data**2, [3.0]) == pytest.approx([6.0], rel=1e-8)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: check_grad(lambda x: 1.0, [1.0]), TypeError, "must return a Value"),
        (lambda: check_grad(lambda x: x, [1.0], order=3), ValueError, "order must be 1 or 2"),
        (lambda: check_grad(lambda x: x, []), ValueError, "at least one input"),
        (lambda: check_grad(lambda x: x, [1.0], atol=-1), ValueError, "tolerances must be >= 0"),
        (lambda: check_grad(lambda x: x, ["a"]), TypeError, "got str"),
        (lambda: override_rule("nope").__enter__(), KeyError, "no op named 'nope'"),
    ],
)
def test_bad_arguments(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_override_rule_restores_the_rule() -> None:
    original = RULES["add"].local
    with pytest.raises(RuntimeError), override_rule("add", local=lambda m, out, a, b: (0, 0)):
        raise RuntimeError
    assert RULES["add"].local is original


# -- strategies -------------------------------------------------------------------------------


@given(expressions())
def test_expressions_print_as_source_that_rebuilds_them(expr: Expression) -> None:
    namespace: dict[str, Any] = {"Value": Value}
    exec(expr.source, namespace)
    rebuilt = namespace["f"](*(Value(x) for x in expr.inputs))
    assert rebuilt.data == expr(*(Value(x) for x in expr.inputs)).data
    assert "def f(" in repr(expr)
    assert repr(list(expr.inputs)) in repr(expr)


@given(expressions())
def test_expressions_stay_finite_in_domain_and_away_from_kinks(expr: Expression) -> None:
    out = expr(*(Value(x) for x in expr.inputs))
    for node in engine.topological_order(out):
        assert abs(node.data) <= 1e5
        rule = RULES.get(node.op)
        if rule is not None and rule.kinks:
            assert abs(node.parents[0].data) >= 0.1


def test_expressions_share_subexpressions() -> None:
    shared = 0

    @settings(max_examples=100, derandomize=True, database=None)
    @given(expressions())
    def count(expr: Expression) -> None:
        nonlocal shared
        uses = [i for step in expr.steps for i in step.operands if i >= expr.n_inputs]
        shared += len(uses) > len(set(uses))

    count()
    assert shared >= 10


def test_strategies_validate_op_names() -> None:
    with pytest.raises(KeyError, match="no op named 'tan'"):
        op_inputs("tan")
    with pytest.raises(KeyError, match="no op named 'tan'"):
        find(expressions(ops=["tan"]), lambda expr: True)


def test_strategies_explain_a_missing_hypothesis() -> None:
    script = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import autograd_lite.testing\n"  # check_grad itself does not need Hypothesis
        "import autograd_lite.testing.strategies\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert "needs Hypothesis: pip install 'autograd-lite[test]'" in result.stderr


# -- every op of the table, first and second order, through the strategies ------------------


@pytest.mark.parametrize("op", sorted(RULES))
@given(data=st.data())
def test_every_op_agrees_with_finite_differences_to_second_order(op: str, data: Any) -> None:
    expr = data.draw(expressions(require=op, max_steps=3), label="expression")
    assert op in expr.ops
    check_grad(expr, expr.inputs, order=2)


@given(expressions(max_steps=8))
def test_random_dags_agree_with_finite_differences(expr: Expression) -> None:
    check_grad(expr, expr.inputs)


# -- negative controls: a broken rule or engine must be caught, and the report must say where --

BUDGET = settings(
    max_examples=100,  # Hypothesis's default budget
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)


def _caught(strategy: st.SearchStrategy[Expression], order: int = 1) -> GradCheckError:
    @BUDGET
    @given(strategy)
    def prop(expr: Expression) -> None:
        check_grad(expr, expr.inputs, order=order)

    with pytest.raises(GradCheckError) as info:
        prop()
    return info.value


def _negated(local: Callable[..., Any]) -> Callable[..., Any]:
    return lambda m, out, *args: tuple(-d for d in local(m, out, *args))


def _doubled(local: Callable[..., Any]) -> Callable[..., Any]:
    return lambda m, out, *args: tuple(2 * d for d in local(m, out, *args))


@pytest.mark.parametrize("breakage", [_negated, _doubled], ids=["wrong sign", "factor of 2"])
@pytest.mark.parametrize("op", sorted(RULES))
def test_a_broken_rule_is_caught_and_named(op: str, breakage: Callable[..., Any]) -> None:
    with override_rule(op, local=breakage(RULES[op].local)):
        error = _caught(expressions(require=op, max_steps=3))
    assert error.result.suspects, error.result.report()
    assert any(suspect.startswith(op) for suspect in error.result.suspects), error.result.report()


def _broken_backprop(variant: str) -> Callable[..., Any]:
    """engine.graph.backprop with one deliberate mistake."""

    def backprop(
        root: Value, seed: Any, local: Any, inputs: Any = None, floats: bool = False
    ) -> Any:
        order = graph.topological_order(root)
        grads: dict[Value, Any] = {root: seed}
        for node in reversed(order):
            if not node.parents:
                continue
            upstream = grads[node]
            for parent, d in zip(node.parents, local(node), strict=True):
                contribution = d if variant == "ignore upstream" else d * upstream
                previous = grads.get(parent)
                if variant == "assign" or previous is None:
                    grads[parent] = contribution
                else:
                    grads[parent] = previous + contribution
        return order, grads

    return backprop


def _order_visiting_shared_nodes_twice(root: Value) -> list[Value]:
    """A post-order walk of the graph as a tree: shared nodes appear once per path."""
    order: list[Value] = []
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents))
    return order


@pytest.mark.parametrize("variant", ["ignore upstream", "assign"])
def test_a_broken_chain_rule_is_caught(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _broken_backprop(variant)

    def in_place(root: Value, seed: float, local: Any) -> bool:  # backward()'s pass, as broken
        order, grads = broken(root, seed, local)
        for node in order:
            node.grad = node.grad + grads[node] if not node.parents else grads[node]
        return True

    monkeypatch.setattr(engine_value, "backprop", broken)
    monkeypatch.setattr(engine_value, "backprop_in_place", in_place)
    error = _caught(expressions())
    assert not error.result.suspects
    assert "how they are combined" in error.result.report()


def test_a_topological_order_that_visits_shared_nodes_twice_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(graph, "topological_order", _order_visiting_shared_nodes_twice)
    error = _caught(expressions())
    assert "how they are combined" in error.result.report()


def test_the_correct_engine_passes_the_same_budget() -> None:
    @BUDGET
    @given(expressions())
    def prop(expr: Expression) -> None:
        check_grad(expr, expr.inputs, order=2)

    prop()


@pytest.mark.parametrize("op", sorted(RULES))
@given(data=st.data())
def test_op_inputs_are_admissible(op: str, data: Any) -> None:
    from autograd_lite.testing.strategies import _admissible

    operands, params = data.draw(op_inputs(op))
    assert _admissible(op, operands, params), (operands, params)


def test_check_grad_explains_misshapen_inputs() -> None:
    with pytest.raises(
        TypeError, match=r"xs must be a list of numbers .*, got float; for one input write \[x\]"
    ):
        check_grad(lambda x: x * x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"xs\[0\] is a Value; give plain numbers"):
        check_grad(lambda x: x * x, [Value(1.0)])  # type: ignore[list-item]


def test_override_rule_checks_the_replacements_signature() -> None:
    with pytest.raises(TypeError, match=r"local for 'mul' must take \(m, out, a, b\)"):
        override_rule("mul", local=lambda a, b: (b, a)).__enter__()
    with pytest.raises(TypeError, match=r"forward for 'pow' must take \(x, c\)"):
        override_rule("pow", forward=lambda x: x).__enter__()


# -- a newcomer's use of check_grad: printing, reproducing, bad steps, the largest float ------


def test_printing_a_result_shows_the_report_not_the_fields() -> None:
    result = check_grad(lambda x, y: x * y.sin(), [1.5, -0.7])
    assert str(result) == result.report()
    assert str(result).startswith("check_grad passed: f(1.5, -0.7)")
    assert repr(result).startswith("<GradCheckResult passed: f(1.5, -0.7) = ")
    assert "Estimate(" not in repr(result)
    with override_rule("exp", local=lambda m, out, x: (2 * out,)):
        failed = check_grad(lambda x: x.exp(), [0.5], raise_on_failure=False)
    assert repr(failed).startswith("<GradCheckResult FAILED (1 problem): f(0.5)")


def test_a_lambda_without_source_is_rebuilt_from_its_graph() -> None:
    # Typed at a prompt (or by python -c), a lambda has no source file to read.
    script = (
        "from autograd_lite.testing import check_grad\n"
        "r = check_grad(lambda a, b: (a * 3 - b).tanh() / b + 2 ** a, [0.5, 2.0])\n"
        "print(r.reproduce)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    line = ran.stdout.strip()
    assert "check_grad(lambda a, b: (a * 3.0 - b).tanh() / b + 2.0 ** a, [0.5, 2.0])" in line
    assert _run_reproduce_line(line).returncode == 0


def test_without_any_source_the_reproduce_line_says_how_to_get_one() -> None:
    class Opaque:  # a callable object: no name to import, no source of its own
        def __call__(self, x: Value) -> Value:
            return x * 2

    line = check_grad(Opaque(), [1.0]).reproduce
    assert "check_grad(lambda x0: x0 * 2.0, [1.0])" in line  # rebuilt from its graph
    assert _run_reproduce_line(line).returncode == 0
    from autograd_lite.testing.source import reproduce

    assert "define it in a .py file" in reproduce(Opaque(), [1.0], {})


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], r"steps must be a non-empty list of step sizes, got \[\]"),
        ([0], r"steps\[0\] must be a finite number in \(0, 1\], got 0"),
        ([1e-3, math.nan], r"steps\[1\] must be a finite number in \(0, 1\], got nan"),
        ([1e300], r"steps\[0\] must be a finite number in \(0, 1\], got 1e\+300"),
        ([-1e-3], r"steps\[0\] .* got -0.001"),
        (1e-3, r"steps must be a non-empty list"),
    ],
)
def test_bad_steps_are_refused_by_name(steps: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_grad(lambda x: x * x, [1.0], steps=steps)


@pytest.mark.parametrize("step", [0, 0.0, -1e-6, math.inf, math.nan])
def test_numerical_grad_refuses_a_bad_step(step: float) -> None:
    with pytest.raises(
        ValueError, match=r"numerical_grad: step must be a finite number in \(0, 1\]"
    ):
        numerical_grad(lambda x: x * x, [1.0], step=step)


def test_an_input_at_the_largest_float_gets_a_clear_verdict() -> None:
    largest = sys.float_info.max
    result = check_grad(lambda x: x * 0.5, [largest], raise_on_failure=False)
    assert not result.ok
    assert result.problems == [
        f"∂f/∂x0: inconclusive: x0 = {largest!r} is so close to the largest float (1.79769e+308) "
        "that every step passes it, so the derivative cannot be checked here; check at a "
        "smaller input"
    ]
    assert "passes the largest float" in result.report()
    assert check_grad(lambda x: x * 0.5, [1e300]).ok
    with pytest.raises(ValueError, match="passes the largest float"):
        numerical_grad(lambda x: x * 0.5, [largest])
