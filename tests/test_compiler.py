"""compile(): generated code from the rule table, equal to the engine's results, guarded, safe."""

from __future__ import annotations

import ast
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite.compiler.program as program_module
from autograd_lite import (
    RULES,
    DomainError,
    GraphChangedError,
    Rule,
    Value,
    compile,
    value_and_grad,
)
from autograd_lite.compiler.text import SourceMath, Text, rule_source
from autograd_lite.datasets import make_moons
from autograd_lite.engine.value import apply_rule
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
)
from autograd_lite.nn import MLP, Layer, Module
from autograd_lite.testing import override_rule
from autograd_lite.testing.strategies import Expression, expressions
from autograd_lite.train import train


def agree(expr: Expression) -> None:
    """The compiled value and gradients equal the engine's, bit for bit: the generated code
    runs the same float operations in the same order as backward()."""
    compiled = compile(expr, list(expr.inputs))
    expected = value_and_grad(expr)(*expr.inputs)
    assert compiled.value_and_grad(*expr.inputs) == expected, compiled.source
    assert compiled(*expr.inputs) == expected[0]
    assert compiled.fallbacks == 0


# -- hand-derived cases ---------------------------------------------------------------------------


def test_the_chain_rule_of_the_readme() -> None:
    f = compile(lambda x: (x**2 + 1) ** 3, [2.0])
    assert f(2.0) == 125.0
    assert f.value_and_grad(2.0) == (125.0, [300.0])  # 3(x² + 1)²·2x at 2
    assert f.value_and_grad(1.0) == (8.0, [24.0])  # 3·2²·2 at 1: other inputs, same code
    assert f.value_and_grad(-1.0) == (8.0, [-24.0])


def test_each_backward_line_names_the_rule_it_applies() -> None:
    f = compile(lambda a, b: a * b + a, [3.0, 4.0])
    lines = f.source.splitlines()
    assert any("# ∂(a · b)/∂a = b" in line for line in lines)
    assert any("# ∂(a · b)/∂b = a" in line for line in lines)
    assert any("# ∂(a + b)/∂a = 1" in line for line in lines)
    assert f.value_and_grad(3.0, 4.0) == (15.0, [5.0, 3.0])
    # One assignment per op node forward, one line per edge into a or b backward.
    assert sum(" = " in line and line.strip().startswith("v") for line in lines) == 2
    assert sum(line.strip().startswith("g0_a") for line in lines) == 2  # a·b and + a


def test_the_source_comes_from_the_rules_local_derivatives() -> None:
    m = SourceMath()
    [d] = rule_source(lambda: RULES["sigmoid"].local(m, Text("s"), Text("x")))
    assert d.code == "s * (1 - s)"
    da, db = rule_source(lambda: RULES["vpow"].local(m, Text("p"), Text("a"), Text("b")))
    assert "a ** (b - 1)" in da.code and "_fail()" in db.code  # a < 0: the rule refuses


def test_unused_inputs_get_zero_and_outputs_may_be_an_input() -> None:
    assert compile(lambda x, y: x * 2, [1.0, 5.0]).value_and_grad(3.0, 4.0) == (6.0, [2.0, 0.0])
    assert compile(lambda x: x, [1.0]).value_and_grad(7.0) == (7.0, [1.0])


def test_kinks_keep_the_rule_tables_choice() -> None:
    relu = compile(lambda x: x.relu(), [1.0])
    assert relu.value_and_grad(0.0) == (0.0, [0.0])
    assert relu.value_and_grad(2.0) == (2.0, [1.0])
    assert compile(lambda x: abs(x), [1.0]).value_and_grad(0.0) == (0.0, [0.0])
    assert compile(lambda x: x.leaky_relu(0.1), [1.0]).value_and_grad(0.0) == (0.0, [0.1])


def test_values_from_outside_are_read_at_every_call() -> None:
    w = Value(2.0, label="w")
    f = compile(lambda x: w * x, [1.0])
    assert f.value_and_grad(3.0) == (6.0, [2.0])
    w.data = 5.0
    assert f.value_and_grad(3.0) == (15.0, [5.0])
    assert "_live[0].data" in f.source


# -- the property test ----------------------------------------------------------------------------


@given(expressions())
def test_compiled_equals_the_engine_on_random_expressions(expr: Expression) -> None:
    agree(expr)


@given(st.data())
def test_compiled_equals_the_engine_for_every_op(data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(sorted(RULES)), label="op")
    agree(data.draw(expressions(require=op), label="expression"))


def test_a_broken_compiler_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Negative control: drop the local derivative from the chain rule's product.
    monkeypatch.setattr(program_module, "product", lambda local, upstream: upstream)
    expr = Expression(
        n_inputs=2,
        steps=(program_module_step("mul", (0, 1)),),
        inputs=(3.0, 4.0),
        output=2,
    )
    with pytest.raises(AssertionError):
        agree(expr)


def program_module_step(op: str, operands: tuple[int, ...]) -> Any:
    from autograd_lite.testing.strategies import Step

    return Step(op, operands)


def test_a_wrong_rule_is_compiled_as_written() -> None:
    # The code comes from the table: a wrong local derivative gives the same wrong gradient.
    with override_rule("mul", local=lambda m, out, a, b: (a, b)):
        wrong = compile(lambda x, y: x * y, [2.0, 3.0])
        assert wrong.value_and_grad(2.0, 3.0) == value_and_grad(lambda x, y: x * y)(2.0, 3.0)
        assert wrong.value_and_grad(2.0, 3.0) == (6.0, [2.0, 3.0])
    assert compile(lambda x, y: x * y, [2.0, 3.0]).value_and_grad(2.0, 3.0) == (6.0, [3.0, 2.0])


# -- errors like the engine's ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "example", "bad", "op"),
    [
        (lambda x: x.log(), [1.0], [-1.0], "log"),
        (lambda x: x.sqrt(), [4.0], [0.0], "sqrt"),  # √ has no derivative at 0
        (lambda x, y: x / y, [1.0, 2.0], [1.0, 0.0], "truediv"),
        (lambda x: x * x, [2.0], [1e200], "mul"),  # overflow
        (lambda x: (x * x).tanh(), [2.0], [1e200], "mul"),  # overflow hidden by tanh
        (lambda x: x.exp(), [1.0], [1000.0], "exp"),
        (lambda x, y: x**y, [2.0, 0.5], [-2.0, 2.0], "vpow"),  # ∂/∂b needs a > 0
    ],
)
def test_domain_errors_name_the_op_like_the_engine(
    f: Any, example: list[float], bad: list[float], op: str
) -> None:
    compiled = compile(f, example, check=False)  # no re-trace: the compiled code meets the input
    with pytest.raises(DomainError) as engine:
        value_and_grad(f)(*bad)
    with pytest.raises(DomainError) as ours:
        compiled.value_and_grad(*bad)
    assert ours.value.op == engine.value.op == op
    assert str(ours.value) == str(engine.value).replace("x0", "x").replace("x1", "y")
    assert compiled.fallbacks == 1


def test_bad_inputs_are_refused_like_values() -> None:
    f = compile(lambda x: x * 2, [1.0])
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        f(1.0, 2.0)
    with pytest.raises(TypeError, match="str"):
        f("1")  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="finite"):
        f(math.nan)
    assert f(True is False or 3) == 6.0  # an int is a number


def test_compile_refuses_what_it_cannot_compile() -> None:
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 3.0, [1.0])
    with pytest.raises(TypeError, match="one Value"):
        compile(lambda x: [x, x], [1.0])
    with pytest.raises(TypeError, match="list of numbers"):
        compile(lambda x: x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check"):
        compile(lambda x: x, [1.0], check=0)


# -- the shape guard ------------------------------------------------------------------------------


def branchy(x: Value) -> Value:
    return x * 2 if x.data > 0 else x * x  # Python control flow on the data


def test_data_dependent_control_flow_is_caught_on_a_checked_call() -> None:
    f = compile(branchy, [1.0])
    assert f(3.0) == 6.0
    with pytest.raises(GraphChangedError, match="call 2") as info:
        f(-3.0)  # would silently give −6 instead of 9
    assert "node" in str(info.value) and "mul" in str(info.value)


def test_a_branch_at_the_example_is_caught_when_compiling() -> None:
    with pytest.raises(GraphChangedError, match="different graph"):
        compile(branchy, [0.0])  # the moved inputs take the other branch


def test_a_number_computed_from_the_data_is_caught_when_compiling() -> None:
    with pytest.raises(GraphChangedError, match="constant"):
        compile(lambda x: x - x.data, [1.0])


def test_check_true_checks_every_call_and_check_false_none() -> None:
    f = compile(branchy, [1.0], check=True)
    for x in (1.0, 2.0, 3.0):
        f(x)
    with pytest.raises(GraphChangedError):
        f(-1.0)  # call 4, not a power of two: only check=True looks here
    unchecked = compile(branchy, [1.0], check=False)
    assert unchecked(-3.0) == -6.0  # the documented risk: the traced path, not x·x
    assert unchecked.checks == 0 and f.checks == 4


def test_default_checks_calls_1_2_4_and_every_64th() -> None:
    f = compile(lambda x: x * 2, [1.0])
    for _ in range(130):
        f(1.0)
    assert f.checks == 6 + 2  # 1, 2, 4, 8, 16, 32, then 64 and 128


# -- security -------------------------------------------------------------------------------------

HOSTILE = [
    "x\nimport os\nos.system('echo pwned')",
    "x\r__import__('os').system('echo pwned')",
    "x\u2028__import__('os')",
    "x'''\"\"\"; raise SystemExit",
    "x\x00y",
    "w0; import os",
]


def _code_part(line: str) -> str:
    """The line without its comment (comments are the only place user text may appear)."""
    tokens = line.split("  # ", 1)
    return tokens[0]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_never_become_code(label: str) -> None:
    def f(x: Value) -> Value:
        y = x * x
        y.label = label
        return y.tanh()

    x_label_free = compile(f, [0.5])
    source = x_label_free.source
    tree = ast.parse(source)
    # One function: assignments, and a return; no imports, no calls but the rule table's.
    (function,) = tree.body
    assert isinstance(function, ast.FunctionDef)
    for statement in function.body:
        assert isinstance(statement, (ast.Assign, ast.AugAssign, ast.Return))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}  # type: ignore[attr-defined]
    assert calls <= {"tanh", "_sum"}
    for line in source.splitlines():
        assert "import" not in _code_part(line) and "pwned" not in _code_part(line)
    assert x_label_free.value_and_grad(0.5) == value_and_grad(f)(0.5)


def test_hostile_rule_names_and_texts_never_become_code(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "x); __import__('os').system('echo pwned'); ("
    rule = Rule(
        name, "?", ("x",), lambda x: math.tanh(x), lambda m, out, x: (1 - out * out,),
        "evil\nimport os", "also\r\nevil = 1",
    )  # fmt: skip
    monkeypatch.setitem(RULES, name, rule)

    def f(x: Value) -> Value:
        return apply_rule(rule, (x,))

    compiled = compile(f, [0.5])
    tree = ast.parse(compiled.source)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}  # type: ignore[attr-defined]
    assert calls == {"op1", "_sum"}  # the unsafe name became op1
    for line in compiled.source.splitlines():
        assert "import" not in _code_part(line) and "evil" not in _code_part(line)
    assert compiled.value_and_grad(0.5) == (math.tanh(0.5), [1 - math.tanh(0.5) ** 2])


# -- train(compile=True) --------------------------------------------------------------------------


def _train_twice(
    make_model: Any,
    X: Any,  # noqa: N803
    y: Any,
    **options: Any,
) -> tuple[Any, Any, Any, Any]:
    plain, compiled = make_model(), make_model()
    h1 = train(plain, X, y, progress=False, **options)
    h2 = train(compiled, X, y, progress=False, compile=True, **options)
    return plain, compiled, h1, h2


@pytest.mark.parametrize(
    ("make_model", "targets", "options"),
    [
        # micrograd's demo: hinge + L2, full batch
        (lambda: MLP(2, [8, 8, 1], seed=0), "±1", {"loss": hinge, "l2_alpha": 1e-4, "lr": 0.5}),
        # mini-batches, momentum, a schedule, logits
        (
            lambda: MLP(2, [6, 1], activation="tanh", seed=1),
            "0/1",
            {"loss": binary_cross_entropy_with_logits, "batch_size": 7, "seed": 3,
             "momentum": 0.9, "lr": lambda step: 0.3 / (1 + step)},
        ),
        (lambda: MLP(2, [4, 1], activation="sigmoid", last_activation="sigmoid", seed=4), "0/1",
         {"loss": binary_cross_entropy, "l2_alpha": 1e-3, "lr": 0.5}),
        (lambda: MLP(2, [4, 1], activation="leaky_relu", seed=5), "float", {"loss": mse, "lr": 0.1}),
        # several outputs and softmax cross-entropy, silu
        (lambda: MLP(2, [5, 3], activation="silu", seed=2), "three", {"loss": cross_entropy, "lr": 0.2}),
    ],
)  # fmt: skip
def test_train_compiled_gives_the_same_losses_and_parameters(
    make_model: Any, targets: str, options: dict[str, Any]
) -> None:
    X, y01 = make_moons(30, noise=0.1, seed=0)
    y: list[Any] = {
        "±1": [1 if t == 1 else -1 for t in y01],
        "0/1": y01,
        "float": [float(t) for t in y01],
        "three": [i % 3 for i in range(len(X))],
    }[targets]
    plain, compiled, h1, h2 = _train_twice(make_model, X, y, steps=12, **options)
    ours = [p.data for p in compiled.parameters()] + [p.grad for p in compiled.parameters()]
    theirs = [p.data for p in plain.parameters()] + [p.grad for p in plain.parameters()]
    assert h2.lr == h1.lr
    if targets != "three":
        # One output: bit for bit, the same float operations and the same order of every sum.
        assert h2.loss == h1.loss and h2.accuracy == h1.accuracy
        assert ours == theirs
    else:
        # Several outputs: a hidden value's gradient is summed over the outputs in the order
        # the loss's graph reaches them, which the compiled pass cannot know: to rounding.
        assert h2.loss == pytest.approx(h1.loss, rel=1e-13, abs=1e-15)
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_train_compiled_recompiles_when_the_architecture_changes() -> None:
    X, y = make_moons(20, noise=0.1, seed=0)

    def runs(change: Any) -> tuple[Any, Any]:
        a, b = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
        train(a, X, y, steps=3, progress=False)
        train(b, X, y, steps=3, progress=False, compile=True)
        change(a)
        change(b)
        train(a, X, y, steps=3, progress=False)
        train(b, X, y, steps=3, progress=False, compile=True)
        return a, b

    def new_layer(model: Any) -> None:
        model.layers[0] = Layer(2, 4, "tanh", seed=9, scope="layer0")

    def new_activation(model: Any) -> None:
        for neuron in model.layers[0].neurons:
            neuron.activation = "tanh"

    for change in (new_layer, new_activation):
        a, b = runs(change)
        assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]


class Branchy(Module):
    """A model whose Python code depends on the data: it cannot be compiled."""

    def __init__(self) -> None:
        self.w = Value(0.5, label="w")

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [("w", self.w)]

    def __call__(self, xs: Any) -> Value:
        x = xs[0] if isinstance(xs[0], Value) else Value(xs[0])
        return self.w * x if x.data > 0 else self.w * x * x


def test_train_compiled_refuses_a_model_whose_graph_depends_on_the_data() -> None:
    X, y = [[1.0], [2.0], [-1.0], [3.0]], [1, 1, -1, 1]
    with pytest.raises(GraphChangedError, match="another graph"):
        train(Branchy(), X, y, steps=8, progress=False, compile=True)


def test_train_compiled_raises_the_engines_errors() -> None:
    X, y = make_moons(10, seed=0)
    for bad in (
        [[True, 1.0], *X[1:]],
        [["a", 1.0], *X[1:]],
        [[1.0], *X[1:]],
        [[1e308, 1e308], *X[1:]],
    ):
        errors = []
        for compiled in (False, True):
            with pytest.raises((TypeError, ValueError, DomainError)) as info:
                train(MLP(2, [3, 1], seed=0), bad, y, steps=2, progress=False, compile=compiled)
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


def test_a_registered_op_is_compiled_from_its_rule() -> None:
    from autograd_lite.ops import register, unregister

    rule = Rule("cube_c", "³", ("x",), lambda x: x**3, lambda m, out, x: (3 * x**2,), "x³", "3·x²")
    cube = register(rule)
    try:
        f = compile(lambda x: cube(x) + x, [2.0])
        assert f.value_and_grad(2.0) == (10.0, [13.0])
        assert "3 * v0_x ** 2" in f.source and "# ∂(x³)/∂x = 3·x²" in f.source
        assert f.value_and_grad(-1.0) == value_and_grad(lambda x: cube(x) + x)(-1.0)
    finally:
        unregister("cube_c")


def test_an_overflowing_product_in_a_neuron_is_answered_by_the_engine() -> None:
    # 1e200·1e200 overflows, but the exactly rounded sum fits: the engine adds exactly.
    def f(a: Value, b: Value, c: Value, d: Value) -> Value:
        return Value.linear([a, c], [b, d], a)

    compiled = compile(f, [1.0, 2.0, 3.0, 4.0], check=False)
    args = (1e200, 1e200, -1e200, 1e200)
    assert (
        compiled.value_and_grad(*args)
        == value_and_grad(f)(*args)
        == (1e200, [1e200] * 3 + [-1e200])
    )
    assert compiled.fallbacks == 1


def test_a_neurons_weighted_sum_is_written_inline() -> None:
    # One fsum of the products, not a call of the linear op's forward function (4× slower).
    f = compile(lambda w, x, b: Value.linear([w], [x], b).relu(), [0.5, 2.0, 0.1])
    assert "v3 = fsum((v0_w * v1_x, v2_b))" in f.source
    assert "linear(" not in f.source
