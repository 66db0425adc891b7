"""Regression tests for what an attack run with hostile inputs found (issue 14): each case
failed before its fix. The fuzz tests that keep looking are in test_fuzz.py."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from autograd_lite import DomainError, Value, grad, gradients, hessian, topological_order
from autograd_lite.cli import main
from autograd_lite.expr import parse_expression
from autograd_lite.losses import mse
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD
from autograd_lite.testing import check_grad
from autograd_lite.train import train

# -- 4. the power rule where c − 1 rounds to c ----------------------------------------------------


@pytest.mark.parametrize("c", [2.0**54, 2.0**53 + 2, 2.0**60, -(2.0**53), -(2.0**54)])
def test_power_derivative_keeps_its_sign_where_c_minus_1_rounds(c: float) -> None:
    # c is an even integer, c − 1 odd: (−1)ᶜ⁻¹ = −1, so d(xᶜ)/dx at x = −1 is −c.
    x = Value(-1.0)
    (x**c).backward()
    assert x.grad == -c
    assert grad(lambda t: t**c)(-1.0) == [-c]
    # Second order, through the Value path of the same rule: c·(c − 1)·(−1)ᶜ⁻² = c·(c − 1).
    assert hessian(lambda t: t**c)(-1.0) == [[c * (c - 1)]]


def test_power_derivative_where_c_minus_1_rounds_at_zero_and_near_one() -> None:
    c = 2.0**54
    assert grad(lambda t: t**c)(0.0) == [0.0]
    near_one = 1.0 - 2.0**-53  # (1 − 2⁻⁵³)^(2⁵⁴) = e⁻² ≈ 0.135: finite, and c·xᶜ⁻¹ too
    (derivative,) = grad(lambda t: t**c)(-near_one)
    assert derivative == pytest.approx(-c * math.exp(-2.0), rel=1e-9)
    assert derivative < 0


def test_vpow_agrees_with_pow_where_b_minus_1_rounds() -> None:
    base, b = 1.0 - 2.0**-53, 2.0**54  # a negative base has no ∂/∂b, so vpow refuses it
    a, exponent = Value(base), Value(b)
    da, _ = gradients(a**exponent, [a, exponent])
    assert da.data == grad(lambda t: t**b)(base)[0]


# -- 5. linear: products that overflow -------------------------------------------------------------


def test_linear_with_overflowing_products_sums_exactly() -> None:
    z = Value.linear([Value(1e200), Value(-1e200)], [1e200, 1e200], Value(0.0))
    assert z.data == 0.0  # 1e400 − 1e400 + 0, exactly
    z = Value.linear([Value(1e200), Value(-1e200)], [1e200, 1e200], Value(5e-324))
    assert z.data == 5e-324


def test_linear_whose_sum_overflows_is_a_domain_error() -> None:
    with pytest.raises(
        DomainError,
        match=r"^linear: the result overflows a float; got w\[0\] = 1e\+200, x\[0\] = 1e\+200",
    ):
        Value.linear([Value(1e200), Value(1e200)], [1e200, 1e200], Value(0.0))


def test_sum_that_overflows_on_the_way_keeps_its_subnormal_bits() -> None:
    assert Value.sum([1e308, 1e308, -1e308, -1e308, 5e-324]).data == 5e-324
    assert Value.sum([1e308, 1e308, -1e308]).data == 1e308
    with pytest.raises(DomainError, match=r"^sum: the result overflows"):
        Value.sum([1e308, 1e308])


# -- 6. backward and the gradients of constants nobody asked for -------------------------------


def test_backward_does_not_refuse_for_a_constant_nobody_asked_about() -> None:
    x = Value(1e10, label="x")
    inner = x * 1e-300
    f = inner * 1e300
    f.backward()
    assert x.grad == 1.0
    assert f.data == pytest.approx(1e10)
    constant = inner.parents[1]
    assert constant.data == 1e-300
    assert constant.grad == math.inf  # x·1e300 overflows, honestly shown


def test_gradients_grad_and_check_grad_do_not_refuse_either() -> None:
    x = Value(1e10)
    f = (x * 1e-300) * 1e300
    assert gradients(f, [x])[0].data == 1.0
    (dx,) = gradients(f, [x], create_graph=True)
    assert dx.data == 1.0
    assert grad(lambda t: (t * 1e-300) * 1e300)(1e10) == [1.0]
    assert grad(lambda s: grad(lambda t: (t * 1e-300) * 1e300)(s)[0])(1e10) == [0.0]
    assert check_grad(lambda t: (t * 1e-300) * 1e300, [1e10]).ok
    assert check_grad(lambda t: t * 0.5, [1e308]).ok


def test_backward_still_refuses_when_a_leaf_you_made_overflows() -> None:
    w = Value(1e-300, label="w")
    x = Value(1e10, label="x")
    f = (x * w) * 1e300  # ∂f/∂w = x·1e300 overflows
    with pytest.raises(DomainError, match=r"^backward: the gradient reaching node 'w' is inf"):
        f.backward()
    assert (w.grad, x.grad) == (0.0, 0.0)  # nothing half-written
    with pytest.raises(DomainError, match=r"node 'w' is inf"):
        gradients(f, [w])
    assert gradients(f, [x])[0].data == pytest.approx(1e-300 * 1e300)  # w is not asked for


# -- 7. the optimiser never writes a non-finite parameter ----------------------------------------


def test_train_refuses_a_step_that_overflows_and_names_the_parameter() -> None:
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(
        DomainError,
        match=r"^SGD: step 0 would make layer0\.neuron0\.w0 inf: .* No parameter was changed",
    ):
        train(model, [[1.0]], [1e6], loss=mse, steps=1, lr=1e303, progress=False)
    assert model.state_dict() == before


def test_sgd_is_all_or_nothing() -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    a.grad, b.grad, c.grad = 1.0, 10.0, -1.0  # only b's update overflows: lr·10 > 1.8e308
    optimizer = SGD([a, b, c], lr=1e308)
    with pytest.raises(DomainError, match=r"^SGD: step 0 would make params\[1\] \('b'\) -inf"):
        optimizer.step()
    assert (a.data, b.data, c.data) == (1.0, 2.0, 3.0)
    assert optimizer.steps == 0


def test_sgd_with_momentum_keeps_parameters_and_momentum_when_it_refuses() -> None:
    w, u = Value(1.0), Value(0.5)
    optimizer = SGD([("first", u), ("w", w)], lr=1e307, momentum=0.9)
    u.grad, w.grad = 0.0, 10.0
    optimizer.step()  # w = 1 − 1e308: finite
    state = (u.data, w.data, list(optimizer._velocity), optimizer.steps)
    with pytest.raises(DomainError, match=r"^SGD: step 1 would make w -inf: w − lr·v"):
        optimizer.step()  # v = 19, 1e307·19 overflows
    assert (u.data, w.data, list(optimizer._velocity), optimizer.steps) == state


def test_a_non_finite_gradient_is_a_domain_error_naming_the_step() -> None:
    w = Value(1.0, label="w")
    w.grad = math.inf
    with pytest.raises(
        DomainError, match=r"^SGD: step 0: the gradient of params\[0\] \('w'\) is inf"
    ):
        SGD([w], lr=0.1).step()
    assert w.data == 1.0


# -- 9. training arguments --------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [2.5, True, "2", 2.0])
def test_batch_size_must_be_an_int(batch_size: object) -> None:
    with pytest.raises(
        TypeError, match=r"^train: batch_size must be an int in 1\.\.3 or None, got "
    ):
        train(
            MLP(1, [1], seed=0),
            [[1.0], [2.0], [3.0]],
            [1, 0, 1],
            steps=1,
            batch_size=batch_size,
            progress=False,
        )  # type: ignore[arg-type]


# -- 8. model files ----------------------------------------------------------------------------


def _record(model: MLP, parameters: str, version: str = "1") -> str:
    return (
        f'{{"format": "autograd_lite.state_dict", "version": {version}, '
        f'"architecture": {json.dumps(model.architecture, ensure_ascii=False)}, "parameters": {parameters}}}'
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda m: _record(m, '{"layer0.neuron0.w0": ' + "1" * 401 + ', "layer0.neuron0.b": 0.5}'), r"parameter 'layer0\.neuron0\.w0' must fit in a float \(magnitude below 1\.8e308\), got an integer of about 401 digits"),
        (lambda m: _record(m, '{"layer0.neuron0.w0": ' + "1" * 5001 + ', "layer0.neuron0.b": 0.5}'), r"parameter 'layer0\.neuron0\.w0' must be finite, got inf"),
        (lambda m: _record(m, '{"layer0.neuron0.w0": 1e400, "layer0.neuron0.b": 0.5}'), r"'layer0\.neuron0\.w0' must be finite, got inf"),
        (lambda m: _record(m, '{"layer0.neuron0.w0": Infinity, "layer0.neuron0.b": 0.5}'), r"'layer0\.neuron0\.w0' must be finite, got inf"),
        (lambda m: "[" * 100000, r"not a parameter file \(JSON nested too deeply\)"),
        (lambda m: b'{"format": "\xff"}', r"not a UTF-8 text file \(invalid start byte at byte 12\)"),
        (lambda m: _record(m, '{"layer0.neuron0.w0": 0.25, "layer0.neuron0.b": 0.5}', version="true"), r"format version True, this library reads 1"),
        (lambda m: _record(m, '{"layer0.neuron0.w0": 0.25, "layer0.neuron0.b": 0.5}', version="1.0"), r"format version 1\.0, this library reads 1"),
        (lambda m: _record(m, '{"' + "w" * 1_000_000 + '": 0.25}'), r"^\S+: the state does not match .*1 unexpected \(w{50,59}… \(1000000 characters\)\)$"),
        (lambda m: _record(m, "{}").replace(m.architecture, "x" * 1_000_000), r"saved from x+… \(1000000 characters\), but this model is MLP"),
    ],
)  # fmt: skip
def test_hostile_model_files_are_a_value_error_naming_the_file(
    tmp_path: Path, content, message: str
) -> None:  # type: ignore[no-untyped-def]
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    path = tmp_path / "model.json"
    text = content(model)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        model.load(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert len(str(raised.value)) < 500
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"layer0.neuron0.w0": 10**400, "layer0.neuron0.b": 0.0}, r"^parameter 'layer0\.neuron0\.w0' must fit in a float .*got an integer of about 401 digits$"),
        ({0: 1.0, "layer0.neuron0.w0": 1.0, "layer0.neuron0.b": 1.0}, r"^parameter names must be strings, got int 0$"),
        ({"layer0.neuron0.w0": [0.0] * 10**5, "layer0.neuron0.b": 0.0}, r"^parameter 'layer0\.neuron0\.w0' must be a number, got \[0\.0, 0\.0, .*… \(500000 characters\)$"),
    ],
)  # fmt: skip
def test_hostile_state_dicts_are_a_value_error_naming_the_key(
    state: dict[object, object], message: str
) -> None:
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_save_refuses_a_non_finite_parameter_before_writing(tmp_path: Path) -> None:
    model = MLP(1, [1], seed=0)
    with pytest.raises(DomainError, match="finite"):
        model.parameters()[1].data = math.inf  # refused at assignment, and training refuses it
    model.parameters()[1]._data = math.inf  # only the private slot can hold it: save still refuses
    path = tmp_path / "model.json"
    with pytest.raises(
        ValueError, match=r"cannot save .*model\.json: parameter 'layer0\.neuron0\.b' is inf"
    ):
        model.save(path)
    assert not path.exists()


# -- 1.–3. the command line's expression parser --------------------------------------------------


def _refusal(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the command prints when it refuses, after checking its exit code 2."""
    with pytest.raises(SystemExit) as info:  # -- before an expression that starts with -
        main([args[0], "-o", str(tmp_path / "g.svg"), "--", *args[1:]])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("autograd-lite graph: error: ")
    return err


@pytest.mark.parametrize(
    "expression",
    [
        "-" * 6000 + "x",
        "+" * 6000 + "x",
        "x**" * 3000 + "x",
        "+".join(["x"] * 5000),
        "-" * 3000 + "x",
    ],
    ids=["6000 minus", "6000 plus", "3000 powers", "5000-term sum", "3000 minus"],
)
def test_nesting_too_deep_for_pythons_parser_is_one_line_with_advice(
    expression: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refusal(["graph", expression, "x=1"], tmp_path, capsys)
    assert "nested too deeply for Python's parser" in err
    assert "Value.sum" in err


@pytest.mark.parametrize(
    ("expression", "value", "derivative"),
    [("-" * 1500 + "x", 2.0, 1.0), ("+".join(["x"] * 1200), 2400.0, 1200.0), ("sin(" * 150 + "x" + ")" * 150, None, None)],
    ids=["1500 minus", "1200-term sum", "100 nested calls"],
)  # fmt: skip
def test_deep_expressions_that_python_parses_are_evaluated_without_recursion(
    expression: str, value: float | None, derivative: float | None
) -> None:
    x = 2.0
    f = parse_expression(expression, {"x": x})
    (dx,) = gradients(f, [next(n for n in topological_order(f) if n.label == "x")])
    if value is not None:
        assert (f.data, dx.data) == (value, derivative)
    else:
        assert 0.0 < f.data < 1.0


def test_leaky_relu_with_a_variable_slope_differentiates_through_the_slope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "leaky_relu(x, y)", "x=-2", "y=0.1", "-o", str(tmp_path / "g.svg")]) == 0
    out = capsys.readouterr().out
    assert "∂/∂x = 0.1\n" in out
    assert "∂/∂y = -2\n" in out  # was "0 (not used)"
    for x, value, dx in [
        (-0.5, 0.25, -1.0),
        (0.0, 0.0, 0.0),
        (3.0, 3.0, 1.0),
    ]:
        f = parse_expression("leaky_relu(x, x)", {"x": x})  # x·x below 0: derivative 2x
        leaf = next(n for n in topological_order(f) if n.label == "x")
        assert (f.data, gradients(f, [leaf])[0].data) == (value, dx)
    f = parse_expression("leaky_relu(x, y)", {"x": 0.0, "y": 0.3})  # at the kink: slope, and 0
    leaves = sorted((n for n in topological_order(f) if n.label), key=lambda n: n.label)
    assert [g.data for g in gradients(f, leaves)] == [0.3, 0.0]
    assert parse_expression("leaky_relu(-2, y)", {"y": 0.5}).data == -1.0


def test_constants_computed_from_constants_behave_like_literals() -> None:
    f = parse_expression("x**(1+1)", {"x": -1.0})  # was vpow, refused at a negative base
    assert f.op == "pow"
    assert f.op_args == (2.0,)
    f.backward()
    assert f.parents[0].grad == -2.0
    assert parse_expression("x * exp(0) * leaky_relu(-1, 0.5)", {"x": 2.0}).data == -1.0
    assert parse_expression("leaky_relu(x, 0.1 * 2)", {"x": -1.0}).data == -0.2


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x * 1e400", r"the constant 1e400, which is not finite as a float \(above 1\.8e308\) \(col 5\)"),
        ("x * 0x" + "f" * 300, r"the constant 0xfffffffffffffffffffffffffff… \(302 characters\), which is not finite"),
        ("1" * 5000 + " * x", r"not a valid expression: a whole number of more than 4,300 digits"),
        ("exp(x, y=1)", r"the keyword argument y= of exp \(give arguments by position\) \(col 8\)"),
        ("exp(**x)", r"the keyword argument \*\* of exp"),
        ("é + (x ** x).foo", r"unknown variable 'é' \(col 1\)"),
        ("x + (é ** x).foo", r"Attribute '\(é \*\* x\)\.foo' \(col 5\)"),
        ("exp + 1", r"unknown variable 'exp' \(col 1\): exp is a function: write exp\(x\)"),
        ("(x +\n y.z)", r"Attribute 'y\.z' \(line 2, col 2\)"),
    ],
)  # fmt: skip
def test_refusals_say_what_and_where(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_expression(expression, {"x": 1.0})


@pytest.mark.parametrize(
    "args",
    [
        ["graph", "y" * 1_000_000, "x=1"],
        ["graph", "log(" + "y" * 1_000_000 + ")", "y" * 1_000_000 + "=-1"],
        ["graph", "x + [" + "x" * 1_000_000 + "]", "x=1"],
        ["graph", "x", "x=" + "1" * 1_000_000 + "e"],
        ["graph", "x", "x" * 1_000_000],
    ],
    ids=[
        "unknown name",
        "label in a domain error",
        "refused construct",
        "bad number",
        "bad assignment",
    ],
)
def test_errors_never_repeat_a_huge_input(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*args, "-o", str(tmp_path / "g.svg")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err) < 2000
    assert re.search(r"… \(100000\d characters\)", err)


def test_a_variable_given_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refusal(["graph", "x", "x=1", "x=2"], tmp_path, capsys)
    assert "the variable 'x' is given twice" in err
