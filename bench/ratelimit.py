"""Rate limiter benchmark: time per request and memory with many client addresses.

Sends one request from each of --clients distinct addresses (IPv4, then IPv6 from different /64
networks) through `RateLimiter.acquire`, with the server's default of 100,000 remembered clients,
and reports microseconds per request for the first and the last 10,000 addresses (O(1): they
should agree) and the memory the limiter holds (tracemalloc, a second run). The last line of the
output is one JSON object.

    .venv/bin/python bench/ratelimit.py [--clients 200000]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

from medqa.server.ratelimit import RateLimiter
from medqa.server.settings import ServerSettings


def addresses(count: int, ipv6: bool) -> list[str]:
    if ipv6:
        return [f"2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::1" for i in range(count)]
    return [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(count)]


def us_per_request(limiter: RateLimiter, clients: list[str]) -> float:
    started = time.perf_counter()
    for client in clients:
        limiter.acquire(client)
    return (time.perf_counter() - started) / len(clients) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200_000)
    args = parser.parse_args()
    defaults = ServerSettings()
    result: dict[str, float | int] = {"clients": args.clients, "max_clients": defaults.rate_limit_clients}
    for family in ("ipv4", "ipv6"):
        clients = addresses(args.clients, family == "ipv6")
        limiter = RateLimiter(
            defaults.rate_limit_per_minute, defaults.rate_limit_burst, max_clients=defaults.rate_limit_clients
        )
        first = us_per_request(limiter, clients[:10_000])
        us_per_request(limiter, clients[10_000:-10_000])
        last = us_per_request(limiter, clients[-10_000:])
        tracemalloc.start()
        measured = RateLimiter(
            defaults.rate_limit_per_minute, defaults.rate_limit_burst, max_clients=defaults.rate_limit_clients
        )
        for client in clients:
            measured.acquire(client)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result.update(
            {
                f"{family}_us_first_10k": round(first, 2),
                f"{family}_us_last_10k": round(last, 2),
                f"{family}_remembered": len(limiter),
                f"{family}_memory_mb": round(held / 2**20, 1),
            }
        )
        print(
            f"{family}: {first:.1f} us/request for the first 10k, {last:.1f} for the last 10k; "
            f"{len(limiter)} clients remembered in {held / 2**20:.1f} MB"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
