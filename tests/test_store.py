"""The persisted index: real SQLite, FAISS and bm25s round trips in tmp_path, with the fake embedder."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.normalize import bm25_tokens
from rag.settings import Settings, get_settings
from rag.store import Index
from rag.types import IndexMismatchError, IndexMissingError, RagError

try:
    from tests.fakes import FakeEmbedder
except ImportError:  # pytest run without the repository root on sys.path
    from fakes import FakeEmbedder

REPO_ROOT = Path(__file__).resolve().parent.parent
VIWIKI = REPO_ROOT.parent / "shared" / "data" / "viwiki" / "viwiki.jsonl.gz"

DOCS = {
    "tu_son.txt": "Thị xã Từ Sơn thuộc tỉnh Bắc Ninh, nổi tiếng với làng nghề gỗ Đồng Kỵ.",
    "hoa_binh.txt": "Tỉnh Hoà Bình nằm ở vùng Tây Bắc. Người dân mong muốn hoà bình và ấm no.",
    "y_te.txt": "Ngành y tế ở Hà Nội có nhiều bệnh viện lớn. Bộ Y tế quản lý các bệnh viện trung ương.",
    "sub/ha_noi.md": "# Hà Nội\n\nHà Nội là thủ đô của Việt Nam, có hồ Hoàn Kiếm và phố cổ.",
}


def write_docs(folder: Path, docs: dict[str, str]) -> None:
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_settings(tmp_path: Path, **overrides) -> Settings:
    return get_settings(
        {"paths": {"documents_dir": str(tmp_path / "docs"), "index_dir": str(tmp_path / "index")}},
        **overrides,
    )


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    write_docs(folder, DOCS)
    return folder


@pytest.fixture
def store_settings(tmp_path: Path, docs_dir: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def index(store_settings: Settings, embedder: FakeEmbedder) -> Index:
    built = Index.open(store_settings, embedder, create=True)
    built.ingest()
    return built


def path_of(index: Index, doc_id: str) -> str:
    """The documents-relative path of an indexed document."""
    return {d.doc_id: d.path for d in index.documents()}[doc_id]


def id_of(index: Index, path: str) -> str:
    """The doc_id of the indexed file at ``path`` (relative to the documents folder)."""
    return {d.path: d.doc_id for d in index.documents()}[path]


def current_generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def assert_consistent(index_dir: Path) -> int:
    """SQLite, vectors, FAISS and BM25 of the live generation agree; returns the chunk count."""
    import bm25s
    import faiss

    folder = current_generation(index_dir)
    conn = sqlite3.connect(f"file:{folder / 'meta.sqlite'}?mode=ro", uri=True)
    try:
        count = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        rows = sorted(r for (r,) in conn.execute("SELECT vec_row FROM chunks"))
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        orphans = conn.execute(
            "SELECT COUNT(*) FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0
    assert rows == list(range(count))
    assert int(meta["chunk_count"]) == count
    if count:
        assert np.load(folder / "vectors.npy", mmap_mode="r").shape[0] == count
        assert faiss.read_index(str(folder / "faiss.index")).ntotal == count
        assert bm25s.BM25.load(str(folder / "bm25")).scores["num_docs"] == count
    return count


# ---------------------------------------------------------------- round trips


def test_ingest_round_trip(index: Index, docs_dir: Path) -> None:
    infos = index.documents()
    assert [d.path for d in infos] == sorted(DOCS)
    assert all(d.chunks >= 1 and d.status == "indexed" for d in infos)
    for info in infos:
        text = index.document_text(info.doc_id)
        chunks = index.chunks_of(info.doc_id)
        assert [c.ordinal for c in chunks] == sorted(c.ordinal for c in chunks)
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text
            assert index.chunk(chunk.chunk_id) == chunk
    stats = index.stats()
    assert stats["documents"] == len(DOCS)
    assert stats["chunks"] == assert_consistent(index.folder)
    assert stats["model_id"] == "fake-hash-64" and stats["dim"] == 64


def test_lookups_of_unknown_ids_raise_key_error(index: Index) -> None:
    with pytest.raises(KeyError):
        index.chunk("nope#0")
    with pytest.raises(KeyError):
        index.document_text("nope.txt")
    assert index.chunks_of("nope.txt") == []


def test_reopened_index_searches_like_the_original(index: Index, store_settings: Settings) -> None:
    reopened = Index.open(store_settings, FakeEmbedder())
    query = "bệnh viện ở Hà Nội"
    assert reopened.dense_search(query, 3) == index.dense_search(query, 3)
    assert reopened.sparse_search(query, 3) == index.sparse_search(query, 3)
    assert path_of(index, reopened.dense_search(query, 1)[0][0].doc_id) == "y_te.txt"


def test_warm_up_loads_the_embedder_and_search_structures(
    index: Index, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.embedding

    made: list[FakeEmbedder] = []
    monkeypatch.setattr(
        rag.embedding, "get_embedder", lambda settings: made.append(FakeEmbedder()) or made[-1]
    )
    reopened = Index.open(store_settings)  # the embedder is built on first need
    assert not made
    reopened.warm_up()
    assert len(made) == 1 and reopened._faiss is not None and reopened._bm25 is not None
    assert reopened.dense_search("bệnh viện ở Hà Nội", 1) and len(made) == 1


def test_progress_reports_every_file(store_settings: Settings, embedder: FakeEmbedder) -> None:
    calls: list[tuple[int, int, str]] = []
    Index.open(store_settings, embedder, create=True).ingest(progress=lambda *a: calls.append(a))
    assert [done for done, _total, _path in calls] == list(range(1, len(DOCS) + 1))
    assert {total for _done, total, _path in calls} == {len(DOCS)}


# ---------------------------------------------------------------- incremental ingest


def test_unchanged_reingest_embeds_nothing_and_writes_nothing(index: Index, embedder: FakeEmbedder) -> None:
    generation = current_generation(index.folder)
    calls = embedder.document_calls
    report = index.ingest()
    assert report.unchanged == sorted(DOCS)
    assert not (report.added or report.updated or report.removed or report.failed)
    assert report.embedded_chunks == 0 and embedder.document_calls == calls
    assert current_generation(index.folder) == generation


def test_touched_file_with_same_content_is_unchanged(index: Index, docs_dir: Path, embedder) -> None:
    path = docs_dir / "y_te.txt"
    os.utime(path, (time.time() + 100, time.time() + 100))
    calls = embedder.document_calls
    report = index.ingest()
    assert "y_te.txt" in report.unchanged and not report.updated
    assert embedder.document_calls == calls
    assert index.ingest().unchanged == sorted(DOCS)  # the new mtime was recorded


def test_changed_file_is_replaced(index: Index, docs_dir: Path, embedder: FakeEmbedder) -> None:
    (docs_dir / "tu_son.txt").write_text("Thị xã Từ Sơn có chùa Tiêu và đền Đô.", encoding="utf-8")
    embedder.embedded_texts.clear()
    report = index.ingest()
    assert report.updated == ["tu_son.txt"]
    assert embedder.embedded_texts == ["Thị xã Từ Sơn có chùa Tiêu và đền Đô."]
    assert report.embedded_chunks == 1
    assert "chùa Tiêu" in index.document_text(id_of(index, "tu_son.txt"))
    top_chunk, _score = index.sparse_search("đền Đô", 1)[0]
    assert path_of(index, top_chunk.doc_id) == "tu_son.txt"
    assert not any("Đồng Kỵ" in c.text for c, _ in index.sparse_search("Đồng Kỵ", 5))
    assert_consistent(index.folder)


def test_deleted_file_is_removed(index: Index, docs_dir: Path) -> None:
    (docs_dir / "sub" / "ha_noi.md").unlink()
    report = index.ingest()
    assert report.removed == ["sub/ha_noi.md"]
    assert "sub/ha_noi.md" not in {d.path for d in index.documents()}
    assert all("Hoàn Kiếm" not in c.text for c, _ in index.sparse_search("Hoàn Kiếm phố cổ", 10))
    assert_consistent(index.folder)


def test_explicit_paths_ingest_only_those_and_remove_nothing(
    store_settings: Settings, docs_dir: Path, embedder: FakeEmbedder
) -> None:
    index = Index.open(store_settings, embedder, create=True)
    report = index.ingest([docs_dir / "sub"])
    assert report.added == ["sub/ha_noi.md"] and not report.removed
    report = index.ingest([docs_dir / "y_te.txt"])
    assert report.added == ["y_te.txt"] and not report.removed
    assert [d.path for d in index.documents()] == ["sub/ha_noi.md", "y_te.txt"]


def test_rebuild_starts_over(index: Index, embedder: FakeEmbedder) -> None:
    chunks = index.stats()["chunks"]
    embedder.embedded_texts.clear()
    report = index.ingest(rebuild=True)
    assert sorted(report.added) == sorted(DOCS)
    assert report.embedded_chunks == chunks == len(embedder.embedded_texts)
    assert_consistent(index.folder)


def test_bad_files_are_listed_and_the_rest_ingested(
    store_settings: Settings, docs_dir: Path, embedder: FakeEmbedder
) -> None:
    (docs_dir / "empty.txt").write_text("", encoding="utf-8")
    (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf \x00\xff\x00")
    report = Index.open(store_settings, embedder, create=True).ingest()
    assert set(report.failed) == {str(docs_dir / "empty.txt"), str(docs_dir / "broken.pdf")}
    assert all(reason and "\n" not in reason for reason in report.failed.values())
    assert sorted(report.added) == sorted(DOCS)


def test_remove_drops_one_document(index: Index) -> None:
    doc_id = id_of(index, "y_te.txt")
    index.remove(doc_id)
    assert "y_te.txt" not in {d.path for d in index.documents()}
    assert all(c.doc_id != doc_id for c, _ in index.sparse_search("bệnh viện y tế", 10))
    assert_consistent(index.folder)
    with pytest.raises(KeyError):
        index.remove(doc_id)


def test_other_open_index_follows_new_generations(index: Index, store_settings, docs_dir) -> None:
    reader = Index.open(store_settings, FakeEmbedder())
    assert len(reader.documents()) == len(DOCS)
    write_docs(docs_dir, {"new.txt": "Đà Nẵng có cầu Rồng bắc qua sông Hàn."})
    index.ingest()
    assert path_of(reader, reader.sparse_search("cầu Rồng", 1)[0][0].doc_id) == "new.txt"


def test_search_is_not_blocked_by_a_running_ingest(index: Index, docs_dir: Path, embedder) -> None:
    import threading

    started, release = threading.Event(), threading.Event()
    real_embed = embedder.embed_documents

    def slow_embed(texts):
        started.set()
        release.wait(10)
        return real_embed(texts)

    embedder.embed_documents = slow_embed
    write_docs(docs_dir, {"new.txt": "Đà Nẵng có cầu Rồng bắc qua sông Hàn."})
    worker = threading.Thread(target=index.ingest)
    worker.start()
    try:
        assert started.wait(10)
        begun = time.perf_counter()
        assert index.sparse_search("bệnh viện", 1)  # the previous generation answers meanwhile
        assert "new.txt" not in {d.path for d in index.documents()}
        assert time.perf_counter() - begun < 2
    finally:
        release.set()
        worker.join(10)
    assert path_of(index, index.sparse_search("cầu Rồng", 1)[0][0].doc_id) == "new.txt"


def test_failed_build_keeps_the_previous_generation(index: Index, docs_dir, monkeypatch) -> None:
    from rag import store

    before = current_generation(index.folder)
    write_docs(docs_dir, {"new.txt": "Đà Nẵng có cầu Rồng bắc qua sông Hàn."})

    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store._GenerationBuilder, "_write_bm25", explode)
    with pytest.raises(OSError, match="disk full"):
        index.ingest()
    assert current_generation(index.folder) == before
    assert not list(index.folder.glob("*.tmp"))
    assert "new.txt" not in {d.path for d in index.documents()}
    assert_consistent(index.folder)


def test_old_generations_are_cleaned(index: Index, docs_dir: Path) -> None:
    for n in range(3):
        write_docs(docs_dir, {f"extra{n}.txt": f"Tài liệu bổ sung số {n} về Hà Nội."})
        index.ingest()
    (index.folder / "gen-999999.tmp").mkdir()  # left by a killed ingest
    index.ingest([docs_dir / "extra0.txt"])  # nothing changes, but the lock holder cleans
    names = sorted(p.name for p in index.folder.glob("gen-*"))
    assert len(names) == 2 and current_generation(index.folder).name == names[-1]


def test_hnsw_index_type(tmp_path: Path, docs_dir: Path) -> None:
    settings = make_settings(tmp_path, retrieval={"index_type": "hnsw"})
    index = Index.open(settings, FakeEmbedder(), create=True)
    index.ingest()
    assert path_of(index, index.dense_search("bệnh viện y tế ở Hà Nội", 1)[0][0].doc_id) == "y_te.txt"
    assert_consistent(index.folder)


def test_bm25_builder_matches_bm25s_and_keeps_one_letter_syllables() -> None:
    import bm25s

    from rag.normalize import bm25_tokens
    from rag.store import build_bm25

    texts = [*DOCS.values(), "ý kiến của y tá ở trạm y tế", ""]
    rows = [" ".join(bm25_tokens(t)) for t in texts]
    ours = build_bm25(rows)
    reference = bm25s.BM25()
    reference.index([r.split(" ") if r else [] for r in rows], show_progress=False)
    for query in ("y tế ở Hà Nội", "Từ Sơn", "ý kiến"):
        tokens = bm25_tokens(query)
        assert "y" in ours.vocab_dict and "ở" in ours.vocab_dict
        got = ours.get_scores_from_ids([ours.vocab_dict[t] for t in tokens if t in ours.vocab_dict])
        known = [reference.vocab_dict[t] for t in tokens if t in reference.vocab_dict]
        want = reference.get_scores_from_ids(known)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- errors


def test_missing_index_says_to_ingest(store_settings: Settings) -> None:
    with pytest.raises(IndexMissingError, match="rag ingest"):
        Index.open(store_settings, FakeEmbedder())


def test_other_settings_say_to_rebuild(index: Index, tmp_path: Path, embedder: FakeEmbedder) -> None:
    other = make_settings(tmp_path, chunking={"size": 300})
    with pytest.raises(IndexMismatchError, match="rag ingest --rebuild"):
        Index.open(other, embedder)
    writer = Index.open(other, embedder, create=True)
    with pytest.raises(IndexMismatchError):
        writer.ingest()
    writer.ingest(rebuild=True)
    assert Index.open(other, embedder).stats()["chunks"] >= 1


def test_other_embedder_says_to_rebuild(index: Index, store_settings: Settings) -> None:
    with pytest.raises(IndexMismatchError, match="rag ingest --rebuild"):
        Index.open(store_settings, FakeEmbedder(dim=32, model_id="fake-hash-32"))
    with pytest.raises(IndexMismatchError):
        Index.open(store_settings, FakeEmbedder(model_id="another-model"))


def test_mismatch_error_is_a_rag_error() -> None:
    assert issubclass(IndexMismatchError, RagError) and issubclass(IndexMissingError, RagError)


# ---------------------------------------------------------------- Vietnamese matching


def test_query_without_diacritics_finds_the_chunk(index: Index) -> None:
    top_chunk, _score = index.sparse_search("Tu Son", 1)[0]
    assert "Từ Sơn" in top_chunk.text


def test_unknown_words_are_those_no_chunk_holds(index: Index) -> None:
    # compared as BM25 tokens: any case, typed bare or with the chunks' marks
    assert index.unknown_words(["Từ", "SƠN", "Son", "Ghandi", "zzzz"]) == ["Ghandi", "zzzz"]
    assert index.unknown_words([]) == []


def test_an_accented_query_word_finds_only_its_own_spelling(index: Index) -> None:
    # "Hạ" is not "Hà": only a word typed bare ("Ha") stands for every spelling of it.
    assert index.query_tokens("Hạ Long") == ["hạ", "long", "hạ_long"]
    assert index.sparse_search("Hạ Long", 5) == []
    assert "Hà Nội" in index.sparse_search("Ha Noi", 1)[0][0].text


def test_a_query_ranks_its_words_side_by_side_above_the_same_words_apart(
    store_settings: Settings, embedder: FakeEmbedder, docs_dir: Path
) -> None:
    # The same words, as often and as long: only the syllable pair "trang_hạ" tells them apart.
    (docs_dir / "apart.txt").write_text("Phường Hạ có chùa Trang cổ.", encoding="utf-8")
    (docs_dir / "together.txt").write_text("Phường Trang Hạ có chùa cổ.", encoding="utf-8")
    index = Index.open(store_settings, embedder, create=True)
    index.ingest()
    (first, first_score), (second, second_score) = index.sparse_search("Trang Hạ", 2)
    assert path_of(index, first.doc_id) == "together.txt" and path_of(index, second.doc_id) == "apart.txt"
    assert first_score > second_score


def test_an_index_of_single_syllables_is_searched_so_and_retokenised_without_embedding(
    store_settings: Settings, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As written before syllable pairs were indexed: no "bm25_tokens" in its meta.
    with monkeypatch.context() as old:
        old.setattr(store, "chunk_tokens", lambda text: store.TOKEN_SEPARATOR.join(bm25_tokens(text)))
        old.setattr(store, "BM25_TOKENIZATION", store.LEGACY_BM25_TOKENIZATION)
        Index.open(store_settings, embedder, create=True).ingest()
    index = Index.open(store_settings, embedder)
    assert index.query_tokens("Hà Nội") == ["hà", "nội"]  # what that index holds
    assert "Hà Nội" in index.sparse_search("Hà Nội", 1)[0][0].text
    calls = embedder.document_calls
    report = index.ingest()  # nothing changed but the tokenisation
    assert report.embedded_chunks == 0 and embedder.document_calls == calls
    assert index.stats()["generation"] == "gen-000002"
    assert index.query_tokens("Hà Nội") == ["hà", "nội", "hà_nội"]
    assert "Hà Nội" in index.sparse_search("Hà Nội", 1)[0][0].text
    assert index.ingest().embedded_chunks == 0 and index.stats()["generation"] == "gen-000002"


def test_tone_mark_conventions_match(index: Index) -> None:
    old_style, new_style = index.sparse_search("hòa bình", 3), index.sparse_search("hoà bình", 3)
    assert old_style and old_style == new_style
    assert path_of(index, old_style[0][0].doc_id) == "hoa_binh.txt"


def test_decomposed_file_and_query_match_composed_text(index: Index, docs_dir: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Phường Đông Ngàn có đình làng cổ kính.")
    write_docs(docs_dir, {"nfd.txt": nfd})
    index.ingest()
    assert index.document_text(id_of(index, "nfd.txt")) == unicodedata.normalize("NFC", nfd)
    query = unicodedata.normalize("NFD", "đình làng Đông Ngàn")
    assert path_of(index, index.sparse_search(query, 1)[0][0].doc_id) == "nfd.txt"


# ---------------------------------------------------------------- crash safety

INGEST_SCRIPT = """
import sys
sys.path[:0] = [{root!r}]
from tests.fakes import FakeEmbedder
from rag.settings import get_settings
from rag.store import Index
settings = get_settings({{"paths": {{"documents_dir": {docs!r}, "index_dir": {index!r}}}}})
Index.open(settings, FakeEmbedder(), create=True).ingest(rebuild=sys.argv[1] == "rebuild")
"""


def viwiki_docs(count: int, chars: int) -> dict[str, str]:
    docs = {}
    with gzip.open(VIWIKI, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if n == count:
                break
            article = json.loads(line)
            docs[f"wiki/{n:04d}.txt"] = f"{article['title']}\n\n{article['text'][:chars]}"
    return docs


def test_sigkill_during_ingest_leaves_a_consistent_index(tmp_path: Path) -> None:
    """Kill real ingest subprocesses at random moments; the index must always open, consistent."""
    if not VIWIKI.exists():
        pytest.skip(f"shared corpus missing: {VIWIKI}")
    docs_dir = tmp_path / "docs"
    settings = make_settings(tmp_path)
    corpus = viwiki_docs(260, 1500)
    names = sorted(corpus)
    write_docs(docs_dir, {name: corpus[name] for name in names[:200]})
    Index.open(settings, FakeEmbedder(), create=True).ingest()
    index_dir = str(settings.paths.index_dir)
    script = INGEST_SCRIPT.format(root=str(REPO_ROOT), docs=str(docs_dir), index=index_dir)

    def run_ingest(mode: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", script, mode], stderr=subprocess.PIPE)

    def snapshot() -> set[str]:
        return {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.txt")}

    rng = random.Random(20261127)
    started = time.perf_counter()
    process = run_ingest("rebuild")  # an uninterrupted run measures how long one takes
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    full_run = time.perf_counter() - started
    states = {frozenset(snapshot())}
    killed_mid_build = 0
    for round_number in range(6):
        # change the documents: some edited, some added, some deleted
        present = sorted(snapshot())
        for name in rng.sample(present, 15):
            (docs_dir / name).write_text(corpus[name] + f"\nSửa đổi lần {round_number}.", encoding="utf-8")
        for name in rng.sample(present, 8):
            (docs_dir / name).unlink()
        absent = [n for n in names if n not in present]
        write_docs(docs_dir, {name: corpus[name] for name in rng.sample(absent, min(8, len(absent)))})
        states.add(frozenset(snapshot()))

        process = run_ingest("rebuild" if round_number % 2 else "sync")
        time.sleep(rng.uniform(0.2, 1.0) * full_run)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        killed_mid_build += any(settings.paths.index_dir.glob("*.tmp"))

        count = assert_consistent(settings.paths.index_dir)
        reopened = Index.open(settings, FakeEmbedder())
        indexed = {d.path for d in reopened.documents()}
        assert frozenset(indexed) in states  # the state of some complete ingest, never a mix
        assert sum(d.chunks for d in reopened.documents()) == count
        assert reopened.sparse_search("tiểu hành tinh", 3)
        assert reopened.dense_search("tiểu hành tinh vành đai chính", 3)
    # a normal ingest afterwards cleans up and brings the index up to date
    report = Index.open(settings, FakeEmbedder(), create=True).ingest()
    assert not report.failed and not list(settings.paths.index_dir.glob("*.tmp"))
    assert {d.path for d in Index.open(settings, FakeEmbedder()).documents()} == snapshot()
    assert_consistent(settings.paths.index_dir)
    print(f"full run {full_run:.1f}s; {killed_mid_build} of 6 kills landed while a generation was built")
