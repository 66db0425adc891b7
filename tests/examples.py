"""Graphs that several test modules (and docs/pictures.py) draw."""

from __future__ import annotations

from autograd_lite import Value


def cube() -> Value:
    """f = u³ with u = x² + 1, at x = 2: ∂f/∂u = 3u² = 75, ∂f/∂x = 75 · 2x = 300 (no backward
    pass yet)."""
    x = Value(2.0, label="x")
    u = x**2 + 1
    u.label = "u"
    f = u**3
    f.label = "f"
    return f
