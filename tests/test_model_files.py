"""Model files that declare more than they hold: refused from the config's arithmetic, before
anything is built (issue 23, item 1)."""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.nn import MLP, Layer, Neuron


def _tiny_record() -> dict[str, Any]:
    """The record MLP(2, [3, 1]).save writes: 13 parameters."""
    model = MLP(2, [3, 1], seed=0)
    return {
        "format": "autograd_lite.state_dict",
        "version": 1,
        "architecture": model.architecture,
        "parameters": model.state_dict(),
        "config": model.config(),
    }


def _write(path: Path, record: dict[str, Any]) -> Path:
    path.write_text(json.dumps(record, separators=(",", ":")), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (
            {"nin": 3000, "nouts": [3000, 1]},
            r"config field 'nin' = 3000 alone needs at least 3,001",
        ),
        ({"nin": 1_000_000}, r"config field 'nin' = 1000000 alone needs at least 1,000,001"),
    ],
    ids=["3000x3000", "a-million-inputs"],
)
def test_a_file_declaring_a_huge_model_is_refused_before_it_is_built(
    tmp_path: Path, config: dict[str, Any], field: str
) -> None:
    record = _tiny_record()
    record["config"] = dict(record["config"], **config)
    path = _write(tmp_path / "huge.json", record)
    assert path.stat().st_size < 1000  # a few hundred bytes
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=field) as caught:
            MLP.load(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "holds 13" in str(caught.value) and "refused before building" in str(caught.value)
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert peak < 3_000_000, f"allocated {peak:,} bytes"


def test_each_oversized_field_is_named(tmp_path: Path) -> None:
    record = _tiny_record()
    record["config"]["nouts"] = [10**50, 1]
    with pytest.raises(ValueError, match=r"'nouts'\[0\] = 1{1}0{50} alone needs at least 2"):
        MLP.load(_write(tmp_path / "m.json", record))
    record["config"]["nouts"] = [1] * 100
    with pytest.raises(ValueError, match=r"config field 'nouts' lists 100 layers"):
        MLP.load(_write(tmp_path / "m.json", record))
    record["config"]["nouts"] = [int("9" * 4000), 1]  # beyond repr's digits: counted, not shown
    with pytest.raises(
        ValueError,
        match=r"declares about 10\^\d{4} parameters.*= an integer of about 4\d{3} digits alone",
    ):
        MLP.load(_write(tmp_path / "m.json", record))


def test_a_count_that_fits_no_field_alone_is_still_refused(tmp_path: Path) -> None:
    record = _tiny_record()
    record["config"]["nouts"] = [4, 1]  # 17 parameters, no field alone beyond 13
    with pytest.raises(
        ValueError, match=r"declares 17 parameters \(MLP\).*holds 13.*'nin', 'nouts'"
    ):
        MLP.load(_write(tmp_path / "m.json", record))


def test_names_are_checked_before_building_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _tiny_record()
    parameters = record["parameters"]
    parameters["layer9.neuron0.b"] = parameters.pop("layer1.neuron0.b")  # same count
    path = _write(tmp_path / "m.json", record)
    built: list[object] = []
    original = MLP.__init__

    def spy(self: MLP, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(MLP, "__init__", spy)
    monkeypatch.setattr("autograd_lite.nn.mlp._built_as", lambda cls, base: True)
    with pytest.raises(
        ValueError, match=r"1 missing \(layer1\.neuron0\.b\); 1 unexpected \(layer9"
    ):
        MLP.load(path)
    assert built == []  # refused from the names alone


@pytest.mark.parametrize(
    ("model", "field"),
    [(Layer(2, 3, seed=1), "nout"), (Neuron(4, seed=2), "nin")],
    ids=["Layer", "Neuron"],
)
def test_layers_and_neurons_are_checked_alike(model: Any, field: str, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model.save(path)
    assert type(model).load(path).state_dict() == model.state_dict()
    record = json.loads(path.read_text())
    record["config"][field] = 1_000_000
    with pytest.raises(ValueError, match=rf"config field '{field}' = 1000000 alone needs"):
        type(model).load(_write(path, record))


def test_a_failed_load_leaves_the_model_unchanged(tmp_path: Path) -> None:
    record = _tiny_record()
    record["config"] = dict(record["config"], nin=1_000_000)
    record["architecture"] = record["architecture"].replace("2 →", "1000000 →")
    record["parameters"] = dict.fromkeys(record["parameters"], 7.0)
    path = _write(tmp_path / "huge.json", record)
    model = MLP(2, [3, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"saved from MLP\(1000000 → 3 → 1"):
        model.load(path)
    assert model.state_dict() == before
    with pytest.raises(ValueError, match=r"'nin' = 1000000 alone"):
        MLP.load(path)
    assert model.state_dict() == before


def test_a_subclass_with_its_own_constructor_is_built_as_before(tmp_path: Path) -> None:
    class Wide(MLP):
        def __init__(self, width: int) -> None:
            super().__init__(2, [width, 1], seed=0)
            self.width = width

        def config(self) -> dict[str, Any]:
            return {"width": self.width}

    path = tmp_path / "wide.json"
    Wide(3).save(path)
    assert Wide.load(path).state_dict() == Wide(3).state_dict()
