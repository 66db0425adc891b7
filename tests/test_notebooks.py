"""The lesson notebooks: the numbered series is complete, and each lesson is saved ready to commit.

Running the notebooks is nbmake's job (pytest's configuration runs every notebook in notebooks/
top to bottom). These tests check what a run cannot see: that the notebooks are saved without
outputs, that they import the library instead of re-defining it, and that each one opens with
what the reader will learn and closes with a summary and an exercise.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

EXPECTED = [
    "01_derivatives.ipynb",
    "02_gradient_descent.ipynb",
    "03_chain_rule.ipynb",
    "04_inside_the_engine.ipynb",
    "05_neuron_to_network.ipynb",
    "06_training.ipynb",
    "07_checking_derivatives.ipynb",
    "08_backprop_by_hand.ipynb",
    "09_softmax.ipynb",
    "10_build_your_own_engine.ipynb",
    "11_gpt_from_scalars.ipynb",
]

# What a lesson must not define: the library's own machinery, re-implemented.
FORBIDDEN_CLASSES = {"Value"}
FORBIDDEN_FUNCTIONS = {"backward", "_backward", "backprop", "_backprop", "build_topo"}
# The lessons whose subject is writing an engine: they define their own Value and backward.
BUILDS_ITS_OWN_ENGINE = {"10_build_your_own_engine.ipynb"}

Notebook = dict[str, Any]


def _load(name: str) -> Notebook:
    notebook: Notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return notebook


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _code_cells(notebook: Notebook) -> list[str]:
    return [_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _python(source: str) -> ast.Module:
    """A code cell as Python: IPython magics (``%matplotlib inline``) and shell escapes blanked."""
    lines = source.splitlines()
    return ast.parse(
        "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    )


def _nodes(notebook: Notebook) -> list[ast.AST]:
    return [node for source in _code_cells(notebook) for node in ast.walk(_python(source))]


def test_the_series_is_exactly_the_numbered_lessons() -> None:
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_saved_without_outputs(name: str) -> None:
    notebook = _load(name)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name}: code cell {index} was saved with outputs"
            assert cell["execution_count"] is None, f"{name}: code cell {index} has a count"


@pytest.mark.parametrize("name", EXPECTED)
def test_imports_the_library_and_does_not_redefine_it(name: str) -> None:
    nodes = _nodes(_load(name))
    imported = {
        alias.name.split(".")[0] for n in nodes if isinstance(n, ast.Import) for alias in n.names
    }
    imported |= {(n.module or "").split(".")[0] for n in nodes if isinstance(n, ast.ImportFrom)}
    assert "autograd_lite" in imported, f"{name} does not import autograd_lite"

    classes = {n.name for n in nodes if isinstance(n, ast.ClassDef)}
    functions = {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if name in BUILDS_ITS_OWN_ENGINE:  # writing an engine is the lesson, so it must
        assert "Value" in classes and "backward" in functions, f"{name} builds no engine"
        return
    assert not classes & FORBIDDEN_CLASSES, f"{name} defines {classes & FORBIDDEN_CLASSES}"
    assert not functions & FORBIDDEN_FUNCTIONS, f"{name} defines {functions & FORBIDDEN_FUNCTIONS}"
    # Belt and braces for code ast does not see the same way (a string passed to exec, say).
    text = "\n".join(_code_cells(_load(name)))
    assert not re.search(r"\bclass\s+Value\b", text)
    assert not re.search(r"\bdef\s+_?backward\b", text)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_lesson_checks_its_claims(name: str) -> None:
    """Each concept comes with a computed check, not only prose."""
    asserts = [node for node in _nodes(_load(name)) if isinstance(node, ast.Assert)]
    assert len(asserts) >= 5, f"{name} has only {len(asserts)} assert statements"


@pytest.mark.parametrize("name", EXPECTED)
def test_opens_with_what_you_will_learn(name: str) -> None:
    first = _load(name)["cells"][0]
    assert first["cell_type"] == "markdown"
    text = _source(first)
    number = int(name[:2])
    assert text.startswith(f"# {number}. "), f"{name} should open with the title '# {number}. ...'"
    assert re.search(r"\byou(?: will|'ll) learn\b", text, re.IGNORECASE)


@pytest.mark.parametrize("name", EXPECTED)
def test_closes_with_a_summary_and_an_exercise(name: str) -> None:
    cells = _load(name)["cells"]
    assert cells[-1]["cell_type"] == "markdown", f"{name} should end with a markdown cell"
    # The lesson's last code cell comes before the exercises, whose cells check the learner's
    # answers (see test_every_exercise_has_a_solution).
    exercise = _exercise_heading(cells)
    last_code = max(i for i, cell in enumerate(cells[:exercise]) if cell["cell_type"] == "code")
    closing = "\n".join(_source(cell) for cell in cells[last_code + 1 :])
    assert re.search(r"^#+\s*Summary\b", closing, re.MULTILINE | re.IGNORECASE)
    assert re.search(r"^#+\s*Exercises?\b", closing, re.MULTILINE | re.IGNORECASE)


EXERCISE = re.compile(r"^#+\s*Exercises?\b", re.MULTILINE | re.IGNORECASE)
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\b.*?</details>", re.DOTALL | re.IGNORECASE)


def _exercise_heading(cells: list[dict[str, Any]]) -> int:
    """The index of the Markdown cell that opens the exercises (the last cell if there is none)."""
    headings = [
        i
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and EXERCISE.search(_source(cell))
    ]
    return headings[-1] if headings else len(cells) - 1


@pytest.mark.parametrize("name", EXPECTED)
def test_every_exercise_has_a_solution(name: str) -> None:
    """After the "## Exercise" heading, the exercises come with collapsible worked solutions:
    a Markdown ``<details><summary>Solution</summary> … </details>`` block holding code."""
    cells = _load(name)["cells"]
    exercise = _exercise_heading(cells)
    found = EXERCISE.search(_source(cells[exercise]))
    assert found, f"{name} has no Exercise heading"
    after = [_source(cells[exercise])[found.end() :]]
    after += [_source(cell) for cell in cells[exercise + 1 :] if cell["cell_type"] == "markdown"]
    solutions = [match.group() for text in after for match in SOLUTION.finditer(text)]
    assert solutions, f"{name}: no <details><summary>Solution</summary> after '## Exercise'"
    for solution in solutions:
        assert "```python" in solution, f"{name}: a solution without code:\n{solution[:200]}"
    # A cell where the learner's answer goes must check it with an assert.
    for cell in cells[exercise + 1 :]:
        if cell["cell_type"] == "code":
            assert any(isinstance(n, ast.Assert) for n in ast.walk(_python(_source(cell)))), (
                f"{name}: an exercise cell without an assert"
            )


def test_the_readme_lists_every_lesson() -> None:
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert name in readme, f"notebooks/README.md does not mention {name}"
