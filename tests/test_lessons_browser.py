"""A lesson's static HTML page in headless Chromium: it renders, in Korean, with its figure
loaded and the tutorial's correction marked, without a console error (CSP included)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:  # a missing browser stack fails these tests (never a skip)
    from playwright.sync_api import sync_playwright
except ImportError as e:
    raise ImportError(f"the browser tests need playwright (pip install -e '.[dev]'): {e}") from e

from glassnet.lessons.html import write_site

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_site(out, ["gradient-descent"], ["ko", "en"])
    return out


def test_lesson_page_in_chromium(site):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (as .ci/run does)")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((site / "gradient-descent.ko.html").as_uri())
        assert "경사하강법" in page.locator("h1").inner_text()
        assert page.locator("li.erratum").count() == 3
        assert "1,849" in page.locator("body").inner_text()
        loaded = page.evaluate(
            "() => [...document.images].map(i => i.complete && i.naturalWidth > 100)"
        )
        assert loaded and all(loaded), loaded
        page.locator("a", has_text="English").click()
        assert page.url.endswith("gradient-descent.en.html")
        assert "Gradient descent" in page.locator("h1").inner_text()
        page.wait_for_timeout(100)
        browser.close()
    assert not errors, errors
