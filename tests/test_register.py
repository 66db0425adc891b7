"""Your own ops: register() adds a Rule to the table; check_rule() checks it; check_grad, the
strategies, drawings and pickles pick it up; clashes and malformed rules are refused."""

from __future__ import annotations

import math
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings

from autograd_lite import RULES, DomainError, Rule, Value, hessian
from autograd_lite.ops import BUILTIN_OPS, Op, register, registered, unregister
from autograd_lite.testing import (
    GradCheckError,
    NondifferentiablePoint,
    check_engine,
    check_grad,
    check_rule,
    override_rule,
)
from autograd_lite.testing.strategies import expressions, op_inputs
from autograd_lite.viz import draw_graph


@pytest.fixture(autouse=True)
def clean_table() -> Iterator[None]:
    """Every test starts and ends with the built-in table alone: nothing leaks between tests."""
    assert tuple(RULES) == BUILTIN_OPS
    yield
    for name in registered():
        unregister(name)
    assert tuple(RULES) == BUILTIN_OPS


def cube_rule(name: str = "cube", local: Callable[..., Any] | None = None) -> Rule:
    return Rule(
        name, "cube", ("x",), lambda x: x**3,
        local or (lambda m, out, x: (3 * x**2,)),
        "x³", "3·x²",
    )  # fmt: skip


def hardtanh_rule() -> Rule:
    """max(−1, min(x, 1)): two kinks."""
    return Rule(
        "hardtanh", "htanh", ("x",), lambda x: max(-1.0, min(x, 1.0)),
        lambda m, out, x: (1.0 if -1 < m.data(x) < 1 else 0.0,),
        "max(−1, min(x, 1))", "1 if −1 < x < 1 else 0", kinks=(-1.0, 1.0),
    )  # fmt: skip


# -- a user-defined op works like a built-in one ------------------------------------------------


def test_a_registered_op_records_a_node_with_exact_derivatives() -> None:
    cube = register(cube_rule())
    x = Value(2.0, label="x")
    y = cube(x) * x  # x⁴: dy/dx = 4x³ = 32
    y.backward()
    assert (y.data, x.grad) == (16.0, 32.0)
    assert y.parents[0].op == "cube" and y.parents[0].parents == (x,)
    assert hessian(lambda t: cube(t))(2.0) == [[12.0]]  # 6x
    assert hessian(lambda t: cube(t) * t)(2.0) == [[48.0]]  # 12x²


def test_a_registered_op_on_numbers_returns_a_float() -> None:
    cube = register(cube_rule())
    assert cube(2) == 8.0 and type(cube(2)) is float
    mixed = cube(Value(3.0))  # a Value anywhere makes a node
    assert isinstance(mixed, Value) and mixed.data == 27.0


def test_a_user_defined_op_passes_check_rule_and_check_grad_to_order_2() -> None:
    cube = register(cube_rule())
    result = check_rule("cube")
    assert result.ok and len(result.checks) == 7 and not result.skipped
    assert check_grad(lambda x, y: cube(x * y).sin() + cube(y), [0.7, -1.2], order=2).ok


def test_an_op_with_params_and_one_with_two_inputs() -> None:
    scaled = register(
        Rule("scaled_exp", "sexp", ("x",), lambda x, c: c * math.exp(x),
             lambda m, out, x, c: (out,), "c·eˣ", "c·eˣ", params=("c",))
    )  # fmt: skip
    hypot = register(
        Rule("hypot", "hypot", ("a", "b"), math.hypot,
             lambda m, out, a, b: (a / out, b / out), "√(a² + b²)", "a/√…, b/√…")
    )  # fmt: skip
    x = Value(0.0, label="x")
    y = scaled(x, 3)
    y.backward()
    assert (y.data, x.grad, y.op_args) == (3.0, 3.0, (3.0,))
    assert hypot(3.0, 4.0) == 5.0
    assert check_rule("scaled_exp", params=(2.5,)).ok
    assert check_rule("hypot").ok
    assert check_grad(lambda a, b: hypot(a, scaled(b, 0.5)), [1.0, 0.3], order=2).ok


def test_a_variadic_op() -> None:
    def local(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        # ∂(x₀·x₁·…)/∂xᵢ = the product of the others
        partials = []
        for i in range(len(xs)):
            others: Any = 1.0
            for j, x in enumerate(xs):
                if j != i:
                    others = others * x
            partials.append(others)
        return tuple(partials)

    prod = register(Rule("prod", "Π", ("xs",), lambda *xs: math.prod(xs), local,
                         "x₀·x₁·…", "∂/∂xᵢ = Π of the others", variadic=True))  # fmt: skip
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    p = prod(a, b, c)
    p.backward()
    assert (p.data, a.grad, b.grad, c.grad) == (24.0, 12.0, 8.0, 6.0)
    assert check_rule("prod").ok


def test_a_forward_written_with_math_log_reports_its_domain_as_a_domain_error() -> None:
    # Regression: math.log's ValueError escaped bare ("math domain error"), naming nothing.
    mylog = register(Rule("mylog", "ln", ("x",), math.log, lambda m, out, x: (1 / x,),
                          "ln x", "1/x"))  # fmt: skip
    with pytest.raises(DomainError, match=r"^mylog: .*math domain error.*x = -1.0 \(node 'q'\)"):
        mylog(Value(-1.0, label="q"))
    with pytest.raises(DomainError, match=r"^mylog: .*x = 0.0$"):
        mylog(0.0)


def test_a_registered_op_is_drawn_with_its_symbol_formula_and_derivative() -> None:
    register(Rule("cube", "∛cube", ("x",), lambda x: x**3, lambda m, out, x: (3 * x**2,),
                  "x³", "3·x²"))  # fmt: skip
    x = Value(2.0, label="x")
    y = RULES["cube"].forward  # the table holds it
    assert y(2.0) == 8.0
    out = registered()["cube"](x) + 1
    out.backward()
    source = draw_graph(out, edge_derivatives=True).source
    assert "∛cube(x)" in source  # the box's name uses the symbol
    assert "op cube: x³; 3·x²" in source  # the tooltip: formula and derivative
    assert "∂/∂x = 12" in source  # the local derivative on the edge's row


def test_a_graph_with_a_registered_op_pickles_and_unpickling_needs_the_op() -> None:
    cube = register(cube_rule())
    y = cube(Value(2.0, label="x"))
    data = pickle.dumps(y)
    copy = pickle.loads(data)
    copy.backward()
    assert copy.op == "cube" and copy.parents[0].grad == 12.0
    assert pickle.loads(pickle.dumps(cube)) is cube
    unregister("cube")
    with pytest.raises(KeyError, match=r"register the op .* before unpickling"):
        pickle.loads(data)


# -- check_rule catches wrong rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "wrong"),
    [
        (lambda m, out, x: (-3 * x**2,), "∂cube/∂x at x = 0.8: -1.92"),  # wrong sign
        (lambda m, out, x: (x**2,), "∂cube/∂x at x = 0.8: 0.64"),  # missing factor 3
        # Right on floats, but m.data cuts the graph: the second derivative comes out 0.
        (lambda m, out, x: (3 * m.data(x) ** 2,), "∂²cube/∂x² at x = 0.8: 0.0"),
    ],
    ids=["wrong sign", "missing factor", "wrong second derivative"],
)
def test_check_rule_catches_a_wrong_rule_and_names_rule_input_and_both_values(
    local: Callable[..., Any], wrong: str
) -> None:
    register(cube_rule(local=local))
    with pytest.raises(GradCheckError) as caught:
        check_rule("cube")
    report = str(caught.value)
    assert report.startswith("check_rule FAILED: cube (x³; local derivative 3·x²), order 2")
    assert wrong in report and "by the rule, but ≈" in report
    expected = 1.92 if "∂cube" in wrong else 4.8  # 3x² and 6x at 0.8
    numeric = re.search(r"≈ (\S+) by finite", report.split(wrong)[1])
    assert numeric is not None and float(numeric[1]) == pytest.approx(expected, rel=1e-5)


def test_the_wrong_second_derivative_passes_at_order_1_only() -> None:
    register(cube_rule(local=lambda m, out, x: (3 * m.data(x) ** 2,)))
    assert check_rule("cube", order=1).ok
    assert not check_rule("cube", raise_on_failure=False).ok


def test_check_grad_on_a_graph_names_the_wrong_registered_op() -> None:
    cube = register(cube_rule(local=lambda m, out, x: (-3 * x**2,)))
    result = check_grad(lambda x: cube(x).tanh(), [0.5], raise_on_failure=False)
    assert not result.ok
    assert any(s.startswith("cube at x = 0.5") for s in result.suspects)
    assert "cube(x)" in result.reproduce


@pytest.mark.parametrize("op", BUILTIN_OPS)
def test_check_rule_passes_every_built_in_rule(op: str) -> None:
    params = {"pow": (2.5,), "leaky_relu": (0.1,)}.get(op, ())
    assert check_rule(op, params=params).ok


def test_check_rule_catches_a_broken_built_in_rule() -> None:
    with override_rule("sin", local=lambda m, out, x: (-m.cos(x),)), pytest.raises(GradCheckError):
        check_rule("sin")


def test_check_rule_skips_kinks_and_points_outside_the_domain() -> None:
    register(hardtanh_rule())
    result = check_rule("hardtanh", [-1.0, 0.5, 1.0, 2.0])
    assert [p for p, _ in result.checks] == [(0.5,), (2.0,)]
    assert [p for p, _ in result.skipped] == [(-1.0,), (1.0,)]
    assert "x = 1.0: on a kink" in result.report()
    log = check_rule("log")  # defaults: the four positive points
    assert [p for p, _ in log.checks] == [(0.3,), (0.8,), (1.6,), (2.7,)]
    assert "x = -2.3: outside the domain (expected x > 0)" in log.report()


def test_check_rule_that_checks_nothing_fails() -> None:
    register(hardtanh_rule())
    with pytest.raises(GradCheckError, match="no derivative of hardtanh could be checked"):
        check_rule("hardtanh", [1.0, -1.0])


def test_check_grad_at_a_second_kink_is_a_nondifferentiable_point() -> None:
    # Regression: only the first kink was watched, so x = 1 gave a bogus mismatch.
    hardtanh = register(hardtanh_rule())
    with pytest.raises(NondifferentiablePoint, match="kink of hardtanh at 1"):
        check_grad(lambda x: hardtanh(x), [1.0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: check_rule("nope"), KeyError, "no op named 'nope'"),
        (lambda: check_rule("leaky_relu"), ValueError, r"1 parameter \(slope\).*params=\(0.5,\)"),
        (lambda: check_rule("log", [[-1.0]]), ValueError, "x = -1.0 is outside the domain of log"),
        (lambda: check_rule("mul", [[1.0]]), ValueError, r"mul takes 2 operands \(a, b\)"),
        (lambda: check_rule("exp", 1.0), TypeError, "points must be a list of points"),
        (lambda: check_rule("exp", [[math.nan]]), ValueError, "must be finite"),
        (lambda: check_rule("exp", order=3), ValueError, "order must be 1 or 2"),
    ],
)
def test_check_rule_refuses_bad_arguments(
    call: Callable[[], object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call()


# -- clashes and malformed rules are refused ---------------------------------------------------


def test_name_clashes() -> None:
    with pytest.raises(ValueError, match="'exp' is a built-in op; choose another name"):
        register(cube_rule("exp"))
    rule = cube_rule()
    cube = register(rule)
    assert register(rule) is cube  # the same object again: allowed, the same function
    with pytest.raises(ValueError, match=r"'cube' is already registered.*replace=True"):
        register(cube_rule())
    newer = register(cube_rule(), replace=True)
    assert newer(2.0) == 8.0
    with pytest.raises(LookupError, match="no longer in the rule table"):
        cube(2.0)
    with pytest.raises(ValueError, match="'relu' is a built-in op"):
        unregister("relu")
    assert unregister("cube") is newer.rule
    with pytest.raises(KeyError, match="no registered op named 'cube'"):
        unregister("cube")


def _rule(**changes: Any) -> Rule:
    fields = {
        "name": "f", "symbol": "f", "inputs": ("x",), "forward": lambda x: x**3,
        "local": lambda m, out, x: (3 * x**2,), "formula": "x³", "derivative": "3·x²",
    }  # fmt: skip
    fields.update(changes)
    return Rule(**fields)


@pytest.mark.parametrize(
    ("rule", "error", "match"),
    [
        ("cube", TypeError, "register expects a Rule"),
        (_rule(name=""), ValueError, "must be a Python identifier"),
        (_rule(name="my op"), ValueError, "must be a Python identifier"),
        (_rule(name="lambda"), ValueError, "must be a Python identifier"),
        (_rule(symbol=""), TypeError, "symbol must be a non-empty str"),
        (_rule(derivative=None), TypeError, "derivative must be a non-empty str"),
        (_rule(inputs="x"), TypeError, r"for one name write \('x',\)"),
        (_rule(inputs=()), ValueError, "inputs is empty"),
        (_rule(params=("x",)), ValueError, "different names"),
        (_rule(forward=3.0), TypeError, "forward must be a function"),
        (_rule(local="3x²"), TypeError, "local must be a function"),
        (_rule(forward=lambda x, y: x), TypeError, r"forward must take \(x\)"),
        (_rule(local=lambda m, x: (1.0,)), TypeError, r"local must take \(m, out, x\)"),
        (
            _rule(inputs=("a", "b"), forward=lambda a, b: a * b, local=lambda m, out, a, b: (b,)),
            ValueError,
            r"tuple of 2 entries.*got tuple \(-1.3,\) at a = 0.7, b = -1.3",
        ),
        (_rule(local=lambda m, out, x: 3 * x**2), ValueError, r"write a 1-tuple: \(3 \* x\*\*2,\)"),
        (_rule(local=lambda m, out, x: (math.exp(x),)), TypeError, "also run on Values.*not math"),
        (_rule(local=lambda m, out, x: ("3x²",)), TypeError, "entry 0 is str"),
        (_rule(forward=lambda x: [x]), TypeError, "forward must return a real number"),
        (_rule(variadic=True, inputs=("a", "b")), ValueError, "a variadic op has one input name"),
        (_rule(variadic=True, params=("c",)), ValueError, "no params"),
        (_rule(kinks=("0",)), TypeError, "kinks must be a tuple of finite numbers"),
        (_rule(inputs=("a", "b"), kinks=(0.0,)), ValueError, "kinks are supported for ops of one"),
    ],
)
def test_malformed_rules_are_refused(rule: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        register(rule)
    assert tuple(RULES) == BUILTIN_OPS  # nothing half-registered


def test_a_rule_outside_every_sample_point_is_accepted_on_its_signatures() -> None:
    # forward raises at every sample (domain x > 100): nothing to call, the shape still checked
    def forward(x: float) -> float:
        if x <= 100:
            raise DomainError("big", "expected x > 100")
        return math.log(x)

    big = register(_rule(name="big", forward=forward, local=lambda m, out, x: (1 / x,)))
    assert big(math.e**5) == pytest.approx(5.0)
    assert check_rule("big", [150.0, 1e3]).ok


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((1.0, 2.0), TypeError, r"cube takes 1 argument \(x\), got 2"),
        (("s",), TypeError, "cube expects Values or real numbers as operands, got str 's'"),
        ((), TypeError, "cube takes 1 argument"),
    ],
)
def test_calling_an_op_wrongly(args: tuple[Any, ...], error: type[Exception], match: str) -> None:
    cube = register(cube_rule())
    with pytest.raises(error, match=match):
        cube(*args)


def test_a_parameter_must_be_a_number() -> None:
    scaled = register(_rule(name="scaled", forward=lambda x, c: c * x,
                            local=lambda m, out, x, c: (c,), params=("c",)))  # fmt: skip
    with pytest.raises(TypeError, match=r"parameter c must be a real number .*not a Value"):
        scaled(Value(1.0), Value(2.0))
    with pytest.raises(ValueError, match="parameter c must be finite"):
        scaled(1.0, math.inf)
    assert isinstance(scaled, Op) and "scaled(x, c)" in repr(scaled)


# -- strategies pick registered ops up when asked ----------------------------------------------


def test_strategies_draw_registered_ops_only_when_named() -> None:
    register(cube_rule())
    register(Rule("mylog", "ln", ("x",), math.log, lambda m, out, x: (1 / x,), "ln x", "1/x"))
    seen: set[str] = set()

    @settings(max_examples=40, database=None)
    @given(expressions(ops=["add", "mul", "tanh", "cube", "mylog"]))  # few ops: each one drawn
    def with_them(expr: Any) -> None:
        seen.update(expr.ops)
        check_grad(expr, expr.inputs, order=2)

    @settings(max_examples=20, database=None)
    @given(expressions())
    def by_default(expr: Any) -> None:
        assert set(expr.ops) <= set(BUILTIN_OPS)

    @settings(max_examples=20, database=None)
    @given(expressions(require="mylog"), op_inputs("mylog"))
    def required(expr: Any, case: Any) -> None:
        assert expr.ops[0] == "mylog" and "mylog(x0)" in expr.source
        assert case[0][0] > 0  # inside its domain, found without a declared domain
        check_grad(expr, expr.inputs)

    with_them()
    by_default()
    required()
    assert {"cube", "mylog"} <= seen


def test_strategies_refuse_a_registered_op_with_params() -> None:
    register(_rule(name="scaled", forward=lambda x, c: c * x,
                   local=lambda m, out, x, c: (c,), params=("c",)))  # fmt: skip

    @settings(max_examples=1, database=None)
    @given(expressions(ops=["add", "scaled"]))
    def draw(expr: Any) -> None:
        pass

    with pytest.raises(ValueError, match="has params \\(c\\), which the strategies cannot"):
        draw()


def test_check_engine_tries_only_the_built_in_ops_by_default() -> None:
    register(cube_rule())
    result = check_engine(Value, examples=3)
    assert "cube" not in result.ops and "cube" not in result.missing


# -- one registration reaches every reader of the table, with no other edit ----------------------


def test_a_registered_op_reaches_every_reader_of_the_table() -> None:
    """ARCHITECTURE.md's promise: a rule's facts are read from the table by the drawings, the
    generated source, the compiler, the strategies and check_engine's probes."""
    from autograd_lite import compile
    from autograd_lite.testing import Engine
    from autograd_lite.testing.source import graph_lambda

    cube = register(cube_rule())
    x = Value(1.5, label="x")
    y = cube(x) * x
    y.backward()
    assert "cube(x)" in draw_graph(y).source  # drawings
    assert graph_lambda([x], y, ["x"]) == "lambda x: cube(x) * x"  # generated source
    compiled = compile(lambda x: cube(x) * x, [1.5])  # the compiler traces its rule
    assert "∂(x³)/∂x = 3·x²" in compiled.source
    assert compiled.value_and_grad(1.5) == (y.data, [x.grad])

    @settings(max_examples=5, database=None)
    @given(expressions(require="cube"))
    def drawn(expr: Any) -> None:  # the strategies
        assert "cube(" in expr.source

    drawn()
    result = check_engine(Value, ops=["cube", "mul"], examples=5, seed=1)  # the probes
    assert result.ops == ["cube", "mul"]
    # ... which catch an engine whose cube is wrong, and name it:
    wrong = Engine(Value, ops={"cube": lambda v: v * v * 2.0})
    failed = check_engine(wrong, ops=["cube", "mul"], examples=5, seed=1, raise_on_failure=False)
    assert not failed.ok and "the value of cube(x)" in failed.report()
