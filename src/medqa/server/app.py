"""HTTP glue: the app factory, lifespan, middleware and routes. The logic lives in serving.py."""

from __future__ import annotations

import asyncio
import hmac
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from medqa.assistant import Answer, Assistant
from medqa.server.feedback import FeedbackStore
from medqa.server.middleware import AccessLog, BodyLimit
from medqa.server.protocol import ChatCompletionRequest, FeedbackRequest, error_body
from medqa.server.ratelimit import RateLimiter, retry_after
from medqa.server.serving import MODEL_ID, AnswerStopped, ChatService
from medqa.server.settings import ServerSettings

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("medqa.server")
_ERROR_TYPES = {
    401: "authentication_error",
    404: "not_found",
    413: "request_too_large",
    429: "rate_limit_exceeded",
    503: "service_unavailable",
}

AssistantFactory = Callable[[], Assistant]


def create_app(settings: ServerSettings | None = None, assistant_factory: AssistantFactory | None = None) -> FastAPI:
    """The web page and the API. `assistant_factory` (default: `load_assistant` with the settings'
    model and index) runs once, in the background, so /health answers while the model loads."""
    settings = settings or ServerSettings()
    factory = assistant_factory or (lambda: _load_default(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = FeedbackStore(settings.db_path)
        loading = asyncio.create_task(_load(app, factory, settings))
        try:
            yield
        finally:
            loading.cancel()
            if app.state.service is not None:
                await asyncio.to_thread(app.state.service.close)

    app = FastAPI(title="medqa", summary="A grounded medical information assistant.", lifespan=lifespan)
    app.state.settings = settings
    app.state.service = None  # set once the assistant is loaded
    app.state.load_error = None
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    if settings.cors_origins:  # off by default: only the page's own origin may call the API
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)  # outermost: logs every response, the 413s included
    return app


def _load_default(settings: ServerSettings) -> Assistant:
    from rich.console import Console

    from medqa.assistant import load_assistant

    return load_assistant(
        settings.model,
        settings.index,
        console=Console(stderr=True),
        backend=settings.backend,
        base_url=settings.base_url,
        api_model=settings.api_model,
    )


async def _load(app: FastAPI, factory: AssistantFactory, settings: ServerSettings) -> None:
    started = time.perf_counter()
    try:
        assistant = await asyncio.to_thread(factory)
    except Exception as exc:  # noqa: BLE001 - reported by /ready and the log; /health stays up
        app.state.load_error = f"{type(exc).__name__}: {exc}"
        log.error("the assistant failed to load: %s", app.state.load_error)
        return
    app.state.service = ChatService(
        assistant, settings.workers, settings.max_queue, app.state.store, settings.log_conversations
    )
    log.info("ready in %.1f s (generator: %s)", time.perf_counter() - started, _generator_name(assistant))


def _generator_name(assistant: Assistant) -> str:
    return assistant.generator.name if assistant.generator is not None else "unavailable"


# ----------------------------------------------------------------------------------------- dependencies
def rate_limit(request: Request) -> None:
    """429 with Retry-After once a client (IP address) has used its burst."""
    client = request.client.host if request.client else "unknown"
    wait = request.app.state.limiter.acquire(client)
    if wait:
        seconds = retry_after(wait)
        raise HTTPException(429, f"too many requests: retry in {seconds} s", headers={"Retry-After": seconds})


def check_api_key(request: Request) -> None:
    """When MEDQA_API_KEY is set, 401 without `Authorization: Bearer <that key>`."""
    key = request.app.state.settings.api_key
    if key is None:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.get_secret_value().encode()):
        raise HTTPException(
            401, "missing or wrong API key: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )


def chat_service(request: Request) -> ChatService:
    """The loaded service, or 503 while the assistant loads (or when it failed to)."""
    service: ChatService | None = request.app.state.service
    if service is None:
        reason = request.app.state.load_error or "the assistant is still loading"
        raise HTTPException(503, reason, headers={"Retry-After": "5"})
    return service


protected = [Depends(rate_limit), Depends(check_api_key)]  # rate first: no unlimited guessing of the key
router = APIRouter()


# ----------------------------------------------------------------------------------------- routes
@router.get("/", include_in_schema=False)
def index_page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers (the model may still be loading)."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """Readiness: 200 once the assistant, its index and its language model are loaded."""
    service: ChatService | None = request.app.state.service
    if service is None:
        failed = request.app.state.load_error
        return JSONResponse(
            {"status": "failed" if failed else "loading", "reason": failed or "the assistant is still loading"}, 503
        )
    assistant = service.assistant
    body: dict[str, Any] = {
        "status": "ready",
        "generator": _generator_name(assistant),
        "extractive": assistant.generator is None,  # without a model, answers are quoted from the sources
    }
    if assistant.generator is None:
        body["reason"] = f"no language model: {assistant.generator_error}"
        if not request.app.state.settings.allow_extractive:
            return JSONResponse({**body, "status": "degraded"}, 503)
    return JSONResponse(body)


@router.get("/v1/models", dependencies=protected)
def models() -> dict[str, Any]:
    """The one model this server answers with."""
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "medqa"}]}


@router.post("/v1/chat/completions", dependencies=protected, response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, service: Annotated[ChatService, Depends(chat_service)]
) -> Response:
    """Answer the last user message, grounded and cited (OpenAI-compatible; `stream: true` for SSE)."""
    if service.busy:
        raise HTTPException(503, "the server is busy: retry shortly", headers={"Retry-After": "2"})
    stop = threading.Event()

    def remember(answer: Answer) -> None:
        request.state.answer_id = answer.id  # for the access log

    if body.stream:
        events = _stop_on_disconnect(request, stop, service.stream(body, stop, remember))
        return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    watcher = asyncio.create_task(_watch_disconnect(request, stop))
    try:
        return JSONResponse(await service.complete(body, stop, remember))
    except AnswerStopped:
        return Response(status_code=499)  # nobody is listening; the status is for the log
    finally:
        watcher.cancel()


@router.post("/api/feedback", dependencies=protected)
async def feedback(body: FeedbackRequest, request: Request) -> dict[str, str]:
    """Store a thumbs up/down (and optional comment) for an answer."""
    await asyncio.to_thread(request.app.state.store.add_feedback, body.answer_id, body.rating, body.comment)
    return {"status": "stored"}


# ----------------------------------------------------------------------------------------- helpers
async def _watch_disconnect(request: Request, stop: threading.Event) -> None:
    """Set `stop` when the client goes away, so its answer stops generating."""
    while not stop.is_set():
        if await request.is_disconnected():
            stop.set()
            return
        await asyncio.sleep(0.25)


async def _stop_on_disconnect(
    request: Request, stop: threading.Event, chunks: AsyncIterator[str]
) -> AsyncIterator[str]:
    watcher = asyncio.create_task(_watch_disconnect(request, stop))
    try:
        async for text in chunks:
            yield text
    finally:
        stop.set()
        watcher.cancel()
        await chunks.aclose()  # type: ignore[attr-defined]


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Errors in the OpenAI shape, so OpenAI clients raise a readable exception."""
    kind = _ERROR_TYPES.get(exc.status_code, "invalid_request_error")
    return JSONResponse(error_body(str(exc.detail), kind), exc.status_code, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field; the offending input is not echoed (it may be health data)."""
    problems = [
        {"loc": list(e["loc"]), "field": ".".join(str(p) for p in e["loc"][1:]) or "body", "msg": e["msg"]}
        for e in exc.errors()
    ]
    message = "; ".join(f"{p['field']}: {p['msg']}" for p in problems)
    return JSONResponse({**error_body(message, "invalid_request_error", problems[0]["field"]), "detail": problems}, 422)
