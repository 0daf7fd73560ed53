"""The persisted index: SQLite metadata, FAISS vectors and a bm25s index, in crash-safe generations.

Layout of ``settings.paths.index_dir``::

    CURRENT            name of the live generation, switched atomically (os.replace)
    .lock              fcntl lock held by the one ingest allowed at a time
    gen-000007/        one complete, immutable generation
        meta.sqlite    documents, their normalised text, chunks (text, offsets, BM25 tokens), meta
        vectors.npy    float32 chunk embeddings, row ``vec_row`` of each chunk
        faiss.index    IndexIDMap(IndexFlatIP or IndexHNSWFlat) over vectors.npy, ids = vec_row
        bm25/          bm25s index over the same rows (document i = chunk with vec_row i)
    gen-000008.tmp/    a generation being built (or left by a killed ingest; deleted later)

A published generation is never modified. An ingest builds the next one in a
``.tmp`` folder (copying the SQLite file of the live one, then editing the
copy), fsyncs it, renames it and only then switches ``CURRENT``. A SIGKILL at
any moment therefore leaves ``CURRENT`` naming a complete generation whose
SQLite, FAISS and BM25 parts agree. The previous generation is kept as well,
so a process that opened it a moment ago keeps working.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.normalize import bm25_query_tokens, bm25_tokens, detect_language, fold_diacritics, normalize_text
from rag.readers import chunk_document, discover, load_document
from rag.settings import Settings
from rag.types import (
    Chunk,
    Document,
    DocumentError,
    DocumentInfo,
    IndexMismatchError,
    IndexMissingError,
    IngestReport,
    RagError,
)

if TYPE_CHECKING:
    from rag.embedding import Embedder

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
SQLITE_FILE = "meta.sqlite"
VECTORS_FILE = "vectors.npy"
FAISS_FILE = "faiss.index"
BM25_DIR = "bm25"
EMBED_BATCH = 128  # chunks handed to the embedder per call (it batches further inside)
HNSW_NEIGHBOURS = 32
BM25_K1 = 1.5  # bm25s defaults
BM25_B = 0.75
TOKEN_SEPARATOR = " "
# How chunks are tokenised for BM25, recorded in each generation's meta. "syllables+bigrams" adds
# each pair of adjacent syllables ("từ_sơn"): XQuAD-vi with 5,000 viwiki distractor articles
# (80,930 chunks), hybrid Recall@1/@5/@10 .838/.931/.948 with syllables, .869/.941/.955 with
# their pairs too. An index written before (no such meta, "syllables") is searched as it was
# built, and re-tokenised from its stored chunk texts, without embedding, at the next ingest.
BM25_TOKENIZATION = "syllables+bigrams"
LEGACY_BM25_TOKENIZATION = "syllables"
LANGUAGE_SAMPLE_CHARS = 3000  # text read to guess a document's language

ProgressCallback = Callable[[int, int, str], None]

_GEN_NAME = re.compile(r"^gen-(\d+)(\.tmp)?$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    status TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    page_starts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS texts (doc_id TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vec_row INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_by_row ON chunks(vec_row);
"""

_CHUNK_COLUMNS = (
    "c.chunk_id, c.doc_id, d.title, c.text, c.start_offset, c.end_offset, c.ordinal, c.page, c.vec_row"
)


# ---------------------------------------------------------------- small helpers


def _fsync_path(path: Path) -> None:
    """Flush a file or directory to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` (and ``root`` itself)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            _fsync_path(Path(folder) / name)
        _fsync_path(Path(folder))


def _generation_number(name: str) -> int | None:
    match = _GEN_NAME.match(name)
    return int(match.group(1)) if match else None


def _text_hash(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _search_one_thread(index: Any, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """FAISS search of one query on one thread.

    OpenMP threads only pay off for batches; for one query their spin-waits cost
    more than the scan (20 ms instead of 0.1 ms at 1k vectors on a busy 2-core machine).
    """
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(vector.reshape(1, -1), n)
    finally:
        faiss.omp_set_num_threads(threads)


def _row_to_chunk(row: Sequence[Any]) -> Chunk:
    return Chunk(
        chunk_id=row[0],
        doc_id=row[1],
        title=row[2],
        text=row[3],
        start=row[4],
        end=row[5],
        ordinal=row[6],
        page=row[7],
    )


def _relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (absolute when outside), as readers names it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


@dataclass
class _Candidate:
    """A file found by discovery."""

    path: Path
    relative: str  # the key a file is known by between ingests
    size: int
    mtime: float


@dataclass
class _KnownFile:
    """What the previous generation recorded about a file."""

    doc_id: str
    size: int
    mtime: float
    content_hash: str


@dataclass
class _PendingDocument:
    """A new or changed document, loaded and chunked, waiting to be written."""

    document: Document
    relative: str
    size: int
    mtime: float
    chunks: list[Chunk]
    tokens: list[str]
    replaces: str | None  # doc_id of the previous version, if any


@dataclass
class _Generation:
    """A published generation, opened read-only."""

    name: str
    folder: Path
    conn: sqlite3.Connection
    meta: dict[str, str]
    checked: bool = False

    @property
    def chunk_count(self) -> int:
        return int(self.meta.get("chunk_count", "0"))


# ---------------------------------------------------------------- the index


class Index:
    """The persisted index of the documents folder.

    Open it with :meth:`Index.open`. Read methods (``documents``, ``chunk``,
    ``dense_search`` …) use the generation named by ``CURRENT`` and follow it
    when another process publishes a new one. ``ingest`` and ``remove`` build
    and publish a new generation.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        """Prepare an index over ``settings.paths.index_dir``; use :meth:`open` instead."""
        self.settings = settings
        self.folder = Path(settings.paths.index_dir)
        self._embedder = embedder
        self._lock = threading.RLock()  # guards the open generation and search structures
        self._embedder_lock = threading.Lock()
        self._generation: _Generation | None = None
        self._faiss: Any = None
        self._bm25: Any = None
        self._bm25_vocab: dict[str, int] | None = None
        self._spellings: dict[str, str] | None = None

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, *, create: bool = False) -> Index:
        """Open the index of ``settings.paths.index_dir``.

        Args:
            settings: the effective settings; their fingerprint must match the index's.
            embedder: the embedder for queries and new chunks; by default
                ``rag.embedding.get_embedder(settings)``, created only when first needed.
            create: open for ingesting: a missing or mismatched index is not an
                error yet (``ingest`` builds it; a mismatch needs ``rebuild=True``).

        Raises:
            IndexMissingError: no index has been built (and ``create`` is False).
            IndexMismatchError: the index was built with other settings or another
                embedding model (and ``create`` is False).
        """
        index = cls(settings, embedder)
        index._clean_stale_if_idle()
        if not create:
            index._require_generation()
        return index

    def _require_generation(self) -> _Generation:
        """The live generation, checked against the settings and embedder."""
        with self._lock:
            generation = self._current_generation()
            if generation is None:
                raise IndexMissingError(
                    f"no index in {self.folder}: run `rag ingest` to index the documents folder"
                )
            if not generation.checked:
                self._check_compatible(generation)
                generation.checked = True
            return generation

    def _read_current_name(self) -> str | None:
        try:
            return (self.folder / CURRENT_FILE).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _current_generation(self) -> _Generation | None:
        """The generation ``CURRENT`` names, reopened if it changed since last time."""
        for _attempt in range(5):
            name = self._read_current_name()
            if name is None:
                self._close_generation()
                return None
            if self._generation is not None and self._generation.name == name:
                return self._generation
            try:
                generation = self._open_generation(name)
            except (sqlite3.OperationalError, FileNotFoundError):
                # CURRENT moved on and the folder it named was cleaned meanwhile: read it again.
                time.sleep(0.05)
                continue
            self._close_generation()
            self._generation = generation
            return generation
        raise IndexMissingError(f"cannot open the index in {self.folder}: run `rag ingest --rebuild`")

    def _open_generation(self, name: str) -> _Generation:
        folder = self.folder / name
        db_path = folder / SQLITE_FILE
        if not db_path.is_file():
            raise FileNotFoundError(db_path)
        # Generations are immutable: no locking or journal needed to read them.
        conn = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return _Generation(name=name, folder=folder, conn=conn, meta=meta)

    def _close_generation(self) -> None:
        if self._generation is not None:
            self._generation.conn.close()
        self._generation = None
        self._faiss = None
        self._bm25 = None
        self._bm25_vocab = None
        self._spellings = None

    def close(self) -> None:
        """Release the open files (the index can still be used; it reopens lazily)."""
        with self._lock:
            self._close_generation()

    def _check_compatible(self, generation: _Generation) -> None:
        meta = generation.meta
        if int(meta.get("schema_version", "0")) != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"the index in {self.folder} has schema version {meta.get('schema_version')}, "
                f"this program writes {SCHEMA_VERSION}: run `rag ingest --rebuild`"
            )
        if meta.get("fingerprint") != self.settings.fingerprint():
            raise IndexMismatchError(
                f"the index in {self.folder} was built with other settings (fingerprint "
                f"{meta.get('fingerprint')}, now {self.settings.fingerprint()}; embedding model, "
                "chunking, text normalisation or index type changed): run `rag ingest --rebuild`"
            )
        if self._embedder is not None:
            self._check_embedder(generation, self._embedder)

    def _check_embedder(self, generation: _Generation, embedder: Embedder) -> None:
        model_id = generation.meta.get("model_id", "")
        dim = int(generation.meta.get("dim", "0"))
        if model_id and (model_id != embedder.model_id or dim != embedder.dim):
            raise IndexMismatchError(
                f"the index in {self.folder} was built with embedding model {model_id} "
                f"(dim {dim}), not {embedder.model_id} (dim {embedder.dim}): run `rag ingest --rebuild`"
            )

    def _get_embedder(self, against: _Generation | None) -> Embedder:
        """The embedder (created on first use), checked against the generation it will meet."""
        with self._embedder_lock:
            if self._embedder is None:
                from rag.embedding import get_embedder

                self._embedder = get_embedder(self.settings)
        if against is not None:
            self._check_embedder(against, self._embedder)
        return self._embedder

    # ------------------------------------------------------------ reading

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document, ordered by path."""
        with self._lock:
            generation = self._require_generation()
            rows = generation.conn.execute(
                "SELECT d.doc_id, d.path, d.title, COUNT(c.chunk_id), d.content_hash, d.mtime, "
                "d.indexed_at, d.status FROM documents d LEFT JOIN chunks c USING (doc_id) "
                "GROUP BY d.doc_id ORDER BY d.path"
            ).fetchall()
        return [DocumentInfo(*row) for row in rows]

    def document_text(self, doc_id: str) -> str:
        """The normalised text of a document (chunk offsets index into it).

        Raises:
            KeyError: no such document in the index.
        """
        with self._lock:
            row = (
                self._require_generation()
                .conn.execute("SELECT text FROM texts WHERE doc_id = ?", (doc_id,))
                .fetchone()
            )
        if row is None:
            raise KeyError(f"no document {doc_id!r} in the index")
        return row[0]

    def chunk(self, chunk_id: str) -> Chunk:
        """One chunk by id.

        Raises:
            KeyError: no such chunk in the index.
        """
        with self._lock:
            row = (
                self._require_generation()
                .conn.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d USING (doc_id) "
                    "WHERE c.chunk_id = ?",
                    (chunk_id,),
                )
                .fetchone()
            )
        if row is None:
            raise KeyError(f"no chunk {chunk_id!r} in the index")
        return _row_to_chunk(row)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document in reading order (empty if unknown)."""
        with self._lock:
            rows = (
                self._require_generation()
                .conn.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d USING (doc_id) "
                    "WHERE c.doc_id = ? ORDER BY c.ordinal",
                    (doc_id,),
                )
                .fetchall()
            )
        return [_row_to_chunk(row) for row in rows]

    def stats(self) -> dict[str, Any]:
        """Counts and facts about the live generation (for ``rag`` listings and benchmarks)."""
        with self._lock:
            generation = self._require_generation()
            documents = generation.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            size = sum(p.stat().st_size for p in generation.folder.rglob("*") if p.is_file())
            meta = generation.meta
            return {
                "generation": generation.name,
                "documents": documents,
                "chunks": generation.chunk_count,
                "model_id": meta.get("model_id", ""),
                "dim": int(meta.get("dim", "0")),
                "fingerprint": meta.get("fingerprint", ""),
                "index_type": meta.get("index_type", ""),
                "built_at": float(meta.get("built_at", "0")),
                "size_bytes": size,
            }

    def _chunks_by_rows(self, generation: _Generation, rows: Sequence[int]) -> dict[int, Chunk]:
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        found = generation.conn.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d USING (doc_id) "
            f"WHERE c.vec_row IN ({marks})",
            [int(r) for r in rows],
        ).fetchall()
        return {row[8]: _row_to_chunk(row) for row in found}

    # ------------------------------------------------------------ searching

    def _load_search_structures(self, generation: _Generation) -> None:
        if self._faiss is not None or generation.chunk_count == 0:
            return
        import bm25s
        import faiss

        self._faiss = faiss.read_index(str(generation.folder / FAISS_FILE))
        self._bm25 = bm25s.BM25.load(str(generation.folder / BM25_DIR), load_corpus=False)
        self._bm25_vocab = self._bm25.vocab_dict
        if self.settings.retrieval.index_type == "hnsw":
            hnsw = faiss.downcast_index(self._faiss.index)
            hnsw.hnsw.efSearch = max(64, 2 * self.settings.retrieval.candidates)

    def warm_up(self) -> None:
        """Load what searching needs (the query embedder, FAISS and BM25) now instead of at the first search.

        Raises:
            IndexMissingError: nothing has been indexed yet.
        """
        with self._lock:
            generation = self._require_generation()
            self._get_embedder(generation)
            self._load_search_structures(generation)

    def dense_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        """The ``n`` chunks whose embeddings are closest to the query's (cosine), best first."""
        with self._lock:
            generation = self._require_generation()
            embedder = self._get_embedder(generation)
            self._load_search_structures(generation)
            if generation.chunk_count == 0 or n <= 0:
                return []
            vector = np.asarray(embedder.embed_query(normalize_text(query)), dtype=np.float32)
            scores, ids = _search_one_thread(self._faiss, vector, min(n, generation.chunk_count))
            pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
            chunks = self._chunks_by_rows(generation, [i for i, _ in pairs])
        return [(chunks[i], score) for i, score in pairs if i in chunks]

    def corpus_language(self) -> str:
        """Language of most indexed documents ("vi"/"en"; "" when empty)."""
        with self._lock:
            return self._require_generation().meta.get("corpus_language", "")

    def query_tokens(self, query: str) -> list[str]:
        """The BM25 tokens of a query: its syllables as typed, and their pairs if the index holds pairs.

        (:func:`rag.normalize.bm25_query_tokens`; pairs per ``BM25_TOKENIZATION``.) Chunks are
        indexed with each accented syllable also folded, so a syllable typed bare ("tu") still
        finds "từ", "tự" and "tu", while an accented one finds only itself. Adding the folded
        forms to an accented query as well made every "tu" in 80,930 chunks count for "Từ Sơn":
        XQuAD-vi with 5,000 viwiki distractor articles, hybrid Recall@1/@5/@10 .834/.923/.939
        with them, .838/.931/.948 without.
        """
        with self._lock:
            generation = self._require_generation()
            bigrams = _bm25_tokenization(generation.meta) == BM25_TOKENIZATION
        return bm25_query_tokens(normalize_text(query), bigrams=bigrams)

    def vocabulary_coverage(self, query: str) -> float:
        """Share of the query's syllables that occur in the indexed chunks (0 when none)."""
        tokens = bm25_query_tokens(normalize_text(query))
        with self._lock:
            generation = self._require_generation()
            self._load_search_structures(generation)
            if not tokens or self._bm25_vocab is None:
                return 0.0
            return sum(token in self._bm25_vocab for token in tokens) / len(tokens)

    def usual_spellings(self, words: Iterable[str]) -> dict[str, str]:
        """For each word typed without diacritics ("gi", "tu"), its most frequent spelling in the chunks.

        Counted in chunks, from BM25's vocabulary, where each accented syllable is also indexed
        folded: the chunks holding the bare "trong" are those holding its folded token minus
        those holding an accented "trông"/"tròng", so "trong" stays "trong" while "gi" becomes
        "gì". Words the chunks never hold are left out.
        """
        with self._lock:
            generation = self._require_generation()
            self._load_search_structures(generation)
            if self._bm25 is None or self._bm25_vocab is None:
                return {}
            if self._spellings is None:
                chunks_holding = self._chunk_frequency
                best: dict[str, tuple[int, str]] = {}
                accented_total: dict[str, int] = {}
                for token in self._bm25_vocab:
                    if token.isascii() or "_" in token:  # a syllable pair: words are spelled one by one
                        continue
                    folded = fold_diacritics(token)
                    count = chunks_holding(token)
                    accented_total[folded] = accented_total.get(folded, 0) + count
                    if count > best.get(folded, (0, ""))[0]:
                        best[folded] = (count, token)
                spellings = {}
                for folded, (count, token) in best.items():
                    bare = chunks_holding(folded) - accented_total[folded]
                    spellings[folded] = folded if bare > count else token
                self._spellings = spellings
            return {word: self._spellings[word] for word in words if word in self._spellings}

    def unknown_words(self, words: Iterable[str]) -> list[str]:
        """Those of ``words`` that no indexed chunk holds (compared as BM25 tokens, lowercase)."""
        with self._lock:
            generation = self._require_generation()
            self._load_search_structures(generation)
            if self._bm25_vocab is None:
                return list(words)
            return [word for word in words if normalize_text(word).lower() not in self._bm25_vocab]

    def token_idf(self, tokens: Iterable[str]) -> dict[str, float]:
        """BM25's (Lucene) idf of each token over the indexed chunks; a token in no chunk gets the most."""
        with self._lock:
            generation = self._require_generation()
            self._load_search_structures(generation)
            if self._bm25 is None or self._bm25_vocab is None:
                return {token: 0.0 for token in tokens}
            n_docs = generation.chunk_count
            result = {}
            for token in tokens:
                df = self._chunk_frequency(token)
                result[token] = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            return result

    def _chunk_frequency(self, token: str) -> int:
        """How many indexed chunks hold the BM25 token (0 for one in none); search structures loaded."""
        row = self._bm25_vocab.get(token) if self._bm25_vocab is not None else None
        if row is None:
            return 0
        indptr = self._bm25.scores["indptr"]
        return int(indptr[row + 1] - indptr[row])

    def sparse_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        """The ``n`` best chunks for the query by BM25 (only chunks sharing a token), best first."""
        tokens = self.query_tokens(query)
        with self._lock:
            generation = self._require_generation()
            self._load_search_structures(generation)
            if generation.chunk_count == 0 or n <= 0 or self._bm25_vocab is None:
                return []
            token_ids = [self._bm25_vocab[t] for t in tokens if t in self._bm25_vocab]
            if not token_ids:
                return []
            scores = self._bm25.get_scores_from_ids(token_ids)
            n = min(n, len(scores))
            top = np.argpartition(-scores, n - 1)[:n]
            top = top[np.argsort(-scores[top], kind="stable")]
            pairs = [(int(i), float(scores[i])) for i in top if scores[i] > 0]
            chunks = self._chunks_by_rows(generation, [i for i, _ in pairs])
        return [(chunks[i], score) for i, score in pairs if i in chunks]

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """Hold the index's ingest lock (waits while another ingest runs)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / LOCK_FILE, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.info("another ingest holds %s; waiting for it", self.folder / LOCK_FILE)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _clean_stale_if_idle(self) -> None:
        """Delete leftovers of killed ingests, unless an ingest is running right now."""
        lock_path = self.folder / LOCK_FILE
        if not lock_path.exists():
            return
        with open(lock_path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            try:
                self._clean_generations()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _clean_generations(self) -> None:
        """Delete ``.tmp`` folders and generations older than the previous one (lock held)."""
        current = self._read_current_name()
        current_number = _generation_number(current) if current else None
        entries = [(e, _generation_number(e.name)) for e in self.folder.iterdir() if e.is_dir()]
        published = [n for e, n in entries if n is not None and not e.name.endswith(".tmp")]
        older = [n for n in published if current_number is not None and n < current_number]
        previous = max(older, default=None)
        for entry, number in entries:
            if number is None:
                continue
            stale_tmp = entry.name.endswith(".tmp")
            unpublished = current_number is None or number > current_number
            superseded = number not in (current_number, previous)
            if stale_tmp or unpublished or superseded:
                logger.debug("deleting stale index folder %s", entry)
                shutil.rmtree(entry, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.folder / f"{CURRENT_FILE}.tmp").unlink()

    def _next_generation_number(self) -> int:
        numbers = [_generation_number(p.name) for p in self.folder.iterdir()]
        return max([n for n in numbers if n is not None], default=0) + 1

    def ingest(
        self,
        paths: Sequence[str | Path] | None = None,
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Bring the index up to date with the documents.

        Unchanged files (same size and mtime, or same content hash) are skipped
        without embedding; new and changed files are loaded, chunked and
        embedded; with ``paths=None`` files gone from the documents folder are
        removed. Files that cannot be read are listed in ``report.failed`` and
        never stop the run. Nothing is written when nothing changed.

        Args:
            paths: files or folders to ingest (known by their path relative to the
                documents folder, absolute outside it); None syncs the whole
                documents folder. Report lists hold these relative paths.
            rebuild: discard the existing index and embed everything again.
            progress: called as ``progress(done, total, path)`` after each file.

        Raises:
            IndexMismatchError: the index was built with other settings and
                ``rebuild`` is False.
        """
        started = time.perf_counter()
        report = IngestReport()
        # Only the file lock is held while ingesting: searches on this object keep
        # using the live generation; ``base`` is a private connection to it.
        with self._writer_lock(), self._open_base(rebuild) as base:
            candidates = self._discover(paths, report)
            known = self._known_files(base)
            builder: _GenerationBuilder | None = None
            try:
                for done, candidate in enumerate(candidates, start=1):
                    previous = known.get(candidate.relative)
                    if previous is not None and (previous.size, previous.mtime) == (
                        candidate.size,
                        candidate.mtime,
                    ):
                        report.unchanged.append(candidate.relative)
                    else:
                        item = self._load_one(candidate, previous, report)
                        if item is not None:
                            builder = builder or self._start_generation(base)
                            builder.add_document(item)
                    if progress is not None:
                        progress(done, len(candidates), str(candidate.path))
                gone = [] if paths is not None else sorted(set(known) - {c.relative for c in candidates})
                report.removed = gone
                outdated = base is not None and _bm25_tokenization(base.meta) != BM25_TOKENIZATION
                if gone or (builder is None and (base is None or outdated)):
                    builder = builder or self._start_generation(base)
                    builder.remove_documents([known[relative].doc_id for relative in gone])
                if builder is not None:
                    builder.flush()
                    report.embedded_chunks = builder.embedded
                    self._finish_generation(builder)
            except BaseException:
                if builder is not None:
                    builder.discard()
                raise
            with self._lock:
                current = self._current_generation()
                report.chunks = current.chunk_count if current is not None else 0
        report.seconds = time.perf_counter() - started
        logger.info(
            "ingest: %d added, %d updated, %d unchanged, %d removed, %d failed, %d chunks (%d embedded) "
            "in %.1f s",
            len(report.added),
            len(report.updated),
            len(report.unchanged),
            len(report.removed),
            len(report.failed),
            report.chunks,
            report.embedded_chunks,
            report.seconds,
        )
        return report

    def remove(self, doc_id: str) -> None:
        """Drop one document from the index (the file itself is left alone).

        Raises:
            KeyError: no such document in the index.
        """
        with self._writer_lock(), self._open_base(rebuild=False) as base:
            if base is None:
                raise IndexMissingError(f"no index in {self.folder}: run `rag ingest`")
            if base.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is None:
                raise KeyError(f"no document {doc_id!r} in the index")
            builder = self._start_generation(base)
            try:
                builder.remove_documents([doc_id])
                self._finish_generation(builder)
            except BaseException:
                builder.discard()
                raise

    # ------------------------------------------------------------ ingest steps

    def _discover(self, paths: Sequence[str | Path] | None, report: IngestReport) -> list[_Candidate]:
        """The files to consider, keyed by their path relative to the documents folder."""
        documents_dir = Path(self.settings.paths.documents_dir)
        targets = [documents_dir] if paths is None else [Path(p) for p in paths]
        candidates: dict[str, _Candidate] = {}
        for target in targets:
            try:
                found = discover([target], self.settings)
            except DocumentError as err:
                report.failed[str(target)] = _one_line(err)
                continue
            for path in found:
                try:
                    stat = path.stat()
                except OSError as err:
                    report.failed[str(path)] = f"{path}: cannot read file ({_one_line(err)})"
                    continue
                relative = _relative_path(path, documents_dir)
                candidates[relative] = _Candidate(path, relative, stat.st_size, stat.st_mtime)
        return sorted(candidates.values(), key=lambda c: c.relative)

    @staticmethod
    def _known_files(base: _Generation | None) -> dict[str, _KnownFile]:
        if base is None:
            return {}
        rows = base.conn.execute("SELECT path, doc_id, size, mtime, content_hash FROM documents")
        return {path: _KnownFile(doc_id, size, mtime, digest) for path, doc_id, size, mtime, digest in rows}

    def _load_one(
        self, candidate: _Candidate, previous: _KnownFile | None, report: IngestReport
    ) -> _PendingDocument | None:
        """Load, chunk and tokenise one file; a failure goes to ``report.failed``."""
        documents_dir = Path(self.settings.paths.documents_dir)
        try:
            document = load_document(candidate.path, documents_dir, self.settings)
            chunks = chunk_document(document, self.settings.chunking.size, self.settings.chunking.overlap)
        except DocumentError as err:
            report.failed[str(candidate.path)] = _one_line(err)
            logger.warning("skipped %s", _one_line(err))
            return None
        except Exception as err:  # noqa: BLE001 - one bad file must never abort the run
            report.failed[str(candidate.path)] = f"{candidate.path}: {type(err).__name__}: {_one_line(err)}"
            logger.exception("unexpected error reading %s", candidate.path)
            return None
        if previous is None:
            report.added.append(candidate.relative)
        elif previous.content_hash == document.content_hash:
            report.unchanged.append(candidate.relative)  # only touched: re-recorded, vectors reused
        else:
            report.updated.append(candidate.relative)
        tokens = [chunk_tokens(c.text) for c in chunks]
        return _PendingDocument(
            document=document,
            relative=candidate.relative,
            size=candidate.size,
            mtime=candidate.mtime,
            chunks=chunks,
            tokens=tokens,
            replaces=previous.doc_id if previous else None,
        )

    @contextlib.contextmanager
    def _open_base(self, rebuild: bool) -> Iterator[_Generation | None]:
        """The live generation on a private connection, for a writer holding the file lock.

        Raises:
            IndexMismatchError: it was built with other settings or another embedder.
        """
        self._clean_generations()
        name = None if rebuild else self._read_current_name()
        base = self._open_generation(name) if name else None
        try:
            if base is not None:
                self._check_compatible(base)
            yield base
        finally:
            if base is not None:
                base.conn.close()

    def _start_generation(self, base: _Generation | None) -> _GenerationBuilder:
        """Open the next generation's ``.tmp`` folder, seeded with a copy of ``base``."""
        name = f"gen-{self._next_generation_number():06d}"

        def embed(texts: list[str]) -> np.ndarray:
            embedder = self._get_embedder(base)
            vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
            if vectors.shape != (len(texts), embedder.dim):
                expected = (len(texts), embedder.dim)
                raise RagError(
                    f"embedder {embedder.model_id} returned shape {vectors.shape}, expected {expected}"
                )
            return vectors

        return _GenerationBuilder(self.folder / f"{name}.tmp", self.settings, base, embed)

    def _finish_generation(self, builder: _GenerationBuilder) -> None:
        """Complete the generation, make it durable, switch ``CURRENT`` to it, clean old ones."""
        embedder = self._embedder
        name = builder.finish(embedder.model_id if embedder else None, embedder.dim if embedder else None)
        pointer = self.folder / f"{CURRENT_FILE}.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.folder / CURRENT_FILE)
        _fsync_path(self.folder)
        logger.info("published index generation %s", name)
        with self._lock:
            self._close_generation()  # searches reopen the new generation on their next call
        self._clean_generations()


class _GenerationBuilder:
    """Builds one generation in a ``.tmp`` folder: SQLite copy + edits, vectors, FAISS, BM25.

    Documents are written to SQLite as they come and their new chunks embedded
    in batches, so memory holds one batch of texts plus the new vectors, not the
    corpus.
    """

    def __init__(
        self,
        folder: Path,
        settings: Settings,
        base: _Generation | None,
        embed: Callable[[list[str]], np.ndarray],
    ) -> None:
        self.folder = folder
        self.settings = settings
        self.base = base
        self.embed = embed
        self.base_meta = dict(base.meta) if base else {}
        folder.mkdir(parents=True)
        db_path = folder / SQLITE_FILE
        if base is not None:
            shutil.copyfile(base.folder / SQLITE_FILE, db_path)
        self.conn = sqlite3.connect(db_path)
        self.conn.execute("PRAGMA journal_mode = OFF")  # the whole folder is discarded on failure
        self.conn.execute("PRAGMA synchronous = OFF")  # the folder is fsynced before it is published
        self.conn.executescript(_SCHEMA)
        self.queued_texts: list[str] = []
        self.new_vectors: list[np.ndarray] = []
        self.new_count = 0  # texts queued for embedding so far (embedded or not)
        self.embedded = 0
        self.vec_refs: np.ndarray = np.empty(0, dtype=np.int64)
        self.now = time.time()

    def remove_documents(self, doc_ids: Sequence[str]) -> None:
        """Delete documents and their chunks."""
        for doc_id in doc_ids:
            self.conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self.conn.execute("DELETE FROM texts WHERE doc_id = ?", (doc_id,))
            self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def _reusable_vectors(self, item: _PendingDocument) -> dict[str, int]:
        """Text hash -> row of the previous vectors, for the chunks of the version being replaced."""
        if self.base is None or item.replaces is None:
            return {}
        rows = self.base.conn.execute(
            "SELECT text_hash, vec_row FROM chunks WHERE doc_id = ?", (item.replaces,)
        ).fetchall()
        return dict(rows)

    def add_document(self, item: _PendingDocument) -> None:
        """Insert a new or changed document; its new chunk texts are queued for embedding."""
        doc = item.document
        reusable = self._reusable_vectors(item)
        self.remove_documents([d for d in {item.replaces, doc.doc_id} if d is not None])
        self.conn.execute(
            "INSERT INTO documents (doc_id, path, title, content_hash, size, mtime, status, "
            "indexed_at, language, page_starts) VALUES (?, ?, ?, ?, ?, ?, 'indexed', ?, ?, ?)",
            (
                doc.doc_id,
                item.relative,
                doc.title,
                doc.content_hash,
                item.size,
                item.mtime,
                self.now,
                detect_language(doc.text[:LANGUAGE_SAMPLE_CHARS]),
                json.dumps(list(doc.page_starts)),
            ),
        )
        self.conn.execute("INSERT INTO texts (doc_id, text) VALUES (?, ?)", (doc.doc_id, doc.text))
        rows = []
        for chunk, tokens in zip(item.chunks, item.tokens, strict=True):
            text_hash = _text_hash(chunk.text)
            ref = reusable.get(text_hash)
            if ref is None:
                self.queued_texts.append(chunk.text)
                self.new_count += 1
                ref = -self.new_count  # row new_count - 1 of the new vectors
            rows.append(
                (chunk.chunk_id, doc.doc_id, chunk.ordinal, chunk.start, chunk.end, chunk.page, chunk.text)
                + (tokens, text_hash, ref)
            )
        self.conn.executemany(
            "INSERT INTO chunks (chunk_id, doc_id, ordinal, start_offset, end_offset, page, text, "
            "tokens, text_hash, vec_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if len(self.queued_texts) >= EMBED_BATCH:
            self.flush()

    def flush(self) -> None:
        """Embed the queued chunk texts."""
        if self.queued_texts:
            self.new_vectors.append(self.embed(self.queued_texts))
            self.embedded += len(self.queued_texts)
            self.queued_texts = []

    def finish(self, model_id: str | None, dim: int | None) -> str:
        """Renumber rows, write meta, vectors, FAISS and BM25, fsync, and drop ``.tmp``.

        Returns:
            The name of the completed generation folder.
        """
        self.flush()
        self._renumber()
        if self.base is not None and _bm25_tokenization(self.base_meta) != BM25_TOKENIZATION:
            self._retokenise()
        meta = self._write_meta(model_id, dim)
        self.conn.commit()
        self._write_search_files(int(meta["dim"]))
        self.conn.close()
        _fsync_tree(self.folder)
        final = self.folder.with_name(self.folder.name.removesuffix(".tmp"))
        os.rename(self.folder, final)
        _fsync_path(final.parent)
        return final.name

    def discard(self) -> None:
        """Throw the unfinished generation away."""
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _retokenise(self) -> None:
        """Tokenise every stored chunk text again, for an index written with another BM25 tokenisation."""
        rows = self.conn.execute("SELECT rowid, text FROM chunks").fetchall()
        logger.info("re-tokenising %d chunks for BM25 (%s)", len(rows), BM25_TOKENIZATION)
        self.conn.executemany(
            "UPDATE chunks SET tokens = ? WHERE rowid = ?",
            [(chunk_tokens(text), rowid) for rowid, text in rows],
        )

    def _renumber(self) -> None:
        """vec_row becomes 0..n-1 in (doc_id, ordinal) order; remember where each vector comes from."""
        rows = self.conn.execute("SELECT rowid, vec_row FROM chunks ORDER BY doc_id, ordinal").fetchall()
        self.vec_refs = np.array([ref for _rowid, ref in rows], dtype=np.int64)
        self.conn.executemany(
            "UPDATE chunks SET vec_row = ? WHERE rowid = ?",
            [(new_row, rowid) for new_row, (rowid, _ref) in enumerate(rows)],
        )

    def _write_meta(self, model_id: str | None, dim: int | None) -> dict[str, str]:
        languages = self.conn.execute(
            "SELECT language, COUNT(*) AS n FROM documents GROUP BY language ORDER BY n DESC LIMIT 1"
        ).fetchone()
        meta = {
            "corpus_language": languages[0] if languages else "",
            "schema_version": str(SCHEMA_VERSION),
            "fingerprint": self.settings.fingerprint(),
            "model_id": model_id if model_id is not None else self.base_meta.get("model_id", ""),
            "dim": str(dim if dim is not None else self.base_meta.get("dim", "0")),
            "index_type": self.settings.retrieval.index_type,
            "bm25_tokens": BM25_TOKENIZATION,
            "chunk_count": str(len(self.vec_refs)),
            "built_at": repr(time.time()),
        }
        self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items())
        return meta

    def _write_search_files(self, dim: int) -> None:
        """Assemble vectors.npy and build FAISS and BM25 over all chunks."""
        count = len(self.vec_refs)
        if count == 0:
            return
        vectors = np.empty((count, dim), dtype=np.float32)
        reused = self.vec_refs >= 0
        if reused.any():
            assert self.base is not None
            old_vectors = np.load(self.base.folder / VECTORS_FILE, mmap_mode="r")
            vectors[reused] = old_vectors[self.vec_refs[reused]]
        if (~reused).any():
            new_rows = -self.vec_refs[~reused] - 1  # rows of the new vectors, in batches of embedding
            targets = np.flatnonzero(~reused)
            offset = 0
            for batch in self.new_vectors:
                in_batch = (new_rows >= offset) & (new_rows < offset + len(batch))
                vectors[targets[in_batch]] = batch[new_rows[in_batch] - offset]
                offset += len(batch)
        self.new_vectors = []
        np.save(self.folder / VECTORS_FILE, vectors)
        self._write_faiss(vectors)
        del vectors
        self._write_bm25()

    def _write_faiss(self, vectors: np.ndarray) -> None:
        import faiss

        if self.settings.retrieval.index_type == "hnsw":
            inner = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        else:
            inner = faiss.IndexFlatIP(vectors.shape[1])
        index = faiss.IndexIDMap(inner)
        index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
        faiss.write_index(index, str(self.folder / FAISS_FILE))

    def _write_bm25(self) -> None:
        rows = (tokens for (tokens,) in self.conn.execute("SELECT tokens FROM chunks ORDER BY vec_row"))
        build_bm25(rows).save(str(self.folder / BM25_DIR), show_progress=False)


def chunk_tokens(text: str) -> str:
    """A chunk's BM25 tokens as stored (``BM25_TOKENIZATION``), joined by ``TOKEN_SEPARATOR``."""
    return TOKEN_SEPARATOR.join(bm25_tokens(text, bigrams=True))


def _bm25_tokenization(meta: dict[str, str]) -> str:
    return meta.get("bm25_tokens", LEGACY_BM25_TOKENIZATION)


def build_bm25(token_rows: Iterable[str], k1: float = BM25_K1, b: float = BM25_B) -> Any:
    """A ``bm25s.BM25`` over pre-tokenised rows (tokens joined by ``TOKEN_SEPARATOR``).

    Same scores as ``bm25s.BM25().index(token_lists)`` (Lucene idf, k1/b), built
    with numpy from one row at a time: bm25s would hold every token of the corpus
    as a Python string (gigabytes at 100k chunks) and never sees our tokens'
    vocabulary filtered by its stopwords or one-letter rule.
    """
    import bm25s

    vocab: dict[str, int] = {}
    terms_per_row: list[np.ndarray] = []
    counts_per_row: list[np.ndarray] = []
    lengths: list[int] = []
    for tokens in token_rows:
        ids = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for t in tokens.split(TOKEN_SEPARATOR) if t), dtype=np.int32
        )
        terms, counts = np.unique(ids, return_counts=True)
        terms_per_row.append(terms)
        counts_per_row.append(counts.astype(np.int32))
        lengths.append(len(ids))
    vocab.setdefault("", len(vocab))  # bm25s scores an all-unknown query with this empty token
    n_docs, n_vocab = len(lengths), len(vocab)
    doc_lengths = np.asarray(lengths, dtype=np.float32)
    row_sizes = [len(t) for t in terms_per_row]
    terms = np.concatenate(terms_per_row) if terms_per_row else np.empty(0, dtype=np.int32)
    del terms_per_row
    tf = np.concatenate(counts_per_row).astype(np.float32) if counts_per_row else np.empty(0, np.float32)
    del counts_per_row
    docs = np.repeat(np.arange(n_docs, dtype=np.int32), row_sizes)
    df = np.bincount(terms, minlength=n_vocab)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    average_length = float(doc_lengths.mean()) if n_docs and doc_lengths.mean() > 0 else 1.0
    tfc = tf / (k1 * ((1 - b) + b * doc_lengths[docs] / average_length) + tf)
    del tf
    scores = (idf[terms] * tfc).astype(np.float32)
    del tfc
    by_term = np.argsort(terms, kind="stable")  # CSC: one column per term, rows (chunks) ascending
    del terms
    retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
    retriever.scores = {
        "data": scores[by_term],
        "indices": docs[by_term],
        "indptr": np.concatenate([[0], np.cumsum(df)]).astype(np.int64),
        "num_docs": n_docs,
    }
    retriever.vocab_dict = vocab
    retriever.nonoccurrence_array = None
    retriever.unique_token_ids_set = set(vocab.values())
    return retriever


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
