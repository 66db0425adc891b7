"""Neurons, layers and multi-layer perceptrons: weighted sums and activations of Values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._common import Seed, as_list, is_int, make_rng
from ..engine import Value, type_name
from ..extend import apply
from ..ops import RULES, Rule
from .module import Inputs, Module, _shown

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron", "activations"]


def _activation_rules() -> dict[str, Rule]:
    """Each op that is an activation (its rule says so), by every name it goes by: the
    built-in ones and any registered with ``activation=``."""
    return {
        name: rule
        for rule in RULES.values()
        if rule.activation
        for name in (rule.name, *rule.written.aliases)
    }


def activations() -> tuple[str, ...]:
    """The activations a neuron can apply now: ``"linear"`` (none) and every activation op.

    >>> activations()
    ('tanh', 'sigmoid', 'relu', 'leaky_relu', 'silu', 'swish', 'linear')
    """
    return (*_activation_rules(), "linear")


ACTIVATIONS = activations()
"""The activations of the built-in ops (and ``"linear"``), read from their rules."""

_METHODS = {name: rule.written.method for name, rule in _activation_rules().items()}
"""The Value method of each built-in activation, looked up once: a forward pass per neuron
per sample must not search the table."""


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or (
        activation != "linear" and activation not in _activation_rules()
    ):
        raise ValueError(f"unknown activation {activation!r}; choose one of {activations()}")
    return activation


def _activate(total: Value, activation: str) -> Value:
    """``activation`` applied to a weighted sum: its Value method, or its registered op."""
    if activation == "linear":
        return total
    method = _METHODS.get(activation)
    if method:
        out: Value = getattr(total, method)()
        return out
    result: Value = apply(_activation_rules()[activation], total)
    return result


def _gain(activation: str) -> float:
    """6 for a rectifier (He's initialisation keeps the variance through a half-zero
    activation), 3 otherwise (LeCun's)."""
    rule = _activation_rules().get(activation)
    return 6.0 if rule is not None and rule.activation == "rectifier" else 3.0


def _check_size(name: str, n: object) -> int:
    """``n`` as an int ≥ 1: any integer (a NumPy int too), not a bool."""
    if not is_int(n):
        raise TypeError(f"{name} must be a positive int, got {type(n).__name__} {_shown(n)}")
    if n < 1:
        raise ValueError(f"{name} must be a positive int, got {_shown(n)}")
    return int(n)


def _resolve_activation(activation: str | bool | None, nonlin: bool | None) -> str:
    """The activation from ``activation`` and micrograd's ``nonlin`` (True: relu, False:
    linear). A bool in ``activation``'s place is micrograd's positional ``Neuron(nin, False)``;
    both given must agree (``nonlin`` says whether the activation is other than linear)."""
    if isinstance(activation, bool):  # micrograd's Neuron(nin, nonlin) spelled positionally
        if nonlin is not None:
            raise TypeError("nonlin given twice: as the second argument and as nonlin=")
        activation, nonlin = None, activation
    if nonlin is not None and not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True or False, got {type(nonlin).__name__} {nonlin!r}")
    if activation is None:
        return "linear" if nonlin is False else "relu"
    _check_activation(activation)
    if nonlin is not None and nonlin != (activation != "linear"):
        raise ValueError(
            f"nonlin={nonlin} contradicts activation={activation!r}: give one of them "
            "(nonlin=True is relu, nonlin=False is linear)"
        )
    return activation


def _inputs(module: Module, nin: int, xs: object) -> list[Value]:
    """The inputs of one sample as Values: numbers become leaves labelled x0, x1, ... once,
    shared by every neuron that reads them."""
    items = as_list(xs)
    if items is None:
        raise TypeError(
            f"{module.architecture} takes a list of {nin} inputs, got {type_name(xs)} "
            "(give a list, a tuple or a NumPy row)"
        )
    if len(items) != nin:
        raise ValueError(f"{module.architecture} expects {nin} inputs, got {len(items)}")
    return [x if isinstance(x, Value) else Value(x, label=f"x{i}") for i, x in enumerate(items)]


class _Dense(Module):
    """What a neuron and a layer share: ``nin`` inputs and one activation, which micrograd's
    ``nonlin`` reads back."""

    nin: int
    activation: str

    def _set_inputs(self, nin: object, activation: str | bool | None, nonlin: bool | None) -> str:
        self.nin = _check_size("nin", nin)
        self.activation = _resolve_activation(activation, nonlin)
        return self.activation

    @property
    def nonlin(self) -> bool:
        """Whether it applies an activation other than linear (micrograd's name)."""
        return self.activation != "linear"


class Neuron(_Dense):
    """activation(w · x + b) for ``nin`` inputs; the weighted sum is one ``linear`` node.

    Args:
        nin: the number of inputs.
        activation: one of :data:`ACTIVATIONS` (``"linear"`` applies none); ``"relu"`` unless
            ``nonlin`` says otherwise.
        nonlin: micrograd's spelling: True is ``"relu"``, False is ``"linear"`` (a bool in
            ``activation``'s place, ``Neuron(3, False)``, means the same). Given with
            ``activation``, the two must agree; :attr:`nonlin` reads it back.
        seed: an int, a ``random.Random`` (shared by a whole model), or None to draw from
            Python's global ``random`` state (so ``random.seed(…)`` makes it reproducible).
        scope: the dotted path of this neuron in its model, stamped on the Values it creates.

    Weights start uniform in ±√(6/nin) for relu-like activations (He) and ±√(3/nin) otherwise
    (LeCun), so the weighted sum keeps roughly the variance of the inputs; the bias starts at 0.

    >>> n = Neuron(3, activation="tanh", seed=1)
    >>> n
    Neuron(3 inputs, tanh: 4 parameters)
    >>> round(n([1.0, 0.0, -1.0]).data, 4)
    -0.8507
    >>> Neuron(3, nonlin=False, seed=1)          # micrograd's Neuron(nin, nonlin=False)
    Neuron(3 inputs, linear: 4 parameters)
    """

    def __init__(
        self,
        nin: int,
        activation: str | bool | None = None,
        *,
        nonlin: bool | None = None,
        seed: Seed = None,
        scope: str = "",
    ) -> None:
        activation = self._set_inputs(nin, activation, nonlin)
        self.scope = scope
        rng = make_rng(seed)
        bound = math.sqrt(_gain(activation) / self.nin)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        for p in self.parameters():
            p.scope = scope

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for p in self.w] + [("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def summary(self) -> str:
        return f"{self.nin} inputs, {self.activation}"

    def __call__(self, xs: Inputs) -> Value:
        return self._forward(_inputs(self, self.nin, xs))

    def _forward(self, xs: list[Value]) -> Value:
        """The forward pass on inputs already checked by the caller."""
        total = Value.linear(self.w, xs, self.b)  # Σ wᵢxᵢ + b, one node
        out = _activate(total, self.activation)
        total.scope = out.scope = self.scope
        return out


class Layer(_Dense):
    """``nout`` neurons that each see all ``nin`` inputs; calling it returns a list of Values.

    ``activation`` and micrograd's ``nonlin`` are read as by :class:`Neuron`.

    >>> Layer(3, 1, seed=0)([1.0, 2.0, 3.0])   # doctest: +ELLIPSIS
    [Value(data=..., grad=0.0, op='relu')]
    >>> Layer(3, 2, nonlin=False, seed=0)
    Layer(3 → 2, linear: 8 parameters)
    """

    _list_children = False  # its neurons are all alike: the layer's own line says it all

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | bool | None = None,
        *,
        nonlin: bool | None = None,
        seed: Seed = None,
        scope: str = "",
    ) -> None:
        activation = self._set_inputs(nin, activation, nonlin)
        self.nout = _check_size("nout", nout)
        rng = make_rng(seed)
        prefix = f"{scope}." if scope else ""
        self.neurons = [
            Neuron(nin, activation, seed=rng, scope=f"{prefix}neuron{j}") for j in range(nout)
        ]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neuron{j}", n) for j, n in enumerate(self.neurons)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def summary(self) -> str:
        return f"{self.nin} → {self.nout}, {self.activation}"

    def __call__(self, xs: Inputs) -> list[Value]:
        return self._forward(_inputs(self, self.nin, xs))

    def _forward(self, xs: list[Value]) -> list[Value]:
        """The forward pass on inputs already checked (each neuron need not check again)."""
        return [neuron._forward(xs) for neuron in self.neurons]


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation``; the last layer is linear unless ``last_activation`` says
    otherwise. Called on one sample, it returns a single Value when the last layer has one
    neuron (so ``model(x).data`` works), otherwise a list.

    >>> MLP(3, [8, 8, 2], activation="tanh", last_activation="sigmoid", seed=0)
    MLP(3 → 8 → 8 → 2, tanh, last layer sigmoid: 122 parameters)
      layer0: Layer(3 → 8, tanh: 32 parameters)
      layer1: Layer(8 → 8, tanh: 72 parameters)
      layer2: Layer(8 → 2, sigmoid: 18 parameters)
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        *,
        last_activation: str = "linear",
        seed: Seed = None,
    ) -> None:
        self.nin = _check_size("nin", nin)
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [self.nin] + [_check_size("each layer size", n) for n in nouts]
        self.activation = _check_activation(activation)
        self.last_activation = _check_activation(last_activation)
        rng = make_rng(seed)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else last_activation,
                seed=rng,
                scope=f"layer{i}",
            )
            for i in range(len(nouts))
        ]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"layer{i}", layer) for i, layer in enumerate(self.layers)]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": [layer.nout for layer in self.layers],
            "activation": self.activation,
            "last_activation": self.last_activation,
        }

    def summary(self) -> str:
        sizes = " → ".join(str(n) for n in [self.nin] + [layer.nout for layer in self.layers])
        return f"{sizes}, {self.activation}, last layer {self.last_activation}"

    def __call__(self, xs: Inputs) -> Any:
        """The forward pass on one sample: a Value if the last layer has one neuron, else a list."""
        out = _inputs(self, self.nin, xs)
        for layer in self.layers:  # each layer's output is the next one's checked input
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out
