"""The backward pass, explored in a browser: step through it with buttons, a slider or the arrow
keys, and hover over (or tap) a box for its full-precision numbers and derivative rule.

:func:`explore` lays the graph out once with Graphviz and returns an :class:`Explorer`, which
displays inline in Jupyter and saves as one self-contained HTML file (the SVG, a small script and
its styles inlined: no network access). What the page shows is worked out here, in Python, by
:func:`explorer_data`; the script only replays it, so it needs neither Graphviz nor a browser:

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> u = x**2 + 1
>>> u.label = "u"
>>> f = u**3
>>> f.label = "f"
>>> data = explorer_data(f)
>>> [node["name"] for node in data["nodes"]]
['x', 'x²', '1', 'u', 'f']
>>> print(data["steps"][2]["caption"])
Step 2 of 3: ∂f/∂u = 75 is complete, so u passes local derivative × 75 to each operand:
x² gets 1 × 75 = 75; the constant 1 gets 1 × 75 = 75.
>>> data["nodes"][0]["grad"]        # ∂f/∂x, in full precision
'300.0'
"""

from __future__ import annotations

import html
import json
import os
import secrets
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..engine import Value, rule_of, topological_order, type_name
from .frames import BackwardStep, backward_frames, backward_steps
from .graph.labels import bracketed, input_name
from .graph.scene import DEFAULT_MAX_NODES
from .render import layout
from .style import ROLE_COLOURS, Parameters, clean_text, node_names, number, parameter_ids, role

__all__ = ["Explorer", "explore", "explorer_data"]

_NAME_LIMIT = 200  # characters of a label kept in the details panel
_PASSED_IN_CAPTION = 4  # operands named in a caption; the step panel lists them all


# -- what the page shows ---------------------------------------------------------------------------


def _receivers(node: Value, names: list[str], index: dict[int, int]) -> list[str]:
    """How a caption names each operand of ``node``: by its name, constants said so."""
    result = []
    for parent in node.parents:
        name = names[index[id(parent)]]
        result.append(f"the constant {name}" if not parent.parents and not parent.label else name)
    return result


def explorer_data(
    root: Value, seed: float = 1.0, *, parameters: Parameters = None
) -> dict[str, Any]:
    """What the explorer of ``root`` shows, as JSON-ready data: every number already written
    (four significant digits where it is drawn, ``repr`` where it is read in full).

    ``nodes`` follow :func:`~autograd_lite.engine.topological_order` (box ``k`` of the drawing is
    node ``k``); ``steps`` follow :func:`~autograd_lite.viz.backward_steps`: step 0 is the seed,
    and each later step passes local derivative × gradient from one node to its operands. A
    node's ``complete`` is the step after which its gradient is final; its ``role`` is what
    :func:`~autograd_lite.viz.style.role` calls it, ``parameters`` (a module, or a list of
    Values) included. Raises what ``root.backward(seed)`` would raise.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explorer_data needs a Value, got {type_name(root)}")
    module_parameters = parameter_ids(parameters, "explorer_data")
    steps = backward_steps(root, seed)
    order = topological_order(root)
    index = {id(node): k for k, node in enumerate(order)}
    names = node_names(order)
    symbol = clean_text(root.label) if root.label else "out"

    # How many contributions each node waits for (one per use as an operand).
    waiting = [0] * len(order)
    for node in order:
        for parent in node.parents:
            waiting[index[id(parent)]] += 1
    complete = [0] * len(order)
    running: dict[int, float] = {steps[0].node: steps[0].gradient}
    locals_: dict[int, list[float]] = {}
    step_data = [_seed_step(steps[0], symbol, names, len(steps) - 1)]
    for s, step in enumerate(steps[1:], start=1):
        node = order[step.node]
        receivers = _receivers(node, names, index)
        locals_[step.node] = [p.local for p in step.passed]
        passed = []
        for p in step.passed:
            running[p.parent] = running.get(p.parent, 0.0) + p.contribution
            waiting[p.parent] -= 1
            if waiting[p.parent] == 0:
                complete[p.parent] = s
            product = f"{number(p.local)} × {number(step.gradient)} = {number(p.contribution)}"
            total = number(running[p.parent])
            if waiting[p.parent] == 0:
                state = f"its gradient is now {total} (complete)"
            else:
                more = waiting[p.parent]
                state = f"its gradient so far is {total} ({more} more to come)"
            passed.append({
                "parent": p.parent,
                "operand": p.operand,
                "contribution": number(p.contribution),
                "product": product,
                "total": total,
                "note": f"{receivers[p.operand]} gets {product}: {state}",
            })  # fmt: skip
        step_data.append({
            "node": step.node,
            "gradient": number(step.gradient),
            "caption": _caption(step, s, len(steps) - 1, symbol, names[step.node], receivers),
            "passed": passed,
        })  # fmt: skip

    nodes = []
    for k, node in enumerate(order):
        entry: dict[str, Any] = {
            "name": names[k],
            "role": role(node, root, module_parameters),
            "data": repr(node.data),
            "grad": repr(running[k]),
            "complete": complete[k],
            "gradName": f"∂{symbol}/∂{bracketed(names[k])}",
            "op": node.op,
            "operands": [],
        }
        if node.scope:
            entry["scope"] = clean_text(node.scope, _NAME_LIMIT)
        if node.label and len(node.label) > len(names[k]):
            entry["name"] = clean_text(node.label, _NAME_LIMIT)
        if node.parents:
            rule = rule_of(node)
            entry.update(formula=rule.formula, derivative=rule.derivative)
            entry["params"] = [[p, repr(v)] for p, v in zip(rule.params, node.op_args, strict=True)]
            for j, (parent, local) in enumerate(zip(node.parents, locals_[k], strict=True)):
                name, operand = names[index[id(parent)]], input_name(node, j)
                which = operand if name == operand else f"the rule's {operand}, here {name}"
                entry["operands"].append(f"{which}: ∂/∂{operand} = {local!r}")
        nodes.append(entry)
    return {"symbol": symbol, "nodes": nodes, "steps": step_data}


def _seed_step(step: BackwardStep, symbol: str, names: list[str], last: int) -> dict[str, Any]:
    output = symbol if names[step.node] == symbol else f"{symbol} = {names[step.node]}"
    caption = (
        f"Step 0 of {last}: the seed. The backward pass starts at the output {output}, whose "
        f"gradient with respect to itself is ∂{symbol}/∂{symbol} = {number(step.gradient)}. "
        "Every other gradient shows ? until something reaches it."
    )
    return {"node": step.node, "gradient": number(step.gradient), "caption": caption, "passed": []}


def _caption(
    step: BackwardStep, s: int, last: int, symbol: str, name: str, receivers: Sequence[str]
) -> str:
    """Step s: which gradient is complete and what it passes to each operand."""
    gradient = number(step.gradient)
    gifts = [
        f"{receivers[p.operand]} gets {number(p.local)} × {gradient} = {number(p.contribution)}"
        for p in step.passed[:_PASSED_IN_CAPTION]
    ]
    if len(step.passed) > _PASSED_IN_CAPTION:
        gifts.append(f"… ({len(step.passed) - _PASSED_IN_CAPTION} more, listed below)")
    return (
        f"Step {s} of {last}: ∂{symbol}/∂{bracketed(name)} = {gradient} is complete, so {name} "
        f"passes local derivative × {gradient} to each operand: {'; '.join(gifts)}."
    )


# -- the page -------------------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    """explorer.js or explorer.css, package data next to this module."""
    return resources.files("autograd_lite.viz").joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data: object) -> str:
    """JSON that cannot end its <script> element: <, > and & are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, escape)
    return text


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG made fit to sit in a page beside others: no XML prolog, no namespaces,
    no <title> tooltips, and ids turned into data-id (two explorers on one page must not share
    an id). It scales down to the page's width, but not below 70% (then it scrolls)."""
    tree = ElementTree.fromstring(svg)
    width_pt = float(tree.get("width", "0pt").removesuffix("pt") or 0)
    for element in tree.iter():
        element.tag = element.tag.rpartition("}")[2]
        for key in [k for k in element.attrib if k.startswith("{")]:
            del element.attrib[key]  # xlink:title tooltips, xlink:href
        if "id" in element.attrib:
            element.set("data-id", element.attrib.pop("id"))
        for child in [c for c in element if c.tag.endswith("title")]:
            element.remove(child)
    for attribute in ("width", "height"):
        tree.attrib.pop(attribute, None)
    px = width_pt * 4 / 3
    # Until the script fits it to the room there is (and without JavaScript).
    tree.set("style", f"width: {px:.0f}px; max-width: 100%; min-width: {px * 0.7:.0f}px")
    tree.set("role", "img")
    return ElementTree.tostring(tree, encoding="unicode")


_LEGEND_STATES = (
    ("#fdae6b", "#d94801", "gradient just completed"),
    ("#fee6ce", "#d94801", "receiving from it"),
)


def _legend(roles: set[str]) -> str:
    items = [
        f'<span><span class="agx-swatch" style="background:{fill};border-color:{border}"></span>'
        f"{text}</span>"
        for fill, border, text in _LEGEND_STATES
    ]
    items += [
        f'<span><span class="agx-swatch" style="background:{colour}"></span>{part}</span>'
        for part, colour in ROLE_COLOURS.items()
        if part in roles
    ]
    items.append("<span>grad ? : nothing has arrived yet</span>")
    items.append("<span>grad 75 … : a partial sum, more to come</span>")
    return f'<div class="agx-legend">{"".join(items)}</div>'


class Explorer:
    """An interactive page of a backward pass, made by :func:`explore`.

    Displays inline in Jupyter (each display gets its own element ids, so several explorers
    share a notebook), and :meth:`save` writes it as one self-contained HTML file.

    Attributes:
        data: what the page shows, as :func:`explorer_data` returns it.
        svg: the graph, laid out once by Graphviz, as inline SVG markup.
    """

    def __init__(self, svg: str, data: dict[str, Any]) -> None:
        self.svg = svg
        self.data = data

    def __repr__(self) -> str:
        last = len(self.data["steps"]) - 1
        return (
            f"<Explorer of {self.data['symbol']}: {len(self.data['nodes'])} values, "
            f"steps 0–{last}; display it in Jupyter or save(path) as HTML>"
        )

    def _fragment(self, uid: str, *, page: bool) -> str:
        data = self.data
        last = len(data["steps"]) - 1
        symbol = html.escape(data["symbol"])
        options = json.dumps({"page": page})
        count_width = len(f"step {last} of {last}") + 1
        return f"""\
<div class="agx" id="{uid}" tabindex="0" role="group" aria-label="backward pass of {symbol}">
<style>{_asset("explorer.css")}</style>
<div class="agx-bar">
<button type="button" class="agx-prev" aria-label="previous step" title="previous step (←)">\
◀</button>
<input type="range" class="agx-slider" min="0" max="{last}" value="0" step="1" aria-label="step">
<button type="button" class="agx-next" aria-label="next step" title="next step (→)">▶</button>
<span class="agx-count" style="min-width:{count_width}ch">step 0 of {last}</span>
<span class="agx-hint">Keys: ← → step, Home / End jump. Hover over or tap a box for its \
details.</span>
</div>
<p class="agx-nojs">The step controls need JavaScript: in Jupyter, trust the notebook; or open \
the file that <code>save()</code> writes in a browser.</p>
<div class="agx-graph">{self.svg}</div>
<p class="agx-caption" aria-live="polite">{html.escape(data["steps"][0]["caption"])}</p>
<div class="agx-panels">
<section class="agx-panel"><h4>This step passes on</h4><ul class="agx-passed"></ul></section>
<section class="agx-panel"><h4>Details <span class="agx-details-hint"></span></h4>\
<div class="agx-details-body"></div></section>
</div>
{_legend({node["role"] for node in data["nodes"]})}
<script type="application/json" class="agx-data">{_json_for_script(data)}</script>
<script>(function () {{
{_asset("explorer.js")}
var here = document.currentScript && document.currentScript.closest(".agx");
autogradLiteExplorer(here || document.getElementById("{uid}"), {options});
}})();</script>
</div>"""

    def _repr_html_(self) -> str:
        return self._fragment(f"agx-{secrets.token_hex(8)}", page=False)

    def html(self) -> str:
        """The whole page: one HTML document with everything inlined."""
        title = html.escape(f"Backward pass of {self.data['symbol']} — autograd_lite")
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n"
            "<style>body { margin: 16px; background: #ffffff; }</style>\n</head>\n<body>\n"
            f"{self._fragment('agx-page', page=True)}\n</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (one HTML file that needs no network) and return it."""
        path = Path(path)
        path.write_text(self.html(), encoding="utf-8")
        return path


def explore(
    root: Value,
    *,
    seed: float = 1.0,
    rankdir: str = "auto",
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float = 60.0,
    parameters: Parameters = None,
) -> Explorer:
    """An interactive page to step through the backward pass of ``root``.

    The graph is laid out once (the boxes of :func:`~autograd_lite.viz.backward_frames`, sized
    for every number they will show) and never moves: each step only changes texts and colours.
    Step 0 is the seed; each step after takes the node whose gradient has just become complete,
    highlights it and the edges to its operands, and adds local derivative × its gradient to
    each operand's running total. Gradients not reached yet show ``?``. Hovering over or tapping
    a box shows its value and gradient in full precision, its op, formula and local derivatives.

    Args:
        seed: the gradient to start from, ∂L/∂root (as in ``root.backward(seed)``).
        rankdir: ``"auto"``, ``"LR"``, ``"TB"``, ``"RL"`` or ``"BT"``, as for draw_graph.
        max_nodes: refuse graphs with more boxes than this (:class:`GraphTooLargeError`).
        timeout: seconds Graphviz may take to lay the graph out (TimeoutError after).
        parameters: a module (or a list of Values) whose parameters are shown as parameters,
            as for draw_graph.

    Raises TypeError if ``root`` is not a Value, what ``root.backward(seed)`` would raise for a
    bad seed, and :class:`GraphvizNotFoundError` (with install commands) without ``dot``.
    The graph's ``grad`` fields are not touched.

    In Jupyter, end a cell with ``explore(f)``; elsewhere save the page and open it in a
    browser (both lay the graph out with Graphviz's ``dot``, so they are not run here):

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> f = (x**2 + 1) ** 3
    >>> page = explore(f)                   # doctest: +SKIP
    >>> page.save("backward.html")          # doctest: +SKIP
    PosixPath('backward.html')
    >>> explore(3.0)
    Traceback (most recent call last):
        ...
    TypeError: explore needs a Value, got float
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore needs a Value, got {type_name(root)}")
    parameter_ids(parameters, "explore")  # refused here, in the name of what was called
    # The graph shares the page with the controls and panels: a narrower width than a
    # notebook's keeps its text readable (about 650 px of graph area).
    frame = backward_frames(
        root,
        seed=seed,
        rankdir=rankdir,
        max_nodes=max_nodes,
        width_budget=480.0,
        parameters=parameters,
    )[0]
    frame.attr(label="")  # the page has its own caption, under the graph
    data = explorer_data(root, seed, parameters=parameters)
    svg = layout(frame, "svg", timeout=timeout).decode("utf-8")
    return Explorer(_inline_svg(svg), data)
