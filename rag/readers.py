"""Files -> ``Document`` -> ``Chunk``s.

Every offset is a character offset into ``Document.text``, the normalised text,
and every chunk's text is exactly ``doc.text[chunk.start:chunk.end]``.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import itertools
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from rag.normalize import decode_bytes, normalize_text, repair_legacy_encoding
from rag.settings import IMAGE_EXTENSIONS, Settings
from rag.types import Chunk, Document, DocumentError

if TYPE_CHECKING:
    from docx.table import Table

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", *IMAGE_EXTENSIONS)

TITLE_MAX_CHARS = 120

# Navigation lines news sites leave at the end of an article, compared lowercase.
_TRAILING_BOILERPLATE = frozenset(
    normalize_text(line)
    for line in (
        "phản hồi", "các tin khác", "tin khác", "mới nhất", "tin mới nhất", "liên kết website",
        "tin liên quan", "bài liên quan", "chia sẻ", "in bài", "in", "bình luận", "gửi bình luận",
        "ý kiến bạn đọc", "xem thêm", "đọc thêm", "tin cùng chuyên mục", "cùng chuyên mục",
        "đọc nhiều", "đọc nhiều nhất", "xem nhiều", "xem nhiều nhất", "về đầu trang", "lên đầu trang",
        "quay lại", "trở về", "email", "share", "print", "tags", "từ khóa",
    )
)  # fmt: skip
_BOILERPLATE_MAX_CHARS = 40


class _Extracted(NamedTuple):
    """Text pulled out of a file, before normalisation."""

    pages: list[str]  # one entry per page; a single entry for formats without pages
    title: str
    paged: bool


# ---------------------------------------------------------------- discovery


def _is_hidden(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(part.startswith(".") or part.startswith("~$") for part in parts)


def discover(paths: Sequence[Path] | None, settings: Settings) -> list[Path]:
    """List the files to ingest, sorted, without duplicates.

    Folders are walked recursively, skipping hidden files and folders (and Word
    lock files ``~$*``). Every other regular file is returned whatever its
    extension: :func:`load_document` rejects unsupported ones with a
    :class:`DocumentError`, so the caller can report them as failures.

    Args:
        paths: files or folders; None means ``settings.paths.documents_dir``.
        settings: the effective settings.

    Returns:
        Paths of regular files.

    Raises:
        DocumentError: a given path does not exist.
    """
    roots = list(paths) if paths is not None else [settings.paths.documents_dir]
    found: set[Path] = set()
    for root in map(Path, roots):
        if root.is_file():
            found.add(root)
        elif root.is_dir():
            found.update(path for path in root.rglob("*") if path.is_file() and not _is_hidden(path, root))
        else:
            raise DocumentError(f"{root}: no such file or folder")
    return sorted(found)


def unsupported_files(paths: Sequence[Path], settings: Settings) -> list[Path]:
    """The files among ``paths`` whose extension will not be ingested."""
    return [path for path in paths if not _is_supported(path, settings)]


def _is_supported(path: Path, settings: Settings) -> bool:
    suffix = path.suffix.lower()
    # Tolerate "pdf" or ".PDF" written in a settings file.
    wanted = {"." + extension.lower().lstrip(".") for extension in settings.ingest.extensions}
    return suffix in SUPPORTED_EXTENSIONS and suffix in wanted


# ---------------------------------------------------------------- loading


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as a posix string (absolute if it lies outside root)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def document_id(relative: str) -> str:
    """Stable short id of a document, from its path relative to the documents folder."""
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:16]


def load_document(path: Path, root: Path, settings: Settings) -> Document:
    """Read one file into a normalised ``Document``.

    Args:
        path: the file.
        root: the documents folder; ``doc_id`` and ``path`` are relative to it.
        settings: the effective settings (size limit, accepted extensions).

    Returns:
        The document; ``text`` is normalised and stripped of trailing web
        boilerplate; ``page_starts`` is set for PDFs.

    Raises:
        DocumentError: the file is unsupported, empty, too large, unreadable,
            corrupt or holds no text. The message starts with the path.
    """
    path = Path(path)
    name = str(path)
    if not _is_supported(path, settings):
        kind = path.suffix.lower() or "(no extension)"
        raise DocumentError(f"{name}: unsupported file type {kind}")
    try:
        stat = path.stat()
    except OSError as err:
        raise DocumentError(f"{name}: cannot read file ({_one_line(err)})") from err
    if not path.is_file():
        raise DocumentError(f"{name}: not a regular file")
    limit_bytes = settings.ingest.max_file_mb * 1024 * 1024
    if stat.st_size > limit_bytes:
        size_mb = stat.st_size / 1024 / 1024
        limit_mb = settings.ingest.max_file_mb
        raise DocumentError(f"{name}: file too large ({size_mb:.1f} MB > ingest.max_file_mb = {limit_mb:g})")
    if stat.st_size == 0:
        raise DocumentError(f"{name}: empty file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DocumentError(f"{name}: cannot read file ({_one_line(err)})") from err

    suffix = path.suffix.lower()
    try:
        if suffix in _OCR_EXTRACTORS:
            extracted = _OCR_EXTRACTORS[suffix](data, name, settings.ingest.ocr_languages)
        else:
            extracted = _EXTRACTORS[suffix](data, name)
    except DocumentError:
        raise
    except Exception as err:  # parsers raise anything on corrupt input
        kind = path.suffix.lower().lstrip(".").upper()
        raise DocumentError(f"{name}: corrupt or unreadable {kind} file ({_one_line(err)})") from err

    text, page_starts = _assemble(extracted.pages, extracted.paged)
    if not text:
        reason = "no text (whitespace only)"
        if extracted.paged:
            reason = "no extractable text (a scan?" + (
                "; OCR found none)" if ocr_available(settings.ingest.ocr_languages) else f"; {_OCR_MISSING})"
            )
        elif suffix in IMAGE_EXTENSIONS:
            reason = "OCR found no text in the picture"
        raise DocumentError(f"{name}: {reason}")
    relative = relative_path(path, root)
    title = (
        _truncate(normalize_text(repair_legacy_encoding(extracted.title)))
        or _first_line_title(text)
        or path.stem
    )
    return Document(
        doc_id=document_id(relative),
        path=relative,
        title=title,
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        mtime=stat.st_mtime,
        page_starts=page_starts,
    )


def _one_line(err: BaseException) -> str:
    """``err`` as "Type: message" on one line, for DocumentError messages."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    message = " ".join(str(err).split())
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def _assemble(pages: list[str], paged: bool) -> tuple[str, tuple[int, ...]]:
    """Mend legacy-font lines and normalise the pages; join them with a blank line, noting page starts."""
    normalized = [normalize_text(repair_legacy_encoding(page)) for page in pages]
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in normalized:
        if page and parts:
            offset += 2  # the "\n\n" joining it to the previous page
        starts.append(offset)
        if page:
            parts.append(page)
            offset += len(page)
    text = strip_trailing_boilerplate("\n\n".join(parts))
    if not paged:
        return text, ()
    return text, tuple(min(start, len(text)) for start in starts)


def strip_trailing_boilerplate(text: str) -> str:
    """Drop short navigation lines ("Phản hồi", "Các tin khác", ...) from the end of a normalised text."""
    lines = text.split("\n")
    while lines:
        last = lines[-1].strip().rstrip(":.»>").strip().lower()
        if not last or (len(last) <= _BOILERPLATE_MAX_CHARS and last in _TRAILING_BOILERPLATE):
            lines.pop()
        else:
            break
    return "\n".join(lines).rstrip()


def _truncate(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    return title[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def _first_line_title(text: str) -> str:
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return _truncate(line)
    return ""


# ---------------------------------------------------------------- extractors


def _extract_text(data: bytes, name: str) -> _Extracted:
    return _Extracted([decode_bytes(data, name)], "", paged=False)


_BLOCK_TAGS = (
    "address article aside blockquote dd details div dl dt fieldset figcaption figure h1 h2 h3 h4 h5 h6 "
    "header hr li main ol p pre section summary table ul caption"
).split()
_DROPPED_TAGS = "script style noscript template nav footer iframe svg form button select head".split()


def _extract_html(data: bytes, name: str) -> _Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_bytes(data, name), "lxml")
    title = ""
    if soup.title is not None and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    if not title:
        heading = soup.find(["h1", "h2", "h3"])
        title = heading.get_text(" ", strip=True) if heading is not None else ""
    # Block elements become paragraphs; inline ones (<b>, <a>) stay inside the sentence.
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(["td", "th"]):
        tag.append(" | ")
    for tag in soup.find_all("tr"):
        tag.append("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.append("\n\n")
    text = soup.get_text()
    text = re.sub(r"(?: \| )+(?=\s*\n)", "", text)  # the separator after a row's last cell
    return _Extracted([text], title, paged=False)


def _extract_pdf(data: bytes, name: str, ocr_languages: str) -> _Extracted:
    if b"%PDF" not in data[:1024]:
        raise DocumentError(f"{name}: not a PDF file (no %PDF header)")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception as err:
            raise DocumentError(f"{name}: encrypted PDF (a password is needed)") from err
    pages = [_reflow_pdf_lines(page.extract_text() or "") for page in reader.pages]
    if ocr_available(ocr_languages):
        pictures = (
            (number, picture)
            for number, text in enumerate(pages)
            if len(text.strip()) < _OCR_BELOW_CHARS
            for picture in _page_pictures(reader.pages[number], f"{name} page {number + 1}")
        )
        read: dict[int, list[str]] = {}
        for number, result in _ocr_in_batches(pictures, ocr_languages):
            if isinstance(result, Exception):  # one bad image costs its own text, not the document
                logger.warning("%s page %d: OCR failed (%s)", name, number + 1, _one_line(result))
            else:
                read.setdefault(number, []).append(result)
        for number, texts in read.items():
            scanned = "\n".join(texts)
            if len(scanned.strip()) > len(pages[number].strip()):
                pages[number] = _reflow_pdf_lines(scanned)
    metadata_title = ""
    try:
        if reader.metadata is not None and reader.metadata.title:
            metadata_title = str(reader.metadata.title)
    except Exception:  # broken metadata does not make the text unusable
        logger.debug("%s: unreadable PDF metadata", name)
    return _Extracted(pages, metadata_title, paged=True)


# A page with less text than this (a scan, perhaps with a stamped page number) is read by OCR.
_OCR_BELOW_CHARS = 20
_OCR_TIMEOUT_S = 120
# Pages read at the same time, each by a one-thread tesseract: 2 on 2 cores (two A4 pages of
# unequal length: 7.1 s one after the other, 5.7 s together).
_OCR_WORKERS = max(1, min(4, os.cpu_count() or 1))
_OCR_MISSING = "install Debian's tesseract-ocr and tesseract-ocr-vie to read scans"


@functools.lru_cache(maxsize=8)
def ocr_available(languages: str) -> bool:
    """Whether the ``tesseract`` program is installed with every one of ``languages`` ("vie+eng")."""
    if not languages or shutil.which("tesseract") is None:
        return False
    try:
        result = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    listed = (result.stdout + result.stderr).split()  # older versions print the list on stderr
    return all(language in listed for language in languages.split("+"))


def _ocr_picture(picture: Any, languages: str) -> str:
    """The text tesseract reads in one PIL image."""
    png = io.BytesIO()
    picture.convert("RGB").save(png, format="PNG")
    result = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", languages],
        input=png.getvalue(),
        capture_output=True,
        timeout=_OCR_TIMEOUT_S,
        check=True,
        # Tesseract's OpenMP threads fight over 2 cores: an A4 page at 300 dpi took 18.8 s
        # with them and 4.3 s with one (eval/bench_ocr.py).
        env={**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")},
    )
    return result.stdout.decode("utf-8", errors="replace")


def _ocr_in_batches(
    pictures: Iterable[tuple[int, Any]], languages: str
) -> Iterator[tuple[int, str | Exception]]:
    """``(page number, OCR text or the error it raised)`` for each ``(page number, PIL image)``, in order.

    One tesseract process per core at a time; only that many pictures are taken from
    ``pictures`` at once, so a long scan is never all in memory.
    """

    def read(picture: Any) -> str | Exception:
        try:
            return _ocr_picture(picture, languages)
        except Exception as err:  # reported by the caller, with the page it belongs to
            return err

    items = iter(pictures)
    with ThreadPoolExecutor(max_workers=_OCR_WORKERS) as pool:
        while batch := list(itertools.islice(items, _OCR_WORKERS)):
            numbers = [number for number, _ in batch]
            yield from zip(numbers, pool.map(read, [picture for _, picture in batch]), strict=True)


def _page_pictures(page: Any, where: str) -> list[Any]:
    """The decoded images of one PDF page (PIL), without those pypdf cannot decode."""
    try:
        images = list(page.images)
    except Exception as err:  # pypdf raises anything on an image it cannot parse
        logger.warning("%s: images unreadable, no OCR (%s)", where, _one_line(err))
        return []
    pictures = []
    for image in images:
        try:
            pictures.append(image.image)  # JBIG2 & co. raise here
        except Exception as err:
            logger.warning("%s: an image is unreadable, no OCR (%s)", where, _one_line(err))
    return pictures


def _extract_image(data: bytes, name: str, ocr_languages: str) -> _Extracted:
    """A photographed or scanned page (PNG, JPEG; a TIFF may hold several pages), read by OCR."""
    if not ocr_available(ocr_languages):
        raise DocumentError(f"{name}: a picture is read by OCR only; {_OCR_MISSING}")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        picture = Image.open(io.BytesIO(data))
        frames = ((number, frame.copy()) for number, frame in enumerate(ImageSequence.Iterator(picture), 1))
        pages: list[str] = []
        for number, result in _ocr_in_batches(frames, ocr_languages):
            if isinstance(result, Exception):
                raise DocumentError(f"{name}: OCR failed on page {number} ({_one_line(result)})") from result
            pages.append(_reflow_pdf_lines(result))
    except (UnidentifiedImageError, OSError) as err:  # also a TIFF page that cannot be decoded
        raise DocumentError(f"{name}: not a readable image ({_one_line(err)})") from err
    return _Extracted(pages, "", paged=len(pages) > 1)


_SENTENCE_TERMINATORS = ".!?…;"
_WRAPPED_LINE_SHARE = 0.6


def _reflow_pdf_lines(page_text: str) -> str:
    """Join the line breaks the page layout made inside sentences.

    A break is a wrap when the line is nearly as long as the page's longest and
    does not end a sentence, or when the next line starts lowercase; short lines
    (headings, list items) keep their break.
    """
    lines = page_text.split("\n")
    width = max(len(line.strip()) for line in lines)
    parts: list[str] = []
    for line, next_line in zip(lines, [*lines[1:], ""], strict=True):
        parts.append(line)
        current, following = line.strip(), next_line.strip()
        if not following:
            parts.append("\n")
            continue
        ends_sentence = not current or current[-1] in _SENTENCE_TERMINATORS
        wrapped = len(current) >= _WRAPPED_LINE_SHARE * width and current[-1:] != ":"
        parts.append(" " if not ends_sentence and (wrapped or following[0].islower()) else "\n")
    return "".join(parts[:-1])


def _extract_docx(data: bytes, name: str) -> _Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    heading = ""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append(block.text)
            style_name = (block.style.name if block.style is not None else "") or ""
            if not heading and block.text.strip() and style_name.startswith(("Title", "Heading")):
                heading = block.text
        elif isinstance(block, Table):
            blocks.append(_docx_table_text(block))
    title = (document.core_properties.title or "").strip() or heading
    return _Extracted(["\n\n".join(blocks)], title, paged=False)


def _docx_table_text(table: Table) -> str:
    """One line per row, cells separated by " | "; merged cells counted once."""
    rows: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cell_text = " ".join(cell.text.split())
            if cell_text:
                cells.append(cell_text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


_EXTRACTORS: dict[str, Callable[[bytes, str], _Extracted]] = {
    ".txt": _extract_text,
    ".md": _extract_text,
    ".html": _extract_html,
    ".htm": _extract_html,
    ".docx": _extract_docx,
}
# Extractors that may read pictures, given the OCR languages.
_OCR_EXTRACTORS: dict[str, Callable[[bytes, str, str], _Extracted]] = {
    ".pdf": _extract_pdf,
    **dict.fromkeys(IMAGE_EXTENSIONS, _extract_image),
}


# ---------------------------------------------------------------- sentences

# A run of terminators with any closing quotes/brackets, then whitespace or the end;
# or line breaks.
_SENTENCE_END_RE = re.compile(r"[.!?…;]+[”\"’'»)\]]*(?=\s|$)|\n+")
_WORD_BEFORE_RE = re.compile(r"([^\W_]+)[.]*$")
_ABBREVIATIONS = frozenset(
    """tp tx q p tt ts pgs gs ths bs ks cn kts ls nxb nsnd nsưt ubnd hđnd mr mrs ms dr st vol
    tr pp đc""".split()
)
_LOOKBEHIND_CHARS = 12


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` over a normalised text, whitespace excluded.

    Splits after ``. ! ? … ;`` (with any closing quote attached) and at line
    breaks; not after abbreviations ("TP.", "TS.", "PGS.", "Q."), initials,
    list numbers ("1."), or where the next word starts lowercase. Decimals
    ("0,58%", "3.5") and codes ("01-KL/TW") are never split.

    Args:
        text: normalised text (``Document.text``).

    Returns:
        Spans in order; ``text[start:end]`` is one sentence, stripped.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        if text[match.start()] == "\n":
            end = match.start()
        elif _is_sentence_end(text, match.start(), match.end()):
            end = match.end()
        else:
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _is_sentence_end(text: str, terminator_at: int, after: int) -> bool:
    terminator = text[terminator_at]
    if terminator == ";":
        return True
    next_char = text[after + 1 : after + 2] if after < len(text) else ""
    if next_char and next_char.islower():
        return False  # "v.v. và", "“Tuyệt!” ông nói", an unknown abbreviation
    if terminator != ".":
        return True
    word = _WORD_BEFORE_RE.search(text, max(0, terminator_at - _LOOKBEHIND_CHARS), terminator_at + 1)
    if word is None:
        return True
    if ends_abbreviation(text, terminator_at):
        return False
    before = word.group(1)
    line_start = text.rfind("\n", 0, word.start(1)) + 1
    return not (before.isdigit() and len(before) <= 2 and not text[line_start : word.start(1)].strip())


def ends_abbreviation(text: str, dot_at: int) -> bool:
    """Whether the "." at ``dot_at`` ends an abbreviation ("TP.") or an initial ("Robert H. McNaught").

    An initial is one Latin letter without marks ("(s. 1920)" too); a Vietnamese one-letter word
    ends its sentence ("… đất ở.", "… châu Á."), and so does "v.v.".
    """
    word = _WORD_BEFORE_RE.search(text, max(0, dot_at - _LOOKBEHIND_CHARS), dot_at + 1)
    if word is None or text[dot_at : dot_at + 1] != ".":
        return False
    before = word.group(1)
    if before.lower() in _ABBREVIATIONS:
        return True
    initial = len(before) == 1 and before.isascii()
    return initial and text[word.start(1) - 2 : word.start(1) + 1] != "v.v"


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


# ---------------------------------------------------------------- chunks


class _Unit(NamedTuple):
    start: int
    end: int
    opens_paragraph: bool


def _units(text: str, size: int) -> list[_Unit]:
    """Sentences, with those longer than ``size`` cut at word boundaries."""
    units: list[_Unit] = []
    previous_end = 0
    for start, end in split_sentences(text):
        opens_paragraph = "\n\n" in text[previous_end:start] or not units
        previous_end = end
        while end - start > size:
            cut = _word_boundary_before(text, start, start + size)
            units.append(_Unit(start, cut, opens_paragraph))
            opens_paragraph = False
            start = cut
            while start < end and text[start].isspace():
                start += 1
        units.append(_Unit(start, end, opens_paragraph))
    return units


def _word_boundary_before(text: str, start: int, limit: int) -> int:
    """End of the last whole word in ``text[start:limit]``; ``limit`` if it is one long word."""
    space = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\n", start + 1, limit + 1))
    if space <= start:
        return limit
    cut = space
    while cut > start and text[cut - 1].isspace():
        cut -= 1
    return cut


def _chunk_id(doc_id: str, start: int, end: int, text: str) -> str:
    text_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{doc_id}:{start}:{end}:{text_hash}".encode()).hexdigest()[:20]


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Cut a document into chunks of whole sentences.

    Sentences are packed greedily up to ``size`` characters; when a chunk must
    end, it ends at the last paragraph break in its second half if there is one.
    The next chunk starts by repeating the previous chunk's trailing whole
    sentences, up to ``overlap`` characters. A sentence longer than ``size`` is
    cut at word boundaries (a single word longer than ``size`` is cut anywhere).

    Args:
        doc: the document.
        size: the most characters in one chunk.
        overlap: the most characters repeated from the previous chunk.

    Returns:
        Chunks in order, ``chunk.text == doc.text[chunk.start:chunk.end]``;
        ids depend only on the document id, the span and its text.
    """
    units = _units(doc.text, size)
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(units):
        last = _last_unit_that_fits(units, first, size)
        spans.append((units[first].start, units[last].end))
        if last == len(units) - 1:
            break
        first = _first_overlap_unit(units, first, last, size, overlap)

    chunks: list[Chunk] = []
    page_starts = list(doc.page_starts)
    for ordinal, (start, end) in enumerate(spans):
        text = doc.text[start:end]
        # Same answer as doc.page_at(start), in log time for long PDFs.
        page = max(1, bisect.bisect_right(page_starts, start)) if page_starts else None
        chunks.append(
            Chunk(
                chunk_id=_chunk_id(doc.doc_id, start, end, text),
                doc_id=doc.doc_id,
                title=doc.title,
                text=text,
                start=start,
                end=end,
                ordinal=ordinal,
                page=page,
            )
        )
    return chunks


def _last_unit_that_fits(units: list[_Unit], first: int, size: int) -> int:
    """Index of the last unit of the chunk starting at ``first``."""
    chunk_start = units[first].start
    last = first
    while last + 1 < len(units) and units[last + 1].end - chunk_start <= size:
        last += 1
    if last + 1 < len(units):
        for candidate in range(last, first, -1):
            if units[candidate].start - chunk_start < size // 2:
                break
            if units[candidate].opens_paragraph:
                return candidate - 1
    return last


def _first_overlap_unit(units: list[_Unit], first: int, last: int, size: int, overlap: int) -> int:
    """First unit of the next chunk: trailing sentences of this one that fit in ``overlap``."""
    next_new = last + 1
    begin = next_new
    while (
        begin - 1 > first
        and units[last].end - units[begin - 1].start <= overlap
        and units[next_new].end - units[begin - 1].start <= size
    ):
        begin -= 1
    return begin
