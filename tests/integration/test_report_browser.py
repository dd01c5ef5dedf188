"""report.html of a real run, opened in headless Chromium: every image decodes, the console stays clean,
it fits a phone and prints; the same for `harness compare`."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from tests.integration.app_helpers import harness_cli
from tests.integration.browser import chromium, open_report, processes_using


@pytest.fixture(scope="module")
def real_run(quickstart_run: tuple[Path, int]) -> Path:
    """The session's quickstart run on the real stack (MariaDB, proxy, app, locust)."""
    return quickstart_run[0]


def test_every_image_decodes_and_the_console_is_clean(real_run: Path) -> None:
    """Desktop width: as many decoded images as PNG charts in the run directory, no console error."""
    with chromium() as driver:
        page = open_report(driver, real_run / "report.html")
    pngs = sorted(p.name for p in real_run.glob("*.png"))
    assert (len(pngs), []) == (len(page["images"]), [i["alt"] for i in page["images"] if i["width"] <= 0])
    assert page["errors"] == []
    assert page["title"] == "quickstart: pool-harness report"


def test_fits_a_phone(real_run: Path) -> None:
    """At 390 px the page never scrolls sideways (the table scrolls in its own box) and images shrink to fit."""
    with chromium(phone=True) as driver:
        page = open_report(driver, real_run / "report.html")
        widest = driver.execute_script("return Math.max(...Array.from(document.images).map(i => i.width))")
    assert (page["overflow_px"], page["errors"]) == (0, [])
    assert widest <= 390


def test_prints(real_run: Path) -> None:
    """Printing gives a PDF of several pages."""
    with chromium() as driver:
        driver.get((real_run / "report.html").resolve().as_uri())
        pdf = base64.b64decode(driver.print_page())
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))  # each page object, not the /Pages tree
    assert (pdf[:4], pages >= 3) == (b"%PDF", True)


def test_compare_report_in_the_browser(real_run: Path, tmp_path: Path) -> None:
    """`harness compare` of the run with itself aligned at the latency fault: its page passes the same checks."""
    out = tmp_path / "cmp"
    done = harness_cli("compare", str(real_run), str(real_run), "--out", str(out), "--align", "latency")
    assert done.returncode == 0, done.stderr
    labels = list(json.loads((out / "compare.json").read_text())["variants"])
    assert len(labels) == 4
    with chromium() as driver:
        page = open_report(driver, out / "report.html")
    assert (len(list(out.glob("*.png"))), 0, []) == (
        len(page["images"]), sum(1 for i in page["images"] if i["width"] <= 0), page["errors"])


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A page with a broken image and a script error: the same checks report both (they are not blind)."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html><head><link rel=icon href='data:,'></head><body>"
                   "<img alt=broken src='data:image/png;base64,AAAA'>"
                   "<script>console.error('boom')</script></body></html>")
    with chromium() as driver:
        page = open_report(driver, bad)
    assert ([i["width"] for i in page["images"]], len(page["errors"])) == ([0], 1)


def test_no_browser_left_running() -> None:
    """The browser runs while a test uses it, and none of its processes outlive the test."""
    with chromium() as driver:
        driver.get("about:blank")
        profile = driver.profile_dir
        assert processes_using(profile) != []
    assert processes_using(profile) == []
