"""Headless Chromium for the report tests: Debian's chromium driven by selenium through chromedriver.

Flags as the brief requires for root on a shared machine: no sandbox, no GPU, nothing that
phones home, a fresh profile each time. ``scripts/ensure-chromium.sh`` (run by ``make test``)
installs the packages when they are missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.stack.processes import wait_until

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.fail("chromium/chromedriver missing: run scripts/ensure-chromium.sh (make test does)")
    return browser, driver


@contextmanager
def chromium(phone: bool = False) -> Iterator[Any]:
    """A selenium WebDriver on a throwaway profile; quits (and stops its processes) on exit.

    ``phone``: emulate a 390 px wide phone screen (headless windows are never narrower than 500 px).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not try the network
    browser, driver_path = chromium_paths()
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1200,900")
    if phone:
        options.add_experimental_option("mobileEmulation",
                                        {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.profile_dir = profile  # lets a test find this browser's processes, and only them
    try:
        yield driver
    finally:
        driver.quit()
        wait_until(lambda: not processes_using(profile), 10)
        shutil.rmtree(profile, ignore_errors=True)


def processes_using(profile: str) -> list[int]:
    """PIDs whose command line names this throwaway profile: the browser we started and its helpers."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if profile.encode() in cmdline:
            pids.append(int(proc.name))
    return pids


IMAGES_JS = """
const imgs = Array.from(document.images);
return imgs.map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth}));
"""


def open_report(driver: Any, path: Path) -> dict[str, Any]:
    """Load the page from disk; what a reader would notice: images, console errors, sideways scroll."""
    driver.get(path.resolve().as_uri())  # returns once the page has loaded (page load strategy "normal")
    images = driver.execute_script(IMAGES_JS)
    errors = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]
    overflow_px = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return {"images": images, "errors": errors, "overflow_px": overflow_px, "title": driver.title}
