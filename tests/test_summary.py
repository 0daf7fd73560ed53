"""Extractive summaries: which sentences make the main points, which questions ask for them, and
how the assistant answers them without the model."""

from __future__ import annotations

import unicodedata

import pytest

try:
    from tests.fakes import FakeEmbedder
    from tests.pipeline_fakes import (
        DOC_ID,
        TITLE,
        FakeIndex,
        FakeLLM,
        FakeRetriever,
        seed_passages,
        seed_text,
    )
except ImportError:  # pragma: no cover - pytest without the repo root on sys.path
    from fakes import FakeEmbedder
    from pipeline_fakes import DOC_ID, TITLE, FakeIndex, FakeLLM, FakeRetriever, seed_passages, seed_text

from rag.pipeline import Assistant, rewrite_followup
from rag.prompts import asks_for_summary, summary_topic
from rag.settings import get_settings
from rag.summary import figure_count, main_points, paragraphs, point_sentences, point_text
from rag.types import Passage, SourcesEvent

INCOME = (
    "Hiện nay, thu nhập bình quân đầu người đạt gần 53 triệu đồng/người/năm; tỷ lệ hộ nghèo giảm còn 0,58%."
)
FINES = "thành phố Từ Sơn xử phạt 61 trường hợp vi phạm công tác quản lý, sử dụng đất đai"


@pytest.fixture
def text() -> str:
    return seed_text()


def _points(text: str, **options) -> list[str]:
    return [point_text(text, span) for span in main_points(text, **options)]


# ---------------------------------------------------------------- choosing the points


def test_seed_report_points_are_paragraph_leads_and_their_figures_in_reading_order(text):
    points = _points(text)
    assert len(points) == 6
    assert points[0].startswith("Tại Đảng bộ phường Hương Mạc")
    assert points[1].startswith("Ở Đảng bộ phường Phù Chẩn")
    assert INCOME in points  # the Phù Chẩn paragraph's figures: 53 triệu, 0,58%
    assert any(FINES in point and "60 trường hợp" in point for point in points)  # 61 and 60 cases
    assert [text.index(p) for p in points] == sorted(text.index(p) for p in points)
    # The title, the photo caption and the page furniture are no points.
    assert not any(
        p.startswith(("Đảng bộ thành phố Từ Sơn sau", "Học tập và làm theo Bác, kinh tế")) for p in points
    )
    assert not any("Các tin khác" in p or "Phản hồi" in p for p in points)


def test_a_point_is_the_exact_text_at_its_span(text):
    for start, end in main_points(text):
        assert point_text(text, (start, end)) in text[start:end]
        assert text[start:end] == text[start:end].strip()


def test_a_sentence_opening_a_quotation_that_runs_on_is_shown_without_the_quotation_mark():
    text = (
        "Đồng chí Đàm Đức Hà cho biết như sau về việc thu gom rác thải ở khu phố. "
        "“Đến nay, rác thải sinh hoạt được thu gom, vận chuyển đến các điểm xử lý theo quy trình. "
        "Tình hình an ninh chính trị ổn định, trật tự an toàn xã hội đảm bảo”."
    )
    spans = point_sentences(text, (0, len(text)))
    assert [text[s : s + 7] for s, _ in spans] == ["Đồng ch", "Đến nay", "Tình hì"]
    assert (
        point_text(text, spans[-1]) == "Tình hình an ninh chính trị ổn định, trật tự an toàn xã hội đảm bảo."
    )


def test_figures_are_counted_once_and_only_standing_alone():
    assert figure_count(INCOME) == 2
    assert figure_count("Nhờ đó, hơn 2 năm qua mặc dù bị ảnh hưởng bởi dịch COVID-19") == 1
    assert figure_count("xử phạt 60 trường hợp, rồi thêm 60 trường hợp") == 1
    assert figure_count("3/3 khu dân cư, 9,23% số hộ") == 2


def test_a_long_document_keeps_evenly_spread_points():
    paragraphs_text = [
        f"Phần {n} của báo cáo nói về lĩnh vực số {n} trong năm qua. Câu thứ hai của phần kể thêm chi tiết."
        for n in range(1, 21)
    ]
    text = "\n\n".join(paragraphs_text)
    points = _points(text, max_points=5)
    assert len(points) == 5
    assert points[0].startswith("Phần 1 ") and points[-1].startswith("Phần 20 ")


def test_one_paragraph_gives_at_least_three_points(text):
    huong_mac = next(p for p in paragraphs(text) if "Hương Mạc" in text[p[0] : p[1]])
    points = _points(text, within=[huong_mac])
    assert len(points) == 3
    assert points[0].startswith("Tại Đảng bộ phường Hương Mạc")
    assert all(text.index(p) < huong_mac[1] for p in points)


def test_decomposed_text_is_read_once_normalised():
    from rag.normalize import normalize_text

    decomposed = unicodedata.normalize("NFD", seed_text())
    assert _points(normalize_text(decomposed)) == _points(seed_text())


# ---------------------------------------------------------------- which questions ask for a summary


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Tóm tắt báo cáo", ""),
        ("Hãy tóm tắt giúp tôi nội dung chính của báo cáo này", ""),
        ("Báo cáo này nói về vấn đề gì?", ""),
        ("tom tat bao cao", ""),
        ("Summarize the report", ""),
        ("What is this report about?", ""),
        ("What are the key points of the report?", ""),
        ("Tóm tắt tình hình phường Phù Chẩn", "tình hình phường Phù Chẩn"),
        ("Tóm tắt tình hình y tế", "tình hình y tế"),
        ("Tóm tắt báo cáo về Từ Sơn", "Từ Sơn"),
        ("Nội dung chính của Kết luận số 01 là gì?", "Kết luận số 01"),
        ("Give me an overview of Huong Mac ward", "Huong Mac ward"),
        ("What are the main findings of the report?", ""),
        ("What were the key results in Tu Son?", "Tu Son"),
        ("Những kết quả chính của Từ Sơn là gì?", "Từ Sơn"),
        ("Báo cáo đề cập đến những nội dung gì?", ""),
    ],
)
def test_summary_requests_and_their_topics(question, topic):
    assert asks_for_summary(question)
    assert summary_topic(question) == topic


@pytest.mark.parametrize(
    "question",
    [
        "Ông Lê Văn Nam nói gì?",  # what a person said
        "Điểm nổi bật trong học tập và làm theo Bác ở Từ Sơn là gì?",  # what Lê Văn Nam calls it
        "What did Nam say?",
        # XQuAD's: a summary named, another thing asked
        "Bản tóm tắt WG I dành cho các Nhà hoạch định chính sách cho biết con người đang làm gì?",
        "What does the WG I Summary for Policymakers report say human activities are doing?",
        "Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?",
    ],
)
def test_other_questions_ask_no_summary(question):
    assert not asks_for_summary(question)


def test_no_xquad_question_asks_for_a_summary():
    import json
    from pathlib import Path

    data_dir = Path(__file__).resolve().parents[2] / "shared" / "data" / "xquad"
    if not data_dir.is_dir():
        pytest.skip("../shared/data/xquad is not here")
    for name in ("xquad.vi.json", "xquad.en.json"):
        data = json.loads((data_dir / name).read_text(encoding="utf-8"))
        questions = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
        assert len(questions) == 1190
        assert [q for q in questions if asks_for_summary(q)] == []


# ---------------------------------------------------------------- answered by the assistant


def _assistant(passages, texts, titles=None, dense=None, found=None):
    """An assistant over ``passages`` (the index's chunks), of which retrieval finds ``found``."""
    llm = FakeLLM()
    retriever = FakeRetriever(passages if found is None else found, dense)
    index = FakeIndex(texts, passages, titles)
    settings = get_settings({"retrieval": {"top_k": 4, "min_dense_score": 0.8}})
    assistant = Assistant(settings, index=index, embedder=FakeEmbedder(), llm=llm, retriever=retriever)
    return assistant, llm


@pytest.mark.parametrize(
    "question",
    [
        "Tóm tắt báo cáo",
        "Summarize the report",
        "tom tat bao cao",
        unicodedata.normalize("NFD", "Tóm tắt báo cáo"),
    ],
)
def test_whole_report_summary_is_read_off_and_every_point_cited(text, question):
    # Retrieval found only the Hương Mạc paragraph, weakly: a summary of the whole needs neither.
    passages = seed_passages(text)
    assistant, llm = _assistant(passages, {DOC_ID: text}, dense=[0.5], found=passages[:1])
    answer = assistant.ask(question)
    assert llm.prompts == []  # neither answered nor translated by the model
    assert not answer.refused and answer.verified
    assert answer.evidence["summary"] == 6
    lines = answer.answer.splitlines()
    assert TITLE in lines[0]
    assert lines[0].startswith("Main points" if question.startswith("Summarize") else "Những ý chính")
    assert unicodedata.is_normalized("NFC", answer.answer)
    assert len(lines) == 7 and all(line.startswith("- ") and line.endswith("]") for line in lines[1:])
    assert any(INCOME in line for line in lines)
    for citation in answer.citations:
        assert citation.verified and citation.doc_id == DOC_ID
        assert text[citation.start : citation.end] == citation.quote
        passage = answer.passages[citation.n - 1]
        assert passage.start <= citation.start and citation.end <= passage.end
        assert passage.chunk_ids and citation.chunk_id in passage.chunk_ids
    # The passages shown are the paragraphs the points come from, numbered as cited.
    assert [p.n for p in answer.passages] == list(range(1, len(answer.passages) + 1))
    assert {c.n for c in answer.citations} == {p.n for p in answer.passages}


def test_summary_sources_are_streamed_before_the_answer(text):
    assistant, _ = _assistant(seed_passages(text), {DOC_ID: text})
    events = list(assistant.stream("Tóm tắt báo cáo"))
    sources = [e for e in events if isinstance(e, SourcesEvent)]
    assert sources[-1].passages == events[-1].answer.passages


def test_summary_of_a_named_ward_keeps_to_its_paragraph(text):
    assistant, llm = _assistant(seed_passages(text), {DOC_ID: text})
    answer = assistant.ask("Tóm tắt tình hình phường Phù Chẩn")
    assert llm.prompts == [] and not answer.refused
    assert "về Phù Chẩn" in answer.answer.splitlines()[0]
    assert INCOME in answer.answer
    assert all("Phù Chẩn" in p.text for p in answer.passages)
    assert "Hương Mạc" not in answer.answer


def test_summary_of_a_topic_the_report_lacks_is_left_to_the_usual_answer(text):
    # "y tế" (health): the report's "ý chí" and "kinh tế" are other words.
    assistant, llm = _assistant(seed_passages(text), {DOC_ID: text})
    answer = assistant.ask("Tóm tắt tình hình y tế")
    assert "summary" not in answer.evidence
    assert llm.prompts or answer.refused


def test_summary_of_a_ward_no_passage_names_is_refused(text):
    assistant, _ = _assistant(seed_passages(text), {DOC_ID: text})
    answer = assistant.ask("Tóm tắt tình hình phường Đình Bảng")
    assert answer.refused and "summary" not in answer.evidence


def test_several_documents_give_one_point_each(text):
    other_id = "001_y_te.txt"
    other = (
        "Báo cáo y tế quý III\n\n"
        "Trong quý III, trạm y tế phường đã khám cho 1.250 lượt người dân. "
        "Tỷ lệ tiêm chủng đầy đủ cho trẻ em đạt 98% và không có ca bệnh truyền nhiễm mới."
    )
    start = other.index("Trong quý III")
    other_passage = Passage(
        5, other_id, "Báo cáo y tế quý III", other[start:], start, len(other), ("o1",), 0.5
    )
    passages = [*seed_passages(text), other_passage]
    titles = {DOC_ID: TITLE, other_id: "Báo cáo y tế quý III"}
    assistant, llm = _assistant(passages, {DOC_ID: text, other_id: other}, titles)
    answer = assistant.ask("Tóm tắt báo cáo")
    assert llm.prompts == [] and not answer.refused
    lines = answer.answer.splitlines()
    assert lines[0].startswith("Có 2 tài liệu")
    assert lines[1].startswith(f"- “{TITLE}”: Tại Đảng bộ phường Hương Mạc")
    assert lines[2].startswith("- “Báo cáo y tế quý III”: Trong quý III, trạm y tế phường đã khám cho 1.250")
    assert [c.doc_id for c in answer.citations] == [DOC_ID, other_id]
    assert [c.n for c in answer.citations] == [1, 2]
    assert all(
        {DOC_ID: text, other_id: other}[c.doc_id][c.start : c.end] == c.quote for c in answer.citations
    )


@pytest.mark.parametrize(
    ("previous", "followup", "standalone"),
    [
        ("Tóm tắt báo cáo", "Còn phường Phù Chẩn thì sao?", "Tóm tắt báo cáo về phường Phù Chẩn"),
        ("Summarize the report.", "What about Phu Chan ward?", "Summarize the report on Phu Chan ward"),
        # A summary of one ward: the other ward replaces it, as in any question naming a place.
        ("Tóm tắt tình hình phường Hương Mạc", "Còn phường Phù Chẩn?", "Tóm tắt tình hình phường Phù Chẩn"),
    ],
)
def test_a_followup_to_a_summary_asks_the_summary_of_its_subject(previous, followup, standalone):
    assert rewrite_followup(followup, [(previous, "…")]) == (standalone, standalone)


def test_a_followup_to_a_summary_is_summarised_from_its_ward(text):
    assistant, llm = _assistant(seed_passages(text), {DOC_ID: text})
    first = assistant.ask("Tóm tắt báo cáo")
    answer = assistant.ask("Còn phường Phù Chẩn thì sao?", [("Tóm tắt báo cáo", first.answer)])
    assert llm.prompts == [] and answer.evidence["summary"] >= 2
    assert answer.standalone_question == "Tóm tắt báo cáo về phường Phù Chẩn"
    assert INCOME in answer.answer and "Hương Mạc" not in answer.answer


def test_headings_and_link_lines_are_no_points():
    text = (
        "Nhu cầu là một hiện tượng tâm lý của con người về vật chất và tinh thần. Câu thứ hai của đoạn đầu "
        "nói thêm một ý nữa.\n\n"
        "== Cấu trúc nhu cầu cá nhân theo các nhà nghiên cứu ==\n"
        "Animation Nation - a forum for professional American animators and others\n\n"
        "Aristotle đã cho rằng con người có hai loại nhu cầu chính là thể xác và linh hồn. Câu sau đó "
        "kể thêm một vài chi tiết khác."
    )
    points = _points(text)
    assert points[0].startswith("Nhu cầu là") and points[-1].startswith("Aristotle")
    assert not any("==" in p or "Animation" in p for p in points)


# ---------------------------------------------------------------- which documents are indexed


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Có những tài liệu nào?", True),
        ("Hiện có bao nhiêu báo cáo?", True),
        ("Liệt kê các tài liệu", True),
        ("Which documents do you have?", True),
        ("How many reports are loaded?", True),
        ("Có bao nhiêu trường hợp vi phạm?", False),
        ("Báo cáo có những nội dung nào?", False),
        ("Which documents mention Tu Son?", False),
    ],
)
def test_questions_asking_which_documents_are_indexed(question, asks):
    from rag.prompts import asks_for_documents

    assert asks_for_documents(question) is asks


def test_document_list_names_each_document_and_cites_its_title(text):
    other_id = "001_y_te.txt"
    other = "Báo cáo y tế quý III\n\nTrong quý III, trạm y tế phường đã khám cho 1.250 lượt người dân."
    passages = seed_passages(text)
    titles = {DOC_ID: TITLE, other_id: "Báo cáo y tế quý III"}
    assistant, llm = _assistant(passages, {DOC_ID: text, other_id: other}, titles)
    answer = assistant.ask("Có những tài liệu nào?")
    assert llm.prompts == [] and not answer.refused and answer.verified
    assert answer.answer.splitlines() == [
        "Có 2 tài liệu đã được lập chỉ mục:",
        f"- “{TITLE}” ({DOC_ID}) [1]",
        f"- “Báo cáo y tế quý III” ({other_id}) [2]",
    ]
    assert [c.quote for c in answer.citations] == [TITLE, "Báo cáo y tế quý III"]
    assert [p.doc_id for p in answer.passages] == [DOC_ID, other_id]
    english = assistant.ask("Which documents do you have?")
    assert english.answer.startswith("2 documents indexed:") and llm.prompts == []
