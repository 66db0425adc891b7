"""Fuzzing with Hypothesis: hostile inputs against the command line's expression parser, model
files, every op of Value and the optimiser. Each test takes a few seconds under the default
profiles; HYPOTHESIS_PROFILE=thorough runs 5,000 examples each."""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import autograd_lite.viz
from autograd_lite import RULES, DomainError, Value, gradients, topological_order
from autograd_lite.cli import main
from autograd_lite.expr import parse_expression
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD

# -- the command line's expression parser -------------------------------------------------------

_WATCHED = (
    "exec",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "subprocess.Popen",
    "open",
    "socket.connect",
)
_audit: dict[str, Any] = {"on": False, "events": []}


def _hook(event: str, args: object) -> None:
    if _audit["on"] and event.startswith(_WATCHED):
        _audit["events"].append(event)


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one only records while "on"

_VARIABLES = {"x": 1.5, "y": -0.5, "z": 0.0}
_ATOMS = [
    "x",
    "y",
    "z",
    "0",
    "1",
    "2",
    "-1",
    "0.5",
    "1e308",
    "1e-308",
    "5e-324",
    "1e400",
    "1" * 400,
    "0x" + "f" * 300,
    "10**400",
    "2**-1074",
]
_ALLOWED_CALLS = [
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "silu",
    "swish",
    "softplus",
    "sin",
    "cos",
    "abs",
]
_HOSTILE = [
    "__import__('os').system('touch PWNED')", "open('PWNED', 'w')", "exec('1')", "eval('1')",
    "x.__class__", "().__class__.__bases__[0].__subclasses__()", "lambda: 1", "[x for x in 'ab']",
    "x if x else y", "x[0]", "{x: 1}", "'a'", "b'a'", "f'{x}'", "x @ y", "x % y", "x // y", "x ^ y",
    "x < y", "not x", "~x", "x and y", "(x := 1)", "exp(x, y=1)", "exp(**x)", "exp(*x)", "exp()",
    "exp(x, y)", "leaky_relu(x, y, z)", "unknown(x)", "w", "True", "None", "...", "1j", "x;y",
    "x\n+y", "\x00", "\ud800", "yield x", "await x", "# comment",
]  # fmt: skip


def _expressions() -> st.SearchStrategy[str]:
    """Text built of allowed and refused pieces: most of it parses, much of it is refused."""
    atom = (
        st.sampled_from(_ATOMS)
        | st.sampled_from(_HOSTILE)
        | st.from_regex(r"[0-9][0-9._eE+-]{0,12}", fullmatch=True)
    )

    def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(
            children, st.sampled_from(["+", "-", "*", "/", "**", "%", "^", "<"]), children
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(["-", "+", "~", "not "]), children).map(
            lambda t: f"{t[0]}{t[1]}"
        )
        call = st.tuples(st.sampled_from([*_ALLOWED_CALLS, "open", "print"]), children).map(
            lambda t: f"{t[0]}({t[1]})"
        )
        leaky = st.tuples(children, children).map(lambda t: f"leaky_relu({t[0]}, {t[1]})")
        return binary | unary | call | leaky

    return st.recursive(atom, combine, max_leaves=12)


def _deep() -> st.SearchStrategy[str]:
    """Nesting around and beyond what Python's parser takes."""
    n = st.integers(1, 7000)
    return st.one_of(
        st.tuples(st.sampled_from(["-", "+", "~", "not "]), n).map(lambda t: t[0] * t[1] + "x"),
        n.map(lambda k: "x**" * k + "x"),
        n.map(lambda k: "+".join(["x"] * k)),
        st.integers(1, 300).map(lambda k: "(" * k + "x" + ")" * k),
        st.integers(1, 300).map(lambda k: "sin(" * k + "x" + ")" * k),
    )


def _run_cli(expression: str, tmp: Path) -> tuple[int, str, str]:
    """Run `autograd-lite graph` (the drawing built, not laid out) and return (code, out, err)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out, err = io.StringIO(), io.StringIO()
    rendered = autograd_lite.viz.render
    autograd_lite.viz.render = lambda graph, path, **kw: Path(path)  # no Graphviz process
    _audit["on"] = True
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(
                    ["graph", "-o", str(tmp / "g.svg"), "--", expression, "x=1.5", "y=-0.5", "z=0"]
                )
            except SystemExit as stop:
                code = int(stop.code or 0)
    finally:
        _audit["on"] = False
        autograd_lite.viz.render = rendered
    return code, out.getvalue(), err.getvalue()


@given(st.one_of(_expressions(), _deep(), st.text(max_size=80)))
def test_fuzz_cli_parser_refuses_in_one_line_and_never_runs_code(expression: str) -> None:
    tmp = Path("/tmp") / "autograd_lite_fuzz"
    tmp.mkdir(exist_ok=True)
    _audit["events"].clear()
    code, out, err = _run_cli(expression, tmp)
    assert _audit["events"] == [], f"ran code or touched files: {_audit['events']}"
    assert not (Path.cwd() / "PWNED").exists()
    if code == 0:
        assert err == ""
        assert out.splitlines()[0].endswith(tuple("0123456789naf"))  # "<expr> = <value>"
    else:
        assert code == 2, (code, err)
        assert err.startswith("autograd-lite graph: error: "), err[:300]
        assert err.count("\n") == 1, err[:300]
        assert len(err) < 1000
        assert "Traceback" not in err


# A tree of allowed constructs, its text, and its value computed directly with Value.
_Tree = Any


def _trees() -> st.SearchStrategy[_Tree]:
    number = st.one_of(
        st.sampled_from([0.0, -0.0, 1.0, 2.0, 0.5, 3.0, 1e308, 5e-324, 1e-300, 2.0**54]),
        st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)),
    )
    leaf = st.sampled_from(["x", "y", "z"]) | number

    def combine(children: st.SearchStrategy[_Tree]) -> st.SearchStrategy[_Tree]:
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), children, children),
            st.tuples(st.sampled_from(["neg", "pos"]), children),
            st.tuples(st.sampled_from(_ALLOWED_CALLS), children),
            st.tuples(st.just("leaky_relu"), children, children),
        )

    return st.recursive(leaf, combine, max_leaves=8)


def _text(tree: _Tree) -> str:
    if isinstance(tree, str):
        return tree
    if isinstance(tree, float):
        return f"({tree!r})"  # -0.5 ** 2 would be −(0.5²)
    op, *args = tree
    if op in ("+", "-", "*", "/", "**"):
        return f"({_text(args[0])} {op} {_text(args[1])})"
    if op in ("neg", "pos"):
        return f"({'-' if op == 'neg' else '+'}({_text(args[0])}))"
    return f"{op}({', '.join(_text(a) for a in args)})"


_OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def _direct(tree: _Tree, leaves: dict[str, Value]) -> Value | float:
    """The value of the tree built with Value's own operators, numbers kept numbers."""
    if isinstance(tree, str):
        return leaves[tree]
    if isinstance(tree, float):
        return tree
    op, *args = tree
    values = [_direct(a, leaves) for a in args]
    if op in ("+", "-", "*", "/", "**"):
        a, b = values
        folded = not isinstance(a, Value) and not isinstance(b, Value)
        left = Value(a) if folded else a
        result = _OPERATORS[op](left, b)
        return result.data if folded else result
    if op == "neg":
        return -values[0]
    if op == "pos":
        return +values[0]
    x = values[0]
    if op == "leaky_relu":
        slope = values[1]
        if isinstance(slope, Value):  # by the definition: x if x > 0 else slope·x
            return x if (x.data if isinstance(x, Value) else x) > 0 else slope * x
        out = (x if isinstance(x, Value) else Value(x)).leaky_relu(slope)
        return out if isinstance(x, Value) else out.data
    out = getattr(x if isinstance(x, Value) else Value(x), "silu" if op == "swish" else op)()
    return out if isinstance(x, Value) else out.data


def _outcome(build: Any) -> tuple[str, Any]:
    try:
        leaves, out = build()
        if not isinstance(out, Value):
            out = Value(out)
        value = out.data
    except DomainError:
        return ("refused", None)
    try:
        grads = [g.data for g in gradients(out, [leaves[n] for n in "xyz"])]
    except DomainError:
        return ("value", value)
    return ("gradients", (value, grads))


@given(_trees())
def test_fuzz_cli_parser_agrees_with_value(tree: _Tree) -> None:
    text = _text(tree)

    def parsed_with_leaves() -> tuple[dict[str, Value], Value]:
        out = parse_expression(text, _VARIABLES)
        found = {n.label: n for n in topological_order(out) if not n.parents and n.label}
        leaves = {n: found.get(n, Value(0.0)) for n in "xyz"}
        return leaves, out

    def direct() -> tuple[dict[str, Value], Value | float]:
        leaves = {n: Value(v, label=n) for n, v in _VARIABLES.items()}
        return leaves, _direct(tree, leaves)

    expected = _outcome(direct)
    got = _outcome(parsed_with_leaves)
    assert got == expected, text


# -- model files --------------------------------------------------------------------------------

_MODEL = MLP(2, [2, 1], seed=0)
_NAMES = list(_MODEL.state_dict())

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
_number = st.one_of(
    st.floats(), st.integers(), st.sampled_from([10**400, -(10**400), 2**1024, 1e308, 5e-324, -0.0]),
    st.text(max_size=5), st.booleans(), st.none(), st.lists(st.floats(), max_size=2),
)  # fmt: skip


@st.composite
def _records(draw: st.DrawFn) -> str:
    """JSON text shaped like a parameter file, with any field wrong, or anything at all."""
    record: dict[str, Any] = {
        "format": draw(st.sampled_from(["autograd_lite.state_dict"]) | _json),
        "version": draw(st.sampled_from([1, True, 1.0, 2, "1"]) | _json),
        "architecture": draw(st.sampled_from([_MODEL.architecture]) | _json),
        "parameters": draw(
            st.fixed_dictionaries(dict.fromkeys(_NAMES, _number), optional={"extra": _number})
            | _json
        ),
    }
    for key in draw(st.lists(st.sampled_from(list(record)), max_size=2, unique=True)):
        del record[key]
    text = json.dumps(record, allow_nan=True, default=str)
    return draw(st.sampled_from([text, text.replace("1e+400", "1" * 401)]))


@given(
    st.one_of(
        _records(),
        _json.map(lambda v: json.dumps(v, allow_nan=True)),
        st.binary(max_size=200),
        st.text(max_size=200),
        st.integers(1, 120_000).map(lambda n: "[" * n),
    )
)
def test_fuzz_model_files_load_or_refuse_by_name_and_change_nothing(content: str | bytes) -> None:
    path = Path("/tmp") / "autograd_lite_fuzz" / "model.json"
    path.parent.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    before = _MODEL.state_dict()
    try:
        _MODEL.load(path)
    except ValueError as error:
        assert str(error).startswith(f"{path}: "), str(error)[:300]  # noqa: PT017
        assert len(str(error)) < 800  # noqa: PT017
        assert _MODEL.state_dict() == before
        return
    loaded = _MODEL.state_dict()  # accepted: then it was a good file, with finite numbers
    assert all(math.isfinite(v) for v in loaded.values())
    _MODEL.load_state_dict(before)


@given(
    st.dictionaries(
        st.one_of(st.sampled_from(_NAMES), st.text(max_size=8), st.integers()), _number, max_size=5
    )
)
def test_fuzz_state_dicts_load_or_refuse_and_change_nothing(state: dict[Any, Any]) -> None:
    before = _MODEL.state_dict()
    try:
        _MODEL.load_state_dict(state)
    except ValueError as error:
        assert len(str(error)) < 800  # noqa: PT017
        assert _MODEL.state_dict() == before
        return
    assert all(math.isfinite(v) for v in _MODEL.state_dict().values())
    _MODEL.load_state_dict(before)


# -- every op of Value on extreme floats ----------------------------------------------------------

_EXTREMES = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    1.0,
    -1.0,
    2.0**53,
    2.0**54 + 2,
    -(2.0**54),
    709.78,
    710.0,
    -745.2,
    0.5,
    3.0,
]
_floats = st.sampled_from(_EXTREMES) | st.floats(allow_nan=False, allow_infinity=False)
_inputs = st.one_of(
    _floats,
    st.integers(-(10**400), 10**400),
    st.sampled_from([math.inf, math.nan, True, "1", None, 1j]),
)


def _apply(name: str, operands: list[Any], param: float) -> Value:
    rule = RULES[name]
    if name == "sum":
        return Value.sum(operands)
    if name == "linear":
        n = len(operands) // 2
        return Value.linear(operands[:n], operands[n : 2 * n], operands[-1])
    if name == "pow":
        return operands[0] ** param
    if name == "leaky_relu":
        return operands[0].leaky_relu(param)
    binary = {
        "add": "__add__",
        "sub": "__sub__",
        "mul": "__mul__",
        "truediv": "__truediv__",
        "vpow": "__pow__",
    }
    if name in binary:
        return getattr(operands[0], binary[name])(operands[1])
    unary = {"neg": "__neg__", "pos": "__pos__"}
    assert len(rule.inputs) == 1
    return getattr(operands[0], unary.get(name, name))()


def _reference_sign_of_derivative(name: str, xs: list[float], param: float) -> float | None:
    """The sign of ∂out/∂xs[0], by exact arithmetic or math, where it is cheap to be sure."""
    x = xs[0]
    sign = lambda v: (v > 0) - (v < 0)  # noqa: E731
    if name == "pow" and x != 0 and param == int(param) and param != 0:
        parity = int(param - 1) % 2 if abs(param) < 2**1023 else (int(Fraction(param)) - 1) % 2
        return sign(param) * (sign(x) if parity else 1)
    if name == "mul":
        return sign(xs[1])
    if name == "truediv" and xs[1] != 0:
        return sign(xs[1])
    if name in ("exp", "sigmoid", "softplus"):
        return None  # positive where it does not underflow to 0: checked below as >= 0
    if name == "log" and x > 0:
        return 1
    if name == "abs":
        return sign(x)
    if name == "neg":
        return -1
    if name in ("add", "sub", "pos", "sum"):
        return 1
    return None


@given(st.sampled_from(sorted(RULES)), st.lists(_inputs, min_size=1, max_size=5), _inputs)
def test_fuzz_every_op_gives_a_finite_result_or_a_domain_or_type_error(
    name: str, raw: list[Any], param: Any
) -> None:
    arity = len(RULES[name].inputs)
    if not RULES[name].variadic:
        raw = (raw * arity)[:arity]
    elif name == "linear" and len(raw) % 2 == 0:
        raw = raw[:-1]
    try:
        operands = [Value(v, label=f"x{i}") for i, v in enumerate(raw)]
        out = _apply(name, operands, param)
    except (DomainError, TypeError):
        return
    assert math.isfinite(out.data)
    try:
        out.backward()
    except DomainError:
        return
    for leaf in operands:
        assert math.isfinite(leaf.grad)
    xs = [v.data for v in operands]
    expected = _reference_sign_of_derivative(name, xs, operands_param(param))
    g = operands[0].grad
    if expected is not None and g != 0 and name != "sum":
        assert (g > 0) - (g < 0) == expected, (name, xs, param, g)
    if name in ("exp", "sigmoid", "softplus", "tanh", "relu", "sqrt"):
        assert g >= 0, (name, xs, g)


def operands_param(param: Any) -> float:
    """The parameter as the op saw it (it was accepted, so it is a finite float)."""
    if isinstance(param, float):
        return param
    return float(param) if isinstance(param, int) and abs(param) < 2**1000 else 0.0


# -- the optimiser ------------------------------------------------------------------------------

_big = st.sampled_from([1e308, -1e308, 1e300, 1e-300, 0.0, 1.0, -1.0]) | st.floats(
    -1e308, 1e308, allow_nan=False
)


@given(
    st.lists(st.tuples(_big, st.lists(_big | st.sampled_from([math.inf, math.nan]), min_size=4, max_size=4)), min_size=1, max_size=4),
    st.sampled_from([1e-3, 0.1, 1.0, 1e10, 1e300, 1.7e308]) | st.floats(1e-300, 1e308),
    st.sampled_from([0.0, 0.5, 0.9, 0.999]),
)  # fmt: skip
def test_fuzz_optimiser_never_leaves_a_parameter_non_finite(
    params: list[tuple[float, list[float]]], lr: float, momentum: float
) -> None:
    values = [Value(data, label=f"p{i}") for i, (data, _) in enumerate(params)]
    optimizer = SGD(values, lr=lr, momentum=momentum)
    for step in range(4):
        for v, (_, grads) in zip(values, params):
            v.grad = grads[step]
        before = ([v.data for v in values], list(optimizer._velocity), optimizer.steps)
        try:
            optimizer.step()
        except DomainError as error:
            assert f"step {before[2]}" in str(error)  # noqa: PT017
            assert ([v.data for v in values], list(optimizer._velocity), optimizer.steps) == before
            continue
        assert all(math.isfinite(v.data) for v in values)
        assert optimizer.steps == before[2] + 1
