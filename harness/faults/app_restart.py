"""app_restart: the app goes down at ``at_s`` (a clean SIGTERM by default, or a crash) and is
started again ``for_s`` later on the same port (at once when ``for_s`` is omitted): a deploy or
an OOM kill. Requests in the gap are refused; a fresh process starts with an empty pool, which
is how a restart "fixes" a leak, and the server-side sessions a crashed process held linger
until MySQL notices (the zombies of incident 000)."""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec, register


class Spec(FaultSpec):
    type: Literal["app_restart"] = "app_restart"
    for_s: float | None = Field(None, gt=0, description="how long the app stays down; omitted = started "
                                "again at once")
    shutdown: Literal["clean", "crash"] = Field("clean", description="clean: SIGTERM; crash: SIGKILL")

    def nominal_end_s(self, duration_s: float) -> float:
        return self.at_s + (self.for_s or 0.0)

    def holds(self) -> frozenset[str]:
        return frozenset({"app process"})


class AppRestart(Fault):
    takes_app_down: ClassVar[bool] = True

    def __init__(self, spec: Spec, index: int, ctx: Any) -> None:
        super().__init__(spec, index, ctx)
        self.down_at = 0.0
        self.down = False

    def start(self) -> dict[str, Any]:
        app = self.need_app()
        pid = app.process.pid if app.process else None
        self.down = True
        app.kill(clean=self.spec.shutdown == "clean")
        self.down_at = time.monotonic()
        return {"shutdown": self.spec.shutdown, "pid": pid}

    def stop(self) -> dict[str, Any]:
        if not self.down:
            return {}
        app = self.need_app()
        app.start()
        self.down = False
        return {"down_s": round(time.monotonic() - self.down_at, 3), "pid": app.process.pid if app.process else None}


register(Spec, AppRestart)
