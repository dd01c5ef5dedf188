"""proxy_down: the proxy is disabled: its listener closes and every connection through it is
closed, so the app can neither use its pooled connections nor open new ones (the database host
vanishing from the network). Enabled again when the fault ends."""

from __future__ import annotations

from typing import Any, Literal

from harness.faults.base import Fault, FaultSpec, register


class Spec(FaultSpec):
    type: Literal["proxy_down"] = "proxy_down"

    def holds(self) -> frozenset[str]:
        return frozenset({"proxy enabled"})


class ProxyDown(Fault):
    def start(self) -> dict[str, Any]:
        self.ctx.proxy.disable(self.ctx.proxy_name)
        return {"proxy": self.ctx.proxy_name}

    def stop(self) -> dict[str, Any]:
        self.ctx.proxy.enable(self.ctx.proxy_name)
        return {"proxy": self.ctx.proxy_name}


register(Spec, ProxyDown)
