"""Every page of the demo report at a phone's width (390 px) and a desktop's (1400 px), in headless Chromium.

Nothing may be clipped: no chart text outside its chart, no caption running off the screen, no page
wider than the window, no test-set name broken letter by letter. Screenshots of each page at each
width go to $TOOLGRAD_SCREENSHOT_DIR (default tests/report/artifacts/, git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report.cdp import Browser, find_chromium

CHROMIUM = find_chromium()
IN_CI = os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI,
    reason="chromium is not installed (apt-get install chromium); CI installs it and runs these tests",
)
SCREENSHOTS = Path(os.environ.get("TOOLGRAD_SCREENSHOT_DIR") or Path(__file__).parent / "artifacts")
WIDTHS = (390, 1400)

# Each text of an inline chart against its own <svg> box; each caption and figure caption against the window.
CLIPPED = """(function () {
  var out = [], W = window.innerWidth;
  document.querySelectorAll('svg').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push('chart text "' + t.textContent + '" outside its chart');
    });
  });
  document.querySelectorAll('caption .fit, figcaption, h1, h2, h3').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.left < -1 || r.right > W + 1) out.push('cut: ' + e.textContent.slice(0, 50));
  });
  return out;
})()"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from toolgrad_eval.demo import run_demo

    root = tmp_path_factory.mktemp("widths")
    run_demo(root / "runs", root / "site", cache_dir=root / "cache", echo=lambda _line: None)
    return root / "site"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if CHROMIUM is None:
        pytest.fail("CI=true but chromium is not installed: .ci/run must install it")
    with Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def _pages(site: Path) -> list[Path]:
    return [
        site / "index.html",
        site / "sweep.html",
        *sorted((site / "models").glob("*.html")),
        *sorted((site / "diffs").glob("*.html")),
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_clips_a_label_or_caption(browser: Browser, demo_site: Path, width: int) -> None:
    browser.send(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        pages = _pages(demo_site)
        assert len(pages) == 12
        for page in pages:
            mark = browser.mark
            browser.navigate(page.as_uri())
            assert browser.problems(mark) == [], page.name
            assert browser.evaluate("window.innerWidth") == width
            assert browser.evaluate("document.documentElement.scrollWidth") <= width, page.name
            assert browser.evaluate(CLIPPED) == [], page.name
            if page.parent.name == "models" and "toolbench" in page.name:
                lines = browser.evaluate(
                    "Array.from(document.querySelectorAll('td.c-set code')).map(c => c.getClientRects().length)"
                )
                assert lines and set(lines) == {1}, page.name  # "G1_instruction" on one line
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"{'' if page.parent == demo_site else page.parent.name + '-'}{page.stem}-{width}.png"
            browser.screenshot(SCREENSHOTS / name, width=width, height=4000)
            assert (SCREENSHOTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1440, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
