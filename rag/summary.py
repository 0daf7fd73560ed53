"""Extractive summaries: the sentences of a document (or of part of it) that make its main points.

Asked "Tóm tắt báo cáo" or "Summarize the report", the 1.5B model wrote summaries with invented
facts ("in 2022", "corruption", "Reducing poverty by 0.58%"). So a summary is read off the document
instead. Each paragraph gives its lead sentence and the sentence that holds the most figures, in
reading order, and each point is cited.

Centrality was measured and rejected. Picking the sentences closest to the document's mean e5
embedding chose the generic ones ("Học tập và làm theo Bác, kinh tế - xã hội thành phố Từ Sơn ngày
càng phát triển.") and left out every figure of the seed report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag import citations as cite

# Points in one summary; a longer document's points are spread evenly over it.
SUMMARY_POINTS = 6
# Fewer points than this are made up with the first sentences not yet taken (a topic's one paragraph).
MIN_POINTS = 3
# Shorter sentences are headings, captions or page furniture ("Các tin khác").
MIN_POINT_WORDS = 8
# A sentence counts as the paragraph's figures only when it holds at least this many distinct ones.
MIN_FIGURES = 2

# Words of a summary's topic that any paragraph could be about: "Tóm tắt tình hình y tế" asks
# about health ("y tế"), whatever "tình hình" a paragraph mentions.
SUMMARY_GENERIC_WORDS = frozenset(
    "tình hình kết quả hoạt động công tác thông tin việc vấn đề nội dung đã làm được thực hiện "
    "situation results activities work information issues".split()
)

# A point is a finished sentence: headings ("== Cấu trúc ==") and link lines end without a stop.
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”»’)\]]*\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")
# A figure standing alone: "53", "0,58%", "3/3", "2020"; not the "19" of "COVID-19".
_FIGURE = re.compile(r"(?<![\w-])\d+(?:[.,/]\d+)*%?(?![\w-])")


def paragraphs(text: str, within: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text``'s paragraphs (blank-line separated), inside ``within``."""
    start, end = within if within is not None else (0, len(text))
    spans: list[tuple[int, int]] = []
    position = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, end))
    return [_trimmed(text, s, e) for s, e in spans if text[s:e].strip()]


def point_sentences(text: str, paragraph: tuple[int, int]) -> list[tuple[int, int]]:
    """The finished sentences of one paragraph long enough to be a point, as spans into ``text``."""
    start, end = paragraph
    spans = []
    for s, e in cite.full_sentences(text[start:end]):
        s, e = _trimmed(text, start + s, start + e)
        if text[s : s + 1] in "“«" and not any(q in text[s:e] for q in "”»"):
            s += 1  # the sentence opens a quotation that runs on past it
        if len(text[s:e].split()) >= MIN_POINT_WORDS and _ENDS_SENTENCE.search(text[s:e]):
            spans.append((s, e))
    return spans


def figure_count(sentence: str) -> int:
    """How many distinct figures ``sentence`` holds ("53 triệu …; … 0,58%" → 2)."""
    return len(set(_FIGURE.findall(sentence)))


def main_points(
    text: str, within: Sequence[tuple[int, int]] | None = None, max_points: int = SUMMARY_POINTS
) -> list[tuple[int, int]]:
    """The spans of ``text`` (or of its parts ``within``) that summarise it, in reading order.

    A paragraph of two or more sentences gives its first sentence. Any paragraph also gives its
    other sentence with the most distinct figures, when that sentence holds at least
    :data:`MIN_FIGURES`. A one-sentence paragraph without figures is usually a title or a caption,
    so it gives nothing. When there are more than ``max_points`` such sentences, an evenly
    spread ``max_points`` of them are kept. When there are fewer than :data:`MIN_POINTS`, the first
    sentences not taken make up the number.
    """
    parts = within if within is not None else [(0, len(text))]
    found: list[tuple[int, int]] = []
    every: list[tuple[int, int]] = []
    for part in parts:
        for paragraph in paragraphs(text, part):
            sentences = point_sentences(text, paragraph)
            every.extend(sentences)
            rest = sentences
            if len(sentences) >= 2:
                found.append(sentences[0])
                rest = sentences[1:]
            counted = [(figure_count(text[s:e]), -s, (s, e)) for s, e in rest]
            richest = max(counted, default=None)
            if richest is not None and richest[0] >= MIN_FIGURES:
                found.append(richest[2])
    found = sorted(set(found))
    if len(found) < min(MIN_POINTS, max_points):  # one paragraph asked about: its next sentences too
        extra = [span for span in every if span not in found]
        found = sorted(found + extra[: min(MIN_POINTS, max_points) - len(found)])
    if len(found) <= max_points:
        return found
    step = (len(found) - 1) / max(1, max_points - 1)
    return [found[round(i * step)] for i in range(max_points)]


def point_text(text: str, span: tuple[int, int]) -> str:
    """A point as shown: the sentence without a quotation mark that opens or closes outside it."""
    sentence = text[span[0] : span[1]]
    if sum(sentence.count(q) for q in "”»") > sum(sentence.count(q) for q in "“«"):
        sentence = re.sub(r"[”»](?=[.!?…]*$)", "", sentence, count=1)
    return sentence.strip()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the white space at its edges."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
