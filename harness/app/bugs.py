"""The incidents' bugs that live in request handling, not in the pool.

``release_on_abort`` (incident 002). The Express app borrowed a connection in one middleware and
registered the ``close``/``finish`` listeners that release it in a later one. A client that
disconnected while the borrow was still waiting emitted ``close`` before anyone listened, so that
connection was never released. Here: once the borrow completes, the app looks at the client
socket. If the client is already gone, ``late`` does what the buggy app did (runs the request
and never gives the connection back) and ``early`` does what the fix does (gives it back at once
and stops). A client still there is served normally either way.

``leak_on_error`` (incident 000). With this probability, a request whose work raised an error
(a SQL error on a healthy connection, e.g. ``/tx?fail=1``) skips the rollback and the return:
the connection stays borrowed forever and its transaction stays open, holding its row locks,
a "Sleep" zombie in the processlist until ``wait_timeout`` or a KILL ends it.

Leaked leases are kept referenced here: a leaked connection must not be closed by the garbage
collector, or the server would see a disconnect instead of a zombie.
"""

from __future__ import annotations

import logging
import random
import select
import socket
from typing import Any

from gevent import monkey

log = logging.getLogger("harness.app.bugs")

# The original poll(), not gevent's: with a zero timeout it never blocks, and it avoids setting up
# a gevent watcher on every request just to ask "has this socket been hung up?".
_poll = monkey.get_original("select", "poll")
_HANGUP = select.POLLRDHUP | select.POLLHUP | select.POLLERR


def client_gone(sock: socket.socket | None) -> bool:
    """True when the HTTP client has closed its end (FIN or RST) of ``sock``.

    A write to a closed client does not fail at once (toolchain notes); the hang-up shows as
    POLLRDHUP/POLLHUP on the socket, which a request that is still waiting never sets, and a
    pipelined next request (plain POLLIN) does not either.
    """
    if sock is None:
        return False
    try:
        fd = sock.fileno()
    except OSError:
        return True
    if fd < 0:
        return True
    poller = _poll()
    poller.register(fd, _HANGUP)
    return bool(poller.poll(0))


class LeakedLeases:
    """Connections the bugs leaked on purpose, kept alive so they stay zombies, not disconnects."""

    def __init__(self, seed: int | None = None) -> None:
        self._leases: list[Any] = []
        self.rng = random.Random(seed)

    def keep(self, lease: Any, why: str) -> None:
        self._leases.append(lease)
        log.warning("connection leaked (%s); %d leaked so far", why, len(self._leases))

    def __len__(self) -> int:
        return len(self._leases)
