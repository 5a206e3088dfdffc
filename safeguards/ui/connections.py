"""Slow clients: connections that never finish their request headers, or that hold a
socket open doing nothing, must not lock normal visitors out.

Uvicorn (what Gradio serves with) drops a keep-alive connection that stays idle after a
response (`timeout_keep_alive`), but has no limit on the time a *new* connection may
take to send its headers, and its `limit_concurrency` counts idle connections too (at
the limit it answers 503 to everyone, the flood included). With a container's 256 file
descriptors, 300 sockets that send half a request shut the page. Gradio does not expose
uvicorn's settings, so `install_connection_guard` sets them on the config Gradio builds:

* a request's headers must be complete within `header_timeout` seconds of the connection
  (or of the previous response on a kept-alive one), else the connection is closed;
* at most `max_connections` are open at once (from the process's file limit, keeping
  some descriptors for the log and the app); a new one beyond that closes the connection
  that has been idle longest (no request in progress), so the flood makes room for the
  visitor rather than the other way round; with none idle, the new one is closed;
* an incomplete request may buffer at most `MAX_INCOMPLETE` bytes (uvicorn's
  `h11_max_incomplete_event_size`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

from gradio import http_server
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

RESERVED_FDS = 64  # descriptors kept for the event log, the catalog, Python and Gradio
MAX_INCOMPLETE = 16 * 1024  # bytes of an unfinished request (headers) kept at most
KEEP_ALIVE = 5  # seconds an idle kept-alive connection stays open (uvicorn's default)


def connection_limit() -> int:
    """Connections the process can hold without running out of file descriptors."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(16, min(4096, soft - RESERVED_FDS))


class GuardedH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol with a header deadline and a connection cap."""

    header_timeout: float = 30.0
    max_connections: int = 1024

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._idle_since = time.monotonic()
        if len(self.connections) > self.max_connections and not self._make_room():
            self.transport.close()
            return
        self._arm()

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _make_room(self) -> bool:
        """Close the connection idle longest (this one excluded); False when none is."""
        idle = [
            c
            for c in self.connections
            if c is not self and isinstance(c, GuardedH11Protocol) and not c._busy()
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._idle_since)
        oldest.transport.close()
        return True

    def _arm(self) -> None:
        self._disarm()
        self._waiting_for = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # closed, or upgraded (a WebSocket has its own protocol)
        if self.cycle is self._waiting_for and not self._busy():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._deadline is not None and self.cycle is not self._waiting_for:
            self._disarm()  # the headers are in: the request runs as long as it needs

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._idle_since = time.monotonic()
            if not self._busy():
                self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


_ORIGINAL_SERVER_INIT = http_server.Server.__init__


def install_connection_guard(*, header_timeout: float, max_connections: int) -> None:
    """Make the server Gradio starts next use `GuardedH11Protocol` with these limits."""
    GuardedH11Protocol.header_timeout = header_timeout
    GuardedH11Protocol.max_connections = max_connections

    def init(self: Any, config: Any, *args: Any, **kwargs: Any) -> None:
        config.http = GuardedH11Protocol
        config.timeout_keep_alive = KEEP_ALIVE
        config.h11_max_incomplete_event_size = MAX_INCOMPLETE
        _ORIGINAL_SERVER_INIT(self, config, *args, **kwargs)

    http_server.Server.__init__ = init  # type: ignore[method-assign]
    log.info("connections: headers within %.0f s, at most %d open", header_timeout, max_connections)
