"""Drawing graphs: golden DOT text, determinism, escaping, edge derivatives, colouring, clusters,
highlighting, collapsing, the size limit, the missing-binary path and real renders."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.viz import (
    INSTALL_HELP,
    GraphTooLargeError,
    GraphvizNotFoundError,
    backward_frames,
    draw_graph,
    render,
    save_frames,
)

GOLDEN = """\
digraph autograd_lite {
	graph [fontname=Helvetica nodesep=0.25 rankdir=LR]
	node [fontname=Helvetica fontsize=11]
	edge [arrowsize=0.6 fontname=Helvetica fontsize=9]
	n0 [label=<<table border="0" cellborder="0" cellspacing="4"><tr><td><b>a</b></td><td>data 3</td><td>grad -1</td></tr></table>> color=black fillcolor="#deebf7" fontcolor=black penwidth=1 shape=box style="filled,rounded" tooltip="input a: data = 3.0, grad = -1.0"]
	n1 [label=<<table border="0" cellborder="0" cellspacing="4"><tr><td><b>b</b></td><td>data -2</td><td>grad 3</td></tr></table>> color=black fillcolor="#deebf7" fontcolor=black penwidth=1 shape=box style="filled,rounded" tooltip="input b: data = -2.0, grad = 3.0"]
	n2 [label=<<table border="0" cellborder="0" cellspacing="4"><tr><td>data -6</td><td>grad 1</td></tr></table>> color=black fillcolor="#ffffff" fontcolor=black penwidth=1 shape=box style="filled,rounded" tooltip="intermediate: data = -6.0, grad = 1.0"]
	n2_op [label="×" color=black fixedsize=false fontsize=10 height=0.3 shape=circle width=0.3]
	n2_op -> n2 [color=black]
	n3 [label=<<table border="0" cellborder="0" cellspacing="4"><tr><td><b>c</b></td><td>data -3</td><td>grad 1</td></tr></table>> color="#238b45" fillcolor="#e5f5e0" fontcolor=black penwidth=2 shape=box style="filled,rounded" tooltip="output c: data = -3.0, grad = 1.0"]
	n3_op [label="+" color=black fixedsize=false fontsize=10 height=0.3 shape=circle width=0.3]
	n3_op -> n3 [color=black]
	n0 -> n2_op [label="∂=-2" decorate=true]
	n1 -> n2_op [label="∂=3" decorate=true]
	n2 -> n3_op [label="∂=1" decorate=true]
	n0 -> n3_op [label="∂=1" decorate=true]
}
"""


def _small() -> Value:
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = a * b + a
    c.label = "c"
    c.backward()
    return c


def test_golden_dot_text() -> None:
    assert draw_graph(_small(), edge_derivatives=True).source == GOLDEN


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
    assert result.stdout == GOLDEN


def test_a_plus_a_has_two_edges() -> None:
    a = Value(1.0, label="a")
    b = a + a
    b.backward()
    assert draw_graph(b).source.count("n0 -> n1_op") == 2


def test_labels_are_escaped_and_render(tmp_path: Path) -> None:
    a = Value(1.0, label="<a|b> & {c}")
    (a * 2).backward()
    source = draw_graph(a * 2).source
    assert "&lt;a|b&gt; &amp; {c}" in source
    svg = render(draw_graph(a * 2), tmp_path / "escape.svg")
    assert "&lt;a|b&gt; &amp; {c}" in svg.read_text()


def test_before_backward_gradients_are_marked_not_computed() -> None:
    x = Value(2.0, label="x")
    y = x * x
    source = draw_graph(y).source
    assert "grad not computed" in source
    assert "gradients not computed yet: call backward() on the output" in source
    y.backward()
    source = draw_graph(y).source
    assert "not computed" not in source
    assert "grad 4" in source


def test_edge_derivatives_multiply_to_the_derivative_along_the_path() -> None:
    # f = (x² + 1)³ at 2: ∂x²/∂x = 4, ∂u/∂x² = 1, ∂f/∂u = 75: 4 · 1 · 75 = 300
    x = Value(2.0, label="x")
    f = (x**2 + 1) ** 3
    f.backward()
    source = draw_graph(f, edge_derivatives=True, contributions=True).source
    labels = re.findall(r'n(\d+) -> n(\d+)_op \[label="∂=([-\d.e+]+)', source)
    path = {(int(a), int(b)): float(d) for a, b, d in labels}
    assert path[(0, 1)] * path[(1, 3)] * path[(3, 4)] == 300.0
    assert "×75 = 300" in source  # local × upstream: what reaches x
    assert "penwidth=4.00" in source  # the largest contribution is drawn widest


def test_gradient_colours_legend_and_dead_relu() -> None:
    x = Value(-1.0, label="x")
    y = x.relu() + x * 2
    y.backward()
    source = draw_graph(y, color_gradients=True).source
    assert "gradient colour: red &gt; 0, blue &lt; 0" in source
    assert "full colour at |grad| = 2" in source
    relu_input = re.search(r'n0 \[[^\]]*style="filled,rounded"', source)
    assert relu_input is not None  # x has gradient 2: solid border
    assert "dashed" in source  # the relu output has gradient exactly 0


def test_clusters_per_neuron_and_layer() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    source = draw_graph(out).source
    for cluster in (
        "cluster_layer0",
        "cluster_layer0_neuron0",
        "cluster_layer0_neuron1",
        "cluster_layer1_neuron0",
    ):
        assert f"subgraph {cluster} {{" in source
    assert "clusters" not in draw_graph(out, clusters=False).source
    assert "subgraph" not in draw_graph(out, clusters=False).source


def test_collapse_neurons_and_layers() -> None:
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    neurons = draw_graph(out, collapse="neuron").source
    assert neurons.count("shape=box3d") == 7
    layers = draw_graph(out, collapse="layer").source
    assert layers.count("shape=box3d") == 3
    assert 's_layer0 -> s_layer1 [label="9 edges"]' in layers


def test_highlight_paths_from_a_parameter() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    w = model.layers[0].neurons[1].w[0]
    source = draw_graph(out, highlight=w).source
    assert "#d94801" in source  # emphasised edges
    assert "#dddddd" in source  # faded edges


def test_size_limit_refuses_quickly_with_advice() -> None:
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y + 1.0
    start = time.perf_counter()
    with pytest.raises(GraphTooLargeError, match="collapse neurons or layers"):
        draw_graph(y)
    assert time.perf_counter() - start < 1.0


def test_missing_dot_gives_install_commands_and_keeps_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    graph = draw_graph(_small())
    with pytest.raises(GraphvizNotFoundError) as info:
        render(graph, tmp_path / "g.svg")
    message = str(info.value)
    for command in (
        "apt-get install --no-install-recommends graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
    ):
        assert command in message
    assert graph.source.startswith("digraph")
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith(INSTALL_HELP)


def test_real_renders(tmp_path: Path) -> None:
    svg = render(draw_graph(_small()), tmp_path / "g.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    png = render(draw_graph(_small()), tmp_path / "g.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "image/svg+xml" in draw_graph(_small())._repr_mimebundle_()


def test_render_has_a_timeout(tmp_path: Path) -> None:
    model = MLP(4, [8, 8, 1], seed=0)
    with pytest.raises(TimeoutError, match="longer than"):
        render(draw_graph(model([1.0, 2.0, 3.0, 4.0])), tmp_path / "slow.svg", timeout=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"rankdir": "XY"}, "rankdir must be"), ({"collapse": "model"}, "collapse must be")],
)
def test_bad_options(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw_graph(_small(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be svg, png or pdf"):
        render(draw_graph(_small()), "g.gif")


# -- the backward pass, frame by frame -----------------------------------------------------------


def _positions(source: str) -> list[list[str]]:
    plain = subprocess.run(
        ["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[:6] for line in plain.splitlines() if line.startswith("node ")]


def test_frames_fill_gradients_in_reverse_order_and_keep_their_layout(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    f = (x**2 + 1) ** 3
    frames = backward_frames(f)
    assert len(frames) == 4  # the seed, then pow, add, pow
    assert "x = 2 | grad ?" in frames[0].source
    assert "x = 2 | grad ?" in frames[2].source
    assert "x = 2 | grad 300" in frames[3].source
    assert "75 × 1" in frames[1].source  # ∂f/∂u = 75, times the seed
    assert "4 × 75" in frames[3].source
    layouts = [_positions(frame.source) for frame in frames]
    assert all(layout == layouts[0] for layout in layouts)
    written = save_frames(frames, tmp_path / "frames")
    assert [path.name for path in written] == [f"frame_{k:03d}.svg" for k in range(4)]
    f.backward()
    assert f.parents[0].grad == 75.0  # frames leave the graph's own gradients alone


def test_frames_match_backward_on_a_shared_graph() -> None:
    a = Value(-1.5, label="a")
    b = a * a
    c = b.exp() + b * a
    last = backward_frames(c)[-1].source
    c.backward()
    assert f"a = -1.5 | grad {a.grad:.4g}" in last


def test_value_draw_is_draw_graph() -> None:
    c = _small()
    assert c.draw(edge_derivatives=True).source == GOLDEN
