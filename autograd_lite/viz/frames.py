"""The backward pass, step by step: the numbers (:func:`backward_steps`) and the pictures
(:func:`backward_frames`), drawn in the same style as :func:`~autograd_lite.viz.draw_graph`.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> f = (x**2 + 1) ** 3
>>> f.label = "f"
>>> steps = backward_steps(f)
>>> [(s.node, s.gradient) for s in steps]      # the seed, then f, u = x² + 1, x²
[(4, 1.0), (4, 1.0), (3, 75.0), (1, 75.0)]
>>> steps[-1].passed                           # x² passes 4 × 75 = 300 to x
(Passed(parent=0, operand=0, local=4.0, contribution=300.0),)
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from ..engine import (
    Value,
    gradients,
    local_derivatives,
    rule_of,
    topological_order,
    type_name,
)
from ..engine.value import Constant
from .graph.labels import (
    HIGHLIGHT,
    MAX_ROWS,
    Box,
    Row,
    box_label,
    bracketed,
    derivative_text,
    operand_names,
)
from .graph.layout import RANKDIRS, WIDTH_BUDGET, choose_rankdir, estimate_width
from .graph.scene import DEFAULT_MAX_NODES, Scene
from .render import Drawing, render
from .style import Parameters, number

__all__ = [
    "BackwardFrames",
    "BackwardStep",
    "Passed",
    "backward_frames",
    "backward_steps",
    "save_frames",
]


@dataclass(frozen=True)
class Passed:
    """What one step passes to one operand: ``contribution = local × gradient``, added to the
    operand's running total. ``parent`` is the operand's position in the topological order,
    ``operand`` its position among the node's operands."""

    parent: int
    operand: int
    local: float
    contribution: float


@dataclass(frozen=True)
class BackwardStep:
    """One step of the backward pass: the node (its position in the topological order) whose
    gradient is now complete, that gradient, and what it passes to each operand. Step 0 is the
    seed: the output's own gradient, passing nothing yet."""

    node: int
    gradient: float
    passed: tuple[Passed, ...]


def backward_steps(root: Value, seed: float = 1.0) -> list[BackwardStep]:
    """The backward pass of ``root`` as a list of steps: the seed, then each op node in reverse
    topological order (leaves pass nothing on). Running the steps adds up exactly what
    ``root.backward(seed)`` gives; the graph's own ``grad`` fields are not touched.

    Raises what ``root.backward(seed)`` would: TypeError or DomainError for a bad seed, and
    DomainError (naming the op) where a gradient is not a finite number.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs a Value, got {type_name(root)}")
    # Validates the seed and refuses where backward() would: where a gradient that depends on a
    # leaf the user made is not finite (constants made by operators do not count).
    made = [n for n in topological_order(root) if not n.parents and type(n) is not Constant]
    gradients(root, made, seed=seed)

    order = topological_order(root)
    index = {id(node): k for k, node in enumerate(order)}
    running: dict[int, float] = {id(root): float(seed)}
    steps = [BackwardStep(index[id(root)], float(seed), ())]
    for node in reversed(order):
        if not node.parents:
            continue
        upstream = running[id(node)]
        passed = []
        for j, (parent, local) in enumerate(
            zip(node.parents, local_derivatives(node), strict=True)
        ):
            contribution = local * upstream
            running[id(parent)] = running.get(id(parent), 0.0) + contribution
            passed.append(Passed(index[id(parent)], j, local, contribution))
        steps.append(BackwardStep(index[id(node)], upstream, tuple(passed)))
    return steps


class BackwardFrames(Sequence[Drawing]):
    """The frames of :func:`backward_frames`, each drawn when it is asked for (a graph of a
    thousand nodes has hundreds of frames; building them all up front would take a minute)."""

    def __init__(
        self, scene: Scene, steps: list[BackwardStep], rankdir: str, width_budget: float
    ) -> None:
        self._scene = scene
        # Frame k shows steps 1..k passed on; step 0 (the seed) is the first frame.
        self._steps = steps
        self._widths = self._reserved_widths()
        if rankdir == "auto":  # judged on the widest boxes any frame will show
            boxes = self._boxes(len(steps) - 1)
            widths = {f"n{i}": estimate_width(box) for i, box in enumerate(boxes)}
            ranks = {f"n{i}": scene.rank[id(n)] for i, n in enumerate(scene.order)}
            rankdir = choose_rankdir(widths, ranks, width_budget)
        self._rankdir = rankdir
        self._caption_width = max(
            _points(line, 6.8)
            for k in range(len(steps))
            for line in _caption(scene, steps, k).split("\n")
        )

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, k: int) -> Drawing: ...
    @overload
    def __getitem__(self, k: slice) -> list[Drawing]: ...
    def __getitem__(self, k: int | slice) -> Drawing | list[Drawing]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError(f"frame {k} out of range: there are {len(self)} frames")
        return self._frame(k % len(self))

    def __iter__(self) -> Iterator[Drawing]:
        return (self._frame(k) for k in range(len(self)))

    def _reserved_widths(self) -> dict[tuple[int, str], int]:
        """Per box, the widest text its grad or rows will ever show, in points, so every frame
        has boxes of the same size and Graphviz puts every box at the same place."""
        widths: dict[tuple[int, str], int] = {}
        running: dict[int, float] = {}
        names, index = self._scene.names, self._scene.index
        for step in self._steps:
            operands = (
                operand_names(self._scene.order[step.node], names, index) if step.passed else []
            )
            for p in step.passed:
                running[p.parent] = running.get(p.parent, 0.0) + p.contribution
                text = f"  grad {number(running[p.parent])}"
                key = (p.parent, "grad")
                widths[key] = max(widths.get(key, 0), _points(text))
                key = (step.node, f"p{p.operand}")
                # The widest a row gets: its own text, or the current step's product (a second
                # line, but the wider of the two decides).
                row = f"∂/∂{operands[p.operand]} = {number(p.local)}"
                product = f"× {number(step.gradient)} = {number(p.contribution)}"
                widths[key] = max(widths.get(key, 0), _points(max(row, product, key=len)))
            key = (step.node, "grad")
            widths[key] = max(widths.get(key, 0), _points(f"  grad {number(step.gradient)}"))
        return widths

    def _boxes(self, k: int) -> list[Box]:
        """The boxes of frame k, in topological order: running gradients after steps 1..k."""
        scene = self._scene
        running: dict[int, float] = {self._steps[0].node: self._steps[0].gradient}
        for step in self._steps[1 : k + 1]:
            for p in step.passed:
                running[p.parent] = running.get(p.parent, 0.0) + p.contribution
        current = self._steps[k] if k > 0 else None
        receiving = {p.parent for p in current.passed} if current else set()
        boxes = []
        for i, node in enumerate(scene.order):
            box = scene.box(node)
            grad = running.get(i)
            box.grad = "?" if grad is None else number(grad)
            box.grad_width = self._widths.get((i, "grad"), 0)
            if node.parents:
                box.rows = self._rows(node, i, current)
            if current is not None and current.node == i:
                box.fill, box.border = "#fdae6b", HIGHLIGHT  # the same border width: no shift
            elif i in receiving:
                box.fill, box.border = "#fee6ce", HIGHLIGHT
            boxes.append(box)
        return boxes

    def _frame(self, k: int) -> Drawing:
        scene = self._scene
        caption = _caption(scene, self._steps, k)
        # Every caption is as wide as the widest, so the picture never shifts sideways.
        lines = "".join(
            f'<tr><td align="left" width="{self._caption_width}">{html.escape(line)}</td></tr>'
            for line in caption.split("\n")
        )
        graph = scene.graph(self._rankdir, caption=f'<<table border="0">{lines}</table>>')
        graph.attr(labelloc="t", fontsize="12")
        for i, box in enumerate(self._boxes(k)):
            graph.node(f"n{i}", box_label(box, self._rankdir), id=f"n{i}", **scene.group_of(i))
        current = self._steps[k].node if k > 0 else None
        for i, node in enumerate(scene.order):
            for j in range(len(node.parents)):
                attrs = {"id": f"e{i}_{j}"}
                if i == current:
                    attrs.update(color=HIGHLIGHT, penwidth="2.5")
                graph.edge(scene.tail(graph, i, j), scene.head(i, j, self._rankdir, True), **attrs)
        return graph

    def _rows(self, node: Value, i: int, current: BackwardStep | None) -> list[Row]:
        """The rows of box i: local derivatives, and local × grad where it is the current step
        (an empty second line elsewhere, so every frame's boxes are as tall)."""
        scene = self._scene
        passing = current is not None and current.node == i
        if len(node.parents) > MAX_ROWS:  # as draw_graph: the rule once, not a row per operand
            extra = (
                html.escape(f"× {number(current.gradient)}") if current and passing else "&#160;"
            )
            return [Row("p", html.escape(rule_of(node).derivative), extra)]
        names = operand_names(node, scene.names, scene.index)
        rows = []
        for j, local in enumerate(local_derivatives(node)):
            extra = "&#160;"
            if current is not None and passing:
                extra = html.escape(
                    f"× {number(current.gradient)} = {number(local * current.gradient)}"
                )
            rows.append(Row(f"p{j}", derivative_text(names[j], local), extra,
                            self._widths.get((i, f"p{j}"), 0)))  # fmt: skip
        return rows


def _points(text: str, per_character: float = 6.6) -> int:
    """A generous width in points of a line of 11 pt Helvetica (a little too wide is harmless:
    it only reserves room)."""
    return round(10 + per_character * len(text))


def _caption(scene: Scene, steps: Sequence[BackwardStep], k: int) -> str:
    """A sentence for frame k: which gradient is now complete and what it passes on."""
    symbol = scene.symbol
    step = steps[k]
    name = bracketed(scene.names[step.node])
    total = len(steps) - 1
    if k == 0:  # two lines, as every other caption: the picture keeps its height
        return (
            f"Step 0 of {total}: the seed ∂{symbol}/∂{symbol} = {number(step.gradient)}.\n"
            "Nothing has been passed on yet: every other gradient is ?"
        )
    node = scene.order[step.node]
    names = operand_names(node, scene.names, scene.index)
    upstream = number(step.gradient)
    gifts = ", ".join(
        f"{number(p.local)} × {upstream} = {number(p.contribution)} to {names[p.operand]}"
        for p in step.passed[:4]
    ) + (", …" if len(step.passed) > 4 else "")
    return (
        f"Step {k} of {total}: ∂{symbol}/∂{name} = {number(step.gradient)} is now complete.\n"
        f"It passes local derivative × {number(step.gradient)} to each operand: {gifts}"
    )


def backward_frames(
    root: Value,
    *,
    seed: float = 1.0,
    rankdir: str = "auto",
    max_nodes: int = DEFAULT_MAX_NODES,
    width_budget: float = WIDTH_BUDGET,
    parameters: Parameters = None,
) -> BackwardFrames:
    """The backward pass of ``root`` as a sequence of drawings, one per step, laid out alike.

    Frame 0 holds only the seed ∂f/∂f = ``seed``. Each following frame takes the next op in
    reverse topological order, whose gradient is now complete, and shows in its rows what it
    passes to each operand: local derivative × its gradient, added to the operand's running
    total. Gradients not reached yet show "?". Boxes are the same as draw_graph's and keep the
    same size in every frame, so Graphviz places every box at the same spot in every frame.

    ``rankdir="auto"`` lays the frames out left to right when they fit ``width_budget`` points
    (a notebook's width), else top to bottom. Frames are built when they are indexed or
    iterated, so a graph of a thousand nodes costs nothing until its frames are drawn.
    ``parameters`` (a module, or a list of Values) are drawn as parameters, as for draw_graph.
    Raises what ``root.backward(seed)`` would raise.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, got {rankdir!r}"
        )
    scene = Scene(root, max_nodes=max_nodes, caller="backward_frames", parameters=parameters)
    steps = backward_steps(root, seed)
    return BackwardFrames(scene, steps, rankdir, width_budget)


def save_frames(
    frames: Sequence[Drawing], folder: str | Path, *, format: str = "svg"
) -> list[Path]:
    """Render every frame into ``folder`` as frame_000.svg, frame_001.svg, ... (see render)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [render(frame, folder / f"frame_{k:03d}.{format}") for k, frame in enumerate(frames)]
