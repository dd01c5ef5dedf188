"""freeze: SIGSTOP the app for ``for_s`` seconds, then SIGCONT (AWS Lambda's freeze/thaw,
incident 001). Everything in the app stops, its timers included; the world outside does not.

``death`` says how the app's idle sockets die meanwhile, as they do in production:

- ``reset``: the proxy closes every connection right after the freeze (a NAT gateway or proxy
  forgetting the flow and answering RST); after the thaw the first query on each pooled
  connection fails at once with a lost connection;
- ``blackhole``: traffic is silently dropped (a Toxiproxy ``timeout`` toxic on both streams) from
  the freeze until ``blackhole_after_s`` after the thaw; a query in that tail hangs until the
  driver's read timeout, and connections opened in it hang too. As in Toxiproxy, lifting the
  blackhole closes the connections it held;
- ``server_timeout``: nothing is done to the network; MySQL's ``wait_timeout`` (which must be
  shorter than the freeze: ``mysql.variables.wait_timeout``) closes the idle sessions itself;
- ``none``: the sockets survive (a freeze shorter than every timeout): requests just queue.

The thaw always happens: ``stop`` sends SIGCONT in a ``finally``, and the nemesis heals every
fault in its own ``finally``.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec, register

log = logging.getLogger(__name__)


class Spec(FaultSpec):
    type: Literal["freeze"] = "freeze"
    for_s: float | None = Field(None, gt=0, description="how long the app stays frozen; omitted = until the "
                                "load ends")
    death: Literal["reset", "blackhole", "server_timeout", "none"] = Field(
        "reset", description="how the app's idle sockets die while it is frozen")
    blackhole_after_s: float = Field(0.0, ge=0, description="death: blackhole only: how long traffic stays "
                                     "dropped after the thaw, seconds")

    def nominal_end_s(self, duration_s: float) -> float:
        return super().nominal_end_s(duration_s) + self.blackhole_after_s

    def holds(self) -> frozenset[str]:
        # reset closes connections by disabling the proxy for an instant: not while proxy_down holds it
        return frozenset({"app process", "proxy enabled"} if self.death == "reset" else {"app process"})

    def uses(self) -> frozenset[str]:
        return frozenset({"MySQL server"} if self.death == "server_timeout" else set())

    def actions(self, duration_s: float) -> list[tuple[float, str]]:
        if self.blackhole_after_s > 0 and self.for_s is not None:
            return [(min(duration_s, self.at_s + self.for_s), "thaw")]
        return []

    def problems(self, scenario: Any) -> list[str]:
        out = []
        if self.blackhole_after_s > 0 and self.death != "blackhole":
            out.append(f"blackhole_after_s: only applies to death: blackhole (death is {self.death})")
        if self.death == "server_timeout":
            if self.for_s is None:
                out.append("for_s: death: server_timeout needs a freeze length longer than MySQL's wait_timeout")
            elif scenario.mysql.mode == "embedded":
                wait = scenario.mysql.variables.get("wait_timeout")
                if not isinstance(wait, int | float) or isinstance(wait, bool) or wait >= self.for_s:
                    got = "not set (MySQL's default is 28800)" if wait is None else f"{wait!r}"
                    out.append(f"death: server_timeout needs mysql.variables.wait_timeout shorter than for_s "
                               f"({self.for_s:g} s), got {got}")
        return out


class Freeze(Fault):
    def __init__(self, spec: Spec, index: int, ctx: Any) -> None:
        super().__init__(spec, index, ctx)
        self.toxics = [f"freeze_{index}_{stream}" for stream in ("upstream", "downstream")]
        self.frozen = False

    def start(self) -> dict[str, Any]:
        spec: Spec = self.spec
        app = self.need_app()
        app.freeze()
        self.frozen = True
        details: dict[str, Any] = {"death": spec.death, "pid": app.process.pid if app.process else None}
        try:
            if spec.death == "reset":
                # disable closes the listener and every connection; enable listens again at once
                self.ctx.proxy.disable(self.ctx.proxy_name)
                self.ctx.proxy.enable(self.ctx.proxy_name)
                details["connections_closed"] = True
            elif spec.death == "blackhole":
                for name, stream in zip(self.toxics, ("upstream", "downstream"), strict=True):
                    self.ctx.proxy.add_toxic(self.ctx.proxy_name, "timeout", {"timeout": 0}, name=name, stream=stream)
                details["toxics"] = self.toxics
            elif spec.death == "server_timeout":
                details.update(self._wait_timeout())
        except BaseException:
            self._heal()  # a half-started freeze must not leave the app stopped
            raise
        return details

    def _wait_timeout(self) -> dict[str, Any]:
        with self.ctx.endpoint.admin_connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT @@global.wait_timeout")
            row = cur.fetchone()
        wait_s = float(row[0]) if row else None
        out: dict[str, Any] = {"wait_timeout_s": wait_s}
        if wait_s is not None and self.spec.for_s is not None and wait_s >= self.spec.for_s:
            out["warning"] = (f"wait_timeout {wait_s:g} s is not shorter than the freeze ({self.spec.for_s:g} s): "
                              "the idle sessions will survive")
            log.warning("freeze[%d]: %s", self.index, out["warning"])
        return out

    def act(self, action: str) -> dict[str, Any]:
        if action != "thaw":
            return super().act(action)
        self._thaw()
        return {"blackhole_until_s": self.spec.blackhole_after_s}

    def _thaw(self) -> None:
        if self.frozen:
            self.need_app().thaw()
            self.frozen = False

    def _heal(self) -> None:
        try:
            if self.spec.death == "blackhole":
                existing = set(self.ctx.proxy.toxics(self.ctx.proxy_name))
                for name in self.toxics:
                    if name in existing:
                        self.ctx.proxy.remove_toxic(self.ctx.proxy_name, name)
        finally:
            self._thaw()

    def stop(self) -> dict[str, Any]:
        was_frozen = self.frozen
        self._heal()
        return {"thawed": was_frozen}


register(Spec, Freeze)
