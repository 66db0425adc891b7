"""The engine: construction, graph recording, backward semantics, errors, no_grad."""

from __future__ import annotations

import gc
import math
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest

from autograd_lite import (
    DomainError,
    Value,
    enable_grad,
    gradients,
    is_grad_enabled,
    local_derivatives,
    no_grad,
    topological_order,
)

# -- construction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [(3, 3.0), (-2.5, -2.5), (0, 0.0), (np.float64(1.5), 1.5), (np.float32(0.5), 0.5),
     (np.int64(7), 7.0), (10**15, 1e15)],
)  # fmt: skip
def test_value_accepts_real_numbers_and_stores_a_float(data: object, expected: float) -> None:
    v = Value(data)  # type: ignore[arg-type]
    assert v.data == expected
    assert type(v.data) is float
    assert v.grad == 0.0
    assert type(v.grad) is float
    assert v.parents == ()
    assert v.op == ""
    assert v.label == ""


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("2.0", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list"), (True, "bool"),
     (np.array([1.0, 2.0]), "ndarray")],
)  # fmt: skip
def test_value_refuses_non_real_data_with_a_type_error_naming_the_type(
    data: object, type_name: str
) -> None:
    with pytest.raises(TypeError, match=rf"real number \(int or float\), got {type_name}"):
        Value(data)  # type: ignore[arg-type]


def test_numpy_array_error_suggests_item() -> None:
    with pytest.raises(TypeError, match=r"\.item\(\)"):
        Value(np.array(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"got bool_? (np\.)?True_?$"):
        Value(np.bool_(True))  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [math.inf, -math.inf, math.nan])
def test_value_refuses_non_finite_data(data: float) -> None:
    with pytest.raises(
        DomainError, match=r"^Value: data must be a finite real number; got data = .* \(node 'w'\)$"
    ):
        Value(data, label="w")


def test_value_refuses_an_int_too_large_for_a_float() -> None:
    with pytest.raises(
        DomainError,
        match=r"^Value: data must fit in a float .*, got 1000000000000000000… \(401 characters\) for node 'w'$",
    ):
        Value(10**400, label="w")
    with pytest.raises(DomainError, match=r"^Value: data must fit in a float"):
        Value(1.0) * 10**400
    with pytest.raises(DomainError, match=r"^pow: exponent c must fit in a float"):
        Value(2.0) ** 10**400


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_repr_shows_data_grad_label_and_op() -> None:
    x = Value(2.0, label="x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    y = x * 3
    y.backward()
    assert repr(y) == "Value(data=6.0, grad=1.0, op='mul')"
    assert repr(Value(0.1)) == "Value(data=0.1, grad=0.0)"


def test_a_value_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match=r"no truth value.*v\.data > 0"):
        bool(Value(0.0))


def test_values_compare_and_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a
    assert len({a, b, a}) == 2


# -- operators and the graph they record ------------------------------------------------------


def test_operators_record_op_and_ordered_parents() -> None:
    a, b = Value(6.0, label="a"), Value(3.0, label="b")
    cases = {
        "add": (a + b, 9.0),
        "sub": (a - b, 3.0),
        "mul": (a * b, 18.0),
        "truediv": (a / b, 2.0),
        "vpow": (b**b, 27.0),
    }
    for op, (node, data) in cases.items():
        assert node.op == op
        assert node.data == data
        assert node.parents[0] is (b if op == "vpow" else a)
        assert node.parents[1] is b


@pytest.mark.parametrize(
    ("make", "data", "op"),
    [
        (lambda v: 2 + v, 6.0, "add"),
        (lambda v: 2 - v, -2.0, "sub"),
        (lambda v: 2 * v, 8.0, "mul"),
        (lambda v: 2 / v, 0.5, "truediv"),
        (lambda v: 2**v, 16.0, "vpow"),
        (lambda v: v**2, 16.0, "pow"),
        (lambda v: v**0.5, 2.0, "pow"),
        (lambda v: -v, -4.0, "neg"),
        (lambda v: +v, 4.0, "pos"),
        (lambda v: abs(-v), 4.0, "abs"),
        (lambda v: np.float64(2.0) * v, 8.0, "mul"),
        (lambda v: v + np.float64(2.0), 6.0, "add"),
    ],
)
def test_reflected_and_unary_operators(make, data: float, op: str) -> None:  # type: ignore[no-untyped-def]
    result = make(Value(4.0))
    assert isinstance(result, Value)
    assert result.data == data
    assert result.op == op


def test_reflected_operand_is_the_left_parent() -> None:
    x = Value(4.0)
    y = 10 - x
    assert y.parents[0].data == 10.0
    assert y.parents[1] is x
    y.backward()
    assert x.grad == -1.0


@pytest.mark.parametrize("other", ["a", None, [1.0], 1j, True])
def test_operators_with_other_types_raise_pythons_type_error(other: object) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        x + other  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"unsupported operand|can't multiply sequence"):
        other * x  # type: ignore[operator]
    with pytest.raises(TypeError, match="unsupported operand"):
        x**other  # type: ignore[operator]


def test_a_plus_a_has_two_edges_and_gradient_two() -> None:
    a = Value(3.0, label="a")
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_shared_nodes_accumulate_every_path() -> None:
    # b = a + a = 2a, c = b·b = 4a², dc/da = 8a
    a = Value(-3.0)
    b = a + a
    c = b * b
    c.backward()
    assert c.data == 36.0
    assert b.grad == 2 * b.data == -12.0
    assert a.grad == 8 * a.data == -24.0


def test_diamond_graph_visits_shared_node_once() -> None:
    x = Value(2.0)
    u = x * x
    y = u.exp() + u.sin() + u
    order = topological_order(y)
    assert len(order) == len({id(n) for n in order})
    assert order.index(u) < order.index(y)
    y.backward()
    assert x.grad == pytest.approx((math.exp(4.0) + math.cos(4.0) + 1) * 2 * 2.0, rel=1e-15)


def test_topological_order_is_parents_first_and_deterministic() -> None:
    def build() -> list[str]:
        a, b = Value(1.0, label="a"), Value(2.0, label="b")
        c = a * b
        c.label = "c"
        d = c + a
        d.label = "d"
        e = d * c
        e.label = "e"
        return [n.label for n in topological_order(e)]

    assert build() == ["a", "b", "c", "d", "e"]
    assert build() == build()


def test_n_ary_sum_is_one_node() -> None:
    xs = [Value(float(i)) for i in range(1, 101)]
    s = Value.sum(x * x for x in xs)
    assert s.op == "sum"
    assert len(s.parents) == 100
    assert s.data == sum(i * i for i in range(1, 101))
    s.backward()
    assert [x.grad for x in xs] == [2.0 * i for i in range(1, 101)]


def test_sum_of_nothing_and_of_numbers() -> None:
    assert Value.sum([]).data == 0.0
    assert Value.sum([1, 2.5]).data == 3.5
    with pytest.raises(TypeError, match=r"Value\.sum expects Values or real numbers, got str"):
        Value.sum([Value(1.0), "2"])  # type: ignore[list-item]


def test_sum_is_exactly_rounded() -> None:
    s = Value.sum([1e16, 1.0, -1e16])
    assert s.data == 1.0  # a chain of float additions gives 0.0 here
    assert Value.sum([1e308, 1e308, -1e308]).data == 1e308  # fits, though partial sums do not


def test_leaky_relu_slope_is_recorded_and_validated() -> None:
    y = Value(-2.0).leaky_relu(0.2)
    assert y.op_args == (0.2,)
    with pytest.raises(TypeError, match=r"^leaky_relu slope must be a real number .*, got str"):
        Value(1.0).leaky_relu("0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^leaky_relu slope must be a real number .*, got Value"):
        Value(1.0).leaky_relu(Value(0.1))  # type: ignore[arg-type]


# -- backward semantics -----------------------------------------------------------------------


def test_backward_twice_doubles_leaves_and_keeps_intermediates() -> None:
    x = Value(3.0)
    h = x * x  # intermediate
    y = h * 2
    y.backward()
    assert (x.grad, h.grad, y.grad) == (12.0, 2.0, 1.0)
    y.backward()
    # Leaves accumulate across calls (as in PyTorch); intermediates show the latest pass.
    assert (x.grad, h.grad, y.grad) == (24.0, 2.0, 1.0)


def test_leaves_accumulate_over_samples_like_a_batch() -> None:
    w = Value(0.5)
    for x in (1.0, 2.0, 3.0):
        (w * x).backward()
    assert w.grad == 6.0


def test_intermediate_shows_gradient_of_latest_root() -> None:
    x = Value(2.0)
    h = x * 3
    (h * h).backward()
    assert h.grad == 12.0
    (h + 1).backward()
    assert h.grad == 1.0


def test_zero_grad_clears_the_whole_graph() -> None:
    x = Value(2.0)
    y = (x * x).exp()
    y.backward()
    y.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(y))
    y.backward()
    assert x.grad == pytest.approx(4 * math.exp(4.0))


def test_backward_with_a_seed_scales_every_gradient() -> None:
    x = Value(1.5)
    y = x.sin() * x
    y.backward(seed=-2.5)
    assert y.grad == -2.5
    assert x.grad == pytest.approx(-2.5 * (math.cos(1.5) * 1.5 + math.sin(1.5)), rel=1e-15)


def test_backward_on_a_leaf() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_refuses_a_bad_seed() -> None:
    with pytest.raises(TypeError):
        Value(1.0).backward(seed="1")  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="finite"):
        Value(1.0).backward(seed=math.nan)


def test_chain_of_a_million_nodes_under_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0, label="x")
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_graphs_are_freed_by_reference_counting_alone() -> None:
    # No per-node closures and no reference cycles: nothing is left for the cycle collector.
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = (x * x + x.exp()).tanh()
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_local_derivatives_of_a_node() -> None:
    a, b = Value(3.0), Value(4.0)
    assert local_derivatives(a / b) == (0.25, -3.0 / 16.0)
    assert local_derivatives(a) == ()


def test_values_pickle() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y2 = pickle.loads(pickle.dumps(y))
    assert y2.data == 4.0
    assert y2.op == "mul"
    assert y2.parents[0] is y2.parents[1]
    y2.backward()
    assert y2.parents[0].grad == 4.0


# -- no_grad and detach -------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    w = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = w * 3 + 1
    assert is_grad_enabled()
    assert y.data == 7.0
    assert y.parents == ()
    assert y.op == ""
    y.backward()
    assert w.grad == 0.0


def test_no_grad_restores_state_after_an_error_and_nests() -> None:
    with pytest.raises(DomainError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_gradients_with_create_graph_records_even_inside_no_grad() -> None:
    x = Value(3.0)
    y = x**3
    with no_grad():
        (dy,) = gradients(y, [x], create_graph=True)
        (d2y,) = gradients(dy, [x])
        with enable_grad():
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert (dy.data, d2y.data) == (27.0, 18.0)


def test_no_grad_as_a_decorator() -> None:
    @no_grad()
    def update(w: Value) -> Value:
        return w - 0.1 * w

    assert update(Value(1.0)).parents == ()


def test_no_grad_is_per_thread() -> None:
    seen: list[bool] = []
    with no_grad():
        thread = threading.Thread(target=lambda: seen.append(bool((Value(1.0) * 2).parents)))
        thread.start()
        thread.join()
    assert seen == [True]


def test_detach_makes_a_leaf_with_the_same_data() -> None:
    x = Value(3.0, label="x")
    y = x * x
    d = y.detach()
    assert (d.data, d.parents, d.op) == (9.0, (), "")
    z = d * x
    z.backward()
    assert x.grad == 9.0  # d is a constant: no path through y


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        (lambda x: x.log(), r"^log: expected x > 0; got x = 0\.0 \(node 'x'\)$"),
        (lambda x: (x - 1).log(), r"^log: expected x > 0; got x = -1\.0$"),
        (lambda x: (x - 4).sqrt(), r"^sqrt: expected x >= 0; got x = -4\.0$"),
        (lambda x: x**-1, r"^pow: 0 to a negative power .*; got x = 0\.0 \(node 'x'\), c = -1\.0$"),
        (lambda x: 1 / x, r"^truediv: division by zero: expected b != 0; got a = 1\.0, b = 0\.0 \(node 'x'\)$"),
        (lambda x: (x - 8) ** (1 / 3), r"^pow: a negative base to a non-integer power is not a real number"),
        (lambda x: (x - 8) ** Value(0.5), r"^vpow: a negative base to a non-integer power"),
        (lambda x: (x + 1000).exp(), r"^exp: expected x <= 709\.78 .*; got x = 1000\.0$"),
        (lambda x: (x + 1e200) * 1e200, r"^mul: the result overflows a float; got a = 1e\+200, b = 1e\+200$"),
        (lambda x: (x + 10) ** 400, r"^pow: the result overflows a float; got x = 10\.0, c = 400\.0$"),
        (lambda x: Value.sum([x + 1e308, 1e308]), r"^sum: the result overflows a float; got x\[0\] = 1e\+308, x\[1\] = 1e\+308$"),
    ],
)  # fmt: skip
def test_domain_errors_name_the_op_the_value_and_the_label(compute, message: str) -> None:  # type: ignore[no-untyped-def]
    x = Value(0.0, label="x")
    with pytest.raises(DomainError, match=message) as info:
        compute(x)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ArithmeticError)
    assert info.value.__cause__ is None  # no chained traceback from inside the engine


def test_domain_error_fields() -> None:
    with pytest.raises(DomainError) as info:
        Value(-2.0, label="h").sqrt()
    error = info.value
    assert (error.op, error.reason, error.operands) == (
        "sqrt",
        "expected x >= 0",
        (("x", -2.0, "h"),),
    )
    assert pickle.loads(pickle.dumps(error)).operands == error.operands


def test_never_a_complex_number() -> None:
    for compute in (lambda: Value(-8.0) ** (1 / 3), lambda: (-8) ** Value(1 / 3)):
        with pytest.raises(DomainError):
            compute()
    assert (Value(-8.0) ** 3).data == -512.0  # integer exponents of negative bases are fine
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda x: x.sqrt(), r"^sqrt: its local derivative is not a finite real number here"),
        (lambda x: x**0.5, r"^pow: its local derivative is not a finite real number here"),
        (lambda x: x ** Value(0.5), r"^vpow: its local derivative is not a finite real number"),
    ],
)
def test_infinite_local_derivatives_are_reported_by_backward(build, message: str) -> None:  # type: ignore[no-untyped-def]
    x = Value(0.0, label="x")
    y = build(x)
    assert y.data == 0.0  # the value itself is fine
    with pytest.raises(DomainError, match=message) as info:
        y.backward()
    assert "= 0.0 (node 'x')" in str(info.value)
    assert x.grad == 0.0  # nothing was half-written
    with pytest.raises(DomainError, match=message):
        gradients(y, [x], create_graph=True)


def test_vpow_exponent_derivative_needs_a_positive_base() -> None:
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    y = a**b
    assert y.data == -8.0
    with pytest.raises(DomainError, match=r"^vpow: .*exponent b needs a base a > 0.*got a = -2\.0"):
        y.backward()


def test_vpow_at_zero_base() -> None:
    a, b = Value(0.0), Value(2.0)
    y = a**b
    y.backward()
    assert (y.data, a.grad, b.grad) == (0.0, 0.0, 0.0)


def test_overflowing_gradient_is_reported_with_the_node() -> None:
    a = Value(1e-200, label="a")
    y = a * 1e200  # 1.0, and ∂y/∂a = 1e200
    z = y * 1e200  # 1e200, and ∂z/∂y = 1e200: so ∂z/∂a = 1e400 overflows
    with pytest.raises(
        DomainError,
        match=r"^backward: the gradient reaching node 'a' is inf: the chain rule product overflows",
    ):
        z.backward()
    assert a.grad == 0.0  # nothing was half-written


def test_an_overflow_reaching_an_unlabelled_leaf_says_which() -> None:
    y = Value(1.0) * 1e300  # ∂y/∂(the leaf 1.0) = 1e300, times the seed: inf
    with pytest.raises(DomainError, match=r"reaching the unlabelled leaf 1\.0 is inf"):
        y.backward(seed=1e300)


def test_an_infinite_local_derivative_is_blamed_on_its_op() -> None:
    x = Value(5e-324, label="x")
    y = x.log()  # fine: about -744.4; but 1/x is inf
    with pytest.raises(
        DomainError,
        match=r"^log: its local derivative is not a finite real number here \(inf\); got x = 5e-324 \(node 'x'\)$",
    ):
        y.backward()


def test_errors_in_the_middle_of_a_graph_leave_no_traceback_from_deep_inside() -> None:
    script = "from autograd_lite import Value\nx = Value(-1.0, label='x')\ny = (x * 2).log()\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "autograd_lite.errors.DomainError: log: expected x > 0; got x = -2.0"
    )
    assert "During handling" not in result.stderr


def test_linear_is_the_weighted_sum_as_one_node() -> None:
    ws = [Value(2.0, label="w0"), Value(-1.0, label="w1")]
    xs = [Value(3.0, label="x0"), 4.0]
    b = Value(0.5, label="b")
    z = Value.linear(ws, xs, b)
    assert (z.data, z.op, len(z.parents)) == (2.5, "linear", 5)
    z.backward()
    assert [w.grad for w in ws] == [3.0, 4.0]
    assert xs[0].grad == 2.0
    assert b.grad == 1.0
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        Value.linear(ws, [1.0], b)
    with pytest.raises(TypeError, match="bias must be a Value, got str"):
        Value.linear(ws, xs, "b")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expects Values or real numbers, got str"):
        Value.linear(ws, ["a", 1.0], b)  # type: ignore[list-item]
