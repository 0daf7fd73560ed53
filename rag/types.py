"""The nouns of the pipeline and its errors.

Data flows one way: Document -> Chunk -> Hit -> Passage -> Citation -> Answer.
Every offset (``start``/``end``) is a character offset into the *normalised*
text of a document (``Document.text``), so a citation can show and highlight
the exact span it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A file from ``documents/`` after loading and normalisation."""

    doc_id: str
    path: str
    title: str
    text: str
    content_hash: str
    mtime: float = 0.0
    # Start offset (into ``text``) of each page, first page first; empty for
    # formats without pages.
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding ``offset``, or None if the format has no pages."""
        if not self.page_starts:
            return None
        page = 1
        for number, start in enumerate(self.page_starts, start=1):
            if start <= offset:
                page = number
            else:
                break
        return page


@dataclass(frozen=True)
class Chunk:
    """A span of a document's normalised text, the unit of indexing."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    ordinal: int = 0
    page: int | None = None

    @property
    def label(self) -> str:
        """Readable name for listings: title, page and position."""
        page = f", p.{self.page}" if self.page is not None else ""
        return f"{self.title}{page} #{self.ordinal}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the scores that ranked it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    sparse_score: float | None = None
    dense_rank: int | None = None
    sparse_rank: int | None = None


@dataclass(frozen=True)
class Passage:
    """Adjacent hits of one document merged into what the model is shown as ``[n]``."""

    n: int
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    chunk_ids: tuple[str, ...]
    score: float
    page: int | None = None


@dataclass(frozen=True)
class Citation:
    """A ``[n]`` in the answer, resolved to the exact supporting span of a document."""

    n: int
    doc_id: str
    title: str
    chunk_id: str
    start: int
    end: int
    quote: str
    verified: bool
    page: int | None = None
    support: float = 0.0


@dataclass
class Timings:
    """Where the time of one answer went."""

    load_ms: float = 0.0  # loading the index and models on first use (in none of the times below)
    retrieve_ms: float = 0.0  # until the first sources were shown
    translate_ms: float = 0.0  # translating a question for a search in the documents' language
    prompt_tokens: int = 0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    gen_tokens: int = 0
    gen_tokens_per_s: float = 0.0


@dataclass
class Answer:
    """The result of asking one question."""

    question: str
    answer: str
    language: str
    refused: bool
    verified: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)
    raw_answer: str = ""
    standalone_question: str = ""
    timings: Timings = field(default_factory=Timings)
    settings_fingerprint: str = ""
    # Why the answer was refused ("" when it was not), and the evidence figures the
    # refusal decisions looked at (best dense score, lexical overlap, answer relevance…).
    refusal_reason: str = ""
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentInfo:
    """What the index knows of one document, for listings (CLI, Documents tab)."""

    doc_id: str
    path: str
    title: str
    chunks: int
    content_hash: str
    mtime: float
    indexed_at: float
    status: str = "indexed"


@dataclass
class IngestReport:
    """Summary of one ingest run."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> one-line reason
    chunks: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0


# Events of ``pipeline.stream``: sources first (as soon as retrieval ends), then
# tokens as they are generated, then the finished, verified answer.


@dataclass(frozen=True)
class SourcesEvent:
    """Retrieval finished: the passages the answer will be drawn from."""

    passages: list[Passage]
    standalone_question: str = ""


@dataclass(frozen=True)
class TokenEvent:
    """A piece of generated text."""

    text: str


@dataclass(frozen=True)
class DoneEvent:
    """The final answer, with citations resolved and verified."""

    answer: Answer


StreamEvent = SourcesEvent | TokenEvent | DoneEvent


# ---------------------------------------------------------------- errors


class RagError(Exception):
    """Base of every error the library raises on purpose; its message says what to do."""


class ConfigError(RagError):
    """A setting or the settings file is invalid."""


class ModelError(RagError):
    """A model is missing, corrupt or cannot be loaded."""


class ModelMissingError(ModelError):
    """A model's package or file is not installed."""


class ChecksumError(ModelError):
    """A model file does not have the expected sha256."""


class IndexMissingError(RagError):
    """No index has been built yet."""


class IndexMismatchError(RagError):
    """The index was built with other settings or another embedding model."""


class DocumentError(RagError):
    """A document cannot be loaded (unsupported, empty, corrupt, too large, unreadable)."""


class LLMError(RagError):
    """Generation failed (model error, unreachable server, bad response)."""
