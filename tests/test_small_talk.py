"""Greetings, thanks and "what can you do?": answered by the system, without retrieval or the model."""

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

from rag.pipeline import Assistant
from rag.prompts import GREETING_EN, GREETING_VI, THANKS_EN, THANKS_VI, small_talk
from rag.settings import get_settings
from rag.types import SourcesEvent


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Xin chào", ("greeting", "vi")),
        ("xin chao", ("greeting", "vi")),  # typed without diacritics
        (unicodedata.normalize("NFD", "Chào bạn!"), ("greeting", "vi")),
        ("Chào bạn, bạn làm được gì?", ("greeting", "vi")),
        ("Bạn là ai?", ("greeting", "vi")),
        ("Hướng dẫn sử dụng", ("greeting", "vi")),
        ("Cảm ơn bạn nhiều!", ("thanks", "vi")),
        ("ok cam on", ("thanks", "vi")),
        ("Hello", ("greeting", "en")),
        ("Hi there", ("greeting", "en")),
        ("Hello, what can you do?", ("greeting", "en")),
        ("Thank you very much.", ("thanks", "en")),
        # A greeting before a real question, or a question about the documents, is no small talk.
        ("Chào bạn, Từ Sơn lựa chọn những nội dung đột phá nào?", None),
        ("Help me find the poverty rate of Phu Chan", None),
        ("Ai là Bí thư Đảng ủy phường Hương Mạc?", None),
        ("Tóm tắt báo cáo", None),
        ("Bạn", None),
        ("chào mừng", None),
        ("", None),
    ],
)
def test_small_talk_is_a_whole_message_of_greeting_thanks_or_help(message, expected):
    assert small_talk(message) == expected


def test_no_question_of_the_reports_set_is_small_talk():
    import json
    from pathlib import Path

    questions = Path(__file__).resolve().parent.parent / "eval" / "data" / "reports_qa.jsonl"
    records = [
        json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    asked = [turn for record in records for turn in record.get("turns") or [record["question"]]]
    assert len(asked) >= 60
    assert [question for question in asked if small_talk(question)] == []


def _assistant(text):
    passages = seed_passages(text)
    llm = FakeLLM()
    index = FakeIndex({DOC_ID: text}, passages, {DOC_ID: TITLE})
    settings = get_settings({"retrieval": {"top_k": 4, "min_dense_score": 0.8}})
    retriever = FakeRetriever(passages)
    assistant = Assistant(settings, index=index, embedder=FakeEmbedder(), llm=llm, retriever=retriever)
    return assistant, llm, retriever


def test_greeting_says_what_the_assistant_does_and_lists_the_documents_cited():
    text = seed_text()
    assistant, llm, _ = _assistant(text)
    events = list(assistant.stream("Xin chào"))
    answer = events[-1].answer
    assert llm.prompts == []  # no model
    assert not answer.refused and answer.verified and answer.language == "vi"
    lines = answer.answer.splitlines()
    assert lines[0] == GREETING_VI
    assert lines[1] == "Có 1 tài liệu đã được lập chỉ mục:"
    assert lines[2] == f"- “{TITLE}” ({DOC_ID}) [1]"
    assert "Tóm tắt báo cáo" in lines[3]
    assert [c.quote for c in answer.citations] == [TITLE]
    assert text[answer.citations[0].start : answer.citations[0].end] == TITLE
    sources = [event for event in events if isinstance(event, SourcesEvent)]
    assert [p.doc_id for p in sources[-1].passages] == [DOC_ID]

    english = assistant.ask("Hello, what can you do?")
    assert english.language == "en" and english.answer.startswith(GREETING_EN)
    assert "1 document indexed:" in english.answer and "Summarize the report" in english.answer


def test_thanks_gets_one_line_in_the_language_of_the_thanks():
    assistant, llm, _ = _assistant(seed_text())
    assert assistant.ask("Cảm ơn bạn!").answer == THANKS_VI
    thanked = assistant.ask("Thanks a lot")
    assert thanked.answer == THANKS_EN and thanked.verified and not thanked.citations
    assert llm.prompts == []


def test_a_greeting_is_no_context_for_the_next_question():
    assistant, _, retriever = _assistant(seed_text())
    greeted = [("Xin chào", assistant.ask("Xin chào").answer)]
    assert retriever.queries == []  # small talk searches nothing
    assistant.ask("Còn phường Phù Chẩn thì sao?", history=greeted)
    assert retriever.queries == ["Còn phường Phù Chẩn thì sao?"]  # not "Xin chào Còn phường …"
