"""The backward-pass explorer, from Python: what the page holds (nodes, steps, captions, the SVG),
escaping, a self-contained file, errors, and ids that let several explorers share a page.
What the page does in a browser is tested in test_browser.py."""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.errors import DomainError
from autograd_lite.nn import Neuron
from autograd_lite.viz import (
    Explorer,
    GraphTooLargeError,
    GraphvizNotFoundError,
    backward_steps,
    explore,
)
from autograd_lite.viz.explorer import explorer_data
from autograd_lite.viz.style import ROLE_COLOURS
from tests.examples import cube


def page_data(html: str) -> dict[str, object]:
    found = re.search(
        r'<script type="application/json" class="agx-data">(.*?)</script>', html, re.S
    )
    assert found is not None
    data: dict[str, object] = json.loads(found.group(1))
    return data


# -- what the page shows ------------------------------------------------------------------------


def test_nodes_follow_the_topological_order_with_full_precision_numbers() -> None:
    data = explorer_data(cube())
    nodes = data["nodes"]
    assert [n["name"] for n in nodes] == ["x", "x²", "1", "u", "f"]
    assert [n["role"] for n in nodes] == [
        "input",
        "intermediate",
        "constant",
        "intermediate",
        "output",
    ]
    assert [n["grad"] for n in nodes] == ["300.0", "75.0", "75.0", "75.0", "1.0"]
    assert [n["data"] for n in nodes] == ["2.0", "4.0", "1.0", "5.0", "125.0"]
    u = nodes[3]
    assert (u["op"], u["formula"], u["derivative"]) == ("add", "a + b", "∂/∂a = 1,  ∂/∂b = 1")
    assert u["operands"] == [
        "the rule's a, here x²: ∂/∂a = 1.0",
        "the rule's b, here 1: ∂/∂b = 1.0",
    ]
    assert u["gradName"] == "∂f/∂u"
    assert nodes[4]["params"] == [["c", "3.0"]]
    assert nodes[0]["operands"] == [] and nodes[0]["op"] == ""
    assert data["symbol"] == "f"


def test_steps_reach_u_with_75_and_x_with_300_and_nothing_before() -> None:
    data = explorer_data(cube())
    steps = data["steps"]
    assert [s["node"] for s in steps] == [4, 4, 3, 1]  # the seed, then f, u, x²
    assert steps[0]["passed"] == []
    assert "∂f/∂f = 1" in steps[0]["caption"]
    # A gradient shows ? until a step passes something to it: x gets its first (and only)
    # contribution in the last step, u in step 1.
    first = {}
    for s, step in enumerate(steps):
        for p in step["passed"]:
            first.setdefault(p["parent"], s)
    assert first == {3: 1, 1: 2, 2: 2, 0: 3}
    assert [n["complete"] for n in data["nodes"]] == [3, 2, 2, 1, 0]
    (to_u,) = steps[1]["passed"]
    assert (to_u["parent"], to_u["product"], to_u["total"]) == (3, "75 × 1 = 75", "75")
    (to_x,) = steps[3]["passed"]
    assert (to_x["parent"], to_x["product"], to_x["total"]) == (0, "4 × 75 = 300", "300")
    assert to_x["note"] == "x gets 4 × 75 = 300: its gradient is now 300 (complete)"
    assert steps[2]["caption"] == (
        "Step 2 of 3: ∂f/∂u = 75 is complete, so u passes local derivative × 75 to each "
        "operand: x² gets 1 × 75 = 75; the constant 1 gets 1 × 75 = 75."
    )


def test_the_steps_are_the_lead_functions_steps_and_add_up_to_backward() -> None:
    f = cube()
    steps = backward_steps(f)
    data = explorer_data(f)
    assert [s["node"] for s in data["steps"]] == [s.node for s in steps]
    f.backward()
    x = f.parents[0].parents[0].parents[0]
    assert float(data["nodes"][0]["grad"]) == x.grad == 300.0


def test_partial_sums_and_the_unlabelled_output_is_called_out() -> None:
    x = Value(3.0, label="x")
    y = x * x + x  # x receives three contributions: 3 + 3 + 1 = 7
    data = explorer_data(y)
    assert data["symbol"] == "out"
    assert "the output out = x·x + x" in data["steps"][0]["caption"]
    notes = [p["note"] for s in data["steps"] for p in s["passed"] if p["parent"] == 0]
    assert notes == [
        "x gets 1 × 1 = 1: its gradient so far is 1 (2 more to come)",
        "x gets 3 × 1 = 3: its gradient so far is 4 (1 more to come)",
        "x gets 3 × 1 = 3: its gradient is now 7 (complete)",
    ]
    assert data["nodes"][0]["grad"] == "7.0"


def test_a_seed_scales_every_gradient() -> None:
    data = explorer_data(cube(), seed=2.0)
    assert data["nodes"][0]["grad"] == "600.0"
    assert "∂f/∂f = 2" in data["steps"][0]["caption"]


def test_many_operands_are_cut_short_in_the_caption_and_listed_in_full() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(6)]
    total = Value.sum(xs)
    total.label = "s"
    step = explorer_data(total)["steps"][1]
    assert "… (2 more, listed below)" in step["caption"]
    assert len(step["passed"]) == 6


def test_a_bare_neurons_parameters_are_parameters_in_the_data_and_the_legend() -> None:
    neuron = Neuron(3, "tanh", seed=1)
    out = neuron([1.0, -0.5, 2.0])
    roles = {n["name"]: n["role"] for n in explorer_data(out)["nodes"]}
    assert {name: roles[name] for name in ("w0", "x0", "w1", "x1", "w2", "x2", "b")} == {
        "w0": "parameter", "x0": "input", "w1": "parameter", "x1": "input",
        "w2": "parameter", "x2": "input", "b": "parameter",
    }  # fmt: skip
    assert explorer_data(out, parameters=neuron.parameters()) == explorer_data(out)
    page = explore(out).html()
    assert f'background:{ROLE_COLOURS["parameter"]}"></span>parameter</span>' in page
    w = Value(0.5, label="w")  # a Value made by hand is a parameter when named
    assert "></span>parameter</span>" not in explore(w * 2).html()
    assert "></span>parameter</span>" in explore(w * 2, parameters=[w]).html()
    with pytest.raises(TypeError, match=r"^explore: parameters must be a Module or a list"):
        explore(out, parameters=2.0)  # type: ignore[arg-type]


# -- the page ----------------------------------------------------------------------------------


def test_the_svg_has_a_box_per_value_with_grad_texts_and_an_edge_per_operand() -> None:
    page = explore(cube())
    assert isinstance(page, Explorer)
    svg = page.svg
    assert svg.startswith("<svg") and "<?xml" not in svg and "<title>" not in svg
    assert ' id="' not in svg  # ids would clash between two explorers on one page
    for k in range(5):
        assert f'data-id="n{k}"' in svg
    for edge in ("e1_0", "e3_0", "e3_1", "e4_0"):
        assert f'data-id="{edge}"' in svg
    grads = re.findall(r">\s*(grad [^<]*)<", svg)
    assert sorted(grads) == ["grad 1"] + ["grad ?"] * 4  # the seed; nothing reached yet
    assert "∂/∂x = 4" in svg and "Step 0" not in svg  # rows yes, the frame's caption no


def test_the_saved_file_is_self_contained(tmp_path: Path) -> None:
    path = explore(cube()).save(tmp_path / "f.html")
    assert path == tmp_path / "f.html"
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    # Nothing to fetch: no URL at all (not even SVG namespace names), no src or external link.
    assert not re.search(r"https?:|//[a-z]", html, re.IGNORECASE)
    assert not re.search(r"<(img|iframe|link|object|embed)\b|\bsrc=|@import|url\(", html)
    assert html.count("<script>") == 1
    assert "autogradLiteExplorer(" in html
    assert page_data(html)["nodes"][0]["grad"] == "300.0"


def test_save_accepts_a_string_path_and_returns_a_path(tmp_path: Path) -> None:
    path = explore(cube()).save(str(tmp_path / "page.html"))
    assert isinstance(path, Path) and path.exists()


def test_labels_cannot_break_out_of_the_page() -> None:
    hostile = "</script><script>alert(1)</script>"
    x = Value(2.0, label=hostile)
    f = x * 3 + 1
    f.label = "f\"'&<b>"
    html = explore(f).html()
    assert "<script>alert(1)" not in html
    assert "</script><script>alert" not in html
    assert html.count("<script") == 2  # the data block and the explorer's own script
    data = page_data(html)
    assert data["nodes"][0]["name"] == hostile  # intact once parsed
    assert data["symbol"] == "f\"'&<b>"
    assert 'aria-label="backward pass of f&quot;&#x27;&amp;&lt;b&gt;"' in html
    assert "<title>Backward pass of f&quot;&#x27;&amp;&lt;b&gt; — autograd_lite</title>" in html


def test_unicode_line_separators_are_escaped_in_the_data() -> None:
    x = Value(1.0, label="a\u2028b")
    html = explore(x * 2).html()
    block = html.split('class="agx-data">')[1].split("</script>")[0]
    assert "\u2028" not in block


def test_two_explorers_get_distinct_ids_and_share_no_global_id() -> None:
    first, second = explore(cube()), explore(cube())
    fragments = [first._repr_html_(), second._repr_html_(), first._repr_html_()]
    ids = [re.findall(r'(?<![\w-])id="([^"]+)"', fragment) for fragment in fragments]
    assert all(len(found) == 1 for found in ids)  # the container's, nothing inside
    assert len({found[0] for found in ids}) == 3
    assert all(found[0] in fragment for found, fragment in zip(ids, fragments))
    assert "<!DOCTYPE" not in fragments[0] and "<style>" in fragments[0]


def test_the_repr_names_the_output_and_steps() -> None:
    assert repr(explore(cube())) == (
        "<Explorer of f: 5 values, steps 0–3; display it in Jupyter or save(path) as HTML>"
    )


def test_the_graph_fields_are_not_touched() -> None:
    f = cube()
    explore(f)
    assert f.grad == 0.0
    assert f.parents[0].grad == 0.0


def test_the_script_and_styles_are_package_data_that_can_be_inlined() -> None:
    folder = resources.files("autograd_lite.viz")
    script = folder.joinpath("explorer.js").read_text(encoding="utf-8")
    styles = folder.joinpath("explorer.css").read_text(encoding="utf-8")
    assert "function autogradLiteExplorer" in script
    assert "</script" not in script.lower() and "</style" not in styles.lower()


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("thing", [3.0, "x", None, [Value(1.0)]])
def test_not_a_value_is_a_type_error_naming_the_type(thing: object) -> None:
    with pytest.raises(TypeError, match=f"explore needs a Value, got {type(thing).__name__}"):
        explore(thing)  # type: ignore[arg-type]


def test_a_graph_over_the_limit_is_refused() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(30):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match="max_nodes=20"):
        explore(y, max_nodes=20)


@pytest.mark.parametrize("seed", [math.inf, math.nan, "1", None, True])
def test_a_seed_backward_refuses_is_refused_the_same_way(seed: object) -> None:
    with pytest.raises((DomainError, TypeError, ValueError)) as expected:
        cube().backward(seed)  # type: ignore[arg-type]
    with pytest.raises(type(expected.value)) as got:
        explore(cube(), seed=seed)  # type: ignore[arg-type]
    assert str(got.value) == str(expected.value)


def test_a_gradient_that_overflows_is_refused_like_backward() -> None:
    def tiny() -> Value:
        return Value(1e-300, label="x") * 1e300  # 1.0, but ∂/∂x = 1e300 × seed

    with pytest.raises(DomainError, match="overflows"):
        tiny().backward(1e300)
    with pytest.raises(DomainError, match="overflows"):
        explore(tiny(), seed=1e300)


def test_a_constants_gradient_that_overflows_is_not_refused_like_backward() -> None:
    def tiny() -> Value:
        return Value(1e300, label="x") * 1e-300  # ∂/∂(the constant 1e-300) = 1e300 × seed

    tiny().backward(1e300)  # nobody asked for the constant's gradient
    explore(tiny(), seed=1e300)


def test_missing_dot_raises_the_graph_modules_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        GraphvizNotFoundError, match="apt-get install --no-install-recommends graphviz"
    ):
        explore(cube())
