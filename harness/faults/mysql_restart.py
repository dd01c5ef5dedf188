"""mysql_restart: the MySQL server goes down at ``at_s`` (a crash by default, or a clean shutdown)
and comes back ``for_s`` later on the same port and data (at once when ``for_s`` is omitted).

Every pooled connection dies with it; what the pool does on the next borrow is the question.
Global variables changed mid-run (``set_variable``) are lost, as in production; the ones given
in ``mysql.variables`` come back with the server. Embedded server only: an external server is
not ours to restart.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec, register


class Spec(FaultSpec):
    type: Literal["mysql_restart"] = "mysql_restart"
    for_s: float | None = Field(None, gt=0, description="how long the server stays down; omitted = started "
                                "again at once")
    shutdown: Literal["crash", "clean"] = Field("crash", description="crash: SIGKILL, connections vanish; "
                                                "clean: SIGTERM, the server closes them itself")

    def nominal_end_s(self, duration_s: float) -> float:
        return self.at_s + (self.for_s or 0.0)

    def holds(self) -> frozenset[str]:
        # nothing that needs the server up (kill_idle, set_variable, ...) may be active across it
        return frozenset({"MySQL server"})

    def problems(self, scenario: Any) -> list[str]:
        if scenario.mysql.mode != "embedded":
            return ["type: mysql_restart needs mysql.mode: embedded (an external server is not ours to restart)"]
        return []


class MySQLRestart(Fault):
    def __init__(self, spec: Spec, index: int, ctx: Any) -> None:
        super().__init__(spec, index, ctx)
        self.down_at = 0.0
        self.down = False

    def start(self) -> dict[str, Any]:
        self.ctx.mysql.kill(clean=self.spec.shutdown == "clean")
        self.down_at = time.monotonic()
        self.down = True
        return {"shutdown": self.spec.shutdown}

    def stop(self) -> dict[str, Any]:
        if not self.down:
            return {}
        version = self.ctx.mysql.relaunch()
        self.down = False
        return {"down_s": round(time.monotonic() - self.down_at, 3), "version": version}


register(Spec, MySQLRestart)
