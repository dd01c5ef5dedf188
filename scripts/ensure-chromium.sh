#!/usr/bin/env bash
# Makes sure Debian's chromium and its chromedriver are installed: the report test opens
# report.html in headless Chromium (driven by selenium through chromedriver) and checks that every
# image decoded and the console stayed clean. Installs the packages when running as root;
# otherwise prints the exact command. Safe to re-run: does nothing when both are there.
set -euo pipefail

have() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

if have; then
    echo "chromium: using $(command -v chromium) and $(command -v chromedriver)"
    exit 0
fi

. "$(dirname "$0")/apt-install.sh"
apt_install chromium "the report test opens report.html in headless Chromium" chromium chromium-driver
have || { echo "chromium: install finished but chromium or chromedriver is missing" >&2; exit 1; }
echo "chromium: installed $(command -v chromium)"
