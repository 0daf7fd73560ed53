"""The QA benchmark: retrieval baselines, assistant answers and an oracle reader, side by side.

``run_eval`` builds a separate index for the dataset's documents (never the user's ``index/``), then

1. ranks chunks with BM25 only, dense only and the hybrid search (Recall@1/5/10, MRR@10, nDCG@10);
2. unless ``retrieval_only``, asks the assistant every question (EM, F1, key facts, citations,
   refusals, latency) and lets the same reader answer from the gold passage (the oracle: what perfect
   retrieval would give, so retrieval loss is visible);
3. writes report.md, results.json, questions.jsonl and plots under ``eval/results/<timestamp>/``.

The runner reaches the assistant through ``AssistantBackend`` only: the pipeline's public
contract (``ask``, ``search``, ``documents``, ``document_text``, ``ingest``), its ``index`` for
the single-retriever baselines (``sparse_search``, ``dense_search``, ``chunks_of``) and its
``retriever=`` parameter for the oracle. It imports nothing of ``rag`` beyond ``pipeline``,
``settings`` and ``types`` (and ``normalize`` to find gold quotes in normalised text; ``eval.replay``
wraps the model, ``rag.llm``, to record its calls or say them again).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eval import metrics
from eval.datasets import (
    EVAL_DIR,
    Dataset,
    EvalItem,
    load_reports,
    load_wiki,
    read_qa_records,
    sample_items,
    with_distractors,
)
from eval.replay import RecordingLLM, ReplayLLM, model_tokenizer, recorded_calls
from eval.spans import locate_quote, normalize_document_text
from eval.squad import squad_dataset, xquad_dataset
from rag.settings import Settings, get_settings
from rag.types import Answer, Chunk, ConfigError, Hit, IndexMismatchError, Passage

logger = logging.getLogger(__name__)

RETRIEVERS = ("bm25", "dense", "hybrid")
RECALL_KS = (1, 5, 10)
RANK_DEPTH = 10  # chunks retrieved per baseline; also the depth of the recall@k curves
# Depth of the answer-holding measure: a distractor article on the paragraph's own subject may say
# the answer too, which gold-span recall counts as a miss.
ANSWER_K = 5
DEFAULT_RESULTS_DIR = EVAL_DIR / "results"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "rag-eval"
ORACLE_PASSAGE_CHARS = 2000
QUERY_BATCH = 64
PARTIAL_FILE = "questions.partial.jsonl"  # answered questions so far, while a run is going
SYSTEMS = ("assistant", "oracle")

AssistantFactory = Callable[[Settings], Any]
Ranked = list[tuple[Chunk, float]]
Retriever = Callable[[str, int], Ranked]
History = list[tuple[str, str]]


# ---------------------------------------------------------------- result


@dataclass
class EvalResult:
    """Everything one benchmark run measured; ``records`` holds one dict per question."""

    dataset: str
    description: str
    started_at: str
    seconds: float
    seed: int
    limit: int | None
    retrieval_only: bool
    n_questions: int
    n_answerable: int
    n_unanswerable: int
    retrieval: dict[str, dict[str, float | None]]
    recall_curves: dict[str, list[float]]
    answers: dict[str, dict[str, float | None]]
    error_sources: dict[str, int]
    dense_threshold: dict[str, float | None]
    records: list[dict[str, Any]]
    settings_fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
    out_dir: Path | None = None

    def summary(self) -> dict[str, Any]:
        """The result without per-question records, as written to results.json."""
        return {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in self.__dict__.items()
            if key != "records"
        }


# ---------------------------------------------------------------- datasets and indexes


def load_dataset(dataset: str | Dataset, seed: int = 0) -> Dataset:
    """The named dataset, a SQuAD json path, or a QA .jsonl path written like the reports set.

    Raises:
        ConfigError: an unknown name or a missing file.
    """
    if isinstance(dataset, Dataset):
        return dataset
    if dataset == "reports":
        return load_reports()
    if dataset == "wiki":
        try:
            return load_wiki()
        except (ValueError, OSError) as err:
            raise ConfigError(str(err)) from err
    if dataset.startswith("xquad-"):
        try:
            return xquad_dataset(dataset, seed=seed)
        except (ValueError, OSError) as err:
            raise ConfigError(str(err)) from err
    path = Path(dataset)
    if not path.is_file():
        raise ConfigError(
            f"unknown dataset {dataset!r}: use reports, wiki, xquad-vi, xquad-en-vi (optionally -holdout) "
            "or the path of a SQuAD json / QA jsonl file"
        )
    try:
        if path.suffix == ".jsonl" or isinstance(read_qa_records(path)[0].get("answerable"), bool):
            dataset_obj = load_reports(path, root=Path.cwd())
            dataset_obj.name = path.stem
            return dataset_obj
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        pass  # not a QA list: try SQuAD
    try:
        return squad_dataset(path.stem, path)
    except ValueError as err:
        raise ConfigError(str(err)) from err


def pool_key(documents: dict[str, str], settings: Settings) -> str:
    """Names the eval index of a document pool: changes with the documents or the index settings."""
    digest = hashlib.sha256()
    for name in sorted(documents):
        digest.update(name.encode() + b"\0" + documents[name].encode() + b"\0")
    try:
        digest.update(settings.fingerprint().encode())
    except ImportError:  # pragma: no cover - before rag.normalize exists
        pass
    return digest.hexdigest()[:16]


def write_documents(documents: dict[str, str], folder: Path) -> None:
    """Make ``folder`` hold exactly ``documents``; unchanged files are not rewritten (mtimes stay)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in documents:
            stale.unlink()
    for name, text in documents.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def eval_settings(base: Settings, dataset: Dataset, cache_dir: Path) -> Settings:
    """Settings whose documents and index folders are the dataset's own, under ``cache_dir``."""
    root = cache_dir / f"pool-{pool_key(dataset.documents, base)}"
    write_documents(dataset.documents, root / "docs")
    return get_settings(base, paths={"documents_dir": str(root / "docs"), "index_dir": str(root / "index")})


# ---------------------------------------------------------------- the assistant, as the runner sees it


class AssistantBackend:
    """The few things the runner needs from an ``rag.pipeline.Assistant`` (or a fake with its shape)."""

    def __init__(self, assistant: Any) -> None:
        """Wrap an assistant built on the eval settings."""
        self.assistant = assistant
        self._given = GivenPassages()
        self._oracle: Any | None = None

    def ingest(self) -> None:
        """Bring the eval index up to date with its documents folder (rebuilding after a mismatch)."""
        try:
            self.assistant.ingest()
        except IndexMismatchError:
            self.assistant.ingest(rebuild=True)

    def documents(self) -> tuple[dict[str, str], dict[str, str]]:
        """The indexed documents: doc_id -> normalised text, and file path or name -> doc_id."""
        texts: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for info in self.assistant.documents():
            texts[info.doc_id] = self.assistant.document_text(info.doc_id)
            # ids may be opaque hashes; the dataset names documents by file, so map both spellings
            for alias in (info.doc_id, info.path, Path(info.path).name):
                aliases.setdefault(alias, info.doc_id)
        return texts, aliases

    def retrievers(self) -> dict[str, Retriever]:
        """The three baselines; a retriever the assistant cannot offer is left out."""
        found: dict[str, Retriever] = {}
        index = getattr(self.assistant, "index", None)
        if index is not None and hasattr(index, "sparse_search"):
            found["bm25"] = index.sparse_search
        if index is not None and hasattr(index, "dense_search"):
            found["dense"] = index.dense_search
        if hasattr(self.assistant, "search"):

            def hybrid(query: str, n: int) -> Ranked:
                return [(hit.chunk, hit.score) for hit in self.assistant.search(query, k=n)]

            found["hybrid"] = hybrid
        return found

    def warm_queries(self, queries: Sequence[str], progress: bool = False) -> bool:
        """Embed the questions in batches up front, when the assistant has a ``CachedQueryEmbedder``."""
        embedder = getattr(self.assistant, "embedder", None)
        if isinstance(embedder, CachedQueryEmbedder):
            # the index embeds the normalised query; cache under the same text
            texts = [normalize_document_text(q) for q in queries]
            if not progress:
                embedder.warm(texts)
                return True
            from tqdm import tqdm

            with tqdm(total=len(set(texts)), desc="query embeddings", unit="q", leave=False) as bar:
                embedder.warm(texts, on_batch=bar.update)
            return True
        return False

    def ask(self, turns: Sequence[str]) -> tuple[Answer, History]:
        """Ask the last turn with the earlier turns (and the assistant's own replies) as history.

        Returns:
            The answer to the last turn and the history it was asked with.
        """
        history: list[tuple[str, str]] = []
        for turn in turns[:-1]:
            history.append((turn, self.assistant.ask(turn, history=list(history)).answer))
        return self.assistant.ask(turns[-1], history=history), history

    def can_read(self) -> bool:
        """Whether the assistant's reader can answer from given passages (needed by the oracle)."""
        if callable(getattr(self.assistant, "answer_from_passages", None)):
            return True
        return self._oracle_assistant() is not None

    def _oracle_assistant(self) -> Any | None:
        # The pipeline takes a ``retriever``: the same assistant class over the same index, embedder
        # and LLM, but fed the gold passages, is the reader with perfect retrieval.
        if self._oracle is None:
            try:
                self._oracle = type(self.assistant)(
                    self.assistant.settings,
                    index=self.assistant.index,
                    embedder=self.assistant.embedder,
                    llm=self.assistant.llm,
                    retriever=self._given,
                )
            except (TypeError, AttributeError):
                logger.info("the assistant takes no retriever: no oracle", exc_info=True)
                return None
        return self._oracle

    def read(self, question: str, history: History, passages: list[Passage]) -> Answer:
        """Answer ``question`` (after ``history``) from exactly ``passages`` with the assistant's reader."""
        reader = getattr(self.assistant, "answer_from_passages", None)
        if callable(reader):
            return reader(question, passages, history=history)
        self._given.given = list(passages)
        oracle = self._oracle_assistant()
        if oracle is None:
            raise RuntimeError("the assistant cannot answer from given passages")
        return oracle.ask(question, history=history)

    def gold_chunks(self, doc_id: str) -> list[Chunk] | None:
        """The indexed chunks of a document, in order, when the index exposes them."""
        index = getattr(self.assistant, "index", None)
        chunks_of = getattr(index, "chunks_of", None)
        return list(chunks_of(doc_id)) if callable(chunks_of) else None


class GivenPassages:
    """A retriever in the shape of ``rag.pipeline.Retriever`` that returns the passages it is given.

    Its hits carry a dense score of 1.0 so the pipeline's weak-evidence refusal, a retrieval-side
    decision, never blocks the oracle; its other checks (numbers, support) still apply.
    """

    def __init__(self) -> None:
        """Start with no passages."""
        self.given: list[Passage] = []

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        """One hit per given passage."""
        return [
            Hit(
                Chunk(
                    p.chunk_ids[0] if p.chunk_ids else f"gold-{p.n}",
                    p.doc_id,
                    p.title,
                    p.text,
                    p.start,
                    p.end,
                ),
                score=1.0,
                dense_score=1.0,
            )
            for p in self.given
        ]

    def passages(self, hits: Sequence[Hit], top_k: int) -> list[Passage]:
        """The given passages, whatever the hits."""
        return list(self.given)


class CachedQueryEmbedder:
    """An ``Embedder`` that remembers query vectors and can compute many of them in one batch.

    The dense baseline, the hybrid baseline and the assistant embed the same question; on two busy
    cores one query costs up to a second, and a batch costs a third of that per query.
    """

    def __init__(self, inner: Any, batch_queries: Callable[[list[str]], Any] | None = None) -> None:
        """Wrap ``inner`` (any ``Embedder``).

        Args:
            inner: the embedder used for passages and uncached queries.
            batch_queries: embeds a list of query texts at once (with the query prefix); without it
                ``warm`` embeds one query at a time.
        """
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.batch_queries = batch_queries
        self._queries: dict[str, Any] = {}

    def embed_documents(self, texts: list[str]) -> Any:
        """Passage vectors, from the wrapped embedder."""
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Any:
        """The query's vector, computed once per distinct text."""
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]

    def warm(
        self,
        texts: Sequence[str],
        batch_size: int = QUERY_BATCH,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """Embed the not yet cached ``texts`` ahead of time, in batches.

        Args:
            texts: query texts, exactly as they will be passed to ``embed_query``.
            batch_size: queries per batch.
            on_batch: called with the number of queries embedded after each batch (progress).
        """
        missing = list(dict.fromkeys(t for t in texts if t not in self._queries))
        size = batch_size if self.batch_queries is not None else 1
        for first in range(0, len(missing), size):
            batch = missing[first : first + size]
            if self.batch_queries is None:
                self.embed_query(batch[0])
            else:
                for text, vector in zip(batch, self.batch_queries(batch), strict=True):
                    self._queries[text] = vector
            if on_batch is not None:
                on_batch(len(batch))


def default_assistant_factory(settings: Settings, llm: Any | None = None) -> Any:
    """The real assistant over the eval index, with query vectors memoised and batched.

    ``llm``: the generator (a recording or a replay of the model); the settings' model by default.
    """
    from rag.pipeline import Assistant

    def batch_queries(texts: list[str]) -> Any:
        # An embedder whose passage prefix is the query prefix embeds queries in batches through the
        # public ``embed_documents``: the same vectors as ``embed_query``, at a third of the cost.
        twin = get_settings(settings, embedding={"passage_prefix": settings.embedding.query_prefix})
        return Assistant(twin).embedder.embed_documents(texts)

    embedder = CachedQueryEmbedder(Assistant(settings).embedder, batch_queries)
    return Assistant(settings, embedder=embedder, llm=llm)


# ---------------------------------------------------------------- gold evidence


@dataclass(frozen=True)
class GoldSpan:
    """A gold evidence span resolved in the eval index."""

    doc_id: str
    start: int
    end: int

    @property
    def span(self) -> metrics.Span:
        """As a ``(doc_id, start, end)`` tuple."""
        return (self.doc_id, self.start, self.end)


def resolve_gold(
    item: EvalItem, texts: dict[str, str], aliases: dict[str, str] | None = None
) -> list[GoldSpan]:
    """The item's gold evidence as spans of the indexed texts.

    Args:
        item: the question.
        texts: doc_id -> normalised text of the eval index.
        aliases: document file name (or path) -> doc_id; doc ids are used as names without it.

    Raises:
        ValueError: a quoted document is not indexed or a quote is not in it (the QA set is stale).
    """
    spans = []
    for evidence in item.evidence:
        doc_id = (aliases or {}).get(evidence.document, evidence.document)
        if doc_id not in texts:
            raise ValueError(f"{item.id}: document {evidence.document} is not in the eval index")
        if evidence.whole_document:
            spans.append(GoldSpan(doc_id, 0, len(texts[doc_id])))
            continue
        found = locate_quote(evidence.quote, texts[doc_id])
        if found is None:
            raise ValueError(f"{item.id}: quote not found in {doc_id}: {evidence.quote[:80]!r}")
        spans.append(GoldSpan(doc_id, *found))
    return spans


def _paragraph_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The blank-line-delimited paragraph(s) holding ``[start, end)``, capped around the span."""
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    if para_end - para_start > ORACLE_PASSAGE_CHARS:
        slack = max(0, (ORACLE_PASSAGE_CHARS - (end - start)) // 2)
        para_start, para_end = max(para_start, start - slack), min(para_end, end + slack)
    return para_start, para_end


def _gold_range(
    span: GoldSpan, text: str, chunks: Sequence[Chunk] | None
) -> tuple[int, int, tuple[str, ...]]:
    """The range a perfect retriever would show for one gold span, and the chunks it is made of."""
    if chunks:
        touching = [c for c in chunks if c.start < span.end and span.start < c.end]
        if touching:
            return (
                min(c.start for c in touching),
                max(c.end for c in touching),
                tuple(c.chunk_id for c in touching),
            )
    start, end = _paragraph_around(text, span.start, span.end)
    return start, end, ()


def _document_title(doc_id: str, chunks: Sequence[Chunk] | None) -> str:
    return chunks[0].title if chunks else Path(doc_id).stem


def gold_passages(
    gold: Sequence[GoldSpan],
    texts: dict[str, str],
    chunks_of: Callable[[str], Sequence[Chunk] | None] | None = None,
) -> list[Passage]:
    """The passages a perfect retriever would show: the indexed chunks holding each gold span.

    Without access to chunks, each span is widened to its paragraph. Overlapping ranges of one
    document are merged, as the pipeline merges adjacent hits.
    """
    ranges: list[tuple[str, int, int, tuple[str, ...]]] = []
    titles: dict[str, str] = {}
    for span in gold:
        chunks = chunks_of(span.doc_id) if chunks_of else None
        titles[span.doc_id] = _document_title(span.doc_id, chunks)
        start, end, chunk_ids = _gold_range(span, texts[span.doc_id], chunks)
        for i, (doc_id, other_start, other_end, other_ids) in enumerate(ranges):
            if doc_id == span.doc_id and start <= other_end and other_start <= end:
                merged_ids = tuple(dict.fromkeys(other_ids + chunk_ids))
                ranges[i] = (doc_id, min(start, other_start), max(end, other_end), merged_ids)
                break
        else:
            ranges.append((span.doc_id, start, end, chunk_ids))
    return [
        Passage(
            n=n,
            doc_id=doc_id,
            title=titles[doc_id],
            text=texts[doc_id][start:end],
            start=start,
            end=end,
            chunk_ids=chunk_ids,
            score=1.0,
        )
        for n, (doc_id, start, end, chunk_ids) in enumerate(ranges, start=1)
    ]


# ---------------------------------------------------------------- scoring one question


def _ranked_json(ranked: Ranked) -> list[dict[str, Any]]:
    return [
        {"doc_id": c.doc_id, "chunk_id": c.chunk_id, "start": c.start, "end": c.end, "score": round(s, 4)}
        for c, s in ranked
    ]


def score_retrieval(
    ranked: Ranked, gold: Sequence[GoldSpan], seconds: float, answers: Sequence[str] = ()
) -> dict[str, Any]:
    """Retrieval metrics of one ranking against the gold spans (and, given ``answers``, against them)."""
    retrieved = [(c.doc_id, c.start, c.end) for c, _ in ranked]
    gold_spans = [g.span for g in gold]
    scores: dict[str, Any] = {f"recall@{k}": metrics.recall_at_k(retrieved, gold_spans, k) for k in RECALL_KS}
    scores["mrr@10"] = metrics.mrr_at_k(retrieved, gold_spans, 10)
    scores["ndcg@10"] = metrics.ndcg_at_k(retrieved, gold_spans, 10)
    scores["curve"] = [metrics.recall_at_k(retrieved, gold_spans, k) for k in range(1, RANK_DEPTH + 1)]
    scores["first_hit"] = metrics.first_hit_rank(retrieved, gold_spans)
    if answers:
        top = ranked[:ANSWER_K]
        scores[f"answer@{ANSWER_K}"] = float(any(metrics.holds_answer(c.text, answers) for c, _ in top))
    scores["ms"] = round(seconds * 1000, 2)
    scores["ranked"] = _ranked_json(ranked)
    return scores


def is_correct(item: EvalItem, answer_text: str) -> bool:
    """An answer counts as correct when it holds every key fact (or, without key facts, F1 >= 0.5)."""
    if item.key_facts:
        return metrics.key_fact_recall(answer_text, item.key_facts) == 1.0
    return metrics.token_f1(answer_text, item.answers) >= 0.5


def error_category(item: EvalItem, answer: Answer, gold_shown: bool | None) -> str:
    """Where an answer went wrong: retrieval, reader, refusal, or nowhere."""
    if not item.answerable:
        return "correct refusal" if answer.refused else "answered unanswerable"
    if not answer.refused and is_correct(item, answer.answer):
        return "correct"
    if gold_shown is False:
        return "retrieval miss"
    return "false refusal" if answer.refused else "reader error"


def score_answer(item: EvalItem, answer: Answer, gold: Sequence[GoldSpan], seconds: float) -> dict[str, Any]:
    """Answer metrics of one question (text, key facts, citations, refusal, timings)."""
    gold_spans = [g.span for g in gold]
    shown = [(p.doc_id, p.start, p.end) for p in answer.passages]
    gold_shown = any(metrics.covered_gold(span, gold_spans) for span in shown) if item.answerable else None
    cited = [(c.doc_id, c.start, c.end) for c in answer.citations]
    citation = metrics.citation_scores(cited, gold_spans) if not answer.refused else None
    # a refusal sentence earns no token overlap; markers like [1] are not part of the answer
    text = "" if answer.refused else metrics.strip_citation_markers(answer.answer)
    record: dict[str, Any] = {
        "answer": answer.answer,
        "refused": answer.refused,
        "verified": answer.verified,
        "standalone_question": answer.standalone_question,
        "citations": [
            {
                "n": c.n,
                "doc_id": c.doc_id,
                "start": c.start,
                "end": c.end,
                "quote": c.quote,
                "verified": c.verified,
            }
            for c in answer.citations
        ],
        "passages": [
            {"n": p.n, "doc_id": p.doc_id, "start": p.start, "end": p.end, "score": round(p.score, 4)}
            for p in answer.passages
        ],
        "gold_shown": gold_shown,
        "raw_answer": answer.raw_answer,
        "refusal_reason": answer.refusal_reason,
        "evidence": dict(answer.evidence),
        "timings": dict(answer.timings.__dict__),
        "wall_ms": round(seconds * 1000, 1),
    }
    if item.answerable:
        record["em"] = metrics.exact_match(text, item.answers)
        record["f1"] = metrics.token_f1(text, item.answers)
        record["key_facts"] = metrics.key_fact_recall(text, item.key_facts) if text else 0.0
        record["citation_precision"] = citation.precision if citation else None
        record["citation_recall"] = citation.recall if citation else 0.0
    record["error"] = error_category(item, answer, gold_shown)
    return record


# ---------------------------------------------------------------- aggregation


def aggregate_retrieval(records: Sequence[dict[str, Any]], method: str) -> dict[str, float | None]:
    """Mean retrieval metrics of one method over the answerable questions."""
    scored = [r["retrieval"][method] for r in records if method in r.get("retrieval", {})]
    summary: dict[str, float | None] = {
        name: metrics.mean(s[name] for s in scored) for name in [f"recall@{k}" for k in RECALL_KS]
    }
    summary["mrr@10"] = metrics.mean(s["mrr@10"] for s in scored)
    summary["ndcg@10"] = metrics.mean(s["ndcg@10"] for s in scored)
    summary[f"answer@{ANSWER_K}"] = metrics.mean(s.get(f"answer@{ANSWER_K}") for s in scored)
    summary["ms_p50"] = metrics.percentile([s["ms"] for s in scored], 50)
    summary["n"] = len(scored)
    return summary


def recall_curve(records: Sequence[dict[str, Any]], method: str) -> list[float]:
    """Mean recall@k for k = 1..RANK_DEPTH of one method."""
    curves = [r["retrieval"][method]["curve"] for r in records if method in r.get("retrieval", {})]
    if not curves:
        return []
    return [sum(c[k] for c in curves) / len(curves) for k in range(RANK_DEPTH)]


def aggregate_answers(records: Sequence[dict[str, Any]], system: str) -> dict[str, float | None]:
    """Mean answer metrics of one system (assistant or oracle) over the questions it answered."""
    answered = [(r, r[system]) for r in records if r.get(system)]
    answerable = [s for r, s in answered if r["answerable"]]
    should_refuse = [not r["answerable"] for r, _ in answered]
    refusal = metrics.refusal_scores(should_refuse, [s["refused"] for _, s in answered])
    if not any(should_refuse):
        # without unanswerable questions (the oracle) a refusal precision of 0 would say nothing
        refusal = metrics.PrecisionRecall(None, None)
    timings = [s["timings"] for _, s in answered]
    # refusals decided before generation have no first token; they would drag TTFT to zero
    generated = [t for t in timings if t["gen_tokens"] > 0]
    return {
        "n": len(answered),
        "em": metrics.mean(s["em"] for s in answerable),
        "f1": metrics.mean(s["f1"] for s in answerable),
        "key_facts": metrics.mean(s["key_facts"] for s in answerable),
        "correct": metrics.mean(float(s["error"] == "correct") for s in answerable),
        "citation_precision": metrics.mean(s["citation_precision"] for s in answerable),
        "citation_recall": metrics.mean(s["citation_recall"] for s in answerable),
        "refusal_precision": refusal.precision,
        "refusal_recall": refusal.recall,
        "false_refusal_rate": metrics.mean(float(s["refused"]) for s in answerable),
        "sources_p50": metrics.percentile([t["retrieve_ms"] for t in timings], 50),
        "sources_p95": metrics.percentile([t["retrieve_ms"] for t in timings], 95),
        # English questions over Vietnamese documents wait for their translation before the search
        "translate_p50": metrics.percentile(
            [t["translate_ms"] for t in timings if t.get("translate_ms")], 50
        ),
        "ttft_p50": metrics.percentile([t["ttft_ms"] for t in generated], 50),
        "ttft_p95": metrics.percentile([t["ttft_ms"] for t in generated], 95),
        "total_p50": metrics.percentile([t["total_ms"] for t in timings], 50),
        "total_p95": metrics.percentile([t["total_ms"] for t in timings], 95),
        "tokens_per_s": metrics.tokens_per_second(
            [t["gen_tokens"] for t in timings], [t["gen_tokens_per_s"] for t in timings]
        ),
    }


def count_errors(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many assistant answers fall in each error category, plus retrieval loss against the oracle."""
    counts: dict[str, int] = {}
    for record in records:
        if record.get("assistant"):
            category = record["assistant"]["error"]
            counts[category] = counts.get(category, 0) + 1
    with_oracle = [r for r in records if r.get("assistant") and r.get("oracle")]
    if with_oracle:
        counts["oracle right, assistant wrong"] = sum(
            r["oracle"]["error"] == "correct" and r["assistant"]["error"] != "correct" for r in with_oracle
        )
    return counts


def dense_threshold_summary(records: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Top dense scores of answerable vs unanswerable questions and the threshold separating them best."""
    answerable = [
        r["dense_top_score"] for r in records if r["answerable"] and r.get("dense_top_score") is not None
    ]
    unanswerable = [
        r["dense_top_score"] for r in records if not r["answerable"] and r.get("dense_top_score") is not None
    ]
    threshold = metrics.best_refusal_threshold(answerable, unanswerable)
    return {
        "answerable_p50": metrics.percentile(answerable, 50),
        "answerable_p05": metrics.percentile(answerable, 5),
        "unanswerable_p50": metrics.percentile(unanswerable, 50),
        "unanswerable_p95": metrics.percentile(unanswerable, 95),
        "suggested_min_dense_score": threshold,
        # what that threshold alone would do: share of unanswerable refused, of answerable kept
        "unanswerable_refused": (
            metrics.mean(float(x < threshold) for x in unanswerable) if threshold is not None else None
        ),
        "answerable_kept": metrics.mean(float(x >= threshold) for x in answerable)
        if threshold is not None
        else None,
    }


# ---------------------------------------------------------------- the run


def _progress(iterable: Iterable[Any], enabled: bool, description: str, total: int) -> Iterable[Any]:
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=description, total=total, unit="q", leave=False)


def _base_record(dataset: Dataset, item: EvalItem, gold: Sequence[GoldSpan]) -> dict[str, Any]:
    return {
        "id": item.id,
        "dataset": dataset.name,
        "language": item.language,
        "kind": item.kind,
        "turns": list(item.turns),
        "question": item.question,
        "answerable": item.answerable,
        "answers": list(item.answers),
        "key_facts": [f if isinstance(f, str) else list(f) for f in item.key_facts],
        "gold": [g.__dict__ for g in gold],
        "retrieval": {},
    }


def _run_retrieval(
    items: Sequence[EvalItem],
    records: list[dict[str, Any]],
    golds: Sequence[list[GoldSpan]],
    retrievers: dict[str, Retriever],
    progress: bool,
    tape: RecordingLLM | ReplayLLM | None = None,
) -> None:
    for item, record, gold in _progress(
        zip(items, records, golds, strict=True), progress, "retrieval", len(items)
    ):
        _begin(tape, item, "retrieval")
        for method, retrieve in retrievers.items():
            started = time.perf_counter()
            ranked = retrieve(item.retrieval_query, RANK_DEPTH)
            seconds = time.perf_counter() - started
            if method == "dense":
                record["dense_top_score"] = ranked[0][1] if ranked else None
            if item.answerable:
                record["retrieval"][method] = score_retrieval(ranked, gold, seconds, item.answers)
        _file_calls(tape, record, "retrieval")


def _begin(tape: RecordingLLM | ReplayLLM | None, item: EvalItem, phase: str) -> None:
    """Before ``item`` is asked in ``phase``: a replay serves what the model said to it then."""
    if isinstance(tape, ReplayLLM):
        tape.begin(item.id, phase)


def _file_calls(tape: RecordingLLM | ReplayLLM | None, record: dict[str, Any], phase: str) -> None:
    """After a question's ``phase``: the model calls recorded meanwhile go to its record."""
    if isinstance(tape, RecordingLLM):
        record.setdefault("llm_calls", {})[phase] = tape.take()


def _run_answers(
    backend: AssistantBackend,
    items: Sequence[EvalItem],
    records: list[dict[str, Any]],
    golds: Sequence[list[GoldSpan]],
    texts: dict[str, str],
    progress: bool,
    partial: Path | None = None,
    oracle: bool = True,
    tape: RecordingLLM | ReplayLLM | None = None,
) -> None:
    oracle = oracle and backend.can_read()
    for item, record, gold in _progress(
        zip(items, records, golds, strict=True), progress, "answers", len(items)
    ):
        _begin(tape, item, "answers")
        started = time.perf_counter()
        answer, history = backend.ask(item.turns)
        record["assistant"] = score_answer(item, answer, gold, time.perf_counter() - started)
        if oracle and item.answerable:
            passages = gold_passages(gold, texts, backend.gold_chunks)
            started = time.perf_counter()
            read = backend.read(item.question, history, passages)
            record["oracle"] = score_answer(item, read, gold, time.perf_counter() - started)
            record["oracle"]["passages_given"] = [p.text for p in passages]
        _file_calls(tape, record, "answers")
        if partial is not None:
            # an LLM run takes long on a busy machine: keep what is done if it is stopped
            partial.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def run_eval(
    dataset: str | Dataset = "reports",
    *,
    limit: int | None = None,
    seed: int = 0,
    retrieval_only: bool = False,
    oracle: bool = True,
    settings: Settings | None = None,
    out_dir: str | Path | None = None,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    assistant_factory: AssistantFactory | None = None,
    distractors: int = 0,
    replay: str | Path | None = None,
) -> EvalResult:
    """Run the QA benchmark and write its report.

    Args:
        dataset: "reports", "xquad-vi", "xquad-en-vi" (either with "-holdout": a fifth of the paragraphs
            left out of the pool, their questions unanswerable), the path of a SQuAD json or QA jsonl,
            or a ``Dataset``.
        limit: ask at most this many questions, a sample drawn with ``seed`` (kept in dataset order).
        seed: sampling seed for ``limit`` and the held-out paragraphs.
        retrieval_only: measure the retrieval baselines only (no LLM).
        oracle: also answer each answerable question from its gold passage (the reader's ceiling).
        settings: base settings (models, chunking, retrieval); their paths are replaced by the eval
            index's own, so the user's index is never touched. Defaults to ``get_settings()``.
        out_dir: folder for the report files; ``eval/results/<timestamp>-<dataset>/`` by default.
        progress: show tqdm progress bars (on stderr).
        cache_dir: where eval documents and indexes are kept between runs (``~/.cache/rag-eval``).
        assistant_factory: builds the assistant from the eval settings (tests pass fakes);
            ``rag.pipeline.Assistant`` by default.
        distractors: add this many Vietnamese Wikipedia articles (``../shared/data/viwiki``) to the
            pool, to measure retrieval among thousands of unrelated documents.
        replay: a results folder of an earlier run of the same questions: the model is not loaded,
            and each call gets what the model said in that run (``eval.replay``; timings are then
            not measured ones). Without it, every model call is recorded in questions.jsonl.
            Used with the default assistant factory, or one taking an ``llm`` argument.

    Returns:
        The measured result, with ``out_dir`` set to the folder written.

    Raises:
        ConfigError: unknown dataset, or a ``replay`` folder without recorded model calls.
        RagError: the index or the models failed (from the pipeline).
        ReplayError: the replay asked the model something the recorded run did not.
    """
    from eval.report import write_outputs

    started = time.perf_counter()
    started_at = datetime.now().strftime("%Y%m%d-%H%M%S")
    data = load_dataset(dataset, seed)
    if distractors:
        try:
            data = with_distractors(data, distractors)
        except FileNotFoundError as err:
            raise ConfigError(str(err)) from err
    folder = Path(out_dir) if out_dir else DEFAULT_RESULTS_DIR / f"{started_at}-{_safe(data.name)}"
    items = sample_items(data.items, limit, seed)
    base = settings if settings is not None else get_settings()
    run_settings = eval_settings(base, data, Path(cache_dir) if cache_dir else DEFAULT_CACHE_DIR)

    factory = assistant_factory or default_assistant_factory
    # A factory without an ``llm`` parameter brings its own model: nothing to record or replay.
    takes_llm = "llm" in inspect.signature(factory).parameters
    if replay and not takes_llm:
        raise ConfigError("--replay needs the default assistant (or a factory taking llm=)")
    tape = _model_tape(run_settings, replay, retrieval_only) if takes_llm else None
    backend = AssistantBackend(factory(run_settings, llm=tape) if tape is not None else factory(run_settings))
    backend.ingest()
    texts, aliases = backend.documents()
    golds = [resolve_gold(item, texts, aliases) for item in items]
    records = [_base_record(data, item, gold) for item, gold in zip(items, golds, strict=True)]
    notes = list(data.notes)

    retrievers = backend.retrievers()
    if "dense" in retrievers or "hybrid" in retrievers:
        warm_started = time.perf_counter()
        if backend.warm_queries([item.retrieval_query for item in items], progress):
            seconds = time.perf_counter() - warm_started
            notes.append(
                f"query embeddings computed up front in batches: {len(items)} in {seconds:.1f} s "
                f"({1000 * seconds / max(1, len(items)):.0f} ms/query); the retrieval ms columns exclude them"
            )
    missing = [m for m in RETRIEVERS if m not in retrievers]
    if missing:
        notes.append(f"retrievers not offered by the assistant, left out: {', '.join(missing)}")
    if isinstance(tape, RecordingLLM) and retrievers:
        _ = tape.inner  # loaded before the first question, as the assistant itself would
    from rag.translate import clear_translation_cache

    clear_translation_cache()  # each run translates its questions itself (and a replay serves them)
    _run_retrieval(items, records, golds, retrievers, progress, tape)
    if not retrieval_only:
        if not oracle:
            notes.append("oracle skipped (--no-oracle)")
        elif not backend.can_read():
            notes.append("oracle skipped: the assistant takes no retriever= (nor has answer_from_passages)")
        # The retrieval pass above translated each foreign-language question once; answers must pay
        # for their own translation, as a user's question would.
        clear_translation_cache()
        _run_answers(backend, items, records, golds, texts, progress, folder / PARTIAL_FILE, oracle, tape)
    if isinstance(tape, ReplayLLM):
        notes.append(
            f"replay of {replay}: {tape.served} model calls said again, {tape.changed_prompts} of them to "
            "a prompt that differs from the recorded one; timings are not measured ones"
        )

    result = EvalResult(
        dataset=data.name,
        description=data.description,
        started_at=started_at,
        seconds=0.0,
        seed=seed,
        limit=limit,
        retrieval_only=retrieval_only,
        n_questions=len(items),
        n_answerable=sum(i.answerable for i in items),
        n_unanswerable=sum(not i.answerable for i in items),
        retrieval={},
        recall_curves={},
        answers={},
        error_sources={},
        dense_threshold={},
        records=records,
        settings_fingerprint=_fingerprint(run_settings),
        notes=notes,
    )
    aggregate(result)
    result.seconds = round(time.perf_counter() - started, 1)
    result.out_dir = folder
    write_outputs(result, folder)
    (folder / PARTIAL_FILE).unlink(missing_ok=True)
    return result


def _model_tape(settings: Settings, replay: str | Path | None, retrieval_only: bool) -> Any | None:
    """The model as the run sees it: a replay of ``replay``, a recording, or None (retrieval only)."""
    if replay:
        try:
            calls = recorded_calls(replay)
        except (OSError, ValueError) as err:
            raise ConfigError(f"cannot replay {replay}: {err}") from err
        return ReplayLLM(calls, model_tokenizer(settings))
    if retrieval_only:
        return None

    def load() -> Any:
        from rag.llm import get_llm

        return get_llm(settings)

    return RecordingLLM(load)


def aggregate(result: EvalResult) -> EvalResult:
    """(Re)compute every aggregate of ``result`` from its per-question records, in place."""
    records = result.records
    methods = [m for m in RETRIEVERS if any(m in r.get("retrieval", {}) for r in records)]
    result.retrieval = {m: aggregate_retrieval(records, m) for m in methods}
    result.recall_curves = {m: recall_curve(records, m) for m in methods}
    answers = {s: aggregate_answers(records, s) for s in SYSTEMS}
    result.answers = {s: a for s, a in answers.items() if a["n"]}
    result.error_sources = count_errors(records)
    result.dense_threshold = dense_threshold_summary(records)
    return result


def reaggregate(folder: str | Path) -> EvalResult:
    """Re-read a finished run (results.json + questions.jsonl), recompute its aggregates, rewrite its files.

    For changes of metrics or report layout without asking the LLM again.
    """
    from eval.report import write_outputs

    folder = Path(folder)
    summary = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    fields = {name: summary[name] for name in EvalResult.__dataclass_fields__ if name in summary}
    result = EvalResult(**{**fields, "records": [json.loads(line) for line in lines], "out_dir": folder})
    aggregate(result)
    write_outputs(result, folder)
    return result


def _fingerprint(settings: Settings) -> str:
    try:
        return settings.fingerprint()
    except ImportError:  # pragma: no cover
        return ""


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def format_table(result: EvalResult) -> str:
    """The result's tables as fixed-width text, for the terminal."""
    from eval.report import text_tables

    return text_tables(result)
