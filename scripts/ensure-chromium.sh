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

cmd="apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver"
if [ "$(id -u)" != 0 ]; then
    echo "chromium: no chromium/chromedriver found (the report test needs them). Install them with:" >&2
    echo "    sudo sh -c '$cmd'" >&2
    exit 1
fi
echo "chromium: installing Debian's chromium and chromium-driver (for the headless report test)"
export DEBIAN_FRONTEND=noninteractive
# Other jobs on the machine may hold the dpkg lock for a while: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -q
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends chromium chromium-driver
have || { echo "chromium: install finished but chromium or chromedriver is missing" >&2; exit 1; }
echo "chromium: installed $(command -v chromium)"
