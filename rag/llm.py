"""The ``LLM`` protocol and its two adapters: in-process llama.cpp and an OpenAI-compatible server.

``get_llm(settings)`` picks the backend: ``settings.llm.url`` set → the server
(many officials can share one llama.cpp server or vLLM), otherwise the GGUF
model in this process. The in-process model is loaded once and reused (the
cache in ``get_llm`` is, with the embedder cache, the only global state).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rag.prompts import approx_tokens
from rag.settings import LLMSettings, Settings
from rag.types import LLMError, ModelError

logger = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass
class Usage:
    """Token counts and timing of the last generation."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    finish_reason: str | None = None


@runtime_checkable
class LLM(Protocol):
    """What the pipeline needs from a chat model."""

    last_usage: Usage
    # Whether ``stream``/``complete`` honour ``grammar=`` (a llama.cpp GBNF grammar).
    supports_grammar: bool

    def complete(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> str:
        """Generate the whole reply to ``messages`` (constrained by ``grammar`` when given)."""
        ...

    def stream(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Yield the reply to ``messages`` piece by piece (constrained by ``grammar`` when given)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes (approximate for servers)."""
        ...


class _UsageMeter:
    """Fills a ``Usage`` while pieces stream by."""

    def __init__(self) -> None:
        self.usage = Usage()
        self._started = time.perf_counter()

    def piece(self) -> None:
        if self.usage.completion_tokens == 0:
            self.usage.ttft_ms = (time.perf_counter() - self._started) * 1000
        self.usage.completion_tokens += 1

    def finish(self) -> Usage:
        self.usage.total_ms = (time.perf_counter() - self._started) * 1000
        return self.usage


# ---------------------------------------------------------------- llama.cpp in process


class LlamaCppLLM:
    """A GGUF model run in this process by llama-cpp-python.

    One instance holds one loaded model. A lock serialises generations: llama.cpp
    has a single context, so concurrent callers in one process take turns. The
    previous prompt's KV cache is reused when the next prompt starts the same way
    (llama-cpp-python does this by itself), which is why prompts keep a constant
    system message first.
    """

    def __init__(self, model_path: str | Path, settings: LLMSettings | None = None) -> None:
        """Load the model.

        Args:
            model_path: path of the GGUF file.
            settings: n_threads, n_ctx, n_batch, max_tokens, temperature and seed.

        Raises:
            ModelError: llama-cpp-python is missing or the file cannot be loaded.
        """
        self.settings = settings or LLMSettings()
        self.model_path = Path(model_path)
        self.last_usage = Usage()
        self._lock = threading.Lock()
        try:
            from llama_cpp import Llama
        except ImportError as err:  # pragma: no cover - depends on the install
            raise ModelError(
                "llama-cpp-python is not installed; run `make install` (it needs portable build flags)"
            ) from err
        if not self.model_path.is_file():
            raise ModelError(f"LLM model file not found: {self.model_path}")
        started = time.perf_counter()
        try:
            self._llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self.settings.n_ctx,
                n_threads=self.settings.n_threads,
                n_batch=self.settings.n_batch,
                seed=self.settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as err:
            raise ModelError(f"cannot load GGUF model {self.model_path}: {err}") from err
        logger.info("loaded %s in %.1f s", self.model_path.name, time.perf_counter() - started)

    @staticmethod
    def _grammar(text: str) -> Any:
        from llama_cpp import LlamaGrammar

        try:
            return LlamaGrammar.from_string(text, verbose=False)
        except (ValueError, RuntimeError) as err:
            raise LLMError(f"invalid answer grammar: {err}") from err

    def count_tokens(self, text: str) -> int:
        """Exact token count of ``text`` with this model's tokenizer."""
        if not text:
            return 0
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    supports_grammar = True

    def complete(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> str:
        """Generate the whole reply (streams internally so timing and usage are measured the same way)."""
        return "".join(self.stream(messages, max_tokens=max_tokens, stop=stop, grammar=grammar))

    def stream(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Yield the reply piece by piece (about one token each).

        Args:
            messages: the chat messages.
            max_tokens: most tokens generated (``settings.max_tokens`` by default).
            stop: strings that end the reply.
            grammar: a GBNF grammar every reply must match (``rag.prompts.span_grammar``).

        Raises:
            LLMError: llama.cpp failed (e.g. the prompt does not fit ``n_ctx``), or the
                grammar does not parse.
        """
        with self._lock:
            meter = _UsageMeter()
            try:
                constraint = self._grammar(grammar) if grammar else None
                pieces = self._llama.create_chat_completion(
                    messages=list(messages),
                    max_tokens=max_tokens or self.settings.max_tokens,
                    temperature=self.settings.temperature,
                    seed=self.settings.seed,
                    stop=list(stop) if stop else None,
                    stream=True,
                    grammar=constraint,
                )
                for chunk in pieces:
                    choice = chunk["choices"][0]
                    if choice.get("finish_reason"):
                        meter.usage.finish_reason = choice["finish_reason"]
                    text = choice.get("delta", {}).get("content")
                    if text:
                        meter.piece()
                        yield text
            except ValueError as err:  # llama-cpp-python raises ValueError for context overflow
                raise LLMError(f"generation failed with {self.model_path.name}: {err}") from err
            finally:
                usage = meter.finish()
                # Tokens in the context after generation = prompt + generated ones.
                usage.prompt_tokens = max(0, int(self._llama.n_tokens) - usage.completion_tokens)
                self.last_usage = usage


# ---------------------------------------------------------------- OpenAI-compatible server


def chat_completions_url(base_url: str) -> str:
    """The chat endpoint for ``base_url`` (with or without the ``/v1`` suffix)."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/chat/completions"


class OpenAICompatLLM:
    """A chat model behind an OpenAI-compatible HTTP API (llama.cpp server, vLLM, …)."""

    def __init__(self, base_url: str, settings: LLMSettings | None = None, *, transport: Any = None) -> None:
        """Prepare a client; nothing is sent until the first request.

        Args:
            base_url: e.g. ``http://127.0.0.1:8000/v1``.
            settings: server_model, api_key, max_tokens, temperature, seed and timeout_s.
            transport: an ``httpx`` transport (tests pass ``httpx.MockTransport``).
        """
        import httpx

        self.settings = settings or LLMSettings()
        self.base_url = base_url
        self.url = chat_completions_url(base_url)
        self.last_usage = Usage()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.settings.timeout_s, connect=min(10.0, self.settings.timeout_s)),
            headers={"Authorization": f"Bearer {self.settings.api_key}"},
            transport=transport,
        )

    def count_tokens(self, text: str) -> int:
        """Approximate token count (the server's tokenizer is not called, to save a round trip)."""
        return approx_tokens(text)

    # llama.cpp's server (and llama-cpp-python's) take a GBNF ``grammar`` in the request body;
    # servers that ignore it still answer, and the pipeline verifies what comes back.
    supports_grammar = True

    def _payload(
        self,
        messages: Sequence[Message],
        max_tokens: int | None,
        stop: Sequence[str] | None,
        stream: bool,
        grammar: str | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.settings.server_model,
            "messages": list(messages),
            "max_tokens": max_tokens or self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "seed": self.settings.seed,
            "stream": stream,
        }
        if stop:
            payload["stop"] = list(stop)
        if grammar:
            payload["grammar"] = grammar
        return payload

    def complete(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> str:
        """Generate the whole reply in one request.

        Raises:
            LLMError: the server is unreachable, timed out or answered badly; names the URL.
        """
        import httpx

        meter = _UsageMeter()
        try:
            payload = self._payload(messages, max_tokens, stop, False, grammar)
            response = self._client.post(self.url, json=payload)
            response.raise_for_status()
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except httpx.HTTPStatusError as err:
            raise LLMError(
                f"LLM server {self.url} answered {err.response.status_code}: {err.response.text[:200]}"
            ) from err
        except httpx.HTTPError as err:
            raise LLMError(f"cannot reach LLM server {self.url}: {err!r}") from err
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise LLMError(f"unexpected response from LLM server {self.url}: {err!r}") from err
        usage = meter.finish()
        usage.ttft_ms = usage.total_ms
        server_usage = data.get("usage") or {}
        usage.prompt_tokens = int(server_usage.get("prompt_tokens") or 0)
        usage.completion_tokens = int(server_usage.get("completion_tokens") or approx_tokens(text))
        usage.finish_reason = choice.get("finish_reason")
        self.last_usage = usage
        return text

    def stream(
        self,
        messages: Sequence[Message],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Yield the reply piece by piece from the server's server-sent events.

        Raises:
            LLMError: the server is unreachable, timed out or answered badly; names the URL.
        """
        import httpx

        meter = _UsageMeter()
        try:
            with self._client.stream(
                "POST", self.url, json=self._payload(messages, max_tokens, stop, True, grammar)
            ) as response:
                if response.status_code >= 400:
                    body = response.read().decode("utf-8", "replace")[:200]
                    raise LLMError(f"LLM server {self.url} answered {response.status_code}: {body}")
                for line in response.iter_lines():
                    text = self._parse_event(line, meter.usage)
                    if text is None:
                        break
                    if text:
                        meter.piece()
                        yield text
        except httpx.HTTPError as err:
            raise LLMError(f"cannot reach LLM server {self.url}: {err!r}") from err
        finally:
            usage = meter.finish()
            if not usage.prompt_tokens:
                usage.prompt_tokens = sum(approx_tokens(str(m.get("content", ""))) for m in messages)
            self.last_usage = usage

    def _parse_event(self, line: str, usage: Usage) -> str | None:
        """Text of one SSE line; "" for lines without text, None at ``[DONE]``."""
        line = line.strip()
        if not line.startswith("data:"):
            return ""
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return None
        try:
            event = json.loads(data)
        except ValueError as err:
            raise LLMError(f"unexpected event from LLM server {self.url}: {data[:200]!r}") from err
        if event.get("usage"):
            usage.prompt_tokens = int(event["usage"].get("prompt_tokens") or 0)
        choices = event.get("choices") or []
        if not choices:
            return ""
        if choices[0].get("finish_reason"):
            usage.finish_reason = choices[0]["finish_reason"]
        return (choices[0].get("delta") or {}).get("content") or ""

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


# ---------------------------------------------------------------- factory

_cache: dict[tuple[Any, ...], LLM] = {}
_cache_lock = threading.Lock()


def get_llm(settings: Settings) -> LLM:
    """The LLM for ``settings``, built once and reused.

    ``settings.llm.url`` set → :class:`OpenAICompatLLM`; otherwise the GGUF
    model provisioned by ``rag.models.ensure_llm_model`` in this process.

    Raises:
        ModelError: the model is missing or cannot be loaded.
    """
    llm_settings = settings.llm
    key: tuple[Any, ...] = (llm_settings.url, llm_settings.model_dump_json())
    if not llm_settings.url:
        key += (str(settings.paths.model_cache_dir),)
    with _cache_lock:
        if key not in _cache:
            if llm_settings.url:
                _cache[key] = OpenAICompatLLM(llm_settings.url, llm_settings)
            else:
                from rag.models import ensure_llm_model

                _cache[key] = LlamaCppLLM(ensure_llm_model(settings), llm_settings)
        return _cache[key]


def clear_llm_cache() -> None:
    """Forget cached models (tests, or after changing model settings)."""
    with _cache_lock:
        _cache.clear()
