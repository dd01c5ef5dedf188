#!/usr/bin/env bash
# Makes sure a MariaDB/MySQL server binary is available for the embedded, private instance.
# Installs Debian's mariadb-server when running as root; otherwise prints the exact command.
# Safe to re-run: does nothing when a server binary is already there.
set -euo pipefail

find_server() {
    for name in mariadbd mysqld; do
        for dir in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin /usr/libexec; do
            [ -x "$dir/$name" ] && { echo "$dir/$name"; return 0; }
        done
        command -v "$name" 2>/dev/null && return 0
    done
    return 1
}

if server=$(find_server); then
    echo "mariadb: using $server"
    exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends mariadb-server"
if [ "$(id -u)" != 0 ]; then
    echo "mariadb: no mariadbd/mysqld found. Install it with:" >&2
    echo "    sudo sh -c '$cmd'" >&2
    exit 1
fi
echo "mariadb: installing the mariadb-server package (needed for the private, throwaway instance)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends mariadb-server
# Debian's package may start a system service on 3306; the harness never uses it and starts its own.
server=$(find_server) || { echo "mariadb: install finished but no mariadbd found" >&2; exit 1; }
echo "mariadb: installed $server"
