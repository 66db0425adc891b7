"""Parse a formula safely into a graph of Values: a whitelist over Python's ``ast``, never eval.

>>> f = parse_expression("(x**2 + 1)**3", {"x": 2.0})
>>> f.data
125.0
>>> parse_expression("__import__('os')", {})
Traceback (most recent call last):
    ...
ValueError: not allowed in an expression: a call of __import__ (col 1); allowed: numbers, ...

Variables become leaves labelled with their names, so a drawing shows ``x`` and ``y``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

from .engine import Value

__all__ = ["FUNCTIONS", "parse_expression"]

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "silu": Value.silu,
    "swish": Value.silu,
    "softplus": Value.softplus,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.abs,
}
"""The functions an expression may call, each on one Value (leaky_relu also takes a slope)."""

_ALLOWED = "numbers, variable names, + - * / **, unary - and +, and the functions " + ", ".join(
    sorted(FUNCTIONS)
)

_BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _refuse(node: ast.AST, what: str) -> ValueError:
    col = getattr(node, "col_offset", -1) + 1
    return ValueError(f"not allowed in an expression: {what} (col {col}); allowed: {_ALLOWED}")


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        return f"a call of {name}"
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        return "the operator ^ (exclusive or in Python: write x**2 for a power)"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {type(node.op).__name__}"
    return f"{type(node).__name__} {ast.unparse(node)!r}"


def parse_expression(text: str, variables: Mapping[str, float]) -> Value:
    """Build the graph of ``text`` with each name bound to a leaf Value of the given number.

    Raises ValueError naming the first construct that is not allowed, an unknown name, or a
    syntax error; DomainError if the arithmetic has no real answer.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not a valid expression: {error.msg} (col {error.offset})") from None
    leaves = {name: Value(value, label=name) for name, value in variables.items()}

    def build(node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _refuse(node, _describe(node))
            try:
                number = float(node.value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise _refuse(node, f"the constant {ast.unparse(node)[:20]}, which is not finite")
            return number
        if isinstance(node, ast.Name):
            if node.id not in leaves:
                known = ", ".join(sorted(leaves)) or "none"
                raise ValueError(
                    f"unknown variable {node.id!r} (col {node.col_offset + 1}): give it a value, "
                    f"as in {node.id}=1.5 (variables given: {known})"
                )
            return leaves[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = build(node.left), build(node.right)
            if not isinstance(left, Value) and not isinstance(right, Value):
                # Constants too are computed by the engine, so 1/0 is our DomainError. A number
                # exponent stays a number: x ** 2 is the pow op, not vpow.
                left = Value(left)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else +operand
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and not node.keywords
        ):
            arguments = [build(argument) for argument in node.args]
            expected = 2 if node.func.id == "leaky_relu" else 1
            if not 1 <= len(arguments) <= expected:
                raise ValueError(
                    f"{node.func.id} takes {expected} argument{'s' if expected > 1 else ''}, "
                    f"got {len(arguments)} (col {node.col_offset + 1})"
                )
            first = arguments[0] if isinstance(arguments[0], Value) else Value(arguments[0])
            rest = [a.data if isinstance(a, Value) else a for a in arguments[1:]]
            return FUNCTIONS[node.func.id](first, *rest)
        raise _refuse(node, _describe(node))

    result = build(tree.body)
    return result if isinstance(result, Value) else Value(result)
