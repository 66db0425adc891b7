"""The README's examples run, and its table of operations matches the rule table."""

from __future__ import annotations

import doctest
from pathlib import Path

from autograd_lite import RULES

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run() -> None:
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8
    assert result.failed == 0


def test_readme_table_lists_every_rule_with_its_formula_and_derivative() -> None:
    rows = {}
    for line in README.read_text().splitlines():
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
