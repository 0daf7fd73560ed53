"""All settings in one place.

Precedence, lowest first: defaults < TOML file < environment variables
(prefix ``RAG_``, nested groups joined by ``__``, e.g. ``RAG_LLM__N_THREADS=4``)
< explicit values (CLI flags, keyword arguments).

The TOML file is ``rag.toml`` in the working directory, or the path in
``RAG_CONFIG``. Library code takes a ``Settings`` object and never reads the
environment itself: only this module does, through pydantic-settings.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.types import ConfigError

DEFAULT_CONFIG_FILE = "rag.toml"


def _default_model_cache() -> Path:
    return Path.home() / ".cache" / "rag-models"


class _Group(BaseModel):
    """A settings group: unknown keys are errors, so typos don't pass silently."""

    model_config = ConfigDict(extra="forbid")


class PathSettings(_Group):
    """Where documents, the index and provisioned models live."""

    documents_dir: Path = Field(Path("documents"), description="Folder of reports to index.")
    index_dir: Path = Field(Path("index"), description="Folder holding the persisted index.")
    model_cache_dir: Path = Field(
        default_factory=_default_model_cache,
        description="Folder where models assembled from packages are written.",
    )


class EmbeddingSettings(_Group):
    """The sentence-transformers embedder."""

    model: str = Field(
        "e5-small",
        description="'e5-small' (provisioned from packages), 'minilm' or a path to a "
        "sentence-transformers folder.",
    )
    query_prefix: str = Field("query: ", description="Prefix added to queries (e5 convention).")
    passage_prefix: str = Field("passage: ", description="Prefix added to passages (e5 convention).")
    batch_size: int = Field(
        16,
        ge=1,
        description="Chunks encoded per batch (texts are sorted by length first). On 2 cores, "
        "16 ran 11-22% faster than 32 side by side: less padding, and a batch stays in cache.",
    )
    max_seq_length: int = Field(256, ge=16, description="Tokens kept per chunk when embedding.")
    n_threads: int = Field(2, ge=1, description="Torch threads used for embedding.")
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Arithmetic of the embedder: 'bfloat16' is ~2x faster on CPUs with native bf16 "
        "(AMX / AVX512-BF16) and ranks like float32 (cosine >= 0.9999); 'auto' picks it only there.",
    )


class LLMSettings(_Group):
    """The answer generator: in-process llama.cpp or an OpenAI-compatible server."""

    model: str = Field(
        "qwen2.5-coder-1.5b",
        description="'qwen2.5-coder-1.5b' (default), 'smollm2-135m' (tiny, tests) or a path to a GGUF file.",
    )
    url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1)."
    )
    api_key: str = Field("not-needed", description="API key sent to the server, if it wants one.")
    server_model: str = Field("local", description="Model name sent to the OpenAI-compatible server.")
    n_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")
    n_ctx: int = Field(4096, ge=512, description="Context window in tokens.")
    n_batch: int = Field(512, ge=8, description="Prompt tokens processed per batch.")
    max_tokens: int = Field(200, ge=1, description="Most tokens generated for one answer.")
    answer_format: Literal["auto", "span", "free"] = Field(
        "auto",
        description="'span': a grammar holds the answer to phrases copied from the passages, each "
        "with its [n]; 'free': the model's own sentences, verified afterwards; 'auto': span for "
        "questions asking a number, a date or a person, free otherwise. An English question over "
        "Vietnamese passages gets a span only for a number, a date or a person, shown as its figure, "
        "date or name in English; otherwise 'free'.",
    )
    temperature: float = Field(0.0, ge=0.0, description="Sampling temperature; 0 is greedy.")
    seed: int = Field(0, description="Sampling seed.")
    timeout_s: float = Field(120.0, gt=0, description="HTTP timeout for the server backend.")


class ChunkSettings(_Group):
    """How documents are cut into chunks."""

    size: int = Field(700, ge=100, description="Target chunk size in characters.")
    overlap: int = Field(150, ge=0, description="Characters of whole sentences repeated between chunks.")


class RetrievalSettings(_Group):
    """Hybrid dense + BM25 retrieval."""

    top_k: int = Field(4, ge=1, description="Passages shown to the model and the user.")
    candidates: int = Field(
        100,
        ge=1,
        description="Hits taken from each retriever before fusion (XQuAD-vi with 5,000 distractor articles: "
        "Recall@5 .915 with 30, .923 with 100; about 30 ms more per query).",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    sentence_match_weight: float = Field(
        1.5,
        ge=0,
        description="Bonus in score fusion for the share of the question's rare words found in one "
        "sentence of a candidate chunk (XQuAD-vi with 5,000 distractor articles: Recall@5 .893 -> .915 "
        "together with phrase_match_weight).",
    )
    phrase_match_weight: float = Field(
        1.0,
        ge=0,
        description="Bonus in score fusion for the share of the question's adjacent word pairs found "
        "as pairs in a candidate chunk.",
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    sparse_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    alternate_sparse_weight: float = Field(
        0.5,
        ge=0,
        description="Share of its BM25 weight that another phrasing of the question (the model's "
        "translation of a question in another language) keeps in fusion (600 XQuAD questions in "
        "English over the Vietnamese paragraphs, Recall@1/@5: .803/.947 at 1.0, .838/.958 at 0.5; "
        ".832/.957 at 0.3, .822/.957 at 0.7).",
    )
    index_type: Literal["flat", "hnsw"] = Field(
        "flat", description="FAISS index: exact 'flat' or approximate 'hnsw' for large corpora."
    )
    min_dense_score: float = Field(
        0.86,
        description="Refuse when the best passage's cosine is below this and few of the question's "
        "words are in any passage (calibrated on XQuAD-vi-holdout with pipeline.MIN_LEXICAL_OVERLAP).",
    )
    min_cross_lingual_citation_score: float = Field(
        0.74,
        description="Refuse an answer in another language than the passages when no cited sentence's "
        "cosine to the question reaches this (0 turns it off). Calibrated for e5-small on 160 XQuAD "
        "EN->VI holdout questions (seeds 0 and 1): below .74 were 6 answers to unanswerable questions "
        "and 6 wrong answers, no right one (the lowest .758); the reports set's lowest right answer: .750.",
    )
    translate_questions: bool = Field(
        True,
        description="Search a question in another language than the documents also in the LLM's "
        "translation (EN->VI Recall@5 .935 -> .955 on XQuAD; p50 ~1.8 s per new question on 2 cores).",
    )
    translate_below_dense_score: float = Field(
        1.0,
        ge=0,
        description="Translate such a question only when the best dense cosine of its own words is "
        "below this (1, the default, translates every one). Trades answers for speed: at 0.80 about half "
        "of XQuAD's English questions skip the ~1.2 s translation and retrieval keeps Recall@5 .960 "
        "(eval/bench_translate.py, 200 questions), but the answers lose what the translation gives the "
        "reader: XQuAD EN->VI holdout, 100 questions, side by side on one machine, TTFT p50 "
        "5.0 -> 4.2 s, correct .605 -> .531.",
    )
    glossary_file: Path | None = Field(
        None,
        description="Extra English->Vietnamese terms (lines 'English phrase<TAB>Vietnamese words') added "
        "to a question's translation, over the built-in rag/glossary_en_vi.tsv of local-government terms.",
    )


# Photographed or scanned pages, read by OCR like the pages of a scanned PDF.
IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


class IngestSettings(_Group):
    """Which files are accepted."""

    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped.")
    extensions: tuple[str, ...] = Field(
        (".txt", ".md", ".html", ".htm", ".pdf", ".docx", *IMAGE_EXTENSIONS),
        description="File types ingested (pictures are read by OCR).",
    )
    ocr_languages: str = Field(
        "vie+eng",
        description="Tesseract languages for pictures and for PDF pages that are only pictures (scans), "
        "used when the `tesseract` program is installed (Debian: tesseract-ocr tesseract-ocr-vie); '' turns "
        "OCR off.",
    )


class UISettings(_Group):
    """The Gradio chat app."""

    host: str = Field("127.0.0.1", description="Address to listen on; anything else needs auth.")
    port: int = Field(7860, ge=1, le=65535, description="Port to listen on.")
    auth_file: Path | None = Field(
        None, description="File of 'user:password' lines; required when host is not loopback."
    )
    concurrency: int = Field(1, ge=1, description="Answers generated at the same time.")
    language: Literal["vi", "en"] = Field("vi", description="Interface language.")


class Settings(BaseSettings):
    """Every setting of the assistant."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=DEFAULT_CONFIG_FILE,
    )

    paths: PathSettings = Field(default_factory=PathSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    ui: UISettings = Field(default_factory=UISettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order the sources: explicit values > environment > TOML file (> defaults)."""
        toml_path = Path(os.environ.get("RAG_CONFIG", DEFAULT_CONFIG_FILE))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml)

    def fingerprint(self) -> str:
        """Hash of every setting that shapes the index; a change means re-ingesting."""
        from rag.normalize import NORMALIZER_VERSION

        shaping = {
            "normalizer": NORMALIZER_VERSION,
            "embedding_model": self.embedding.model,
            "passage_prefix": self.embedding.passage_prefix,
            "max_seq_length": self.embedding.max_seq_length,
            "embedding_precision": self.embedding.precision,
            "chunk_size": self.chunking.size,
            "chunk_overlap": self.chunking.overlap,
            "index_type": self.retrieval.index_type,
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:16]


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def get_settings(settings: Settings | dict[str, Any] | None = None, **overrides: Any) -> Settings:
    """Build the effective settings.

    Args:
        settings: an existing Settings (returned as is, with ``overrides`` applied),
            a nested dict of explicit values, or None for defaults + file + environment.
        **overrides: nested dicts of explicit values, e.g. ``llm={"n_threads": 4}``;
            these win over everything else.

    Raises:
        ConfigError: a value is invalid; the message names the field.
    """
    try:
        if isinstance(settings, Settings):
            if not overrides:
                return settings
            data = _deep_merge(settings.model_dump(), overrides)
            return Settings.model_validate(data)
        explicit = _deep_merge(settings or {}, overrides)
        return Settings(**explicit)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise ConfigError(f"invalid settings: {problems}") from err
