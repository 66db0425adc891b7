"""The base of every model: named parameters, gradients, a readable summary, saving and loading."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .._common import is_real, shorten
from ..engine import Value
from .io import STATE_FORMAT, STATE_VERSION, LoadMethod, read_record, write_record

__all__ = ["Inputs", "Module"]

Inputs = Sequence[Value | float]
"""One sample: a list of numbers or Values."""

M = TypeVar("M", bound="Module")


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

    >>> from autograd_lite.nn import Layer
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
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "architecture": self.architecture,
            "parameters": state,
        }
        if self.config() is not None:
            record["config"] = self.config()
        write_record(path, record)

    load = LoadMethod()
    """``model.load(path)`` reads the parameters of a file written by :meth:`save` into a model
    and returns the model; ``MLP.load(path)`` (on the class) builds the model the file was
    saved from and returns it."""

    @classmethod
    def _check_file(cls, config: dict[str, Any], stored: object, path: str | Path) -> None:
        """Refuse a model file whose ``config`` cannot back its stored parameters, before the
        model is built (a class that can foresee its parameters from its config does so)."""

    def _load_into(self: M, path: str | Path) -> M:
        """Read parameters written by :meth:`save`; return the model. A file for another
        architecture, or one that is not such a file, raises a ValueError that names the file
        and says why (a file that cannot be read, an OSError); the model is then unchanged."""
        return self._load_record(read_record(path), path)

    def _load_record(self: M, record: dict[str, Any], path: str | Path) -> M:
        """Set the parameters from a record that :func:`~autograd_lite.nn.io.read_record` read
        from ``path``."""
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
