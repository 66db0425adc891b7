"""Model files: the JSON record that :meth:`Module.save` writes, read back with its format checked.

A file holds the format and its version, the architecture's name, every parameter by name and,
for the built-in models, the constructor's arguments, so ``MLP.load(path)`` can rebuild the model
before reading its numbers. Never pickle: a model file is data, not code.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, overload

from .._common import shorten

STATE_FORMAT = "autograd_lite.state_dict"
STATE_VERSION = 1


class Loadable(Protocol):
    """What loading needs of a model (every ``Module`` has it): reading a checked record."""

    def _load_record(self: L, record: dict[str, Any], path: str | Path) -> L: ...

    def _load_into(self: L, path: str | Path) -> L: ...

    @classmethod
    def _check_file(cls, config: dict[str, Any], stored: object, path: str | Path) -> None: ...


L = TypeVar("L", bound=Loadable)


class LoadMethod:
    """``load`` on a model reads parameters into it; on a class it builds a model from a file.
    Both return the model, so ``model = model.load(path)`` and ``model = MLP.load(path)`` work.

    The file records the constructor's arguments (``"config"``), so ``MLP.load(path)`` needs
    nothing else; files of modules that cannot be rebuilt that way say how to load them.
    """

    @overload
    def __get__(self, obj: None, cls: type[L]) -> Callable[[str | Path], L]: ...

    @overload
    def __get__(self, obj: L, cls: type[L]) -> Callable[[str | Path], L]: ...

    def __get__(self, obj: L | None, cls: type[L]) -> Callable[[str | Path], Any]:
        if obj is not None:
            load_into: Callable[[str | Path], L] = obj._load_into
            return load_into
        return functools.partial(_load_new, cls)


def _load_new(cls: type[L], path: str | Path) -> L:
    """A new ``cls`` model built from the constructor arguments saved in ``path``."""
    how = f"build the model first, then read the file into it: model = {cls.__name__}(...); "
    how += "model.load(path)"
    record = read_record(path)
    config, saved_from = record.get("config"), record.get("architecture")
    if isinstance(saved_from, str) and not saved_from.startswith(f"{cls.__name__}("):
        raise ValueError(f"{path}: saved from {shorten(saved_from, 60)}, not a {cls.__name__}")
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the file does not record how to build the model; {how}")
    cls._check_file(config, record.get("parameters"), path)  # before anything is allocated
    try:
        model = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path}: cannot build {cls.__name__} from the saved config "
            f"{shorten(repr(config), 60)} "
            f"({error}); {how}"
        ) from None
    return model._load_record(record, path)  # checks the architecture and the values


def read_record(path: str | Path) -> dict[str, Any]:
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
    if not isinstance(record, dict) or record.get("format") != STATE_FORMAT:
        raise ValueError(f"{path}: not an autograd_lite parameter file (no format field)")
    version = record.get("version")
    if type(version) is not int or version != STATE_VERSION:  # not True, not 1.0
        raise ValueError(
            f"{path}: format version {shorten(repr(version), 60)}, "
            f"this library reads {STATE_VERSION}"
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


def write_record(path: str | Path, record: dict[str, Any]) -> None:
    """Write ``record`` as the JSON text of a model file (no NaN or infinity: they are not JSON)."""
    text = json.dumps(record, indent=1, allow_nan=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")
