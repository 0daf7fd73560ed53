"""Loading files into Documents, sentence splitting and chunking."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pytest

from rag.normalize import normalize_text
from rag.readers import (
    SUPPORTED_EXTENSIONS,
    chunk_document,
    discover,
    load_document,
    split_sentences,
    strip_trailing_boilerplate,
    unsupported_files,
)
from rag.settings import get_settings
from rag.types import Document, DocumentError

TESTS = Path(__file__).resolve().parent
TEST_DATA = TESTS / "data"
SEED_DIR = TESTS.parent / "documents"
SEED_REPORT = SEED_DIR / "000_d6dbdd2ddfa3846f.txt"
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

REFERENCE = (
    "Ngành y tế Hà Nội tăng cường chăm sóc sức khỏe ban đầu\n\n"
    "Sở Y tế phối hợp với các quận, huyện tổ chức khám sức khỏe định kỳ cho người cao tuổi. "
    "Tỷ lệ bao phủ bảo hiểm y tế đạt 92,5%."
)


@pytest.fixture
def cfg(tmp_path):
    return get_settings({"paths": {"documents_dir": str(tmp_path), "index_dir": str(tmp_path / "index")}})


def load(path: Path, root: Path, settings) -> Document:
    return load_document(path, root, settings)


def assert_chunk_invariants(doc: Document, size: int, overlap: int) -> list:
    chunks = chunk_document(doc, size, overlap)
    assert chunks, "a document with text has chunks"
    for ordinal, chunk in enumerate(chunks):
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()
        assert len(chunk.text) <= size
        assert chunk.ordinal == ordinal
        assert chunk.doc_id == doc.doc_id and chunk.title == doc.title
        assert chunk.page == doc.page_at(chunk.start)
    for previous, chunk in zip(chunks, chunks[1:], strict=False):
        assert previous.start < chunk.start  # progress
        assert chunk.start <= previous.end + 2  # nothing skipped but whitespace
        if chunk.start < previous.end:
            assert previous.end - chunk.start <= overlap
    covered = " ".join(doc.text[c.start : c.end] for c in chunks)
    assert set(covered.split()) == set(doc.text.split())
    return chunks


# ---------------------------------------------------------------- discover


def test_discover_lists_regular_files_recursively_sorted_without_hidden(tmp_path, cfg):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ["b/z.txt", "a.md", ".hidden.txt", ".git/config.txt", "~$lock.docx", "notes.xyz", "b/c.pdf"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = discover(None, cfg)
    assert found == sorted(found)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.md", "b/c.pdf", "b/z.txt", "notes.xyz"]
    assert unsupported_files(found, cfg) == [tmp_path / "notes.xyz"]


def test_discover_explicit_paths_and_missing_path(tmp_path, cfg):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    assert discover([tmp_path / "a.txt", tmp_path / "a.txt"], cfg) == [tmp_path / "a.txt"]
    with pytest.raises(DocumentError, match="missing"):
        discover([tmp_path / "missing"], cfg)


def test_discover_default_documents_dir_finds_fixtures(settings):
    names = [p.name for p in discover(None, settings)]
    assert {"01_tu_son_nfd.txt", "02_y_te_ha_noi.txt", "03_giao_duc_cp1258.txt"} <= set(names)


def test_supported_extensions():
    assert set(SUPPORTED_EXTENSIONS) == {
        *(".txt", ".md", ".html", ".htm", ".pdf", ".docx"),
        *(".png", ".jpg", ".jpeg", ".tif", ".tiff"),  # read by OCR
    }


# ---------------------------------------------------------------- text files and encodings


@pytest.mark.parametrize(
    ("name", "title", "phrase"),
    [
        ("01_tu_son_nfd.txt", "Học và làm theo Bác ở phường Phù Chẩn", "tỷ lệ hộ nghèo giảm còn 0,58%"),
        ("02_y_te_ha_noi.txt", "Ngành y tế Hà Nội tăng cường chăm sóc sức khỏe ban đầu", "trạm y tế xã"),
        ("03_giao_duc_cp1258.txt", "Bắc Ninh nâng cao chất lượng giáo dục vùng nông thôn", "Nguyễn Văn Thụy"),
        ("04_nong_nghiep_utf16.txt", "Hải Dương phát triển nông nghiệp công nghệ cao", "vải thiều"),
    ],
)
def test_fixture_files_load_normalised(settings, name, title, phrase):
    path = TEST_DATA / name
    doc = load(path, TEST_DATA, settings)
    assert doc.title == title
    assert phrase in doc.text
    assert normalize_text(doc.text) == doc.text
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.path == name
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.mtime == path.stat().st_mtime
    assert doc.page_starts == () and doc.page_at(10) is None


def test_every_encoding_gives_identical_text(tmp_path, cfg):
    variants = {
        "utf8.txt": REFERENCE.encode("utf-8"),
        "utf8_bom.txt": REFERENCE.encode("utf-8-sig"),
        "nfd.txt": unicodedata.normalize("NFD", REFERENCE.replace("khỏe", "khoẻ")).encode("utf-8"),
        "utf16_bom.txt": REFERENCE.encode("utf-16"),
        "utf16le.txt": REFERENCE.encode("utf-16-le"),
        "utf16be.txt": REFERENCE.encode("utf-16-be"),
        "cp1258.txt": _cp1258(REFERENCE),
        "crlf.md": REFERENCE.replace("\n", "\r\n").encode("utf-8"),
    }
    texts = set()
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        texts.add(load(tmp_path / name, tmp_path, cfg).text)
    assert texts == {REFERENCE}


def _cp1258(text: str) -> bytes:
    """Windows-1258 the way legacy software wrote it: tone marks as combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        marks = "".join(c for c in parts if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)) + marks)
    return "".join(out).encode("cp1258")


def test_doc_id_depends_on_relative_path_only(tmp_path, cfg):
    (tmp_path / "sub").mkdir()
    first = tmp_path / "sub" / "bao_cao.txt"
    first.write_text(REFERENCE, encoding="utf-8")
    doc = load(first, tmp_path, cfg)
    assert doc.path == "sub/bao_cao.txt"
    first.write_text(REFERENCE + "\n\nĐoạn mới.", encoding="utf-8")
    changed = load(first, tmp_path, cfg)
    assert changed.doc_id == doc.doc_id and changed.content_hash != doc.content_hash
    other = tmp_path / "bao_cao.txt"
    other.write_text(REFERENCE, encoding="utf-8")
    assert load(other, tmp_path, cfg).doc_id != doc.doc_id


def test_markdown_title_drops_heading_marks(tmp_path, cfg):
    path = tmp_path / "ghi_chu.md"
    path.write_text("\n\n# Báo cáo y tế quý I\n\nNội dung.", encoding="utf-8")
    assert load(path, tmp_path, cfg).title == "Báo cáo y tế quý I"


def test_long_first_line_title_is_truncated(tmp_path, cfg):
    path = tmp_path / "dai.txt"
    path.write_text("Ngành y tế " * 40, encoding="utf-8")
    assert len(load(path, tmp_path, cfg).title) <= 120


# ---------------------------------------------------------------- bad input


def _assert_document_error(path: Path, root: Path, settings, reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load(path, root, settings)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert reason in message
    assert "\n" not in message


def test_binary_data_named_pdf(tmp_path, cfg):
    path = tmp_path / "bao_cao.pdf"
    path.write_bytes(os.urandom(2048))
    _assert_document_error(path, tmp_path, cfg, "not a PDF")


def test_truncated_pdf(tmp_path, cfg):
    path = tmp_path / "hong.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + os.urandom(500))
    with pytest.raises(DocumentError, match=r"hong\.pdf: ") as caught:
        load(path, tmp_path, cfg)
    assert caught.value.__cause__ is not None or "no extractable text" in str(caught.value)


def test_corrupt_docx(tmp_path, cfg):
    path = tmp_path / "bao_cao.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive" + os.urandom(200))
    _assert_document_error(path, tmp_path, cfg, "corrupt or unreadable DOCX")


def test_zero_byte_file(tmp_path, cfg):
    path = tmp_path / "rong.txt"
    path.write_bytes(b"")
    _assert_document_error(path, tmp_path, cfg, "empty file")


def test_whitespace_only_file(tmp_path, cfg):
    path = tmp_path / "trang.txt"
    path.write_text(" \n\t\u00a0\r\n\u200b  \n", encoding="utf-8")
    _assert_document_error(path, tmp_path, cfg, "no text")


def test_binary_data_named_txt(tmp_path, cfg):
    path = tmp_path / "anh.txt"
    path.write_bytes(bytes(range(256)) * 8)
    _assert_document_error(path, tmp_path, cfg, "binary")


def test_unsupported_extension(tmp_path, cfg):
    path = tmp_path / "bang_tinh.xlsx"
    path.write_bytes(b"PK\x03\x04")
    _assert_document_error(path, tmp_path, cfg, "unsupported file type .xlsx")


def test_extension_disabled_in_settings(tmp_path):
    settings = get_settings({"ingest": {"extensions": [".txt"]}})
    path = tmp_path / "ghi_chu.md"
    path.write_text("Nội dung", encoding="utf-8")
    _assert_document_error(path, tmp_path, settings, "unsupported file type .md")


def test_extensions_setting_tolerates_missing_dot_and_case(tmp_path):
    settings = get_settings({"ingest": {"extensions": ["TXT", ".Md"]}})
    for name in ["a.txt", "b.MD"]:
        (tmp_path / name).write_text("Nội dung báo cáo.", encoding="utf-8")
        assert load(tmp_path / name, tmp_path, settings).text == "Nội dung báo cáo."


def test_oversize_file(tmp_path):
    settings = get_settings({"ingest": {"max_file_mb": 0.001}})
    path = tmp_path / "lon.txt"
    path.write_text("Ngành y tế Hà Nội. " * 200, encoding="utf-8")
    _assert_document_error(path, tmp_path, settings, "file too large")


def test_missing_file(tmp_path, cfg):
    _assert_document_error(tmp_path / "khong_co.txt", tmp_path, cfg, "cannot read file")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path, cfg):
    path = tmp_path / "bi_mat.txt"
    path.write_text("Nội dung", encoding="utf-8")
    path.chmod(0)
    try:
        _assert_document_error(path, tmp_path, cfg, "cannot read file")
    finally:
        path.chmod(0o644)


def test_read_error_is_a_document_error(tmp_path, cfg, monkeypatch):
    path = tmp_path / "bi_mat.txt"
    path.write_text("Nội dung", encoding="utf-8")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    _assert_document_error(path, tmp_path, cfg, "cannot read file (Permission denied)")


# ---------------------------------------------------------------- PDF, DOCX, HTML


def _make_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(UNICODE_FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.set_title("Báo cáo y tế tỉnh Bắc Ninh")
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


@pytest.mark.skipif(not UNICODE_FONT.exists(), reason="DejaVuSans.ttf is needed for Vietnamese PDF text")
def test_pdf_pages_and_chunk_page_numbers(tmp_path, cfg):
    page_one = " ".join(
        f"Câu {i}: ngành y tế tỉnh Bắc Ninh khám sức khỏe cho người cao tuổi." for i in range(1, 13)
    )
    page_two = " ".join(f"Câu {i}: trạm y tế xã được đầu tư nâng cấp trang thiết bị." for i in range(13, 25))
    path = tmp_path / "bao_cao.pdf"
    _make_pdf(path, [page_one, page_two])
    doc = load(path, tmp_path, cfg)

    assert doc.title == "Báo cáo y tế tỉnh Bắc Ninh"
    assert len(doc.page_starts) == 2 and doc.page_starts[0] == 0
    second = doc.page_starts[1]
    assert doc.text[second - 2 : second] == "\n\n"
    assert doc.text[second:].startswith("Câu 13: trạm y tế xã")
    # Lines wrapped by the layout are joined back into whole sentences.
    for i in range(1, 13):
        assert f"Câu {i}: ngành y tế tỉnh Bắc Ninh khám sức khỏe cho người cao tuổi." in doc.text[:second]
    for i in range(13, 25):
        assert f"Câu {i}: trạm y tế xã được đầu tư nâng cấp trang thiết bị." in doc.text[second:]
    assert doc.page_at(0) == 1 and doc.page_at(second) == 2

    chunks = assert_chunk_invariants(doc, size=300, overlap=80)
    assert {c.page for c in chunks} == {1, 2}
    for chunk in chunks:
        expected = 2 if "trạm y tế xã" in chunk.text.split("Câu 13")[0] else 1
        assert chunk.page == expected, chunk.text


def test_docx_paragraphs_and_table_cells(tmp_path, cfg):
    import docx

    document = docx.Document()
    document.add_heading("Báo cáo công tác y tế năm 2022", level=1)
    document.add_paragraph("Ngành y tế Hà Nội tăng cường chăm sóc sức khỏe ban đầu.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Chỉ tiêu"
    table.cell(0, 1).text = "Kết quả"
    table.cell(1, 0).text = "Bảo hiểm y tế"
    table.cell(1, 1).text = "92,5%"
    document.add_paragraph("Hà Nội sẽ nâng cấp 30 trạm y tế.")
    path = tmp_path / "bao_cao.docx"
    document.save(str(path))

    doc = load(path, tmp_path, cfg)
    assert doc.title == "Báo cáo công tác y tế năm 2022"
    assert "Ngành y tế Hà Nội tăng cường chăm sóc sức khỏe ban đầu." in doc.text
    assert "Chỉ tiêu | Kết quả\nBảo hiểm y tế | 92,5%" in doc.text
    # Body order is kept: paragraph, table, paragraph.
    assert doc.text.index("ban đầu.") < doc.text.index("Chỉ tiêu") < doc.text.index("30 trạm y tế")
    assert_chunk_invariants(doc, size=100, overlap=30)


def test_docx_typed_in_legacy_fonts_reads_as_unicode(tmp_path, cfg):
    import docx

    document = docx.Document()
    document.add_heading("B¸o c¸o c«ng t¸c y tÕ n¨m 2022", level=1)  # .VnTime (TCVN3)
    document.add_paragraph("Ngµnh y tÕ Hµ Néi t¨ng c­êng ch¨m sãc søc kháe ban ®Çu.")
    document.add_paragraph("Haø Noäi seõ naâng caáp 30 traïm y teá.")  # VNI-Times
    document.add_paragraph("Bảo hiểm y tế đạt 92,5%.")  # Unicode, in the same file
    path = tmp_path / "bao_cao_cu.docx"
    document.save(str(path))

    doc = load(path, tmp_path, cfg)
    assert doc.title == "Báo cáo công tác y tế năm 2022"
    assert [line for line in doc.text.split("\n") if line] == [
        "Báo cáo công tác y tế năm 2022",
        "Ngành y tế Hà Nội tăng cường chăm sóc sức khỏe ban đầu.",
        "Hà Nội sẽ nâng cấp 30 trạm y tế.",
        "Bảo hiểm y tế đạt 92,5%.",
    ]
    assert_chunk_invariants(doc, size=100, overlap=30)


SCANNED_LINES = (
    "Tỷ lệ hộ nghèo của phường Phù Chẩn giảm từ 0,58% xuống 0,22%.",
    "Đảng bộ thành phố Từ Sơn lựa chọn hai nội dung đột phá.",
)


def _scanned_pdf(path: Path) -> None:
    """A PDF whose only page is a picture of Vietnamese text, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 36)
    picture = Image.new("RGB", (1500, 260), "white")
    for number, line in enumerate(SCANNED_LINES):
        ImageDraw.Draw(picture).text((60, 60 + number * 90), line, fill="black", font=font)
    picture.save(path, resolution=200)


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists(), reason="no DejaVu font"
)
def test_scanned_pdf_is_read_by_ocr(tmp_path, cfg):
    from rag.readers import ocr_available

    if not ocr_available(cfg.ingest.ocr_languages):
        pytest.fail("tesseract with Vietnamese is missing: `make test` installs it (make tesseract)")
    _scanned_pdf(tmp_path / "scan.pdf")
    doc = load(tmp_path / "scan.pdf", tmp_path, cfg)
    assert [line for line in doc.text.split("\n") if line] == list(SCANNED_LINES)
    assert doc.page_starts == (0,)


def _page_picture(lines: Sequence[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 36)
    picture = Image.new("RGB", (1500, 80 + 90 * len(lines)), "white")
    for number, line in enumerate(lines):
        ImageDraw.Draw(picture).text((60, 40 + number * 90), line, fill="black", font=font)
    return picture


def test_photographed_pages_are_read_by_ocr(tmp_path, cfg):
    _page_picture(SCANNED_LINES).save(tmp_path / "trang.jpg", quality=90)
    first, second = _page_picture(SCANNED_LINES[:1]), _page_picture(SCANNED_LINES[1:])
    first.save(tmp_path / "ban_quet.tiff", save_all=True, append_images=[second])

    photo = load(tmp_path / "trang.jpg", tmp_path, cfg)
    assert [line for line in photo.text.split("\n") if line] == list(SCANNED_LINES)
    assert photo.page_starts == ()
    scan = load(tmp_path / "ban_quet.tiff", tmp_path, cfg)  # a multi-page TIFF keeps its pages
    assert scan.text.split("\n\n") == list(SCANNED_LINES)
    assert scan.page_starts == (0, len(SCANNED_LINES[0]) + 2)


def test_pictures_without_ocr_or_broken_are_clear_errors(tmp_path, cfg):
    _page_picture(SCANNED_LINES).save(tmp_path / "trang.png")
    no_ocr = get_settings(ingest={"ocr_languages": ""})
    with pytest.raises(
        DocumentError, match=r"trang\.png: a picture is read by OCR only; .*tesseract-ocr-vie"
    ):
        load(tmp_path / "trang.png", tmp_path, no_ocr)
    (tmp_path / "hong.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"broken" * 20)
    with pytest.raises(DocumentError, match=r"hong\.png: not a readable image"):
        load(tmp_path / "hong.png", tmp_path, cfg)
    from PIL import Image

    Image.new("RGB", (400, 300), "white").save(tmp_path / "trang_trang.png")
    with pytest.raises(DocumentError, match=r"trang_trang\.png: OCR found no text in the picture"):
        load(tmp_path / "trang_trang.png", tmp_path, cfg)


def test_ocr_failure_costs_only_that_page(tmp_path, cfg, monkeypatch, caplog):
    from fpdf import FPDF

    import rag.readers as readers

    pdf = FPDF()
    pdf.add_font("dejavu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("dejavu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Đảng bộ thành phố Từ Sơn lựa chọn hai nội dung đột phá.")
    pdf.add_page()  # a page that reads as nothing, like a scan whose image cannot be decoded
    pdf.output(str(tmp_path / "mixed.pdf"))
    page_pictures = readers._page_pictures
    monkeypatch.setattr(readers, "ocr_available", lambda languages: True)
    monkeypatch.setattr(readers, "_page_pictures", lambda page, where: [object()])  # not a picture
    with caplog.at_level("WARNING", logger="rag.readers"):
        doc = load(tmp_path / "mixed.pdf", tmp_path, cfg)
    assert doc.text == "Đảng bộ thành phố Từ Sơn lựa chọn hai nội dung đột phá."
    assert "mixed.pdf page 2: OCR failed" in caplog.text

    class Unreadable:
        @property
        def images(self):
            raise NotImplementedError("JBIG2Decode")

    with caplog.at_level("WARNING", logger="rag.readers"):
        assert page_pictures(Unreadable(), "mixed.pdf page 2") == []
    assert "mixed.pdf page 2: images unreadable" in caplog.text


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists(), reason="no DejaVu font"
)
def test_scanned_pdf_without_ocr_is_a_clear_error(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf")
    no_ocr = get_settings(ingest={"ocr_languages": ""})
    with pytest.raises(DocumentError, match=r"scan\.pdf: no extractable text .*tesseract-ocr-vie"):
        load(tmp_path / "scan.pdf", tmp_path, no_ocr)


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Từ Sơn: học và làm theo Bác</title>
<style>body { color: red; }</style><script>var tracking = "Không được xuất hiện";</script></head>
<body>
<nav><a href="/">Trang chủ</a> | <a href="/thoi-su">Thời sự</a></nav>
<article>
<h1>Đảng bộ thành phố Từ Sơn</h1>
<p>Đồng chí <b>Đàm Đức Hà</b>, Bí thư Đảng ủy phường Hương Mạc cho biết: “Rác thải được thu gom”.</p>
<p>Tỷ lệ hộ nghèo giảm còn 0,58%.<br>Khu phố văn hoá đạt 3/3.</p>
<table><tr><td>Năm</td><td>Kết quả</td></tr><tr><td>2021</td><td>61 trường hợp</td></tr></table>
</article>
<footer>Bản quyền thuộc Báo Bắc Ninh</footer>
<p>Tin liên quan</p><p>Chia sẻ</p>
</body></html>
"""


def test_html_text_without_scripts_navigation_or_boilerplate(tmp_path, cfg):
    path = tmp_path / "bai_viet.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = load(path, tmp_path, cfg)
    assert doc.title == "Từ Sơn: học và làm theo Bác"
    assert doc.text.startswith("Đảng bộ thành phố Từ Sơn\n\nĐồng chí Đàm Đức Hà, Bí thư")
    assert "Tỷ lệ hộ nghèo giảm còn 0,58%.\nKhu phố văn hóa đạt 3/3." in doc.text
    assert "Năm | Kết quả\n2021 | 61 trường hợp" in doc.text
    for unwanted in ["tracking", "Không được", "color", "Trang chủ", "Bản quyền", "Tin liên quan", "Chia sẻ"]:
        assert unwanted not in doc.text
    assert doc.text.endswith("61 trường hợp")


def test_html_title_falls_back_to_first_heading(tmp_path, cfg):
    path = tmp_path / "bai.htm"
    path.write_bytes("<html><body><h2>Ngành y tế</h2><p>Nội dung bài.</p></body></html>".encode())
    assert load(path, tmp_path, cfg).title == "Ngành y tế"


# ---------------------------------------------------------------- seed report


@pytest.fixture
def seed_doc(settings):
    return load(SEED_REPORT, SEED_DIR, settings)


def test_seed_report_trailing_boilerplate_is_stripped(seed_doc):
    raw = SEED_REPORT.read_text(encoding="utf-8")
    assert raw.rstrip().endswith("Liên kết website")
    assert seed_doc.text.endswith("nhiệm kỳ 2020 - 2025 đề ra.")
    for line in ["Phản hồi", "Các tin khác", "Mới nhất", "Liên kết website"]:
        assert line not in seed_doc.text
    assert seed_doc.title == "Đảng bộ thành phố Từ Sơn sau một năm thực hiện Kết luận số 01-KL/TW"
    assert "\u00a0" not in seed_doc.text and "\n\n\n" not in seed_doc.text


def test_boilerplate_strip_is_conservative():
    kept = "Ông cho biết sẽ chia sẻ kinh nghiệm.\n\nChia sẻ kinh nghiệm quản lý đất đai ở các phường"
    assert strip_trailing_boilerplate(kept) == kept
    assert strip_trailing_boilerplate("Nội dung.\n\nTin liên quan\nChia sẻ:\nIn bài") == "Nội dung."
    assert strip_trailing_boilerplate("Phản hồi\n\nNội dung.") == "Phản hồi\n\nNội dung."


def test_seed_report_chunks(settings, seed_doc):
    size, overlap = settings.chunking.size, settings.chunking.overlap
    chunks = assert_chunk_invariants(seed_doc, size, overlap)
    assert len(chunks) >= 5
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False)), "overlap present"
    again = chunk_document(load(SEED_REPORT, SEED_DIR, settings), size, overlap)
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.page is None for c in chunks)


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (150, 60), (400, 150), (2000, 300)])
def test_seed_report_chunk_sizes(seed_doc, size, overlap):
    assert_chunk_invariants(seed_doc, size, overlap)


def test_chunks_prefer_paragraph_breaks(tmp_path, cfg):
    paragraphs = [" ".join(f"Đoạn {p} câu {s} nói về y tế." for s in range(6)) for p in range(4)]
    path = tmp_path / "doan.txt"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    doc = load(path, tmp_path, cfg)
    chunks = assert_chunk_invariants(doc, size=250, overlap=0)
    for chunk in chunks:
        assert chunk.text in paragraphs or any(chunk.text in p for p in paragraphs), chunk.text


def test_long_sentence_is_cut_at_word_boundaries(tmp_path, cfg):
    sentence = ", ".join(["cán bộ, đảng viên và nhân dân thành phố Từ Sơn"] * 30) + "."
    path = tmp_path / "dai.txt"
    path.write_text(sentence, encoding="utf-8")
    doc = load(path, tmp_path, cfg)
    chunks = assert_chunk_invariants(doc, size=120, overlap=40)
    words = set(doc.text.split())
    for chunk in chunks:
        assert chunk.text.split()[0] in words and chunk.text.split()[-1] in words


def test_word_longer_than_size_is_cut(tmp_path, cfg):
    path = tmp_path / "ma.txt"
    path.write_text("Mã " + "x" * 450 + " hết.", encoding="utf-8")
    doc = load(path, tmp_path, cfg)
    chunks = chunk_document(doc, 200, 50)
    assert all(len(c.text) <= 200 and c.text == doc.text[c.start : c.end] for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == doc.text.replace(" ", "")


def test_empty_document_has_no_chunks():
    assert chunk_document(Document("d", "d.txt", "t", "", "h"), 700, 150) == []


# ---------------------------------------------------------------- sentences


def spans_text(text: str) -> list[str]:
    spans = split_sentences(text)
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert end <= next_start
    return [text[start:end] for start, end in spans]


def test_split_sentences_seed_report_keeps_numbers_and_codes(seed_doc):
    sentences = spans_text(seed_doc.text)
    assert sentences[0] == "Đảng bộ thành phố Từ Sơn sau một năm thực hiện Kết luận số 01-KL/TW"
    assert "tỷ lệ hộ nghèo giảm còn 0,58%." in sentences
    assert any("có hơn 9,23% số hộ đạt danh hiệu" in s for s in sentences)
    assert any(s.endswith("an toàn xã hội đảm bảo”.") for s in sentences)  # closing quote stays attached
    for sentence in sentences:
        assert sentence == sentence.strip() and sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ông làm việc tại TP. Hồ Chí Minh. Sau đó PGS. TS. Nguyễn Văn A. về Q. 1 công tác.",
            ["Ông làm việc tại TP. Hồ Chí Minh.", "Sau đó PGS. TS. Nguyễn Văn A. về Q. 1 công tác."],
        ),
        (
            "Tỷ lệ 0,58% và 3.5 điểm. Kết luận 01-KL/TW được ban hành!",
            ["Tỷ lệ 0,58% và 3.5 điểm.", "Kết luận 01-KL/TW được ban hành!"],
        ),
        ("“Tuyệt vời!” ông nói. Vì sao? Vì…", ["“Tuyệt vời!” ông nói.", "Vì sao?", "Vì…"]),
        ("Gồm gạo, muối, v.v. Sau đó ông về.", ["Gồm gạo, muối, v.v.", "Sau đó ông về."]),
        # Initials are Latin letters; a Vietnamese one-letter word ends its sentence.
        (
            "Robert H. McNaught (s. 1956) đến. Giao đất ở. Xuất khẩu sang châu Á. Rồi sang Ý. Hết.",
            [
                "Robert H. McNaught (s. 1956) đến.",
                "Giao đất ở.",
                "Xuất khẩu sang châu Á.",
                "Rồi sang Ý.",
                "Hết.",
            ],
        ),
        (
            "Thu nhập đạt 53 triệu đồng; tỷ lệ hộ nghèo giảm",
            ["Thu nhập đạt 53 triệu đồng;", "tỷ lệ hộ nghèo giảm"],
        ),
        ("1. Mở đầu\n2. Kết luận\n\nTp. Bắc Ninh.", ["1. Mở đầu", "2. Kết luận", "Tp. Bắc Ninh."]),
        ("", []),
    ],
)
def test_split_sentences(text, expected):
    assert spans_text(text) == expected
