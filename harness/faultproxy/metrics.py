"""``GET /metrics``: Prometheus text exposition of the proxies' counters.

Toxiproxy's two byte counters keep their names and labels (``direction``, ``listener``,
``proxy``, ``upstream``), so existing dashboards work. They grow as bytes flow, where
Toxiproxy only adds a link's bytes when the link ends. Additive extensions (Toxiproxy issues
#266, #365): active connections, connections accepted, and toxic failures per proxy.

Written by hand rather than with ``prometheus_client``: the counters already live as plain
integers on the data path, and the exposition format needs only label escaping.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.faultproxy.proxy import Proxy

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(proxies: Iterable[Proxy]) -> str:
    proxies = sorted(proxies, key=lambda p: p.name)
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    for index, (name, what) in enumerate((("received", "received"), ("sent", "sent"))):
        family(f"toxiproxy_proxy_{name}_bytes_total", "counter", f"The total bytes {what} on a given proxy link")
        for p in proxies:
            for direction in ("downstream", "upstream"):
                value = p.bytes(direction)[index]
                lines.append(f'toxiproxy_proxy_{name}_bytes_total{{direction="{direction}",'
                             f'listener="{label(p.listen)}",proxy="{label(p.name)}",'
                             f'upstream="{label(p.upstream)}"}} {value}')
    family("toxiproxy_proxy_connections", "gauge", "Open client connections of a proxy (pool-harness extension)")
    lines += [f'toxiproxy_proxy_connections{{proxy="{label(p.name)}"}} {len(p.connections)}' for p in proxies]
    family("toxiproxy_proxy_connections_total", "counter",
           "Client connections a proxy has accepted (pool-harness extension)")
    lines += [f'toxiproxy_proxy_connections_total{{proxy="{label(p.name)}"}} {p.connections_total}'
              for p in proxies]
    family("toxiproxy_proxy_toxic_errors_total", "counter",
           "Connections closed because a toxic failed: a bug, see the log (pool-harness extension)")
    lines += [f'toxiproxy_proxy_toxic_errors_total{{proxy="{label(p.name)}"}} {p.toxic_errors}' for p in proxies]
    return "\n".join(lines) + "\n"
