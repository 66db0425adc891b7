"""Drawing an MLP as courses do: circles per column, one edge per weight, colours by sign, biases,
captions, activations on a sample, collapsed wide layers, gradients, errors, renders and
determinism. The DOT text is checked exactly; the renders only for being real PNG and SVG."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.losses import mse
from autograd_lite.nn import MLP, Layer
from autograd_lite.viz import Drawing, draw_network, render
from autograd_lite.viz.style import gradient_colour

NODE = re.compile(r"^\s*(L(\d+)_(\w+)) \[(.*)\]$")
EDGE = re.compile(r"^\s*(L\d+_\w+) -> (L\d+_\w+) \[(.*)\]$")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def circles(source: str, column: int) -> dict[str, str]:
    """The circles of one column, id → attributes, in the order of the DOT text."""
    found = {}
    for line in source.splitlines():
        m = NODE.match(line)
        if m and "->" not in line and int(m.group(2)) == column:
            found[m.group(1)] = m.group(4)
    return found


def edges(source: str) -> dict[tuple[str, str], str]:
    """The visible edges, (tail, head) → attributes (invisible ones only keep the order)."""
    found = {}
    for line in source.splitlines():
        m = EDGE.match(line)
        if m and "style=invis" not in m.group(3):
            assert (m.group(1), m.group(2)) not in found, f"two edges {m.group(1)} -> {m.group(2)}"
            found[(m.group(1), m.group(2))] = m.group(3)
    return found


def attr(attrs: str, name: str) -> str:
    m = re.search(rf'\b{name}="?([^" ]*)"?', attrs)
    assert m, f"no {name} in {attrs}"
    return m.group(1)


def caption(source: str, column: int) -> str:
    m = re.search(rf"caption{column} \[label=<(.*?)> ", source)
    assert m
    return m.group(1)


def legend(source: str) -> str:
    m = re.search(r"^\tlabel=<(.*)>$", source, re.MULTILINE)
    assert m, "no legend"
    return m.group(1)


def bold(attrs: str) -> str:
    m = re.search(r"<b>(.*?)</b>", attrs)
    assert m
    return m.group(1)


def short(x: float) -> str:
    return f"{x:.2f}".replace("-", "−")


# -- structure --------------------------------------------------------------------------------


def test_a_drawing_with_one_circle_per_neuron_per_column() -> None:
    model = MLP(3, [4, 5, 2], seed=0)
    graph = draw_network(model)
    assert isinstance(graph, Drawing)
    source = graph.source
    assert source.startswith("digraph network {")
    assert "rankdir=LR" in source
    assert list(circles(source, 0)) == ["L0_0", "L0_1", "L0_2"]
    assert list(circles(source, 1)) == [f"L1_{j}" for j in range(4)]
    assert list(circles(source, 2)) == [f"L2_{j}" for j in range(5)]
    assert list(circles(source, 3)) == ["L3_0", "L3_1"]
    assert not circles(source, 4)


def test_one_edge_per_weight_with_its_value() -> None:
    model = MLP(3, [4, 2], seed=1)
    found = edges(draw_network(model).source)
    expected = {
        (f"L{k}_{s}", f"L{k + 1}_{t}")
        for k, layer in enumerate(model.layers)
        for t in range(layer.nout)
        for s in range(layer.nin)
    }
    assert set(found) == expected
    assert len(found) == 3 * 4 + 4 * 2
    for k, layer in enumerate(model.layers):
        for t, neuron in enumerate(layer.neurons):
            for s, w in enumerate(neuron.w):
                attrs = found[(f"L{k}_{s}", f"L{k + 1}_{t}")]
                assert f'tooltip="layer{k}.neuron{t}.w{s} = {w.data!r}, grad = 0.0"' in attrs


def test_circles_are_kept_in_order_top_to_bottom() -> None:
    source = draw_network(MLP(2, [3, 1], seed=0)).source
    chain = re.findall(r"(\w+) -> (\w+) \[style=invis\]", source)
    assert ("caption1", "L1_0") in chain
    assert ("L1_0", "L1_1") in chain
    assert ("L1_1", "L1_2") in chain
    assert re.search(r"caption0 -> caption1 \[style=invis weight=50\]", source)


def test_edge_colour_and_width_follow_the_sign_and_size_of_the_weight() -> None:
    model = MLP(2, [2, 1], seed=0)
    first = model.layers[0].neurons[0]
    first.w[0].data = 2.0  # the largest |w|: full red, widest
    first.w[1].data = -1.0  # half as large, blue
    model.layers[0].neurons[1].w[0].data = 0.0  # exactly 0: light grey
    model.layers[0].neurons[1].w[1].data = 0.1
    model.layers[1].neurons[0].w[0].data = -0.2
    model.layers[1].neurons[0].w[1].data = 0.5
    found = edges(draw_network(model).source)
    positive, negative = found[("L0_0", "L1_0")], found[("L0_1", "L1_0")]
    assert attr(positive, "color") == gradient_colour(2.0, 2.0) == "#d33b3f"
    assert attr(negative, "color") == gradient_colour(-1.0, 2.0)
    red, _, blue = (int(attr(positive, "color")[i : i + 2], 16) for i in (1, 3, 5))
    assert red > blue
    red, _, blue = (int(attr(negative, "color")[i : i + 2], 16) for i in (1, 3, 5))
    assert blue > red
    assert float(attr(positive, "penwidth")) > float(attr(negative, "penwidth"))
    assert attr(found[("L0_0", "L1_1")], "color") == "#e4e4e4"
    # A small weight is drawn at the faintest colour, never white (invisible).
    assert attr(found[("L0_1", "L1_1")], "color") == gradient_colour(0.15 * 2.0, 2.0)
    key = legend(draw_network(model).source)
    assert "−2.00" in key
    assert "+2.00" in key
    assert "edge colour: the weight w, red &gt; 0, blue &lt; 0" in key
    assert "light grey edges: exactly 0" in key


def test_the_strongest_edges_are_drawn_last() -> None:
    model = MLP(2, [3, 1], seed=0)
    source = draw_network(model).source
    tooltips = re.findall(r'tooltip="layer0\.neuron\d\.w\d = ([^,]+),', source)
    sizes = [abs(float(t)) for t in tooltips]
    assert sizes == sorted(sizes)


def test_captions_name_each_column_its_size_and_activation() -> None:
    model = MLP(3, [8, 8, 2], activation="tanh", last_activation="sigmoid", seed=0)
    source = draw_network(model).source
    assert caption(source, 0) == "<b>inputs</b><br/>3 inputs"
    assert caption(source, 1) == "<b>hidden 1</b><br/>8 neurons<br/>tanh"
    assert caption(source, 2) == "<b>hidden 2</b><br/>8 neurons<br/>tanh"
    assert caption(source, 3) == "<b>output</b><br/>2 neurons<br/>sigmoid"
    assert caption(draw_network(MLP(2, [1], seed=0)).source, 1) == (
        "<b>output</b><br/>1 neuron<br/>linear"
    )


def test_each_neuron_shows_its_bias() -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].b.data = 0.25
    model.layers[0].neurons[1].b.data = -1.5
    source = draw_network(model).source
    hidden = circles(source, 1)
    assert "label=<b 0.25>" in hidden["L1_0"]
    assert "label=<b −1.50>" in hidden["L1_1"]
    assert "label=<b 0>" in circles(source, 2)["L2_0"]
    assert "label=<x1>" in circles(source, 0)["L0_1"]
    assert "in each neuron: b, its bias" in legend(source)


def test_a_sample_shows_every_output_of_the_models_own_forward_pass() -> None:
    model = MLP(3, [5, 4, 2], activation="tanh", seed=3)
    for p in model.parameters():  # biases other than 0, so they matter
        if p.label == "b":
            p.data = 0.1
    sample = [0.5, -1.0, 2.0]
    source = draw_network(model, sample=sample).source
    hidden1 = [v.data for v in model.layers[0](sample)]
    hidden2 = [v.data for v in model.layers[1](hidden1)]
    outputs = [v.data for v in model(sample)]
    for column, expected in enumerate([sample, hidden1, hidden2, outputs]):
        drawn = circles(source, column)
        assert len(drawn) == len(expected)
        for j, x in enumerate(expected):
            attrs = drawn[f"L{column}_{j}"]
            assert bold(attrs) == short(x)
            if column:
                assert f"output on the sample = {x!r}" in attrs  # exactly, in the tooltip
    assert "its output on the sample (bold) and b, its bias" in legend(source)


def test_a_sample_records_no_graph_and_leaves_the_model_alone() -> None:
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    draw_network(model, sample=[1.0, 2.0])
    assert model.state_dict() == before
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_relu_that_is_off_is_a_dashed_circle() -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = -1.0
    model.layers[0].neurons[0].w[1].data = -1.0
    model.layers[0].neurons[1].w[0].data = 1.0
    source = draw_network(model, sample=[1.0, 1.0]).source
    hidden = circles(source, 1)
    assert 'style="filled,dashed"' in hidden["L1_0"]
    assert bold(hidden["L1_0"]) == "0"
    assert "dashed" not in hidden["L1_1"]
    assert "a ReLU that is off" in legend(source)
    assert "a ReLU that is off" not in legend(draw_network(model).source)


# -- wide layers ------------------------------------------------------------------------------


def test_a_wide_layer_is_collapsed_into_its_first_and_last_neurons_and_n_more() -> None:
    model = MLP(2, [40, 1], seed=0)
    source = draw_network(model).source
    hidden = circles(source, 1)
    assert list(hidden) == [f"L1_{j}" for j in range(8)] + ["L1_more"] + [
        f"L1_{j}" for j in range(33, 40)
    ]
    assert len(hidden) == 16  # max_neurons circles, "… 25 more" included
    assert "25 more" in hidden["L1_more"]
    assert 'tooltip="25 neurons not drawn"' in hidden["L1_more"]
    assert caption(source, 1) == "<b>hidden 1</b><br/>40 neurons, 15 drawn<br/>relu"
    found = edges(source)
    merged = {pair: a for pair, a in found.items() if "L1_more" in pair}
    weights = {pair: a for pair, a in found.items() if "L1_more" not in pair}
    assert len(weights) == 2 * 15 + 15 * 1  # one per weight between drawn circles
    assert set(merged) == {("L0_0", "L1_more"), ("L0_1", "L1_more"), ("L1_more", "L2_0")}
    for attrs in merged.values():
        assert "style=dashed" in attrs
        assert 'tooltip="25 weights of neurons not drawn' in attrs
    assert "grey dashed edges" in legend(source)


def test_wide_inputs_and_wide_hidden_layers_both_collapse() -> None:
    model = MLP(64, [40, 1], seed=0)
    source = draw_network(model, sample=[0.01 * i for i in range(64)]).source
    inputs = circles(source, 0)
    assert len(inputs) == 16
    assert "49 more" in inputs["L0_more"]
    assert caption(source, 0) == "<b>inputs</b><br/>64 inputs, 15 drawn"
    found = edges(source)
    assert len(found) == (15 * 15 + 15 + 15 + 1) + (15 + 1)
    # The merged edge between the two "… more" circles stands for 49 · 25 weights.
    assert "1225 weights of neurons not drawn" in found[("L0_more", "L1_more")]
    assert bold(inputs["L0_63"]) == "0.63"


@pytest.mark.parametrize(("max_neurons", "head", "tail"), [(2, 1, 0), (3, 1, 1), (5, 2, 2)])
def test_max_neurons_counts_the_more_circle(max_neurons: int, head: int, tail: int) -> None:
    source = draw_network(MLP(2, [10, 1], seed=0), max_neurons=max_neurons).source
    hidden = list(circles(source, 1))
    assert len(hidden) == max_neurons
    assert hidden == [f"L1_{j}" for j in range(head)] + ["L1_more"] + [
        f"L1_{j}" for j in range(10 - tail, 10)
    ]
    assert f"{10 - head - tail} more" in source
    assert len(circles(draw_network(MLP(2, [10, 1], seed=0), max_neurons=10).source, 1)) == 10


# -- gradients --------------------------------------------------------------------------------


def test_gradients_are_refused_before_backward() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"every weight's gradient is 0; call backward\(\) first"):
        draw_network(model, show="gradients")
    model([1.0, 2.0]).backward()
    draw_network(model, show="gradients")
    model.zero_grad()
    with pytest.raises(ValueError, match=r"call backward\(\) first"):
        draw_network(model, show="gradients")


def test_gradients_colour_the_edges_by_each_weights_gradient() -> None:
    model = MLP(2, [3, 1], seed=0)
    loss = mse([model([1.0, -2.0])], [1.0])
    loss.backward()
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    largest = max(abs(w.grad) for w in weights)
    source = draw_network(model, show="gradients").source
    found = edges(source)
    for k, layer in enumerate(model.layers):
        for t, neuron in enumerate(layer.neurons):
            for s, w in enumerate(neuron.w):
                attrs = found[(f"L{k}_{s}", f"L{k + 1}_{t}")]
                if w.grad == 0:
                    assert attr(attrs, "color") == "#e4e4e4"
                elif abs(w.grad) >= 0.15 * largest:
                    assert attr(attrs, "color") == gradient_colour(w.grad, largest)
    output = model.layers[1].neurons[0]
    assert f"∂b {short(output.b.grad)}" in circles(source, 2)["L2_0"]
    key = legend(source)
    assert "the gradient ∂L/∂w from the last backward()" in key
    assert "w ← w − lr·∂L/∂w" in key
    assert "∂L/∂b, its bias's gradient" in key


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "kwargs", "error", "message"),
    [
        (Layer(2, 3, seed=0), {}, TypeError, r"draw_network needs an MLP .* got Layer"),
        (Value(1.0), {}, TypeError, r"needs an MLP .* got Value"),
        (None, {}, TypeError, r"needs an MLP .* got NoneType"),
        (MLP(2, [3, 1], seed=0), {"sample": [1.0, 2.0, 3.0]}, ValueError,
         r"sample has 3 numbers but the model has 2 inputs \(MLP\(2 → 3 → 1"),
        (MLP(2, [3, 1], seed=0), {"sample": []}, ValueError, r"sample has 0 numbers .* 2 inputs"),
        (MLP(2, [3, 1], seed=0), {"sample": "ab"}, TypeError,
         r"sample must be a list of 2 numbers \(one per input\), got str"),
        (MLP(2, [3, 1], seed=0), {"sample": 1.0}, TypeError, r"list of 2 numbers .* got float"),
        (MLP(2, [3, 1], seed=0), {"sample": [1.0, "a"]}, TypeError,
         r"sample\[1\] must be a number, got str 'a'"),
        (MLP(2, [3, 1], seed=0), {"sample": [True, 1.0]}, TypeError, r"sample\[0\] must be a number, got bool"),
        (MLP(2, [3, 1], seed=0), {"sample": [1.0, float("nan")]}, ValueError,
         r"sample\[1\] must be finite, got nan"),
        (MLP(2, [3, 1], seed=0), {"show": "grads"}, ValueError,
         r"show must be 'weights' or 'gradients', got 'grads'"),
        (MLP(2, [3, 1], seed=0), {"max_neurons": 1}, ValueError, r"max_neurons must be an int ≥ 2, got 1"),
        (MLP(2, [3, 1], seed=0), {"max_neurons": 4.0}, TypeError, r"max_neurons must be an int ≥ 2, got float 4.0"),
        (MLP(2, [3, 1], seed=0), {"max_neurons": True}, TypeError, r"max_neurons .* got bool True"),
        (MLP(2, [3, 1], seed=0), {"legend": "yes"}, TypeError, r"legend must be True or False, got str"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_with_what_was_expected(
    model: object, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        draw_network(model, **kwargs)  # type: ignore[arg-type]


# -- legend, renders, determinism -------------------------------------------------------------


def test_the_legend_names_the_model_and_the_scale_and_can_be_left_out() -> None:
    model = MLP(2, [4, 1], seed=0)
    largest = max(abs(p.data) for p in model.parameters())
    source = draw_network(model).source
    key = legend(source)
    assert "<b>MLP(2 → 4 → 1, relu, last layer linear)</b> · 17 parameters" in key
    assert f"+{short(largest)}" in key
    assert "\tlabel=" not in draw_network(model, legend=False).source


@needs_dot
def test_renders_to_png_and_svg(tmp_path: Path) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    png = render(draw_network(model, sample=[0.5, -0.2]), tmp_path / "net.png", dpi=96)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = render(draw_network(MLP(64, [40, 1], seed=0)), tmp_path / "net.svg")
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text
    assert "49 more" in text
    assert "25 more" in text
    assert text.count('class="node"') == 16 + 16 + 1 + 3  # circles and three captions


@needs_dot
def test_a_network_of_sixteen_fits_a_notebooks_width(tmp_path: Path) -> None:
    """About 900 pixels wide at 96 dpi, whatever the depth."""
    for nouts in ([16, 16, 1], [8, 8, 8, 8, 1]):
        svg = render(draw_network(MLP(2, nouts, seed=0)), tmp_path / "net.svg")
        width = re.search(r'<svg width="(\d+)pt"', svg.read_text(encoding="utf-8"))
        assert width
        assert 500 < int(width.group(1)) * 96 / 72 < 1000


def test_the_same_text_on_every_run_and_in_every_process() -> None:
    model = MLP(3, [40, 5, 2], seed=7)
    source = draw_network(model, sample=[1.0, 2.0, 3.0]).source
    assert source == draw_network(model, sample=[1.0, 2.0, 3.0]).source
    code = (
        "from autograd_lite.nn import MLP; from autograd_lite.viz import draw_network; "
        "print(draw_network(MLP(3, [40, 5, 2], seed=7), sample=[1.0, 2.0, 3.0]).source, end='')"
    )
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout == source


def test_a_small_gradient_never_reads_as_zero() -> None:
    model = MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.0
    model.layers[0].neurons[0].w[0].grad = 0.02
    model.layers[0].neurons[0].b.grad = -0.00031
    source = draw_network(model, show="gradients").source
    labels = " ".join(re.findall(r"label=<(.*?)>\s", source))
    assert "−3e−4" in labels
    assert "0.00" not in labels
