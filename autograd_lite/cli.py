"""The ``autograd-lite`` command (also ``python -m autograd_lite``).

>>> main(["--version"])  # doctest: +ELLIPSIS
autograd_lite 0...
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .engine import Value, local_derivatives, topological_order
from .errors import DomainError
from .functional import grad

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

    print("\nBackward pass (output first): grad of a parent += local derivative × grad of node")
    for node in reversed(order):
        for parent, local in zip(node.parents, local_derivatives(node), strict=True):
            print(
                f"  ∂f/∂{parent.label} += ∂{node.label}/∂{parent.label} × ∂f/∂{node.label}"
                f" = {local:g} × {node.grad:g}"
            )
    by_hand = 3 * (x0**2 + 1) ** 2 * 2 * x0
    print(f"\nf({x0:g}) = {f.data:g}")
    print(f"f'({x0:g}) = {x.grad:g}   (by hand: 3·(x² + 1)²·2x = {by_hand:g})")
    second = grad(lambda t: grad(lambda s: (s**2 + 1) ** 3)(t)[0])(x0)[0]
    print(f"f''({x0:g}) = {second:g}   (the derivative of the derivative, by the same engine)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="autograd-lite", description="A scalar autodiff engine you can see, check and trust."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="show the chain rule at work on a small example")
    demo.add_argument("--x", type=float, default=2.0, help="the point to differentiate at")
    args = parser.parse_args(argv)
    if args.version:
        print(f"autograd_lite {__version__}")
        return 0
    if args.command == "demo":
        try:
            _chain_rule_demo(args.x)
        except DomainError as error:
            parser.exit(2, f"autograd-lite demo: error: {error}\n")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
