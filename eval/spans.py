"""Gold quotes to character spans of the indexed (normalised) document text."""

from __future__ import annotations

import re
import unicodedata


def normalize_document_text(text: str) -> str:
    """The text as the index stores it: ``rag.normalize.normalize_text``, or NFC + spaces without it.

    The fallback only matters while ``rag.normalize`` is missing; quotes are then found by
    :func:`locate_quote`'s whitespace-tolerant search.
    """
    try:
        from rag.normalize import normalize_text
    except ImportError:  # pragma: no cover - only before rag.normalize exists
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
        return re.sub(r"[ \t]+", " ", text).strip()
    return normalize_text(text)


def locate_quote(quote: str, document_text: str) -> tuple[int, int] | None:
    """Half-open offsets of ``quote`` in the normalised ``document_text``, or None when absent.

    The quote is normalised like the document first. When that is not enough (a quote copied across
    a line break, a normaliser that changed), runs of whitespace are matched loosely.
    """
    needle = normalize_document_text(quote)
    if not needle:
        return None
    start = document_text.find(needle)
    if start >= 0:
        return start, start + len(needle)
    pattern = r"\s+".join(re.escape(token) for token in needle.split())
    match = re.search(pattern, document_text)
    return (match.start(), match.end()) if match else None
