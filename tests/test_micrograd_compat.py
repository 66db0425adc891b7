"""micrograd's own code runs on autograd_lite with only its imports changed.

The code below is micrograd 0.1.0's, as written in its repository (test/test_engine.py,
demo.ipynb, trace_graph.ipynb), kept as text with micrograd's imports; each test swaps the
imports, and nothing else, and runs it. The same code also runs on micrograd itself (installed
by the [bench] extra) where that is quick, as the reference.
"""

from __future__ import annotations

import random
import shutil
from typing import Any

import numpy as np
import pytest

micrograd = pytest.importorskip("micrograd", reason="micrograd comes with the [bench] extra")

SWAPS = {
    "from micrograd.engine import Value": "from autograd_lite import Value",
    "from micrograd.nn import Neuron, Layer, MLP": "from autograd_lite.nn import Neuron, Layer, MLP",
    "from micrograd import nn": "from autograd_lite import nn",
    "from micrograd.nn import Module, Neuron, Layer": "from autograd_lite.nn import Module, Neuron, Layer",
}


def swapped(source: str) -> str:
    """``source`` with micrograd's imports replaced by ours: the only change allowed."""
    for theirs, ours in SWAPS.items():
        source = source.replace(theirs, ours)
    assert "micrograd" not in source
    return source


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<micrograd code>", "exec"), namespace)
    return namespace


# -- test/test_engine.py (torch's half of each test replaced by micrograd itself) --------------

TEST_ENGINE = """
from micrograd.engine import Value

def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y
    return ymg.data, xmg.grad

def test_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g
    return gmg.data, amg.grad, bmg.grad
"""


@pytest.mark.parametrize("test", ["test_sanity_check", "test_more_ops"])
def test_micrograd_test_engine_gives_micrograds_numbers(test: str) -> None:
    ours = run(swapped(TEST_ENGINE))[test]()
    theirs = run(TEST_ENGINE)[test]()
    # micrograd's own tolerance against PyTorch is 1e-6; division is x * y**-1 there and one
    # rounded op here, so the last bits may differ.
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)
    if test == "test_sanity_check":  # the values micrograd's test checks against PyTorch
        assert ours == (-20.0, 46.0)
    else:
        assert ours == pytest.approx((24.70408163265306, 138.83381924198252, 645.5772594752186))


# -- demo.ipynb: the moons classifier (plots left out; sklearn's make_moons, as there) ----------

DEMO = """
import random
import numpy as np
from micrograd.engine import Value
from micrograd.nn import Neuron, Layer, MLP

np.random.seed(1337)
random.seed(1337)

# make up a dataset
from sklearn.datasets import make_moons, make_blobs
X, y = make_moons(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1

# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(STEPS):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")

# visualize decision boundary (the plot itself is left out)
h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h),
                     np.arange(y_min, y_max, h))
Xmesh = np.c_[xx.ravel(), yy.ravel()]
inputs = [list(map(Value, xrow)) for xrow in Xmesh]
scores = list(map(model, inputs))
Z = np.array([s.data > 0 for s in scores])
Z = Z.reshape(xx.shape)
"""


def test_micrograd_demo_runs_learns_and_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn", reason="the demo's data comes from scikit-learn")
    # micrograd's demo runs 100 steps; the test runs 30 (STEPS is the one placeholder), twice.
    source = swapped(DEMO).replace("range(STEPS)", "range(30)")
    first, second = run(source), run(source)
    output = capsys.readouterr().out
    assert "number of parameters 337" in output
    assert "step 29 loss" in output
    # The same random.seed gives the same model, the same losses and the same boundary.
    assert [p.data for p in first["model"].parameters()] == [
        p.data for p in second["model"].parameters()
    ]
    assert first["total_loss"].data == second["total_loss"].data
    assert (first["Z"] == second["Z"]).all()
    assert first["total_loss"].data < 0.2
    assert first["acc"] >= 0.95
    assert first["Z"].any() and not first["Z"].all()  # both classes appear on the grid
    # A different global seed gives a different model: the seed is really used.
    other = run(source.replace("random.seed(1337)", "random.seed(7)"))
    capsys.readouterr()
    assert [p.data for p in other["model"].parameters()] != [
        p.data for p in first["model"].parameters()
    ]


# -- trace_graph.ipynb: micrograd's own draw_dot, walking _prev and _op ------------------------

TRACE_GRAPH = """
from micrograd.engine import Value
from graphviz import Digraph

def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root, format='svg', rankdir='LR'):
    \"\"\"
    format: png | svg | ...
    rankdir: TB (top to bottom graph) | LR (left to right)
    \"\"\"
    assert rankdir in ['LR', 'TB']
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir}) #, node_attr={'rankdir': 'TB'})

    for n in nodes:
        dot.node(name=str(id(n)), label = "{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))

    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot

# a very simple example
x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
simple = draw_dot(y)

# a simple 2D neuron
import random
from micrograd import nn
random.seed(1337)
n = nn.Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = n(x)
y.backward()
dot = draw_dot(y)
"""


def _op_labels(dot: Any) -> list[str]:
    """The op boxes of a draw_dot picture (plain nodes; values are records)."""
    return sorted(
        line.split("label=")[1].split("]")[0].strip('"')
        for line in dot.body
        if "label=" in line and "shape=record" not in line
    )


def _records(dot: Any) -> list[str]:
    return sorted(line.split("label=")[1].split("]")[0] for line in dot.body if "record" in line)


def test_micrograd_trace_graph_draws_the_same_simple_graph() -> None:
    ours, theirs = run(swapped(TRACE_GRAPH)), run(TRACE_GRAPH)
    # (x * 2 + 1).relu(): the same boxes, the same ops, the same numbers as micrograd draws.
    assert _op_labels(ours["simple"]) == _op_labels(theirs["simple"]) == ["*", "+", "ReLU"]
    assert _records(ours["simple"]) == _records(theirs["simple"])
    assert len(ours["simple"].body) == len(theirs["simple"].body)
    # The neuron: our weighted sum is one node (linear) where micrograd chains + and *.
    assert _op_labels(ours["dot"]) == ["ReLU", "linear"]
    assert len(_records(ours["dot"])) == 2 + 3 + 1 + 1  # x0, x1, w0, w1, b, Σw·x+b, relu
    if shutil.which("dot") is not None:  # and Graphviz draws it
        assert b"<svg" in ours["dot"].pipe(format="svg")


def test_prev_and_op_are_read_only_views() -> None:
    from autograd_lite import Value

    a = Value(2.0)
    b = a * a
    assert b._prev == {a} and b.parents == (a, a)
    b._prev.add(Value(0.0))  # a new set each time: the graph is not edited
    assert b._prev == {a}
    with pytest.raises(AttributeError):
        b._prev = set()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        b._op = "+"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda x: x + 1, "+"),
        (lambda x: 1 + x, "+"),
        (lambda x: x * 2, "*"),
        (lambda x: x - 1, "-"),
        (lambda x: x / 2, "/"),
        (lambda x: x**2, "**2"),
        (lambda x: x**-1, "**-1"),
        (lambda x: x**0.5, "**0.5"),
        (lambda x: x**2.0, "**2"),
        (lambda x: x.relu(), "ReLU"),
        (lambda x: x.tanh(), "tanh"),
        (lambda x: x.exp(), "exp"),
        (lambda x: -x, "neg"),
        (lambda x: x, ""),
    ],
)
def test_op_spelled_as_micrograd_spells_it(make: Any, op: str) -> None:
    from autograd_lite import Value

    assert make(Value(3.0))._op == op


def test_micrograd_style_op_by_hand_points_to_rules() -> None:
    from autograd_lite import Value

    a = Value(1.0)
    with pytest.raises(TypeError, match=r"_children, _op.*autograd_lite\.extend\.register"):
        Value(2.0, (a,), "tanh")  # type: ignore[call-arg]


# -- random.seed makes models, data and mini-batches reproducible ------------------------------


def test_global_random_seed_makes_everything_reproducible() -> None:
    from autograd_lite.datasets import make_moons
    from autograd_lite.losses import hinge
    from autograd_lite.nn import MLP
    from autograd_lite.train import train

    def once() -> tuple[list[float], list[float]]:
        random.seed(1337)
        X, y = make_moons(20)
        model = MLP(2, [4, 1])
        history = train(model, X, y, loss=hinge, steps=5, batch_size=5, progress=False)
        return [p.data for p in model.parameters()], history.loss

    assert once() == once()
    # seed= keeps its own generator: the global state does not matter then.
    random.seed(1)
    a = MLP(2, [3, 1], seed=5).state_dict()
    random.seed(2)
    assert MLP(2, [3, 1], seed=5).state_dict() == a


def test_numpy_everywhere_in_nn_losses_and_train() -> None:
    from autograd_lite.losses import binary_cross_entropy_with_logits, cross_entropy, hinge, mse
    from autograd_lite.nn import MLP
    from autograd_lite.train import evaluate, train

    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.25], [2.0, 0.0]])
    y = np.array([1, -1, 1, -1])
    model = MLP(2, [3, 1], seed=0)
    as_list = MLP(2, [3, 1], seed=0)
    assert model(X[0]).data == as_list([0.5, -1.0]).data  # a NumPy row
    assert model(np.float32([0.5, -1.0])).data == pytest.approx(model([0.5, -1.0]).data)
    history = train(model, X, y, loss=hinge, steps=3, progress=False)
    history_list = train(as_list, X.tolist(), y.tolist(), loss=hinge, steps=3, progress=False)
    assert history.loss == history_list.loss
    assert evaluate(model, X, y) == evaluate(as_list, X.tolist(), y.tolist())
    scores = [model(x) for x in X]
    assert hinge(scores, y).data == hinge(scores, y.tolist()).data
    assert hinge(scores, [np.int64(1), np.int64(-1), 1, -1]).data == hinge(scores, y).data
    assert mse(scores, np.zeros(4)).data == mse(scores, [0.0] * 4).data
    labels01 = np.array([1, 0, 1, 0])
    assert (
        binary_cross_entropy_with_logits(scores, labels01).data
        == binary_cross_entropy_with_logits(scores, [1, 0, 1, 0]).data
    )
    logits = np.array([[0.0, 1.0], [2.0, -1.0]])
    assert (
        cross_entropy(logits, np.array([1, 0])).data == cross_entropy(logits.tolist(), [1, 0]).data
    )
    state = {name: np.float32(0.5) for name in model.state_dict()}
    model.load_state_dict(state)
    assert {p.data for p in model.parameters()} == {0.5}


# -- micrograd's nn.py API: nonlin, and a model of one's own that overrides parameters() --------

OWN_MODEL = """
import random
from micrograd.engine import Value
from micrograd.nn import Module, Neuron, Layer

random.seed(0)

class TwoLayers(Module):
    def __init__(self):
        self.hidden = Layer(2, 4, nonlin=True)
        self.out = Neuron(4, nonlin=False)
    def __call__(self, x):
        return self.out(self.hidden(x))
    def parameters(self):
        return self.hidden.parameters() + self.out.parameters()

def describe(n):  # what its Neuron.__repr__ reads
    return f"{'ReLU' if n.nonlin else 'Linear'}Neuron({len(n.w)})"

model = TwoLayers()
names = [describe(n) for n in model.hidden.neurons] + [describe(model.out)]
X = [[1.0, 0.5], [-0.5, 1.0], [0.3, -1.2], [-1.0, -0.4]]
y = [1.0, -1.0, 1.0, -1.0]
losses = []
for k in range(20):
    scores = [model(list(map(Value, x))) for x in X]
    loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(X))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    losses.append(loss.data)
"""


def test_micrograd_style_own_model_with_nonlin_runs_and_learns() -> None:
    for namespace in (run(swapped(OWN_MODEL)), run(OWN_MODEL)):  # ours, then micrograd's
        assert namespace["names"] == ["ReLUNeuron(2)"] * 4 + ["LinearNeuron(4)"]
        assert len(namespace["model"].parameters()) == 17
        assert namespace["losses"][-1] < namespace["losses"][0]
    ours = run(swapped(OWN_MODEL))["model"]
    assert len(ours.named_parameters()) == 17  # what train, SGD and save use
