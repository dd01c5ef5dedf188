#!/usr/bin/env bash
# Makes sure the Express + mysql2 example (examples/express-mysql2) can run: Node.js and npm
# (Debian's nodejs/npm packages when missing and running as root; otherwise prints the command),
# then its locked dependencies (npm ci, only when package-lock.json changed). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/../examples/express-mysql2"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    cmd="apt-get update && apt-get install -y --no-install-recommends nodejs npm"
    if [ "$(id -u)" != 0 ]; then
        echo "node: Node.js and npm are needed for examples/express-mysql2. Install them with:" >&2
        echo "    sudo sh -c '$cmd'" >&2
        exit 1
    fi
    echo "node: installing Debian's nodejs and npm (for the Express + mysql2 example)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends nodejs npm
fi

stamp=node_modules/.harness-lock-stamp
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    echo "node: example dependencies up to date ($(node --version))"
    exit 0
fi
echo "node: installing the example's dependencies (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
