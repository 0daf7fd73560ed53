"""LLM adapters: the tiny SmolLM2 in process and behind llama-cpp-python's own server (mechanics only)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from rag.llm import (
    LLM,
    LlamaCppLLM,
    OpenAICompatLLM,
    chat_completions_url,
    clear_llm_cache,
    get_llm,
)
from rag.settings import LLMSettings, get_settings
from rag.types import LLMError

COUNT = [{"role": "user", "content": "Count from 1 to 10, separated by commas."}]


@pytest.fixture(scope="module")
def smol_path():
    from rag.models import ensure_llm_model

    return ensure_llm_model(get_settings({"llm": {"model": "smollm2-135m"}}))


@pytest.fixture(scope="module")
def smol(smol_path):
    # One thread: OpenMP barriers stall on a busy 2-core machine.
    return LlamaCppLLM(smol_path, LLMSettings(n_ctx=1024, max_tokens=12, n_threads=1))


def test_in_process_streaming_yields_pieces_and_usage(smol):
    pieces = list(smol.stream(COUNT, max_tokens=8))
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)
    usage = smol.last_usage
    assert usage.completion_tokens == len(pieces)
    assert 10 < usage.prompt_tokens < 100
    assert 0 < usage.ttft_ms <= usage.total_ms
    assert isinstance(smol, LLM)


def test_in_process_complete_is_deterministic_and_stops(smol):
    first = smol.complete(COUNT, max_tokens=12)
    assert first == smol.complete(COUNT, max_tokens=12)  # temperature 0, fixed seed
    assert "1" in first
    stopped = smol.complete(COUNT, max_tokens=12, stop=["3"])
    assert "3" not in stopped and smol.last_usage.finish_reason == "stop"


def test_count_tokens_uses_the_model_tokenizer(smol):
    assert smol.count_tokens("") == 0
    assert 3 < smol.count_tokens("Tỷ lệ hộ nghèo giảm còn 0,58%.") < 40


def test_get_llm_loads_once(settings):
    clear_llm_cache()
    try:
        first = get_llm(settings)
        assert isinstance(first, LlamaCppLLM)
        assert get_llm(settings) is first
    finally:
        clear_llm_cache()


def test_get_llm_with_url_uses_server_backend():
    settings = get_settings({"llm": {"url": "http://127.0.0.1:9/v1"}})
    clear_llm_cache()
    try:
        llm = get_llm(settings)
        assert isinstance(llm, OpenAICompatLLM) and get_llm(settings) is llm
    finally:
        clear_llm_cache()


def test_missing_model_file_is_a_model_error(tmp_path):
    from rag.types import ModelError

    with pytest.raises(ModelError, match="not found"):
        LlamaCppLLM(tmp_path / "nope.gguf")


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://h:8000/v1", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1/", "http://h:8000/v1/chat/completions"),
        ("http://h:8000", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1/chat/completions", "http://h:8000/v1/chat/completions"),
    ],
)
def test_chat_completions_url(base, url):
    assert chat_completions_url(base) == url


# ---------------------------------------------------------------- server backend, mocked HTTP


def _sse(*events: dict | str) -> bytes:
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return "".join(lines).encode()


def _delta(text: str) -> dict:
    return {"choices": [{"delta": {"content": text}, "finish_reason": None}]}


def test_server_stream_parses_sse():
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["stream"] is True and body["stop"] == ["\n\n"]
        return httpx.Response(
            200,
            content=_sse(
                {"choices": [{"delta": {"role": "assistant"}}]}, _delta("Xin"), _delta(" chào [1]."), "[DONE]"
            ),
        )

    llm = OpenAICompatLLM("http://mock/v1", transport=httpx.MockTransport(handler))
    assert list(llm.stream(COUNT, stop=["\n\n"])) == ["Xin", " chào [1]."]
    assert llm.last_usage.completion_tokens == 2


def test_server_complete_reads_usage():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "choices": [{"message": {"content": "61 [3]."}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 321, "completion_tokens": 5},
            },
        )

    llm = OpenAICompatLLM("http://mock/v1", transport=httpx.MockTransport(handler))
    assert llm.complete(COUNT) == "61 [3]."
    assert llm.last_usage.prompt_tokens == 321 and llm.last_usage.completion_tokens == 5


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"unexpected": True}),
    ],
)
def test_server_bad_responses_raise_llm_error_naming_url(response):
    llm = OpenAICompatLLM("http://mock/v1", transport=httpx.MockTransport(lambda request: response))
    with pytest.raises(LLMError, match="http://mock/v1/chat/completions"):
        llm.complete(COUNT)


def test_server_bad_stream_raises_llm_error():
    llm = OpenAICompatLLM(
        "http://mock/v1",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"data: {oops\n\n")),
    )
    with pytest.raises(LLMError, match="mock"):
        list(llm.stream(COUNT))
    error = OpenAICompatLLM("http://mock/v1", transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(LLMError, match="503"):
        list(error.stream(COUNT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_raises_llm_error():
    url = f"http://127.0.0.1:{_free_port()}/v1"
    llm = OpenAICompatLLM(url, LLMSettings(timeout_s=5))
    with pytest.raises(LLMError, match=f"cannot reach LLM server {url}"):
        llm.complete(COUNT)
    with pytest.raises(LLMError, match="cannot reach"):
        list(llm.stream(COUNT))


# ---------------------------------------------------------------- server backend, real llama.cpp server


@pytest.fixture(scope="module")
def llama_server(smol_path, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(smol_path),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "1024",
                "--n_threads",
                "1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not ready after 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield f"{base}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_real_server_streaming_and_complete(llama_server):
    llm = OpenAICompatLLM(llama_server, LLMSettings(max_tokens=8, timeout_s=120))
    pieces = list(llm.stream(COUNT))
    assert len(pieces) >= 2 and "".join(pieces).strip()
    assert llm.last_usage.completion_tokens == len(pieces)
    text = llm.complete(COUNT)
    assert text.strip() and llm.last_usage.prompt_tokens > 10
    stopped = llm.complete(COUNT, stop=["3"])
    assert "3" not in stopped


# ---------------------------------------------------------------- grammar-constrained output


def test_in_process_grammar_holds_the_model_to_copied_words(smol):
    from rag.prompts import span_grammar

    excerpt = "Năm 2022, xã An Bình trồng mới 12 ha rừng. Dân số tăng 5%."
    grammar = span_grammar({2: excerpt}, refusal="Không tìm thấy.")
    messages = [{"role": "user", "content": f"{excerpt}\nXã An Bình trồng bao nhiêu rừng?"}]
    reply = smol.complete(messages, max_tokens=120, grammar=grammar)
    if reply == "Không tìm thấy.":
        return
    # SmolLM2's Vietnamese is garbled; under the grammar it can only copy words and cite [2].
    assert reply.endswith(" [2]") or smol.last_usage.finish_reason == "length", reply
    copied = reply.removesuffix(" [2]").split("; ")[0].split()
    words = [w.strip(".,") for w in excerpt.split()]
    start = words.index(copied[0].strip(".,"))
    assert [w.strip(".,") for w in copied[:-1]] == words[start : start + len(copied) - 1], reply
    assert words[start + len(copied) - 1].startswith(copied[-1].strip(".,")), reply


def test_span_grammar_of_awkward_text_parses(smol):
    # Quotes, backslashes, brackets and fence marks must be escaped or dropped: llama.cpp
    # crashes the process on a grammar it cannot parse, so a bad escape fails loudly here.
    from rag.prompts import span_grammar

    excerpt = 'Ông J. Smith nói: "C:\\dữ liệu" [ghi chú] <<< 50% … (tạm) ; – ok'
    reply = smol.complete(COUNT, max_tokens=16, grammar=span_grammar({1: excerpt}))
    assert reply.endswith(" [1]") or smol.last_usage.finish_reason == "length", reply
    capped = smol.complete(COUNT, max_tokens=40, grammar=span_grammar({1: excerpt}, max_words=3))
    parts = [part.removesuffix(" [1]") for part in capped.split("; ")]
    assert capped.endswith(" [1]") and all(len(part.split()) <= 3 for part in parts), capped


def test_server_payload_carries_the_grammar():
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        body = {"choices": [{"message": {"content": "12 ha [1]"}, "finish_reason": "stop"}], "usage": {}}
        return httpx.Response(200, json=body)

    llm = OpenAICompatLLM("http://127.0.0.1:9/v1", LLMSettings(), transport=httpx.MockTransport(handler))
    assert llm.complete(COUNT, grammar='root ::= "12 ha [1]"') == "12 ha [1]"
    assert llm.complete(COUNT) == "12 ha [1]"
    assert seen[0]["grammar"] == 'root ::= "12 ha [1]"' and "grammar" not in seen[1]
