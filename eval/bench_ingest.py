"""Benchmark ingest and search on the shared Vietnamese Wikipedia corpus (a script, not a test).

Writes each article of ``../shared/data/viwiki/viwiki.jsonl.gz`` as a .txt file
into a temporary documents folder, ingests it and prints:

- embedding throughput (chunks/s, time spent inside ``embed_documents`` only),
- total ingest time, peak RSS, index size on disk,
- the time of a re-ingest with nothing changed (fresh ``Index`` object),
- search latency p50/p95 (dense, BM25, hybrid) on the ingested index and on
  synthetic indexes of ~10k and ~100k chunks. The synthetic ones repeat the
  ingested chunks (with their real BM25 tokens) under new ids and give them
  random unit vectors of the embedder's dimension: the latency is that of a real
  index of that size, the ranking quality is meaningless.

Examples::

    python eval/bench_ingest.py --embedder fake                 # all 7,730 articles, hashing embedder
    python eval/bench_ingest.py --embedder default --limit 200  # the real e5 model on a sample
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from eval.datasets import viwiki_articles  # noqa: E402
from rag.retrieve import search  # noqa: E402
from rag.settings import Settings, get_settings  # noqa: E402
from rag.store import Index  # noqa: E402

COMPARE_SAMPLE = 320  # chunks embedded per batch size and round by --compare-batch-sizes


class TimedEmbedder:
    """Wraps an embedder and adds up the time and chunks of ``embed_documents``."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.chunks = 0
        self.sample: list[str] = []  # the first texts embedded, for --compare-batch-sizes

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.inner.embed_documents(list(texts))
        self.seconds += time.perf_counter() - started
        self.chunks += len(texts)
        self.sample.extend(list(texts)[: max(0, COMPARE_SAMPLE - len(self.sample))])
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class RandomEmbedder:
    """Random unit vectors: for synthetic indexes whose vectors are already random."""

    def __init__(self, model_id: str, dim: int, seed: int = 0) -> None:
        self.model_id, self.dim = model_id, dim
        self.rng = np.random.default_rng(seed)

    def _unit(self, rows: int) -> np.ndarray:
        vectors = self.rng.standard_normal((rows, self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._unit(len(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._unit(1)[0]


def write_corpus(folder: Path, limit: int | None) -> int:
    """One .txt per article (title as first line); returns the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, text in viwiki_articles(limit):
        (folder / name).write_text(text, encoding="utf-8")
        count += 1
    return count


def make_embedder(kind: str, settings: Settings, dim: int):
    if kind == "fake":
        from tests.fakes import FakeEmbedder

        return FakeEmbedder(dim=dim, model_id=f"fake-hash-{dim}")
    from rag.embedding import get_embedder

    return get_embedder(settings)


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


def time_calls(function: Callable[[str], object], queries: list[str]) -> list[float]:
    function(queries[0])  # warm up: loads FAISS/BM25 files, first-call costs
    samples = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def sample_queries(index: Index, count: int, seed: int = 7) -> list[str]:
    """Questions-like strings: the first words of randomly chosen chunks."""
    rng = np.random.default_rng(seed)
    documents = index.documents()
    queries = []
    for position in rng.choice(len(documents), size=min(count, len(documents)), replace=False):
        chunks = index.chunks_of(documents[int(position)].doc_id)
        words = chunks[int(rng.integers(len(chunks)))].text.split()
        start = int(rng.integers(max(1, len(words) - 10)))
        queries.append(" ".join(words[start : start + 8]))
    return queries


def report_latency(label: str, index: Index, settings: Settings, queries: list[str]) -> None:
    n = settings.retrieval.candidates
    print(f"search latency on {label} ({index.stats()['chunks']:,} chunks, {len(queries)} queries):")
    timings = {
        "dense (incl. query embedding)": time_calls(lambda q: index.dense_search(q, n), queries),
        "BM25": time_calls(lambda q: index.sparse_search(q, n), queries),
        "hybrid retrieve.search": time_calls(lambda q: search(index, q, settings), queries),
    }
    for name, samples in timings.items():
        print(f"  {name:<30s} {percentiles(samples)}")


def synthesise_index(source: Index, target_chunks: int, folder: Path) -> tuple[Index, Settings]:
    """An index of ``target_chunks`` chunks: the source's chunks repeated, with random vectors."""
    from rag import store

    stats = source.stats()
    settings = get_settings(source.settings, paths={"index_dir": str(folder)})
    embedder = RandomEmbedder(stats["model_id"], stats["dim"])
    documents = source.documents()
    conn = source._require_generation().conn
    index = Index(settings, embedder)
    index.folder.mkdir(parents=True, exist_ok=True)
    total = 0
    copy = 0
    with index._writer_lock():
        builder = index._start_generation(None)
        while total < target_chunks:
            for info in documents:
                if total >= target_chunks:
                    break
                rows = conn.execute(
                    "SELECT chunk_id, ordinal, start_offset, end_offset, text, tokens FROM chunks "
                    "WHERE doc_id = ? ORDER BY ordinal LIMIT ?",
                    (info.doc_id, target_chunks - total),
                ).fetchall()
                new_id = f"{info.doc_id}~{copy}"
                text = source.document_text(info.doc_id)
                document = store.Document(new_id, f"synthetic/{new_id}", info.title, text, new_id)
                chunks = [
                    store.Chunk(f"{chunk_id}~{copy}", new_id, info.title, chunk_text, start, end, ordinal)
                    for chunk_id, ordinal, start, end, chunk_text, _tokens in rows
                ]
                tokens = [row[5] for row in rows]
                builder.add_document(
                    store._PendingDocument(document, document.path, 0, 0.0, chunks, tokens, None)
                )
                total += len(chunks)
            copy += 1
        index._finish_generation(builder)
    return index, settings


def compare_batch_sizes(embedder, texts: list[str], sizes: list[int], rounds: int) -> None:
    """Embed the same chunks with each batch size in turn, ``rounds`` times; print chunks/s per size.

    Alternating the sizes within one run is what makes the comparison fair on a noisy machine.
    """
    inner = embedder.inner
    settings = getattr(inner, "settings", None)
    if settings is None or not hasattr(settings, "batch_size"):
        print("batch sizes: the embedder has no batch size to change")
        return
    saved = settings.batch_size
    rates: dict[int, list[float]] = {size: [] for size in sizes}
    try:
        for _ in range(rounds):
            for size in sizes:
                settings.batch_size = size
                started = time.perf_counter()
                inner.embed_documents(texts)
                rates[size].append(len(texts) / (time.perf_counter() - started))
    finally:
        settings.batch_size = saved
    print(f"batch sizes side by side ({len(texts)} chunks, {rounds} alternating rounds):")
    for size, values in rates.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(f"  batch {size:>3}: median {statistics.median(values):.1f} chunks/s ({shown})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="Articles to ingest (default: all 7,730).")
    parser.add_argument("--embedder", choices=("fake", "default"), default="fake")
    parser.add_argument("--fake-dim", type=int, default=384, help="Dimension of the fake embedder.")
    parser.add_argument("--queries", type=int, default=50, help="Queries per latency measurement.")
    parser.add_argument(
        "--latency-sizes", default="10000,100000", help="Synthetic index sizes (chunks) to time; '' for none."
    )
    parser.add_argument("--workdir", type=Path, default=None, help="Folder for documents and indexes.")
    parser.add_argument(
        "--compare-batch-sizes",
        default="",
        help="e.g. '16,32': after the ingest, embed its first 320 chunks again with each size in turn.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of --compare-batch-sizes.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    documents = workdir / "documents"
    settings = get_settings({"paths": {"documents_dir": str(documents), "index_dir": str(workdir / "index")}})
    started = time.perf_counter()
    written = write_corpus(documents, args.limit)
    print(f"corpus: {written:,} articles written to {documents} in {time.perf_counter() - started:.1f} s")

    embedder = TimedEmbedder(make_embedder(args.embedder, settings, args.fake_dim))
    index = Index.open(settings, embedder, create=True)
    report = index.ingest(rebuild=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats = index.stats()
    print(f"embedder: {embedder.model_id} (dim {embedder.dim})")
    print(
        f"ingest: {len(report.added):,} files, {report.chunks:,} chunks, {len(report.failed)} failed, "
        f"{report.seconds:.1f} s total"
    )
    if embedder.seconds > 0:
        print(
            f"embedding: {embedder.chunks:,} chunks in {embedder.seconds:.1f} s = "
            f"{embedder.chunks / embedder.seconds:,.1f} chunks/s"
        )
    print(f"peak RSS: {rss_mb:,.0f} MB; index size on disk: {stats['size_bytes'] / 1e6:,.1f} MB")

    sizes = [int(size) for size in args.compare_batch_sizes.split(",") if size.strip()]
    if sizes:
        compare_batch_sizes(embedder, embedder.sample, sizes, args.rounds)

    reopened = Index.open(settings, embedder, create=True)
    unchanged = reopened.ingest()
    print(
        f"unchanged re-ingest: {len(unchanged.unchanged):,} files in {unchanged.seconds:.2f} s "
        f"({unchanged.embedded_chunks} chunks embedded)"
    )

    queries = sample_queries(index, args.queries)
    report_latency("the ingested index", reopened, settings, queries)
    for size in [int(s) for s in args.latency_sizes.split(",") if s.strip()]:
        if 0.7 * size <= report.chunks <= 1.3 * size:
            print(f"(~{size:,} chunks: see the ingested index above, {report.chunks:,} chunks)")
            continue
        started = time.perf_counter()
        synthetic, synthetic_settings = synthesise_index(reopened, size, workdir / f"synthetic-{size}")
        print(f"synthetic index of {size:,} chunks built in {time.perf_counter() - started:.1f} s")
        if args.embedder == "default":
            synthetic._embedder = embedder  # real query embedding cost; vectors are random anyway
        report_latency(f"a synthetic index of {size:,} chunks", synthetic, synthetic_settings, queries)
    print(f"work folder: {workdir}")


if __name__ == "__main__":
    main()
