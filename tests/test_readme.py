"""The examples of the README and of the guides (docs/*.md) run, and the table of operations
matches the rule table."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from autograd_lite import RULES
from autograd_lite.ops import BUILTIN_OPS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
ENGINE = ROOT / "docs" / "engine.md"
NETWORKS = ROOT / "docs" / "neural-networks.md"


@pytest.mark.parametrize("page", [README, *GUIDES], ids=lambda path: path.name)
def test_the_examples_of_each_page_run(page: Path) -> None:
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert tuple(RULES) == BUILTIN_OPS  # the ops it registers ("Add your own op") are removed


def test_the_pages_have_examples() -> None:
    attempted = {
        page.name: doctest.testfile(
            str(page), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
        ).attempted
        for page in [README, *GUIDES]
    }
    assert attempted["README.md"] >= 7
    for name in ("adding-an-op.md", "checking-derivatives.md", "compiled-graphs.md", "errors.md"):
        assert attempted[name] >= 2, name


def test_readme_table_lists_every_rule_with_its_formula_and_derivative() -> None:
    rows = {}
    for line in ENGINE.read_text().splitlines():
        if line.startswith("| `"):
            cells = [cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(RULES)
    for name, rule in RULES.items():
        assert rows[name][2] == rule.formula, name
        assert rows[name][3] == rule.derivative, name


def test_readme_shows_the_two_commands_first() -> None:
    text = README.read_text()
    assert text.index("make demo") < text.index("```python")
    assert text.index("make test") < text.index("```python")


def test_the_training_loop_runs_and_learns_the_moons() -> None:
    text = NETWORKS.read_text()
    start = text.index("The whole training loop, written out:")
    block = text[
        text.index("```python", start) + len("```python") : text.index(
            "```", text.index("```python", start) + 3
        )
    ]
    namespace: dict[str, object] = {}
    exec(block, namespace)
    model, X, y = namespace["model"], namespace["X"], namespace["y"]
    predictions = [model(x).data > 0 for x in X]  # type: ignore[operator, attr-defined]
    accuracy = sum(p == (t == 1) for p, t in zip(predictions, y)) / len(y)  # type: ignore[arg-type]
    assert accuracy == 1.0
    assert namespace["loss"].data < 0.05  # type: ignore[attr-defined]


def test_the_one_call_training_prints_what_its_comment_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = NETWORKS.read_text()
    first = _python_block(text, text.index("The whole training loop, written out:"))
    second = _python_block(text, text.index("or in one call"))
    namespace: dict[str, object] = {}
    exec(first.replace("range(100)", "range(0)"), namespace)  # only its data and imports
    capsys.readouterr()
    exec(second, namespace)
    printed = capsys.readouterr().out.strip()
    comment = second.split("# ")[-1].strip()
    assert printed == comment


def _python_block(text: str, start: int) -> str:
    """The first ```python block after ``start``."""
    begin = text.index("```python", start) + len("```python")
    return text[begin : text.index("```", begin)]


def test_the_pictures_exist() -> None:
    found = 0
    for page in [README, *GUIDES]:
        for picture in re.findall(r"!\[.*?\]\(([^)]+)\)", page.read_text()):
            path = page.parent / picture
            assert path.is_file(), f"{page.name}: {picture}"
            assert path.stat().st_size > 1000, picture
            found += 1
    assert found >= 6


def test_the_readme_is_a_landing_page() -> None:
    assert len(README.read_text().splitlines()) <= 250
