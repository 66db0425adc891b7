"""Drawing graphs: boxes that name what they hold, derivative rows with their own edges, the
legend, layout direction, fan-out, collapsing, escaping, the size limit, the missing-binary path,
the backward pass frame by frame, and real renders."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import DomainError, Value
from autograd_lite.datasets import make_moons
from autograd_lite.expr import parse_expression
from autograd_lite.losses import hinge
from autograd_lite.nn import MLP, Layer, Linear, Neuron, Parameter
from autograd_lite.viz import (
    INSTALL_HELP,
    GraphTooLargeError,
    GraphvizNotFoundError,
    backward_frames,
    backward_steps,
    draw_graph,
    render,
    save_frames,
)
from autograd_lite.viz import frames as frames_module
from autograd_lite.viz.graph import Scene, choose_rankdir
from autograd_lite.viz.style import ROLE_COLOURS, clean_text, node_names


def _chain() -> Value:
    """f = (x² + 1)³ at x = 2: x² = 4, u = 5, f = 125; ∂f/∂u = 75, ∂f/∂x = 300."""
    x = Value(2.0, label="x")
    f = (x**2 + 1) ** 3
    f.label = "f"
    f.backward()
    return f


def _small() -> Value:
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = a * b + a
    c.label = "c"
    c.backward()
    return c


def _node_line(source: str, name: str) -> str:
    match = re.search(rf"^\s*{name} \[.*$", source, re.MULTILINE)
    assert match is not None, f"no node {name}"
    return match.group()


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


# -- what a box says -----------------------------------------------------------------------------


def test_every_box_names_what_it_holds() -> None:
    source = draw_graph(_chain()).source
    x, square, constant, u, f = (_node_line(source, f"n{k}") for k in range(5))
    assert "<b>x</b>" in x
    assert "<b>x²</b>" in square and "data 4" in square and "grad 75" in square
    assert "<b>constant</b>" in constant
    assert "<b>x² + 1</b>" in u
    assert "<b>f</b>" in f
    assert "data 125" in f and "grad 1" in f


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda x, y: (x**2 + 1) ** 3, "(x² + 1)³"),
        (lambda x, y: x - (y + 1), "x − (y + 1)"),
        (lambda x, y: (x - y) - 1, "x − y − 1"),
        (lambda x, y: x / (y * 2), "x / (y·2)"),
        (lambda x, y: (x * y).tanh() + x.exp(), "tanh(x·y) + exp(x)"),
        (lambda x, y: -(x**0.5) + abs(y).sqrt(), "−x^0.5 + √|y|"),
        (lambda x, y: x * -3.0, "x·(−3)"),
        (lambda x, y: Value.linear([x], [y], Value(0.5, label="b")).relu(), "relu(x·y + b)"),
        (lambda x, y: Value.sum([x, y, x, y, x]), "x + y + … + x"),
    ],
)
def test_names_read_as_a_person_writes(build, expected) -> None:  # type: ignore[no-untyped-def]
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    out = build(x, y)
    assert node_names([*Scene(out).order])[-1] == expected


def test_long_names_are_shortened_with_an_ellipsis_and_labels_win() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(6):
        y = (y * 2).tanh()
    names = node_names(Scene(y).order)
    assert all(len(name) <= 24 for name in names)
    assert names[-1] == "tanh(…·2)"
    y.label = "y"
    assert node_names(Scene(y).order)[-1] == "y"


def test_unlabelled_output_is_called_out_and_the_legend_says_what_grad_is() -> None:
    x = Value(2.0, label="x")
    f = x * x + 1
    f.backward()
    source = draw_graph(f).source
    assert "<b>out = x·x + 1</b>" in _node_line(source, "n3")
    assert "grad = ∂out/∂(box)" in source
    assert "grad = ∂f/∂(box)" in draw_graph(_chain()).source


def test_a_box_drawn_after_backward_from_elsewhere_does_not_claim_grad_of_itself() -> None:
    x = Value(2.0, label="x")
    u = x * x
    f = u * 3
    f.backward()
    source = draw_graph(u).source  # grads are ∂f/∂(box), and u's own is 3
    assert "grad = ∂out/∂(box)" not in source
    assert "not of out, whose own grad is 3, not 1" in source
    assert "not computed" not in source


def test_before_backward_gradients_are_question_marks_and_the_legend_says_why() -> None:
    x = Value(2.0, label="x")
    y = x * x
    source = draw_graph(y, legend=False).source
    assert "grad ?" in source
    assert "gradients not computed yet: call backward() on the output" in source
    y.backward()
    source = draw_graph(y).source
    assert "grad ?" not in source and "not computed" not in source
    assert "grad 4" in source


# -- local derivatives: one row per operand, where its edge comes in ----------------------------------


def test_no_decorate_and_each_edge_ends_at_its_own_row() -> None:
    source = draw_graph(_chain(), edge_derivatives=True, contributions=True, rankdir="LR").source
    assert "decorate" not in source
    # x → x²: row p0 of box n1 says ∂/∂x = 4 and × 75 = 300.
    assert re.search(r"n0 -> n1:p0:w \[id=e1_0", source)
    square = _node_line(source, "n1")
    assert '<td port="p0"' in square and "∂/∂x = 4" in square and "× 75 = 300" in square
    # Fan-in: u = x² + 1 has two rows, and each edge lands on its own.
    u = _node_line(source, "n3")
    assert "∂/∂x² = 1" in u and "∂/∂1 = 1" in u
    assert re.search(r"n1 -> n3:p0:w \[id=e3_0", source)
    assert re.search(r"n2 -> n3:p1:w \[id=e3_1", source)
    # The edges multiply out along the path: 4 · 1 · 75 = 300.
    f = _node_line(source, "n4")
    assert "∂/∂(x² + 1) = 75" in f


def test_a_plus_a_has_two_rows_and_two_edges() -> None:
    a = Value(1.0, label="a")
    b = a + a
    b.backward()
    source = draw_graph(b, edge_derivatives=True, rankdir="LR").source
    assert "n0 -> n1:p0:w" in source and "n0 -> n1:p1:w" in source
    assert _node_line(source, "n1").split(" tooltip=")[0].count("∂/∂a = 1") == 2


def test_neuron_rows_name_weights_inputs_and_bias_in_order() -> None:
    ws = [Value(v, label=f"w{i}") for i, v in enumerate([0.5, -1.0, 2.0])]
    xs = [Value(v, label=f"x{i}") for i, v in enumerate([1.0, 0.5, -0.25])]
    out = Value.linear(ws, xs, Value(0.1, label="b")).tanh()
    out.backward()
    source = draw_graph(out, edge_derivatives=True, rankdir="LR").source
    linear = _node_line(source, "n7").split(" tooltip=")[0]
    rows = re.findall(r"∂/∂(\w+) = ", linear)
    assert rows == ["w0", "x0", "w1", "x1", "w2", "x2", "b"]
    assert "∂/∂w0 = 1" in linear and "∂/∂x0 = 0.5" in linear  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ


def test_top_to_bottom_rows_enter_from_above_then_from_the_side() -> None:
    source = draw_graph(_chain(), edge_derivatives=True, rankdir="TB").source
    assert "n1 -> n3:p0:n" in source
    assert "n2 -> n3:p1:w" in source


def test_contributions_set_edge_widths_by_size() -> None:
    source = draw_graph(_chain(), contributions=True, rankdir="LR").source
    widths = {m[0]: float(m[1]) for m in re.findall(r"\[id=(e\d+_\d+) penwidth=([\d.]+)", source)}
    assert widths["e1_0"] == 4.0  # x receives the largest contribution, 300
    assert widths["e3_0"] < widths["e1_0"]


# -- the legend ----------------------------------------------------------------------------------


def test_legend_shows_role_colours_present_and_can_be_switched_off() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    source = draw_graph(out, edge_derivatives=True, contributions=True).source
    for part in ("input", "parameter", "intermediate", "output"):
        assert f">{part}</td>" in source
    assert ">constant</td>" not in source  # no constants in this graph
    assert "grey rows: local derivatives" in source
    assert "edge width: the size of that amount" in source
    assert "label=" not in draw_graph(out, legend=False).source.split("\n")[-2]


def test_gradient_colours_legend_and_dead_relu() -> None:
    x = Value(-1.0, label="x")
    y = (x * 3).relu() + x  # the relu is dead: x·3 gets gradient exactly 0
    y.backward()
    source = draw_graph(y, color_gradients=True).source
    assert "red &gt; 0, blue &lt; 0" in source
    assert "full colour at |grad| = 1" in source
    assert 'style="rounded,dashed"' in _node_line(source, "n2")  # x·3
    assert 'style="rounded"' in _node_line(source, "n0")  # x: gradient 1


# -- parameters of any module -------------------------------------------------------------------

PARAMETER_FILL = ROLE_COLOURS["parameter"]
INPUT_FILL = ROLE_COLOURS["input"]


def _bare_neuron() -> tuple[Neuron, Value]:
    neuron = Neuron(3, "tanh", seed=1)
    out = neuron([1.0, -0.5, 2.0])
    out.backward()
    return neuron, out


def _leaf_boxes(source: str, root: Value) -> dict[str, str]:
    """The DOT line of each labelled leaf's box, by label (box k is node k of the order)."""
    order = Scene(root).order
    return {
        node.label: _node_line(source, f"n{k}")
        for k, node in enumerate(order)
        if not node.parents and node.label
    }


def _assert_drawn_as_parameters(source: str, root: Value, parameters: list[Value]) -> None:
    boxes = _leaf_boxes(source, root)
    names = {p.label for p in parameters}
    assert names and names <= set(boxes)
    for label, line in boxes.items():
        part = "parameter" if label in names else "input"
        assert f'bgcolor="{ROLE_COLOURS[part]}"' in line, label
        assert f'tooltip="{part} {label}: data = ' in line, label
    assert ">parameter</td>" in source and ">input</td>" in source  # the legend's swatches


def test_a_bare_neurons_weights_and_bias_are_drawn_as_parameters() -> None:
    neuron, out = _bare_neuron()
    assert all(not p.scope for p in neuron.parameters())  # no place in a model to go by
    assert all(isinstance(p, Parameter) for p in neuron.parameters())  # but made as parameters
    source = draw_graph(out).source
    _assert_drawn_as_parameters(source, out, neuron.parameters())
    assert [*_leaf_boxes(source, out)] == ["w0", "x0", "w1", "x1", "w2", "x2", "b"]
    # Naming them too says nothing new; the inputs stay inputs.
    assert draw_graph(out, parameters=neuron).source == source
    assert draw_graph(out, parameters=neuron.w).source == source
    assert source.count(f'bgcolor="{PARAMETER_FILL}"') == 4 + 1  # 3 w + b, and the swatch


def test_values_made_by_hand_are_parameters_when_named() -> None:
    # A script in microgpt's style makes its weights as plain Values: inputs, unless named.
    w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    x = [Value(2.0, label="x0"), Value(3.0, label="x1")]
    out = (w[0] * x[0] + w[1] * x[1]).tanh()
    out.backward()
    assert draw_graph(out).source.count(f'bgcolor="{PARAMETER_FILL}"') == 0
    _assert_drawn_as_parameters(draw_graph(out, parameters=w).source, out, w)


def test_a_bare_layers_parameters_are_parameters_with_or_without_saying_so() -> None:
    layer = Layer(3, 2, "tanh", seed=2)
    out = sum(layer([1.0, -0.5, 2.0]))
    assert isinstance(out, Value)
    out.backward()
    source = draw_graph(out).source  # its neurons stamp their scope: neuron0, neuron1
    _assert_drawn_as_parameters(source, out, layer.parameters())
    assert draw_graph(out, parameters=layer).source == source
    assert source.count(f'bgcolor="{PARAMETER_FILL}"') == 8 + 1  # 2 × (3 w + b), the swatch


def test_a_bare_gpt_linear_draws_its_weights_as_parameters() -> None:
    linear = Linear(3, 1, seed=0)
    out = linear([1.0, 2.0, 3.0])[0]
    out.backward()
    source = draw_graph(out).source
    _assert_drawn_as_parameters(source, out, linear.parameters())
    assert draw_graph(out, parameters=linear).source == source


def test_unscoped_parameters_do_not_merge_the_samples_that_share_them() -> None:
    # scale is a parameter of one's own, read by every sample first: taken for an input, it
    # would make every node look like one sample's.
    layer = Layer(2, 2, "tanh", seed=0)
    scale = Value(0.5, label="scale")
    loss = sum(sum(layer([scale * x for x in xs])) for xs in ([1.0, 2.0], [3.0, -1.0]))
    assert isinstance(loss, Value)
    loss.backward()
    source = draw_graph(loss, collapse="layer", parameters=[scale]).source
    summaries = set(re.findall(r"<b>(neuron0[^<]*)</b>", source))
    assert summaries == {"neuron0 · sample 0", "neuron0 · sample 1", "neuron0 · parameters"}


def test_parameters_must_be_a_module_or_values() -> None:
    _, out = _bare_neuron()
    refusal = "^draw_graph: parameters must be a Module or a list of Values, got {}$"
    for bad, shown in ((3.0, "float"), ([out, "w"], "str at index 1"), (out, "Value")):
        with pytest.raises(TypeError, match=refusal.format(shown)):
            draw_graph(out, parameters=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^backward_frames: parameters must be"):
        backward_frames(out, parameters=1)  # type: ignore[arg-type]


def test_backward_frames_fill_a_bare_neurons_parameters_as_parameters() -> None:
    neuron, out = _bare_neuron()
    frames = backward_frames(out)
    assert [f.source for f in backward_frames(out, parameters=neuron)] == [f.source for f in frames]
    order = Scene(out).order
    for k, node in enumerate(order):  # frame 1: the output passes to w·x + b, not further
        if node.label:
            part = "parameter" if node.label[0] in "wb" else "input"
            assert f'bgcolor="{ROLE_COLOURS[part]}"' in _node_line(frames[1].source, f"n{k}")
    hand = Value(0.5, label="w")  # a Value made by hand is a parameter when named
    assert f'bgcolor="{PARAMETER_FILL}"' not in backward_frames((hand * 2).tanh())[1].source
    named = backward_frames((hand * 2).tanh(), parameters=[hand])
    assert f'bgcolor="{PARAMETER_FILL}"' in named[1].source


# -- layout --------------------------------------------------------------------------------------


def test_auto_direction_keeps_short_graphs_left_to_right_and_turns_long_ones() -> None:
    assert "rankdir=LR" in draw_graph(_chain()).source
    long = parse_expression("+".join(["x"] * 30), {"x": 2.0})
    long.backward()
    assert "rankdir=TB" in draw_graph(long, edge_derivatives=True).source
    assert choose_rankdir({"a": 100.0, "b": 100.0}, {"a": 0, "b": 1}) == "LR"
    assert (
        choose_rankdir({f"n{k}": 100.0 for k in range(20)}, {f"n{k}": k for k in range(20)}) == "TB"
    )


def test_png_is_written_at_slide_resolution(tmp_path: Path) -> None:
    graph = draw_graph(_chain(), edge_derivatives=True)
    width_96, _ = _png_size(render(graph, tmp_path / "low.png", dpi=96))
    width, _ = _png_size(render(graph, tmp_path / "g.png"))
    assert width == pytest.approx(width_96 * 144 / 96, rel=0.02)
    assert width > 900


@pytest.mark.parametrize(
    "expression",
    ["+".join(["x"] * 80), "*".join(["x"] * 80), "+".join(["2*x"] * 80)],
    ids=["x+x+…", "x*x*…", "2*x+2*x+…"],
)
def test_one_value_feeding_many_ops_renders_within_ten_seconds(
    expression: str, tmp_path: Path
) -> None:
    f = parse_expression(expression, {"x": 1.0})
    f.backward()
    graph = draw_graph(f, edge_derivatives=True, contributions=True)
    assert "a copy of x" in graph.source
    render(graph, tmp_path / "f.svg", timeout=10)  # TimeoutError fails the test
    assert graph.source.count("group=") > 70  # the chain is kept straight


def test_frames_draw_the_same_copies(tmp_path: Path) -> None:
    f = parse_expression("+".join(["x"] * 120), {"x": 1.0})
    frame = backward_frames(f)[60]
    assert "a copy of x" in frame.source
    render(frame, tmp_path / "frame.svg", timeout=10)  # was minutes: every use drawn from x


def test_far_uses_become_copies_but_near_ones_stay_edges() -> None:
    x = Value(2.0, label="x")
    y = x * x + x
    y.backward()
    assert "copy" not in draw_graph(y).source


# -- collapsing and clusters -----------------------------------------------------------------------


def test_clusters_per_neuron_and_layer() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    source = draw_graph(out).source
    for cluster in ("cluster_layer0", "cluster_layer0_neuron0", "cluster_layer0_neuron1",
                    "cluster_layer1_neuron0"):  # fmt: skip
        assert f"subgraph {cluster} {{" in source
    assert "subgraph" not in draw_graph(out, clusters=False).source


def test_collapsed_layer_says_what_its_summary_means() -> None:
    model = MLP(2, [16, 1], seed=0)
    out = model([0.5, -0.3])
    out.backward()
    source = draw_graph(out, collapse="layer").source
    outputs = [
        neuron._forward([Value(0.5), Value(-0.3)]).data for neuron in model.layers[0].neurons
    ]
    low, high = min(outputs), max(outputs)
    summary = _node_line(source, "s_layer0")
    assert "16 outputs (relu)" in summary
    assert f"out {low + 0.0:.4g} … {high:.4g}" in summary
    assert "grad " in summary and "48 parameters" in summary


def test_collapsed_neurons_in_index_order_and_coloured() -> None:
    model = MLP(2, [12, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    source = draw_graph(out, collapse="neuron", color_gradients=True).source
    height = {name: float(y) for kind, name, _, y, *_ in _positions(source) if kind == "node"}
    stacked = sorted((n for n in height if n.startswith("s_layer0")), key=lambda n: -height[n])
    assert stacked == [f"s_layer0_neuron{k}" for k in range(12)]  # top to bottom
    fills = re.findall(r'^\s*s_layer0_neuron\d+ \[label=<<table[^>]*bgcolor="(#\w+)"', source,
                       re.MULTILINE)  # fmt: skip
    assert len(fills) == 12 and any(fill != "#fff7bc" for fill in fills)


def test_parameters_are_drawn_in_index_order() -> None:
    model = MLP(4, [1], seed=0)
    out = model([1.0, 2.0, 3.0, 4.0])
    out.backward()
    source = draw_graph(out, highlight=model.layers[0].neurons[0].w[2]).source
    titles = dict(re.findall(r"\t(n\d+) \[label=<.*?<b>(w\d|b)</b>", source))
    assert list(titles.values()) == ["w0", "w1", "w2", "w3", "b"]
    height = {name: float(y) for kind, name, _, y, *_ in _positions(source) if kind == "node"}
    assert sorted(titles, key=lambda n: -height[n]) == list(titles)  # stacked in index order
    assert "#d94801" in source and "#cccccc" in source  # emphasised and faded


def test_highlight_through_collapsed_layers_fades_and_emphasises_summaries() -> None:
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    w = model.layers[1].neurons[1].w[0]  # inside the collapsed layer1
    source = draw_graph(out, collapse="neuron", highlight=w).source
    assert 'color="#cccccc"' in _node_line(source, "s_layer1_neuron0")  # not on the path
    assert 'color="black"' in _node_line(source, "s_layer1_neuron1")  # holds w
    assert re.search(r"s_layer1_neuron1 -> s_layer2_neuron0 \[color=\"#d94801\"", source)
    assert re.search(r"s_layer1_neuron0 -> s_layer2_neuron0 \[color=\"#cccccc\"", source)


def _hinge_over_ten_samples() -> Value:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    loss = hinge([model(x) for x in X], y)
    loss.backward()
    return loss


def test_size_limit_is_checked_after_collapsing() -> None:
    loss = _hinge_over_ten_samples()
    with pytest.raises(GraphTooLargeError, match=r"collapse neurons or layers \(collapse="):
        draw_graph(loss, max_nodes=600)
    source = draw_graph(loss, collapse="layer", max_nodes=600).source
    assert "layer0 · sample 9" in source and "layer1 · parameters" in source
    assert "272 parameters" in source


@pytest.mark.parametrize("bad", [0, -1, 2.5, "5", None, True])
def test_max_nodes_must_be_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="max_nodes must be a whole number >= 1"):
        draw_graph(_small(), max_nodes=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backward_frames: max_nodes"):
        backward_frames(_small(), max_nodes=bad)  # type: ignore[arg-type]


def test_frames_name_themselves_in_errors() -> None:
    with pytest.raises(TypeError, match="backward_frames needs a Value, got float"):
        backward_frames(3.0)  # type: ignore[arg-type]
    y = Value(1.0)
    for _ in range(200):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError) as info:
        backward_frames(y, max_nodes=100)
    assert "collapse" not in str(info.value)  # frames cannot collapse


def test_size_limit_refuses_quickly_with_advice() -> None:
    y = Value(1.0)
    for _ in range(50_000):
        y = y + 1.0
    with pytest.raises(GraphTooLargeError, match="raise max_nodes"):
        draw_graph(y)


# -- any text renders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("<a|b> & {c}", "&lt;a|b&gt; &amp; {c}"),
        ("nul\x00here", "nul\\x00here"),
        ("bell\x07 tab\t", "bell\\x07 tab\\x09"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("L" * 20_000, "L" * 39 + "…"),
    ],
    ids=["markup", "nul", "control", "surrogate", "20k"],
)
def test_any_label_renders(label: str, shown: str, tmp_path: Path) -> None:
    a = Value(1.0, label=label)
    out = a * 2
    out.backward()
    graph = draw_graph(out)
    assert shown in graph.source
    svg = render(graph, tmp_path / "label.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml")
    frames = backward_frames(out)
    render(frames[len(frames) - 1], tmp_path / "frame.svg")


def test_clean_text() -> None:
    assert clean_text("ok") == "ok"
    assert clean_text("x" * 100, limit=5) == "xxxx…"
    assert clean_text("\x1b[31m") == "\\x1b[31m"


# -- without dot -------------------------------------------------------------------------------


def test_missing_dot_gives_install_commands_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    graph = draw_graph(_small())
    with pytest.raises(GraphvizNotFoundError) as info:
        render(graph, tmp_path / "g.svg")
    for command in ("apt-get install --no-install-recommends graphviz", "brew install graphviz",
                    "conda install -c conda-forge graphviz"):  # fmt: skip
        assert command in str(info.value)
    for call in (
        lambda: graph.pipe(format="svg"),
        lambda: graph.render(tmp_path / "own", format="svg"),
        lambda: graph.view(tmp_path / "own_view"),
    ):
        with pytest.raises(GraphvizNotFoundError, match="brew install graphviz"):
            call()
    assert graph.source.startswith("digraph")
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith(INSTALL_HELP)


# -- determinism, renders, options ---------------------------------------------------------------


def test_the_same_text_in_another_process() -> None:
    script = (
        "from tests.test_viz import _small\n"
        "from autograd_lite.viz import draw_graph\n"
        "print(draw_graph(_small(), edge_derivatives=True).source, end='')\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout == draw_graph(_small(), edge_derivatives=True).source


def test_real_renders(tmp_path: Path) -> None:
    svg = render(draw_graph(_small()), tmp_path / "g.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    assert '<g id="n0" class="node">' in svg.read_text()
    png = render(draw_graph(_small()), tmp_path / "g.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "image/svg+xml" in draw_graph(_small())._repr_mimebundle_()


def test_render_has_a_timeout(tmp_path: Path) -> None:
    model = MLP(4, [8, 8, 1], seed=0)
    with pytest.raises(TimeoutError, match="longer than"):
        render(draw_graph(model([1.0, 2.0, 3.0, 4.0])), tmp_path / "slow.svg", timeout=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rankdir": "XY"}, ValueError, "rankdir must be one of 'auto'"),
        ({"collapse": "model"}, ValueError, "collapse must be"),
        ({"highlight": 1.0}, TypeError, "highlight must be a Value, got float"),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        draw_graph(_small(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be svg, png or pdf"):
        render(draw_graph(_small()), "g.gif")


def test_value_draw_points_to_draw_graph() -> None:
    # The engine may not import viz (ARCHITECTURE.md): micrograd's habit is met with directions.
    with pytest.raises(AttributeError, match=r"autograd_lite\.viz\.draw_graph"):
        _small().draw()


# -- the backward pass, frame by frame -----------------------------------------------------------


def _positions(source: str) -> list[list[str]]:
    """The graph's size, then each node's name, place and size, as dot lays them out."""
    plain = subprocess.run(
        ["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[:6] for line in plain.splitlines() if line.startswith(("graph ", "node "))]


def test_backward_steps_add_up_to_backward() -> None:
    f = _chain()
    steps = backward_steps(f)
    assert [(s.node, s.gradient) for s in steps] == [(4, 1.0), (4, 1.0), (3, 75.0), (1, 75.0)]
    totals: dict[int, float] = {}
    for step in steps:
        for passed in step.passed:
            totals[passed.parent] = totals.get(passed.parent, 0.0) + passed.contribution
    assert totals[0] == 300.0 == Scene(f).order[0].grad


def test_frames_fill_gradients_in_reverse_order_and_keep_their_layout(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    f = (x**2 + 1) ** 3
    f.label = "f"
    frames = backward_frames(f)
    assert len(frames) == 4  # the seed, then f, u, x²
    first, last = frames[0].source, frames[-1].source
    assert "grad ?" in _node_line(first, "n0") and "grad 1" in _node_line(first, "n4")
    assert "grad 300" in _node_line(last, "n0")
    assert "× 1 = 75" in frames[1].source  # ∂f/∂u = 75 times the seed
    assert "× 75 = 300" in last
    layouts = [_positions(frame.source) for frame in frames]  # the picture's size, every box
    assert all(layout == layouts[0] for layout in layouts)  # nothing moves, nothing grows
    written = save_frames(frames, tmp_path / "frames")
    assert [path.name for path in written] == [f"frame_{k:03d}.svg" for k in range(4)]
    f.backward()
    assert f.parents[0].grad == 75.0  # frames leave the graph's own gradients alone


def test_frames_share_the_boxes_of_draw_graph_and_name_the_real_output() -> None:
    f = _chain()
    drawn = _node_line(draw_graph(f, edge_derivatives=True).source, "n1")
    framed = _node_line(backward_frames(f)[-1].source, "n1")
    for part in ("<b>x²</b>", "data 4", "grad 75", "∂/∂x = 4", 'port="p0"'):
        assert part in drawn and part in framed
    captions = [frame.source for frame in backward_frames(f)]
    assert "the seed ∂f/∂f = 1" in captions[0]
    assert "∂f/∂(x² + 1) = 75 is now complete." in captions[2]
    assert "∂L" not in "".join(captions)


def test_frames_are_built_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    y = Value(0.5, label="x")
    for _ in range(499):  # 999 values: x, 499 constants, 499 products
        y = y * 1.001
    built: list[int] = []
    original = frames_module.BackwardFrames._frame
    monkeypatch.setattr(frames_module.BackwardFrames, "_frame",
                        lambda self, k: built.append(k) or original(self, k))  # fmt: skip
    frames = backward_frames(y)
    assert len(frames) == 500 and built == []
    assert "grad 1" in frames[-1].source
    assert built == [499]


@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        (float("nan"), DomainError, "seed must be a finite real number"),
        ("1", TypeError, "backward seed must be a real number"),
    ],
)
def test_frames_validate_the_seed_like_backward(seed, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        backward_frames(_chain(), seed=seed)
    with pytest.raises(error, match=message):
        _chain().backward(seed)


def test_frames_refuse_where_backward_refuses() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()
    with pytest.raises(DomainError) as from_backward:
        y.backward()
    with pytest.raises(DomainError) as from_frames:
        backward_frames(y)
    assert str(from_frames.value) == str(from_backward.value)


def test_many_operands_share_one_row_and_every_edge_finds_its_port() -> None:
    model = MLP(13, [2, 1], seed=0)  # each first-layer sum has 27 operands: one row, the rule
    out = model([0.1 * k for k in range(13)])
    out.backward()
    for drawing in (draw_graph(out, edge_derivatives=True), backward_frames(out)[1]):
        assert "∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ,  ∂/∂b = 1" in drawing.source
        result = subprocess.run(["dot", "-Tsvg"], input=drawing.source, capture_output=True,
                                text=True, check=True)  # fmt: skip
        assert result.stderr == ""  # no "port … unrecognized"


def test_frames_match_backward_on_a_shared_graph() -> None:
    a = Value(-1.5, label="a")
    b = a * a
    c = b.exp() + b * a
    last = backward_frames(c)[-1].source
    c.backward()
    assert f"grad {a.grad:.4g}" in _node_line(last, "n0")
