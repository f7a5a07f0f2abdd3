"""LLM answers against an OpenAI-compatible server that the test runs on 127.0.0.1.

The server is stdlib http.server; the first path segment picks its behaviour, so one
server covers every case: normal, streaming (SSE), HTTP 500, too slow, invalid
citations, no citations, context too long — and a closed port for "server down".
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answering.citations import renumber
from assistant.answering.llm import (
    LLMClient,
    LLMContextTooLong,
    LLMTimeout,
    LLMUnavailable,
    build_messages,
)
from assistant.answering.models import Answer, Source
from assistant.service import Assistant

QUESTION = "Wie hoch ist die Förderung bei STARK?"
STREAM_PIECES = ["STARK fördert ", "mit bis zu 90 Prozent ", "der Ausgaben [1]."]
REPLIES = {
    "normal": "STARK fördert mit einem Zuschuss von bis zu 90 Prozent der zuwendungsfähigen Ausgaben [1].",
    "invalid": "Laut Richtlinie gibt es 95 Prozent [7]. Der Zuschuss beträgt bis zu 90 Prozent [2], [1].",
    "onlyinvalid": "Der Zuschuss beträgt bis zu 95 Prozent [7].",
    "nocite": "Der Zuschuss beträgt bis zu 90 Prozent.",
}


class _Handler(BaseHTTPRequestHandler):
    server: _FakeLLM

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        mode = self.path.strip("/").split("/")[0]
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        self.server.requests.append({"mode": mode, "path": self.path, "body": request, "headers": dict(self.headers)})
        if mode == "error500":
            return self._json(500, {"error": {"message": "internal error"}})
        if mode == "context":
            return self._json(
                400,
                {"error": {"message": "This model's maximum context length is 2048 tokens.", "code": "context_length_exceeded"}},
            )
        if mode == "slow":
            time.sleep(1.5)
        # Cite the source the 90 Prozent are in (near-tied rankings may order the sources either way).
        prompt = request["messages"][-1]["content"]
        blocks = re.findall(r'<quelle nummer="(\d+)">(.*?)</quelle>', prompt, re.DOTALL)
        number = next((n for n, b in blocks if "90 Prozent" in " ".join(b.split())), "1")
        if mode == "stream" or request.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.server.sent_pieces = [p.replace("[1]", f"[{number}]") for p in STREAM_PIECES]
            for piece in self.server.sent_pieces:
                event = {"choices": [{"delta": {"content": piece}, "index": 0}]}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            return None
        content = REPLIES.get(mode, REPLIES["normal"])
        if mode == "normal":
            content = content.replace("[1]", f"[{number}]")
        return self._json(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


class _FakeLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.sent_pieces: list[str] = []

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # the "slow" case: the client gave up and closed the socket, as intended

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/v1"


@pytest.fixture(scope="module")
def fake_llm():
    server = _FakeLLM()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def llm_assistant(answer_settings, embedder, fake_llm):
    def make(mode: str, **overrides) -> Assistant:
        values = {"llm_base_url": fake_llm.url(mode), "llm_model": "test-model", "llm_timeout_s": 5.0}
        values.update(overrides)
        return Assistant(answer_settings(**values), embedder)

    return make


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the happy paths -----------------------------------------------------------------


def test_llm_answer_is_used_and_cites_the_given_sources(llm_assistant, fake_llm, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    assistant = llm_assistant("normal", llm_api_key="sk-secret-test")
    answer = assistant.ask(QUESTION)
    assert answer.generator == "llm" and answer.fallback_reason is None
    assert answer.text.startswith("STARK fördert mit einem Zuschuss von bis zu 90 Prozent")
    assert [s.number for s in answer.sources] == [1]
    request = fake_llm.requests[-1]
    assert request["path"] == "/normal/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-secret-test"
    body = request["body"]
    assert body["model"] == "test-model" and body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and "nur aus den nummerierten Quellen" in system["content"]
    assert "zitiere" in system["content"].lower() and "nicht weißt" in system["content"]
    assert "[1]" in user["content"] and QUESTION in user["content"]
    # The source the model cited as [1] is the one shown to it as [1].
    assert answer.sources[0].title in user["content"].split("[2]")[0]
    assert "sk-secret-test" not in caplog.text


def test_streaming_delivers_pieces_then_the_checked_answer(llm_assistant, fake_llm) -> None:
    pieces: list[str] = []
    answer = llm_assistant("stream").ask(QUESTION, on_delta=pieces.append)
    assert pieces == fake_llm.sent_pieces  # the preview is what the model sent …
    assert fake_llm.requests[-1]["body"]["stream"] is True
    assert answer.generator == "llm"
    assert answer.body == "".join(STREAM_PIECES)  # … the answer has the citations renumbered from [1]
    assert answer.binding_note and answer.text.endswith(answer.binding_note)
    items = list(llm_assistant("stream").ask_stream(QUESTION))
    assert items[:-1] == fake_llm.sent_pieces and isinstance(items[-1], Answer)


def test_invalid_citations_are_removed_and_the_rest_renumbered(llm_assistant) -> None:
    answer = llm_assistant("invalid").ask(QUESTION)
    assert answer.generator == "llm"
    assert "[7]" not in answer.text
    # [2] was cited first, so it becomes [1]; [1] becomes [2].
    assert "90 Prozent [1], [2]." in answer.text
    assert [s.number for s in answer.sources] == [1, 2]


# --- every fallback ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("error500", "HTTP 500"),
        ("context", "zu lang für das Kontextfenster"),
        ("onlyinvalid", "keine gültige Quellenangabe"),
        ("nocite", "keine gültige Quellenangabe"),
    ],
)
def test_failures_fall_back_to_the_extractive_answer(llm_assistant, mode: str, expected: str) -> None:
    answer = llm_assistant(mode).ask(QUESTION)
    assert answer.generator == "extractive"
    assert answer.fallback_reason and expected in answer.fallback_reason
    assert "Ausgaben [1]." in answer.text  # the extractive answer, cited
    assert not answer.abstained


def test_slow_server_times_out_and_falls_back(llm_assistant) -> None:
    t0 = time.perf_counter()
    answer = llm_assistant("slow", llm_timeout_s=0.5).ask(QUESTION)
    assert time.perf_counter() - t0 < 1.4
    assert answer.generator == "extractive"
    assert "nicht innerhalb von 0.5 Sekunden" in answer.fallback_reason


def test_slow_stream_times_out_and_falls_back(llm_assistant) -> None:
    pieces: list[str] = []
    answer = llm_assistant("slow", llm_timeout_s=0.5).ask(QUESTION, on_delta=pieces.append)
    assert answer.generator == "extractive" and "Sekunden" in answer.fallback_reason
    assert pieces == []


def test_server_down_falls_back(answer_settings, embedder) -> None:
    settings = answer_settings(llm_base_url=f"http://127.0.0.1:{_closed_port()}", llm_timeout_s=2.0)
    answer = Assistant(settings, embedder).ask(QUESTION)
    assert answer.generator == "extractive"
    assert "nicht erreichbar" in answer.fallback_reason


def test_abstention_does_not_call_the_model(llm_assistant, fake_llm) -> None:
    before = len(fake_llm.requests)
    answer = llm_assistant("normal").ask("Was kostet ein Döner in Berlin?")
    assert answer.abstained and answer.generator == "extractive"
    assert len(fake_llm.requests) == before


# --- client and citation checks on their own -------------------------------------------


def test_client_errors_are_typed(fake_llm) -> None:
    messages = [{"role": "user", "content": "x"}]
    with pytest.raises(LLMUnavailable):
        LLMClient(fake_llm.url("error500"), None).complete(messages)
    with pytest.raises(LLMContextTooLong):
        list(LLMClient(fake_llm.url("context"), None).stream(messages))
    with pytest.raises(LLMTimeout):
        LLMClient(fake_llm.url("slow"), None, timeout_s=0.3).complete(messages)
    assert LLMClient("http://h:1/v1/", None).url == "http://h:1/v1/chat/completions"
    assert LLMClient("http://h:1", None).url == "http://h:1/v1/chat/completions"


def _source(n: int) -> Source:
    return Source(n, f"d{n}", f"Titel {n}", "foerderprogramm", f"p{n}.md", None, None, "Abschnitt", None, None, "Text")


def test_renumber_keeps_valid_citations_in_order_of_first_use() -> None:
    given = [_source(1), _source(2), _source(3)]
    text, sources, invalid = renumber("A [3]. B [1, 9]. C [3].", given)
    assert text == "A [1]. B [2]. C [1]."
    assert [(s.number, s.doc_id) for s in sources] == [(1, "d3"), (2, "d1")]
    assert invalid == [9]
    messages = build_messages("Frage?", given)
    assert messages[1]["content"].count("[") >= 3
