"""The Value: a number that records the graph of the ops that produced it.

Every op goes through :func:`apply_rule`, which runs the rule's forward function, refuses a
result that is not a finite float (naming the op and its operands) and records the new node with
its rule and its parents, in order; + and × take a fast path that gives the same node (_FAST
below). ``backward()`` hands the graph to :mod:`.graph`'s walk.

Why this file is over 500 lines: it is the one class users hold, with one short method per op
of the table (each a docstring with its example), and the few functions that make its nodes;
the graph walk, the checks, the grad mode and micrograd's names live beside it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import DomainError
from ..ops import RULES, FloatMath, Rule
from .checks import describe, real, refuse_arguments, type_name
from .graph import backprop, backprop_in_place, check_finite, depending_on, topological_order
from .micrograd import MicrogradNames
from .mode import grad_mode, paused
from .number import NumberManners

__all__ = [
    "Constant",
    "Parameter",
    "Value",
    "apply_rule",
    "float_local",
    "local_derivatives",
    "required",
    "rule_of",
]

_ADD, _SUB, _MUL, _DIV = RULES["add"], RULES["sub"], RULES["mul"], RULES["truediv"]
_NEG, _POS, _SUM, _LINEAR = RULES["neg"], RULES["pos"], RULES["sum"], RULES["linear"]
_POW, _VPOW = RULES["pow"], RULES["vpow"]
_isfinite = math.isfinite  # speed: called for every new node
_new = object.__new__

# _FAST: speed. + and × make most of the nodes of a network's graph (a weighted sum is n of
# each), so Value's operators for them compute the result themselves, with the same float
# operation as the rule's forward function, and record the node directly (the backward pass
# has its own, in engine/graph.py). apply_rule would give the same node, only later: each
# fast path steps aside as soon as override_rule has replaced the rule's forward function
# (one identity test), and for a result that is not finite, so that apply_rule raises its
# DomainError. tests/test_engine_fast_paths.py checks that the fast paths and the table agree.
_EXACT = 2**53  # ints up to this size are floats exactly


def _fast_operator(rule: Rule, reflected: bool) -> Callable[[Value, object], Value]:
    """Value's operator for ``rule`` (+ or ×; ``reflected``: ``__radd__``, ``__rmul__``) on the
    fast path (_FAST): the float operation of the rule's forward function, the node recorded
    here. Written once as a closure rather than four times as methods, and without a call to
    a helper, which would cost a fifth of the time of a node."""
    forward = rule.forward
    adding = rule is _ADD  # a branch costs less than calling operator.add
    assert (1.5 + 2.5 if adding else 1.5 * 2.5) == forward(1.5, 2.5), "the rule's operation"

    def apply(self: Value, other: object) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        if b is None:
            result: Value = NotImplemented  # not a number: Python tries the other operand
            return result
        # Float + and × are commutative to the last bit, so a reflected operator computes the
        # same number; only the recorded order of the operands differs.
        data = self._data + b._data if adding else self._data * b._data
        if rule.forward is not forward or not _isfinite(data):
            # an override_rule, or a DomainError to raise
            return apply_rule(rule, (b, self) if reflected else (self, b))
        node = _new(Value)  # as _record does, written out: a call would cost a fifth
        node._data = data
        node._grad = 0.0
        node.label = ""
        node.scope = ""
        if not paused.count or grad_mode.enabled:  # speed: engine/mode.py says why
            node.parents = (b, self) if reflected else (self, b)
            node.op_args, node._rule = (), rule
        else:
            node.parents, node.op_args, node._rule = (), (), None
        return node

    apply.__name__ = apply.__qualname__ = f"__{'r' if reflected else ''}{rule.name}__"
    return apply


class Value(NumberManners, MicrogradNames):
    """A scalar that records the computation graph that produced it.

    Args:
        data: a real number (``int``, ``float``, or a NumPy scalar); it is stored as a float.
            ``str``, ``None``, ``complex``, ``bool``, ``inf`` and ``nan`` are refused.
        label: a name for the node, shown in ``repr``, error messages and drawings.

    Attributes:
        data: the value, a float.
        grad: ∂(root)/∂(this node) after ``root.backward()``, a float; 0.0 before.
        label: the node's name ("" if none).
        parents: the operands this node was computed from, in order (a tuple; () for a leaf).
        op: the name of the op that made it, a key of :data:`autograd_lite.ops.RULES`
            ("" for a leaf).
        op_args: the op's constant parameters (the exponent of ``x ** 3``, the slope of
            ``leaky_relu``); () for most ops.
        scope: the module that made the node, as a dotted path (``"layer1.neuron3"``), set by
            :mod:`autograd_lite.nn` so drawings can group nodes; "" otherwise.

    >>> x = Value(3, label="x")
    >>> x
    Value(data=3.0, grad=0.0, label='x')
    >>> y = x * x + 1
    >>> y.data, y.op
    (10.0, 'add')
    >>> y.backward()
    >>> x.grad
    6.0
    """

    # Where users import it from (the engine's package), so reprs, reports and pickles say
    # autograd_lite.engine.Value, as before the engine became a package.
    __module__ = "autograd_lite.engine"
    # __slots__ keeps nodes small; tuples and floats keep them free of reference cycles, so
    # they are freed by reference counting alone, never by the (slow) cycle collector.
    __slots__ = ("_data", "_grad", "_rule", "label", "op_args", "parents", "scope")

    # NumPy defers to our reflected operators (np.float64(2) * Value) instead of trying to
    # turn a Value into an array.
    __array_ufunc__ = None

    _data: float
    _grad: float
    label: str
    parents: tuple[Value, ...]
    op_args: tuple[float, ...]
    scope: str
    _rule: Rule | None

    def __init__(
        self, data: float, label: str = "", *micrograd_args: object, **micrograd_kwargs: object
    ) -> None:
        if micrograd_args or micrograd_kwargs or not isinstance(label, str):
            refuse_arguments(label, micrograd_args, micrograd_kwargs)
        self._data = real(data, label)
        self._grad = 0.0
        self.label = label
        self.scope = ""
        self.parents = ()
        self.op_args = ()
        self._rule = None

    @property
    def data(self) -> float:
        """The number this node holds (a float). Assigning checks it is a finite real number.

        >>> w = Value(1.0)
        >>> w.data -= 0.25       # a gradient-descent step
        >>> w.data
        0.75
        >>> w.data = "0.5"
        Traceback (most recent call last):
        TypeError: Value data must be a real number (int or float), got str '0.5'
        """
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        if type(value) is float and _isfinite(value) and self._rule is None:
            self._data = value  # speed: an optimiser's step on a parameter, checked inline
            return
        if self._rule is not None:
            name = f"node {self.label!r}" if self.label else f"the output of {self._rule.name}"
            raise ValueError(
                f"cannot change the data of {name}: it was computed by {self._rule.name}, whose "
                "derivative rules read the recorded value, so its gradients would be wrong; "
                "change a leaf (an input or a parameter) and compute again"
            )
        self._data = real(value, self.label)

    @property
    def grad(self) -> float:
        """∂(root)/∂(this node) after ``root.backward()`` (0.0 before). Assigning checks it is a
        real number: ``grad = 0.0`` clears it (PyTorch's ``grad = None`` is refused).

        >>> w = Value(1.0, label="w")
        >>> w.grad = None  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        TypeError: Value grad cannot be None (node 'w'): ... set grad = 0.0 or call zero_grad() ...
        """
        return self._grad

    @grad.setter
    def grad(self, value: float) -> None:
        # Speed: the common cases first (an optimiser's float, a zero_grad's 0); inf and nan are
        # accepted, as the optimiser refuses to step on them.
        if type(value) is float:
            self._grad = value
            return
        if type(value) is int:
            self._grad = float(value)  # OverflowError for an int beyond a float, as float() says
            return
        if value is None:
            where = f" (node {self.label!r})" if self.label else ""
            raise TypeError(
                f"Value grad cannot be None{where}: a Value's grad is always a number; set "
                "grad = 0.0 or call zero_grad() to clear it"
            )
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            self._grad = float(value)  # OverflowError for an int beyond a float, as float() says
        else:
            raise TypeError(
                f"Value grad must be a real number (int or float), got {type_name(value)} "
                f"{value!r}" + (f" for node {self.label!r}" if self.label else "")
            )

    @property
    def op(self) -> str:
        """The name of the op that produced this node ("" for a leaf)."""
        return "" if self._rule is None else self._rule.name

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        if self._rule is not None:
            extra += f", op={self._rule.name!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    # -- arithmetic -----------------------------------------------------------------------------
    # Binary operators accept a Value or a real number on either side; anything else returns
    # NotImplemented, so Python raises its usual TypeError naming both types.

    # + and × (and their reflections) are made by _fast_operator, above.
    __add__ = _fast_operator(_ADD, reflected=False)
    __radd__ = _fast_operator(_ADD, reflected=True)
    __mul__ = _fast_operator(_MUL, reflected=False)
    __rmul__ = _fast_operator(_MUL, reflected=True)

    def __sub__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else apply_rule(_SUB, (self, b))

    def __rsub__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else apply_rule(_SUB, (a, self))

    def __truediv__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else apply_rule(_DIV, (self, b))

    def __rtruediv__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else apply_rule(_DIV, (a, self))

    def __pow__(self, other: Value | float) -> Value:
        """``x ** c`` with a number c (op ``pow``), or ``a ** b`` with a Value b (op ``vpow``).

        >>> (Value(2.0) ** 3).data, (Value(2.0) ** Value(3.0)).data, (2 ** Value(3.0)).data
        (8.0, 8.0, 8.0)
        """
        if isinstance(other, Value):
            return apply_rule(_VPOW, (self, other))
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            return NotImplemented
        return apply_rule(_POW, (self,), (real(other, op="pow", what="exponent c"),))

    def __rpow__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else apply_rule(_VPOW, (a, self))

    def __neg__(self) -> Value:
        return apply_rule(_NEG, (self,))

    def __pos__(self) -> Value:
        return apply_rule(_POS, (self,))

    # -- functions ------------------------------------------------------------------------------

    def abs(self) -> Value:
        """|x|; the derivative at the kink x = 0 is taken to be 0."""
        return apply_rule(RULES["abs"], (self,))

    __abs__ = abs

    def exp(self) -> Value:
        """eˣ. Raises DomainError when the result overflows (x > 709.78)."""
        return apply_rule(RULES["exp"], (self,))

    def log(self) -> Value:
        """The natural logarithm; DomainError for x <= 0."""
        return apply_rule(RULES["log"], (self,))

    def sqrt(self) -> Value:
        """√x; DomainError for x < 0 (and from backward at x = 0, where √ has no derivative)."""
        return apply_rule(RULES["sqrt"], (self,))

    def tanh(self) -> Value:
        """The hyperbolic tangent."""
        return apply_rule(RULES["tanh"], (self,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^−x), computed without overflow for any x.

        >>> Value(-1000.0).sigmoid().data, Value(1000.0).sigmoid().data
        (0.0, 1.0)
        """
        return apply_rule(RULES["sigmoid"], (self,))

    def relu(self) -> Value:
        """max(x, 0); the derivative at the kink x = 0 is taken to be 0 (as in PyTorch)."""
        return apply_rule(RULES["relu"], (self,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x; the derivative at the kink x = 0 is ``slope``.

        >>> Value(-2.0).leaky_relu(0.1).data
        -0.2
        """
        return apply_rule(
            RULES["leaky_relu"], (self,), (real(slope, op="leaky_relu", what="slope"),)
        )

    def silu(self) -> Value:
        """x·σ(x), also called swish."""
        return apply_rule(RULES["silu"], (self,))

    swish = silu

    def softplus(self) -> Value:
        """ln(1 + eˣ), computed without overflow for any x; its derivative is σ(x)."""
        return apply_rule(RULES["softplus"], (self,))

    def sin(self) -> Value:
        """The sine (radians)."""
        return apply_rule(RULES["sin"], (self,))

    def cos(self) -> Value:
        """The cosine (radians)."""
        return apply_rule(RULES["cos"], (self,))

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """The sum of many values as one node (op ``sum``), exactly rounded (``math.fsum``).

        One node with n edges instead of a chain of n − 1 additions: a smaller graph, a faster
        backward pass. The sum of nothing is the constant 0.

        >>> xs = [Value(1.0), Value(2.0), 3]
        >>> s = Value.sum(xs)
        >>> s.data, s.op, len(s.parents)
        (6.0, 'sum', 3)
        """
        operands = [required(item, "Value.sum expects Values or real numbers") for item in values]
        if not operands:
            return Constant(0.0)
        return apply_rule(_SUM, tuple(operands))

    @staticmethod
    def linear(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value) -> Value:
        """Σ wᵢ·xᵢ + b as one node (op ``linear``): a neuron's weighted sum.

        Mathematically the same as ``Value.sum([w * x for w, x in zip(weights, inputs)] +
        [bias])``, with one node and 2n + 1 edges instead of n + 1 nodes: a smaller graph and a
        faster pass. Its local derivatives are those of the products: ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ,
        ∂/∂b = 1.

        >>> w, x, b = [Value(2.0), Value(-1.0)], [3.0, 4.0], Value(0.5)
        >>> z = Value.linear(w, x, b)
        >>> z.data, z.op, len(z.parents)
        (2.5, 'linear', 5)
        """
        if len(weights) != len(inputs):
            raise ValueError(
                f"Value.linear: {len(weights)} weights but {len(inputs)} inputs; expected as many"
            )
        operands = [
            required(item, "Value.linear expects Values or real numbers")
            for pair in zip(weights, inputs, strict=True)
            for item in pair
        ]
        operands.append(required(bias, "Value.linear: bias must be a Value"))
        return apply_rule(_LINEAR, tuple(operands))

    # -- graph operations -----------------------------------------------------------------------

    def backward(self, seed: float = 1.0) -> None:
        """Fill in ``grad`` of every node this one depends on: ∂self/∂node, by the chain rule.

        Args:
            seed: the upstream gradient ∂L/∂self to start from (1.0: differentiate self itself).

        Leaves *accumulate* (``grad +=``), intermediate nodes are overwritten with this pass's
        gradient. Raises DomainError, naming the op and its inputs, if a local derivative is
        not finite (√ at 0) or a gradient overflows, and then changes no ``grad``. Only
        gradients that depend on a leaf you made count: a constant that an operator made from
        a number (the 2 in ``2 * x``) gets its gradient even where that overflows (``inf``).

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad   # a second pass on the same graph adds again
        12.0
        """
        seed = real(seed, op="backward", what="seed")
        if backprop_in_place(self, seed, float_local):
            return
        # A gradient overflowed (or only a constant's did, which is allowed): every grad is as
        # it was; the checked pass finds the op to blame, or lets the constant keep its inf.
        order, grads = backprop(self, seed, float_local, floats=True)
        check_finite(order, grads, float_local, _variables)
        for node in order:  # only a constant's gradient overflowed: the grads, as above
            if node._rule is None:
                node._grad += grads[node]
            else:
                node._grad = grads[node]

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on."""
        for node in topological_order(self):
            node._grad = 0.0

    @property
    def draw(self) -> Any:
        # Pictures are drawn by autograd_lite.viz, a layer above the engine, which the engine
        # does not import (see ARCHITECTURE.md); this says where drawing went.
        raise AttributeError(
            "Value.draw() moved out of the engine: draw a graph with "
            "autograd_lite.viz.draw_graph(value, ...), which takes the same options"
        )

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this node's graph."""
        return Value(self.data, label=self.label)


class Constant(Value):
    """A leaf made from a plain number by an operator: the 2 in ``2 * x``.

    It behaves as any leaf (its ``grad`` is filled in), but nobody holds it to ask for its
    gradient, so ``backward()`` does not refuse when that gradient overflows: in
    ``(x * 1e-300) * 1e300`` the constant 1e-300 gets ∂f/∂1e-300 = x·1e300, which may be inf
    while ∂f/∂x = 1. A subclass rather than a flag: no extra slot on every node.
    """

    __slots__ = ()


class Parameter(Value):
    """A leaf that a model learns: a weight or a bias that :mod:`autograd_lite.nn` made.

    It is a Value in every way (``Parameter(0.5, label="w")`` is made as ``Value`` is); only
    pictures tell it apart, drawing it as a parameter rather than as an input, also for a bare
    :class:`~autograd_lite.nn.Neuron`. A subclass rather than a flag: no extra slot on every node.

    >>> w = Parameter(0.5, label="w")
    >>> isinstance(w, Value), (w * 2).data
    (True, 1.0)
    """

    __module__ = "autograd_lite.engine"  # where it is imported from (pickle finds it there)
    __slots__ = ()


def _operand(x: object) -> Value | None:
    """A Value for an operand of an operator: itself, a constant leaf, or None if not a number."""
    if isinstance(x, Value):
        return x
    if (type(x) is float and _isfinite(x)) or (type(x) is int and -_EXACT <= x <= _EXACT):
        # Speed: the common numbers (the 0 that sum() starts from, a float factor) become a
        # constant leaf without the checks of Value(): they are finite floats already.
        leaf = _new(Constant)
        leaf._data, leaf._grad, leaf.label, leaf.scope = float(x), 0.0, "", ""
        leaf.parents, leaf.op_args, leaf._rule = (), (), None
        return leaf
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return Constant(x)  # type: ignore[arg-type]  # numbers.Real is accepted by _real


def required(item: object, expected: str) -> Value:
    """``item`` as an operand (itself, or a constant leaf for a number), or a TypeError that
    says what was ``expected`` and what came."""
    # speed: the common cases first (a constant is an input that nn made from a number)
    kind = type(item)  # (mypy does not narrow through `kind`: the ignore below)
    operand = item if kind is Value or kind is Parameter or kind is Constant else _operand(item)
    if operand is None:
        raise TypeError(f"{expected}, got {type_name(item)} {item!r}")
    return operand  # type: ignore[return-value]


def apply_rule(rule: Rule, operands: tuple[Value, ...], params: tuple[float, ...] = ()) -> Value:
    """Run ``rule`` forward on the operands' data and record the result as a new node: every op
    of the library goes through here (the operators, the methods, registered ops)."""
    # Speed: one or two operands without parameters (most nodes) are passed by hand, which
    # saves building an argument list for every node; the result is the same.
    try:
        if params:
            data = rule.forward(*[v._data for v in operands], *params)
        elif len(operands) == 2:
            data = rule.forward(operands[0]._data, operands[1]._data)
        elif len(operands) == 1:
            data = rule.forward(operands[0]._data)
        else:
            data = rule.forward(*[v._data for v in operands])
    except DomainError as error:
        raise DomainError(rule.name, error.reason, describe(rule, operands, params)) from None
    except ValueError as error:  # a registered op's forward may use math.log & co. directly
        reason = f"outside its domain ({error})"
        raise DomainError(rule.name, reason, describe(rule, operands, params)) from None
    except OverflowError:  # raised by float ** and math.fsum; * and + give inf instead
        data = math.inf
    if not _isfinite(data) and not grad_mode.lenient:
        raise DomainError(
            rule.name, "the result overflows a float", describe(rule, operands, params)
        )
    return _record(data, operands, rule, params)


def _record(
    data: float, operands: tuple[Value, ...], rule: Rule, params: tuple[float, ...] = ()
) -> Value:
    """The new node holding ``data``, a finite float that ``rule`` computed from the operands:
    with its parents and rule, unless gradients are off (no_grad)."""
    node = _new(Value)  # skip __init__: data is already a checked float
    node._data = data
    node._grad = 0.0
    node.label = ""
    node.scope = ""
    if not paused.count or grad_mode.enabled:  # speed: engine/mode.py says why
        node.parents, node.op_args, node._rule = operands, params, rule
    else:
        node.parents, node.op_args, node._rule = (), (), None
    return node


def float_local(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each parent, as floats: the rule's ``local`` run on the numbers."""
    rule = node._rule
    assert rule is not None, "leaves have no local derivatives"
    parents = node.parents
    try:
        # Speed: the common shapes passed by hand, as in apply_rule.
        if node.op_args:
            return rule.local(FloatMath, node._data, *[p._data for p in parents], *node.op_args)
        if len(parents) == 2:
            return rule.local(FloatMath, node._data, parents[0]._data, parents[1]._data)
        if len(parents) == 1:
            return rule.local(FloatMath, node._data, parents[0]._data)
        return rule.local(FloatMath, node._data, *[p._data for p in parents])
    except ArithmeticError as error:  # DomainError, ZeroDivisionError, OverflowError
        raise _local_error(rule, node, error) from None


def _local_error(rule: Rule, node: Value, error: ArithmeticError) -> DomainError:
    reason = error.reason if isinstance(error, DomainError) else str(error)
    return DomainError(
        rule.name,
        f"its local derivative is not a finite real number here ({reason})",
        describe(rule, node.parents, node.op_args),
    )


def rule_of(node: Value) -> Rule:
    """The rule of the op that made ``node``, as recorded (even if the op was unregistered or
    replaced since); a ValueError for a leaf, which no op made.

    >>> rule_of(Value(2.0) * 3).formula
    'a · b'
    """
    if node._rule is None:
        raise ValueError(f"{node!r} is a leaf: no op made it, so it has no rule")
    return node._rule


def local_derivatives(node: Value) -> tuple[float, ...]:
    """The local derivatives ∂node/∂parent, one per parent, at the recorded inputs.

    >>> a, b = Value(3.0), Value(4.0)
    >>> local_derivatives(a * b)
    (4.0, 3.0)
    >>> local_derivatives(a)
    ()
    """
    return () if node._rule is None else float_local(node)


def _variables(order: list[Value]) -> set[Value]:
    """The nodes whose gradient someone may read: those that depend on a leaf that is not a
    constant made by an operator (inputs and parameters, and every node computed from them)."""
    leaves = {node for node in order if not node.parents and type(node) is not Constant}
    return depending_on(order, leaves)
