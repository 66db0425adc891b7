"""Lay out drawings with Graphviz's ``dot``, and say how to install it when it is missing.

>>> import graphviz
>>> isinstance(Drawing(), graphviz.Digraph)
True
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphviz

__all__ = [
    "INSTALL_HELP",
    "Drawing",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "layout",
    "render",
]

INSTALL_HELP = (
    "Graphviz's `dot` program is needed to lay out and draw graphs, and it is not installed "
    "(the DOT text is still available as graph.source). Install it with one of:\n"
    "  sudo apt-get install --no-install-recommends graphviz   (Debian, Ubuntu)\n"
    "  brew install graphviz                                   (macOS)\n"
    "  conda install -c conda-forge graphviz                   (conda)"
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is missing; the message says how to install it."""


class GraphTooLargeError(ValueError):
    """The graph has more boxes than ``max_nodes``: laying it out would take minutes."""


@contextlib.contextmanager
def _explained() -> Iterator[None]:
    """graphviz's own ExecutableNotFound, as our error with the install commands."""
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(INSTALL_HELP) from None


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A ``graphviz.Digraph`` that explains a missing ``dot``: in Jupyter it shows the install
    commands and the DOT text; ``.render()``, ``.pipe()`` and ``.view()`` raise
    :class:`GraphvizNotFoundError` with the same commands."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> Any:
        if shutil.which("dot") is None:
            return {"text/plain": f"{INSTALL_HELP}\n\n{self.source}"}
        return super()._repr_mimebundle_(include, exclude)

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _explained():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _explained():
            return super().render(*args, **kwargs)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        with _explained():
            return super().view(*args, **kwargs)


def render(
    graph: graphviz.Digraph,
    path: str | Path,
    *,
    format: str | None = None,
    timeout: float = 60.0,
    dpi: int = 144,
) -> Path:
    """Lay out ``graph`` with ``dot`` and write it to ``path`` (SVG, PNG or PDF, by suffix).

    PNGs are written at ``dpi`` dots per inch (144: twice the screen size, sharp on a slide).
    Raises :class:`GraphvizNotFoundError` with install commands if ``dot`` is missing, and
    TimeoutError if the layout takes longer than ``timeout`` seconds.
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or "svg"
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: format must be svg, png or pdf, got {fmt!r}")
    path.write_bytes(layout(graph, fmt, timeout=timeout, dpi=dpi))
    return path


def layout(graph: graphviz.Digraph, fmt: str, *, timeout: float = 60.0, dpi: int = 144) -> bytes:
    """Run ``dot -T{fmt}`` on the graph's source, with the errors :func:`render` documents."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(INSTALL_HELP)
    command = [dot, f"-T{fmt}"] + ([f"-Gdpi={dpi}"] if fmt == "png" else [])
    try:
        result = subprocess.run(
            command, input=graph.source.encode("utf-8"), capture_output=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"dot took longer than {timeout:g} s to lay out the graph: draw a smaller graph or "
            "collapse neurons or layers"
        ) from None
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    output: bytes = result.stdout
    return output
