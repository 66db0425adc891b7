"""Sphinx configuration of the site that `make docs` builds into out/site/ (docs/build.py runs it).

Sources: the guides (docs/*.md), the lessons (notebooks/*.ipynb, copied into docs/lessons/ at
each build and executed there) and the API reference (docs/api/, written from API_MODULES below
at each build). Everything the pages need is served from the site itself: KaTeX typesets the
formulas at build time (Node.js, the `katex` npm package of docs/package.json), so a page loads
only its CSS and fonts, and no page asks any other host for anything.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KATEX = HERE / "node_modules" / "katex" / "dist"

# The API reference: one page per public module, in this order, from the module's docstring and
# the docstrings of the names in its __all__. This list is the one place to change when a module
# is added, moved or renamed. A name that a later module re-exports (GraphChangedError in
# autograd_lite.compiler) is documented once, where it comes first; the package's own page links
# each of its names to that entry.
API_MODULES = [
    "autograd_lite.engine",
    "autograd_lite.ops",
    "autograd_lite.extend",
    "autograd_lite.functional",
    "autograd_lite.errors",
    "autograd_lite.compiler",
    "autograd_lite.nn",
    "autograd_lite.losses",
    "autograd_lite.optim",
    "autograd_lite.train",
    "autograd_lite.datasets",
    "autograd_lite.tokens",
    "autograd_lite.plots",
    "autograd_lite.viz",
    "autograd_lite.testing",
    "autograd_lite.testing.strategies",
    "autograd_lite.expr",
    "autograd_lite.cli",
]


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _copy_lessons() -> None:
    """docs/lessons/: a copy of notebooks/ (Sphinx reads only its source folder; a symlink
    would not do, since Sphinx resolves it and then finds the files outside that folder)."""
    source, copy = ROOT / "notebooks", HERE / "lessons"
    copy.mkdir(exist_ok=True)
    wanted = {path.name: path for path in [*source.glob("*.ipynb"), source / "README.md"]}
    for stale in copy.iterdir():
        if stale.name not in wanted:
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
    for name, path in wanted.items():
        target = copy / name
        if not target.exists() or target.read_bytes() != path.read_bytes():
            shutil.copy2(path, target)


def _documented_names() -> dict[str, str]:
    """Each public name's first module in API_MODULES: {'Value': 'autograd_lite.engine', ...}."""
    where: dict[int, str] = {}
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            where.setdefault(id(getattr(module, name)), module_name)
    package = importlib.import_module("autograd_lite")
    return {name: where[id(getattr(package, name))] for name in package.__all__}


def _write_api_pages() -> None:
    """docs/api/: an index and one page per module of API_MODULES (all generated)."""
    folder = HERE / "api"
    folder.mkdir(exist_ok=True)
    first_home: dict[int, str] = {}
    pages = {}
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        elsewhere = []
        for name in module.__all__:
            home = first_home.setdefault(id(getattr(module, name)), module_name)
            if home != module_name:
                elsewhere.append(name)
        options = "   :members:\n"
        if elsewhere:
            options += f"   :exclude-members: {', '.join(elsewhere)}\n"
        see = "".join(
            f"\n`{name}` is documented in {{py:obj}}`{first_home[id(getattr(module, name))]}"
            f".{name}`.\n"
            for name in elsewhere
        )
        pages[module_name] = (
            f"# `{module_name}`\n\n```{{eval-rst}}\n.. automodule:: {module_name}\n{options}```\n"
            + see
        )
    package_rows = "\n".join(
        f"| {{py:obj}}`~{home}.{name}` | `{home}` |" for name, home in _documented_names().items()
    )
    index = (
        "# API reference\n\n"
        "Generated from the docstrings. Every name below `autograd_lite` is also importable from\n"
        "the module it is listed in; `from autograd_lite import ...` gives these:\n\n"
        "| name | documented in |\n|---|---|\n"
        f"{package_rows}\n\n"
        "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```\n"
    )
    wanted = {f"{name}.md": text for name, text in pages.items()} | {"index.md": index}
    for stale in folder.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        _write_if_changed(folder / name, text)


def _execution_cache() -> str:
    """Where executed lessons are kept: one folder per state of the package's code, so a lesson
    runs again when its notebook or the library it imports changes, and only then."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "autograd_lite").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    caches = ROOT / "out" / "jupyter_cache"
    caches.mkdir(parents=True, exist_ok=True)
    current = caches / digest.hexdigest()[:16]
    for old in caches.iterdir():
        if old != current:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    return str(current)


_copy_lessons()
_write_api_pages()
_PUBLIC = {name for module in API_MODULES for name in importlib.import_module(module).__all__}

project = "autograd_lite"
author = "autograd_lite developers"
copyright = "autograd_lite developers"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxcontrib.katex",
]
exclude_patterns = ["node_modules", "lessons/.ipynb_checkpoints", "lessons/.hypothesis"]
templates_path: list[str] = []
html_theme = "furo"
html_title = "autograd_lite"
html_static_path = ["static"]
html_css_files = ["site.css"]
html_copy_source = False
html_show_search_summary = False  # summaries are fetch()ed, which file:// pages may not do
html_show_sourcelink = False
html_theme_options: dict[str, Any] = {"top_of_page_buttons": []}

# Markdown: $…$ and $$…$$ are formulas, as in the notebooks; headings get anchors for links.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
myst_dmath_double_inline = True  # $$…$$ inside a paragraph is a displayed formula, as in Jupyter

# The lessons run at build time, once per change of their code or of the library's.
nb_execution_mode = "cache"
nb_execution_cache_path = _execution_cache()
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
# No ipywidgets JavaScript (it would come from a CDN): each slider cell draws a still picture.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}

autodoc_member_order = "bysource"
napoleon_use_ivar = True  # a class's "Attributes:" are fields, not a second entry per attribute
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}

katex_prerender = True
katex_js_path = str(KATEX / "katex.min.js")
katex_css_path = "katex/katex.min.css"


def _copy_katex_styles(app: Any, exception: Exception | None) -> None:
    """KaTeX's stylesheet and fonts, from the npm package, into the site."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "katex"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(KATEX / "katex.min.css", target)
        shutil.copytree(KATEX / "fonts", target / "fonts", dirs_exist_ok=True)


def _copy_notebooks(app: Any, exception: Exception | None) -> None:
    """Each lesson's notebook (as committed, without outputs) beside its page, to download."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "lessons"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy2(notebook, target)


def _download_link(app: Any, doctree: Any, docname: str) -> None:
    """A line under each lesson's title: download the notebook, or run it from a clone."""
    if not (docname.startswith("lessons/") and (HERE / f"{docname}.ipynb").exists()):
        return
    from docutils import nodes

    name = Path(docname).name
    html = (
        f'<p class="lesson-download">Download this lesson: <a href="{name}.ipynb" download>'
        f"<code>{name}.ipynb</code></a> (without outputs: in a clone of the project, "
        f"<code>make notebooks</code> runs every lesson with its outputs).</p>"
    )
    for section in doctree.findall(nodes.section):
        title = next(iter(section.findall(nodes.title)), None)
        if title is not None:
            section.insert(section.index(title) + 1, nodes.raw("", html, format="html"))
            return


# |x| in a docstring's prose means the absolute value, but reStructuredText reads it as a
# substitution: escape such bars, except in inline literals, doctests and literal blocks.
_BARS = re.compile(r"(?<![\\\w|])\|(?=[^\s|])([^|]*?[^\s|\\])\|(?![\w|])")
_LITERAL = re.compile(r"(``.+?``)")


def _escape_bars_in(line: str) -> str:
    pieces = _LITERAL.split(line)
    return "".join(
        piece if k % 2 else _BARS.sub(r"\\|\1\\|", piece) for k, piece in enumerate(pieces)
    )


def _escape_bars(
    app: Any, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    mode, block_indent = "prose", 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if mode == "doctest" and stripped:
            continue
        if mode == "literal" and (not stripped or indent > block_indent):
            continue
        mode = "prose"
        if stripped.startswith(">>>"):
            mode = "doctest"
            continue
        lines[i] = _escape_bars_in(line)
        if stripped.endswith("::"):
            mode, block_indent = "literal", indent


def _keep_public(
    app: Any, what: str, name: str, obj: object, would_skip: bool, options: Any
) -> bool | None:
    """A module's members are its __all__; autodoc would skip one without a docstring (or, as
    ops.Op, whose __doc__ is a property), but a public name belongs in the reference."""
    return False if what == "module" and name in _PUBLIC else None


def _lessons_in_the_readme(
    app: Any, relative_path: Path, parent_docname: str, content: list[str]
) -> None:
    """The README links to notebooks/; on the site the lessons are pages of lessons/."""
    if relative_path.name == "README.md" and parent_docname == "getting-started":
        for old in ("](notebooks/README.md)", "](notebooks/)"):
            content[0] = content[0].replace(old, "](docs/lessons/README.md)")


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _escape_bars)
    app.connect("autodoc-skip-member", _keep_public)
    app.connect("include-read", _lessons_in_the_readme)
    app.connect("build-finished", _copy_katex_styles)
    app.connect("build-finished", _copy_notebooks)
    app.connect("doctree-resolved", _download_link)
