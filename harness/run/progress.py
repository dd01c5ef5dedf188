"""The live progress line: elapsed, users, pool active/waiting, requests and errors, faults.

On a terminal it rewrites one line in place; otherwise (CI logs) it prints a line every
``every_s`` seconds so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def fmt_num(v: Any) -> str:
    if v is None or v == "":
        return "?"
    try:
        return f"{int(float(v)):,}"
    except (TypeError, ValueError):
        return str(v)


class Progress:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None, every_s: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.every_s = every_s
        self._last_print = 0.0
        self._width = 0

    def line(self, label: str, t_s: float, duration_s: float, load: dict[str, Any], sample: dict[str, Any],
             faults: list[str], phase: str = "load") -> str:
        pool = (f"pool {fmt_num(sample.get('pool_active'))}/{fmt_num(sample.get('pool_max_size'))} active "
                f"{fmt_num(sample.get('pool_waiting'))} waiting")
        req = f"req {fmt_num(load.get('requests'))} err {fmt_num(load.get('errors'))}"
        if load.get("dropped"):  # the open model could not start these
            req += f" dropped {fmt_num(load.get('dropped'))}"
        fault = f" | {', '.join(faults)}" if faults else ""
        return (f"[{label}] {phase} {t_s:5.1f}/{duration_s:g}s | users {fmt_num(load.get('users'))} | {pool} | "
                f"{req}{fault}")

    def update(self, text: str) -> None:
        if self.quiet:
            return
        if self.tty:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
            self._width = len(text)
        elif time.monotonic() - self._last_print >= self.every_s:
            self._last_print = time.monotonic()
            self.stream.write(text + "\n")
            self.stream.flush()

    def done(self, text: str | None = None) -> None:
        if self.quiet:
            return
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        if text:
            self.stream.write(text + "\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        if not self.quiet:
            self.done(text)
