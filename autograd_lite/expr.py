"""Parse a formula safely into a graph of Values: a whitelist over Python's ``ast``, never eval.

>>> f = parse_expression("(x**2 + 1)**3", {"x": 2.0})
>>> f.data
125.0
>>> parse_expression("__import__('os')", {})
Traceback (most recent call last):
    ...
ValueError: not allowed in an expression: a call of __import__ (col 1); allowed: numbers, ...

Variables become leaves labelled with their names, so a drawing shows ``x`` and ``y``.
Numbers and whatever is computed from numbers alone stay numbers (``x ** (1 + 1)`` is
``x ** 2``, the ``pow`` op); the slope of leaky_relu may itself depend on the variables:

>>> from autograd_lite import topological_order
>>> f = parse_expression("leaky_relu(x, y)", {"x": -2.0, "y": 0.1})
>>> f.backward()
>>> sorted((leaf.label, leaf.grad) for leaf in topological_order(f) if leaf.label)
[('x', 0.1), ('y', -2.0)]

Everything else is refused before anything is computed, with one line naming the first
construct that is not allowed, and nothing recurses: a thousand nested minus signs work, and
what is too deep for Python's own parser is refused with advice.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

from ._common import shorten
from .engine import Value
from .ops import RULES

__all__ = ["FUNCTIONS", "parse_expression"]

_FUNCTION_RULES = {
    name: rule
    for rule in RULES.values()
    if rule.written.method and len(rule.inputs) == 1 and not rule.variadic
    for name in (rule.written.method, *rule.written.aliases)
}
FUNCTIONS: dict[str, Callable[..., Value]] = {
    name: getattr(Value, rule.written.method) for name, rule in _FUNCTION_RULES.items()
}
"""The functions an expression may call: each built-in op that is a Value method of one operand
(by its method's name and its aliases), read from the rules; leaky_relu also takes a slope."""

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

_SHOWN = 30
"""At most this many characters of the input are repeated in an error message."""


def parse_expression(text: str, variables: Mapping[str, float]) -> Value:
    """Build the graph of ``text`` with each name bound to a leaf Value of the given number.

    Raises ValueError naming the first construct that is not allowed, an unknown name, or a
    syntax error (all before computing anything); DomainError if the arithmetic has no real
    answer.
    """
    source = text.strip()
    tree = _parse(source)
    leaves = {name: Value(value, label=name) for name, value in variables.items()}
    _check(tree, source, leaves)
    result = _evaluate(tree.body, leaves)
    return result if isinstance(result, Value) else Value(result)


def _parse(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        message = error.msg
        if "integer string conversion" in message:  # Python's limit on digits of an int
            message = "a whole number of more than 4,300 digits (far beyond a float's 1.8e308)"
        where = f" (col {error.offset})" if error.offset else ""
        raise ValueError(f"not a valid expression: {shorten(message, 80)}{where}") from None
    except UnicodeEncodeError as error:  # a lone surrogate: undecodable bytes in argv
        raise ValueError(
            f"not a valid expression: the character {error.object[error.start]!r} at col "
            f"{error.start + 1} is not text (invalid UTF-8?)"
        ) from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deep nesting (some thousands of levels) with one of
        # these, depending on the construct; either way the input, not the machine, is at fault.
        raise ValueError(
            "not a valid expression: nested too deeply for Python's parser (some thousands of "
            "levels, such as ----x or a+b+…); build such graphs in Python, where Value.sum adds "
            "many terms as one node"
        ) from None


def _position(node: ast.AST, lines: list[str]) -> str:
    """Where ``node`` starts, in characters (ast counts UTF-8 bytes), counting from 1."""
    line = getattr(node, "lineno", 1)
    before = lines[line - 1].encode()[: getattr(node, "col_offset", 0)]
    col = len(before.decode("utf-8", "replace")) + 1
    return f"col {col}" if line == 1 else f"line {line}, col {col}"


def _source_of(node: ast.AST, lines: list[str]) -> str:
    """The text of ``node`` (ast.get_source_segment, which takes minutes on a long line)."""
    first, last = getattr(node, "lineno", 0), getattr(node, "end_lineno", None)
    if not first or last is None:
        return type(node).__name__
    chunk = "\n".join(lines[first - 1 : last]).encode()
    end = len(chunk) - len(lines[last - 1].encode()) + (getattr(node, "end_col_offset", 0) or 0)
    return chunk[getattr(node, "col_offset", 0) : end].decode("utf-8", "replace")


def _refuse(node: ast.AST, what: str, lines: list[str]) -> ValueError:
    return ValueError(
        f"not allowed in an expression: {what} ({_position(node, lines)}); allowed: {_ALLOWED}"
    )


def _check(tree: ast.Expression, source: str, leaves: Mapping[str, Value]) -> None:
    """Refuse the first construct (in reading order) that is not allowed, before any work."""
    lines = source.splitlines() or [""]

    def segment(node: ast.AST) -> str:
        shown = shorten(_source_of(node, lines), _SHOWN)
        # One line, whatever the input holds: control characters (a newline in a triple-quoted
        # string, a NUL) are written as escapes.
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)

    problems: list[tuple[int, int, int, ValueError]] = []
    # Iterative (no recursion however deep the tree), parents before their operands, and only
    # into the operands of allowed nodes: what a refused node holds is never looked at.
    pending: list[ast.expr] = [tree.body]
    while pending:
        node = pending.pop()
        problem = _problem(node, segment, leaves, lines)
        if problem is None:
            pending.extend(_operands(node))
        else:
            key = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0), len(problems))
            problems.append((*key, problem))
    if problems:  # the first in reading order; an outer node before one at the same place
        raise min(problems, key=lambda found: found[:3])[3]


def _problem(
    node: ast.AST, segment: Callable[[ast.AST], str], leaves: Mapping[str, Value], lines: list[str]
) -> ValueError | None:
    """What is wrong with ``node`` itself (its children are judged on their own), or None."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return _refuse(node, f"the constant {segment(node)}", lines)
        try:
            number = float(node.value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            what = f"the constant {segment(node)}, which is not finite as a float (above 1.8e308)"
            return _refuse(node, what, lines)
        return None
    if isinstance(node, ast.Name):
        if node.id in leaves:
            return None
        name = shorten(node.id, _SHOWN)
        known = shorten(", ".join(sorted(leaves)) or "none", 60)
        if node.id in FUNCTIONS:
            hint = f"{node.id} is a function: write {node.id}(x)"
        else:
            hint = f"give it a value, as in {node.id if name == node.id else 'name'}=1.5"
        return ValueError(
            f"unknown variable {name!r} ({_position(node, lines)}): {hint} "
            f"(variables given: {known})"
        )
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINARY:
            return None
        if isinstance(node.op, ast.BitXor):
            what = "the operator ^ (exclusive or in Python: write x**2 for a power)"
        else:
            what = f"the operator {type(node.op).__name__}"
        return _refuse(node, what, lines)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return None
        return _refuse(node, f"the operator {type(node.op).__name__}", lines)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            return _refuse(node, f"a call of {segment(node.func)}", lines)
        name = node.func.id
        if node.keywords:
            keyword = node.keywords[0]
            written = f"{keyword.arg}=" if keyword.arg else "**"
            return _refuse(
                keyword,
                f"the keyword argument {shorten(written, _SHOWN)} of {name} "
                "(give arguments by position)",
                lines,
            )
        expected = 1 + len(_FUNCTION_RULES[name].params)  # the operand, then its parameters
        if not 1 <= len(node.args) <= expected:
            return ValueError(
                f"{name} takes {expected} argument{'s' if expected > 1 else ''}, "
                f"got {len(node.args)} ({_position(node, lines)})"
            )
        return None
    return _refuse(node, f"{type(node).__name__} {segment(node)!r}", lines)


def _evaluate(root: ast.expr, leaves: Mapping[str, Value]) -> Value | float:
    """The value of a checked tree: a Value, or a number if no variable occurs in it.

    Iterative, with an explicit stack (a tree may be thousands of levels deep): each node is
    visited once to push its operands, then once more to combine their results.
    """
    results: dict[ast.AST, Value | float] = {}
    stack: list[tuple[ast.expr, bool]] = [(root, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node)
        if not operands_done and operands:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))  # left first
            continue
        results[node] = _combine(node, [results.pop(operand) for operand in operands], leaves)
    return results[root]


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _combine(
    node: ast.expr, args: list[Value | float], leaves: Mapping[str, Value]
) -> Value | float:
    """One node's value from its operands' values."""
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float)), "checked: numbers only"
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    numbers_only = not any(isinstance(a, Value) for a in args)
    if isinstance(node, ast.UnaryOp):
        (operand,) = args
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = args
        if numbers_only:
            # Computed by the engine, so 1/0 is our DomainError, then kept a number, so that
            # x ** (1 + 1) is x ** 2 (the pow op), exactly as if 2 had been written.
            return _number(_BINARY[type(node.op)](Value(_number(left)), right))
        return _BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call), "checked: nothing else is allowed"
    assert isinstance(node.func, ast.Name), "checked: calls of the functions by name"
    name = node.func.id
    if name == "leaky_relu" and len(args) == 2 and isinstance(args[1], Value):
        return _leaky_relu_of_a_variable_slope(args[0], args[1])
    first = args[0] if isinstance(args[0], Value) else Value(args[0])
    rest = [a.data if isinstance(a, Value) else a for a in args[1:]]  # a number slope
    result = FUNCTIONS[name](first, *rest)
    return _number(result) if numbers_only else result


def _number(value: Value | float) -> float:
    return value.data if isinstance(value, Value) else value


def _leaky_relu_of_a_variable_slope(x: Value | float, slope: Value) -> Value | float:
    """leaky_relu(x, s) where s depends on the variables, so ∂/∂s = x (for x <= 0) counts.

    The op takes its slope as a number (a parameter of the rule), so this is the definition
    written out, x if x > 0 else s·x: the same value and first derivatives as the op (s at
    the kink x = 0), exact, and second derivatives through s too (∂²/∂x∂s = 1 for x < 0).
    A formula without the branch, relu(x) + s·(x − relu(x)), cancels: for s = 1e20 its
    ∂/∂x at x > 0 is (1 − s) + s = 0, not 1.
    """
    if (x.data if isinstance(x, Value) else x) > 0:
        return x
    return slope * x
