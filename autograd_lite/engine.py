"""The engine: ``Value`` records a computation graph; ``backward`` runs the chain rule over it.

A tour, on f(x) = (x² + 1)³ at x = 2 (u = x² + 1 = 5, f = u³ = 125, f'(x) = 3u² · 2x = 300):

>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3
>>> f
Value(data=125.0, grad=0.0, op='pow')
>>> f.backward()
>>> x.grad
300.0

Every node remembers the op that made it and its operands, in order (``a + a`` has two edges):

>>> a = Value(3.0, label="a")
>>> b = a + a
>>> b.op, [p.label for p in b.parents]
('add', ['a', 'a'])
>>> b.backward()
>>> a.grad
2.0

Gradient semantics (PyTorch's, so gradients can be summed over samples):

* ``backward()`` *adds* into the ``grad`` of leaves (nodes with no parents: inputs, parameters,
  constants). Calling it twice on the same graph doubles the leaves' gradients; call
  ``zero_grad()`` (or set ``grad = 0.0``) between independent passes.
* Intermediate nodes are *overwritten*: they show the gradient of the latest backward pass.
* Nothing is recorded inside ``no_grad()``; ``detach()`` makes a leaf copy.

Differentiable gradients (for second derivatives) come from :func:`gradients` with
``create_graph=True``; :mod:`autograd_lite.functional` builds ``grad`` and ``hessian`` on it.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .errors import DomainError, Operand
from .ops import MATH_FUNCTIONS, RULES, FloatMath, Rule

__all__ = [
    "Value",
    "enable_grad",
    "gradients",
    "is_grad_enabled",
    "local_derivatives",
    "no_grad",
    "rule_of",
    "topological_order",
]

_ADD, _SUB, _MUL, _DIV = RULES["add"], RULES["sub"], RULES["mul"], RULES["truediv"]
_NEG, _POS, _SUM, _LINEAR = RULES["neg"], RULES["pos"], RULES["sum"], RULES["linear"]
_POW, _VPOW = RULES["pow"], RULES["vpow"]

# micrograd's spelling of the ops it has, for Value._op; others are known by their name.
_MICROGRAD_OPS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "relu": "ReLU"}


class _GradMode(threading.local):
    # Thread-local like PyTorch's: no_grad() in one thread does not stop recording in another.
    enabled = True


_grad_mode = _GradMode()
_isfinite = math.isfinite  # speed: called for every new node


def type_name(obj: object) -> str:
    """The name of ``obj``'s type for an error message: short for builtins, NumPy and our own
    classes, with its module for anything else, so that another engine's ``Value`` is not
    mistaken for ours.

    >>> type_name(1.5), type_name(Value(1.0))
    ('float', 'Value')
    >>> Foreign = type("Value", (), {"__module__": "micrograd.engine"})  # another engine's Value
    >>> type_name(Foreign())
    'micrograd.engine.Value'
    """
    cls = type(obj)
    module = getattr(cls, "__module__", "") or ""
    # Builtins, our own classes and NumPy's (ndarray, float64) are known by their short names.
    if module.partition(".")[0] in ("builtins", "autograd_lite", "numpy"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _real(data: object, label: str = "", op: str = "Value", what: str = "data") -> float:
    """``data`` as a finite float, or a TypeError/DomainError that names what was wrong."""
    if type(data) is float:  # the common case first: no ABC check
        number = data
    elif isinstance(data, bool) or not isinstance(data, numbers.Real):
        hint = (
            " (use .item() to take the number out of an array)"
            if hasattr(data, "ndim") and type(data).__name__ == "ndarray"
            else ""
        )
        if isinstance(data, Value):
            hint = " (this takes a plain number: give v.data)"
        elif hasattr(data, "data") and hasattr(data, "grad") and not hint:
            hint = " (a value of another engine? give its number, e.g. x.data)"
        raise TypeError(
            f"{op} {what} must be a real number (int or float), got {type_name(data)} "
            f"{data!r}{hint}" + (f" for node {label!r}" if label else "")
        )
    else:
        try:
            number = float(data)
        except OverflowError:
            text = str(data)
            shown = text if len(text) <= 20 else f"{text[:8]}… ({len(text)} characters)"
            reason = f"{what} must fit in a float (magnitude below 1.8e308), got {shown}"
            raise DomainError(op, reason + (f" for node {label!r}" if label else "")) from None
    if not math.isfinite(number):
        raise DomainError(
            "Value", f"{what} must be a finite real number", [("data", number, label)]
        )
    return number


def _refuse_arguments(label: object, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    """Explain what is wrong with Value(data, label, ...) beyond (data, label)."""
    if args or {"_children", "_op"} & set(kwargs) or isinstance(label, (tuple, list, set)):
        raise TypeError(
            "micrograd's Value(data, _children, _op) builds an op by hand, which cannot work here: "
            "an op is a rule with its derivative (see autograd_lite.ops.register); Value takes "
            "(data, label='')"
        )
    if kwargs:
        raise TypeError(f"Value takes (data, label=''), got keyword arguments {sorted(kwargs)}")
    raise TypeError(f"Value label must be a str, got {type_name(label)} {label!r}")


class Value:
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
            _refuse_arguments(label, micrograd_args, micrograd_kwargs)
        self._data = _real(data, label)
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
        if self._rule is not None:
            name = f"node {self.label!r}" if self.label else f"the output of {self._rule.name}"
            raise ValueError(
                f"cannot change the data of {name}: it was computed by {self._rule.name}, whose "
                "derivative rules read the recorded value, so its gradients would be wrong; "
                "change a leaf (an input or a parameter) and compute again"
            )
        self._data = _real(value, self.label)

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
        if value is None:
            where = f" (node {self.label!r})" if self.label else ""
            raise TypeError(
                f"Value grad cannot be None{where}: a Value's grad is always a number; set "
                "grad = 0.0 or call zero_grad() to clear it"
            )
        if type(value) is float:  # inf and nan included: the optimiser refuses to step on them
            self._grad = value
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
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

    # -- micrograd's names ----------------------------------------------------------------------
    # So code written for micrograd (its draw_dot, trace functions) runs unchanged. Read-only:
    # the graph is recorded by the ops, never edited by hand.

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents: a new set of the distinct parents (unordered, so
        ``a + a`` has one). Prefer :attr:`parents`, the ordered tuple with one entry per edge.

        >>> a = Value(3.0)
        >>> (a + a)._prev == {a}, (a + a).parents == (a, a)
        (True, True)
        """
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op in micrograd's spelling: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``,
        ...; other ops by their name (:attr:`op`); ``''`` for a leaf.

        >>> x = Value(3.0)
        >>> (x + 1)._op, (x * x)._op, (x**2)._op, x.relu()._op, (x**0.5)._op, x._op
        ('+', '*', '**2', 'ReLU', '**0.5', '')
        """
        rule = self._rule
        if rule is None:
            return ""
        if rule is _POW:  # micrograd writes the exponent as given: '**2', '**-1', '**0.5'
            c = self.op_args[0]
            return f"**{int(c) if c.is_integer() and abs(c) < 2**53 else c}"
        return _MICROGRAD_OPS.get(rule.name, rule.name)

    @property
    def _backward(self) -> Any:
        raise AttributeError(
            "a Value has no _backward closure (micrograd's way): derivatives live in one table of "
            "rules. Call out.backward() on the output; local_derivatives(node) gives a node's "
            "∂node/∂parent, one per parent"
        )

    # -- a number's manners ---------------------------------------------------------------------
    # format(), item() and ordering read the number; none of them records anything in the graph.

    def item(self) -> float:
        """The number, as a float (the same as :attr:`data`; PyTorch's spelling).

        >>> Value(2.5).item()
        2.5
        """
        return self._data

    def __format__(self, spec: str) -> str:
        """Formats the number: ``f"{v:.2f}"``; an empty spec gives the repr.

        >>> v = Value(3.14159, label="pi")
        >>> f"{v:.2f}", f"{v}"
        ('3.14', "Value(data=3.14159, grad=0.0, label='pi')")
        """
        return format(self._data, spec) if spec else repr(self)

    def __float__(self) -> float:
        raise TypeError(
            "float(Value) would take the number out of the graph, so its derivative would be lost: "
            "use v.data (or v.item()) for the number, and Value methods (v.exp(), v.log(), ...) "
            "instead of the math module"
        )

    def __int__(self) -> int:
        raise TypeError(
            "int(Value) would take the number out of the graph: use int(v.data) for the number"
        )

    # Ordering compares the numbers and returns a bool, so max(a, b), sorted(values) and
    # `if a > b:` work. It is not recorded: a comparison has no derivative. `==` stays identity
    # (the default), so Values stay hashable and can be keys of the dicts that hold a graph.

    def __lt__(self, other: Value | float) -> bool:
        """``a < b`` compares the numbers (not recorded in the graph).

        >>> a, b = Value(1.0), Value(2.0)
        >>> a < b, max(a, b) is b, sorted([b, a, 1.5]) == [a, 1.5, b]
        (True, True, True)
        """
        b = _number(other)
        return NotImplemented if b is None else self._data < b

    def __le__(self, other: Value | float) -> bool:
        b = _number(other)
        return NotImplemented if b is None else self._data <= b

    def __gt__(self, other: Value | float) -> bool:
        b = _number(other)
        return NotImplemented if b is None else self._data > b

    def __ge__(self, other: Value | float) -> bool:
        b = _number(other)
        return NotImplemented if b is None else self._data >= b

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        if self._rule is not None:
            extra += f", op={self._rule.name!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __bool__(self) -> bool:
        raise TypeError(
            "a Value has no truth value (Value(0.0) would be true, as for any object); "
            "compare its number instead, e.g. `if v.data > 0:`"
        )

    # -- arithmetic -----------------------------------------------------------------------------
    # Binary operators accept a Value or a real number on either side; anything else returns
    # NotImplemented, so Python raises its usual TypeError naming both types.

    def __add__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else _apply(_ADD, (self, b))

    def __radd__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else _apply(_ADD, (a, self))

    def __sub__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else _apply(_SUB, (self, b))

    def __rsub__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else _apply(_SUB, (a, self))

    def __mul__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else _apply(_MUL, (self, b))

    def __rmul__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else _apply(_MUL, (a, self))

    def __truediv__(self, other: Value | float) -> Value:
        b = other if type(other) is Value else _operand(other)  # speed: the common case first
        return NotImplemented if b is None else _apply(_DIV, (self, b))

    def __rtruediv__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else _apply(_DIV, (a, self))

    def __pow__(self, other: Value | float) -> Value:
        """``x ** c`` with a number c (op ``pow``), or ``a ** b`` with a Value b (op ``vpow``).

        >>> (Value(2.0) ** 3).data, (Value(2.0) ** Value(3.0)).data, (2 ** Value(3.0)).data
        (8.0, 8.0, 8.0)
        """
        if isinstance(other, Value):
            return _apply(_VPOW, (self, other))
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            return NotImplemented
        return _apply(_POW, (self,), (_real(other, op="pow", what="exponent c"),))

    def __rpow__(self, other: float) -> Value:
        a = _operand(other)
        return NotImplemented if a is None else _apply(_VPOW, (a, self))

    def __neg__(self) -> Value:
        return _apply(_NEG, (self,))

    def __pos__(self) -> Value:
        return _apply(_POS, (self,))

    # -- functions ------------------------------------------------------------------------------

    def abs(self) -> Value:
        """|x|; the derivative at the kink x = 0 is taken to be 0."""
        return _apply(RULES["abs"], (self,))

    __abs__ = abs

    def exp(self) -> Value:
        """eˣ. Raises DomainError when the result overflows (x > 709.78)."""
        return _apply(RULES["exp"], (self,))

    def log(self) -> Value:
        """The natural logarithm; DomainError for x <= 0."""
        return _apply(RULES["log"], (self,))

    def sqrt(self) -> Value:
        """√x; DomainError for x < 0 (and from backward at x = 0, where √ has no derivative)."""
        return _apply(RULES["sqrt"], (self,))

    def tanh(self) -> Value:
        """The hyperbolic tangent."""
        return _apply(RULES["tanh"], (self,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^−x), computed without overflow for any x.

        >>> Value(-1000.0).sigmoid().data, Value(1000.0).sigmoid().data
        (0.0, 1.0)
        """
        return _apply(RULES["sigmoid"], (self,))

    def relu(self) -> Value:
        """max(x, 0); the derivative at the kink x = 0 is taken to be 0 (as in PyTorch)."""
        return _apply(RULES["relu"], (self,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x; the derivative at the kink x = 0 is ``slope``.

        >>> Value(-2.0).leaky_relu(0.1).data
        -0.2
        """
        return _apply(RULES["leaky_relu"], (self,), (_real(slope, op="leaky_relu", what="slope"),))

    def silu(self) -> Value:
        """x·σ(x), also called swish."""
        return _apply(RULES["silu"], (self,))

    swish = silu

    def softplus(self) -> Value:
        """ln(1 + eˣ), computed without overflow for any x; its derivative is σ(x)."""
        return _apply(RULES["softplus"], (self,))

    def sin(self) -> Value:
        """The sine (radians)."""
        return _apply(RULES["sin"], (self,))

    def cos(self) -> Value:
        """The cosine (radians)."""
        return _apply(RULES["cos"], (self,))

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
        operands = [_required(item, "Value.sum expects Values or real numbers") for item in values]
        if not operands:
            return _Constant(0.0)
        return _apply(_SUM, tuple(operands))

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
            _required(item, "Value.linear expects Values or real numbers")
            for pair in zip(weights, inputs, strict=True)
            for item in pair
        ]
        operands.append(_required(bias, "Value.linear: bias must be a Value"))
        return _apply(_LINEAR, tuple(operands))

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
        order, grads = _backprop(
            self, _real(seed, op="backward", what="seed"), differentiable=False
        )
        _check_finite(order, grads, _variables)
        for node in order:
            if node._rule is None:
                node._grad += grads[node]
            else:
                node._grad = grads[node]

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on."""
        for node in topological_order(self):
            node._grad = 0.0

    def draw(self, **options: Any) -> Any:
        """This node's computation graph as a Graphviz drawing: see
        :func:`autograd_lite.viz.draw_graph` for the options (``edge_derivatives=True``, ...).

        >>> x = Value(2.0, label="x")
        >>> (x * x).draw().source.startswith("digraph")
        True
        """
        from .viz import draw_graph  # imported here: the engine does not depend on the renderer

        return draw_graph(self, **options)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this node's graph."""
        return Value(self.data, label=self.label)


def _number(x: object) -> float | None:
    """The number of a Value or a real number (for comparisons), or None for anything else."""
    if isinstance(x, Value):
        return x._data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return float(x)  # so NumPy scalars compare to a bool too


class _Constant(Value):
    """A leaf made from a plain number by an operator: the 2 in ``2 * x``.

    It behaves as any leaf (its ``grad`` is filled in), but nobody holds it to ask for its
    gradient, so ``backward()`` does not refuse when that gradient overflows: in
    ``(x * 1e-300) * 1e300`` the constant 1e-300 gets ∂f/∂1e-300 = x·1e300, which may be inf
    while ∂f/∂x = 1. A subclass rather than a flag: no extra slot on every node.
    """

    __slots__ = ()


def _operand(x: object) -> Value | None:
    """A Value for an operand of an operator: itself, a constant leaf, or None if not a number."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return _Constant(x)  # type: ignore[arg-type]  # numbers.Real is accepted by _real


def _required(item: object, expected: str) -> Value:
    """``item`` as an operand (itself, or a constant leaf for a number), or a TypeError that
    says what was ``expected`` and what came."""
    operand = item if type(item) is Value else _operand(item)  # speed: the common case first
    if operand is None:
        raise TypeError(f"{expected}, got {type_name(item)} {item!r}")
    return operand


def _describe(rule: Rule, operands: Sequence[Value], params: Sequence[float]) -> list[Operand]:
    """How an error names an op's inputs: (name, value, label) for operands, then parameters."""
    if rule.variadic:
        names = [f"{rule.inputs[0]}[{i}]" for i in range(len(operands))]
    else:
        names = list(rule.inputs)
    described = [(name, v.data, v.label) for name, v in zip(names, operands, strict=True)]
    described += [(name, p, "") for name, p in zip(rule.params, params, strict=True)]
    return described


def _apply(rule: Rule, operands: tuple[Value, ...], params: tuple[float, ...] = ()) -> Value:
    """Run ``rule`` forward on the operands' data and record the result as a new node."""
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
        raise DomainError(rule.name, error.reason, _describe(rule, operands, params)) from None
    except ValueError as error:  # a registered op's forward may use math.log & co. directly
        reason = f"outside its domain ({error})"
        raise DomainError(rule.name, reason, _describe(rule, operands, params)) from None
    except OverflowError:  # raised by float ** and math.fsum; * and + give inf instead
        data = math.inf
    if not _isfinite(data):
        raise DomainError(
            rule.name, "the result overflows a float", _describe(rule, operands, params)
        )
    node = Value.__new__(Value)  # skip __init__: data is already a checked float
    node._data = data
    node._grad = 0.0
    node.label = ""
    node.scope = ""
    if _grad_mode.enabled:
        node.parents, node.op_args, node._rule = operands, params, rule
    else:
        node.parents, node.op_args, node._rule = (), (), None
    return node


class ValueMath:
    """The math namespace on Values: ``m.exp(x)`` is ``x.exp()``, recording a graph, and so on
    for :data:`~autograd_lite.ops.MATH_FUNCTIONS`."""

    differentiable = True

    @staticmethod
    def data(x: Value | float) -> float:
        return x._data if isinstance(x, Value) else x


for _name in MATH_FUNCTIONS:
    setattr(ValueMath, _name, staticmethod(getattr(Value, _name)))


def _local(node: Value, differentiable: bool) -> tuple[Any, ...]:
    """∂node/∂parent for each parent: floats, or Values with a graph if ``differentiable``."""
    rule = node._rule
    assert rule is not None, "leaves have no local derivatives"
    parents = node.parents
    try:
        if differentiable:
            return rule.local(ValueMath, node, *parents, *node.op_args)
        # Speed: the common shapes passed by hand, as in _apply.
        if node.op_args:
            return rule.local(FloatMath, node._data, *[p._data for p in parents], *node.op_args)
        if len(parents) == 2:
            return rule.local(FloatMath, node._data, parents[0]._data, parents[1]._data)
        if len(parents) == 1:
            return rule.local(FloatMath, node._data, parents[0]._data)
        return rule.local(FloatMath, node._data, *[p._data for p in parents])
    except ArithmeticError as error:  # DomainError, ZeroDivisionError, OverflowError
        reason = error.reason if isinstance(error, DomainError) else str(error)
        raise DomainError(
            rule.name,
            f"its local derivative is not a finite real number here ({reason})",
            _describe(rule, node.parents, node.op_args),
        ) from None


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
    return () if node._rule is None else _local(node, differentiable=False)


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each once, parents before children, ``root`` last.

    Iterative depth-first search (no recursion: a chain of a million nodes is fine), visiting
    parents in their recorded order, so the order is the same on every run.

    >>> x = Value(2.0, label="x")
    >>> y = x * x
    >>> z = y + x
    >>> [n.label or n.op for n in topological_order(z)]
    ['x', 'mul', 'add']
    """
    order: list[Value] = []
    visited = {root}
    # Each stack entry holds a node and an iterator over its parents that remembers how far
    # we got, so a node with a million parents is scanned once, not once per child.
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root.parents))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _backprop(
    root: Value, seed: Any, differentiable: bool, inputs: Sequence[Value] | None = None
) -> tuple[list[Value], dict[Value, Any]]:
    """The backward pass: ∂root/∂node for every node, as floats or (if differentiable) Values.

    With ``inputs``, only for the nodes that lie on a path from one of them to ``root``: the
    others are nobody's business, and their gradients might overflow.
    """
    order = topological_order(root)
    pruned = inputs is not None
    if inputs is not None:
        needed = _depending_on(order, set(inputs))
        order = [node for node in order if node in needed]
    grads: dict[Value, Any] = {root: seed}
    get = grads.get  # speed: a bound method, looked up once instead of per edge
    for node in reversed(order):  # children before parents: a node's gradient is complete
        if node._rule is None:
            continue  # a leaf passes nothing on
        upstream = grads[node]
        edges: Iterable[tuple[Value, Any]] = zip(
            node.parents, _local(node, differentiable), strict=True
        )
        if pruned:  # once per node, not per edge: most passes are not pruned
            edges = [(parent, local) for parent, local in edges if parent in needed]
        for parent, local in edges:
            # The chain rule: ∂root/∂parent += ∂node/∂parent · ∂root/∂node
            contribution = local * upstream
            previous = get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    return order, grads


def _depending_on(order: list[Value], sources: set[Value]) -> set[Value]:
    """The nodes of ``order`` (a topological order) that are in ``sources`` or depend on one."""
    reached = set(sources)
    for node in order:  # parents first, so each node's parents are already decided
        if node not in reached and any(parent in reached for parent in node.parents):
            reached.add(node)
    return reached


def _variables(order: list[Value]) -> set[Value]:
    """The nodes whose gradient someone may read: those that depend on a leaf that is not a
    constant made by an operator (inputs and parameters, and every node computed from them)."""
    leaves = {node for node in order if not node.parents and type(node) is not _Constant}
    return _depending_on(order, leaves)


def _check_finite(
    order: list[Value],
    grads: dict[Value, float],
    visible: Callable[[list[Value]], set[Value]] | None = None,
) -> None:
    """Refuse gradients that overflowed, naming the op where the first infinity appeared.

    Only the gradients of the nodes ``visible(order)`` count (all, without it); the check is
    done first on every gradient, so the common case costs one pass.
    """
    if all(map(math.isfinite, grads.values())):
        return
    bad = {node for node, g in grads.items() if not math.isfinite(g)}
    if visible is not None:
        bad &= visible(order)
        if not bad:
            return  # only constants nobody asked about overflowed: they keep inf
    # The first non-finite gradient (nearest the root) on a path to an offending node.
    upstream = _depending_on(order, bad)
    first = next(
        node for node in reversed(order) if node in upstream and not math.isfinite(grads[node])
    )
    # The infinity came from a child of `first`: its local derivative, or the product.
    for child in reversed(order):
        if first not in child.parents:
            continue
        for parent, local in zip(child.parents, local_derivatives(child), strict=True):
            if parent is first and not math.isfinite(local):
                raise DomainError(
                    child.op,
                    f"its local derivative is not a finite real number here ({local!r})",
                    _describe(rule_of(child), child.parents, child.op_args),
                )
    if first.label:
        where = f"node {first.label!r}"
    elif first.parents:
        where = f"the output of {first.op}"
    else:
        where = f"the unlabelled leaf {first.data!r}"
    raise DomainError(
        "backward",
        f"the gradient reaching {where} is {grads[first]!r}: the chain rule product "
        "overflows a float",
        [("data", first.data, first.label)],
    )


def gradients(
    output: Value, inputs: Sequence[Value], *, seed: float = 1.0, create_graph: bool = False
) -> list[Value]:
    """∂output/∂x for each x in ``inputs``, without touching any node's ``grad``.

    With ``create_graph=True`` each gradient is a Value with a graph of its own, so it can be
    differentiated again. An input that ``output`` does not depend on gets 0.

    >>> x = Value(3.0)
    >>> y = x**3                                          # y = x³
    >>> (dy,) = gradients(y, [x], create_graph=True)      # 3x² = 27
    >>> (d2y,) = gradients(dy, [x])                       # 6x = 18
    >>> dy.data, d2y.data
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients: output must be a Value, got {type_name(output)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"gradients: inputs[{i}] must be a Value, got {type_name(x)}")
    # Only the nodes between the inputs and the output get gradients: no other gradient can
    # overflow and make this refuse, and none is computed in vain.
    if not create_graph:
        order, grads = _backprop(
            output, _real(seed, op="backward", what="seed"), differentiable=False, inputs=inputs
        )
        _check_finite(order, grads)
        return [Value(grads.get(x, 0.0)) for x in inputs]
    with enable_grad():  # the derivative's graph must be recorded, even inside no_grad()
        order, grads = _backprop(
            output, Value(seed, label="seed"), differentiable=True, inputs=inputs
        )
        return [grads[x] if x in grads else Value(0.0) for x in inputs]


def is_grad_enabled() -> bool:
    """Whether new operations record their graph (False inside ``no_grad()``)."""
    return _grad_mode.enabled


@contextmanager
def _grad_mode_set(enabled: bool) -> Iterator[None]:
    previous = _grad_mode.enabled
    _grad_mode.enabled = enabled
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record graphs again inside a ``no_grad()`` block (the default outside one).

    >>> with no_grad(), enable_grad():
    ...     is_grad_enabled()
    True
    """
    return _grad_mode_set(True)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Inside this block, operations compute values but record no graph (results are leaves).

    Use it for parameter updates and evaluation. Also works as a decorator: ``@no_grad()``.

    >>> w = Value(1.0)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.parents, is_grad_enabled()
    ((), True)
    """
    return _grad_mode_set(False)
