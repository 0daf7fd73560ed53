"""Fast tests of the chat UI wiring: rendering, escaping, uploads, auth, events (fake assistant)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest

import app
from rag.settings import get_settings
from rag.types import (
    Answer,
    Citation,
    ConfigError,
    DocumentInfo,
    DoneEvent,
    IndexMismatchError,
    IndexMissingError,
    IngestReport,
    LLMError,
    Passage,
    SourcesEvent,
    TokenEvent,
)

DOC_TEXT = (
    "Từ năm 2021 đến nay, Ban Thường vụ Thành ủy lựa chọn hai nội dung đột phá là tăng cường "
    "sự lãnh đạo của Đảng trong công tác quản lý đất đai và công tác quản lý trật tự xây dựng. "
    "<script>alert('x')</script> & \"quoted\""
)
QUOTE = "hai nội dung đột phá"


def make_passage(n: int = 1, start: int = 0, end: int | None = None, doc_id: str = "d1") -> Passage:
    end = len(DOC_TEXT) if end is None else end
    return Passage(n, doc_id, "Báo cáo <Từ Sơn>", DOC_TEXT[start:end], start, end, ("c1",), 0.9, page=2)


def make_citation(n: int = 1, quote: str = QUOTE, verified: bool = True, doc_id: str = "d1") -> Citation:
    start = DOC_TEXT.index(quote)
    return Citation(n, doc_id, "Báo cáo <Từ Sơn>", "c1", start, start + len(quote), quote, verified, page=2)


def make_answer(**overrides) -> Answer:
    values = dict(
        question="Từ Sơn chọn đột phá nào?",
        answer="Hai nội dung đột phá [1].",
        language="vi",
        refused=False,
        verified=True,
        citations=[make_citation()],
        passages=[make_passage()],
    )
    values.update(overrides)
    return Answer(**values)


class FakeAssistant:
    """Scripted stand-in for rag.pipeline.Assistant, recording what it was asked."""

    def __init__(self, settings, error: Exception | None = None):
        self.settings = settings
        self.error = error
        self.calls: list[tuple[str, list]] = []
        self.ingested = 0
        self.reloaded = 0
        self.removed: list[str] = []
        self.docs = [DocumentInfo("d1", "000_report.txt", "Báo cáo Từ Sơn", 5, "h", 0.0, time.time())]

    def stream(self, question, history=()) -> Iterator:
        self.calls.append((question, list(history)))
        if self.error:
            raise self.error
        answer = make_answer(question=question)
        yield SourcesEvent(answer.passages, question)
        for piece in ("Hai nội dung ", "đột phá [1]."):
            yield TokenEvent(piece)
        yield DoneEvent(answer)

    def ingest(self, paths=None, rebuild=False, progress=None) -> IngestReport:
        self.ingested += 1
        if progress:
            progress(1, 1, "x.txt")
        return IngestReport(added=["new.txt"], failed={"bad.pdf": "no text"}, seconds=0.5)

    def reload(self) -> None:
        self.reloaded += 1

    def documents(self) -> list[DocumentInfo]:
        return list(self.docs)

    def remove_document(self, doc_id: str) -> None:
        self.removed.append(doc_id)
        self.docs = [doc for doc in self.docs if doc.doc_id != doc_id]


@pytest.fixture
def ui_settings(tmp_path):
    return get_settings(
        {"paths": {"documents_dir": str(tmp_path / "docs"), "index_dir": str(tmp_path / "ix")}}
    )


# ---------------------------------------------------------------- build


def test_build_demo_returns_unlaunched_blocks(ui_settings):
    demo = app.build_demo(FakeAssistant(ui_settings), ui_settings)
    assert isinstance(demo, gr.Blocks)
    assert not demo.is_running
    assert demo._queue.default_concurrency_limit == ui_settings.ui.concurrency


def test_generation_events_share_one_concurrency_group(ui_settings):
    settings = get_settings(ui_settings, ui={"concurrency": 2})
    demo = app.build_demo(FakeAssistant(settings), settings)
    generation = [fn for fn in demo.fns.values() if fn.concurrency_id == app.GENERATION_QUEUE]
    assert len(generation) == 3  # Enter, Send button, example click
    assert {fn.concurrency_limit for fn in generation} == {2}


# ---------------------------------------------------------------- rendering


def test_highlight_escapes_and_marks_vietnamese():
    text = "Tỷ lệ hộ nghèo <b>giảm</b> còn 0,58%."
    start = text.index("0,58%")
    html = app.highlight(text, [(start, start + 5)])
    assert html == "Tỷ lệ hộ nghèo &lt;b&gt;giảm&lt;/b&gt; còn <mark>0,58%</mark>."


def test_highlight_escapes_script_inside_mark():
    text = "a <script>alert(1)</script> b"
    html = app.highlight(text, [(2, 27)])
    assert "<script>" not in html
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html


def test_merge_spans_clips_and_merges():
    assert app.merge_spans([(5, 9), (-3, 2), (8, 12), (20, 30), (4, 4)], 25) == [(0, 2), (5, 12), (20, 25)]


def test_quote_span_uses_document_offsets():
    passage = make_passage(start=10)
    citation = make_citation()
    start, end = app.quote_span(passage, citation)
    assert passage.text[start:end] == QUOTE


def test_quote_span_other_document_is_none():
    assert app.quote_span(make_passage(doc_id="d2"), make_citation()) is None


def test_render_answer_links_markers_to_passages():
    html = app.render_answer(make_answer(answer="Đột phá [1] và <script>x</script> [1, 1]."), 3, "vi")
    assert html.count('class="rag-cite"') == 4  # three markers + the reference list
    assert 'href="#src-3-1"' in html and 'data-passage="1"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Báo cáo &lt;Từ Sơn&gt;" in html


def test_render_answer_leaves_unknown_marker_as_text():
    html = app.render_answer(make_answer(answer="Xem [7].", citations=[]), 0, "vi")
    assert "[7]" in html and 'data-n="7"' not in html


def test_a_question_read_otherwise_shows_how_it_was_read():
    typed = "ty le ho ngheo phuong phu chan la bao nhieu?"
    answer = make_answer(question=typed, standalone_question="tỷ lệ hộ nghèo phường Phù Chẩn là bao nhiêu?")
    html = app.render_answer(answer, 0, "vi")
    assert (
        "rag-read-as" in html
        and "Câu hỏi được hiểu là: “tỷ lệ hộ nghèo phường Phù Chẩn là bao nhiêu?”" in html
    )
    assert "Read as:" in app.render_answer(answer, 0, "en")
    same = make_answer(standalone_question="Từ Sơn chọn đột phá nào?")
    assert "rag-read-as" not in app.render_answer(same, 0, "vi")
    assert "rag-read-as" not in app.render_answer(make_answer(), 0, "vi")  # no standalone question


def test_unverified_answer_shows_warning_badge():
    answer = make_answer(verified=False, citations=[make_citation(verified=False)])
    html = app.render_answer(answer, 0, "vi")
    assert "rag-warning" in html and "Chưa kiểm chứng" in html
    assert "rag-unverified" in html
    assert "rag-warning" not in app.render_answer(make_answer(), 0, "vi")


def test_refusal_shows_possibly_related_passages():
    answer = make_answer(
        answer="Tài liệu không có thông tin.",
        refused=True,
        citations=[],
        passages=[],
        related=[make_passage(n=1)],
    )
    conversation = app.Conversation((app.Turn("Câu hỏi?", answer=answer),))
    panel = app.render_sources(conversation, "vi")
    assert "Có thể liên quan" in panel and 'id="src-0-1"' in panel
    assert "rag-refused" in app.render_answer(answer, 0, "vi")
    assert "rag-refused" not in app.render_answer(replace(answer, related=[]), 0, "vi")


def test_sources_panel_marks_cited_quote_and_escapes_document():
    conversation = app.Conversation((app.Turn("q", answer=make_answer()),))
    panel = app.render_sources(conversation, "vi")
    assert f"<mark>{QUOTE}</mark>" in panel
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in panel
    assert "<script>" not in panel
    assert "trang 2" in panel
    assert "page 2" in app.render_sources(conversation, "en")


def test_sources_panel_before_answer_lists_retrieved_passages():
    conversation = app.Conversation((app.Turn("q", sources=(make_passage(),)),))
    panel = app.render_sources(conversation, "vi")
    assert 'id="src-0-1"' in panel and "<mark>" not in panel


def test_earlier_turns_are_collapsed_latest_open():
    turns = (app.Turn("first", answer=make_answer()), app.Turn("second", answer=make_answer()))
    panel = app.render_sources(app.Conversation(turns), "en")
    assert panel.index("second") < panel.index("first")
    assert '<details class="rag-turn" data-turn="1" open>' in panel
    assert '<details class="rag-turn" data-turn="0">' in panel


# ---------------------------------------------------------------- answering


def test_answer_events_streams_sources_before_tokens(ui_settings):
    assistant = FakeAssistant(ui_settings)
    steps = list(app.answer_events(assistant, app.accept_question("q?", app.Conversation())))
    sources_step = next(i for i, c in enumerate(steps) if c.turns[-1].sources)
    token_step = next(i for i, c in enumerate(steps) if c.turns[-1].partial)
    assert sources_step < token_step
    assert steps[-1].turns[-1].answer is not None
    assert steps[-1].history() == [("q?", "Hai nội dung đột phá [1].")]


def test_history_is_passed_on_the_next_turn(ui_settings):
    assistant = FakeAssistant(ui_settings)
    conversation = list(app.answer_events(assistant, app.accept_question("one", app.Conversation())))[-1]
    list(app.answer_events(assistant, app.accept_question("two", conversation)))
    assert assistant.calls[1] == ("two", [("one", "Hai nội dung đột phá [1].")])


@pytest.mark.parametrize(
    ("error", "kind", "shown"),
    [
        (IndexMissingError("no index"), "index_missing", "rag ingest"),
        (LLMError("model crashed"), "rag", "model crashed"),
        (ZeroDivisionError("secret detail"), "unexpected", "ngoài dự kiến"),
    ],
)
def test_errors_become_plain_chat_messages(ui_settings, error, kind, shown):
    pending = app.accept_question("q", app.Conversation())
    last = list(app.answer_events(FakeAssistant(ui_settings, error), pending))[-1]
    assert last.turns[-1].error_kind == kind
    message = app.render_chat(last, "vi")[-1]["content"]
    assert shown in message
    assert "Traceback" not in message and "secret detail" not in message


def test_accept_question_ignores_blank_and_waits_for_the_pending_answer():
    assert app.accept_question("   ", app.Conversation()) is None
    pending = app.accept_question(" Câu hỏi? ", app.Conversation())
    assert pending.turns[-1].question == "Câu hỏi?" and pending.waiting
    assert app.accept_question("another", pending) is None


def test_stop_keeps_partial_text_and_frees_the_conversation():
    pending = app.accept_question("q", app.Conversation())
    streaming = pending.with_last(replace(pending.turns[-1], partial="Hai nội"))
    stopped = app.stop_answer(streaming)
    assert not stopped.waiting and stopped.history() == []
    assert "Hai nội" in app.render_chat(stopped, "vi")[-1]["content"]
    assert "(đã dừng)" in app.render_chat(stopped, "vi")[-1]["content"]
    assert app.accept_question("next", stopped) is not None
    assert app.stop_answer(stopped) is stopped


def test_stream_without_done_event_is_an_error_not_a_hang(ui_settings):
    assistant = FakeAssistant(ui_settings)
    assistant.stream = lambda question, history=(): iter([TokenEvent("x")])
    last = list(app.answer_events(assistant, app.accept_question("q", app.Conversation())))[-1]
    assert last.turns[-1].error_kind == "unexpected" and not last.waiting


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("báo cáo 2021.docx", "báo_cáo_2021.docx"),
        ("..\\..\\windows\\evil.TXT", "evil.txt"),
        ("/abs/path/.hidden.md", "hidden.md"),
        ("..", "tai_lieu"),
        ("a<b>|c?.pdf", "a_b_c.pdf"),
        ("Ba\u0301o ca\u0301o.txt", "Báo_cáo.txt"),  # NFD in, NFC out
    ],
)
def test_sanitize_filename(name, expected):
    assert app.sanitize_filename(name) == expected


def test_upload_problem_rejects_unsupported_and_oversize(ui_settings):
    ingest = ui_settings.ingest
    assert app.upload_problem("báo cáo 2021.docx", 1000, ingest, "vi") is None
    assert "không được hỗ trợ" in app.upload_problem("../../etc/passwd", 10, ingest, "vi")
    assert "không được hỗ trợ" in app.upload_problem("virus.exe", 10, ingest, "vi")
    too_big = int(ingest.max_file_mb * 1024 * 1024) + 1
    assert "vượt giới hạn" in app.upload_problem("big.pdf", too_big, ingest, "vi")
    assert "over the" in app.upload_problem("big.pdf", too_big, ingest, "en")
    assert app.upload_problem("empty.txt", 0, ingest, "en") == "file is empty"


def test_save_upload_never_overwrites_a_different_file(tmp_path):
    uploads, target = tmp_path / "up", tmp_path / "docs"
    uploads.mkdir()
    first = uploads / "báo cáo.txt"
    first.write_text("một", encoding="utf-8")
    saved = app.save_upload(first, target)
    assert saved == target / "báo_cáo.txt"
    assert app.save_upload(first, target) == saved  # same content: reused
    first.write_text("hai", encoding="utf-8")
    second = app.save_upload(first, target)
    assert second == target / "báo_cáo-1.txt"
    assert saved.read_text(encoding="utf-8") == "một" and second.read_text(encoding="utf-8") == "hai"
    assert not list(target.glob(".*"))


def test_save_upload_stays_inside_documents_dir(tmp_path):
    source = tmp_path / "x.txt"
    source.write_text("x")
    saved = app.save_upload(source, tmp_path / "docs")
    assert saved.parent == tmp_path / "docs"


def test_document_file_refuses_paths_outside(tmp_path):
    info = DocumentInfo("d", "../outside.txt", "t", 1, "h", 0, 0)
    assert app.document_file(info, tmp_path / "docs") is None
    inside = DocumentInfo("d", "sub/a.txt", "t", 1, "h", 0, 0)
    assert app.document_file(inside, tmp_path / "docs") == (tmp_path / "docs" / "sub" / "a.txt").resolve()


def test_ingest_summary_lists_failures_escaped():
    report = IngestReport(added=["docs/a.txt"], failed={"docs/<b>.pdf": "no text <layer>"}, seconds=1.0)
    html = app.render_ingest_summary(report, ["a.txt"], {"x.exe": "unsupported"}, "en")
    assert "added 1" in html and "failed 1" in html
    assert "&lt;b&gt;.pdf: no text &lt;layer&gt;" in html
    assert "x.exe: unsupported" in html


def test_documents_table_has_localised_headers():
    infos = [DocumentInfo("d", "dir/b.txt", "B", 3, "h", 0, 0), DocumentInfo("e", "a.txt", "A", 1, "h", 0, 0)]
    table = app.documents_table(infos, "vi")
    assert table["headers"][0] == "Tiêu đề"
    assert [row[:3] for row in table["data"]] == [["A", "a.txt", 1], ["B", "b.txt", 3]]


# ---------------------------------------------------------------- access control


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host, loopback):
    assert app.is_loopback(host) is loopback


def test_loopback_needs_no_login(ui_settings):
    assert app.resolve_auth(ui_settings.ui) is None


def test_public_host_without_auth_file_refuses_to_start(ui_settings):
    settings = get_settings(ui_settings, ui={"host": "0.0.0.0"})
    with pytest.raises(ConfigError, match="auth_file"):
        app.launch_options(settings)


def test_public_host_with_auth_file_checks_passwords(ui_settings, tmp_path):
    auth_file = tmp_path / "users.txt"
    auth_file.write_text("# officials\nlan:mật-khẩu:1\n\nminh:abc\n", encoding="utf-8")
    settings = get_settings(ui_settings, ui={"host": "0.0.0.0", "auth_file": str(auth_file)})
    options = app.launch_options(settings)
    check = options["auth"]
    assert check("lan", "mật-khẩu:1") and check("minh", "abc")
    assert not check("minh", "wrong") and not check("nobody", "abc")
    assert options["server_name"] == "0.0.0.0"


@pytest.mark.parametrize("content", ["", "# nobody\n", "no-colon-here\n", ":password\n"])
def test_bad_auth_file_is_a_config_error(tmp_path, content):
    auth_file = tmp_path / "users.txt"
    auth_file.write_text(content)
    with pytest.raises(ConfigError):
        app.read_auth_file(auth_file)


def test_missing_auth_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        app.read_auth_file(tmp_path / "missing.txt")


def test_launch_options_bind_loopback_by_default(ui_settings):
    options = app.launch_options(ui_settings)
    assert options["server_name"] == "127.0.0.1" and options["auth"] is None
    assert options["max_file_size"] == int(ui_settings.ingest.max_file_mb * 1024 * 1024)


def test_main_refuses_public_host_without_auth(monkeypatch, capsys):
    monkeypatch.setenv("RAG_UI__HOST", "0.0.0.0")
    monkeypatch.delenv("RAG_UI__AUTH_FILE", raising=False)
    assert app.main() == 2
    assert "auth_file" in capsys.readouterr().err


def test_uploaded_files_from_gradio_keep_a_readable_name(tmp_path):
    source = tmp_path / "gradio-tmp" / "Báo cáo Q1 (bản cuối).txt"
    source.parent.mkdir()
    source.write_text("nội dung")
    assert app.save_upload(source, tmp_path / "docs").name == "Báo_cáo_Q1_(bản_cuối).txt"


def test_ui_text_falls_back_to_vietnamese():
    from rag.ui_text import ui_text

    assert ui_text("fr", "send") == "Gửi"
    assert ui_text("en", "send") == "Send"


def test_page_js_is_valid_looking():
    assert "rag-cite" in app.PAGE_JS and "scrollIntoView" in app.PAGE_JS
    assert Path(app.__file__).name == "app.py"


def test_ingest_uploads_saves_accepted_files_and_ingests_only_them(ui_settings, tmp_path):
    uploads = tmp_path / "gradio"
    uploads.mkdir()
    good = uploads / "báo cáo mới.txt"
    good.write_text("Nội dung mới.", encoding="utf-8")
    bad = uploads / "setup.exe"
    bad.write_bytes(b"MZ")
    assistant = FakeAssistant(ui_settings)
    calls = []
    assistant.ingest = lambda paths=None, rebuild=False, progress=None: (
        calls.append(list(paths)) or IngestReport(added=[str(paths[0])], seconds=0.1)
    )
    html = app.ingest_uploads(assistant, [good, bad], ui_settings, "vi")
    saved = Path(ui_settings.paths.documents_dir) / "báo_cáo_mới.txt"
    assert calls == [[saved]] and saved.read_text(encoding="utf-8") == "Nội dung mới."
    assert assistant.reloaded == 1
    assert "báo_cáo_mới.txt" in html and "setup.exe" in html and "không được hỗ trợ" in html
    assert not (Path(ui_settings.paths.documents_dir) / "setup.exe").exists()


def test_ingest_uploads_reports_library_errors(ui_settings, tmp_path):
    upload = tmp_path / "a.txt"
    upload.write_text("x")
    assistant = FakeAssistant(ui_settings)

    def failing_ingest(paths=None, rebuild=False, progress=None):
        raise IndexMismatchError("run `rag ingest --rebuild`")

    assistant.ingest = failing_ingest
    html = app.ingest_uploads(assistant, [upload], ui_settings, "en")
    assert "rag ingest --rebuild" in html and "Traceback" not in html


def test_remove_deletes_file_and_index_entry(ui_settings):
    documents_dir = Path(ui_settings.paths.documents_dir)
    documents_dir.mkdir(parents=True)
    (documents_dir / "000_report.txt").write_text("x")
    (documents_dir / "keep.txt").write_text("y")
    assistant = FakeAssistant(ui_settings)
    html = app.remove_indexed_document(assistant, "d1", documents_dir, "vi")
    assert "Đã xoá" in html and assistant.removed == ["d1"]
    assert not (documents_dir / "000_report.txt").exists() and (documents_dir / "keep.txt").exists()
    assert "Hãy chọn" in app.remove_indexed_document(assistant, None, documents_dir, "vi")
