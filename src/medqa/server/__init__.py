"""The HTTP server: an OpenAI-compatible chat API with streaming, and the web chat page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medqa.server.settings import ServerSettings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from medqa.assistant import Assistant

__all__ = ["ServerSettings", "create_app", "load_settings", "run_server"]


def create_app(
    settings: ServerSettings | None = None, assistant_factory: Callable[[], Assistant] | None = None
) -> FastAPI:
    """See `medqa.server.app.create_app` (imported here only when called: FastAPI loads on demand)."""
    from medqa.server.app import create_app as _create_app

    return _create_app(settings, assistant_factory)


def run_server(settings: ServerSettings) -> None:
    """Serve until stopped; on SIGTERM/Ctrl-C in-flight answers get `graceful_shutdown_s` to finish.
    Slow clients are cut off: headers after `header_timeout_s`, bodies after `body_timeout_s` (408)."""
    import logging

    import uvicorn

    from medqa.server.app import create_app as _create_app
    from medqa.server.connection import uvicorn_options

    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s")
    uvicorn.run(
        _create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # medqa.server.access writes one JSON line per request instead
        **uvicorn_options(settings),  # deadlines for headers, bodies and idle connections; graceful stop
    )
