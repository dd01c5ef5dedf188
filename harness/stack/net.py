"""Small network helpers shared by the stack: free ports, loopback checks, waiting for a port."""

from __future__ import annotations

import ipaddress
import socket
import time


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free right now (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and names that resolve only to loopback addresses."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def split_host_port(address: str, default_port: int = 0) -> tuple[str, int]:
    """``"127.0.0.1:3306"`` -> ``("127.0.0.1", 3306)``; handles ``[::1]:3306``."""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, sep, port = address.rpartition(":")
        if not sep:
            host, port = address, ""
    return host, int(port) if port else default_port


def wait_for_port(host: str, port: int, timeout_s: float) -> bool:
    """Wait until a TCP connect to ``host:port`` succeeds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
