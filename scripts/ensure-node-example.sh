#!/usr/bin/env bash
# Makes sure the Express + mysql2 example (examples/express-mysql2) can run: Node.js and npm
# (Debian's nodejs/npm packages when missing and running as root; otherwise prints the command),
# then its locked dependencies (npm ci, only when package-lock.json changed). Safe to re-run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../examples/express-mysql2"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    . "$here/apt-install.sh"
    apt_install node "for examples/express-mysql2" nodejs npm
fi

stamp=node_modules/.harness-lock-stamp
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    echo "node: example dependencies up to date ($(node --version))"
    exit 0
fi
echo "node: installing the example's dependencies (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
