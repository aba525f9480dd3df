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
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from medqa.assistant.answer import Answer, Assistant
from medqa.retrieval.index import Index, IndexDamaged
from medqa.server.connection import uvicorn_options
from medqa.server.feedback import FeedbackStore, StorageUnavailable
from medqa.server.middleware import AccessLog, AllowedHosts, BodyLimit, ProxyHeaders, parse_networks
from medqa.server.protocol import (
    ChatCompletion,
    ChatCompletionRequest,
    ErrorResponse,
    FeedbackRequest,
    FeedbackStored,
    Health,
    ModelList,
    Readiness,
    ValidationErrorResponse,
    error_body,
)
from medqa.server.ratelimit import RateLimiter, retry_after
from medqa.server.serving import MODEL_ID, AnswerStopped, ChatService
from medqa.server.settings import ServerSettings, redact

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("medqa.server")
_ERROR_TYPES = {
    401: "authentication_error",
    404: "not_found",
    408: "request_timeout",
    413: "request_too_large",
    429: "rate_limit_exceeded",
    503: "service_unavailable",
}
_ERROR_DOCS = {
    400: "The body is not readable as JSON (not UTF-8, or nested too deeply), or the Host header is not allowed",
    401: "MEDQA_API_KEY is set and the request has no or a wrong `Authorization: Bearer` key",
    408: "The body did not arrive within MEDQA_BODY_TIMEOUT_S",
    413: "The body is larger than MEDQA_MAX_BODY_BYTES",
    422: "A field is missing, of the wrong type or out of bounds (named in `error.param`)",
    429: "Too many requests from this client: retry after `Retry-After` seconds",
    503: "The assistant is still loading (or failed to load), the server is busy, or the feedback database "
    "cannot take a write (locked, disk full): retry after `Retry-After` seconds",
}
_SSE_EVENT = {  # Open API 3.1: the schema of one server-sent event
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string"}},
    "description": "`data` is a JSON `chat.completion.chunk` (the last content chunk carries `medqa`), "
    "an `error` object if the answer fails mid-stream, and finally `[DONE]`",
}
_MAX_ERROR_CHARS = 300  # an error message never grows with the request


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: its error statuses with their JSON body, for the OpenAPI schema."""
    return {
        code: {"model": ValidationErrorResponse if code == 422 else ErrorResponse, "description": _ERROR_DOCS[code]}
        for code in codes
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
    app.state.index_check = "pending"  # then "running", "passed", "failed" or "skipped" (see _verify_index)
    app.state.limiter = RateLimiter(
        settings.rate_limit_per_minute, settings.rate_limit_burst, max_clients=settings.rate_limit_clients
    )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]  # Starlette types handlers for Exception only
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]  # Starlette types handlers for Exception only
    app.add_exception_handler(StorageUnavailable, _storage_error)  # type: ignore[arg-type]  # Starlette types handlers for Exception only
    app.add_exception_handler(Exception, _server_error)
    if settings.cors_origins:  # off by default: only the page's own origin may call the API
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)
    app.add_middleware(AllowedHosts, hosts=settings.allowed_hosts)
    app.add_middleware(AccessLog)  # logs every response, the 400s and 413s included
    # Outermost: the client behind a trusted proxy is known to the access log and the rate limiter alike.
    app.add_middleware(ProxyHeaders, trusted=parse_networks(settings.trusted_proxies))
    return app


def _load_default(settings: ServerSettings) -> Assistant:
    from rich.console import Console

    from medqa.assistant.load import load_assistant

    return load_assistant(
        settings.model,
        settings.index,
        console=Console(stderr=True),
        backend=settings.backend,
        base_url=settings.base_url,
        api_model=settings.api_model,
        allow_fallback=settings.allow_fallback,
    )


async def _load(app: FastAPI, factory: AssistantFactory, settings: ServerSettings) -> None:
    started = time.perf_counter()
    try:
        assistant = await asyncio.to_thread(factory)
    except Exception as exc:  # noqa: BLE001 - reported by /ready and the log; /health stays up
        app.state.load_error = redact(f"{type(exc).__name__}: {exc}", settings)
        log.error("the assistant failed to load: %s", app.state.load_error)
        return
    app.state.service = ChatService(
        assistant, settings.workers, settings.max_queue, app.state.store, settings.log_conversations
    )
    log.info("ready in %.1f s (generator: %s)", time.perf_counter() - started, _generator_name(assistant))
    if assistant.generator is not None and assistant.generator_error:  # the fallback the operator allowed
        log.warning("%s", redact(assistant.generator_error, settings))
    await _verify_index(app, assistant.index, settings)


async def _verify_index(app: FastAPI, index: Index, settings: ServerSettings) -> None:
    """Every index file's sha256 against its manifest, in a thread while the server answers (the quick
    checks ran at load); a mismatch stops serving: /ready and every question say why (503)."""
    if not isinstance(index, Index) or index.path is None or "files" not in index.meta:
        app.state.index_check = "skipped"  # built in memory, or by a medqa that wrote no checksums
        return
    if index.files_verified:  # the bundled index, checked in full before it was opened
        app.state.index_check = "passed"
        return
    app.state.index_check = "running"
    started = time.perf_counter()
    try:
        await asyncio.to_thread(index.verify_files)
    except IndexDamaged as exc:
        app.state.index_check = "failed"
        app.state.load_error = redact(f"refusing to serve: {exc}", settings)
        log.error("%s", app.state.load_error)
        service, app.state.service = app.state.service, None
        await asyncio.to_thread(service.close)
        return
    app.state.index_check = "passed"
    log.info("index files verified in %.1f s", time.perf_counter() - started)


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


bearer = HTTPBearer(auto_error=False, description="MEDQA_API_KEY, when the server sets one")


def check_api_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """When MEDQA_API_KEY is set, 401 without `Authorization: Bearer <that key>` (compared in constant time)."""
    key = request.app.state.settings.api_key
    if key is None:
        return
    token = credentials.credentials.strip() if credentials is not None else ""
    if not hmac.compare_digest(token.encode(), key.get_secret_value().encode()):
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


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    """Liveness: the process answers (the model may still be loading)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=None,
    responses={200: {"model": Readiness}, 503: {"model": Readiness, "description": "Loading, failed or degraded"}},
)
def ready(request: Request) -> JSONResponse:
    """Readiness: 200 once the assistant, its index and its language model are loaded."""
    service: ChatService | None = request.app.state.service
    if service is None:
        failed = request.app.state.load_error
        return JSONResponse(
            {"status": "failed" if failed else "loading", "reason": failed or "the assistant is still loading"}, 503
        )
    assistant = service.assistant
    settings: ServerSettings = request.app.state.settings
    body: dict[str, Any] = {
        "status": "ready",
        "generator": _generator_name(assistant),
        "extractive": assistant.generator is None,  # without a model, answers are quoted from the sources
    }
    # Problems that leave answers working are reported, not fatal: the transformers fallback the
    # operator allowed, and a feedback database that cannot take writes (feedback gets 503 meanwhile).
    notes = []
    if assistant.generator is None:
        notes.append(f"no language model: {assistant.generator_error}")
    elif assistant.generator_error:
        notes.append(assistant.generator_error)
    if request.app.state.store.problem:
        notes.append(f"feedback storage: {request.app.state.store.problem}")
    if notes:
        body["reason"] = redact("; ".join(notes), settings)
    if assistant.generator is None and not settings.allow_extractive:
        return JSONResponse({**body, "status": "degraded"}, 503)
    return JSONResponse(body)


@router.get("/v1/models", dependencies=protected, response_model=ModelList, responses=_errors(401, 429))
def models() -> dict[str, Any]:
    """The one model this server answers with."""
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "medqa"}]}


@router.post(
    "/v1/chat/completions",
    dependencies=protected,
    response_model=None,
    responses={
        200: {
            "model": ChatCompletion,
            "description": "The answer; with `stream: true`, server-sent `chat.completion.chunk` events",
            "content": {"text/event-stream": {"schema": _SSE_EVENT}},
        },
        **_errors(400, 401, 408, 413, 422, 429, 503),
    },
)
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


@router.post(
    "/api/feedback",
    dependencies=protected,
    response_model=FeedbackStored,
    responses=_errors(400, 401, 408, 413, 422, 429, 503),
)
async def feedback(body: FeedbackRequest, request: Request) -> dict[str, str]:
    """Store a thumbs up/down (and optional comment) for an answer (503 while the database cannot take it)."""
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
    message = str(exc.detail)
    if exc.status_code == 400:  # FastAPI's words for a body json.loads could not read at all
        message = "the request body is not readable as JSON: it must be UTF-8 and not nested too deeply"
    return JSONResponse(error_body(message, kind), exc.status_code, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field; the offending input is not echoed (it may be health data, or HTML)."""
    problems = [_problem(e) for e in exc.errors()]
    message = "; ".join(f"{p['field']}: {p['msg']}" for p in problems)
    if len(message) > _MAX_ERROR_CHARS:
        message = message[: _MAX_ERROR_CHARS - 3] + "..."
    return JSONResponse(
        {**error_body(message, "invalid_request_error", problems[0]["field"]), "detail": problems[:20]}, 422
    )


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """One field's problem: where and what, never the input."""
    loc = list(error["loc"])
    msg = error["msg"]
    if error["type"] == "json_invalid":  # loc is ("body", character offset)
        msg = f"invalid JSON at character {loc[-1]}: {error.get('ctx', {}).get('error', 'cannot parse')}"
        loc = ["body"]
    elif error["type"] == "value_error":  # our validators' words, without pydantic's prefix
        msg = msg.removeprefix("Value error, ")
    elif loc == ["body"] and isinstance(error.get("input"), bytes | str):
        msg = "expected a JSON object, sent with 'Content-Type: application/json'"
    return {"loc": loc, "field": ".".join(str(p) for p in loc[1:]) or "body", "msg": msg[:_MAX_ERROR_CHARS]}


async def _storage_error(request: Request, exc: StorageUnavailable) -> JSONResponse:
    """503 with Retry-After: the database is locked, full or read-only (the log and /ready name the file)."""
    message = f"feedback cannot be stored right now: {exc.public}; retry in {exc.retry_after} s"
    return JSONResponse(error_body(message, "service_unavailable"), 503, headers={"Retry-After": str(exc.retry_after)})


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: 500 in the OpenAI shape, without details (the log has the traceback)."""
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal server error", "server_error"), 500)


def run_server(settings: ServerSettings) -> None:
    """Serve until stopped; on SIGTERM/Ctrl-C in-flight answers get `graceful_shutdown_s` to finish.
    Slow clients are cut off: headers after `header_timeout_s`, bodies after `body_timeout_s` (408)."""
    import uvicorn

    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # medqa.server.access writes one JSON line per request instead
        **uvicorn_options(settings),  # deadlines for headers, bodies and idle connections; graceful stop
    )
