"""The QA benchmark: the reports QA set's labels, and the runner's mechanics with a fake assistant."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from eval.datasets import (
    REPO_ROOT,
    REPORTS_QA,
    VIWIKI,
    WIKI_ARTICLES,
    WIKI_QA,
    Dataset,
    EvalItem,
    GoldEvidence,
    evidence_paths,
    load_reports,
    load_wiki,
    read_qa_records,
    sample_items,
    with_distractors,
)
from eval.metrics import answer_tokens, contains_fact
from eval.runner import format_table, load_dataset, run_eval
from eval.spans import locate_quote, normalize_document_text
from eval.squad import load_squad, squad_dataset
from rag.types import Answer, Chunk, Citation, DocumentInfo, Hit, Passage, Timings

# ---------------------------------------------------------------- the reports QA set


@pytest.fixture(scope="module")
def qa_records():
    return read_qa_records(REPORTS_QA)


def test_reports_qa_has_the_required_mix(qa_records):
    ids = [r["id"] for r in qa_records]
    assert len(ids) == len(set(ids)), "QA ids must be unique"
    assert len(qa_records) >= 40
    assert sum(r["language"] == "en" for r in qa_records) >= 10
    assert sum(r["language"] == "vi" for r in qa_records) >= 10
    assert sum(not r["answerable"] for r in qa_records) >= 8
    conversations = [r for r in qa_records if "turns" in r]
    assert len(conversations) >= 3
    assert all(len(r["turns"]) >= 2 for r in conversations)


def test_reports_qa_items_are_consistent(qa_records):
    for record in qa_records:
        item = load_reports().items[[r["id"] for r in qa_records].index(record["id"])]
        if item.answerable:
            assert item.answers and item.key_facts and item.evidence, item.id
            for fact in item.key_facts:
                # every key fact must be something a gold answer says
                assert any(contains_fact(answer, fact) for answer in item.answers), (item.id, fact)
        else:
            assert not item.answers and not item.key_facts and not item.evidence, item.id


def test_every_gold_quote_occurs_verbatim_in_its_report(qa_records):
    documents = evidence_paths(qa_records)
    raw = {name: path.read_text(encoding="utf-8") for name, path in documents.items()}
    for record in qa_records:
        for evidence in record["evidence"]:
            text = raw[Path(evidence["path"]).name]
            quote = evidence["quote"]
            assert quote in text, f"{record['id']}: not copied exactly: {quote!r}"
            assert unicodedata.normalize("NFC", quote) in unicodedata.normalize("NFC", text), record["id"]
            # the index stores normalised text; the quote must be found there too
            assert locate_quote(quote, normalize_document_text(text)) is not None, record["id"]


# ---------------------------------------------------------------- the wiki QA set (several documents)


@pytest.fixture(scope="module")
def wiki():
    if not VIWIKI.exists():
        pytest.skip(f"shared corpus missing: {VIWIKI}")
    return load_wiki()


def test_wiki_qa_asks_of_every_kind_of_document_in_one_pool(wiki):
    records = read_qa_records(WIKI_QA)
    assert len({r["id"] for r in records}) == len(records) == len(wiki.items) >= 40
    assert set(wiki.documents) == {f"{title}.txt" for title in WIKI_ARTICLES} | {"000_d6dbdd2ddfa3846f.txt"}
    quoted = {e.document for item in wiki.items for e in item.evidence}
    assert "000_d6dbdd2ddfa3846f.txt" in quoted and len(quoted) >= 12  # the report among the articles
    assert sum(item.language == "en" for item in wiki.items) >= 4
    assert sum(not item.answerable for item in wiki.items) >= 8
    assert any(len(item.turns) >= 3 for item in wiki.items)  # a follow-up of a follow-up
    for item in wiki.items:
        if item.answerable:
            assert item.key_facts and all(
                any(contains_fact(a, f) for a in item.answers) for f in item.key_facts
            )
        for evidence in item.evidence:
            text = wiki.documents[evidence.document]
            assert evidence.quote in text, (item.id, evidence.quote)
            assert locate_quote(evidence.quote, normalize_document_text(text)) is not None, item.id
    # an article title opens its document, capitalised as a title
    assert wiki.documents["thủ dầu một.txt"].startswith("Thủ dầu một\n\n")


def test_wiki_qa_names_the_article_it_cannot_find(tmp_path):
    if not VIWIKI.exists():
        pytest.skip(f"shared corpus missing: {VIWIKI}")
    qa = tmp_path / "qa.jsonl"
    record = {
        "id": "x",
        "language": "vi",
        "question": "?",
        "answerable": True,
        "answers": ["a"],
        "key_facts": ["a"],
    }
    record["evidence"] = [{"path": "viwiki/không có bài này.txt", "quote": "a"}]
    qa.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="không có bài này"):
        load_wiki(qa)


def test_quote_found_despite_whitespace_and_tone_placement():
    document = normalize_document_text("Gia đình văn hoá,\u00a0 3/3 khu dân cư\nđạt danh hiệu.")
    start, end = locate_quote("văn hóa, 3/3 khu dân cư đạt", document)
    assert document[start:end].startswith("văn h")
    assert document[start:end].endswith("đạt")
    assert locate_quote("không có", document) is None


def test_sampling_is_seeded_and_keeps_order():
    items = [EvalItem(id=str(i), language="vi", turns=(f"q{i}",), answerable=False) for i in range(50)]
    first = sample_items(items, 10, seed=1)
    assert first == sample_items(items, 10, seed=1)
    assert first != sample_items(items, 10, seed=2)
    assert [int(i.id) for i in first] == sorted(int(i.id) for i in first)
    assert sample_items(items, None, seed=1) == items
    assert sample_items(items, 500, seed=1) == items


# ---------------------------------------------------------------- SQuAD import


SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Sông Hồng",
            "paragraphs": [
                {
                    "context": "Sông Hồng dài 1.149 km và chảy qua Hà Nội.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "Sông Hồng dài bao nhiêu?",
                            "answers": [{"answer_start": 14, "text": "1.149 km"}],
                        },
                        {
                            "id": "q2",
                            "question": "Sông Hồng chảy qua đâu?",
                            "answers": [{"answer_start": 35, "text": "Hà Nội"}],
                        },
                    ],
                },
                {
                    "context": "Vịnh Hạ Long có 1.969 hòn đảo.",
                    "qas": [
                        {
                            "id": "q3",
                            "question": "Vịnh Hạ Long có bao nhiêu đảo?",
                            "answers": [{"answer_start": 16, "text": "1.969"}],
                        }
                    ],
                },
            ],
        }
    ],
}
SQUAD_EN = {
    "version": "1.1",
    "data": [
        {
            "title": "Red River",
            "paragraphs": [
                {
                    "context": "The Red River is 1,149 km long and flows through Hanoi.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "How long is the Red River?",
                            "answers": [{"answer_start": 17, "text": "1,149 km"}],
                        },
                        {
                            "id": "q2",
                            "question": "Where does the Red River flow?",
                            "answers": [{"answer_start": 49, "text": "Hanoi"}],
                        },
                    ],
                },
                {
                    "context": "Ha Long Bay has 1,969 islands.",
                    "qas": [
                        {
                            "id": "q3",
                            "question": "How many islands does Ha Long Bay have?",
                            "answers": [{"answer_start": 16, "text": "1,969"}],
                        }
                    ],
                },
            ],
        }
    ],
}


@pytest.fixture
def squad_files(tmp_path):
    vi, en = tmp_path / "tiny.vi.json", tmp_path / "tiny.en.json"
    vi.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    en.write_text(json.dumps(SQUAD_EN), encoding="utf-8")
    return vi, en


def test_squad_paragraphs_become_documents(squad_files):
    vi, _ = squad_files
    paragraphs = load_squad(vi)
    assert [len(p.questions) for p in paragraphs] == [2, 1]
    dataset = squad_dataset("tiny", vi)
    assert len(dataset.documents) == 2 and len(dataset.items) == 3
    first = dataset.items[0]
    assert first.language == "vi" and first.answerable
    assert first.evidence == (GoldEvidence(paragraphs[0].name, whole_document=True),)
    assert dataset.documents[paragraphs[0].name] == SQUAD["data"][0]["paragraphs"][0]["context"]


def test_cross_lingual_squad_asks_english_over_the_vietnamese_pool(squad_files):
    vi, en = squad_files
    dataset = squad_dataset("tiny-en-vi", vi, en)
    assert set(dataset.documents.values()) == {p["context"] for p in SQUAD["data"][0]["paragraphs"]}
    item = dataset.items[0]
    assert item.language == "en" and item.question == "How long is the Red River?"
    assert set(item.answers) == {"1,149 km", "1.149 km"}  # either language's answer is accepted


def test_squad_holdout_makes_questions_unanswerable(squad_files):
    vi, _ = squad_files
    dataset = squad_dataset("tiny-holdout", vi, holdout_fraction=0.5, seed=0)
    assert len(dataset.documents) == 1
    held = [i for i in dataset.items if not i.answerable]
    assert held and all(not i.evidence and not i.answers for i in held)
    kept_documents = {e.document for i in dataset.items for e in i.evidence}
    assert kept_documents <= set(dataset.documents)


def test_distractor_articles_pad_the_pool_but_not_the_questions(squad_files, tmp_path):
    import gzip

    vi, _ = squad_files
    corpus = tmp_path / "viwiki.jsonl.gz"
    articles = [{"title": f"Bài {n}", "text": f"Nội dung thứ {n} về Hà Nội."} for n in range(3)]
    with gzip.open(corpus, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    dataset = squad_dataset("tiny", vi)
    padded = with_distractors(dataset, 2, corpus)
    assert padded.name == "tiny+viwiki2" and padded.items == dataset.items
    added = set(padded.documents) - set(dataset.documents)
    assert sorted(added) == ["viwiki-00000.txt", "viwiki-00001.txt"]
    assert padded.documents["viwiki-00001.txt"] == "Bài 1\n\nNội dung thứ 1 về Hà Nội."
    assert with_distractors(dataset, 0, corpus) is dataset
    with pytest.raises(FileNotFoundError, match="missing.jsonl.gz"):
        with_distractors(dataset, 2, tmp_path / "missing.jsonl.gz")


def test_load_dataset_names_and_paths(squad_files):
    vi, _ = squad_files
    assert load_dataset("reports").name == "reports"
    assert load_dataset(str(vi)).name == "tiny.vi"
    assert load_dataset(str(REPORTS_QA)).items[0].id == read_qa_records()[0]["id"]
    from rag.types import ConfigError

    with pytest.raises(ConfigError):
        load_dataset("no-such-dataset")


# ---------------------------------------------------------------- a fake assistant


def _words(text: str) -> set[str]:
    return set(answer_tokens(text))


class FakeIndex:
    """Chunks are the paragraphs of the eval documents; rankings are scripted or by word overlap."""

    def __init__(self, assistant: FakeAssistant) -> None:
        self.assistant = assistant

    def _ranked(self, script: dict, query: str, n: int) -> list[tuple[Chunk, float]]:
        chunks = self.assistant.chunks
        if query in script:
            return [(chunks[cid], score) for cid, score in script[query]][:n]
        scored = [
            (c, len(_words(query) & _words(c.text)) / (1 + len(_words(c.text)))) for c in chunks.values()
        ]
        scored = [pair for pair in scored if pair[1] > 0]
        return sorted(scored, key=lambda pair: -pair[1])[:n]

    def sparse_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        return self._ranked(self.assistant.script.get("bm25", {}), query, n)

    def dense_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        return self._ranked(self.assistant.script.get("dense", {}), query, n)


class FakeAssistant:
    """The pipeline's shape: ingest, documents, document_text, search, ask, answer_from_passages."""

    def __init__(self, settings, script: dict | None = None) -> None:
        self.settings = settings
        self.script = script or {}
        self.index = FakeIndex(self)
        self.texts: dict[str, str] = {}
        self.chunks: dict[str, Chunk] = {}
        self.asked: list[tuple[str, list]] = []

    def ingest(self, rebuild: bool = False) -> None:
        folder = Path(self.settings.paths.documents_dir)
        for path in sorted(folder.glob("*.txt")):
            text = normalize_document_text(path.read_text(encoding="utf-8"))
            self.texts[path.name] = text
            start = 0
            for ordinal, paragraph in enumerate(text.split("\n\n")):
                chunk_id = f"{path.stem}#{ordinal}"
                self.chunks[chunk_id] = Chunk(
                    chunk_id, path.name, path.stem, paragraph, start, start + len(paragraph), ordinal
                )
                start += len(paragraph) + 2

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(d, d, d, 1, "", 0.0, 0.0) for d in self.texts]

    def document_text(self, doc_id: str) -> str:
        return self.texts[doc_id]

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        script = self.script.get("hybrid", {})
        if query in script:
            return [Hit(self.chunks[cid], 1.0 / rank) for rank, cid in enumerate(script[query], start=1)][:k]
        return [Hit(c, s) for c, s in self.index.dense_search(query, k or 4)]

    def _answer(
        self, question: str, text: str, refused: bool, cite: str | None, shown: list[str], i: int
    ) -> Answer:
        passages = [
            Passage(
                n,
                self.chunks[c].doc_id,
                "t",
                self.chunks[c].text,
                self.chunks[c].start,
                self.chunks[c].end,
                (c,),
                1.0,
            )
            for n, c in enumerate(shown, start=1)
        ]
        citations = []
        if cite:
            chunk = self.chunks[cite]
            citations.append(Citation(1, chunk.doc_id, "t", cite, chunk.start, chunk.end, chunk.text, True))
        timings = Timings(
            retrieve_ms=10.0 * i,
            translate_ms=300.0 if i == 2 else 0.0,
            ttft_ms=100.0 * i,
            total_ms=1000.0 * i,
            gen_tokens=10,
            gen_tokens_per_s=5.0,
        )
        if refused:  # refused before generating: no first token
            timings = Timings(retrieve_ms=10.0 * i, total_ms=1000.0 * i)
        return Answer(question, text, "vi", refused, not refused, citations, passages, timings=timings)

    def ask(self, question: str, history=()) -> Answer:
        self.asked.append((question, list(history)))
        replies = self.script["answers"]
        if question not in replies:  # unscripted: answer with the best chunk
            best = self.search(question, 1)
            if not best:
                return self._answer(question, "Không có thông tin.", True, None, [], 1)
            chunk = best[0].chunk
            return self._answer(question, chunk.text, False, chunk.chunk_id, [chunk.chunk_id], 1)
        text, refused, cite, shown, i, needs_history = replies[question]
        if needs_history and not history:
            return self._answer(question, "Không có thông tin.", True, None, [], i)
        return self._answer(question, text, refused, cite, shown, i)

    def answer_from_passages(self, question: str, passages: list[Passage], history=()) -> Answer:
        first = passages[0]
        citation = Citation(1, first.doc_id, "t", "", first.start, first.end, first.text, True)
        return Answer(
            question,
            first.text + " [1]",
            "vi",
            False,
            True,
            [citation],
            list(passages),
            timings=Timings(ttft_ms=50.0, total_ms=500.0, gen_tokens=10, gen_tokens_per_s=10.0),
        )


DOC_A = "Phường Phù Chẩn có thu nhập 53 triệu đồng.\n\nTỷ lệ hộ nghèo còn 0,58%."
DOC_B = "Từ Sơn xử phạt 61 trường hợp vi phạm đất đai."
Q1, Q2, Q3 = "Thu nhập ở Phù Chẩn?", "Từ Sơn xử phạt bao nhiêu?", "Dân số?"
Q4_TURNS = ("Thu nhập ở Phù Chẩn?", "Còn hộ nghèo?")
Q4 = " ".join(Q4_TURNS)

TINY = Dataset(
    name="tiny",
    documents={"a.txt": DOC_A, "b.txt": DOC_B},
    items=[
        EvalItem(
            "q1",
            "vi",
            (Q1,),
            True,
            ("53 triệu đồng",),
            ("53 triệu",),
            (GoldEvidence("a.txt", "thu nhập 53 triệu đồng"),),
        ),
        EvalItem(
            "q2", "vi", (Q2,), True, ("61",), ("61",), (GoldEvidence("b.txt", "xử phạt 61 trường hợp"),)
        ),
        EvalItem("q3", "vi", (Q3,), False),
        EvalItem(
            "q4",
            "vi",
            Q4_TURNS,
            True,
            ("0,58%",),
            ("0,58%",),
            (GoldEvidence("a.txt", "0,58%"),),
            "multi-turn",
        ),
    ],
)
SCRIPT = {
    # recall@1: q1 1, q2 1, q4 0; MRR@10: (1 + 1 + 1/2) / 3
    "bm25": {Q1: [("a#0", 5.0), ("b#0", 1.0)], Q2: [("b#0", 4.0)], Q4: [("a#0", 3.0), ("a#1", 2.0)]},
    # recall@1: 0, 0, 1; MRR@10: (1/2 + 1/3 + 1) / 3; top scores 0.9, 0.85, 0.88 vs 0.5 unanswerable
    "dense": {
        Q1: [("b#0", 0.9), ("a#0", 0.8), ("a#1", 0.7)],
        Q2: [("a#0", 0.85), ("a#1", 0.8), ("b#0", 0.75)],
        Q4: [("a#1", 0.88)],
        Q3: [("b#0", 0.5)],
    },
    "hybrid": {Q1: ["a#0", "b#0"], Q2: ["b#0"], Q4: ["a#1", "a#0"]},
    # question: (text, refused, cited chunk, shown chunks, timing multiplier, needs history)
    "answers": {
        Q1: ("Thu nhập là 53 triệu đồng [1].", False, "a#0", ["a#0"], 1, False),
        Q2: ("Xử phạt 16 trường hợp [1].", False, "a#0", ["b#0"], 2, False),
        Q3: ("Không có thông tin.", True, None, [], 3, False),
        "Còn hộ nghèo?": ("Tỷ lệ hộ nghèo còn 0,58% [1].", False, "a#1", ["a#1"], 4, True),
    },
}


def _run_scripted(tmp_path, **options):
    """``run_eval`` on the tiny set with a scripted assistant: (result, assistant, out folder)."""
    made: list[FakeAssistant] = []

    def factory(settings):
        made.append(FakeAssistant(settings, SCRIPT))
        return made[-1]

    result = run_eval(
        TINY,
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
        assistant_factory=factory,
        **options,
    )
    return result, made[0], tmp_path / "out"


@pytest.fixture
def fake_run(tmp_path):
    return _run_scripted(tmp_path)


def test_runner_aggregates_retrieval(fake_run):
    result, _, _ = fake_run
    assert result.n_questions == 4 and result.n_answerable == 3 and result.n_unanswerable == 1
    bm25, dense, hybrid = (result.retrieval[m] for m in ("bm25", "dense", "hybrid"))
    assert bm25["recall@1"] == pytest.approx(2 / 3)
    assert bm25["recall@5"] == pytest.approx(1.0)
    assert bm25["mrr@10"] == pytest.approx((1 + 1 + 1 / 2) / 3)
    assert dense["recall@1"] == pytest.approx(1 / 3)
    assert dense["mrr@10"] == pytest.approx((1 / 2 + 1 / 3 + 1) / 3)
    assert hybrid["recall@1"] == pytest.approx(1.0) and hybrid["ndcg@10"] == pytest.approx(1.0)
    assert result.recall_curves["dense"][:3] == pytest.approx([1 / 3, 2 / 3, 1.0])
    # answerable top scores 0.85..0.9, unanswerable 0.5: the best cut is halfway, 0.675
    assert result.dense_threshold["suggested_min_dense_score"] == pytest.approx(0.675)


def test_runner_aggregates_answers(fake_run):
    result, assistant, _ = fake_run
    answers = result.answers["assistant"]
    assert answers["n"] == 4
    assert answers["em"] == 0.0
    # F1: q1 "thu nhập là 53 triệu đồng" vs "53 triệu đồng" = 2/3; q2 = 0; q4 6 syllables vs 1 = 2/7
    assert answers["f1"] == pytest.approx((2 / 3 + 0 + 2 / 7) / 3)
    assert answers["key_facts"] == pytest.approx(2 / 3)
    assert answers["correct"] == pytest.approx(2 / 3)
    assert answers["citation_precision"] == pytest.approx(2 / 3)  # q2 cites the wrong document
    assert answers["citation_recall"] == pytest.approx(2 / 3)
    assert answers["refusal_precision"] == 1.0 and answers["refusal_recall"] == 1.0
    assert answers["false_refusal_rate"] == 0.0
    assert answers["total_p50"] == pytest.approx(2500.0)  # totals 1000, 2000, 3000, 4000 ms
    assert answers["sources_p50"] == pytest.approx(25.0)  # sources shown after 10..40 ms, refusals too
    # TTFT only over answers that generated (100, 200, 400 ms; q3 was refused before generation)
    assert answers["ttft_p50"] == pytest.approx(200.0)
    assert answers["ttft_p95"] == pytest.approx(380.0)
    assert answers["translate_p50"] == pytest.approx(300.0)  # over the one translated question only
    assert answers["tokens_per_s"] == pytest.approx(5.0)
    # the follow-up was asked with the first turn and the assistant's own reply as history
    assert ("Còn hộ nghèo?", [(Q1, "Thu nhập là 53 triệu đồng [1].")]) in assistant.asked

    oracle = result.answers["oracle"]
    assert oracle["n"] == 3 and oracle["correct"] == 1.0 and oracle["citation_recall"] == 1.0
    assert oracle["translate_p50"] is None  # nothing translated: "-" in the report, not 0
    assert result.error_sources == {
        "correct": 2,
        "reader error": 1,
        "correct refusal": 1,
        "oracle right, assistant wrong": 1,
    }


def test_runner_writes_report_files_and_table(fake_run):
    result, _, out = fake_run
    assert result.out_dir == out
    assert not (out / "questions.partial.jsonl").exists()  # removed once the run is complete
    for name in (
        "report.md",
        "results.json",
        "questions.jsonl",
        "recall_at_k.png",
        "latency.png",
        "dense_scores.png",
    ):
        assert (out / name).stat().st_size > 0, name
    lines = (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["q1", "q2", "q3", "q4"]
    assert records[1]["assistant"]["error"] == "reader error"
    assert records[0]["gold"][0]["doc_id"] == "a.txt"
    summary = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert summary["retrieval"]["bm25"]["recall@1"] == pytest.approx(2 / 3)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "reader error" in report and "| hybrid |" in report and "oracle (gold passage)" in report
    assert "translation p50 ms" in report and "| 300 |" in report
    assert "| language vi | 4 | 0.667 | 0.333 | 1.000 | 1.000 | 0.667 | 1.000 |" in report
    table = format_table(result)
    for word in ("bm25", "dense", "hybrid", "assistant", "oracle", "R@10", "tok/s"):
        assert word in table


def test_interrupted_run_keeps_the_answers_done(tmp_path):
    class Failing(FakeAssistant):
        def ask(self, question, history=()):
            if question == Q3:
                raise KeyboardInterrupt
            return super().ask(question, history)

    with pytest.raises(KeyboardInterrupt):
        run_eval(
            TINY,
            out_dir=tmp_path / "out",
            cache_dir=tmp_path / "cache",
            progress=False,
            assistant_factory=lambda settings: Failing(settings, SCRIPT),
        )
    lines = (tmp_path / "out" / "questions.partial.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q1", "q2"]


def test_retrieval_only_never_asks(tmp_path, squad_files):
    made: list[FakeAssistant] = []

    def factory(settings):
        made.append(FakeAssistant(settings, {"answers": {}}))
        return made[-1]

    vi, _ = squad_files
    result = run_eval(
        str(vi),
        retrieval_only=True,
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
        assistant_factory=factory,
    )
    assert made[0].asked == []
    assert result.answers == {} and result.error_sources == {}
    # documents written to the eval cache, not the user's documents folder
    assert Path(made[0].settings.paths.documents_dir).is_relative_to(tmp_path / "cache")
    assert len(list(Path(made[0].settings.paths.documents_dir).glob("*.txt"))) == 2
    assert result.retrieval["bm25"]["n"] == 3
    assert "Answers" not in format_table(result)
    assert (tmp_path / "out" / "latency.png").exists()


def test_limit_is_a_seeded_sample(tmp_path):
    def run(seed):
        return run_eval(
            TINY,
            limit=2,
            seed=seed,
            retrieval_only=True,
            out_dir=tmp_path / f"out{seed}",
            cache_dir=tmp_path / "cache",
            progress=False,
            assistant_factory=lambda s: FakeAssistant(s, SCRIPT),
        )

    first = [r["id"] for r in run(0).records]
    assert len(first) == 2 and first == [r["id"] for r in run(0).records]


def test_reports_dataset_documents_are_the_quoted_reports():
    dataset = load_reports()
    assert set(dataset.documents) == {"000_d6dbdd2ddfa3846f.txt"}
    assert dataset.documents["000_d6dbdd2ddfa3846f.txt"] == (
        REPO_ROOT / "documents" / "000_d6dbdd2ddfa3846f.txt"
    ).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the real pipeline


def _pipeline_fakes():
    try:
        from tests.fakes import FakeEmbedder
        from tests.pipeline_fakes import FakeLLM
    except ImportError:  # pragma: no cover - pytest without the repo root on sys.path
        from fakes import FakeEmbedder
        from pipeline_fakes import FakeLLM

    class QuotingLLM(FakeLLM):
        """Quotes the first words of passage [1] and cites it; says nothing without passages."""

        def _reply(self, messages):
            found = re.search(r"<<<\s*(.+?)\s*>>>", messages[-1]["content"], re.DOTALL)
            return " ".join(found.group(1).split()[:12]) + " [1]." if found else "Không có."

    return FakeEmbedder, QuotingLLM


def test_real_pipeline_with_fake_models_end_to_end(tmp_path):
    """The real Assistant, index and retrieval, with a hash embedder and a scripted LLM."""
    from rag.pipeline import Assistant

    fake_embedder, fake_llm = _pipeline_fakes()
    full = load_reports()
    wanted = ("vi-poverty", "mt-vi-poverty", "vi-na-population", "en-income", "vi-quoted-leaders")
    subset = Dataset("reports-subset", [i for i in full.items if i.id in wanted], full.documents)
    llm = fake_llm()

    result = run_eval(
        subset,
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
        assistant_factory=lambda settings: Assistant(settings, embedder=fake_embedder(), llm=llm),
    )
    assert set(result.retrieval) == {"bm25", "dense", "hybrid"}
    assert all(scores["n"] == 4 for scores in result.retrieval.values())
    by_id = {r["id"]: r for r in result.records}
    for record in by_id.values():
        assert record["assistant"]["timings"]["total_ms"] > 0
        if record["answerable"]:
            oracle = record["oracle"]
            assert oracle is not None and oracle["gold_shown"], record["id"]
    # the oracle reads real chunks of the index holding the gold span
    leaders = by_id["vi-quoted-leaders"]
    assert len(leaders["gold"]) == 3 and leaders["oracle"]["passages"]
    assert all(p["doc_id"] == leaders["gold"][0]["doc_id"] for p in leaders["oracle"]["passages"])
    # the follow-up was asked after the first turn, rewritten with the first turn's place
    followup = by_id["mt-vi-poverty"]["assistant"]["standalone_question"]
    assert followup.startswith("Tỷ lệ hộ nghèo") and "Phù Chẩn" in followup
    assert any(f"Question: {followup}" in m["content"] for p in llm.prompts for m in p)
    assert result.answers["assistant"]["n"] == 5 and result.answers["oracle"]["n"] == 4
    assert "oracle (gold passage)" in format_table(result)


def test_retrieval_only_on_xquad_subset_with_the_real_embedder(tmp_path):
    """Two XQuAD articles as the pool, 20 questions: the real e5 embedder finds their paragraphs."""
    xquad = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "xquad" / "xquad.vi.json"
    if not xquad.exists():
        pytest.skip("XQuAD is not in ../shared/data")
    data = json.loads(xquad.read_text(encoding="utf-8"))
    subset = tmp_path / "xquad-subset.vi.json"
    subset.write_text(
        json.dumps({"version": "1.1", "data": data["data"][:2]}, ensure_ascii=False), encoding="utf-8"
    )

    result = run_eval(
        str(subset),
        limit=20,
        retrieval_only=True,
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    assert result.n_questions == 20
    assert result.retrieval["dense"]["recall@10"] >= 0.8
    assert result.retrieval["hybrid"]["recall@5"] >= 0.7
    assert result.retrieval["hybrid"]["mrr@10"] >= result.retrieval["bm25"]["mrr@10"] - 0.2
    assert (tmp_path / "out" / "recall_at_k.png").exists()


def test_cached_query_embedder_embeds_each_query_once():
    from eval.runner import CachedQueryEmbedder

    fake_embedder, _ = _pipeline_fakes()
    inner = fake_embedder()
    batches: list[list[str]] = []

    def batch(texts):
        batches.append(list(texts))
        return [inner.embed_query(t) for t in texts]

    cached = CachedQueryEmbedder(inner, batch)
    progress: list[int] = []
    cached.warm(["a", "b", "a", "c"], batch_size=2, on_batch=progress.append)
    assert batches == [["a", "b"], ["c"]] and progress == [2, 1]
    calls = inner.query_calls
    assert (cached.embed_query("b") == inner.embed_query("b")).all()
    cached.embed_query("b")
    assert inner.query_calls == calls + 1  # only the comparison above embedded again
    assert cached.model_id == inner.model_id and cached.dim == inner.dim


def test_reaggregate_rebuilds_the_same_figures(fake_run):
    from eval.runner import reaggregate

    result, _, out = fake_run
    (out / "report.md").unlink()
    again = reaggregate(out)
    assert again.retrieval == result.retrieval
    assert again.answers == result.answers
    assert again.error_sources == result.error_sources
    assert (out / "report.md").exists()
    # the oracle answers only answerable questions: its refusal precision is undefined, not 0
    assert again.answers["oracle"]["refusal_precision"] is None


def test_no_oracle_asks_only_the_assistant(tmp_path):
    result, _, _ = _run_scripted(tmp_path, oracle=False)
    assert "oracle" not in result.answers and result.answers["assistant"]["n"] == 4
    assert all("oracle" not in record for record in result.records)
    assert any("--no-oracle" in note for note in result.notes)


def test_answer_at_5_credits_another_document_saying_the_answer():
    from eval.runner import GoldSpan, score_retrieval

    gold = [GoldSpan("super-bowl.txt", 0, 120)]
    distractor = Chunk("mtv#4", "mtv.txt", "MTV", "Lady Gaga hát quốc ca trước trận đấu.", 900, 937, 4)
    unrelated = Chunk("berlin#2", "berlin.txt", "Berlin", "Quốc hội tạm ngừng phiên họp.", 300, 329, 2)
    scores = score_retrieval([(unrelated, 2.0), (distractor, 1.5)], gold, 0.01, ("Lady Gaga",))
    assert scores["recall@5"] == 0.0 and scores["answer@5"] == 1.0
    scores = score_retrieval([(unrelated, 2.0)], gold, 0.01, ("Lady Gaga",))
    assert scores["answer@5"] == 0.0
    # beyond the top 5 it does not count; without gold answers the figure is not made up
    deep = [(unrelated, 2.0 - n / 10) for n in range(5)] + [(distractor, 1.0)]
    assert score_retrieval(deep, gold, 0.01, ("Lady Gaga",))["answer@5"] == 0.0
    assert "answer@5" not in score_retrieval(deep, gold, 0.01)


def test_report_shows_answer_at_5(fake_run):
    result, _, out = fake_run
    # q1's top 5 holds "53 triệu đồng" (a#0), q2's "61" (b#0), q4's "0,58%" (a#1)
    assert result.retrieval["hybrid"]["answer@5"] == pytest.approx(1.0)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "A@5" in report and "a gold answer's words" in report
