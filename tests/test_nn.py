"""nn: structure, initialisation, forward passes, errors, saving and loading."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from autograd_lite import Value, topological_order
from autograd_lite.nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from autograd_lite.testing import check_grad


def test_mlp_structure_and_repr() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert repr(model) == (
        "MLP(2 → 16 → 16 → 1, relu, last layer linear: 337 parameters)\n"
        "  layer0: Layer(2 → 16, relu: 48 parameters)\n"
        "  layer1: Layer(16 → 16, relu: 272 parameters)\n"
        "  layer2: Layer(16 → 1, linear: 17 parameters)"
    )
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layer0.neuron0.w0",
        "layer0.neuron0.w1",
        "layer0.neuron0.b",
        "layer0.neuron1.w0",
    ]
    assert names[-1] == "layer2.neuron0.b"
    assert len(set(names)) == len(names)


def test_outputs_one_value_or_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 2
    # A layer always returns a list, also with one neuron, also as a hidden layer.
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), list)
    assert isinstance(MLP(2, [1, 1], seed=0)([1.0, 2.0]), Value)


def test_micrograd_style_code_works() -> None:
    # The example of Karpathy's lecture: tanh everywhere, squared error, hand-written updates.
    model = MLP(3, [4, 4, 1], activation="tanh", last_activation="tanh", seed=1)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    for _ in range(50):
        predictions = [model(x) for x in xs]
        loss = Value.sum([(p - y) ** 2 for p, y in zip(predictions, ys)])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    assert loss.data < 0.5
    assert [round(model(x).data) for x in xs] == [1, -1, -1, 1]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation(activation: str) -> None:
    neuron = Neuron(2, activation, seed=0)
    out = neuron([0.5, -0.25])
    expected_op = {"swish": "silu"}.get(activation, activation)
    assert out.op == expected_op
    total = sum(w.data * x for w, x in zip(neuron.w, [0.5, -0.25])) + neuron.b.data
    reference = getattr(Value(total), activation)().data if activation != "linear" else total
    assert out.data == pytest.approx(reference, rel=1e-15)


def test_last_layer_is_linear_unless_asked() -> None:
    assert MLP(2, [3, 1], seed=0).layers[-1].activation == "linear"
    model = MLP(2, [3, 1], activation="tanh", last_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid"]
    assert model([0.1, 0.2]).op == "sigmoid"


def test_seeded_initialisation_is_reproducible() -> None:
    a = MLP(2, [8, 1], seed=7).state_dict()
    b = MLP(2, [8, 1], seed=7).state_dict()
    c = MLP(2, [8, 1], seed=8).state_dict()
    assert a == b
    assert a != c
    shared = random.Random(3)
    first, second = Neuron(2, seed=shared), Neuron(2, seed=shared)
    assert first.state_dict() != second.state_dict()  # a shared generator moves on


@pytest.mark.parametrize(
    ("activation", "gain"),
    [("relu", 6.0), ("silu", 6.0), ("tanh", 3.0), ("sigmoid", 3.0), ("linear", 3.0)],
)
def test_initialisation_scheme(activation: str, gain: float) -> None:
    nin = 50
    weights = [w.data for w in Neuron(nin, activation, seed=0).w]
    bound = math.sqrt(gain / nin)
    assert max(map(abs, weights)) <= bound
    assert max(map(abs, weights)) > 0.8 * bound  # uniform over the whole range
    assert Neuron(nin, activation, seed=0).b.data == 0.0


def test_values_are_tagged_with_their_module() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    scopes = {node.scope for node in topological_order(out) if node.parents}
    assert scopes == {"layer0.neuron0", "layer0.neuron1", "layer1.neuron0"}
    assert model.layers[0].neurons[1].w[0].scope == "layer0.neuron1"
    assert model.layers[0].neurons[1].w[0].label == "w0"
    inputs = [node for node in topological_order(out) if node.label in ("x0", "x1")]
    assert [node.data for node in inputs] == [1.0, -1.0]
    assert all(node.scope == "" for node in inputs)


def test_neuron_gradients_agree_with_finite_differences() -> None:
    neuron = Neuron(3, "tanh", seed=0)

    def f(x0: Value, x1: Value, x2: Value, w0: Value, w1: Value, w2: Value, b: Value) -> Value:
        neuron.w, neuron.b = [w0, w1, w2], b
        return neuron([x0, x1, x2])

    point = [0.3, -0.2, 0.9] + [w.data for w in neuron.w] + [0.1]
    check_grad(f, point, order=2)


def test_zero_grad() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0]), ValueError, r"MLP\(2 → 3 → 1, relu, last layer linear\) expects 2 inputs, got 3"),
        (lambda: Layer(3, 2, seed=0)([1.0]), ValueError, r"Layer\(3 → 2, relu\) expects 3 inputs, got 1"),
        (lambda: Neuron(2, seed=0)(1.0), TypeError, r"takes a list of 2 inputs, got float"),
        (lambda: Neuron(2, seed=0)("ab"), TypeError, r"takes a list of 2 inputs, got str"),
        (lambda: Neuron(2, seed=0)(["a", 1.0]), TypeError, r"got str"),
        (lambda: Neuron(2, "gelu"), ValueError, r"unknown activation 'gelu'; choose one of"),
        (lambda: Neuron(0), ValueError, r"nin must be a positive int, got 0"),
        (lambda: Layer(2, 0), ValueError, r"nout must be a positive int, got 0"),
        (lambda: MLP(2, []), ValueError, r"nouts must be a non-empty list"),
        (lambda: MLP(2, 3), ValueError, r"nouts must be a non-empty list"),  # type: ignore[arg-type]
        (lambda: MLP(2, [3, 0]), ValueError, r"each layer size must be a positive int"),
        (lambda: MLP(2, [3], seed=1.5), TypeError, r"seed must be an int, a random.Random or None"),  # type: ignore[arg-type]
        (lambda: Module()([1.0]), NotImplementedError, r"Module does not define a forward pass"),
    ],
)  # fmt: skip
def test_errors_name_expected_and_received(call, error: type[Exception], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


# -- saving and loading -------------------------------------------------------------------------


def test_save_and_load_give_identical_predictions(tmp_path: Path) -> None:
    model = MLP(2, [5, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    record = json.loads(path.read_text())
    assert record["format"] == "autograd_lite.state_dict"
    assert record["architecture"] == "MLP(2 → 5 → 1, relu, last layer linear)"
    fresh = MLP(2, [5, 1], seed=99)
    fresh.load(path)
    for x in ([0.1, 0.2], [-1.0, 3.0], [2.5, -0.5]):
        assert fresh(x).data == model(x).data  # bit for bit: JSON keeps every float exactly


def test_loading_another_architecture_says_why_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    MLP(2, [3, 1], seed=0).save(path)
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(
        ValueError,
        match=r"saved from MLP\(2 → 3 → 1, relu, last layer linear\), but this model is MLP\(2 → 4 → 1",
    ):
        model.load(path)
    assert model.state_dict() == before


def test_load_state_dict_checks_names_and_values_before_changing_anything() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = dict(before)
    del state["layer0.neuron0.w0"]
    state["layer9.neuron0.w0"] = 1.0
    with pytest.raises(
        ValueError, match=r"1 missing \(layer0.neuron0.w0\); 1 unexpected \(layer9.neuron0.w0\)"
    ):
        model.load_state_dict(state)
    bad = dict(before, **{"layer1.neuron0.b": "0.5"})
    with pytest.raises(
        ValueError, match=r"parameter 'layer1.neuron0.b' must be a number, got '0.5'"
    ):
        model.load_state_dict(bad)
    with pytest.raises(ValueError, match=r"must be finite, got nan"):
        model.load_state_dict(dict(before, **{"layer1.neuron0.b": math.nan}))
    with pytest.raises(TypeError, match="must be a mapping"):
        model.load_state_dict([1.0])  # type: ignore[arg-type]
    assert model.state_dict() == before
    changed = dict(before, **{"layer1.neuron0.b": 0.25})
    model.load_state_dict(changed)
    assert model.layers[1].neurons[0].b.data == 0.25


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", r"not a JSON file"),
        ("[1, 2]", r"not an autograd_lite parameter file"),
        ('{"format": "autograd_lite.state_dict", "version": 2}', r"format version 2, this library reads 1"),
        ('{"format": "autograd_lite.state_dict", "version": 1, "architecture": "MLP(2 → 2 → 1, relu, last layer linear)", "parameters": 3}', r"'parameters' field is not a mapping"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_saved_files_are_json_not_pickle(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(1, [1], seed=0).save(path)
    assert path.read_bytes().startswith(b"{")


# -- a module of your own, micrograd's way: it overrides parameters() ---------------------------


class _MicrogradStyleNet(Module):
    """micrograd's way to write a model: parameters() lists them, nothing else is declared."""

    def __init__(self, sizes: tuple[int, ...] = (2, 4, 1), seed: int = 0) -> None:
        self.l1 = Layer(sizes[0], sizes[1], seed=seed)
        self.l2 = Layer(sizes[1], sizes[2], activation="linear", seed=seed + 1)

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return self.l2(self.l1(x))[0]

    def parameters(self) -> list[Value]:
        return self.l1.parameters() + self.l2.parameters()


def test_a_module_that_overrides_parameters_names_each_one() -> None:
    net = _MicrogradStyleNet()
    named = net.named_parameters()
    assert [p for _, p in named] == net.parameters()  # the same Values, in the same order
    assert [name for name, _ in named] == [f"p{i}" for i in range(17)]
    assert repr(net) == "_MicrogradStyleNet(17 parameters)"
    assert list(net.state_dict()) == [f"p{i}" for i in range(17)]


def test_an_override_that_adds_to_super_keeps_the_declared_names() -> None:
    class WithScale(MLP):
        def __init__(self) -> None:
            super().__init__(2, [3, 1], seed=0)
            self.scale = Value(1.0, label="scale")

        def parameters(self) -> list[Value]:
            return [*super().parameters(), self.scale]  # no endless recursion

    model = WithScale()
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 14 and len(set(names)) == 14
    assert names[0] == "layer0.neuron0.w0" and names[-1] == "p13"
    assert model.named_parameters()[-1][1] is model.scale


def test_a_micrograd_style_module_saves_and_loads_its_parameters(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    saved = _MicrogradStyleNet(seed=0)
    saved.save(path)
    record = json.loads(path.read_text())
    assert len(record["parameters"]) == 17  # was {}: nothing saved
    fresh = _MicrogradStyleNet(seed=5)
    assert fresh.state_dict() != saved.state_dict()
    assert fresh.load(path) is fresh
    assert fresh.state_dict() == saved.state_dict()


def test_parameters_that_are_not_values_are_refused_by_name() -> None:
    class Broken(Module):
        def parameters(self) -> list[Value]:
            return [Value(1.0), 2.0]  # type: ignore[list-item]

    with pytest.raises(
        TypeError, match=r"Broken\.parameters\(\) must return Values, got float 2\.0 at index 1"
    ):
        Broken().named_parameters()


# -- micrograd's nonlin -------------------------------------------------------------------------


def test_nonlin_is_micrograds_spelling_of_relu_or_linear() -> None:
    assert Neuron(3, nonlin=True, seed=0).activation == "relu"
    assert Neuron(3, nonlin=False, seed=0).activation == "linear"
    assert Neuron(3, False, seed=0).activation == "linear"  # micrograd's Neuron(nin, nonlin)
    assert Neuron(3, seed=0).activation == "relu"  # the default is unchanged
    layer = Layer(2, 3, nonlin=False, seed=0)
    assert layer.activation == "linear" and not layer.nonlin
    assert all(n.activation == "linear" and not n.nonlin for n in layer.neurons)
    assert Neuron(2, "tanh", seed=0).nonlin and not Neuron(2, "linear", seed=0).nonlin
    # Both given, agreeing, is fine; the same seed gives the same weights either way.
    assert (
        Neuron(2, "tanh", nonlin=True, seed=3).state_dict()
        == Neuron(2, "tanh", seed=3).state_dict()
    )
    assert Layer(2, 2, "linear", nonlin=False, seed=0).activation == "linear"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Neuron(2, "tanh", nonlin=False), ValueError, r"nonlin=False contradicts activation='tanh'"),
        (lambda: Layer(2, 2, "linear", nonlin=True), ValueError, r"nonlin=True contradicts activation='linear'"),
        (lambda: Neuron(2, True, nonlin=True), TypeError, r"nonlin given twice"),
        (lambda: Neuron(2, nonlin=1), TypeError, r"nonlin must be True or False, got int 1"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_nonlin_and_activation_that_disagree_are_refused(
    call, error: type[Exception], message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


def test_nonlin_is_read_only() -> None:
    neuron = Neuron(2, seed=0)
    with pytest.raises(AttributeError):
        neuron.nonlin = False  # type: ignore[misc]
    assert neuron.activation == "relu"


def test_micrograds_nn_module_runs_unchanged() -> None:
    # micrograd 0.1.0's nn.py usage: Neuron(nin, nonlin=...), Layer(nin, nout, **kwargs) and the
    # attribute its __repr__ reads.
    random.seed(0)
    n = Neuron(2, nonlin=False)
    assert f"{'ReLU' if n.nonlin else 'Linear'}Neuron({len(n.w)})" == "LinearNeuron(2)"
    layer = Layer(2, 3, nonlin=True)
    assert [f"{'ReLU' if m.nonlin else 'Linear'}Neuron({len(m.w)})" for m in layer.neurons] == [
        "ReLUNeuron(2)"
    ] * 3
    model = MLP(2, [16, 16, 1])
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]


# -- sizes: any integer, the wrong type a TypeError ----------------------------------------------


def test_numpy_integers_are_sizes() -> None:
    np = pytest.importorskip("numpy")
    model = MLP(np.int64(2), [np.int32(4), np.int64(1)], seed=0)
    assert model.architecture == "MLP(2 → 4 → 1, relu, last layer linear)"
    assert type(model.nin) is int and model.config()["nouts"] == [4, 1]
    assert json.dumps(model.config())  # plain ints: a NumPy int would not serialise
    assert Layer(np.int64(3), np.int64(2), seed=0).nout == 2
    assert Neuron(np.uint8(3), seed=0).nin == 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Neuron(2.0), TypeError, r"nin must be a positive int, got float 2\.0"),
        (lambda: Neuron(True), TypeError, r"nin must be a positive int, got bool True"),
        (lambda: Layer(2, "3"), TypeError, r"nout must be a positive int, got str '3'"),
        (lambda: Neuron(-1), ValueError, r"nin must be a positive int, got -1"),
    ],
)  # fmt: skip
def test_sizes_of_the_wrong_type_are_type_errors(
    call, error: type[Exception], message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


# -- load on an instance returns the model ------------------------------------------------------


def test_model_equals_model_load_keeps_the_model(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    model = MLP(2, [3, 1], seed=1)
    model = model.load(path)  # was None
    assert isinstance(model, MLP)
    assert model.state_dict() == MLP(2, [3, 1], seed=0).state_dict()
