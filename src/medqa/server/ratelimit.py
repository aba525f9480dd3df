"""Per-client rate limiting in this process's memory: O(1) per request, bounded memory.

Each client keeps one number, the "theoretical arrival time" of the generic cell rate algorithm
(GCRA), which is a token bucket of `burst` requests refilled at `per_minute` a minute, stored as
the time at which that bucket would be full again. Clients live in an LRU of `max_clients`
entries: a new client past that forgets the least recently seen one, whose bucket has refilled
in most cases anyway (and a forgotten client only gets a full bucket again, never less).
IPv6 clients are limited per /64 network, the block a single subscriber gets: per address, one
machine could rotate through 2^64 addresses.

Serving is stateless per replica, so with N replicas a client gets up to N times the rate;
a shared limit belongs in the load balancer or gateway in front of them.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

_SLACK = 1e-9  # float rounding of `burst` additions must not refuse the burst's last request
_IPV4_MAPPED = bytes(10) + b"\xff\xff"


class RateLimiter:
    """`burst` requests at once, refilled at `per_minute` a minute, for up to `max_clients` clients."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 100_000
    ) -> None:
        self.interval = 60.0 / per_minute  # seconds one request "costs"
        self.tolerance = (burst - 1) * self.interval  # how far ahead of now a client may run
        self.clock = clock
        self.max_clients = max_clients
        self._arrival: OrderedDict[str, float] = OrderedDict()  # client -> theoretical arrival time
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._arrival)

    def acquire(self, client: str) -> float:
        """Take one request for `client`: 0.0 when allowed, else the seconds until it would be."""
        key = client_key(client)
        now = self.clock()
        with self._lock:
            arrival = max(self._arrival.get(key, now), now)
            wait = arrival - now - self.tolerance
            if wait > _SLACK:
                self._arrival.move_to_end(key)
                return wait
            self._arrival[key] = arrival + self.interval
            self._arrival.move_to_end(key)
            if len(self._arrival) > self.max_clients:
                self._arrival.popitem(last=False)  # the least recently seen client
            return 0.0


def client_key(address: str) -> str:
    """What a client is limited as: its IPv4 address, its IPv6 /64 network, or the text it is known by."""
    if ":" not in address:  # IPv4 (the server's own, canonical text) or a name such as "testclient"
        return address
    try:
        packed = socket.inet_pton(socket.AF_INET6, address)  # ~50x faster than the ipaddress module
    except OSError:
        return address
    if packed[:12] == _IPV4_MAPPED:  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
        return socket.inet_ntoa(packed[12:])
    return packed[:8].hex() + "::/64"


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
