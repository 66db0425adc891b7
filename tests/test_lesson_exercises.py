"""Lessons 8, 9 and 11: every exercise's solution runs and passes the check the exercise gives
the learner, and each check rejects a plausible wrong answer.

Running the lessons themselves is nbmake's job, and test_notebooks.py checks their structure.
The exercises live in the closing Markdown cell, so nothing runs them: here each lesson is
executed once more, followed by its solutions and checks. An exercise is a numbered item with
an optional ```python check block, followed by a <details> block holding the solution.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# For each exercise that gives a check: code that sets a wrong answer the check must reject.
WRONG_ANSWERS = {
    # dW1 of the ReLU network, not of the tanh one.
    ("08_backprop_by_hand.ipynb", 0): "dW1_tanh = dW1",
    # The gradient of plain cross-entropy, without the smoothing.
    ("09_softmax.ipynb", 0): "smooth_grad = softmax_by_hand(z) - np.eye(3)[0]",
    # Still three classes.
    ("09_softmax.ipynb", 1): "X5, y5 = X, y",
}

_CODE = re.compile(r"^( *)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def _python(markdown: str) -> str:
    """The ```python blocks of some Markdown, dedented and joined."""
    return "\n".join(textwrap.dedent(block) for _, block in _CODE.findall(markdown))


def _exercises(name: str) -> list[tuple[str, str]]:
    """(check, solution) for each exercise of a lesson, in order."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    closing = notebook.cells[-1].source
    text = closing[closing.index("## Exercise") :]
    exercises = []
    for before, solution in re.findall(r"(.*?)<details>(.*?)</details>", text, re.DOTALL):
        exercises.append((_python(before), _python(solution)))
    return exercises


def _run(name: str, extra_cells: list[str]) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in extra_cells]
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any failure


def _rejects(wrong: str, check: str) -> str:
    return (
        "try:\n"
        + textwrap.indent(f"{wrong}\n{check}", "    ")
        + "\nexcept AssertionError:\n    pass\n"
        + "else:\n    raise RuntimeError('the check accepted a wrong answer')\n"
    )


# How many exercises each lesson has, each with a solution.
EXERCISES = {"08_backprop_by_hand.ipynb": 2, "09_softmax.ipynb": 2, "11_gpt_from_scalars.ipynb": 3}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_solutions_pass_their_checks_and_wrong_answers_do_not(name: str) -> None:
    exercises = _exercises(name)
    count = EXERCISES[name]
    assert len(exercises) == count, f"{name}: expected {count} exercises, each with a solution"
    cells = []
    for index, (check, solution) in enumerate(exercises):
        assert solution, f"{name}: exercise {index + 1} has no solution code"
        wrong = WRONG_ANSWERS.get((name, index))
        assert bool(check) == (wrong is not None), f"{name}: exercise {index + 1}'s check"
        cells += [solution, check]
        if wrong is not None:  # after the solution, which defines what the check reads
            cells.append(_rejects(wrong, check))
    _run(name, cells)
