"""Pure metric functions of the QA benchmark: retrieval, answer quality, citations, refusals, latency.

Nothing here touches an index or a model, so every function can be checked on small hand-computed
cases (tests/test_eval_metrics.py).

Conventions:
    * A span is ``(doc_id, start, end)`` with half-open character offsets into the normalised text of
      the document, exactly as ``Chunk``/``Citation`` carry them.
    * Retrieval relevance is binary: a retrieved span is a hit when it overlaps a gold evidence span of
      the same document. Each gold span is credited once, so a second chunk covering an already found
      span earns nothing (that keeps nDCG at most 1 without knowing how the index was chunked).
    * Answer text is compared on Vietnamese syllables (whitespace tokens) after ``normalize_answer``.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span = tuple[str, int, int]

# ---------------------------------------------------------------- spans and retrieval


def spans_overlap(a: Span, b: Span) -> bool:
    """Whether two half-open spans of the same document share at least one character."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def covered_gold(retrieved: Span, gold: Sequence[Span]) -> set[int]:
    """Indexes of the gold spans that ``retrieved`` overlaps."""
    return {i for i, span in enumerate(gold) if spans_overlap(retrieved, span)}


def first_hit_rank(retrieved: Sequence[Span], gold: Sequence[Span], k: int | None = None) -> int | None:
    """1-based rank of the first retrieved span that overlaps any gold span, or None."""
    for rank, span in enumerate(retrieved[:k] if k else retrieved, start=1):
        if covered_gold(span, gold):
            return rank
    return None


def recall_at_k(retrieved: Sequence[Span], gold: Sequence[Span], k: int) -> float:
    """Share of the gold spans overlapped by at least one of the first ``k`` retrieved spans.

    With a single gold span this is the usual hit rate (1.0 or 0.0).
    """
    if not gold:
        raise ValueError("recall is undefined without gold evidence")
    found: set[int] = set()
    for span in retrieved[:k]:
        found |= covered_gold(span, gold)
    return len(found) / len(gold)


def mrr_at_k(retrieved: Sequence[Span], gold: Sequence[Span], k: int) -> float:
    """Reciprocal rank of the first hit within the first ``k`` retrieved spans (0.0 when none)."""
    rank = first_hit_rank(retrieved, gold, k)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(retrieved: Sequence[Span], gold: Sequence[Span], k: int) -> float:
    """Binary nDCG@k where a retrieved span gains 1 when it covers a gold span not yet covered.

    The ideal ranking puts one hit per gold span first, so IDCG sums ``min(k, len(gold))`` gains.
    """
    if not gold:
        raise ValueError("nDCG is undefined without gold evidence")
    found: set[int] = set()
    dcg = 0.0
    for rank, span in enumerate(retrieved[:k], start=1):
        new = covered_gold(span, gold) - found
        if new:
            found |= new
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(gold)) + 1))
    return dcg / ideal


# ---------------------------------------------------------------- answer text

_ENGLISH_ARTICLES = {"a", "an", "the"}
# A dot or comma between digits is a decimal or thousands separator ("0,58" in Vietnamese, "0.58" in
# English; "1.000" vs "1,000"). Mapping both to one character makes the two conventions compare equal
# and keeps the number one token instead of splitting it at the punctuation.
_NUMBER_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")
_VOWEL_PAIRS = ("oa", "oe", "uy")
_TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")


def _tone_placement_table() -> dict[str, str]:
    # "hoá"/"hóa", "thuý"/"thúy", "khoẻ"/"khỏe": both placements are written; map the old style
    # (mark on the first vowel) to the new style so the two spellings are one syllable.
    table = {}
    for first, second in _VOWEL_PAIRS:
        for mark in _TONE_MARKS:
            old = unicodedata.normalize("NFC", first + mark) + second
            new = first + unicodedata.normalize("NFC", second + mark)
            table[old] = new
    return table


_TONE_TABLE = _tone_placement_table()
_TONE_PATTERN = re.compile("|".join(map(re.escape, _TONE_TABLE)))


def _is_punctuation(char: str) -> bool:
    return char in string.punctuation or unicodedata.category(char)[0] in "PS"


# "[1]", "[1, 3]": citation markers are not part of what the answer says.
_CITATION_MARKER = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")


def strip_citation_markers(text: str) -> str:
    """The answer text without its ``[n]`` citation markers."""
    return _CITATION_MARKER.sub(" ", text)


def normalize_answer(text: str) -> str:
    """SQuAD-style answer normalisation that is safe for Vietnamese.

    NFC, lowercase, one tone-mark placement, decimal/thousands separators unified, every other
    punctuation or symbol replaced by a space (never deleted: "đồng/người/năm" stays three
    syllables), English articles dropped, whitespace collapsed.
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = _TONE_PATTERN.sub(lambda match: _TONE_TABLE[match.group()], text)
    text = _NUMBER_SEPARATOR.sub("\ue000", text)  # placeholder survives the punctuation pass
    text = "".join(" " if _is_punctuation(char) else char for char in text)
    text = text.replace("\ue000", ".")
    return " ".join(token for token in text.split() if token not in _ENGLISH_ARTICLES)


def answer_tokens(text: str) -> list[str]:
    """Normalised syllables of ``text``."""
    return normalize_answer(text).split()


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals one normalised gold answer, else 0.0."""
    normalized = normalize_answer(prediction)
    return float(any(normalized == normalize_answer(gold) for gold in golds))


def _f1(prediction_tokens: list[str], gold_tokens: list[str]) -> float:
    if not prediction_tokens or not gold_tokens:
        return float(prediction_tokens == gold_tokens)
    common = Counter(prediction_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(prediction_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Iterable[str]) -> float:
    """Best syllable-level F1 of the prediction against any gold answer (0.0 without golds)."""
    prediction_tokens = answer_tokens(prediction)
    return max((_f1(prediction_tokens, answer_tokens(gold)) for gold in golds), default=0.0)


def _contains_tokens(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return True
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def holds_answer(text: str, golds: Iterable[str]) -> bool:
    """Whether ``text`` holds one of the gold answers as whole syllables (case, accents and punctuation
    normalised as for exact match): the "top-k accuracy" of open-domain QA, which credits any passage
    saying the answer, also one of another document."""
    tokens = answer_tokens(text)
    return any(_contains_tokens(tokens, needle) for needle in map(answer_tokens, golds) if needle)


KeyFact = str | Sequence[str]


def fact_variants(fact: KeyFact) -> list[str]:
    """The accepted spellings of one key fact: a string, or a list of alternatives."""
    return [fact] if isinstance(fact, str) else list(fact)


def contains_fact(answer: str, fact: KeyFact) -> bool:
    """Whether one spelling of ``fact`` occurs in ``answer`` as whole syllables.

    Whole syllables so that "61" is not found in "610" nor "hai" in "khai".
    """
    tokens = answer_tokens(answer)
    return any(_contains_tokens(tokens, answer_tokens(variant)) for variant in fact_variants(fact))


def key_fact_recall(answer: str, facts: Sequence[KeyFact]) -> float:
    """Share of key facts found in the answer (1.0 when there are none to find)."""
    if not facts:
        return 1.0
    return sum(contains_fact(answer, fact) for fact in facts) / len(facts)


# ---------------------------------------------------------------- citations and refusals


@dataclass(frozen=True)
class PrecisionRecall:
    """Precision and recall; None where the denominator is zero."""

    precision: float | None
    recall: float | None


def citation_scores(cited: Sequence[Span], gold: Sequence[Span]) -> PrecisionRecall:
    """Citation precision (cited spans overlapping gold) and recall (gold spans overlapped by a citation)."""
    precision = None
    if cited:
        precision = sum(bool(covered_gold(span, gold)) for span in cited) / len(cited)
    recall = None
    if gold:
        found: set[int] = set()
        for span in cited:
            found |= covered_gold(span, gold)
        recall = len(found) / len(gold)
    return PrecisionRecall(precision, recall)


def refusal_scores(should_refuse: Sequence[bool], refused: Sequence[bool]) -> PrecisionRecall:
    """Precision and recall of refusing, where the positive class is "the question cannot be answered"."""
    if len(should_refuse) != len(refused):
        raise ValueError("should_refuse and refused differ in length")
    true_positive = sum(s and r for s, r in zip(should_refuse, refused, strict=True))
    n_refused = sum(refused)
    n_unanswerable = sum(should_refuse)
    return PrecisionRecall(
        true_positive / n_refused if n_refused else None,
        true_positive / n_unanswerable if n_unanswerable else None,
    )


# ---------------------------------------------------------------- aggregation


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy's default; None if empty."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def tokens_per_second(gen_tokens: Sequence[int], rates: Sequence[float]) -> float | None:
    """Overall generation speed: all tokens over all decoding time.

    Each answer reports its token count and its own rate; its decoding time is tokens / rate. Weighting
    by time (not averaging the rates) keeps a few short answers from dominating the figure.
    """
    total_tokens = 0
    total_seconds = 0.0
    for tokens, rate in zip(gen_tokens, rates, strict=True):
        if tokens > 0 and rate > 0:
            total_tokens += tokens
            total_seconds += tokens / rate
    return total_tokens / total_seconds if total_seconds else None


def best_refusal_threshold(
    answerable_scores: Sequence[float], unanswerable_scores: Sequence[float]
) -> float | None:
    """The score threshold that best separates answerable from unanswerable questions.

    A question is refused when its best retrieval score is below the threshold. The threshold
    maximises balanced accuracy (mean of the share of unanswerable questions refused and the share of
    answerable questions kept); ties go to the lowest threshold, which refuses least. None without
    scores of both kinds.
    """
    if not answerable_scores or not unanswerable_scores:
        return None
    candidates = sorted(set(answerable_scores) | set(unanswerable_scores))
    # halfway points between neighbouring scores, plus one above everything
    thresholds = [(a + b) / 2 for a, b in zip(candidates, candidates[1:], strict=False)]
    thresholds.append(candidates[-1] + 1e-6)
    best, best_accuracy = None, -1.0
    for threshold in thresholds:
        refused = sum(s < threshold for s in unanswerable_scores) / len(unanswerable_scores)
        kept = sum(s >= threshold for s in answerable_scores) / len(answerable_scores)
        accuracy = (refused + kept) / 2
        if accuracy > best_accuracy + 1e-12:
            best, best_accuracy = threshold, accuracy
    return best
