"""The ``autograd-lite`` command (also ``python -m autograd_lite``).

>>> main(["--version"])  # doctest: +ELLIPSIS
autograd_lite 0...
0
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from ._common import VERSION, shorten
from .engine import Value, local_derivatives, topological_order
from .errors import DomainError
from .expr import FUNCTIONS
from .functional import grad
from .nn import MLP

__all__ = ["main"]


def _chain_rule_demo(x0: float) -> None:
    """Show the forward and backward pass of f(x) = (x² + 1)³, node by node."""
    print(f"The chain rule on f(x) = (x² + 1)³ at x = {x0:g}, with u = x² + 1 and f = u³.\n")
    x = Value(x0, label="x")
    x_squared = x**2
    x_squared.label = "x²"
    u = x_squared + Value(1.0, label="1")
    u.label = "u"
    f = u**3
    f.label = "f"
    f.backward()

    order = topological_order(f)
    print("Forward pass (each node after the nodes it is computed from):")
    print(f"  {'node':<12} {'op':<6} {'value':>10}")
    for node in order:
        print(f"  {node.label:<12} {node.op or 'leaf':<6} {node.data:>10g}")

    print("\nBackward pass (output first). grad(n) is ∂f/∂n, the gradient being added up;")
    print("∂n/∂p is the local derivative of node n with respect to its input p:")
    for node in reversed(order):
        for parent, local in zip(node.parents, local_derivatives(node), strict=True):
            print(
                f"  grad({parent.label}) += ∂{node.label}/∂{parent.label} × grad({node.label})"
                f" = {local:g} × {node.grad:g}"
            )
    by_hand = 3 * (x0**2 + 1) ** 2 * 2 * x0
    print(f"\nf({x0:g}) = {f.data:g}")
    print(f"f'({x0:g}) = {x.grad:g}   (by hand: 3·(x² + 1)²·2x = {by_hand:g})")
    second = grad(lambda t: grad(lambda s: (s**2 + 1) ** 3)(t)[0])(x0)[0]
    print(f"f''({x0:g}) = {second:g}   (the derivative of the derivative, by the same engine)")


def _moons_demo(steps: int, seed: int, out: Path, quiet: bool) -> None:
    """Train MLP(2, [16, 16, 1]) on 100 moons as micrograd's demo does, and draw the results."""
    from .datasets import make_moons
    from .losses import hinge
    from .plots import plot_decision_boundary, plot_history, require_matplotlib
    from .train import train
    from .viz import GraphvizNotFoundError, draw_graph, draw_network, render

    require_matplotlib()  # before training, not after it
    X, y = make_moons(100, noise=0.1, seed=seed)
    model = MLP(2, [16, 16, 1], seed=seed)
    print(f"Training {model.architecture} on 100 moons: hinge loss + 1e-4·L2, plain gradient")
    print(f"descent w ← w − lr·∂L/∂w with lr falling from 1.0 to 0.1 over {steps} steps.")
    history = train(
        model,
        X,
        y,
        loss=hinge,
        steps=steps,
        lr=lambda k: 1.0 - 0.9 * k / max(steps, 1),
        l2_alpha=1e-4,
        progress=None if not quiet else False,
    )
    if steps:
        first = next((k + 1 for k, a in enumerate(history.accuracy) if a == 1.0), None)
        reached = f", first reached 100% at step {first}" if first else ""
        print(f"After {steps} steps: loss {history.loss[-1]:.4f}, "
              f"training accuracy {history.accuracy[-1]:.0%}{reached}")  # fmt: skip

    out.mkdir(parents=True, exist_ok=True)
    written = [plot_decision_boundary(model, X, y, out / "decision_boundary.png")]
    if steps:
        written.append(plot_history(history, out / "loss_curve.png"))
    network = draw_network(model, sample=X[0])
    output = _neuron_picture(model, X[0])
    graph = draw_graph(output, edge_derivatives=True, contributions=True)
    try:
        written.append(render(network, out / "network.svg"))
        written.append(render(graph, out / "neuron_graph.svg"))
    except GraphvizNotFoundError as error:
        for name, drawing in (("network", network), ("neuron_graph", graph)):
            (out / f"{name}.dot").write_text(drawing.source, encoding="utf-8")
            written.append(out / f"{name}.dot")
        print(f"note: {error}", file=sys.stderr)
    print("Wrote " + ", ".join(str(path) for path in written))


def _neuron_picture(model: MLP, x: Sequence[float]) -> Value:
    """One neuron of the first layer on one sample, after a backward pass of its own.

    The most active neuron, so the picture shows gradients flowing rather than a dead ReLU;
    its parameters' gradients are cleared first, so they are this pass's alone (training left
    its own gradients there, and backward() adds to a leaf's gradient).
    """
    output = max((neuron(x) for neuron in model.layers[0].neurons), key=lambda v: v.data)
    model.zero_grad()
    output.backward()
    return output


def _assignment(text: str) -> tuple[str, float]:
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected name=number, as in x=2, got {shorten(text, 40)!r}"
        )
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{shorten(name, 40)}: expected a number, got {shorten(value, 40)!r}"
        ) from None


def _assignments(texts: Sequence[str]) -> list[tuple[str, float]]:
    """The ``name=number`` arguments as pairs; a ValueError naming the first that is not one
    (the command line prints it as one line, without argparse's usage text)."""
    pairs = []
    for text in texts:
        try:
            pairs.append(_assignment(text))
        except argparse.ArgumentTypeError as error:
            raise ValueError(str(error)) from None
    return pairs


LAYOUT_SECONDS = 10.0
"""How long the command line lets Graphviz lay out a picture before it gives advice instead."""

MAX_FRAME_FILES = 40
"""Most frames --backward writes (one layout each); longer passes belong in the explorer."""


def _graph(args: argparse.Namespace) -> None:
    """Draw the graph of an expression after its backward pass (its frames and its explorer,
    if asked)."""
    from .expr import parse_expression
    from .viz import (
        GraphvizNotFoundError,
        backward_frames,
        draw_graph,
        explore,
        render,
        save_frames,
    )

    fmt = args.output.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png", "pdf"):  # before any work, not after it
        raise ValueError(
            f"-o: the picture must end in .svg, .png or .pdf, got {args.output.name!r}"
        )
    variables = dict(args.variables)
    if len(variables) < len(args.variables):
        twice = next(n for i, (n, _) in enumerate(args.variables) if n in dict(args.variables[:i]))
        raise ValueError(f"the variable {shorten(twice, 40)!r} is given twice; give each once")
    output = parse_expression(args.expression, variables)
    output.backward()
    shown = " ".join(args.expression.split())  # one line, even for an expression on several
    print(f"{shorten(shown, 60)} = {output.data:g}")
    words = set(re.findall(r"\w+", args.expression))  # names: strings and attributes are refused
    for name in variables:
        leaf = next(
            (n for n in topological_order(output) if n.label == name and not n.parents), None
        )
        gradient = leaf.grad if leaf is not None else 0.0
        # A name can be used and still not be in the graph: leaky_relu(x, y) at x > 0 is x.
        print(f"  ∂/∂{name} = {gradient:g}" + ("" if name in words else " (not used)"))
    frames = backward_frames(output, rankdir=args.rankdir) if args.backward else None
    if frames is not None and len(frames) > MAX_FRAME_FILES:  # before any picture is written
        raise ValueError(
            f"--backward: this backward pass has {len(frames)} steps, and a picture of each "
            f"would take long to lay out (the limit is {MAX_FRAME_FILES}); step through it with "
            "--html instead, which lays the graph out once"
        )
    graph = draw_graph(
        output,
        rankdir=args.rankdir,
        edge_derivatives=args.edge_derivatives,
        contributions=args.edge_derivatives,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            print(f"Wrote {render(graph, args.output, timeout=LAYOUT_SECONDS)}")
        except TimeoutError:
            raise TimeoutError(
                f"Graphviz needed more than {LAYOUT_SECONDS:g} s to lay out this graph "
                f"({len(topological_order(output))} values): draw a smaller expression, or "
                "write the interactive explorer with --html, which lays it out once"
            ) from None
        if frames is not None:
            folder = args.output.with_name(f"{args.output.stem}_frames")
            written = save_frames(frames, folder)
            count = f"{len(written)} frame{'s' if len(written) != 1 else ''}"
            print(f"Wrote {count} of the backward pass into {folder}")
        if args.html is not None:
            page = explore(output, rankdir=args.rankdir, timeout=LAYOUT_SECONDS)
            args.html.parent.mkdir(parents=True, exist_ok=True)
            print(f"Wrote {page.save(args.html)}")
    except GraphvizNotFoundError as error:
        dot_path = args.output.with_suffix(".dot")
        dot_path.write_text(graph.source, encoding="utf-8")
        print(f"Wrote {dot_path} (DOT text) instead of {args.output}", file=sys.stderr)
        raise GraphvizNotFoundError(str(error)) from None


def _check_engine(args: argparse.Namespace) -> int:
    """Property-test another engine's scalar class, given as module:Class; 0 if it passes."""
    import importlib
    import os

    from .testing import GradCheckError, check_engine

    module_name, colon, class_name = args.engine.partition(":")
    if not colon or not module_name or not class_name:
        raise ValueError(
            f"expected module:Class, as in my_package.engine:Value, got {args.engine!r}"
        )
    if os.getcwd() not in sys.path:  # as `python -m` does: find the module where you stand
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    value_class: object = module
    for part in class_name.split("."):
        if not hasattr(value_class, part):
            raise ValueError(f"{module_name} has no {class_name!r}")
        value_class = getattr(value_class, part)
    if not isinstance(value_class, type):
        raise ValueError(f"{args.engine} is not a class, got {type(value_class).__name__}")
    ops = [op.strip() for op in args.ops.split(",") if op.strip()] if args.ops else None
    try:
        result = check_engine(
            value_class, ops=ops, examples=args.examples, order=args.order, seed=args.seed
        )
    except GradCheckError as error:
        print(error)
        return 1
    except KeyError as error:  # an unknown op name
        raise ValueError(str(error.args[0])) from None
    print(result.report())
    return 0


def _gpt_demo(
    steps: int, seed: int, temperature: float, quiet: bool, compile: bool = False
) -> None:
    """Train microgpt's GPT on the names, one name per step with Adam, and print samples
    (``compile``: with the compiled forward and backward pass, one program per position)."""
    import time

    from .datasets import load_names
    from .losses import sequence_cross_entropy
    from .nn.gpt import GPT, next_token_data, sample
    from .optim import Adam, linear_decay
    from .tokens import CharTokenizer
    from .train import train

    if not 0 < temperature < float("inf"):
        raise ValueError(f"--temperature must be a positive number, got {temperature!r}")
    names = load_names()
    tokenizer = CharTokenizer.from_texts(names)
    model = GPT(tokenizer.vocab_size, block_size=16, n_layer=1, n_embd=16, n_head=4, seed=seed)
    X, y = next_token_data(names, tokenizer, model.block_size)
    print(f"Training {model.architecture}, {len(model.parameters())} parameters, on")
    print(f"{len(names)} names (makemore's names.txt, MIT, (c) 2022 Andrej Karpathy): one name")
    print(f"per step, Adam lr 0.01 falling linearly to 0, betas (0.85, 0.99), {steps} steps.")
    if compile:
        print("Compiled: one program per position, each compiled when a name first reaches it.")
    started = time.perf_counter()
    history = train(
        model,
        X,
        y,
        loss=sequence_cross_entropy,
        steps=steps,
        optimizer=Adam(
            model.named_parameters(), lr=linear_decay(0.01, max(steps, 1)), betas=(0.85, 0.99)
        ),
        batch_size=1,
        order="epochs",
        seed=seed,
        progress=None if not quiet else False,
        compile=compile,
    )
    elapsed = time.perf_counter() - started
    last = history.loss[-50:]
    if last:
        print(
            f"Average loss of the last {len(last)} steps: {sum(last) / len(last):.4f} "
            f"({elapsed:.1f} s, {1000 * elapsed / steps:.0f} ms per step)"
        )
    print(f"20 samples at temperature {temperature:g}:")
    for name in sample(model, 20, temperature=temperature, seed=seed, tokenizer=tokenizer):
        print(f"  {name}")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="autograd-lite", description="A scalar autodiff engine you can see, check and trust."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser(
        "demo",
        help="train a small network on the moons with plain gradient descent",
        description="Train MLP(2, [16, 16, 1]) on 100 points of two interleaved half-moons "
        "with a hinge loss and plain gradient descent (as micrograd's demo does), then write "
        "pictures into --out: the decision boundary, the loss curve, the network as layers of "
        "neurons and the computation graph of one neuron. Needs matplotlib (the [plot] extra).",
    )
    demo.add_argument("--steps", type=_positive_int, default=100, help="training steps (100)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the data and weights (0)")
    demo.add_argument("--out", type=Path, default=Path("out"), help="folder for pictures (out/)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    graph = commands.add_parser(
        "graph",
        help="draw the graph of an expression after its backward pass",
        description='Example: autograd-lite graph "(x**2 + 1)**3" x=2 -o f.svg --edge-derivatives',
    )
    graph.add_argument(
        "expression",
        help="a formula in variables x, y, ... with numbers, + - * / ** and the functions "
        + ", ".join(sorted(FUNCTIONS))
        + " (leaky_relu(x, slope))",
    )
    # Read after parsing (_assignments), so a bad one is a one-line error, not a usage text.
    graph.add_argument("variables", nargs="*", help="values, as in x=2 y=-1")
    graph.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("graph.svg"),
        help="the picture to write: .svg, .png or .pdf (graph.svg)",
    )
    graph.add_argument(
        "--edge-derivatives",
        action="store_true",
        help="label edges with local derivatives and what they pass on",
    )
    graph.add_argument(
        "--backward",
        action="store_true",
        help="also draw each step of the backward pass, in OUTPUT_frames/",
    )
    graph.add_argument(
        "--html",
        type=Path,
        metavar="PAGE",
        help="also write an interactive explorer of the backward pass, as one HTML file",
    )
    graph.add_argument(
        "--rankdir",
        choices=["auto", "LR", "TB"],
        default="auto",
        help="layout direction: auto (left to right if it fits, else top to bottom), LR or TB",
    )
    engine = commands.add_parser(
        "check-engine",
        help="property-test your own engine's Value class against autograd_lite",
        description="Example: autograd-lite check-engine my_package.engine:Value "
        "--ops add,mul,tanh. Exit code 0 if it passes, 1 with a report if not.",
    )
    engine.add_argument("engine", help="your scalar class, as module:Class")
    engine.add_argument("--ops", help="comma-separated ops to check (default: all it has)")
    engine.add_argument(
        "--examples", type=_positive_int, default=None, help="random expressions (200)"
    )
    engine.add_argument("--order", type=int, choices=[1, 2], default=1, help="1 or 2 (1)")
    engine.add_argument("--seed", type=int, default=None, help="for a reproducible run")
    chain = commands.add_parser(
        "chain-rule",
        help="show the chain rule node by node on f(x) = (x² + 1)³",
        description="Print the forward and backward pass of f(x) = (x² + 1)³, with u = x² + 1 "
        "and f = u³, node by node: each local derivative, each product of the chain rule, and "
        "f'(x) and f''(x) checked against the formulas by hand.",
    )
    chain.add_argument("--x", type=float, default=2.0, help="the point to differentiate at")
    gpt = commands.add_parser(
        "gpt",
        help="train microgpt's GPT on 32,033 names and print 20 samples",
        description="Train GPT(vocab 27, block 16, 1 layer, 16 embd, 4 heads), microgpt's "
        "4,192 parameters, on the names of makemore's names.txt, one shuffled name per step "
        "with Adam (lr 0.01 decaying linearly to 0, betas 0.85/0.99); print the average loss "
        "of the last 50 steps and 20 names sampled at --temperature.",
    )
    gpt.add_argument("--steps", type=_positive_int, default=1000, help="training steps (1000)")
    gpt.add_argument(
        "--seed", type=int, default=42, help="seed of the weights, order, samples (42)"
    )
    gpt.add_argument(
        "--temperature", type=float, default=0.5, help="sampling temperature, > 0 (0.5)"
    )
    gpt.add_argument("--quiet", action="store_true", help="no progress bar")
    gpt.add_argument(
        "--compile",
        action="store_true",
        help="run the forward and backward pass as compiled Python (the same losses, faster)",
    )
    args = parser.parse_args(argv)
    if args.version:
        print(f"autograd_lite {VERSION}")
        return 0
    try:
        if args.command == "demo":
            _moons_demo(args.steps, args.seed, args.out, args.quiet)
            return 0
        if args.command == "gpt":
            _gpt_demo(args.steps, args.seed, args.temperature, args.quiet, args.compile)
            return 0
        if args.command == "chain-rule":
            _chain_rule_demo(args.x)
            return 0
        if args.command == "graph":
            args.variables = _assignments(args.variables)
            _graph(args)
            return 0
        if args.command == "check-engine":
            if args.examples is None:
                from .testing import DEFAULT_EXAMPLES

                args.examples = DEFAULT_EXAMPLES
            return _check_engine(args)
    except (DomainError, ImportError, OSError, ValueError, RuntimeError, TimeoutError) as error:
        parser.exit(2, f"autograd-lite {args.command}: error: {error}\n")
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
