"""The site that `make docs` builds: built once for the session, then read as files and in Chromium.

The build runs the lessons, but their outputs are cached in out/jupyter_cache/ for as long as
neither the notebooks nor the package's code change (docs/conf.py), so after the first build it
takes seconds. The browser tests open every page from disk (file://) and check that it logs no
console error, requests nothing outside the site and fails no request; then formulas, pictures,
an explorer, search and the same look over HTTP."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser import launched

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PHONE, LAPTOP = 390, 1280


def _api_modules() -> list[str]:
    """API_MODULES of docs/conf.py, read without running the configuration."""
    text = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    block = text[text.index("API_MODULES = [") : text.index("]", text.index("API_MODULES = ["))]
    return re.findall(r'"([\w.]+)"', block)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as `make docs` builds it, into a folder of this session."""
    if not (ROOT / "docs" / "node_modules" / "katex" / "dist" / "katex.min.js").is_file():
        message = "KaTeX is not installed: make katex (npm ci --prefix docs)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: `make test` installs it, so this is an error)")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build.py"), str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-6000:]
    return folder


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Links(HTMLParser):
    """The ids and the links (href, src) of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if value and (
                (name == "href" and tag in ("a", "link")) or (name == "src" and tag != "iframe")
            ):
                self.links.append(value)


@functools.cache
def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# -- the files -----------------------------------------------------------------------------


def test_every_lesson_guide_and_module_has_its_page(site: Path) -> None:
    names = {path.relative_to(site).as_posix() for path in pages(site)}
    for notebook in NOTEBOOKS:
        assert f"lessons/{notebook.stem}.html" in names
    for guide in (ROOT / "docs").glob("*.md"):
        assert f"{guide.stem}.html" in names
    for module in _api_modules():
        assert f"api/{module}.html" in names
    assert {"index.html", "search.html", "genindex.html", "lessons/README.html"} <= names


def test_every_public_name_is_documented(site: Path) -> None:
    """Each class and function of each module's __all__ has an entry (an id) in the reference.
    (Constants are documented where a comment-docstring follows their assignment.)"""
    missing = {}
    for module_name in _api_modules():
        module = importlib.import_module(module_name)
        ids = _parsed(site / "api" / f"{module_name}.html").ids
        everywhere = _all_ids(site)
        names = [
            name
            for name in module.__all__
            if callable(getattr(module, name))
            and f"{module_name}.{name}" not in ids
            and not any(f"{other}.{name}" in everywhere for other in _api_modules())
        ]
        if names:
            missing[module_name] = names
    assert missing == {}


@functools.cache
def _all_ids(site: Path) -> frozenset[str]:
    return frozenset(i for page in (site / "api").glob("*.html") for i in _parsed(page).ids)


def test_each_lesson_links_to_its_notebook_and_folds_its_solutions(site: Path) -> None:
    for notebook in NOTEBOOKS:
        html = (site / "lessons" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        assert f'href="{notebook.name}" download' in html, notebook.name
        assert (site / "lessons" / notebook.name).read_bytes() == notebook.read_bytes()
        solutions = html.count("<summary>Solution")
        assert solutions >= 1, notebook.name
        assert html.count("<details") >= solutions
        assert "<details open" not in html


def test_nothing_on_the_site_names_another_host_to_load_from(site: Path) -> None:
    """No page, stylesheet or script loads anything from another host (links to read on the web
    are fine: they are not requests)."""
    loads = re.compile(
        r"""(?:src|srcset|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
        r"""|@import\s+["']?(?:https?:)?//|<link[^>]+href=["'](?:https?:)?//""",
        re.IGNORECASE,
    )
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            found = loads.search(path.read_text(encoding="utf-8", errors="replace"))
            assert found is None, f"{path.relative_to(site)}: {found and found.group(0)}"


def test_internal_links_resolve(site: Path) -> None:
    broken = []
    for page in pages(site):
        for link in _parsed(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {link}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in _parsed(target).ids
            ):
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert broken == []


# -- in the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


class Visit:
    """One page in the browser, with what went wrong on the way."""

    def __init__(self, browser: Any, url: str, allowed: str, width: int = LAPTOP) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on(
            "request",
            lambda r: None if r.url.startswith(allowed) else self.problems.append(f"to {r.url}"),
        )
        allowed = allowed.rstrip("/") + "/"
        self.missing: list[str] = []
        self.page.on("response", lambda r: r.status >= 400 and self.missing.append(r.url))
        self.page.goto(url, wait_until="load")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def close(self) -> None:
        self.page.close()


# The visible text of the article, without code and without what KaTeX drew.
_PROSE = """() => {
  const article = document.querySelector("article").cloneNode(true);
  article.querySelectorAll("pre, code, .katex, script, style, .agx").forEach((n) => n.remove());
  return article.textContent;
}"""

# Every picture of the article: drawn (loaded, with a size) or not.
_PICTURES = """() => [...document.querySelectorAll("article img")].map((img) => ({
  src: img.getAttribute("src"), drawn: img.complete && img.naturalWidth > 0}))"""


def test_every_page_loads_clean_with_formulas_typeset(browser: Any, site: Path) -> None:
    problems = {}
    for path in pages(site):
        visit = Visit(browser, path.as_uri(), site.as_uri() + "/")
        prose = visit.page.evaluate(_PROSE)
        if "$" in prose:
            where = prose.index("$")
            visit.problems.append(f"raw $: …{prose[max(0, where - 40) : where + 40]}…")
        if re.search(r"\\(frac|partial|sum|cdot)\b", prose):
            visit.problems.append("raw LaTeX in the text")
        undrawn = [p["src"] for p in visit.page.evaluate(_PICTURES) if not p["drawn"]]
        if undrawn:
            visit.problems.append(f"pictures not drawn: {undrawn}")
        if visit.problems:
            problems[path.relative_to(site).as_posix()] = visit.problems
        visit.close()
    assert problems == {}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_lesson_shows_its_pictures_and_formulas(
    browser: Any, site: Path, notebook: Path
) -> None:
    visit = Visit(browser, (site / "lessons" / f"{notebook.stem}.html").as_uri(), site.as_uri())
    pictures = visit.page.evaluate(_PICTURES)
    assert all(p["drawn"] for p in pictures)
    assert visit.page.locator("article .katex").count() >= 1
    assert visit.problems == []
    visit.close()


def test_the_lessons_show_pictures(site: Path) -> None:
    with_pictures = [
        notebook
        for notebook in NOTEBOOKS
        if "<img" in (site / "lessons" / f"{notebook.stem}.html").read_text(encoding="utf-8")
    ]
    assert len(with_pictures) >= len(NOTEBOOKS) - 1  # lesson 10 draws nothing


def test_an_explorer_on_a_lesson_steps_with_the_arrow_keys(browser: Any, site: Path) -> None:
    path = site / "lessons" / "03_chain_rule.html"
    visit = Visit(browser, path.as_uri(), site.as_uri())
    explorer = visit.page.locator(".agx.agx-ready").first
    explorer.wait_for()
    count = explorer.locator(".agx-count")
    assert count.inner_text().startswith("step 0 of ")
    explorer.locator(".agx-graph [data-id]").first.click()  # the explorer has the focus
    visit.page.keyboard.press("ArrowRight")
    assert count.inner_text().startswith("step 1 of ")
    visit.page.keyboard.press("ArrowRight")
    assert count.inner_text().startswith("step 2 of ")
    visit.page.keyboard.press("ArrowLeft")
    assert count.inner_text().startswith("step 1 of ")
    assert visit.problems == []
    visit.close()


def test_search_finds_a_function_offline(browser: Any, site: Path) -> None:
    visit = Visit(browser, (site / "search.html").as_uri() + "?q=check_grad", site.as_uri())
    visit.page.wait_for_selector("#search-results ul.search li", timeout=15_000)
    results = visit.page.locator("#search-results ul.search li a").all_text_contents()
    assert any("check_grad" in text for text in results), results
    assert visit.problems == []
    visit.close()


def test_pages_fit_a_phone(browser: Any, site: Path) -> None:
    """At 390 px nothing makes the page itself scroll sideways (wide code and outputs scroll
    inside their own box)."""
    wide = {}
    for path in pages(site):
        visit = Visit(browser, path.as_uri(), site.as_uri(), width=PHONE)
        width = visit.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide[path.relative_to(site).as_posix()] = width
        visit.close()
    assert wide == {}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The site served by Python's http.server on a free port of 127.0.0.1."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "page", ["index.html", "getting-started.html", "lessons/01_derivatives.html"]
)
def test_a_page_looks_the_same_from_disk_and_over_http(
    browser: Any, site: Path, served: str, page: str
) -> None:
    shots = []
    for url, allowed in ((f"{site.as_uri()}/{page}", site.as_uri()), (f"{served}/{page}", served)):
        visit = Visit(browser, url, allowed)
        visit.page.wait_for_timeout(200)
        shots.append(visit.page.screenshot(full_page=True))
        if all(u.endswith("/favicon.ico") for u in visit.missing):
            # Chromium asks an HTTP server for /favicon.ico by itself; the site has none.
            visit.problems = [p for p in visit.problems if "status of 404" not in p]
        assert visit.problems == [], url
        visit.close()
    assert shots[0] == shots[1]
