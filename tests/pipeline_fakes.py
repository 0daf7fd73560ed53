"""Fakes for the answering pipeline: a scripted LLM and a fixed retriever over the seed report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.llm import Usage
from rag.prompts import approx_tokens
from rag.types import Chunk, DocumentInfo, Hit, Passage

SEED_REPORT = Path(__file__).resolve().parent.parent / "documents" / "000_d6dbdd2ddfa3846f.txt"
DOC_ID = "000_d6dbdd2ddfa3846f.txt"
TITLE = "Đảng bộ thành phố Từ Sơn sau một năm thực hiện Kết luận số 01-KL/TW"

Reply = str | Callable[[list[dict[str, Any]]], str]


class FakeLLM:
    """Scripted replies; records every prompt. By default quotes passage [1]'s first words and cites [1]."""

    def __init__(self, replies: Sequence[Reply] = (), supports_grammar: bool = False) -> None:
        self.replies = list(replies)
        self.supports_grammar = supports_grammar
        self.prompts: list[list[dict[str, Any]]] = []
        self.calls: list[dict[str, Any]] = []
        self.last_usage = Usage()

    def _reply(self, messages: list[dict[str, Any]]) -> str:
        if self.replies:
            reply = self.replies.pop(0)
            return reply(messages) if callable(reply) else reply
        user = messages[-1]["content"]
        first = user.split("<<<\n", 1)[1].split("\n>>>", 1)[0]
        return " ".join(first.split()[:12]) + " [1]."

    def complete(self, messages, max_tokens=None, stop=None, **constraint) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, stop=stop, **constraint))

    def stream(self, messages, max_tokens=None, stop=None, grammar=None) -> Iterator[str]:
        messages = [dict(m) for m in messages]
        self.prompts.append(messages)
        self.calls.append({"max_tokens": max_tokens, "stop": list(stop or []), "grammar": grammar})
        text = self._reply(messages)
        words = text.split(" ")
        self.last_usage = Usage(
            prompt_tokens=sum(approx_tokens(m["content"]) for m in messages), completion_tokens=len(words)
        )
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)


def seed_text() -> str:
    return SEED_REPORT.read_text(encoding="utf-8")


def seed_passages(text: str | None = None) -> list[Passage]:
    """The seed report's four long paragraphs as passages [1]..[4] with exact offsets."""
    text = text if text is not None else seed_text()
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    passages = []
    for n, paragraph in enumerate(paragraphs, start=1):
        start = text.index(paragraph)
        passages.append(
            Passage(n, DOC_ID, TITLE, paragraph, start, start + len(paragraph), (f"c{n}",), 1.0 / n)
        )
    return passages


class FakeIndex:
    """Just enough of ``rag.store.Index`` for the pipeline: texts and chunks."""

    def __init__(
        self, texts: dict[str, str], passages: Sequence[Passage], titles: dict[str, str] | None = None
    ) -> None:
        self.texts = texts
        self.titles = titles or {DOC_ID: TITLE}
        self._chunks = {
            p.chunk_ids[0]: Chunk(p.chunk_ids[0], p.doc_id, p.title, p.text, p.start, p.end, p.n - 1)
            for p in passages
        }

    def document_text(self, doc_id: str) -> str:
        return self.texts[doc_id]

    def chunk(self, chunk_id: str) -> Chunk:
        return self._chunks[chunk_id]

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(doc_id, doc_id, self.titles.get(doc_id, doc_id), 1, "", 0.0, 0.0)
            for doc_id in sorted(self.texts)
        ]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return sorted((c for c in self._chunks.values() if c.doc_id == doc_id), key=lambda c: c.start)

    def unknown_words(self, words):
        """The words no text holds (compared lowercase, syllable by syllable, as BM25's vocabulary)."""
        from rag.normalize import syllables

        held = {word for text in self.texts.values() for word in syllables(text)}
        return [word for word in words if word.lower() not in held]

    def corpus_language(self):
        from rag.normalize import detect_language

        return detect_language(" ".join(self.texts.values()))

    def usual_spellings(self, words):
        """The commonest accented spelling of each bare word in the texts (as the real index counts)."""
        from collections import Counter

        from rag.normalize import fold_diacritics, syllables

        counts: dict[str, Counter[str]] = {}
        for text in self.texts.values():
            for word in syllables(text):
                counts.setdefault(fold_diacritics(word), Counter())[word] += 1
        found = {}
        for word in words:
            spellings = counts.get(word)
            if spellings:
                best = spellings.most_common(1)[0][0]
                if best != word:
                    found[word] = best
        return found


class FakeRetriever:
    """Returns fixed passages (best first) with the given dense scores; records queries."""

    def __init__(self, passages: Sequence[Passage], dense_scores: Sequence[float] | None = None) -> None:
        self._passages = list(passages)
        self.dense_scores = list(dense_scores or [0.9] * len(passages))
        self.queries: list[str] = []

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        self.queries.append(query)
        hits = []
        for passage, dense in zip(self._passages, self.dense_scores, strict=False):
            chunk = Chunk(
                passage.chunk_ids[0], passage.doc_id, passage.title, passage.text, passage.start, passage.end
            )
            hits.append(Hit(chunk=chunk, score=passage.score, dense_score=dense))
        return hits[: k or len(hits)]

    def passages(self, hits: Sequence[Hit], top_k: int) -> list[Passage]:
        return self._passages[:top_k]
