"""Hybrid retrieval: RRF arithmetic, search over a real index (fake embedder), passage merging."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rag.retrieve import (
    CROSS_LANGUAGE_SPARSE_WEIGHT,
    lexical_match,
    merge_passages,
    name_and_number_words,
    normalised_scores,
    search,
    sparse_plan,
    sparse_weight_for,
    weighted_rrf,
    weighted_score_fusion,
)
from rag.settings import RetrievalSettings, Settings, get_settings
from rag.store import Index
from rag.types import Chunk, Hit

try:
    from tests.fakes import FakeEmbedder
except ImportError:  # pytest run without the repository root on sys.path
    from fakes import FakeEmbedder


# ---------------------------------------------------------------- weighted RRF


def test_rrf_hand_computed() -> None:
    fused = weighted_rrf({"dense": ["x", "y", "z"], "sparse": ["z", "y"]}, {"dense": 1, "sparse": 1}, k=60)
    assert fused == pytest.approx({"x": 1 / 61, "y": 1 / 62 + 1 / 62, "z": 1 / 63 + 1 / 61})
    assert list(fused) == ["z", "y", "x"]  # 0.032266 > 0.032258 > 0.016393


def test_rrf_weights_scale_each_ranking() -> None:
    fused = weighted_rrf({"dense": ["a", "b"], "sparse": ["b", "a"]}, {"dense": 2.0, "sparse": 0.5}, k=1)
    assert fused == pytest.approx({"a": 2 / 2 + 0.5 / 3, "b": 2 / 3 + 0.5 / 2})
    assert list(fused) == ["a", "b"]


def test_rrf_zero_weight_switches_a_ranking_off() -> None:
    fused = weighted_rrf({"dense": ["a"], "sparse": ["b", "a"]}, {"dense": 1.0, "sparse": 0.0}, k=60)
    assert fused == pytest.approx({"a": 1 / 61, "b": 0.0})
    assert list(fused)[0] == "a"


def test_rrf_missing_weight_counts_one_and_repeats_are_ignored() -> None:
    fused = weighted_rrf({"only": ["a", "a", "b"]}, {}, k=0)
    assert fused == pytest.approx({"a": 1.0, "b": 1 / 3})


def test_rrf_of_nothing_is_empty() -> None:
    assert weighted_rrf({}, {}, k=60) == {}
    assert weighted_rrf({"dense": []}, {"dense": 1.0}, k=60) == {}


def test_score_fusion_hand_computed() -> None:
    assert normalised_scores([("a", 3.0), ("b", 2.0), ("c", 1.0)]) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert normalised_scores([("a", 0.7)]) == {"a": 1.0}
    fused = weighted_score_fusion(
        {"dense": [("a", 0.9), ("b", 0.8), ("c", 0.7)], "sparse": [("c", 10.0), ("a", 5.0), ("d", 0.0)]},
        {"dense": 1.0, "sparse": 0.5},
    )
    # a: 1 + 0.5*0.5, b: 0.5, c: 0 + 0.5*1, d: 0
    assert fused == pytest.approx({"a": 1.25, "b": 0.5, "c": 0.5, "d": 0.0})
    assert list(fused)[0] == "a"
    assert weighted_score_fusion({}, {}) == {}


# ---------------------------------------------------------------- search


DOCS = {
    "tu_son.txt": "Thị xã Từ Sơn thuộc tỉnh Bắc Ninh, nổi tiếng với làng nghề gỗ Đồng Kỵ.",
    "y_te.txt": "Ngành y tế ở Hà Nội có nhiều bệnh viện lớn. Bộ Y tế quản lý các bệnh viện trung ương.",
    "ha_noi.txt": "Hà Nội là thủ đô của Việt Nam, có hồ Hoàn Kiếm và phố cổ.",
    "lua_gao.txt": "Đồng bằng sông Cửu Long là vựa lúa lớn nhất cả nước, xuất khẩu gạo hàng năm.",
}


@pytest.fixture
def search_settings(tmp_path: Path) -> Settings:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return get_settings({"paths": {"documents_dir": str(docs), "index_dir": str(tmp_path / "index")}})


@pytest.fixture
def index(search_settings: Settings) -> Index:
    built = Index.open(search_settings, FakeEmbedder(), create=True)
    built.ingest()
    return built


def test_search_returns_fused_hits_with_both_scores(index: Index, search_settings: Settings) -> None:
    hits = search(index, "bệnh viện y tế Hà Nội", search_settings, k=3)
    assert len(hits) == 3
    assert hits[0].chunk.title.startswith("Ngành y tế")
    assert hits[0].dense_rank == 1 and hits[0].sparse_rank == 1
    assert hits[0].dense_score is not None and hits[0].sparse_score is not None
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk.chunk_id for h in hits}) == 3


def test_rrf_fusion_and_alternates(index: Index, search_settings: Settings) -> None:
    hits = search(index, "bệnh viện y tế Hà Nội", search_settings, k=3, fusion="rrf")
    assert hits[0].score == pytest.approx(2 / 61)  # first in both rankings, weights 1 and 1
    plain = search(index, "Which hospitals?", search_settings, k=4)
    helped = search(index, "Which hospitals?", search_settings, k=4, alternates=["bệnh viện"])
    assert helped[0].chunk.title.startswith("Ngành y tế")
    assert len(helped) == len(plain) == 4


def test_an_alternate_phrasing_keeps_its_share_of_the_bm25_weight(
    index: Index, search_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.retrieve as retrieve

    fused_with: list[dict[str, float]] = []
    original = retrieve.weighted_score_fusion

    def spy(results, weights):  # type: ignore[no-untyped-def]
        fused_with.append(dict(weights))
        return original(results, weights)

    monkeypatch.setattr(retrieve, "weighted_score_fusion", spy)
    own = sparse_weight_for(index, "bệnh viện Hà Nội", search_settings)
    for share in (1.0, 0.5):
        settings = get_settings(search_settings, retrieval={"alternate_sparse_weight": share})
        search(index, "Which hospitals in Hanoi?", settings, k=3, alternates=["bệnh viện Hà Nội"])
        assert fused_with[-1]["sparse1"] == pytest.approx(own * share)
        assert fused_with[-1]["dense1"] == fused_with[-1]["dense0"]  # the dense lists count alike
    # at 0 the alternate's BM25 list is not even asked for
    asked: list[str] = []
    monkeypatch.setattr(index, "sparse_search", lambda query, n: asked.append(query) or [])
    settings = get_settings(search_settings, retrieval={"alternate_sparse_weight": 0.0})
    search(index, "Which hospitals in Hanoi?", settings, k=3, alternates=["bệnh viện Hà Nội"])
    assert "bệnh viện Hà Nội" not in asked


def test_each_retriever_hands_over_its_candidates(
    index: Index, search_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, int]] = []
    for name in ("dense_search", "sparse_search"):
        original = getattr(index, name)

        def spy(query: str, n: int, _name: str = name, _original=original):  # type: ignore[no-untyped-def]
            asked.append((_name, n))
            return _original(query, n)

        monkeypatch.setattr(index, name, spy)
    search(index, "bệnh viện Hà Nội", get_settings(search_settings, retrieval={"candidates": 7}), k=3)
    assert asked == [("dense_search", 7), ("sparse_search", 7)]
    asked.clear()
    # never fewer candidates than hits asked for; the default reaches deep (see rag.retrieve)
    search(index, "bệnh viện Hà Nội", get_settings(search_settings, retrieval={"candidates": 2}), k=5)
    assert asked == [("dense_search", 5), ("sparse_search", 5)]
    assert RetrievalSettings().candidates >= 100  # the default, whatever the environment sets


def test_search_default_k_is_top_k(index: Index, search_settings: Settings) -> None:
    settings = get_settings(search_settings, retrieval={"top_k": 2})
    assert len(search(index, "Hà Nội", settings)) == 2


def test_query_without_diacritics_reaches_the_chunk(index: Index, search_settings: Settings) -> None:
    hits = search(index, "Tu Son Bac Ninh", search_settings, k=1)
    assert "Từ Sơn" in hits[0].chunk.text and hits[0].sparse_rank == 1


def test_sparse_weight_follows_vocabulary_and_language(index: Index, search_settings: Settings) -> None:
    assert sparse_weight_for(index, "bệnh viện Hà Nội", search_settings) == pytest.approx(1.0)
    assert sparse_weight_for(index, "bệnh viện zzzz", search_settings) == pytest.approx(
        2 / 3
    )  # syllables known
    # Vietnamese typed without diacritics may be guessed English; the index knows its words
    plan = sparse_plan(index, "benh vien o ha noi", search_settings)
    assert not plan.cross_language and plan.weight == pytest.approx(1.0)
    assert sparse_weight_for(index, "zzzz qqqq", search_settings) == 0.0
    off = get_settings(search_settings, retrieval={"sparse_weight": 0.0})
    assert sparse_weight_for(index, "bệnh viện Hà Nội", off) == 0.0


def test_cross_language_query_gives_bm25_only_its_names(index: Index, search_settings: Settings) -> None:
    plan = sparse_plan(index, "Which hospitals are there in Ha Noi?", search_settings)
    assert plan.cross_language and plan.query == "Ha Noi"
    assert plan.weight == pytest.approx(CROSS_LANGUAGE_SPARSE_WEIGHT)
    assert sparse_weight_for(index, "Which hospitals are the largest?", search_settings) == 0.0
    hits = search(index, "Which hospitals are there in Ha Noi?", search_settings, k=4)
    assert all("Hà Nội" in h.chunk.text for h in hits if h.sparse_rank == 1)


def test_name_and_number_words() -> None:
    question = "How many points did the Panthers defense surrender in Super Bowl 50?"
    assert name_and_number_words(question) == "Panthers Super Bowl 50"
    assert name_and_number_words("What is the capital?") == ""


def test_search_with_unknown_words_falls_back_to_dense(index: Index, search_settings: Settings) -> None:
    hits = search(index, "zzzz qqqq", search_settings, k=2)
    assert len(hits) == 2 and all(h.sparse_rank is None and h.dense_rank for h in hits)


# ---------------------------------------------------------------- passages

DOC_TEXT = "".join(f"Câu số {n:02d} nói về chủ đề {n}. " for n in range(20))


class TextIndex:
    """Just enough of an Index for merge_passages: document texts."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def document_text(self, doc_id: str) -> str:
        return self.texts[doc_id]


def chunk_at(doc_id: str, ordinal: int, start: int, end: int, page: int | None = None) -> Chunk:
    text = TEXTS[doc_id][start:end]
    return Chunk(f"{doc_id}#{ordinal}", doc_id, doc_id.upper(), text, start, end, ordinal, page)


TEXTS = {"a": DOC_TEXT, "b": DOC_TEXT.replace("chủ đề", "vấn đề"), "a-copy": DOC_TEXT}


def hits_of(*chunks: Chunk) -> list[Hit]:
    return [Hit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(chunks)]


def test_adjacent_and_overlapping_chunks_merge_into_one_passage() -> None:
    a0, a1 = chunk_at("a", 0, 0, 100, page=1), chunk_at("a", 1, 80, 180, page=2)
    a2 = chunk_at("a", 2, 180, 260)
    b0 = chunk_at("b", 0, 0, 90)
    passages = merge_passages(hits_of(a1, b0, a0, a2), TextIndex(TEXTS), top_k=4)
    assert [(p.n, p.doc_id) for p in passages] == [(1, "a"), (2, "b")]
    first = passages[0]
    assert (first.start, first.end) == (0, 260)
    assert first.text == DOC_TEXT[0:260]
    assert first.chunk_ids == ("a#0", "a#1", "a#2")
    assert first.page == 1 and first.score == 1.0 and first.title == "A"


def test_distant_chunks_of_one_document_stay_separate_until_a_bridge_arrives() -> None:
    a0, a2, a1 = chunk_at("a", 0, 0, 100), chunk_at("a", 2, 200, 300), chunk_at("a", 1, 100, 200)
    separate = merge_passages(hits_of(a0, a2), TextIndex(TEXTS), top_k=4)
    assert [(p.start, p.end) for p in separate] == [(0, 100), (200, 300)]
    bridged = merge_passages(hits_of(a2, a0, a1), TextIndex(TEXTS), top_k=4)
    assert [(p.n, p.start, p.end) for p in bridged] == [(1, 0, 300)]
    assert bridged[0].score == 1.0  # the best hit's score


def test_duplicates_dropped_and_top_k_respected() -> None:
    a0, b0, c0 = chunk_at("a", 0, 0, 100), chunk_at("b", 0, 0, 100), chunk_at("a-copy", 0, 0, 100)
    b5 = chunk_at("b", 5, 500, 600)
    passages = merge_passages(hits_of(a0, a0, c0, b0, b5), TextIndex(TEXTS), top_k=2)
    assert [p.doc_id for p in passages] == ["a", "b"]  # a-copy has the same text as a
    assert [p.n for p in passages] == [1, 2]
    assert len(merge_passages(hits_of(a0, b0, b5), TextIndex(TEXTS), top_k=2)) == 2


def test_passages_from_a_real_index(index: Index, search_settings: Settings) -> None:
    hits = search(index, "Hà Nội", search_settings, k=4)
    passages = merge_passages(hits, index, top_k=3)
    assert 1 <= len(passages) <= 3
    for passage in passages:
        assert index.document_text(passage.doc_id)[passage.start : passage.end] == passage.text


# ---------------------------------------------------------------- wording bonus


def test_lexical_match_hand_computed() -> None:
    idf = {"quỹ": 3.0, "tài": 2.0, "trợ": 2.0, "của": 0.5, "trường": 1.0}
    query = ["quỹ", "tài", "trợ", "của", "trường"]  # idf mass 8.5; pairs weigh 5 + 4 + 2.5 + 1.5 = 13
    text = "Quỹ của trường rất lớn. Khoản tài trợ đến sau."
    sentence, phrase = lexical_match(query, idf, text)
    assert sentence == pytest.approx(4.5 / 8.5)  # "quỹ", "của", "trường" in the first sentence
    assert phrase == pytest.approx(5.5 / 13)  # "tài trợ" and "của trường" occur as pairs
    whole = lexical_match(query, idf, "Quỹ tài trợ của trường.")
    assert whole == (pytest.approx(1.0), pytest.approx(1.0))
    assert lexical_match(query, idf, "Không liên quan.") == (0.0, 0.0)
    assert lexical_match([], idf, "Quỹ.") == (0.0, 0.0)


def test_token_idf_follows_document_frequency(index: Index) -> None:
    idf = index.token_idf(["có", "hoàn", "zzzz"])
    assert idf["hoàn"] > idf["có"] > 0  # "có" is in two chunks, "hoàn" in one
    assert idf["zzzz"] >= idf["hoàn"]  # a word no chunk has is as rare as it gets


def test_usual_spellings_are_the_chunks_commonest_spelling_of_each_unaccented_word(index: Index) -> None:
    spellings = index.usual_spellings(["ha", "noi", "co", "tu", "son", "zzzz", "lua"])
    # "có" twice, "cổ" once; "Hà"/"Nội" as indexed (lowercase); "zzzz" is in no chunk
    assert spellings == {"ha": "hà", "noi": "nội", "co": "có", "tu": "từ", "son": "sơn", "lua": "lúa"}
    assert index.usual_spellings(["long"]) == {}  # "Long" is only ever unaccented: nothing to add


WORDING_DOCS = {
    # the question's words, scattered over sentences and repeated: BM25 likes this short chunk
    "scattered.txt": "Quy mô tăng. Khoản vay lớn. Tài trợ nhiều. Trường mới. Quy mô tài trợ.",
    # the question's words in one sentence, in its order, inside a longer text
    "answer.txt": "Đại học được tổ chức thành mười một đơn vị học thuật và nhiều viện nghiên cứu. "
    "Quy mô khoản tài trợ của trường là 6,5 tỷ đô la vào năm 2014, đứng thứ mười hai cả nước, "
    "nhờ hòa bình.",
}


def test_wording_bonus_prefers_the_sentence_that_holds_the_question(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in WORDING_DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = get_settings({"paths": {"documents_dir": str(docs), "index_dir": str(tmp_path / "index")}})
    built = Index.open(settings, FakeEmbedder(), create=True)
    built.ingest()
    question = "Quy mô khoản tài trợ của trường là bao nhiêu?"
    off = get_settings(settings, retrieval={"sentence_match_weight": 0.0, "phrase_match_weight": 0.0})
    assert (
        search(built, question, off, k=1)[0].chunk.doc_id
        != search(built, question, settings, k=1)[0].chunk.doc_id
    )
    best = search(built, question, settings, k=2)
    assert "6,5 tỷ" in best[0].chunk.text
    assert best[0].score > best[1].score
    # decomposed (NFD), with the old tone-mark placement ("hoà"): the same bonus as "hòa"
    modern = search(built, question + " Nhờ hòa bình?", settings, k=1)[0]
    decomposed = search(built, unicodedata.normalize("NFD", question + " Nhờ hoà bình?"), settings, k=1)[0]
    assert decomposed.chunk.chunk_id == modern.chunk.chunk_id == best[0].chunk.chunk_id
    assert decomposed.score == pytest.approx(modern.score)
    # RRF fusion keeps its rank arithmetic: no bonus is added there
    assert search(built, question, settings, k=1, fusion="rrf")[0].score <= 2 / 61
