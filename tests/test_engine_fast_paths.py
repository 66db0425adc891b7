"""The fast paths of + and × (engine/value.py and engine/graph.py, _FAST) agree with the rule
table to the last bit, and step aside when override_rule replaces a rule's functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import RULES, DomainError, Value
from autograd_lite.engine.value import apply_rule
from autograd_lite.testing import override_rule

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e150, max_value=1e150)


def _bits(x: float) -> str:
    return float.hex(x)


@settings(max_examples=200, database=None)
@given(finite, finite)
def test_the_operators_make_the_node_the_table_makes(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    for op, fast, reflected in (
        ("add", x + y, b + x),
        ("mul", x * y, b * x),
    ):
        slow = apply_rule(RULES[op], (x, y))
        assert _bits(fast.data) == _bits(slow.data) == _bits(reflected.data)
        assert fast.op == op and fast.parents == (x, y)
        assert reflected.parents[1] is x and reflected.parents[0].data == b  # b, then x


def _grads(build: object, points: list[float]) -> list[float]:
    leaves = [Value(p) for p in points]
    out = build(*leaves)  # type: ignore[operator]
    out.backward()
    return [leaf.grad for leaf in leaves]


def _graph(a: Value, b: Value, c: Value) -> Value:
    # + and × mixed with ops that take the general path, shared nodes and a reflected constant
    s = a * b + c
    return (s * s + 2.0 * a).tanh() * (b + c) + (s * c).exp() * 0.5 + 1.0 * s


@settings(max_examples=100, database=None)
@given(st.lists(st.floats(min_value=-2.0, max_value=2.0), min_size=3, max_size=3))
def test_the_backward_fast_path_gives_the_bits_of_the_rules(points: list[float]) -> None:
    fast = _grads(_graph, points)
    # the same functions, put back by override_rule: the identity test fails, so every node
    # takes the general loop that calls rule.local
    with (
        override_rule("add", local=lambda m, out, a, b: (1.0, 1.0)),
        override_rule("mul", local=lambda m, out, a, b: (b, a)),
    ):
        slow = _grads(_graph, points)
    assert [_bits(g) for g in fast] == [_bits(g) for g in slow]


def test_a_broken_mul_forward_is_used_not_bypassed() -> None:
    with override_rule("mul", forward=lambda a, b: a * b + 1.0):
        assert (Value(2.0) * Value(3.0)).data == 7.0
        assert (2.0 * Value(3.0)).data == 7.0
    assert (Value(2.0) * Value(3.0)).data == 6.0


def test_a_broken_add_local_is_used_not_bypassed() -> None:
    x = Value(2.0)
    with override_rule("add", local=lambda m, out, a, b: (2.0, 1.0)):
        (x + 1.0).backward()
    assert x.grad == 2.0


@pytest.mark.parametrize("make", [lambda: Value(1e200) * 1e200, lambda: 1e308 + Value(1e308)])
def test_an_overflow_on_the_fast_path_is_the_table_s_domain_error(make: object) -> None:
    with pytest.raises(DomainError, match=r"^(mul|add): the result overflows a float"):
        make()  # type: ignore[operator]


def test_numbers_become_constant_leaves_as_before() -> None:
    x = Value(1.5)
    for number in (0, 2, -3.5, 2**60, True):
        if number is True:
            with pytest.raises(TypeError):
                x + number
            continue
        node = x + number
        constant = node.parents[1]
        assert constant.data == float(number) and constant.op == "" and constant.label == ""
    with pytest.raises(DomainError):
        x + math.inf


def _grads_of_nodes(points: list[float], *, in_place: bool) -> list[str]:
    """Every node's grad after backward() from grads that were not zero (leaves accumulate,
    other nodes are overwritten), by the in-place pass or by the checked dictionary pass."""
    from autograd_lite.engine.graph import backprop, topological_order
    from autograd_lite.engine.value import float_local

    a, b, c = (Value(p) for p in points)
    out = _graph(a, b, c)
    order = topological_order(out)
    for i, node in enumerate(order):
        node.grad = 0.25 * i - 3.0
    if in_place:
        out.backward()
    else:
        _, grads = backprop(out, 1.0, float_local, floats=True)
        for node in order:
            node.grad = node.grad + grads[node] if not node.parents else grads[node]
    # The one difference: a zero's sign. The in-place pass sums from 0.0 (as microgpt's Value
    # does), so a first contribution -0.0 ends as 0.0; the dictionary keeps it as it came.
    return [_bits(node.grad) if node.grad else "0" for node in order]


@settings(max_examples=100, database=None)
@given(st.lists(st.floats(min_value=-2.0, max_value=2.0), min_size=3, max_size=3))
def test_the_in_place_pass_gives_the_bits_of_the_checked_pass(points: list[float]) -> None:
    # Value.backward writes into the nodes (engine/graph.py, backprop_in_place); backprop keeps
    # a dictionary: the same chain rule, the same order, the same bits.
    assert _grads_of_nodes(points, in_place=True) == _grads_of_nodes(points, in_place=False)


@pytest.mark.parametrize(
    ("make", "seed"),
    [
        (lambda x, w: (x * w) * 1e200 + x, 1e300),  # the gradient of x overflows
        (lambda x, w: (x - 1.0) ** 0.5 * w + x * 3.0, 1.0),  # √ at 0: its local derivative raises
    ],
)
def test_a_refused_pass_leaves_every_grad_as_it_was(make: object, seed: float) -> None:
    from autograd_lite.engine.graph import topological_order

    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    out = make(x, w)  # type: ignore[operator]
    order = topological_order(out)
    for i, node in enumerate(order):
        node.grad = float(i)
    with pytest.raises(DomainError):
        out.backward(seed)
    assert [node.grad for node in order] == [float(i) for i in range(len(order))]


def test_a_constant_may_keep_an_infinite_gradient_after_the_in_place_pass() -> None:
    x = Value(1e10, label="x")
    y = (x * 1e-300) * 1e300  # ∂y/∂(the constant 1e-300) = x · 1e300 overflows; ∂y/∂x does not
    y.backward()
    assert x.grad == pytest.approx(1.0)
    constant = y.parents[0].parents[1]
    assert constant.grad == math.inf


def test_the_count_of_open_no_grad_blocks_is_what_the_fast_check_reads() -> None:
    # engine/mode.py: while no no_grad() block is open anywhere, a node records without asking
    # its thread; the count must come back to 0 however a block ends, and a block open in
    # another thread must not stop this one recording.
    import threading

    from autograd_lite import enable_grad, no_grad
    from autograd_lite.engine.mode import paused

    def fail_inside() -> None:
        with no_grad(), enable_grad(), no_grad():
            assert paused.count == 2
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert paused.count == 0
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with no_grad():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    inside.wait(10)
    x = Value(2.0)
    assert (x * x).parents == (x, x) and (x + 1.0).op == "add"
    with no_grad():
        assert (x * x).parents == () and (x + 1.0).parents == ()
    release.set()
    thread.join()
    assert paused.count == 0
