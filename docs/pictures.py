"""Draw the pictures the README shows, into docs/pictures/ (run by `make pictures`).

Each picture is made by the library's own functions from a fixed seed, so running this again
after a change to the drawings shows the change in `git diff`. The explorer's screenshot needs
Chromium (`make chromium`); without it that one picture is skipped with a note.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from autograd_lite import Value
from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP
from autograd_lite.train import train
from autograd_lite.viz import backward_frames, draw_graph, draw_network, explore, render

FOLDER = Path(__file__).resolve().parent / "pictures"
sys.path.insert(0, str(FOLDER.parent.parent))  # the repository, for tests/ helpers

from tests.browser import chromium_path, launched  # noqa: E402
from tests.examples import cube  # noqa: E402


def chain_rule() -> Value:
    """f = (x² + 1)³ at x = 2, after its backward pass."""
    f = cube()
    f.backward()
    return f


def neuron() -> Value:
    """tanh(w·x + b) for three inputs, after its backward pass."""
    ws = [Value(w, label=f"w{i}") for i, w in enumerate([0.5, -1.0, 2.0])]
    xs = [Value(x, label=f"x{i}") for i, x in enumerate([1.0, 0.5, -0.25])]
    out = Value.linear(ws, xs, Value(0.1, label="b")).tanh()
    out.label = "a"
    out.backward()
    return out


def trained_model() -> tuple[MLP, list[list[float]]]:
    """MLP(2, [16, 16, 1]) after 60 steps on the moons, as the demo trains it."""
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    train(model, X, y, steps=60, lr=lambda k: 1.0 - 0.9 * k / 60, l2_alpha=1e-4, progress=False)
    return model, X


def main() -> int:
    FOLDER.mkdir(exist_ok=True)
    f = chain_rule()
    written = [
        render(draw_graph(f, edge_derivatives=True, contributions=True), FOLDER / "chain_rule.svg"),
        render(backward_frames(f)[2], FOLDER / "backward_step.svg"),
        render(
            draw_graph(neuron(), edge_derivatives=True, contributions=True), FOLDER / "neuron.svg"
        ),
    ]
    small = MLP(2, [4, 1], seed=0)
    out = small([0.5, -0.3])
    out.backward()
    written.append(render(draw_graph(out, color_gradients=True), FOLDER / "mlp_one_sample.svg"))
    model, X = trained_model()
    written.append(render(draw_network(model, sample=X[0]), FOLDER / "network.svg"))
    written.extend(explorer_screenshot(f))
    for path in written:
        print(f"wrote {path.relative_to(FOLDER.parent.parent)}")
    return 0


def explorer_screenshot(f: Value) -> list[Path]:
    """The explorer at step 2 of 3, as a PNG at notebook width (needs Chromium)."""
    if chromium_path() is None:
        print("note: Chromium is not installed (make chromium): explorer.png not redrawn")
        return []
    path = FOLDER / "explorer.png"
    with tempfile.TemporaryDirectory() as folder, launched() as browser:
        page_path = explore(f).save(Path(folder) / "explorer.html")
        page = browser.new_page(viewport={"width": 900, "height": 640})
        page.goto(page_path.as_uri())
        for _ in range(2):
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(path), full_page=True)
    return [path]


if __name__ == "__main__":
    sys.exit(main())
