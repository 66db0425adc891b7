"""The adapter: how :func:`~autograd_lite.testing.check_engine` drives another engine's
scalar class (making leaves, reading values and gradients, running backward) and how it writes
the programs that use it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...engine import Value, gradients, type_name
from ...extend import registered
from ...ops import RULES
from ..source import _lambda_text, written

Hook = Callable[..., Any]
"""A function the user gives :class:`Engine` (a leaf maker, a reader, an op), called with
the engine's nodes."""

Node = Any
"""A node of the engine under test: an object of its class, which only the :class:`Engine`'s
hooks know how to read, so it has no type more precise than this."""


def _hook_name(hook: Hook, default: str) -> str:
    name = getattr(hook, "__name__", "")
    return name if name.isidentifier() else default


class Engine:
    """How :func:`check_engine` drives another engine's scalar class.

    The defaults fit micrograd-style classes: ``value_class(x)`` makes a leaf, ``.data`` and
    ``.grad`` hold the value and gradient, ``node.backward()`` runs the backward pass,
    arithmetic operators and methods named like ours (``x.tanh()``, ``abs(x)`` or ``x.abs()``)
    apply ops, and ``node.zero_grad()``, when the class has it, resets gradients. Each hook
    replaces one of these:

    Args:
        value_class: the engine's scalar class.
        leaf: makes a leaf from a float (default ``value_class``).
        data, grad: the name of the attribute holding the value (gradient), or a function of a
            node that returns it.
        backward: runs the backward pass from a node (default ``node.backward()``).
        zero_grad: resets the gradients of a node's graph (default ``node.zero_grad()`` if the
            class has it; else the check that a reset really resets is skipped).
        gradients: ``gradients(out, inputs)`` returns ∂out/∂input for each input as nodes of
            the engine that can be differentiated again; needed for ``order=2`` (autograd_lite's
            own Value has it built in).
        ops: op name (a key of :data:`autograd_lite.ops.RULES`) → a function
            ``f(*operands, *params)`` that applies it, for ops that are functions rather than
            methods or operators (``{"exp": my_engine.exp}``).

    >>> Engine(Value).name
    'Value'
    """

    def __init__(
        self,
        value_class: type,
        *,
        leaf: Hook | None = None,
        data: str | Hook = "data",
        grad: str | Hook = "grad",
        backward: Hook | None = None,
        zero_grad: Hook | None = None,
        gradients: Hook | None = None,
        ops: Mapping[str, Hook] | None = None,
    ) -> None:
        if not isinstance(value_class, type):
            raise TypeError(
                f"Engine: value_class must be a class (your engine's scalar type), got "
                f"{type_name(value_class)} {value_class!r}"
            )
        for op in ops or {}:
            if op not in RULES:
                raise KeyError(f"Engine: no op named {op!r}; the ops are {sorted(RULES)}")
        self.value_class = value_class
        self.name = value_class.__name__
        self._leaf, self._data, self._grad = leaf, data, grad
        self._backward, self._zero_grad = backward, zero_grad
        self._gradients = gradients
        if gradients is None and value_class is Value:
            self._gradients = _our_gradients
        self._ops = dict(ops or {})
        self._templates: dict[str, str] = {}

    # -- running the engine -------------------------------------------------------------------

    def leaf(self, x: float) -> Node:
        """A new leaf holding ``x``."""
        return (self._leaf or self.value_class)(x)

    def data(self, node: Node) -> float:
        """The value of ``node``, as a float."""
        raw = getattr(node, self._data) if isinstance(self._data, str) else self._data(node)
        return float(raw)

    def grad(self, node: Node) -> float:
        """The gradient of ``node`` after a backward pass, as a float."""
        raw = getattr(node, self._grad) if isinstance(self._grad, str) else self._grad(node)
        return float(raw)

    def backward(self, node: Node) -> None:
        """Run the backward pass from ``node``."""
        if self._backward is not None:
            self._backward(node)
        else:
            node.backward()

    @property
    def resets(self) -> bool:
        """Whether the engine claims to reset gradients (it has ``zero_grad``)."""
        return self._zero_grad is not None or callable(getattr(self.value_class, "zero_grad", None))

    def zero_grad(self, node: Node) -> None:
        """Reset the gradients of ``node``'s graph."""
        if self._zero_grad is not None:
            self._zero_grad(node)
        else:
            node.zero_grad()

    @property
    def differentiable(self) -> bool:
        """Whether gradients can be differentiated again (``order=2`` is possible)."""
        return self._gradients is not None

    def gradients(self, out: Node, inputs: Sequence[Node]) -> list[Node]:
        """∂out/∂input for each input, as differentiable nodes of the engine."""
        if self._gradients is None:
            raise ValueError(
                f"order=2 needs differentiable gradients: give Engine({self.name}, "
                "gradients=...) a function (out, inputs) -> gradients as your engine's nodes"
            )
        return list(self._gradients(out, inputs))

    # -- writing programs for the engine ------------------------------------------------------

    def namespace(self) -> dict[str, object]:
        """The names the programs written for this engine use."""
        names: dict[str, object] = {self.name: self.value_class}
        if self._leaf is not None:
            names[_hook_name(self._leaf, "leaf")] = self._leaf
        for op, hook in self._ops.items():
            names[_hook_name(hook, f"op_{op}")] = hook
        for op, function in registered().items():  # a registered op is written as its call
            names.setdefault(op, function)
        return names

    def leaf_text(self, x: float) -> str:
        """How a program makes a leaf holding ``x``."""
        if self._leaf is None:
            return f"{self.name}({x!r})"
        return f"{_hook_name(self._leaf, 'leaf')}({x!r})"

    def templates(self, op: str) -> list[str]:
        """The ways of writing ``op`` to try (the first that works is kept)."""
        rule = RULES[op]
        if op in self._ops:
            hook = _hook_name(self._ops[op], f"op_{op}")
            if rule.variadic:
                return [f"{hook}({{all}})"]
            args = [f"{{{i}}}" for i in range(len(rule.inputs))]
            args += [f"{{p{i}}}" for i in range(len(rule.params))]
            return [f"{hook}({', '.join(args)})"]
        own = rule.python.template.replace("Value.", f"{self.name}.")
        # The same op as a method, under each of its names (abs(x) is also x.abs()).
        extra = ", ".join(f"{{p{i}}}" for i in range(len(rule.params)))
        methods = [f"{{0}}.{name}({extra})" for name in rule.methods]
        return list(dict.fromkeys([own, *methods]))

    def op_text(self, op: str, names: Sequence[str], params: Sequence[float] = ()) -> str:
        """``op`` applied to the nodes called ``names``, as Python."""
        template = self._templates.get(op) or self.templates(op)[0]
        return written(op, names, params, template)

    def setup_text(self) -> list[str]:
        """Lines that import (or define) what a program uses, for the report."""
        lines = [_import_line(self.value_class, self.name)]
        hooks = [(self._leaf, "leaf")] if self._leaf is not None else []
        hooks += [(hook, f"op_{op}") for op, hook in self._ops.items()]
        for hook, default in hooks:
            assert hook is not None
            lines.append(_import_line(hook, _hook_name(hook, default)))
        used = [op for op in self._templates if op in registered() and op not in self._ops]
        if used:
            lines.append("from autograd_lite.extend import registered")
            lines += [f"{op} = registered()[{op!r}]" for op in used]
        return lines

    def read_text(self, what: str, node: str) -> str:
        """How a program reads the value (``what="data"``) or gradient of ``node``."""
        hook = self._data if what == "data" else self._grad
        if isinstance(hook, str):
            return f"{node}.{hook}"
        return _call_text(hook, node)

    def backward_text(self, node: str) -> str:
        """How a program runs the backward pass from ``node``."""
        if self._backward is None:
            return f"{node}.backward()"
        return _call_text(self._backward, node)


def _our_gradients(out: Value, inputs: Sequence[Value]) -> list[Value]:
    return gradients(out, inputs, create_graph=True)


def _call_text(hook: Hook, argument: str) -> str:
    name = getattr(hook, "__name__", "")
    if name == "<lambda>":
        text = _lambda_text(hook)
        return f"({text})({argument})" if text else f"<a lambda>({argument})"
    return f"{name}({argument})"


def _import_line(thing: Callable[..., object], name: str) -> str:
    module = getattr(thing, "__module__", None)
    qualname = getattr(thing, "__qualname__", name)
    if getattr(thing, "__name__", "") == "<lambda>":
        text = _lambda_text(thing)
        return f"{name} = {text}" if text else f"# {name}: the lambda you gave Engine"
    if module and module != "__main__" and "<" not in qualname:
        alias = "" if qualname == name else f" as {name}"
        return f"from {module} import {qualname}{alias}"
    return f"# {name}: your {qualname} (define or import it here)"
