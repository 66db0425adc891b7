"""The package's layers import one way only, as ARCHITECTURE.md draws them.

Every import in the package is read with ``ast`` (imports inside functions too: a lazy import
is still a dependency), each module is placed in its room (``engine``, ``testing``, ...) and
each room in a layer; an import from a higher layer, or a circle between modules, fails here
with the line that makes it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_lite"

LAYERS: list[tuple[str, ...]] = [
    ("_common",),
    ("errors",),
    ("facts",),
    ("ops",),
    ("engine",),
    ("extend",),
    ("losses", "optim", "functional", "datasets", "tokens"),
    ("nn", "expr"),
    ("testing", "viz"),
    ("compiler",),
    ("train",),
    ("plots",),
    ("cli",),
    ("__main__", "__init__"),
]
"""Lowest first. A room may import its own modules and the rooms of lower layers, never a
room of its own layer or above."""

EXCEPTION = ("autograd_lite.ops", "autograd_lite.extend")
"""The one import that runs up, documented in ARCHITECTURE.md: ``ops.register`` and its
siblings, the old home of the extension API, are re-exported lazily from ``extend``."""

LAYER_OF = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str, package: Path = PACKAGE) -> bool:
    relative = package.parent / Path(*name.split("."))
    return relative.with_suffix(".py").exists() or (relative / "__init__.py").exists()


def _imports(path: Path, root: Path = PACKAGE) -> list[tuple[str, int]]:
    """Each package module that ``path`` imports, with the line; ``from . import x`` counts as
    importing the module ``x`` when it is one."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [
                (a.name, node.lineno) for a in node.names if a.name.startswith("autograd_lite")
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("autograd_lite"):
                target = node.module
            else:
                continue
            subs = [
                f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}", root)
            ]
            found += [(t, node.lineno) for t in subs or [target]]
    return found


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _edges(root: Path = PACKAGE) -> list[tuple[str, str, str]]:
    """(importer, imported, where) for every import between two package modules."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        for target, line in _imports(path, root):
            where = f"{path.relative_to(root.parent)}:{line}"
            edges.append((_module_name(path, root), target, where))
    return edges


def test_every_room_has_a_layer() -> None:
    rooms = {_room(_module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert rooms - set(LAYER_OF) == set(), "add the new room to LAYERS and ARCHITECTURE.md"


def _upward(root: Path) -> list[str]:
    upward = []
    for importer, imported, where in _edges(root):
        low, high = _room(imported), _room(importer)
        if low == high or (importer, imported) == EXCEPTION:
            continue
        if LAYER_OF[low] >= LAYER_OF[high]:
            upward.append(f"{where}: {importer} imports {imported}")
    return upward


def test_imports_run_down_the_layers_only() -> None:
    upward = _upward(PACKAGE)
    assert upward == [], "\n".join(upward)


def test_no_module_imports_itself_round_a_circle() -> None:
    graph: dict[str, set[str]] = {}
    for importer, imported, _ in _edges():
        if (importer, imported) != EXCEPTION and importer != imported:
            graph.setdefault(importer, set()).add(imported)
    # A package's __init__ importing its own modules, which import each other, is no circle of
    # its own; but a module importing its package's __init__ is, if that imports it back.
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                circles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert circles == [], "\n".join(circles)


def test_the_exception_is_the_one_documented() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "ops.__getattr__" in text and "extend" in text
    assert any(edge[:2] == EXCEPTION for edge in _edges()), "the exception is gone: remove it"


def test_architecture_md_lists_every_room() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)/?`", text))
    missing = {room for room in LAYER_OF if room not in ("__init__", "__main__")} - named
    assert missing == set(), f"ARCHITECTURE.md does not name {sorted(missing)}"


@pytest.mark.parametrize("optional", ["compiler", "viz", "testing", "plots", "train"])
def test_importing_the_package_loads_no_optional_room(optional: str) -> None:
    code = (
        "import sys, autograd_lite\n"
        f"loaded = [m for m in sys.modules if m.startswith('autograd_lite.{optional}')]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_lazy_name_loads_its_room_on_first_use() -> None:
    code = "import autograd_lite\nprint(autograd_lite.compile.__module__)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "autograd_lite.compiler"


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    # A negative control: the checker must see a lazy import that runs up, in a copy of the
    # layout with one such import planted.
    root = tmp_path / "autograd_lite"
    (root / "engine").mkdir(parents=True)
    (root / "viz").mkdir()
    for init in (root, root / "engine", root / "viz"):
        (init / "__init__.py").write_text("", encoding="utf-8")
    planted = "def f():\n    from ..viz import draw_graph\n    return draw_graph\n"
    (root / "engine" / "value.py").write_text(planted, encoding="utf-8")
    assert _upward(root) == [
        "autograd_lite/engine/value.py:2: autograd_lite.engine.value imports autograd_lite.viz"
    ]


ALLOWED_OP_NAMES = {
    ("nn/mlp.py", "linear"): "the activation that applies none (not the op)",
    ("nn/mlp.py", "relu"): "micrograd's default activation, a choice of nn",
    ("plots/networks.py", "linear"): "matplotlib's axis scale",
    ("plots/networks.py", "log"): "matplotlib's axis scale",
    ("expr.py", "leaky_relu"): "its slope may depend on the variables (see the function)",
    ("compiler/text.py", "abs"): "Python's builtin, which generated code must not shadow",
}
"""Strings that spell a built-in op's name but mean something else, each with its reason."""


def test_an_op_is_named_only_by_its_rule_and_its_value_method() -> None:
    from autograd_lite.ops import BUILTIN_OPS

    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where in ("ops.py", "engine/value.py"):  # the table, and the methods that apply it
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and node.value in BUILTIN_OPS
                and (where, node.value) not in ALLOWED_OP_NAMES
            ):
                found.append(f"{where}:{node.lineno}: {node.value!r}")
    assert found == [], "read the fact from the op's Rule instead:\n" + "\n".join(found)
