"""Neurons, layers and multi-layer perceptrons built from Values.

>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP(2 → 4 → 1, relu, last layer linear: 17 parameters)
  layer0: Layer(2 → 4, relu: 12 parameters)
  layer1: Layer(4 → 1, linear: 5 parameters)
>>> score = model([0.5, -1.0])            # one output neuron: a single Value
>>> score.backward()
>>> len(model.parameters()), model.parameters()[0].label
(17, 'w0')

Every Value a module creates carries its ``scope`` (``"layer0.neuron2"``), so a drawing can group
the nodes of each neuron and layer. Parameters are initialised from a seed: the same seed gives the
same numbers.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

from ._common import Seed, as_list, is_int, is_real, make_rng, shorten
from .engine import Value, type_name

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "silu", "swish", "linear")
"""The activation functions a neuron can apply to its weighted sum."""

_STATE_FORMAT = "autograd_lite.state_dict"
_STATE_VERSION = 1

Inputs = Sequence[Value | float]


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    return activation


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


M = TypeVar("M", bound="Module")


class _Load:
    """``load`` on a model reads parameters into it; on a class it builds a model from a file.
    Both return the model, so ``model = model.load(path)`` and ``model = MLP.load(path)`` work.

    The file records the constructor's arguments (``"config"``), so ``MLP.load(path)`` needs
    nothing else; files of modules that cannot be rebuilt that way say how to load them.
    """

    @overload
    def __get__(self, obj: None, cls: type[M]) -> Callable[[str | Path], M]: ...

    @overload
    def __get__(self, obj: M, cls: type[M]) -> Callable[[str | Path], M]: ...

    def __get__(self, obj: M | None, cls: type[M]) -> Callable[[str | Path], Any]:
        if obj is not None:
            return obj._load_into
        return functools.partial(_load_new, cls)


def _load_new(cls: type[M], path: str | Path) -> M:
    """A new ``cls`` model built from the constructor arguments saved in ``path``."""
    how = f"build the model first, then read the file into it: model = {cls.__name__}(...); "
    how += "model.load(path)"
    record = _read_record(path)
    config, saved_from = record.get("config"), record.get("architecture")
    if isinstance(saved_from, str) and not saved_from.startswith(f"{cls.__name__}("):
        raise ValueError(f"{path}: saved from {shorten(saved_from, 60)}, not a {cls.__name__}")
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the file does not record how to build the model; {how}")
    try:
        model = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path}: cannot build {cls.__name__} from the saved config "
            f"{shorten(repr(config), 60)} "
            f"({error}); {how}"
        ) from None
    return model._load_record(record, path)  # checks the architecture and the values


class Module:
    """The base of every model: parameters, gradients, a readable summary, saving and loading.

    A module of your own defines ``__call__`` (the forward pass) and declares its parameters
    in one of two ways:

    - by name, as ``Neuron``, ``Layer`` and ``MLP`` do: ``children()`` lists the sub-modules
      and ``own_parameters()`` the Values that belong to the module itself, each with a name;
      saved files and error messages then use dotted names such as ``"l1.neuron0.w0"``;
    - micrograd's way, by overriding ``parameters()`` to return the list of Values. That list
      is then what training updates and what is saved: :meth:`named_parameters` keeps the
      name a parameter has by the first way if it has one, and calls the others ``p0``,
      ``p1``, … by their place in ``parameters()``.

    >>> class Net(Module):
    ...     def __init__(self):
    ...         self.l1, self.l2 = Layer(2, 3, seed=0), Layer(3, 1, nonlin=False, seed=1)
    ...     def __call__(self, x):
    ...         return self.l2(self.l1(x))[0]
    ...     def parameters(self):
    ...         return self.l1.parameters() + self.l2.parameters()
    >>> net = Net()
    >>> net
    Net(13 parameters)
    >>> [name for name, _ in net.named_parameters()][:3]
    ['p0', 'p1', 'p2']

    A module with no parameters at all cannot be trained: :func:`~autograd_lite.train.train`
    and :class:`~autograd_lite.optim.SGD` say so rather than run steps that change nothing.
    """

    _list_children = True  # whether repr lists the sub-modules, one line each

    def __call__(self, xs: Inputs) -> Any:
        """The forward pass on one sample."""
        raise NotImplementedError(f"{type(self).__name__} does not define a forward pass")

    def children(self) -> list[tuple[str, Module]]:
        """The sub-modules, with their names."""
        return []

    def own_parameters(self) -> list[tuple[str, Value]]:
        """Parameters that belong to this module itself (not to its children), with names."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in a fixed order (``"layer0.neuron1.w0"``).

        For a module that overrides :meth:`parameters` (micrograd's way), its list in its
        order: each Value keeps its dotted name if ``own_parameters()`` or ``children()``
        give it one, and is otherwise called ``p<i>``, ``i`` its place in the list.
        """
        declared = self._declared_parameters()
        if not self._overrides_parameters():
            return declared
        listed = self.parameters()
        if not isinstance(listed, (list, tuple)):
            raise TypeError(
                f"{type(self).__name__}.parameters() must return a list of Values, "
                f"got {type(listed).__name__}"
            )
        names = {id(p): name for name, p in reversed(declared)}  # the first name wins
        taken = set(names.values())
        named = []
        for i, p in enumerate(listed):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}.parameters() must return Values, "
                    f"got {type(p).__name__} {_shown(p)} at index {i}"
                )
            name = names.get(id(p))
            if name is None:
                name = f"p{i}"
                while name in taken:  # a declared parameter already has that name
                    name = f"_{name}"
                taken.add(name)
            named.append((name, p))
        return named

    def _declared_parameters(self) -> list[tuple[str, Value]]:
        """The parameters declared by name: ``own_parameters()``, then each child's."""
        named = list(self.own_parameters())
        for child_name, child in self.children():
            named += [(f"{child_name}.{name}", p) for name, p in child.named_parameters()]
        return named

    def _overrides_parameters(self) -> bool:
        """Whether a subclass declares its parameters micrograd's way (see the class)."""
        return type(self).parameters is not Module.parameters

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        if self._overrides_parameters():
            # Reached through super().parameters() from an override: what is declared by name
            # (asking named_parameters() here would call the override again, without end).
            return [p for _, p in self._declared_parameters()]
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (``backward()`` adds into it)."""
        for p in self.parameters():
            p.grad = 0.0

    def summary(self) -> str:
        """What the module is, in a few words (the text inside its repr's brackets)."""
        return ""

    @property
    def architecture(self) -> str:
        """``Name(summary)``: names the structure in error messages and saved files."""
        return f"{type(self).__name__}({self.summary()})"

    def __repr__(self) -> str:
        count = len(self.parameters())
        summary = self.summary()
        lines = [f"{type(self).__name__}({summary + ': ' if summary else ''}{count} parameters)"]
        if self._list_children:
            for name, child in self.children():
                lines.append(f"  {name}: {repr(child).splitlines()[0]}")
        return "\n".join(lines)

    # -- saving and loading -------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: plain floats, ready for JSON."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set the parameters from ``state`` (as made by :meth:`state_dict`).

        Every name must match and every value must be a finite number; otherwise a ValueError
        says what does not match and the model is left unchanged.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"a state dict must be a mapping, got {type(state).__name__}")
        for name in state:
            if not isinstance(name, str):
                raise ValueError(
                    f"parameter names must be strings, got {type(name).__name__} {_shown(name)}"
                )
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state]
        unexpected = [name for name in state if name not in named]
        if missing or unexpected:
            raise ValueError(
                f"the state does not match {self.architecture}: "
                + "; ".join(
                    part
                    for part in (
                        _listing("missing", missing),
                        _listing("unexpected", unexpected),
                    )
                    if part
                )
            )
        values = {}
        for name, value in state.items():
            if not is_real(value):  # int, float, or a NumPy scalar such as float32
                raise ValueError(f"parameter {name!r} must be a number, got {_shown(value)}")
            try:
                number = float(value)
            except OverflowError:  # an int (or fraction) beyond the largest float
                raise ValueError(
                    f"parameter {name!r} must fit in a float (magnitude below 1.8e308), "
                    f"got {_shown(value)}"
                ) from None
            if not math.isfinite(number):
                raise ValueError(f"parameter {name!r} must be finite, got {number!r}")
            values[name] = number
        for name, p in named.items():  # only now that everything checked out
            p.data = values[name]

    def config(self) -> dict[str, Any] | None:
        """The constructor's arguments that rebuild this module's shape (``MLP(**config)``), or
        None if it cannot be rebuilt from them (a module of your own). Saved with the parameters,
        so that ``MLP.load(path)`` can build the model."""
        return None

    def save(self, path: str | Path) -> None:
        """Write the parameters to a JSON file (never pickle): names, values, architecture and
        the constructor's arguments (:meth:`config`).

        A parameter that is not finite (set by hand: training refuses such a step) raises a
        ValueError before anything is written, rather than a file that :meth:`load` refuses.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save {path}: parameter {name!r} is {value!r}")
        record: dict[str, Any] = {
            "format": _STATE_FORMAT,
            "version": _STATE_VERSION,
            "architecture": self.architecture,
            "parameters": state,
        }
        if self.config() is not None:
            record["config"] = self.config()
        text = json.dumps(record, indent=1, allow_nan=False) + "\n"
        Path(path).write_text(text, encoding="utf-8")

    load = _Load()
    """``model.load(path)`` reads the parameters of a file written by :meth:`save` into a model
    and returns the model; ``MLP.load(path)`` (on the class) builds the model the file was
    saved from and returns it."""

    def _load_into(self: M, path: str | Path) -> M:
        """Read parameters written by :meth:`save`; return the model. A file for another
        architecture, or one that is not such a file, raises a ValueError that names the file
        and says why (a file that cannot be read, an OSError); the model is then unchanged."""
        return self._load_record(_read_record(path), path)

    def _load_record(self: M, record: dict[str, Any], path: str | Path) -> M:
        """Set the parameters from a record read by :func:`_read_record` from ``path``."""
        architecture = record.get("architecture")
        if architecture != self.architecture:
            shown = architecture if isinstance(architecture, str) else repr(architecture)
            raise ValueError(
                f"{path}: saved from {shorten(shown, 60)}, but this model is {self.architecture}"
            )
        parameters = record.get("parameters")
        if not isinstance(parameters, dict):
            raise ValueError(f"{path}: the 'parameters' field is not a mapping of names to numbers")
        try:
            self.load_state_dict(parameters)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        return self


def _read_record(path: str | Path) -> dict[str, Any]:
    """The record of a parameter file written by :meth:`Module.save`, its format and version
    checked; a ValueError that names the file and says what is wrong otherwise."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: not a UTF-8 text file ({error.reason} at byte {error.start})"
        ) from None
    try:
        record = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a JSON file ({error})") from None
    except RecursionError:  # the decoder recurses: [[[[… nested beyond Python's limit
        raise ValueError(f"{path}: not a parameter file (JSON nested too deeply)") from None
    if not isinstance(record, dict) or record.get("format") != _STATE_FORMAT:
        raise ValueError(f"{path}: not an autograd_lite parameter file (no format field)")
    version = record.get("version")
    if type(version) is not int or version != _STATE_VERSION:  # not True, not 1.0
        raise ValueError(
            f"{path}: format version {_shown(version)}, this library reads {_STATE_VERSION}"
        )
    return record


def _json_int(text: str) -> int | float:
    """A JSON integer as a Python int; beyond the digits ``int()`` converts (4,300 by default,
    Python's guard against slow conversions) as a float, which has no such limit and becomes
    inf where it does not fit, which loading then refuses by name."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def _shown(value: object) -> str:
    """``repr(value)`` for an error message, shortened."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        # repr of an int over 4,300 digits is refused by Python: count them instead.
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return shorten(repr(value), 60)


def _listing(what: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(shorten(name, 60) for name in names[:5])
    shown += f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"{len(names)} {what} ({shown})"


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


class Neuron(Module):
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
        self.nin = _check_size("nin", nin)
        self.activation = activation = _resolve_activation(activation, nonlin)
        self.scope = scope
        rng = make_rng(seed)
        gain = 6.0 if activation in ("relu", "leaky_relu", "silu", "swish") else 3.0
        bound = math.sqrt(gain / nin)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        for p in self.parameters():
            p.scope = scope

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for p in self.w] + [("b", self.b)]

    @property
    def nonlin(self) -> bool:
        """Whether the neuron applies an activation other than linear (micrograd's name)."""
        return self.activation != "linear"

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def summary(self) -> str:
        return f"{self.nin} inputs, {self.activation}"

    def __call__(self, xs: Inputs) -> Value:
        return self._forward(_inputs(self, self.nin, xs))

    def _forward(self, xs: list[Value]) -> Value:
        """The forward pass on inputs already checked by the caller."""
        total = Value.linear(self.w, xs, self.b)  # Σ wᵢxᵢ + b, one node
        out = total if self.activation == "linear" else getattr(total, self.activation)()
        total.scope = out.scope = self.scope
        return out


class Layer(Module):
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
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = activation = _resolve_activation(activation, nonlin)
        rng = make_rng(seed)
        prefix = f"{scope}." if scope else ""
        self.neurons = [
            Neuron(nin, activation, seed=rng, scope=f"{prefix}neuron{j}") for j in range(nout)
        ]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neuron{j}", n) for j, n in enumerate(self.neurons)]

    @property
    def nonlin(self) -> bool:
        """Whether the neurons apply an activation other than linear (micrograd's name)."""
        return self.activation != "linear"

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
