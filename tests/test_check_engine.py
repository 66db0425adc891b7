"""check_engine: another engine's scalar class, property-tested against autograd_lite.

The engines below are what students write: a correct micrograd-style ``Value`` (``Correct``) and
copies of it, each with one classic mistake. Every mistake must be caught within the default
number of examples and named; the correct copy, micrograd 0.1.0 and our own engine must pass.
They live at module level so that a report's reproduce snippet can import them.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.testing import (
    DEFAULT_EXAMPLES,
    Engine,
    EngineCheckResult,
    GradCheckError,
    check_engine,
)

ROOT = Path(__file__).resolve().parents[1]


class Correct:
    """A micrograd-style engine with more ops (exp, log, tanh, sin, cos, 2 ** x) and zero_grad."""

    def __init__(self, data: float, _children: tuple[Any, ...] = (), _op: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Any = lambda: None
        self._prev = _children  # a tuple, in order: the same run every time
        self._op = _op

    def _make(self, data: float, children: tuple[Any, ...], op: str) -> Any:
        return type(self)(data, children, op)

    def _lift(self, other: Any) -> Any:
        return other if isinstance(other, Correct) else type(self)(other)

    def _send(self, node: Any, gradient: float) -> None:
        node.grad += gradient  # the chain rule adds up the contributions of every use

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self._send(self, out.grad)
            self._send(other, out.grad)

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self._send(self, other.data * out.grad)
            self._send(other, self.data * out.grad)

        out._backward = _backward
        return out

    def __pow__(self, other: float) -> Any:
        assert isinstance(other, (int, float)), "only numbers as exponents"
        out = self._make(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            self._send(self, other * self.data ** (other - 1) * out.grad)

        out._backward = _backward
        return out

    def __rpow__(self, base: float) -> Any:  # base ** self = exp(self · ln base)
        out = self._make(base**self.data, (self,), "rpow")

        def _backward() -> None:
            self._send(self, out.data * math.log(base) * out.grad)

        out._backward = _backward
        return out

    def _unary(self, value: float, derivative: float, op: str) -> Any:
        out = self._make(value, (self,), op)

        def _backward() -> None:
            self._send(self, derivative * out.grad)

        out._backward = _backward
        return out

    def exp(self) -> Any:
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self) -> Any:
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._unary(t, 1 - t**2, "tanh")

    def sin(self) -> Any:
        return self._unary(math.sin(self.data), math.cos(self.data), "sin")

    def cos(self) -> Any:
        return self._unary(math.cos(self.data), -math.sin(self.data), "cos")

    def relu(self) -> Any:
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def _topo(self) -> list[Any]:
        topo: list[Any] = []
        visited: set[int] = set()
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node._prev))
        return topo

    def backward(self) -> None:
        topo = self._topo()
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

    def zero_grad(self) -> None:
        for node in self._topo():
            node.grad = 0.0

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: float) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: float) -> Any:
        return other + (-self)

    def __rmul__(self, other: float) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * other**-1

    def __rtruediv__(self, other: float) -> Any:
        return other * self**-1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data}, grad={self.grad})"


# -- the classic mistakes, one per copy --------------------------------------------------------


class AssignedGrad(Correct):
    """`=` instead of `+=`: a node used twice keeps only the last contribution."""

    def _send(self, node: Any, gradient: float) -> None:
        node.grad = gradient


class TopoRepeats(Correct):
    """The topological sort without a visited set: a shared node is visited once per path."""

    def _topo(self) -> list[Any]:
        topo: list[Any] = []

        def build(v: Any) -> None:
            for child in v._prev:
                build(child)
            topo.append(v)

        build(self)
        return topo


class TopoBreadthFirst(Correct):
    """Nodes in breadth-first order from the output: not a topological order."""

    def _topo(self) -> list[Any]:
        order: list[Any] = []
        seen = {id(self)}
        queue = deque([self])
        while queue:
            node = queue.popleft()
            order.append(node)
            for child in node._prev:
                if id(child) not in seen:
                    seen.add(id(child))
                    queue.append(child)
        return order[::-1]


class NoSeed(Correct):
    """backward() forgets to start from out.grad = 1."""

    def backward(self) -> None:
        for node in reversed(self._topo()):
            node._backward()


class SeedAfterLoop(Correct):
    """The seed is set, but after the loop has already run."""

    def backward(self) -> None:
        for node in reversed(self._topo()):
            node._backward()
        self.grad = 1.0


class SwappedMul(Correct):
    """∂(a·b)/∂a written as a instead of b."""

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self._send(self, self.data * out.grad)
            self._send(other, other.data * out.grad)

        out._backward = _backward
        return out


class WrongSignCos(Correct):
    """cos' written as sin instead of −sin."""

    def cos(self) -> Any:
        return self._unary(math.cos(self.data), math.sin(self.data), "cos")


class PowMissingFactor(Correct):
    """d(xᶜ)/dx written as xᶜ⁻¹, without the factor c."""

    def __pow__(self, other: float) -> Any:
        out = self._make(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            self._send(self, self.data ** (other - 1) * out.grad)

        out._backward = _backward
        return out


class TanhMissingSquare(Correct):
    """tanh' written as 1 − tanh instead of 1 − tanh²."""

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._unary(t, 1 - t, "tanh")


class IgnoresUpstream(Correct):
    """exp passes on its local derivative alone, not times out.grad."""

    def exp(self) -> Any:
        e = math.exp(self.data)
        out = self._make(e, (self,), "exp")

        def _backward() -> None:
            self._send(self, e)

        out._backward = _backward
        return out


class Log10(Correct):
    """A wrong forward: log base 10 (its derivative is right for ln)."""

    def log(self) -> Any:
        return self._unary(math.log10(self.data), 1 / self.data, "log")


class NoRmul(Correct):
    """2 * x fails: no reflected multiplication."""

    def __rmul__(self, other: float) -> Any:
        return NotImplemented


class RsubSwapped(Correct):
    """1 - x computes x - 1."""

    def __rsub__(self, other: float) -> Any:
        return self - other


class RpowWrong(Correct):
    """d(cˣ)/dx written as cˣ, without ln c."""

    def __rpow__(self, base: float) -> Any:
        out = self._make(base**self.data, (self,), "rpow")

        def _backward() -> None:
            self._send(self, out.data * out.grad)

        out._backward = _backward
        return out


class ZeroGradLeavesOnly(Correct):
    """zero_grad resets the inputs but not the intermediate nodes, which then accumulate."""

    def zero_grad(self) -> None:
        for node in self._topo():
            if not node._prev:
                node.grad = 0.0


class CachedOrder(Correct):
    """The topological order is cached on the output: a second pass after zero_grad() finds
    every node already visited and passes nothing on."""

    def backward(self) -> None:
        visited = self.__dict__.setdefault("_visited", set())
        topo: list[Any] = []

        def build(v: Any) -> None:
            if id(v) not in visited:
                visited.add(id(v))
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


PLANTED: list[tuple[type[Correct], str]] = [
    (AssignedGrad, "gradients are assigned (=), not accumulated (+=)"),
    (TopoRepeats, "the topological sort visits shared nodes more than once"),
    (TopoBreadthFirst, "the backward order misses nodes or is not topological"),
    (NoSeed, "expected 1: the backward pass must start from the seed"),
    (SeedAfterLoop, "must be set before the nodes pass gradients on"),
    (SwappedMul, "looks like the operands are swapped"),
    (WrongSignCos, "the sign is wrong"),
    (PowMissingFactor, "a factor is missing or wrong"),
    (TanhMissingSquare, "∂(x.tanh())/∂x"),
    (IgnoresUpstream, "ignores the gradient that reaches its output"),
    (Log10, "the value of x.log()"),
    (NoRmul, "the reflected operator __rmul__ is missing"),
    (RsubSwapped, "__rsub__ computes x - 2.0 instead (the operands are swapped)"),
    (RpowWrong, "∂(2.0 ** x)/∂x"),
    (ZeroGradLeavesOnly, "zero_grad must reset every node of the graph"),
    (CachedOrder, "state leaks between two backward passes"),
]


# -- the planted bugs are caught and named; the correct engines pass ---------------------------


@pytest.mark.parametrize(("engine", "diagnosis"), PLANTED, ids=[e.__name__ for e, _ in PLANTED])
def test_each_classic_bug_is_caught_and_named(engine: type[Correct], diagnosis: str) -> None:
    with pytest.raises(GradCheckError) as info:
        check_engine(engine, seed=0)
    result = info.value.result
    assert isinstance(result, EngineCheckResult)
    assert not result.ok
    assert any(diagnosis in line for line in result.diagnosis), str(info.value)
    assert result.examples <= DEFAULT_EXAMPLES
    assert f"from tests.test_check_engine import {engine.__name__}" in str(info.value)


@pytest.mark.parametrize("engine", [Correct, Value], ids=["correct copy", "autograd_lite"])
@pytest.mark.parametrize("seed", range(3))
def test_correct_engines_pass(engine: type, seed: int) -> None:
    result = check_engine(engine, seed=seed)
    assert result.ok
    assert result.examples == DEFAULT_EXAMPLES


def test_micrograd_passes_on_the_ops_it_has() -> None:
    micrograd = pytest.importorskip("micrograd.engine")
    result = check_engine(micrograd.Value, examples=300, seed=0)
    assert result.ops == ["add", "sub", "mul", "truediv", "neg", "pow", "relu"]
    assert "tanh" in result.missing
    assert "micrograd.engine.Value" in result.report()


def test_the_report_reproduces_in_one_paste() -> None:
    with pytest.raises(GradCheckError) as info:
        check_engine(SwappedMul, seed=0)
    result = info.value.result
    assert isinstance(result, EngineCheckResult)
    ran = subprocess.run(
        [sys.executable, "-c", "\n".join(result.program)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    yours = result.table[1][1]  # ∂out/∂x0 of their engine, as the report shows it
    assert yours in ran.stdout


# -- an adapter for a class of another shape ---------------------------------------------------


class Scalar:
    """.value and .gradient, backward(seed), exp and tanh as functions: not micrograd's shape."""

    def __init__(self, value: float, parents: tuple[Any, ...] = (), local: tuple[Any, ...] = ()):
        self.value, self.gradient = float(value), 0.0
        self.parents, self.local = parents, local

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar(self.value + other.value, (self, other), (1.0, 1.0))

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar(self.value * other.value, (self, other), (other.value, self.value))

    def backward(self, seed: float) -> None:
        order: list[Scalar] = []
        seen: set[int] = set()

        def visit(node: Scalar) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.gradient = seed
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local, strict=True):
                parent.gradient += local * node.gradient


def scalar_exp(x: Scalar) -> Scalar:
    e = math.exp(x.value)
    return Scalar(e, (x,), (e,))


def scalar_tanh(x: Scalar) -> Scalar:
    t = math.tanh(x.value)
    return Scalar(t, (x,), (1 - t,))  # a planted bug: 1 − t instead of 1 − t²


def scalar_sin(x: Scalar) -> Scalar:
    return Scalar(math.sin(x.value), (x,), (math.cos(x.value),))


def _scalar_engine(**ops: Any) -> Engine:
    return Engine(
        Scalar, data="value", grad="gradient", backward=lambda v: v.backward(1.0), ops=ops
    )


def test_an_adapter_plugs_in_a_class_of_another_shape() -> None:
    result = check_engine(_scalar_engine(exp=scalar_exp, sin=scalar_sin), seed=0)
    assert result.ok
    assert result.ops == ["add", "mul", "exp", "sin"]


def test_an_adapter_reports_with_its_hooks() -> None:
    with pytest.raises(GradCheckError) as info:
        check_engine(_scalar_engine(tanh=scalar_tanh), ops=["add", "tanh"], seed=0)
    report = str(info.value)
    assert "from tests.test_check_engine import scalar_tanh" in report
    assert "scalar_tanh(x0)" in report
    assert "v.backward(1.0)" in report


def test_order_two_needs_differentiable_gradients() -> None:
    assert check_engine(Value, ops=["mul", "sin", "exp"], examples=50, order=2, seed=0).ok
    with pytest.raises(ValueError, match="order=2 needs differentiable gradients"):
        check_engine(Correct, order=2)


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"ops": ["tan"]}, KeyError, "no op named 'tan'"),
        ({"ops": ["softplus"]}, ValueError, "Correct cannot apply softplus: AttributeError"),
        ({"examples": 0}, ValueError, "examples must be a positive int, got 0"),
        ({"order": 3}, ValueError, "order must be 1 or 2"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        check_engine(Correct, **kwargs)


def test_ops_restricts_and_the_result_says_what_was_found() -> None:
    result = check_engine(Correct, ops=["mul", "tanh"], examples=30, seed=0)
    assert result.ops == ["mul", "tanh"]
    full = check_engine(Correct, examples=30, seed=0)
    assert "softplus" in full.missing
    assert "ops checked: add, sub, mul, truediv, neg, pow, exp, log, tanh, relu, sin, cos" in str(
        full
    )


def test_engine_needs_a_class() -> None:
    with pytest.raises(TypeError, match="value_class must be a class"):
        Engine(Correct(1.0))  # type: ignore[arg-type]


# -- foreign classes are named with their module -----------------------------------------------


def test_error_messages_name_a_foreign_class_with_its_module() -> None:
    from autograd_lite.testing import check_grad
    from autograd_lite.viz import draw_graph

    foreign = Correct(2.25)
    with pytest.raises(TypeError, match=r"got tests\.test_check_engine\.Correct .*check_engine"):
        check_grad(lambda x: foreign, [1.0])
    with pytest.raises(TypeError, match=r"got tests\.test_check_engine\.Correct Correct\(data"):
        Value(foreign)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"draw_graph needs a Value, got tests\.test_check_engine"):
        draw_graph(foreign)  # type: ignore[arg-type]


# -- the command -------------------------------------------------------------------------------


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", "check-engine", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_the_command_passes_a_correct_engine() -> None:
    ran = _command("tests.test_check_engine:Correct", "--ops", "add,mul,tanh", "--examples", "50")
    assert ran.returncode == 0, ran.stderr
    assert "check_engine passed" in ran.stdout
    assert "ops checked: add, mul, tanh" in ran.stdout


def test_the_command_fails_a_broken_engine_with_the_report() -> None:
    ran = _command("tests.test_check_engine:SwappedMul", "--seed", "0")
    assert ran.returncode == 1, ran.stderr
    assert "check_engine FAILED" in ran.stdout
    assert "looks like the operands are swapped" in ran.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [("tests.test_check_engine", "expected module:Class"), ("nope_module:Value", "nope_module")],
)
def test_the_command_explains_a_bad_class(spec: str, message: str) -> None:
    ran = _command(spec)
    assert ran.returncode == 2
    assert message in ran.stderr
