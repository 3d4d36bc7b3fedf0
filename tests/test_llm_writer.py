"""The optional LLM writer, against a local server speaking the chat-completions API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_compose import load_story

from quorum.compose import Cited
from quorum.compose.llm import LLMWriter, check_support, split_answer
from quorum.settings import Config

SUPPORTED = (
    "The Space Development Agency awarded Lockheed Martin and Northrop Grumman "
    "contracts worth $1.5 billion to build 36 missile-tracking satellites [1]."
)
INVENTED_NUMBER = "The agency will also buy 400 interceptors for $9 billion."
FUSED = (
    "Lockheed Martin will build 18 satellites for $780 million, and investors pushed "
    "Northrop Grumman shares up 2%."
)


@dataclass
class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 that replies with canned bodies."""

    body: bytes = b""
    status: int = 200
    delay: float = 0.0
    seen: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    port: int = 0

    def answer(self, content: str) -> None:
        self.body = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }
        ).encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    state = ChatServer()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            state.seen.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
            if state.delay:
                stop.wait(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out first, as the timeout test wants

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    stop.set()
    server.shutdown()
    server.server_close()


def test_invented_sentence_is_dropped_and_supported_one_kept(chat):
    chat.answer(f"{SUPPORTED} {INVENTED_NUMBER}\n- {FUSED}")
    story = load_story()
    writer = LLMWriter(chat.url, "test-model", api_key="k", timeout=5)
    result = writer.write_summary(story, k=3)
    assert result.used_llm and result.fallback_reason is None
    texts = [s.text for s in result.sentences]
    assert texts[0] == SUPPORTED.replace(" [1]", "")  # citation marker removed
    assert FUSED in texts  # rests on two source sentences
    assert INVENTED_NUMBER not in texts
    assert len(result.dropped) == 1
    assert "400" in result.dropped[0].reason or "9" in result.dropped[0].reason
    texts_by_id = {s.article.id: s.article.text for s in story}
    for sentence in result.sentences:
        assert sentence.generated and sentence.supports
        for span in sentence.supports:
            assert span.text == texts_by_id[span.article_id][span.start : span.end]
            assert span.article_id != 104  # never the syndicated copy
    fused = next(s for s in result.sentences if s.text == FUSED)
    assert len({span.article_id for span in fused.supports}) == 2
    # the request was a proper chat completion carrying the source sentences
    request = chat.seen[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["json"]["model"] == "test-model"
    assert "missile-tracking" in request["json"]["messages"][-1]["content"]
    assert chat.headers[0]["authorization"] == "Bearer k"


def test_base_url_ending_in_v1(chat):
    chat.answer(SUPPORTED)
    LLMWriter(chat.url + "/v1/", "m", timeout=5).write_summary(load_story())
    assert chat.seen[0]["path"] == "/v1/chat/completions"


def test_timeout_falls_back_to_takeaways(chat):
    chat.answer(SUPPORTED)
    chat.delay = 2.0
    started = time.monotonic()
    result = LLMWriter(chat.url, "m", timeout=0.3).write_summary(load_story(), k=3)
    assert time.monotonic() - started < 2.0
    assert not result.used_llm
    assert "timeout" in result.fallback_reason
    assert len(result.sentences) == 3
    assert all(not s.generated and s.supports[0].text == s.text for s in result.sentences)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"this is not json", "malformed"),
        (200, b'{"choices": []}', "malformed"),
        (200, b'{"choices": [{"message": {"content": ""}}]}', "malformed"),
        (500, b'{"error": "boom"}', "HTTP 500"),
    ],
)
def test_bad_responses_fall_back(chat, status, body, reason):
    chat.status, chat.body = status, body
    result = LLMWriter(chat.url, "m", timeout=5).write_summary(load_story(), k=2)
    assert reason in result.fallback_reason
    assert [s.generated for s in result.sentences] == [False, False]


def test_unreachable_endpoint_falls_back():
    # port 9 (discard) on loopback is closed here: the connection is refused at once
    result = LLMWriter("http://127.0.0.1:9", "m", timeout=2).write_summary(load_story(), k=2)
    assert "request failed" in result.fallback_reason
    assert len(result.sentences) == 2


def test_all_unsupported_falls_back(chat):
    chat.answer("Boeing will build 400 satellites for the Navy in 2031.")
    result = LLMWriter(chat.url, "m", timeout=5).write_summary(load_story(), k=2)
    assert result.used_llm and "no generated sentence" in result.fallback_reason
    assert len(result.dropped) == 1 and not any(s.generated for s in result.sentences)


def test_check_support_rules():
    pool = [Cited("The Army bought 12 helicopters from Sikorsky for $300 million.", 1, 0, 62)]
    assert check_support(
        "The Army bought 12 Sikorsky helicopters for $300 million.", pool, 0.7
    ).supported
    wrong_number = check_support("The Army bought 14 helicopters from Sikorsky.", pool, 0.7)
    assert not wrong_number.supported and "14" in wrong_number.reason
    wrong_name = check_support("The Army bought 12 helicopters from Boeing.", pool, 0.7)
    assert not wrong_name.supported and "boeing" in wrong_name.reason
    added_claim = check_support(
        "The Army bought helicopters, angering pilots over noisy "
        "cockpits and delayed training schedules.",
        pool,
        0.7,
    )
    assert not added_claim.supported and "below" in added_claim.reason


def test_split_answer_strips_bullets_and_markers():
    assert split_answer("1. First fact here [2].\n2. Second fact [1, 3].") == [
        "First fact here.",
        "Second fact.",
    ]


def test_writer_is_off_by_default():
    assert LLMWriter.from_config(Config()) is None
    writer = LLMWriter.from_config(Config({"llm_base_url": "http://127.0.0.1:1", "llm_model": "m"}))
    assert writer is not None and writer.min_support == 0.7
    with pytest.raises(ValueError):
        LLMWriter("", "m")
