"""Neurons, layers and multi-layer perceptrons: weighted sums and activations of Values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._common import Seed, as_list, is_int, make_rng
from ..engine import Parameter, Value, type_name
from ..engine.value import Constant
from ..extend import apply
from ..ops import RULES, Rule
from .module import Inputs, Module, _listing, _shown

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
    shared by every neuron that reads them. Such a leaf is nobody's to ask for its gradient
    (the caller holds the numbers, not the leaf), so it is a constant as the 2 in ``2 * x``
    is: ``backward()`` still fills in its ``grad`` (pictures show it), but does not refuse
    the step when ∂L/∂x alone overflows."""
    items = as_list(xs)
    if items is None:
        raise TypeError(
            f"{module.architecture} takes a list of {nin} inputs, got {type_name(xs)} "
            "(give a list, a tuple or a NumPy row)"
        )
    if len(items) != nin:
        raise ValueError(f"{module.architecture} expects {nin} inputs, got {len(items)}")
    return [x if isinstance(x, Value) else Constant(x, label=f"x{i}") for i, x in enumerate(items)]


class _Dense(Module):
    """What a neuron and a layer share: ``nin`` inputs and one activation, which micrograd's
    ``nonlin`` reads back."""

    @classmethod
    def _check_file(cls, config: dict[str, Any], stored: object, path: str | Path) -> None:
        _check_declared_parameters(cls, config, stored, path)

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
        self.w: list[Value] = [
            Parameter(rng.uniform(-bound, bound), label=f"w{i}") for i in range(nin)
        ]
        self.b: Value = Parameter(0.0, label="b")
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

    @classmethod
    def _check_file(cls, config: dict[str, Any], stored: object, path: str | Path) -> None:
        _check_declared_parameters(cls, config, stored, path)

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


# -- model files: a config checked against the stored parameters before anything is built --------


def _check_declared_parameters(
    cls: type[Module], config: dict[str, Any], stored: object, path: str | Path
) -> None:
    """Refuse a file whose ``config`` declares another model than its stored parameters make,
    before anything is built: the count from the sizes' arithmetic, then the names.

    A file declaring ``nin: 1000000`` beside the 13 numbers of a tiny model would otherwise
    allocate a million-weight model only to find out it does not match. Sizes that are not
    positive ints are left to the constructor, which refuses them before it allocates. For a
    class whose construction this cannot foresee (a subclass with its own ``__init__``), the
    constructor is trusted, and the parameters are checked after it, as before.
    """
    if not isinstance(stored, dict):
        raise ValueError(f"{path}: the 'parameters' field is not a mapping of names to numbers")
    declared = _declared_sizes(cls, config)
    if declared is None:
        return
    base, sizes = declared
    count = sum((nin + 1) * nout for _, nin, nout in sizes)
    if count != len(stored):
        fields = _oversized_fields(base, config, len(stored))
        why = (
            "; ".join(fields)
            if fields
            else f"the sizes in fields {', '.join(repr(k) for k in _SIZE_FIELDS[base])} "
            "do not match the stored parameters"
        )
        raise ValueError(
            f"{path}: the saved config declares {_count_text(count)} parameters "
            f"({cls.__name__}), but the file's 'parameters' holds {len(stored):,}: {why}; "
            "refused before building the model"
        )
    expected = [
        name if base is Neuron else f"{prefix}neuron{j}.{name}"
        for prefix, nin, nout in sizes
        for j in range(nout)
        for name in [*(f"w{i}" for i in range(nin)), "b"]
    ]
    missing = [name for name in expected if name not in stored]
    if missing:
        unexpected = sorted(set(stored) - set(expected), key=str)
        raise ValueError(
            f"{path}: the stored parameters do not match the {cls.__name__} its config "
            f"declares: {_listing('missing', missing)}; "
            f"{_listing('unexpected', [str(name) for name in unexpected])}; "
            "refused before building the model"
        )


_SIZE_FIELDS: dict[type[Module], tuple[str, ...]] = {}  # filled in below the classes


def _declared_sizes(
    cls: type[Module], config: dict[str, Any]
) -> tuple[type[Module], list[tuple[str, int, int]]] | None:
    """The class among MLP, Layer and Neuron that ``cls`` builds as, and the layers
    ``cls(**config)`` would build, as (name prefix, inputs, neurons), from the config alone;
    None where that cannot be foreseen (a class of one's own, or sizes that are not positive
    ints, which the constructor then refuses)."""
    base = next((b for b in _SIZE_FIELDS if issubclass(cls, b)), None)
    if base is None or not _built_as(cls, base):
        return None
    if base is Neuron:
        names: list[object] = [config.get("nin")]
    elif base is Layer:
        names = [config.get("nin"), config.get("nout")]
    else:
        nouts = config.get("nouts")
        if not isinstance(nouts, list) or not nouts:
            return None
        names = [config.get("nin"), *nouts]
    if not all(is_int(n) and n >= 1 for n in names):
        return None
    ns = [int(n) for n in names]  # type: ignore[call-overload]
    if base is Neuron:
        return base, [("", ns[0], 1)]
    if base is Layer:
        return base, [("", ns[0], ns[1])]
    return base, [(f"layer{i}.", ns[i], ns[i + 1]) for i in range(len(ns) - 1)]


def _built_as(cls: type[Module], base: type[Module]) -> bool:
    """Whether ``cls`` builds and names its parameters exactly as ``base`` does."""
    return (
        all(
            getattr(cls, attribute) is getattr(base, attribute)
            for attribute in (
                "__init__",
                "config",
                "children",
                "own_parameters",
                "named_parameters",
            )
        )
        and cls.parameters is Module.parameters
    )


def _oversized_fields(base: type[Module], config: dict[str, Any], stored: int) -> list[str]:
    """The size fields that alone need more parameters than ``stored``: a neuron of n inputs
    has n + 1 parameters, a layer of n neurons at least 2n, and so does a list of n layers."""
    found = []
    for key in _SIZE_FIELDS[base]:
        value = config.get(key)
        if key == "nouts" and isinstance(value, list):
            if 2 * len(value) > stored:
                found.append(f"config field 'nouts' lists {len(value):,} layers")
            for i, n in enumerate(value):
                if is_int(n) and 2 * n > stored:
                    found.append(
                        f"config field 'nouts'[{i}] = {_shown(n)} alone needs at least "
                        f"{_count_text(2 * n)} parameters"
                    )
        elif is_int(value):
            least = value + 1 if key == "nin" else 2 * value
            if least > stored:
                found.append(
                    f"config field {key!r} = {_shown(value)} alone needs at least "
                    f"{_count_text(least)} parameters"
                )
    return found[:3]


def _count_text(n: int) -> str:
    """``n`` with thousands separators, or its number of digits when it is enormous."""
    if n.bit_length() <= 200:
        return f"{n:,}"
    return f"about 10^{int(n.bit_length() * math.log10(2))}"


_SIZE_FIELDS.update({MLP: ("nin", "nouts"), Layer: ("nin", "nout"), Neuron: ("nin",)})
