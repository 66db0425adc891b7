"""A learner's first tries and likely mistakes work, or explain themselves (issue 13, items 3 and 4)."""

from __future__ import annotations

import builtins
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.cli import main
from autograd_lite.expr import FUNCTIONS
from autograd_lite.nn import MLP, Layer, Neuron
from autograd_lite.viz import draw_graph

# -- a Value as a number ---------------------------------------------------------------------


def test_format_item_and_str() -> None:
    v = Value(2.0 / 3.0, label="v")
    assert f"{v:.2f}" == "0.67"
    assert format(v, "8.3e") == "6.667e-01"
    assert f"{v}" == repr(v)
    assert v.item() == 2.0 / 3.0 and type(v.item()) is float


@pytest.mark.parametrize(
    ("a", "b"), [(1.0, 2.0), (2.0, 1.0), (1.5, 1.5), (-0.0, 0.0), (-1e308, 1e308)]
)
def test_ordering_compares_the_numbers(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    for left, right in ((x, y), (x, b), (a, y)):
        assert (left < right) == (a < b)
        assert (left <= right) == (a <= b)
        assert (left > right) == (a > b)
        assert (left >= right) == (a >= b)


def test_max_sorted_and_if_work_and_record_nothing() -> None:
    a, b, c = Value(3.0), Value(-1.0), Value(2.0)
    assert max(a, b, c) is a and min(a, b, c) is b
    assert sorted([a, b, c]) == [b, c, a]
    picked = a if a > c else c
    assert picked is a
    assert a.parents == () and b.parents == ()  # no node was made
    # The gradient flows only through the Value picked.
    out = max(a, c) * 2
    out.backward()
    assert (a.grad, c.grad) == (2.0, 0.0)


def test_equality_stays_identity_and_values_stay_hashable() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert {a: "x"}[a] == "x"


@pytest.mark.parametrize("other", ["1", None, 1j, [1.0]])
def test_ordering_with_a_non_number_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        _ = Value(1.0) < other  # type: ignore[operator]


@pytest.mark.parametrize("call", [float, math.exp, math.log, math.sqrt, int])
def test_float_and_math_refuse_and_say_what_to_write(call: Any) -> None:
    with pytest.raises(TypeError, match=r"out of the graph.*v\.data|int\(v\.data\)"):
        call(Value(2.0))


@pytest.mark.parametrize("bad", ["0.5", None, 1j, float("nan"), float("inf"), True, [1.0]])
def test_assigning_a_non_number_to_data_is_refused_at_once(bad: object) -> None:
    w = Value(1.0, label="w")
    with pytest.raises((TypeError, ValueError), match="w"):
        w.data = bad  # type: ignore[assignment]
    assert w.data == 1.0  # unchanged


def test_data_assignment_accepts_numbers_as_floats() -> None:
    import numpy as np

    w = Value(1.0)
    for number in (2, 2.5, np.float32(0.5), np.int64(3)):
        w.data = number  # type: ignore[assignment]
        assert type(w.data) is float and w.data == float(number)
    w.data -= 0.25
    assert w.data == 2.75


# -- MLP.load on the class -------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        MLP(3, [4, 2], activation="tanh", last_activation="sigmoid", seed=0),
        Layer(2, 3, "silu", seed=1),
        Neuron(4, "leaky_relu", seed=2),
    ],
    ids=["MLP", "Layer", "Neuron"],
)
def test_load_on_the_class_builds_the_saved_model(model: Any, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model.save(path)
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    assert loaded.architecture == model.architecture
    assert loaded.state_dict() == model.state_dict()
    # The instance form reads into an existing model and returns it.
    again = type(loaded)(**loaded.config())
    assert again.load(path) is again  # returns the model, so `model = model.load(path)` works
    assert again.state_dict() == model.state_dict()


def test_load_on_the_wrong_class_or_an_old_file_says_how(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    with pytest.raises(ValueError, match=r"saved from MLP\(2 → 3 → 1.*not a Neuron"):
        Neuron.load(path)
    old = path.read_text().replace('"config"', '"not_config"')
    path.write_text(old)
    with pytest.raises(ValueError, match=r"does not record how to build.*model = MLP\(\.\.\.\)"):
        MLP.load(path)
    path.write_text("not json")
    with pytest.raises(ValueError, match=r"model\.json: not a JSON file"):
        MLP.load(path)
    with pytest.raises(FileNotFoundError):
        MLP.load(tmp_path / "missing.json")


# -- the command line --------------------------------------------------------------------------


def test_demo_checks_for_matplotlib_before_training(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)

    def no_training(*_: Any, **__: Any) -> None:
        raise AssertionError("trained before checking for matplotlib")

    monkeypatch.setattr("autograd_lite.train.train", no_training)
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--steps", "3", "--out", str(tmp_path), "--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "autograd-lite[plot]" in err
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("command", ["demo", "graph", "check-engine", "chain-rule"])
def test_every_subcommand_is_described(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    text = " ".join(out.split())
    # A description after the usage paragraph (argparse prints none unless one is given).
    description = out.split("\n\n")[1]
    assert not description.startswith(("options:", "positional arguments:"))
    assert len(description) > 40
    if command == "chain-rule":
        assert "f(x) = (x² + 1)³" in text
    if command == "demo":
        assert "MLP(2, [16, 16, 1])" in text and "matplotlib" in text


def test_main_help_names_the_chain_rule_function(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "(x² + 1)³" in capsys.readouterr().out


def test_graph_help_lists_every_function(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in FUNCTIONS:
        assert f" {name}" in text, name


def test_the_commands_outputs_are_ignored_by_git() -> None:
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().split()
    assert "/out/" in ignored and ".hypothesis/" in ignored
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    # Every folder the README tells a reader to write into is one git ignores.
    for folder in ("--out out/",):
        assert folder in readme
    assert "--out pictures" not in readme


# -- found by a user review: what a Value refuses, and says why ------------------------------


def test_the_data_of_an_op_result_cannot_be_changed() -> None:
    c = Value(0.5)
    d = c.tanh()
    with pytest.raises(ValueError, match="cannot change the data of the output of tanh"):
        d.data = 5.0
    d.backward()
    assert c.grad == pytest.approx(1 - math.tanh(0.5) ** 2)  # the rule read the true tanh


@pytest.mark.parametrize("bad", [None, "0", [0.0], True])
def test_grad_must_be_a_number(bad: object) -> None:
    w = Value(1.0, label="w")
    with pytest.raises(TypeError, match="grad"):
        w.grad = bad  # type: ignore[assignment]
    assert w.grad == 0.0
    (w * 2).backward()  # and backward still works
    assert w.grad == 2.0


def test_micrograd_only_spellings_explain_themselves() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match=r"^micrograd's Value\(data, _children, _op\)"):
        Value(2.0, _children=(a,), _op="+")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^micrograd's Value"):
        Value(2.0, (a,), "+")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"keyword arguments \['lable'\]"):
        Value(2.0, lable="x")  # type: ignore[call-arg]
    with pytest.raises(AttributeError, match=r"no _backward closure.*out\.backward\(\)"):
        (a * 2)._backward()


def test_comparisons_with_numpy_scalars_give_a_bool() -> None:
    import numpy as np

    assert (Value(2.0) < np.float64(3.0)) is True
    assert (np.float32(1.0) < Value(2.0)) is True


def test_a_drawing_uses_the_rule_that_made_the_node_after_unregister() -> None:
    from autograd_lite import Rule
    from autograd_lite.ops import register, unregister

    cube = register(
        Rule("cube", "cube", ("x",), lambda x: x**3, lambda m, out, x: (3 * x**2,), "x³", "3·x²")
    )
    try:
        x = Value(2.0, label="x")
        y = cube(x) + x
        y.backward()
    finally:
        unregister("cube")
    source = draw_graph(y, edge_derivatives=True).source
    assert "3·x²" in source  # its derivative, read from the node's own rule


def test_functions_that_take_numbers_say_so_for_a_value() -> None:
    from autograd_lite import compile

    with pytest.raises(TypeError, match=r"plain number: give v\.data"):
        compile(lambda x: x * 2, [Value(3.0)])
