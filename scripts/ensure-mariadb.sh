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

. "$(dirname "$0")/apt-install.sh"
apt_install mariadb "no mariadbd/mysqld found; the harness starts a private, throwaway instance" mariadb-server
# Debian's package may start a system service on 3306; the harness never uses it and starts its own.
server=$(find_server) || { echo "mariadb: install finished but no mariadbd found" >&2; exit 1; }
echo "mariadb: installed $server"
