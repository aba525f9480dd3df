"""Plain ASGI middleware (no BaseHTTPMiddleware: it buffers and breaks streaming and disconnects)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import time
import uuid
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


_PROBES = ("/health", "/ready")
_ERROR_KINDS = {400: "invalid_request_error", 408: "request_timeout", 413: "request_too_large"}


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(message, _ERROR_KINDS[status])).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body must not be parsed as a next request
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id(scope: Scope) -> str:
    """The request's id: the client's or proxy's `X-Request-ID` when it is a plain token, else a new one."""
    sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
    return sent if _REQUEST_ID.fullmatch(sent) else f"req_{uuid.uuid4().hex}"


class AccessLog:
    """One JSON line per request: method, path, status, latency, client, answer id and request id;
    never a body (messages may hold health data) and never a header (one may be the API key).
    Every response carries the security headers and `X-Request-ID` (the OpenAI SDK's `_request_id`),
    so a user's report can be matched to its log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # routes put the answer id here
        rid = request_id(scope)
        start = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS, (b"x-request-id", rid.encode())]
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
                "request_id": rid,
            }
            access_log.info(json.dumps(record))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> list[Network]:
    """Addresses or CIDR blocks ("10.0.0.5", "10.0.0.0/8", "fd00::/8"); ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR block (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An X-Forwarded-For entry as an address ("1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1"), else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ProxyHeaders:
    """The real client behind trusted reverse proxies, for the rate limiter and the access log.

    `X-Forwarded-For` is read only when the connection comes from a trusted proxy
    (MEDQA_TRUSTED_PROXIES; none by default: anyone can write that header). The list is walked
    from the right, past every trusted proxy; the first other address is the client. An entry that
    is not an address stops the walk at the proxy that passed it on. `X-Forwarded-Proto` (http or
    https) from a trusted proxy sets the scheme, so redirects keep https."""

    def __init__(self, app: ASGIApp, trusted: list[Network]) -> None:
        self.app = app
        self.trusted = trusted

    def _is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        if address is None:
            return False
        address = getattr(address, "ipv4_mapped", None) or address
        return any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted and scope.get("client"):
            peer = _address(scope["client"][0])
            if self._is_trusted(peer):
                headers = [(k, v) for k, v in scope["headers"] if k in (b"x-forwarded-for", b"x-forwarded-proto")]
                hops = [h for k, v in headers if k == b"x-forwarded-for" for h in v.decode("latin-1").split(",")]
                client = peer
                for hop in reversed(hops):
                    if not self._is_trusted(client):
                        break
                    address = _address(hop)
                    if address is None:
                        break
                    client = address
                if client != peer:
                    scope["client"] = (str(client), 0)
                proto = next((v.decode("latin-1").strip().lower() for k, v in headers if k == b"x-forwarded-proto"), "")
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)


class AllowedHosts:
    """400 for a request whose Host header is not in MEDQA_ALLOWED_HOSTS ("*" allows any; "*.example.org"
    any subdomain). Redirects build absolute URLs from the Host header, so an unchecked one is reflected.
    /health and /ready answer whatever the Host: probes (a load balancer's, Kubernetes') send the
    replica's own address, and neither route says anything that depends on it."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.any = "*" in hosts
        self.exact = {h.lower().strip("[]") for h in hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))

    def allowed(self, host_header: str) -> bool:
        """Whether `host_header` (a name or address, with or without a port) is one of the hosts."""
        host = host_header.strip().lower()
        # "[::1]:8000" is an IPv6 address and a port; "example.org:8000" a name and a port
        host = host[1 : host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
        return host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http" or scope["path"] in _PROBES:
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        if not self.allowed(host):
            await _refuse(send, 400, "the Host header names a host this server does not serve (MEDQA_ALLOWED_HOSTS)")
            return
        await self.app(scope, receive, send)
