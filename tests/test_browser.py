"""The explorer in a real browser: headless Chromium (Debian's) driven by Playwright.

One browser for the whole module; each test opens the saved page in a fresh page and checks
that it logged no console error, threw nothing and fetched nothing but the file itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value
from autograd_lite.viz import explore
from tests.browser import ink, launched
from tests.examples import cube

WIDTH, HEIGHT = 900, 700


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


class Page:
    """A page of the browser that records what would go wrong unnoticed."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector(".agx-ready")
        return self.page

    def grad(self, k: int, within: str = "") -> str:
        """The gradient text of box k, as the page shows it now."""
        texts = self.page.locator(f'{within} .agx-graph [data-id="n{k}"] text').all_text_contents()
        (grad,) = [t.strip() for t in texts if t.strip().startswith("grad ")]
        return grad

    def check_clean(self, path: Path) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.requests == [path.resolve().as_uri()]  # the file itself, nothing else


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    opened = Page(browser)
    yield opened
    opened.page.close()


def test_the_arrow_keys_step_the_gradients_and_nothing_moves(page: Page, tmp_path: Path) -> None:
    path = explore(cube()).save(tmp_path / "f.html")
    view = page.open(path)
    # Where each box is drawn: its background shape (borders thicken when highlighted).
    shapes = view.locator(".agx-graph g.node > path:first-of-type")
    where = [shapes.nth(i).bounding_box() for i in range(shapes.count())]
    assert len(where) == 5
    # Step 0: only the seed is there. x is box 0, u box 3, f box 4.
    assert [page.grad(k) for k in range(5)] == ["grad ?", "grad ?", "grad ?", "grad ?", "grad 1"]
    view.keyboard.press("ArrowRight")
    assert page.grad(3) == "grad 75" and page.grad(0) == "grad ?"
    assert "∂f/∂f = 1 is complete" in view.locator(".agx-caption").inner_text()
    view.keyboard.press("ArrowRight")
    assert page.grad(0) == "grad ?"
    view.keyboard.press("ArrowRight")
    assert page.grad(0) == "grad 300"
    assert view.locator(".agx-count").inner_text() == "step 3 of 3"
    assert "x gets 4 × 75 = 300" in view.locator(".agx-caption").inner_text()
    view.keyboard.press("ArrowRight")  # past the end: stays
    assert view.locator(".agx-count").inner_text() == "step 3 of 3"
    # The box that just completed and the edge to its operand are highlighted.
    assert "agx-current" in (view.locator('[data-id="n1"]').get_attribute("class") or "")
    assert "agx-active" in (view.locator('[data-id="e1_0"]').get_attribute("class") or "")
    assert "× 75 = 300" in view.locator('[data-id="n1"]').text_content()
    # The layout never moves: every box is where it was at step 0.
    assert [shapes.nth(i).bounding_box() for i in range(shapes.count())] == where
    view.keyboard.press("Home")
    assert page.grad(0) == "grad ?" and page.grad(3) == "grad ?"
    view.keyboard.press("End")
    assert page.grad(0) == "grad 300"
    view.keyboard.press("ArrowLeft")
    assert page.grad(0) == "grad ?" and page.grad(1) == "grad 75"
    page.check_clean(path)


def test_buttons_and_slider_step_too(page: Page, tmp_path: Path) -> None:
    path = explore(cube()).save(tmp_path / "f.html")
    view = page.open(path)
    assert view.locator(".agx-prev").is_disabled()
    view.locator(".agx-next").click()
    assert view.locator(".agx-count").inner_text() == "step 1 of 3"
    view.locator(".agx-slider").fill("3")
    assert page.grad(0) == "grad 300"
    assert view.locator(".agx-next").is_disabled()
    view.locator(".agx-prev").click()
    assert view.locator(".agx-slider").input_value() == "2"
    # The slider's own arrow keys step once, not twice.
    view.locator(".agx-slider").focus()
    view.keyboard.press("ArrowLeft")
    assert view.locator(".agx-count").inner_text() == "step 1 of 3"
    page.check_clean(path)


def test_tapping_a_box_shows_its_full_precision_value_and_rule(page: Page, tmp_path: Path) -> None:
    x = Value(1 / 3, label="x")
    f = (x**2 + 1) ** 3
    f.label = "f"
    path = explore(f).save(tmp_path / "third.html")
    view = page.open(path)
    assert "data 0.3333" in view.locator('[data-id="n0"]').text_content()  # the box: 4 digits
    view.locator('[data-id="n0"]').click()
    details = view.locator(".agx-details-body").inner_text()
    assert repr(1 / 3) in details  # 0.3333333333333333
    assert "? (nothing has arrived yet)" in details
    view.keyboard.press("End")
    f.backward()
    details = view.locator(".agx-details-body").inner_text()
    assert f"∂f/∂x = {x.grad!r}" in details
    # Another box, hovered: its op, formula and local derivatives from the rule table.
    view.locator('[data-id="n3"]').hover()
    details = " ".join(view.locator(".agx-details-body").inner_text().split())
    assert "add: a + b" in details and "∂/∂a = 1, ∂/∂b = 1" in details
    assert "the rule's a, here x²: ∂/∂a = 1.0" in details
    page.check_clean(path)


def test_a_hostile_label_is_only_text(page: Page, tmp_path: Path) -> None:
    hostile = "</script><script>alert(1)</script>"
    x = Value(2.0, label=hostile)
    f = x * 3
    f.label = '"><img src=x onerror=alert(2)>'
    path = explore(f).save(tmp_path / "hostile.html")
    view = page.open(path)
    view.locator('[data-id="n0"]').click()
    assert hostile in view.locator(".agx-details-body").inner_text()
    view.keyboard.press("End")
    assert view.locator(".agx-graph img").count() == 0
    assert page.dialogs == []
    page.check_clean(path)


def test_labels_that_look_like_a_gradient_or_a_row_stay_titles(page: Page, tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.label = "grad x"  # reads like the gradient line
    z = y * 3
    z.label = "∂ odd"  # reads like a row
    f = z + 1
    f.label = "f"
    view = page.open(explore(f).save(tmp_path / "odd.html"))
    view.keyboard.press("End")
    texts = [t.strip() for t in view.locator('.agx-graph [data-id="n1"] text').all_text_contents()]
    assert "grad x" in texts  # the title is untouched
    assert texts[-1] == "grad 3"  # ∂f/∂y = 3
    assert page.grad(0) == "grad 12"  # ∂f/∂x = 3 · 2x
    odd = [t.strip() for t in view.locator('.agx-graph [data-id="n3"] text').all_text_contents()]
    assert "∂ odd" in odd and odd[-1] == "grad 1"


def test_two_explorers_on_one_page_step_apart(page: Page, tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    g = x * x
    g.label = "g"
    body = explore(cube())._repr_html_() + explore(g)._repr_html_()
    path = tmp_path / "two.html"
    path.write_text(f'<!DOCTYPE html><meta charset="utf-8"><body>{body}</body>', encoding="utf-8")
    view = page.open(path)
    first, second = view.locator(".agx").nth(0), view.locator(".agx").nth(1)
    second.locator('[data-id="n0"]').click()  # focuses the second explorer
    view.keyboard.press("End")
    ids = [first.get_attribute("id"), second.get_attribute("id")]
    assert page.grad(0, within=f"#{ids[1]}") == "grad 4"
    assert page.grad(0, within=f"#{ids[0]}") == "grad ?"  # the first did not move
    page.check_clean(path)


# How notebooks put HTML output on the page: JupyterLab sets innerHTML and then re-creates each
# script element so that it runs; the classic notebook (jQuery's .html()) evaluates the scripts'
# text, with no document.currentScript.
INSERT = """([html, how]) => {
    const host = document.getElementById("output");
    host.innerHTML = html;
    for (const old of host.querySelectorAll("script")) {
        if (how === "eval") {
            if (!old.type) (0, eval)(old.textContent);
            continue;
        }
        const script = document.createElement("script");
        for (const attribute of old.attributes) script.setAttribute(attribute.name, attribute.value);
        script.textContent = old.textContent;
        old.replaceWith(script);
    }
}"""


@pytest.mark.parametrize("how", ["recreate", "eval"])
def test_it_runs_when_a_notebook_inserts_it(page: Page, tmp_path: Path, how: str) -> None:
    path = tmp_path / "notebook.html"
    path.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><body><div id="output"></div></body>',
        encoding="utf-8",
    )
    view = page.page
    view.goto(path.resolve().as_uri())
    view.evaluate(INSERT, [explore(cube())._repr_html_(), how])
    view.wait_for_selector(".agx-ready")
    assert view.locator(".agx-nojs").count() == 0
    view.locator('.agx [data-id="n4"]').click()  # focus is on the explorer: keys step it
    view.keyboard.press("End")
    assert page.grad(0) == "grad 300"
    page.check_clean(path)


def test_a_screenshot_is_not_blank(page: Page, tmp_path: Path) -> None:
    path = explore(cube()).save(tmp_path / "f.html")
    view = page.open(path)
    view.keyboard.press("ArrowRight")
    png = view.screenshot()
    (tmp_path / "step1.png").write_bytes(png)
    share = ink(png)
    assert 0.02 < share < 0.9, f"{share:.1%} of the pixels are not white"
    page.check_clean(path)
