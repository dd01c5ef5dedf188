"""The exception tree of pool-harness; each exception carries the exit code the CLI returns.

    HarnessError                 (exit 1)  anything the harness reports as one clear line
    ├── BadInput                 (exit 2)  the user gave us something we cannot use
    │   ├── ScenarioError                  a scenario file that does not validate (file, key path)
    │   └── UsageError                     bad command-line arguments, a missing run directory
    ├── ChecksFailed             (exit 1)  the run finished and at least one check failed
    ├── StackError               (exit 3)  a real component could not start or failed mid-run
    │   ├── MySQLError                     the private MariaDB or an external server
    │   ├── ProxyError                     the fault proxy (embedded or a real toxiproxy)
    │   ├── AppError                       the target app
    │   └── LoadError                      the locust process
    └── Interrupted              (exit 130) Ctrl-C or SIGTERM; partial results were still written

The CLI catches ``HarnessError`` alone and prints ``str(error)``; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the harness reports as a single line."""

    exit_code: int = 1


class BadInput(HarnessError):
    exit_code = 2


class ScenarioError(BadInput):
    """A scenario that does not validate. The message names the file, the key path and what was expected."""

    def __init__(self, file: str, messages: list[str]) -> None:
        self.file = file
        self.messages = messages
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """``file:LINE: key.path: message`` when the line is known, else ``file: key.path: message``."""
        return [f"{self.file}:{m}" if m[:1].isdigit() else f"{self.file}: {m}" for m in self.messages]


class UsageError(BadInput):
    pass


class ChecksFailed(HarnessError):
    exit_code = 1


class StackError(HarnessError):
    exit_code = 3


class MySQLError(StackError):
    pass


class ProxyError(StackError):
    pass


class AppError(StackError):
    pass


class LoadError(StackError):
    pass


class Interrupted(HarnessError):
    exit_code = 130
