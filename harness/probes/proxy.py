"""The fault proxy's view: open connections and bytes per direction (our server's extension;
a real toxiproxy has no such fields and the columns stay empty)."""

from __future__ import annotations

from typing import Any

from harness.stack.proxy import ProxyClient


class ProxySampler:
    name = "proxy"

    def __init__(self, client: ProxyClient, proxy_name: str) -> None:
        self.client = client
        self.proxy_name = proxy_name

    def sample(self) -> dict[str, Any]:
        stats = self.client.stats(self.proxy_name)
        return {"proxy_connections": stats.get("connections"),
                "proxy_bytes_upstream": stats.get("bytes_upstream"),
                "proxy_bytes_downstream": stats.get("bytes_downstream")}
