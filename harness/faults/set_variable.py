"""set_variable: ``SET GLOBAL name = value`` at ``at_s``, and the old value back when the fault
ends (unless ``restore: false``): lower ``wait_timeout`` mid-run, shrink ``max_connections``,
cap ``max_prepared_stmt_count`` (incident 003).

A global change reaches new sessions only for session-scoped variables such as ``wait_timeout``:
connections the pool already holds keep the value they started with (MySQL's semantics, and the
reason this fault exists beside ``mysql.variables``). Give numbers as numbers: MySQL refuses
``'100'`` for an integer variable.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec, register


class Spec(FaultSpec):
    type: Literal["set_variable"] = "set_variable"
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="a global server variable, e.g. "
                      "wait_timeout")
    value: int | float | bool | str = Field(description="its new value")
    restore: bool = Field(True, description="set the old value back when the fault ends")

    def holds(self) -> frozenset[str]:
        return frozenset({f"variable {self.name.lower()}"})

    def uses(self) -> frozenset[str]:
        return frozenset({"MySQL server"})  # a restart would lose the change


class SetVariable(Fault):
    def __init__(self, spec: Spec, index: int, ctx: Any) -> None:
        super().__init__(spec, index, ctx)
        self.old: Any = None
        self.changed = False

    def _read(self, cur: Any) -> Any:
        cur.execute(f"SELECT @@global.{self.spec.name}")
        row = cur.fetchone()
        return row[0] if row else None

    def start(self) -> dict[str, Any]:
        with self.ctx.endpoint.admin_connect() as conn, conn.cursor() as cur:
            self.old = self._read(cur)
            cur.execute(f"SET GLOBAL {self.spec.name} = %s", (self.spec.value,))
            self.changed = True
            new = self._read(cur)
        return {"name": self.spec.name, "old": _plain(self.old), "new": _plain(new)}

    def stop(self) -> dict[str, Any]:
        if not self.changed or not self.spec.restore:
            return {"name": self.spec.name, "restored": False}
        with self.ctx.endpoint.admin_connect() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL {self.spec.name} = %s", (self.old,))
            now = self._read(cur)
        self.changed = False
        return {"name": self.spec.name, "restored": True, "value": _plain(now)}


def _plain(value: Any) -> Any:
    """A server value as JSON can hold it (Decimal and bytes are not)."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


register(Spec, SetVariable)
