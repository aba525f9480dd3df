"""uvicorn's connection options, with a deadline on request headers.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but puts no deadline on a
request's headers: a client can open connections and send a header byte every few seconds
("slowloris") and keep each one open forever, until the process runs out of file descriptors.
`HeaderDeadlineH11` closes a connection whose request headers are not complete `header_timeout_s`
after it opened (or after the first byte of a next request on a kept-alive connection). The body
has its own deadline in `middleware.BodyLimit` (408), which the app can answer.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from medqa.server.settings import ServerSettings


class HeaderDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers arrive too slowly."""

    def __init__(self, *args: Any, header_timeout_s: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = header_timeout_s
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11 leaves IDLE once a request's headers are complete: until then the clock runs.
        if self.conn.their_state is h11.IDLE:
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: ServerSettings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run`/`uvicorn.Config` that bound slow or idle clients."""
    return {
        "http": functools.partial(HeaderDeadlineH11, header_timeout_s=settings.header_timeout_s),
        "timeout_keep_alive": settings.keep_alive_s,
        "timeout_graceful_shutdown": settings.graceful_shutdown_s,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: anyone on the host could forge
        # clients. medqa's ProxyHeaders middleware reads it from MEDQA_TRUSTED_PROXIES only.
        "proxy_headers": False,
    }
