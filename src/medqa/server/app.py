"""HTTP glue: the app factory, lifespan, middleware and routes. The logic lives in serving.py."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
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
from fastapi.security.utils import get_authorization_scheme_param
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from medqa.assistant.answer import Answer, Assistant
from medqa.hardware import REAP_CHILD_ENV
from medqa.retrieval.index import Index, IndexDamaged
from medqa.server.connection import uvicorn_options
from medqa.server.feedback import FeedbackStore, StorageUnavailable
from medqa.server.metrics import CONTENT_TYPE, GeneratorStats, RequestMetrics, ServerMetrics
from medqa.server.middleware import AccessLog, AllowedHosts, BodyLimit, ProxyHeaders, parse_networks
from medqa.server.protocol import (
    MAX_TOKENS_HEADER,
    ChatCompletion,
    ChatCompletionRequest,
    ErrorResponse,
    FeedbackRequest,
    FeedbackStored,
    Health,
    KeptAnswer,
    ModelCard,
    ModelList,
    Readiness,
    ValidationErrorResponse,
    error_body,
)
from medqa.server.ratelimit import RateLimiter, retry_after
from medqa.server.serving import MODEL_ID, AnswerStopped, ChatService
from medqa.server.settings import ServerSettings, hide_paths, redact

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
    400: "A field is missing, of the wrong type, out of bounds or not supported (named in `error.param`), the "
    "body is not JSON (not UTF-8, or nested too deeply), or the Host header is not allowed",
    404: "No such model or answer (answers are kept in memory for the last MEDQA_ANSWERS_KEPT requests)",
    401: "MEDQA_API_KEY is set and the request has no or a wrong `Authorization: Bearer` key",
    408: "The body did not arrive within MEDQA_BODY_TIMEOUT_S",
    413: "The body is larger than MEDQA_MAX_BODY_BYTES",
    429: "Too many requests from this API key (or client IP): retry after `Retry-After` seconds",
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
        code: {"model": ValidationErrorResponse if code == 400 else ErrorResponse, "description": _ERROR_DOCS[code]}
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

    # No /docs or /redoc: they load their scripts from a CDN, which the page's security policy (and an
    # offline machine) blocks. The schema itself is served at /openapi.json.
    app = FastAPI(
        title="medqa",
        summary="A grounded medical information assistant.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = None  # set once the assistant is loaded
    app.state.load_error = None
    app.state.index_check = "pending"  # then "running", "passed", "failed" or "skipped" (see _verify_index)
    app.state.metrics = ServerMetrics(lambda: _generator_stats(app))
    app.state.limiter = RateLimiter(
        settings.rate_limit_per_minute, settings.rate_limit_burst, max_clients=settings.rate_limit_clients
    )
    app.include_router(router)
    app.openapi = lambda: _openapi_without_422(app)  # type: ignore[method-assign]  # FastAPI's documented override
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
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)  # counts them, by route and status
    # Outermost: the client behind a trusted proxy is known to the access log and the rate limiter alike.
    app.add_middleware(ProxyHeaders, trusted=parse_networks(settings.trusted_proxies))
    return app


def _openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """The schema without the 422 FastAPI documents for every route: invalid requests get 400, as from OpenAI."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)  # built and cached by FastAPI, then trimmed in place
        for path in schema["paths"].values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
    return app.openapi_schema or {}


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
        assistant,
        settings.workers,
        settings.max_queue,
        app.state.store,
        settings.log_conversations,
        answers_kept=settings.answers_kept,
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


def _generator_stats(app: FastAPI) -> GeneratorStats | None:
    """The generator's counters for /metrics (the llama.cpp engine has them), read at scrape time."""
    service: ChatService | None = app.state.service
    stats: Callable[[], GeneratorStats] | None = getattr(service and service.assistant.generator, "stats", None)
    return stats() if stats is not None else None


def _generator_name(assistant: Assistant) -> str:
    return assistant.generator.name if assistant.generator is not None else "unavailable"


# ----------------------------------------------------------------------------------------- dependencies
bearer = HTTPBearer(auto_error=False, description="MEDQA_API_KEY, when the server sets one")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _key_number(request: Request, credentials: HTTPAuthorizationCredentials | None) -> int | None:
    """Which of the server's API keys the request carries (each compared in constant time), else None."""
    token = (credentials.credentials.strip() if credentials is not None else "").encode()
    found = None  # every key is compared: the time taken does not say which one matched
    for number, key in enumerate(request.app.state.settings.api_keys()):
        if hmac.compare_digest(token, key.encode()):
            found = number
    return found


def _spend(request: Request, client: str) -> None:
    """429 with Retry-After once `client` has used its burst."""
    wait = request.app.state.limiter.acquire(client)
    if wait:
        seconds = retry_after(wait)
        raise HTTPException(429, f"too many requests: retry in {seconds} s", headers={"Retry-After": seconds})


def _guard(counted: bool) -> Callable[[Request, Credentials], None]:
    """The API key check (when MEDQA_API_KEY is set) and, for `counted` routes, the rate limit: per API
    key, since everyone behind one proxy or Open WebUI shares an address, else per client address.
    A missing or wrong key is always counted against the address: guessing keys is not free."""

    def guard(request: Request, credentials: Credentials) -> None:
        key = _key_number(request, credentials)
        address = request.client.host if request.client else "unknown"
        if request.app.state.settings.api_keys() and key is None:
            _spend(request, address)
            raise HTTPException(
                401,
                "missing or wrong API key: send 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if counted:
            _spend(request, f"api-key-{key}" if key is not None else address)

    return guard


def chat_service(request: Request) -> ChatService:
    """The loaded service, or 503 while the assistant loads (or when it failed to)."""
    service: ChatService | None = request.app.state.service
    if service is None:
        reason = request.app.state.load_error or "the assistant is still loading"
        raise HTTPException(503, reason, headers={"Retry-After": "5"})
    return service


protected = [Depends(_guard(counted=True))]  # answers and feedback: the API key and the rate limit
metadata = [Depends(_guard(counted=False))]  # cheap reads a client makes around each chat: the API key only
router = APIRouter()


# ----------------------------------------------------------------------------------------- routes
@router.get("/", include_in_schema=False)
def index_page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The page links /static/favicon.svg; this answers the browsers and tools that ask the usual path."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


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
    """Readiness: 200 once the assistant, its index and its language model are loaded. With
    MEDQA_API_KEY set, a request without the key gets the status alone (a probe needs no more);
    reasons never show file paths (the log has them)."""
    response = _readiness(request)
    body = json.loads(bytes(response.body))
    # The key is read here, not declared as a dependency: /ready is public (the status alone).
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token) if scheme.lower() == "bearer" else None
    if request.app.state.settings.api_keys() and _key_number(request, credentials) is None:
        body = {"status": body["status"]}
    elif "reason" in body:
        body["reason"] = hide_paths(body["reason"])
    return JSONResponse(body, response.status_code)


def _readiness(request: Request) -> JSONResponse:
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
        # retrieval's stage: "bm25" (BM25 alone) with dense_fraction and eta_s while the vectors are computed
        "index": assistant.index.readiness(),
    }
    if body["index"].get("stage") == "bm25":  # the page shows `progress` under "Ready."
        body["progress"] = {
            "stage": "the corpus index's dense vectors are being computed",
            "fraction": body["index"]["dense_fraction"],
            "eta_s": body["index"].get("eta_s"),
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


_MODEL_CARD = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "medqa"}


@router.get("/v1/models", dependencies=metadata, response_model=ModelList, responses=_errors(401, 429))
def models() -> dict[str, Any]:
    """The one model this server answers with."""
    return {"object": "list", "data": [_MODEL_CARD]}


@router.get("/v1/models/{model_id}", dependencies=metadata, response_model=ModelCard, responses=_errors(401, 404, 429))
def model(model_id: str) -> dict[str, Any]:
    """The model's card (`medqa`; chat requests accept any model name, this lookup only the real one)."""
    if model_id != MODEL_ID:
        raise HTTPException(404, f"no such model: this server serves '{MODEL_ID}'")
    return _MODEL_CARD


@router.get(  # returned as kept, not filtered through the model: fields the assistant adds reach the client
    "/api/answers/{answer_id}",
    dependencies=metadata,
    response_model=None,
    responses={200: {"model": KeptAnswer}, **_errors(401, 404, 429)},
)
def kept_answer(answer_id: str, request: Request) -> dict[str, Any]:
    """The structured answer (the `medqa` field: citations, triage, sentences) by its completion id or
    answer id, for clients that drop fields they do not know; the last MEDQA_ANSWERS_KEPT are kept."""
    service: ChatService | None = request.app.state.service
    found = service.recent.get(answer_id) if service is not None else None
    if found is None:
        raise HTTPException(404, "no such answer here: it is older than the answers kept, or another replica's")
    return found


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
        **_errors(400, 401, 408, 413, 429, 503),
    },
)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, service: Annotated[ChatService, Depends(chat_service)]
) -> Response:
    """Answer the last user message, grounded and cited (OpenAI-compatible; `stream: true` for SSE)."""
    if service.busy:
        raise HTTPException(503, "the server is busy: retry shortly", headers={"Retry-After": "2"})
    stop = threading.Event()
    metrics: ServerMetrics = request.app.state.metrics
    started = time.perf_counter()

    def remember(answer: Answer) -> None:
        request.state.answer_id = answer.id  # for the access log
        metrics.answered(answer, started)

    # Lowered, not refused (clients such as Continue send 4096 by default): said in a header and in `medqa`.
    headers = {MAX_TOKENS_HEADER: str(body.max_new_tokens)} if body.clamped else {}
    if body.stream:
        events = _stop_on_disconnect(request, stop, service.stream(body, stop, remember))
        return StreamingResponse(
            metrics.watch_stream(events, started),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", **headers},
        )
    watcher = asyncio.create_task(_watch_disconnect(request, stop))
    metrics.in_flight.inc()
    try:
        return JSONResponse(await service.complete(body, stop, remember), headers=headers)
    except AnswerStopped:
        return Response(status_code=499)  # nobody is listening; the status is for the log
    finally:
        metrics.in_flight.dec()
        watcher.cancel()


@router.get(
    "/metrics",
    dependencies=metadata,
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "The Prometheus text format"}, **_errors(401, 429)},
)
def metrics_page(request: Request) -> Response:
    """Requests, latencies, tokens, queue depth and answers by kind, for Prometheus (README: Monitoring)."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.post(
    "/api/feedback",
    dependencies=protected,
    response_model=FeedbackStored,
    responses=_errors(400, 401, 408, 413, 429, 503),
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
    """400 (as OpenAI answers) naming each field; the offending input is not echoed (it may be health
    data, or HTML)."""
    problems = [_problem(e) for e in exc.errors()]
    message = "; ".join(f"{p['field']}: {p['msg']}" for p in problems)
    if len(message) > _MAX_ERROR_CHARS:
        message = message[: _MAX_ERROR_CHARS - 3] + "..."
    return JSONResponse(
        {**error_body(message, "invalid_request_error", problems[0]["field"]), "detail": problems[:20]}, 400
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
    reap_child()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # medqa.server.access writes one JSON line per request instead
        **uvicorn_options(settings),  # deadlines for headers, bodies and idle connections; graceful stop
    )


def reap_child() -> threading.Thread | None:
    """Wait, in a daemon thread, for the child that the main job handed over (its background evaluation,
    `medqa.pipeline.serve_in_place`), so that a finished child does not stay a zombie beside the server."""
    pid = os.environ.pop(REAP_CHILD_ENV, "")
    if not pid.isdigit():
        return None

    def wait() -> None:
        # not our child (the variable came from elsewhere) or already waited for: nothing to do
        with contextlib.suppress(ChildProcessError):
            os.waitpid(int(pid), 0)

    thread = threading.Thread(target=wait, name="reap-evaluation", daemon=True)
    thread.start()
    return thread
