"""The GPT's pictures: the attention heatmap and the graph of one attention head."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.nn import GPT, CausalSelfAttention
from autograd_lite.plots import plot_attention
from autograd_lite.viz import draw_graph, render

PNG = b"\x89PNG\r\n\x1a\n"


def test_attention_heatmap_one_panel_per_head_tokens_as_ticks(tmp_path: Path) -> None:
    model = GPT(5, 6, 1, 8, 4, seed=0)
    model([4, 0, 1, 2])
    tokens = ["<s>", "a", "b", "c"]
    path = tmp_path / "attention.png"
    figure = plot_attention(model.last_attention[0], tokens, path=path)
    assert path.read_bytes().startswith(PNG)
    panels = [a for a in figure.axes if a.get_title().startswith("head")]
    assert [a.get_title() for a in panels] == ["head 0", "head 1", "head 2", "head 3"]
    assert [t.get_text() for t in panels[0].get_xticklabels()] == tokens
    assert [t.get_text() for t in panels[0].get_yticklabels()] == tokens
    grid = panels[0].get_images()[0].get_array()
    assert bool(np.ma.getmaskarray(grid)[0][1]) or math.isnan(grid.data[0][1])  # future: blank
    assert float(np.asarray(grid.data)[3].sum()) == pytest.approx(1.0)


def test_attention_heatmap_refuses_rows_that_are_not_causal() -> None:
    with pytest.raises(ValueError, match=r"head 0 has 1 query rows but there are 2 tokens"):
        plot_attention([[[1.0]]], ["a", "b"])
    with pytest.raises(ValueError, match=r"head 0, query 1 has 1 weights; a causal row has 2"):
        plot_attention([[[1.0], [1.0]]], ["a", "b"])


def _head_graph() -> Value:
    """One attention head on 3 tokens with n_embd 4, as the lesson draws it."""
    attn = CausalSelfAttention(4, 1, seed=0)
    rows = [[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.9], [0.3, 0.2, -0.5, 1.0]]
    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    outs = []
    for t, row in enumerate(rows):
        x = [Value(v, label=f"x{t}_{j}") for j, v in enumerate(row)]
        for xi in x:
            xi.scope = f"input.x{t}"
        outs.append(attn.head_outputs(x, keys, values)[0])
    root = Value.sum(outs[-1])
    root.label = "out"
    root.backward()
    return root


def test_one_head_folds_its_projections_and_shows_its_arithmetic() -> None:
    drawing = draw_graph(_head_graph(), collapse="neuron", legend=False)
    source = drawing.source
    for box in ("head0.q", "head0.k", "head0.v", "input.x0", "input.x2"):
        assert f"<b>{box}</b>" in source, box
    assert "cluster_head0" in source
    assert source.count("exp(") >= 3 and "Σ of 3 terms" in source  # the softmax in full


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_one_head_renders_at_notebook_width(tmp_path: Path) -> None:
    path = render(
        draw_graph(_head_graph(), collapse="neuron", legend=False), tmp_path / "h.png", dpi=72
    )
    data = path.read_bytes()
    assert data.startswith(PNG)
    width = int.from_bytes(data[16:20], "big")
    assert width < 1400  # about 900 px in a notebook after its usual scaling
