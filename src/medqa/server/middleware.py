"""Plain ASGI middleware (no BaseHTTPMiddleware: it buffers and breaks streaming and disconnects)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medqa.server.protocol import error_body

access_log = logging.getLogger("medqa.server.access")

# The page loads only its own files and talks only to its own origin: even if the Markdown renderer
# let something through, an injected script or image from elsewhere would be refused.
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
]


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not a Content-Length is sent, and
    bodies that do not arrive within `timeout_s` with 408: a client that sends its headers and then
    dribbles (or never sends) the body must not hold a connection and a request task forever.
    Both answers close the connection, since the rest of the body may still be on its way."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, f"request body too large: the limit is {self.max_bytes} bytes")
            return
        # Read the body here (it is small by construction) and replay it: a chunked upload
        # without Content-Length is counted as it arrives and cut off at the limit.
        messages: list[Message] = []
        try:
            async with asyncio.timeout(self.timeout_s):
                too_large = await self._read(receive, messages)
        except TimeoutError:
            await _refuse(send, 408, f"the request body did not arrive within {self.timeout_s:g} s")
            return
        if too_large:
            await _refuse(send, 413, f"request body too large: the limit is {self.max_bytes} bytes")
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, messages: list[Message]) -> bool:
        """Collect the body's messages; True as soon as it is over the limit."""
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return False
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return True
            if not message.get("more_body", False):
                return False


_ERROR_KINDS = {408: "request_timeout", 413: "request_too_large"}


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(message, _ERROR_KINDS[status])).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body must not be parsed as a next request
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One JSON line per request: method, path, status, latency, client, answer id; never a body
    (messages may hold health data) and never a header (one may be the API key)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # routes put the answer id here
        start = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            client = scope.get("client")
            record = {
                "event": "request",
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "latency_ms": round((time.perf_counter() - start) * 1000, 1),
                "client": client[0] if client else None,
                "answer_id": state.get("answer_id"),
            }
            access_log.info(json.dumps(record))
