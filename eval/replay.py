"""The model's outputs of an eval run, recorded, and served again to re-run the run without the model.

An XQuAD-vi-holdout run of 250 questions takes 20 minutes on 2 cores, nearly all of it generation.
A change to what happens after generation (checks, citations, refusals, the shortened answer) leaves
every prompt as it was, so the recorded outputs are what the model would say again (greedy decoding):
``rag eval … --replay RUN`` re-scores the current code over them in a minute or two.

:class:`RecordingLLM` wraps the real model during a run and keeps every call (a key of its prompt and
grammar, the output, the token counts); the runner files each question's calls in questions.jsonl
under ``llm_calls``. :class:`ReplayLLM` serves them back, per question: the call with the same
prompt first, else the next one not yet served (counted as a changed prompt: the replay is then an
approximation, and the run's notes say how many). Timings of a replay are not measured ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.llm import Usage

QUESTIONS_FILE = "questions.jsonl"
# Pieces a replayed output is streamed in: the pipeline's streaming code paths run as with the model.
REPLAY_PIECE_CHARS = 8


class ReplayError(RuntimeError):
    """A replay asked the model something the recorded run never did."""


def call_key(messages: Sequence[dict[str, Any]], grammar: str | None) -> str:
    """A short hash of a call's prompt and grammar."""
    text = json.dumps([list(messages), grammar], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RecordingLLM:
    """An ``LLM`` that passes every call to the model (loaded on first use) and keeps what it said."""

    def __init__(self, load: Callable[[], Any]) -> None:
        """Record the calls of the model ``load()`` returns."""
        self._load = load
        self._inner: Any | None = None
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []

    @property
    def inner(self) -> Any:
        """The recorded model (loaded now if it is not yet)."""
        with self._lock:
            if self._inner is None:
                self._inner = self._load()
            return self._inner

    @property
    def supports_grammar(self) -> bool:
        """As the model."""
        return bool(getattr(self.inner, "supports_grammar", False))

    @property
    def last_usage(self) -> Usage:
        """The model's usage of its last call."""
        return self.inner.last_usage

    def count_tokens(self, text: str) -> int:
        """The model's token count."""
        return int(self.inner.count_tokens(text))

    def complete(
        self,
        messages: Sequence[dict[str, Any]],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> str:
        """The model's whole reply, recorded."""
        output = self.inner.complete(messages, max_tokens=max_tokens, stop=stop, grammar=grammar)
        self._record(messages, grammar, output)
        return output

    def stream(
        self,
        messages: Sequence[dict[str, Any]],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """The model's reply piece by piece; what was read of it is recorded when the stream ends."""
        pieces: list[str] = []
        try:
            for piece in self.inner.stream(messages, max_tokens=max_tokens, stop=stop, grammar=grammar):
                pieces.append(piece)
                yield piece
        finally:
            self._record(messages, grammar, "".join(pieces))

    def _record(self, messages: Sequence[dict[str, Any]], grammar: str | None, output: str) -> None:
        usage = getattr(self.inner, "last_usage", None) or Usage()
        self._calls.append(
            {
                "key": call_key(messages, grammar),
                "output": output,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "finish_reason": usage.finish_reason,
                # whether the prompt could ask for a grammar: the pipeline words it otherwise if not
                "supports_grammar": bool(getattr(self.inner, "supports_grammar", False)),
            }
        )

    def take(self) -> list[dict[str, Any]]:
        """The calls recorded since the last ``take``, oldest first."""
        calls, self._calls = self._calls, []
        return calls


def recorded_calls(run: str | Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Question id -> phase ("retrieval", "answers") -> its recorded calls, from a run's questions.jsonl.

    Raises:
        FileNotFoundError: the run has no questions.jsonl.
        ValueError: the run recorded no model calls (made before recording, or retrieval only).
    """
    path = Path(run) / QUESTIONS_FILE
    calls: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if "llm_calls" in record:
                    calls[str(record["id"])] = record["llm_calls"]
    if not calls:
        raise ValueError(f"{path}: no recorded model calls (a run made before recording, or retrieval only)")
    return calls


class ReplayLLM:
    """An ``LLM`` that says again what the model said in a recorded run, question by question."""

    def __init__(
        self, calls: dict[str, dict[str, list[dict[str, Any]]]], count_tokens: Callable[[str], int]
    ) -> None:
        """Serve ``calls`` (:func:`recorded_calls`); ``count_tokens`` is the recorded model's tokenizer."""
        self._calls = calls
        self._count_tokens = count_tokens
        recorded = [c for phases in calls.values() for phase in phases.values() for c in phase]
        self.supports_grammar = all(c.get("supports_grammar", True) for c in recorded)
        self._queue: list[dict[str, Any]] = []
        self._where = ""
        self.last_usage = Usage()
        self.served = 0
        self.changed_prompts = 0

    def begin(self, question_id: str, phase: str) -> None:
        """Serve the calls recorded for ``question_id`` in ``phase`` from now on.

        Raises:
            ReplayError: the recorded run did not ask this question.
        """
        if question_id not in self._calls:
            raise ReplayError(f"question {question_id!r} is not in the recorded run")
        self._queue = list(self._calls[question_id].get(phase, []))
        self._where = f"question {question_id!r} ({phase})"

    def count_tokens(self, text: str) -> int:
        """The recorded model's token count."""
        return int(self._count_tokens(text)) if text else 0

    def complete(
        self,
        messages: Sequence[dict[str, Any]],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> str:
        """The recorded reply to this prompt."""
        return "".join(self.stream(messages, max_tokens=max_tokens, stop=stop, grammar=grammar))

    def stream(
        self,
        messages: Sequence[dict[str, Any]],
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """The recorded reply to this prompt, in small pieces.

        Raises:
            ReplayError: the recorded run made no further call for this question.
        """
        call = self._next(call_key(messages, grammar))
        self.last_usage = Usage(
            prompt_tokens=int(call.get("prompt_tokens") or 0),
            completion_tokens=int(call.get("completion_tokens") or 0),
            finish_reason=call.get("finish_reason"),
        )
        output = str(call["output"])
        for start in range(0, len(output), REPLAY_PIECE_CHARS):
            yield output[start : start + REPLAY_PIECE_CHARS]

    def _next(self, key: str) -> dict[str, Any]:
        if not self._queue:
            raise ReplayError(f"{self._where}: the recorded run made no further model call")
        index = next((i for i, call in enumerate(self._queue) if call["key"] == key), None)
        if index is None:
            index = 0
            self.changed_prompts += 1
        self.served += 1
        return self._queue.pop(index)


def model_tokenizer(settings: Any) -> Callable[[str], int]:
    """The token counter of the settings' model, without loading its weights.

    A server's model (``llm.url``) is asked through its adapter.
    """
    if settings.llm.url:
        from rag.llm import get_llm

        return get_llm(settings).count_tokens
    from llama_cpp import Llama

    from rag.models import ensure_llm_model

    vocab = Llama(model_path=str(ensure_llm_model(settings)), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))
