"""The chat UI: Gradio wiring around ``rag.pipeline.Assistant``.

This file only wires things: the assistant retrieves, prompts, generates and
verifies; the functions here turn its typed events into HTML (escaped, with
clickable ``[n]`` citations), keep each browser session's conversation in
``gr.State`` and save uploaded files into the documents folder.

Run ``python app.py`` (settings from ``rag.toml`` / ``RAG_*`` variables).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import logging
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr

from rag.settings import IngestSettings, Settings, UISettings, get_settings
from rag.types import (
    Answer,
    Citation,
    ConfigError,
    DocumentInfo,
    DoneEvent,
    IndexMissingError,
    IngestReport,
    Passage,
    RagError,
    SourcesEvent,
    TokenEvent,
)
from rag.ui_text import EXAMPLE_QUESTIONS, LANGUAGE_CHOICES, ui_text

logger = logging.getLogger(__name__)

MAX_STEM_CHARS = 100
PREVIEW_CHARS = 180
GENERATION_QUEUE = "generation"
DOCUMENTS_QUEUE = "documents"
_MARKER_GROUP = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w.()\-]+")

# --------------------------------------------------------------- conversation state


@dataclass(frozen=True)
class Turn:
    """One question of a browser session and what the assistant has said so far."""

    question: str
    sources: tuple[Passage, ...] = ()
    partial: str = ""
    answer: Answer | None = None
    error_kind: str = ""  # "", "index_missing", "rag", "unexpected" or "stopped"
    error_message: str = ""

    @property
    def pending(self) -> bool:
        """True while the assistant has neither answered nor failed (nor been stopped)."""
        return self.answer is None and not self.error_kind


@dataclass(frozen=True)
class Conversation:
    """The turns of one browser session; replaced, never mutated, on every update."""

    turns: tuple[Turn, ...] = field(default_factory=tuple)

    def history(self) -> list[tuple[str, str]]:
        """(question, answer) pairs of the answered turns, for ``Assistant.stream``."""
        return [(turn.question, turn.answer.answer) for turn in self.turns if turn.answer is not None]

    @property
    def waiting(self) -> bool:
        """True when the last question is still being answered."""
        return bool(self.turns) and self.turns[-1].pending

    def with_last(self, turn: Turn) -> Conversation:
        """Return a copy whose last turn is replaced by ``turn``."""
        return Conversation(self.turns[:-1] + (turn,))

    def with_new(self, turn: Turn) -> Conversation:
        """Return a copy with ``turn`` appended."""
        return Conversation(self.turns + (turn,))


# --------------------------------------------------------------- HTML rendering


def escape(text: str) -> str:
    """HTML-escape untrusted text (documents, answers, questions), quotes included."""
    return html.escape(text, quote=True)


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Clip spans to ``[0, length]``, drop empty ones and merge overlapping ones, in order."""
    clipped = sorted((max(0, start), min(length, end)) for start, end in spans)
    merged: list[tuple[int, int]] = []
    for start, end in clipped:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap each span (character offsets into it) in ``<mark>``.

    Args:
        text: untrusted plain text.
        spans: (start, end) offsets into ``text``; clipped and merged.

    Returns:
        Safe HTML.
    """
    pieces: list[str] = []
    position = 0
    for start, end in merge_spans(spans, len(text)):
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def quote_span(passage: Passage, citation: Citation) -> tuple[int, int] | None:
    """Offsets of the citation's quote inside the passage text, or None if it is not there.

    Citation and passage offsets both point into the document text, so the
    quote is ``passage.text[citation.start - passage.start : citation.end - passage.start]``;
    if that does not hold (e.g. the passage was trimmed), the quote is searched for.
    """
    if citation.doc_id != passage.doc_id:
        return None
    start, end = citation.start - passage.start, citation.end - passage.start
    if 0 <= start < end <= len(passage.text) and passage.text[start:end] == citation.quote:
        return start, end
    if citation.quote:
        found = passage.text.find(citation.quote)
        if found >= 0:
            return found, found + len(citation.quote)
    if citation.start < passage.end and citation.end > passage.start:
        return max(0, start), min(len(passage.text), end)
    return None


def passage_for(citation: Citation, passages: Sequence[Passage]) -> Passage | None:
    """The passage holding the citation's quote, preferring the one with the same number."""
    holding = [passage for passage in passages if quote_span(passage, citation) is not None]
    for passage in holding:
        if passage.n == citation.n:
            return passage
    return holding[0] if holding else None


def passage_anchor(turn_index: int, passage_n: int) -> str:
    """DOM id of a passage in the Sources panel; citation links point at it."""
    return f"src-{turn_index}-{passage_n}"


def page_label(page: int | None, language: str) -> str:
    """A " · trang 3" style suffix, empty when the format has no pages."""
    return f" · {ui_text(language, 'page', page=page)}" if page is not None else ""


def citation_link(n: int, passage: Passage, turn_index: int, language: str, verified: bool = True) -> str:
    """An ``<a>`` for marker ``[n]`` that opens ``passage`` in the Sources panel."""
    tooltip = passage.title + page_label(passage.page, language).replace(" · ", ", ")
    classes = "rag-cite"
    if not verified:
        classes += " rag-unverified"
        tooltip += " — " + ui_text(language, "unverified_citation")
    return (
        f'<a class="{classes}" href="#{passage_anchor(turn_index, passage.n)}" '
        f'data-turn="{turn_index}" data-passage="{passage.n}" data-n="{n}" '
        f'title="{escape(tooltip)}">[{n}]</a>'
    )


def citation_targets(answer: Answer) -> dict[int, tuple[Passage, bool]]:
    """Map each marker number of the answer to (passage to open, citation verified)."""
    targets: dict[int, tuple[Passage, bool]] = {}
    for citation in answer.citations:
        passage = passage_for(citation, answer.passages)
        if passage is not None and citation.n not in targets:
            targets[citation.n] = (passage, citation.verified)
    for passage in answer.passages:
        targets.setdefault(passage.n, (passage, False))
    return targets


def link_markers(text: str, targets: dict[int, tuple[Passage, bool]], turn_index: int, language: str) -> str:
    """Escape answer text and turn every known ``[n]`` (or ``[1, 2]``) into citation links."""

    def replace_group(match: re.Match[str]) -> str:
        numbers = [int(number) for number in re.split(r"\s*[,;]\s*", match.group(1))]
        if not all(number in targets for number in numbers):
            return match.group(0)
        return "".join(
            citation_link(number, targets[number][0], turn_index, language, targets[number][1])
            for number in numbers
        )

    return _MARKER_GROUP.sub(replace_group, escape(text))


def render_answer(answer: Answer, turn_index: int, language: str) -> str:
    """HTML of a finished answer: linked markers, a compact source list and warning badges."""
    targets = citation_targets(answer)
    body = link_markers(answer.answer, targets, turn_index, language)
    parts = [f'<div class="rag-answer">{body}</div>']
    read_as = answer.standalone_question
    if read_as and read_as != answer.question:
        # a follow-up made standalone, or a question typed without diacritics spelled back
        parts.insert(
            0, f'<div class="rag-read-as">{escape(ui_text(language, "read_as", question=read_as))}</div>'
        )
    if answer.refused and answer.related:
        parts.append(f'<div class="rag-badge rag-refused">{escape(ui_text(language, "refused_badge"))}</div>')
    elif not answer.verified:
        parts.append(
            f'<div class="rag-badge rag-warning">{escape(ui_text(language, "unverified_badge"))}</div>'
        )
    cited = sorted({citation.n for citation in answer.citations if citation.n in targets})
    if cited:
        references = " ".join(
            f"{citation_link(n, targets[n][0], turn_index, language, targets[n][1])} "
            f"{escape(targets[n][0].title)}{escape(page_label(targets[n][0].page, language))}"
            for n in cited
        )
        parts.append(f'<div class="rag-references">{references}</div>')
    return "\n".join(parts)


def render_assistant_message(turn: Turn, turn_index: int, language: str) -> str:
    """What the chat shows for the assistant side of ``turn``, at any stage."""
    if turn.error_kind == "index_missing":
        return escape(ui_text(language, "error_index_missing")).replace("**", "")
    if turn.error_kind == "rag":
        return escape(ui_text(language, "error_prefix", message=turn.error_message))
    if turn.error_kind == "unexpected":
        return escape(ui_text(language, "error_unexpected"))
    if turn.error_kind == "stopped":
        return f"{escape(turn.partial)} <em>{escape(ui_text(language, 'stopped'))}</em>"
    if turn.answer is not None:
        return render_answer(turn.answer, turn_index, language)
    if turn.partial:
        return escape(turn.partial) + " ▌"
    return f"<em>{escape(ui_text(language, 'generating'))}</em>"


def render_chat(conversation: Conversation, language: str) -> list[dict[str, str]]:
    """The Chatbot value (messages format) for the whole conversation."""
    messages: list[dict[str, str]] = []
    for index, turn in enumerate(conversation.turns):
        messages.append({"role": "user", "content": escape(turn.question)})
        messages.append({"role": "assistant", "content": render_assistant_message(turn, index, language)})
    return messages


def render_passage(passage: Passage, turn_index: int, citations: Sequence[Citation], language: str) -> str:
    """One collapsible passage of the Sources panel, cited quotes in ``<mark>``."""
    spans = [span for citation in citations if (span := quote_span(passage, citation)) is not None]
    cited = bool(spans)
    if cited:
        first_start, first_end = merge_spans(spans, len(passage.text))[0]
        preview = highlight(passage.text[first_start:first_end][:PREVIEW_CHARS], [(0, PREVIEW_CHARS)])
    else:
        preview = escape(passage.text[:PREVIEW_CHARS]) + ("…" if len(passage.text) > PREVIEW_CHARS else "")
    badge = f' <span class="rag-cited">{escape(ui_text(language, "cited"))}</span>' if cited else ""
    return (
        f'<details class="rag-source{" rag-source-cited" if cited else ""}" '
        f'id="{passage_anchor(turn_index, passage.n)}" data-turn="{turn_index}" data-passage="{passage.n}">'
        f'<summary><span class="rag-n">[{passage.n}]</span> <strong>{escape(passage.title)}</strong>'
        f"{escape(page_label(passage.page, language))}{badge}"
        f'<div class="rag-preview">{preview}</div></summary>'
        f'<div class="rag-passage">{highlight(passage.text, spans)}</div></details>'
    )


def render_turn_sources(turn: Turn, turn_index: int, language: str, latest: bool) -> str:
    """The Sources section of one turn: its passages, or the possibly related ones on refusal."""
    question = turn.question if len(turn.question) <= 80 else turn.question[:79] + "…"
    citations: Sequence[Citation] = ()
    heading_key = "sources_heading"
    if turn.answer is not None and turn.answer.refused:
        passages: Sequence[Passage] = turn.answer.related
        heading_key = "related_heading"
    elif turn.answer is not None:
        passages = turn.answer.passages or turn.sources
        citations = turn.answer.citations
    else:
        passages = turn.sources
    if not latest:
        heading_key = "earlier_heading"
    if passages:
        body = "".join(render_passage(passage, turn_index, citations, language) for passage in passages)
    elif turn.answer is None and not turn.error_kind:
        body = f'<p class="rag-muted">{escape(ui_text(language, "sources_searching"))}</p>'
    else:
        body = f'<p class="rag-muted">{escape(ui_text(language, "sources_none"))}</p>'
    heading = escape(ui_text(language, heading_key, question=question))
    return (
        f'<details class="rag-turn" data-turn="{turn_index}"{" open" if latest else ""}>'
        f"<summary>{heading}</summary>{body}</details>"
    )


def render_sources(conversation: Conversation, language: str) -> str:
    """The whole Sources panel, latest question first (open), earlier ones collapsed."""
    if not conversation.turns:
        empty = escape(ui_text(language, "sources_empty"))
        return f'<div class="rag-sources"><p class="rag-muted">{empty}</p></div>'
    last = len(conversation.turns) - 1
    sections = [
        render_turn_sources(turn, index, language, latest=index == last)
        for index, turn in reversed(list(enumerate(conversation.turns)))
    ]
    return f'<div class="rag-sources">{"".join(sections)}</div>'


# --------------------------------------------------------------- answering


def accept_question(text: str | None, conversation: Conversation) -> Conversation | None:
    """The conversation with ``text`` added as a new, unanswered turn.

    Returns:
        None when the text is blank or the previous question is still being answered
        (the question stays in the input box).
    """
    question = (text or "").strip()
    if not question or conversation.waiting:
        return None
    return conversation.with_new(Turn(question=question))


def stop_answer(conversation: Conversation) -> Conversation:
    """Mark the question being answered as stopped by the user, keeping what was written."""
    if not conversation.waiting:
        return conversation
    return conversation.with_last(replace(conversation.turns[-1], error_kind="stopped"))


def answer_events(assistant: Any, conversation: Conversation) -> Iterator[Conversation]:
    """Answer the last (unanswered) turn with ``assistant.stream``; yield the conversation after each event.

    Earlier answered turns are passed as history. Library errors become a plain
    message on the turn; anything else is logged with its traceback and shown as
    a generic message, never as a stack trace.
    """
    if not conversation.waiting:
        return
    turn = conversation.turns[-1]
    history = Conversation(conversation.turns[:-1]).history()
    try:
        for event in assistant.stream(turn.question, history=history):
            if isinstance(event, SourcesEvent):
                turn = replace(turn, sources=tuple(event.passages))
            elif isinstance(event, TokenEvent):
                turn = replace(turn, partial=turn.partial + event.text)
            elif isinstance(event, DoneEvent):
                turn = replace(turn, answer=event.answer)
            else:
                continue
            conversation = conversation.with_last(turn)
            yield conversation
    except IndexMissingError as err:
        logger.info("question asked before any index exists: %s", err)
        yield conversation.with_last(replace(turn, error_kind="index_missing", error_message=str(err)))
    except RagError as err:
        logger.warning("answer failed: %s", err)
        yield conversation.with_last(replace(turn, error_kind="rag", error_message=str(err)))
    except Exception:
        logger.exception("unexpected error while answering %r", turn.question)
        yield conversation.with_last(replace(turn, error_kind="unexpected"))
    else:
        if conversation.waiting:  # the stream ended without a DoneEvent
            logger.error("assistant.stream ended without a DoneEvent for %r", turn.question)
            yield conversation.with_last(replace(turn, error_kind="unexpected"))


# --------------------------------------------------------------- uploads and documents


def sanitize_filename(name: str) -> str:
    """A safe basename for an uploaded file: no folders, no traversal, no odd characters.

    Vietnamese letters are kept (NFC); spaces and other characters become ``_``;
    the extension is lower-cased; a name that is empty once cleaned becomes
    ``tai_lieu``.

    Examples:
        ``"../../etc/passwd"`` -> ``"passwd"``; ``"báo cáo 2021.docx"`` -> ``"báo_cáo_2021.docx"``.
    """
    base = PurePosixPath(unicodedata.normalize("NFC", name).replace("\\", "/")).name
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    stem = _UNSAFE_FILENAME_CHARS.sub("_", stem).strip("._-") or "tai_lieu"
    stem = re.sub(r"_+", "_", stem)[:MAX_STEM_CHARS].rstrip("._-") or "tai_lieu"
    extension = re.sub(r"[^0-9a-z]", "", extension.lower())
    return f"{stem}.{extension}" if extension else stem


def upload_problem(name: str, size_bytes: int, ingest: IngestSettings, language: str) -> str | None:
    """Why an uploaded file is refused (unsupported type, too large, empty), or None if accepted."""
    extension = Path(sanitize_filename(name)).suffix.lower()
    allowed = tuple(ext.lower() for ext in ingest.extensions)
    if extension not in allowed:
        return ui_text(language, "reject_extension", extension=extension or "(?)", allowed=", ".join(allowed))
    if size_bytes > ingest.max_file_mb * 1024 * 1024:
        return ui_text(language, "reject_size", size_mb=size_bytes / 1024 / 1024, max_mb=ingest.max_file_mb)
    if size_bytes == 0:
        return ui_text(language, "reject_empty")
    return None


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unique_destination(directory: Path, name: str, source: Path) -> Path:
    """Where to save ``source`` as ``name`` in ``directory`` without clobbering another file.

    The same name with the same content is reused (re-uploading is harmless);
    a different file of that name gets ``-1``, ``-2``… before the extension.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate = directory / name
    counter = 0
    source_hash = file_sha256(source)
    while candidate.exists():
        if candidate.is_file() and file_sha256(candidate) == source_hash:
            return candidate
        counter += 1
        candidate = directory / f"{stem}-{counter}{suffix}"
    return candidate


def save_upload(source: Path, directory: Path) -> Path:
    """Copy an uploaded temp file into ``directory`` under a sanitised, unique name, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    destination = unique_destination(directory, sanitize_filename(source.name), source)
    if destination.exists():
        return destination
    partial = directory / f".{destination.name}.uploading"
    shutil.copyfile(source, partial)
    os.replace(partial, destination)
    return destination


def document_file(info: DocumentInfo, documents_dir: Path) -> Path | None:
    """The file behind an indexed document, only if it lies inside ``documents_dir``."""
    root = documents_dir.resolve()
    path = Path(info.path)
    candidate = (path if path.is_absolute() else root / path).resolve()
    return candidate if candidate.is_relative_to(root) and candidate != root else None


def format_timestamp(timestamp: float) -> str:
    """Local date and time of a UNIX timestamp, '' when unknown."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def documents_table(documents: Sequence[DocumentInfo], language: str) -> dict[str, Any]:
    """Dataframe value (headers and rows) listing the indexed documents."""
    headers = [ui_text(language, key) for key in ("col_title", "col_file", "col_chunks", "col_indexed")]
    rows = [
        [info.title, Path(info.path).name, info.chunks, format_timestamp(info.indexed_at)]
        for info in sorted(documents, key=lambda info: info.title.lower())
    ]
    return {"headers": headers, "data": rows or [["", "", "", ""]]}


def document_choices(documents: Sequence[DocumentInfo]) -> list[tuple[str, str]]:
    """Dropdown choices (label, doc_id) for the remove selector."""
    return [
        (f"{info.title} — {Path(info.path).name}", info.doc_id)
        for info in sorted(documents, key=lambda info: info.title.lower())
    ]


def _names(paths: Iterable[str]) -> list[str]:
    return [Path(path).name for path in paths]


def render_ingest_summary(
    report: IngestReport | None,
    saved: Sequence[str],
    rejected: dict[str, str],
    language: str,
) -> str:
    """HTML summary of an upload: saved and rejected files, then what the ingest did."""
    parts: list[str] = []

    def listing(key: str, items: Iterable[str], css: str = "") -> None:
        entries = "".join(f"<li>{escape(item)}</li>" for item in items)
        if entries:
            parts.append(
                f'<div class="rag-summary {css}"><strong>{escape(ui_text(language, key))}</strong>'
                f"<ul>{entries}</ul></div>"
            )

    listing("ingest_saved", saved)
    listing("ingest_rejected", (f"{name}: {reason}" for name, reason in rejected.items()), "rag-bad")
    if report is not None:
        parts.insert(
            0,
            "<p>"
            + escape(
                ui_text(
                    language,
                    "ingest_summary",
                    seconds=report.seconds,
                    added=len(report.added),
                    updated=len(report.updated),
                    unchanged=len(report.unchanged),
                    failed=len(report.failed),
                )
            ).replace("**", "")
            + "</p>",
        )
        listing("ingest_added", _names(report.added))
        listing("ingest_updated", _names(report.updated))
        listing(
            "ingest_failed",
            (f"{Path(path).name}: {reason}" for path, reason in report.failed.items()),
            "rag-bad",
        )
    return "".join(parts)


def ingest_uploads(
    assistant: Any,
    uploads: Sequence[Path],
    settings: Settings,
    language: str,
    progress: Callable[[int, int, str], None] | None = None,
) -> str:
    """Check, save and index uploaded files; return the HTML summary for the Documents tab.

    Refused files (type, size) are listed, never saved. Accepted ones are copied
    into ``settings.paths.documents_dir`` under sanitised names and only those are
    ingested, so the assistant answers from them at once (``ingest`` reloads the index).
    """
    saved: list[Path] = []
    rejected: dict[str, str] = {}
    report: IngestReport | None = None
    documents_dir = Path(settings.paths.documents_dir)
    try:
        for upload in uploads:
            problem = upload_problem(upload.name, upload.stat().st_size, settings.ingest, language)
            if problem:
                rejected[upload.name] = problem
            else:
                saved.append(save_upload(upload, documents_dir))
        if saved:
            report = assistant.ingest(paths=saved, progress=progress)
            assistant.reload()
        return render_ingest_summary(report, [path.name for path in saved], rejected, language)
    except RagError as err:
        logger.warning("ingest failed: %s", err)
        message = escape(ui_text(language, "error_documents", message=str(err)))
        summary = render_ingest_summary(None, [path.name for path in saved], rejected, language)
        return f'{summary}<p class="rag-bad">{message}</p>'
    except Exception:
        logger.exception("unexpected error while ingesting uploads")
        return f'<p class="rag-bad">{escape(ui_text(language, "error_unexpected"))}</p>'


def remove_indexed_document(assistant: Any, doc_id: str | None, documents_dir: Path, language: str) -> str:
    """Delete a document's file from ``documents_dir`` and drop it from the index.

    Returns:
        The HTML status line for the Documents tab.
    """
    if not doc_id:
        return f"<p>{escape(ui_text(language, 'remove_none'))}</p>"
    try:
        info = next((info for info in assistant.documents() if info.doc_id == doc_id), None)
        if info is None:
            return f"<p>{escape(ui_text(language, 'remove_none'))}</p>"
        path = document_file(info, documents_dir)
        if path is not None and path.is_file():
            path.unlink()
        assistant.remove_document(doc_id)
        assistant.reload()
        message = ui_text(language, "remove_done", title=info.title).replace("**", "")
        return f"<p>{escape(message)}</p>"
    except RagError as err:
        logger.warning("remove failed: %s", err)
        return f'<p class="rag-bad">{escape(ui_text(language, "error_documents", message=str(err)))}</p>'
    except Exception:
        logger.exception("unexpected error while removing %s", doc_id)
        return f'<p class="rag-bad">{escape(ui_text(language, "error_unexpected"))}</p>'


# --------------------------------------------------------------- access control


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_auth_file(path: Path) -> dict[str, str]:
    """Read ``user:password`` lines (blank lines and ``#`` comments skipped).

    Raises:
        ConfigError: the file is missing, unreadable, malformed or has no users.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"cannot read ui.auth_file {path}: {err.strerror or err}") from err
    users: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, colon, password = line.partition(":")
        if not colon or not user.strip() or not password:
            raise ConfigError(f"ui.auth_file {path}, line {number}: expected 'user:password'")
        users[user.strip()] = password
    if not users:
        raise ConfigError(f"ui.auth_file {path} has no 'user:password' lines")
    return users


def resolve_auth(ui: UISettings) -> Callable[[str, str], bool] | None:
    """The login check for ``launch(auth=...)``, or None when no login is needed.

    Raises:
        ConfigError: the host is not loopback and no ``ui.auth_file`` is set, or the file is invalid.
    """
    if ui.auth_file is None:
        if is_loopback(ui.host):
            return None
        raise ConfigError(
            f"refusing to listen on {ui.host!r} without a login: set ui.auth_file "
            "(env RAG_UI__AUTH_FILE) to a file of 'user:password' lines, or use host 127.0.0.1"
        )
    users = read_auth_file(ui.auth_file)

    def check_login(user: str, password: str) -> bool:
        expected = users.get(user)
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())

    return check_login


# --------------------------------------------------------------- page assets

CSS = """
.rag-answer { line-height: 1.55; white-space: pre-line; }  /* a summary: one point a line */
a.rag-cite { display: inline-block; padding: 0 .25em; margin: 0 .1em; border-radius: .35em;
  background: #dbeafe; color: #1e40af !important; font-weight: 600; font-size: .85em;
  text-decoration: none !important; cursor: pointer; vertical-align: baseline; }
a.rag-cite:hover { background: #bfdbfe; }
a.rag-cite.rag-unverified { background: #fef3c7; color: #92400e !important; }
.rag-badge { margin-top: .5em; padding: .35em .6em; border-radius: .4em; font-size: .9em; }
.rag-warning { background: #fef3c7; color: #92400e; border: 1px solid #f59e0b; }
.rag-refused { background: #f1f5f9; color: #334155; border: 1px solid #cbd5e1; }
.rag-references { margin-top: .5em; font-size: .85em; color: #475569; }
.rag-read-as { margin-bottom: .4em; font-size: .85em; color: #475569; font-style: italic; }
.rag-sources { max-height: 70vh; overflow-y: auto; padding-right: .25em; }
.rag-sources details.rag-turn > summary { font-weight: 600; margin: .4em 0; cursor: pointer; }
.rag-source { border: 1px solid #e2e8f0; border-radius: .5em; padding: .4em .6em; margin: .4em 0;
  background: #fff; transition: box-shadow .3s, border-color .3s; }
.rag-source > summary { cursor: pointer; }
.rag-source-cited { border-left: 4px solid #2563eb; }
.rag-source.rag-active { border-color: #2563eb; box-shadow: 0 0 0 3px #93c5fd; }
.rag-n { font-weight: 700; color: #1e40af; }
.rag-cited { font-size: .75em; background: #dbeafe; color: #1e40af; border-radius: .3em; padding: 0 .35em; }
.rag-preview { font-size: .85em; color: #64748b; margin-top: .2em; }
.rag-source[open] > summary .rag-preview { display: none; }
.rag-passage { margin-top: .5em; white-space: pre-wrap; line-height: 1.5; font-size: .92em; }
.rag-passage mark, .rag-preview mark { background: #fde047; color: inherit; padding: 0 .1em; }
.rag-muted { color: #64748b; font-style: italic; }
.rag-summary ul { margin: .2em 0 .6em 1.2em; }
.rag-bad { color: #b91c1c; }
#rag-documents, #rag-documents * { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif !important; }
"""

# Runs once per page load: adds the styles and one capturing click handler that
# opens the passage a citation link points at (links live inside the chatbot,
# passages in the Sources panel, which is re-rendered as answers stream).
PAGE_JS = """
() => {
  if (window.__ragCitations) return;
  window.__ragCitations = true;
  const style = document.createElement('style');
  style.textContent = __CSS__;
  document.head.appendChild(style);
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.rag-cite');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = (link.getAttribute('href') || '').replace(/^#/, '')
      || ('src-' + link.dataset.turn + '-' + link.dataset.passage);
    const passage = document.getElementById(id);
    if (!passage) return;
    for (let node = passage; node; node = node.parentElement) {
      if (node.tagName === 'DETAILS') node.open = true;
    }
    document.querySelectorAll('.rag-source.rag-active').forEach((el) => el.classList.remove('rag-active'));
    passage.classList.add('rag-active');
    const target = passage.querySelector('.rag-passage mark') || passage;
    target.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
""".replace("__CSS__", json.dumps(CSS))


# Asks before deleting a file; a cancelled dialog sends no document (nothing is removed).
CONFIRM_REMOVE_JS = """
(docId, lang) => {
  if (!docId) return [docId, lang];
  const question = lang === 'en'
    ? 'Delete this document from the documents folder and the index?'
    : 'Xoá tài liệu này khỏi thư mục tài liệu và khỏi chỉ mục?';
  return [window.confirm(question) ? docId : null, lang];
}
"""


def build_theme() -> gr.themes.Base:
    """A calm theme with system fonts only (no web fonts: the app runs offline)."""
    return gr.themes.Soft(
        primary_hue="blue",
        font=("system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"),
        font_mono=("ui-monospace", "Consolas", "monospace"),
    )


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``demo.launch``: address, login, upload limit, theme.

    Raises:
        ConfigError: the host is not loopback and no login is configured.
    """
    auth = resolve_auth(settings.ui)
    return {
        "server_name": settings.ui.host,
        "server_port": settings.ui.port,
        "auth": auth,
        "auth_message": ui_text(settings.ui.language, "page_title") if auth else None,
        "max_file_size": int(settings.ingest.max_file_mb * 1024 * 1024),
        "footer_links": [],
        "show_error": False,
        "ssr_mode": False,
        "theme": build_theme(),
    }


# --------------------------------------------------------------- the page


def build_demo(assistant: Any, settings: Settings | None = None) -> gr.Blocks:
    """Build the chat and documents UI around ``assistant`` (not launched).

    Args:
        assistant: a ``rag.pipeline.Assistant`` (or anything with the same
            ``stream``/``ingest``/``documents``/``remove_document``/``reload`` methods).
        settings: the settings the assistant runs with; read from the assistant
            (or the environment) when omitted.

    Returns:
        The ``gr.Blocks`` app with its queue configured; call ``launch(**launch_options(settings))``.
    """
    settings = settings or getattr(assistant, "settings", None) or get_settings()
    default_language = settings.ui.language
    documents_dir = Path(settings.paths.documents_dir)
    extensions = [ext.lower() for ext in settings.ingest.extensions]

    def t(key: str, **values: object) -> str:
        return ui_text(default_language, key, **values)

    with gr.Blocks(title=t("page_title"), analytics_enabled=False, fill_width=True) as demo:
        conversation_state = gr.State(Conversation())
        request_state = gr.State(None)  # index of the turn a submit accepted, for its answer step
        with gr.Row(equal_height=True):
            header = gr.Markdown(t("header"), elem_id="rag-header")
            language = gr.Radio(
                choices=list(LANGUAGE_CHOICES),
                value=default_language,
                label=t("language"),
                scale=0,
                min_width=220,
                elem_id="rag-language",
            )
        with gr.Tabs():
            with gr.Tab(t("tab_chat"), id="chat", elem_id="rag-tab-chat") as chat_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label=t("chat_label"),
                            placeholder=t("chat_placeholder"),
                            height=520,
                            elem_id="rag-chat",
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=["copy"],
                            layout="bubble",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                label=t("question_label"),
                                placeholder=t("question_placeholder"),
                                lines=1,
                                max_lines=4,
                                scale=5,
                                elem_id="rag-question",
                                autofocus=True,
                            )
                            send = gr.Button(t("send"), variant="primary", scale=1, elem_id="rag-send")
                        with gr.Row():
                            stop = gr.Button(t("stop"), variant="stop", size="sm", elem_id="rag-stop")
                            new_conversation = gr.Button(
                                t("new_conversation"), variant="secondary", size="sm", elem_id="rag-new"
                            )
                        examples = gr.Dataset(
                            components=[question],
                            samples=[[example] for example in EXAMPLE_QUESTIONS],
                            label=t("examples"),
                            headers=[t("question_label")],
                            type="index",
                            layout="table",
                            elem_id="rag-examples",
                        )
                    with gr.Column(scale=2):
                        sources_heading = gr.Markdown(f"### {t('sources_label')}")
                        sources = gr.HTML(
                            render_sources(Conversation(), default_language),
                            elem_id="rag-sources",
                            js_on_load=None,
                        )
            with gr.Tab(t("tab_documents"), id="documents", elem_id="rag-tab-documents") as documents_tab:
                documents_heading = gr.Markdown(t("documents_heading"))
                documents = gr.Dataframe(
                    value=documents_table([], default_language),
                    label=t("documents_table"),
                    interactive=False,
                    wrap=True,
                    elem_id="rag-documents",
                )
                refresh = gr.Button(t("refresh"), size="sm", elem_id="rag-refresh")
                with gr.Row():
                    with gr.Column():
                        upload_heading = gr.Markdown(t("upload_heading"))
                        upload = gr.File(
                            label=t(
                                "upload_label",
                                extensions=", ".join(extensions),
                                max_mb=settings.ingest.max_file_mb,
                            ),
                            file_count="multiple",
                            file_types=extensions,
                            type="filepath",
                            elem_id="rag-upload",
                        )
                        add = gr.Button(t("upload_button"), variant="primary", elem_id="rag-add")
                    with gr.Column():
                        remove_heading = gr.Markdown(t("remove_heading"))
                        remove_choice = gr.Dropdown(
                            choices=[], label=t("remove_label"), elem_id="rag-remove-choice"
                        )
                        remove = gr.Button(t("remove_button"), variant="stop", elem_id="rag-remove")
                status = gr.HTML("", elem_id="rag-documents-status", js_on_load=None)

        # ---------------------------------------------------------- chat

        def submit(text: str, conversation: Conversation, lang: str) -> tuple[Any, ...]:
            updated = accept_question(text, conversation)
            if updated is None:
                return gr.skip(), gr.skip(), gr.skip(), conversation, None
            request = len(updated.turns) - 1
            return "", render_chat(updated, lang), render_sources(updated, lang), updated, request

        def submit_example(index: int, conversation: Conversation, lang: str) -> tuple[Any, ...]:
            return submit(EXAMPLE_QUESTIONS[index], conversation, lang)

        def respond(request: int | None, conversation: Conversation, lang: str) -> Iterator[tuple[Any, ...]]:
            # Only the question accepted by this very submit is answered (never one twice).
            if request is None or request != len(conversation.turns) - 1 or not conversation.waiting:
                yield gr.skip(), gr.skip(), gr.skip()
                return
            for updated in answer_events(assistant, conversation):
                yield render_chat(updated, lang), render_sources(updated, lang), updated

        def stop_clicked(conversation: Conversation, lang: str) -> tuple[Any, ...]:
            stopped = stop_answer(conversation)
            return render_chat(stopped, lang), render_sources(stopped, lang), stopped

        def start_over(lang: str) -> tuple[Any, ...]:
            fresh = Conversation()
            return [], render_sources(fresh, lang), fresh, ""

        submit_outputs = [question, chatbot, sources, conversation_state, request_state]
        submit_inputs = [question, conversation_state, language]
        respond_inputs = [request_state, conversation_state, language]
        respond_outputs = [chatbot, sources, conversation_state]
        generation = {
            "concurrency_limit": settings.ui.concurrency,
            "concurrency_id": GENERATION_QUEUE,
            "show_progress": "minimal",
        }
        answering = [
            trigger(submit_handler, inputs, submit_outputs, queue=False).then(
                respond, respond_inputs, respond_outputs, **generation
            )
            for trigger, submit_handler, inputs in (
                (question.submit, submit, submit_inputs),
                (send.click, submit, submit_inputs),
                (examples.click, submit_example, [examples, conversation_state, language]),
            )
        ]
        stop.click(
            stop_clicked, [conversation_state, language], respond_outputs, cancels=answering, queue=False
        )
        reset_outputs = [chatbot, sources, conversation_state, question]
        chatbot.clear(start_over, [language], reset_outputs, cancels=answering, queue=False)
        new_conversation.click(start_over, [language], reset_outputs, cancels=answering, queue=False)

        # ---------------------------------------------------------- documents

        def list_documents(lang: str) -> tuple[Any, Any]:
            try:
                infos = assistant.documents()
            except IndexMissingError:
                infos = []
            return documents_table(infos, lang), gr.Dropdown(choices=document_choices(infos), value=None)

        def refresh_documents(lang: str) -> tuple[Any, ...]:
            table, choices = list_documents(lang)
            return table, choices, ""

        def add_documents(
            files: list[str] | None,
            lang: str,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects the tracker this way
        ) -> tuple[Any, ...]:
            if not files:
                return (*list_documents(lang), escape(ui_text(lang, "upload_none")), None)
            label = ui_text(lang, "ingest_progress")

            def on_progress(done: int, total: int, path: object) -> None:
                progress((done, total), desc=f"{label}: {Path(str(path)).name}")

            progress((0, None), desc=label)
            summary = ingest_uploads(assistant, [Path(file) for file in files], settings, lang, on_progress)
            return (*list_documents(lang), summary, None)

        def remove_document(doc_id: str | None, lang: str) -> tuple[Any, ...]:
            message = remove_indexed_document(assistant, doc_id, documents_dir, lang)
            return (*list_documents(lang), message)

        document_outputs = [documents, remove_choice, status]
        index_queue = {"concurrency_limit": 1, "concurrency_id": DOCUMENTS_QUEUE}
        refresh.click(refresh_documents, [language], document_outputs, concurrency_limit=None)
        documents_tab.select(refresh_documents, [language], document_outputs, concurrency_limit=None)
        add.click(add_documents, [upload, language], [*document_outputs, upload], **index_queue)
        remove.click(
            remove_document, [remove_choice, language], document_outputs, js=CONFIRM_REMOVE_JS, **index_queue
        )

        # ---------------------------------------------------------- language

        def switch_language(lang: str, conversation: Conversation) -> tuple[Any, ...]:
            def lt(key: str, **values: object) -> str:
                return ui_text(lang, key, **values)

            table, choices = list_documents(lang)
            return (
                gr.Markdown(lt("header")),
                gr.Radio(label=lt("language")),
                gr.Tab(label=lt("tab_chat")),
                gr.Tab(label=lt("tab_documents")),
                gr.Chatbot(
                    value=render_chat(conversation, lang),
                    label=lt("chat_label"),
                    placeholder=lt("chat_placeholder"),
                ),
                gr.Textbox(label=lt("question_label"), placeholder=lt("question_placeholder")),
                gr.Button(lt("send")),
                gr.Button(lt("stop")),
                gr.Button(lt("new_conversation")),
                gr.Dataset(label=lt("examples"), headers=[lt("question_label")]),
                gr.Markdown(f"### {lt('sources_label')}"),
                gr.HTML(render_sources(conversation, lang)),
                gr.Markdown(lt("documents_heading")),
                gr.Dataframe(value=table, label=lt("documents_table")),
                gr.Button(lt("refresh")),
                gr.Markdown(lt("upload_heading")),
                gr.File(
                    label=lt(
                        "upload_label", extensions=", ".join(extensions), max_mb=settings.ingest.max_file_mb
                    )
                ),
                gr.Button(lt("upload_button")),
                gr.Markdown(lt("remove_heading")),
                gr.Dropdown(label=lt("remove_label")),
                gr.Button(lt("remove_button")),
            )

        language.change(
            switch_language,
            [language, conversation_state],
            [
                header,
                language,
                chat_tab,
                documents_tab,
                chatbot,
                question,
                send,
                stop,
                new_conversation,
                examples,
                sources_heading,
                sources,
                documents_heading,
                documents,
                refresh,
                upload_heading,
                upload,
                add,
                remove_heading,
                remove_choice,
                remove,
            ],
            concurrency_limit=None,
        )

        demo.load(None, js=PAGE_JS)
        demo.load(refresh_documents, [language], document_outputs, concurrency_limit=None)

    demo.queue(default_concurrency_limit=settings.ui.concurrency)
    return demo


def main() -> int:
    """Start the chat UI with the settings from ``rag.toml`` / ``RAG_*`` variables."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes
    try:
        settings = get_settings()
        options = launch_options(settings)
        # Imported here so the login check fails fast, before models and torch load.
        from rag.pipeline import Assistant

        assistant = Assistant(settings)
    except RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    demo = build_demo(assistant, settings)
    print(f"Chat UI on http://{settings.ui.host}:{settings.ui.port}", file=sys.stderr)
    demo.launch(**options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
