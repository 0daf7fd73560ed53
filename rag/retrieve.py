"""Hybrid retrieval: dense + BM25 candidates, adaptive fusion, passages.

Measured on XQuAD (240 Vietnamese paragraphs, 1,190 questions in Vietnamese and
the same questions in English; ``retrieval.candidates`` = 30 per retriever
in this table):

====================================  ============  ============
Recall@5 (Recall@1)                   VI            EN -> VI
====================================  ============  ============
dense (multilingual-e5-small)         .980 (.890)   .933 (.752)
BM25                                  .975 (.895)   .453 (.289)
plain RRF (k=60, weights 1/1)         .987 (.926)   .751
adaptive weights, RRF (``rrf``)       .987 (.926)   .937 (.755)
adaptive weights, scores (default)    .991 (.947)   .937 (.756)
  + the VI question as ``alternates``               .993 (.934)
====================================  ============  ============

Why adaptive: BM25 only helps when the query shares words with the documents.
An English question over Vietnamese reports shares a few names and numbers,
and its full BM25 ranking is noise that drags plain RRF far below dense alone.
So for a query in the corpus's language the BM25 weight is scaled by the share
of the query's tokens the index knows; for a query in another language BM25
sees only its names and numbers ("Super Bowl 50", "Tesla", "1879") with a
small fixed weight. Fusing min-max normalised scores instead of ranks keeps how
far ahead a retriever's best hit is, which lifts Recall@1 by two points.

Wording bonus (``retrieval.sentence_match_weight`` / ``phrase_match_weight``,
score fusion only): each fused candidate gains for the share of the query's
idf mass that one of its sentences holds and for the query's word pairs it
repeats. Among many documents on the same topics, the chunk that answers a
question usually says it in one sentence with the question's own words.
XQuAD-vi with the first 5,000 viwiki articles as distractors (80,930 chunks),
Recall@1/@5/@10: .790/.893/.917 without, .824/.915/.936 with it (weights
1.5/1); XQuAD-vi alone .950/.993 -> .957/.992; EN -> VI .753/.929 ->
.758/.929; about 6 ms per query for 40-60 candidates.

Candidates (``retrieval.candidates``): the bonus can only reorder what the two
retrievers hand over, and among 80,930 chunks the answering one is often just
below the 30th place of both. Taking 100 from each, XQuAD-vi with the 5,000
distractors goes from .824/.915/.936 to .834/.923/.939 (Recall@1/@5/@10),
XQuAD-vi alone from .957/.992/.996 to .959/.992/.998, EN -> VI (no
translation) from .758/.930/.963 to .750/.929/.964; ``rag eval reports`` gives
the same retrieval (hybrid Recall@5 .991) and the same answers with 30 and 100.
Search p50 goes from 11 to 31 ms (240 paragraphs) and from 29 to 60 ms (80,930
chunks); the wording bonus runs on every candidate. A higher dense weight
(1.5) added .002 with distractors but pushed one of three gold passages of a
reports question out of the top 5.
BM25 tokens (``rag.store``): queries as typed (an accented syllable no longer also stands for its
folded form) and chunks indexed with syllable pairs raise that to .869/.941/.955 (BM25 alone
.710/.834/.860 -> .796/.902/.928); XQuAD-vi alone .959/.992/.998 -> .962/.993/.997; questions
typed without diacritics, searched as typed, Recall@1/@5 .748/.948 -> .807/.970.
Of the 92 questions missed before that, 11 have the answer's words in a top-5
distractor chunk and at least 10 name their subject only by a pronoun ("Sắc
lệnh này…", "Liên minh này…"): they ask about a paragraph they assume is known.

Beyond fusion, an English question gains most from a translation into the
documents' language (``alternates``): with the human Vietnamese questions as
the "translation", EN -> VI Recall@5 rises from .937 to .993. The local model's
translation is looser, and its BM25 list counts half (``alternate_sparse_weight``):
600 questions, ``eval/bench_translate.py``, Recall@1/@5 .803/.947 at full weight,
.838/.958 at half (.832/.957 at 0.3, .822/.957 at 0.7; the English question alone
.753/.928). Tried and
dropped: dense pseudo-relevance feedback (Rocchio, no gain) and boosting dense
scores by name overlap (EN +.007, VI -.002 at best).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rag.normalize import detect_language, normalize_text, syllables
from rag.readers import split_sentences
from rag.settings import Settings
from rag.types import Chunk, Hit, Passage

if TYPE_CHECKING:
    from rag.store import Index

logger = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "sparse"
# BM25 weight (times retrieval.sparse_weight) for the names and numbers of a query
# whose language differs from the documents' (tuned on XQuAD EN -> VI: 0.3 is the
# best Recall@1 and @5; 1.0 drops Recall@1 below dense alone).
CROSS_LANGUAGE_SPARSE_WEIGHT = 0.3
# A query whose BM25 tokens the index mostly knows is in the documents' language,
# whatever detect_language says: Vietnamese typed without diacritics ("benh vien o
# ha noi") is guessed English for 9% of XQuAD's questions, yet its coverage is
# >= 0.77, while 99% of the English questions stay below 0.8.
SAME_LANGUAGE_COVERAGE = 0.8
Fusion = Literal["scores", "rrf"]

_WORD_RE = re.compile(r"[^\W_]+")
# Capitalised words that are not names: question words and function words that open sentences.
_NOT_NAMES = frozenset(
    """a about after all also an and any are as at be been before but by can could did do does
    during for from had has have he her his how i if in into is it its many may more most much my
    not of on or our she should so some than that the their them then there these they this those
    to was we were what when where which who whom whose why will with would you your
    ai bao cái các chỉ cho có của đã đang được gì hay khi không là làm một nào năm này những
    như ở ra sao sau tại thì trong từ và về với vì""".split()
)


def weighted_rrf(
    rankings: Mapping[str, Sequence[str]], weights: Mapping[str, float], k: int
) -> dict[str, float]:
    """Weighted reciprocal rank fusion.

    ``score(id) = sum over rankings r of weights[r] / (k + rank_r(id))`` with
    1-based ranks; an id absent from a ranking gets nothing from it. A ranking
    with no entry in ``weights`` counts with weight 1.

    Args:
        rankings: name -> ids, best first (an id repeated later in one ranking is ignored).
        weights: name -> weight (0 switches a ranking off).
        k: the RRF constant (60 in the original paper); larger flattens the rank curve.

    Returns:
        id -> fused score, sorted best first (ties keep first-seen order).
    """
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        seen: set[str] = set()
        for rank, item in enumerate(ids, start=1):
            if item in seen:
                continue
            seen.add(item)
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return dict(sorted(fused.items(), key=lambda pair: pair[1], reverse=True))


def name_and_number_words(query: str) -> str:
    """The words of a query that survive translation: capitalised names and anything with a digit.

    "How many points did the Panthers defense surrender in Super Bowl 50?" gives
    "Panthers Super Bowl 50".
    """
    words = _WORD_RE.findall(query)
    kept = [
        w for w in words if (w[0].isupper() or any(c.isdigit() for c in w)) and w.lower() not in _NOT_NAMES
    ]
    return " ".join(kept)


@dataclass(frozen=True)
class SparsePlan:
    """What BM25 is asked for one query, and how much its ranking counts."""

    query: str
    weight: float
    cross_language: bool


def sparse_plan(index: Index, query: str, settings: Settings) -> SparsePlan:
    """Decide the BM25 query and weight for ``query`` (see the module docstring).

    Same language as the documents (or most of its tokens known to the index):
    the whole query, weight ``sparse_weight`` times the share of its tokens the
    index knows. Another language: only its names and numbers, weight
    ``sparse_weight * CROSS_LANGUAGE_SPARSE_WEIGHT``.
    """
    base = settings.retrieval.sparse_weight
    coverage = index.vocabulary_coverage(query)
    corpus_language = index.corpus_language()
    other_language = bool(corpus_language) and detect_language(query) != corpus_language
    if other_language and coverage < SAME_LANGUAGE_COVERAGE:
        names = name_and_number_words(query)
        weight = base * CROSS_LANGUAGE_SPARSE_WEIGHT if names else 0.0
        return SparsePlan(names, weight, cross_language=True)
    return SparsePlan(query, base * coverage, cross_language=False)


def sparse_weight_for(index: Index, query: str, settings: Settings) -> float:
    """The BM25 weight :func:`search` gives this query."""
    return sparse_plan(index, query, settings).weight


def normalised_scores(results: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Min-max scale one retriever's candidate scores to 0..1 (all 1.0 when they are equal)."""
    if not results:
        return {}
    scores = [score for _, score in results]
    low, high = min(scores), max(scores)
    if high <= low:
        return {item: 1.0 for item, _ in results}
    return {item: (score - low) / (high - low) for item, score in results}


def weighted_score_fusion(
    results: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> dict[str, float]:
    """Weighted sum of min-max normalised scores; an id absent from a list gets 0 from it.

    Args:
        results: name -> (id, score) pairs, best first (higher score is better).
        weights: name -> weight (a missing name counts 1; 0 switches a list off).

    Returns:
        id -> fused score, sorted best first (ties keep first-seen order).
    """
    fused: dict[str, float] = {}
    for name, pairs in results.items():
        weight = weights.get(name, 1.0)
        for item, score in normalised_scores(pairs).items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return dict(sorted(fused.items(), key=lambda pair: pair[1], reverse=True))


def lexical_match(query_syllables: Sequence[str], idf: Mapping[str, float], text: str) -> tuple[float, float]:
    """How closely a chunk's wording follows the query, beyond BM25's bag of words.

    Args:
        query_syllables: the query's lowercase syllables, in order.
        idf: each syllable's idf over the index (rare words count more).
        text: the chunk's text.

    Returns:
        ``(sentence, phrase)``, each 0..1: the share of the query's idf mass that
        one sentence of ``text`` holds (the best sentence), and the idf-weighted
        share of the query's adjacent syllable pairs ("Super Bowl", "tài trợ")
        that occur as pairs in ``text``.
    """
    unique = set(query_syllables)
    total = sum(idf.get(s, 0.0) for s in unique)
    pairs = set(zip(query_syllables, query_syllables[1:], strict=False))
    pairs_total = sum(idf.get(a, 0.0) + idf.get(b, 0.0) for a, b in pairs)
    if total <= 0:
        return 0.0, 0.0
    sentence = 0.0
    for start, end in split_sentences(text):
        found = unique.intersection(syllables(text[start:end]))
        sentence = max(sentence, sum(idf.get(s, 0.0) for s in found) / total)
    words = syllables(text)
    shared_pairs = pairs.intersection(zip(words, words[1:], strict=False))
    phrase = (
        sum(idf.get(a, 0.0) + idf.get(b, 0.0) for a, b in shared_pairs) / pairs_total if pairs_total else 0.0
    )
    return sentence, phrase


def search(
    index: Index,
    query: str,
    settings: Settings,
    k: int | None = None,
    *,
    alternates: Sequence[str] = (),
    fusion: Fusion = "scores",
) -> list[Hit]:
    """Hybrid search: dense and BM25 candidates, fused with weights adapted to the query.

    Args:
        index: the opened index.
        query: the user's question (normalised by the index).
        settings: ``retrieval.candidates`` per retriever, the weights, ``rrf_k``.
        k: hits returned; ``settings.retrieval.top_k`` by default.
        alternates: other phrasings of the same question, e.g. a translation into
            the documents' language; each adds its own dense and BM25 candidates.
        fusion: "scores" (weighted min-max normalised scores, the default: best on
            XQuAD) or "rrf" (weighted reciprocal rank fusion with ``rrf_k``).

    Returns:
        Up to ``k`` hits, best first, each with the dense/BM25 score and 1-based
        rank it had for ``query`` (or for the first alternate that found it).
    """
    k = settings.retrieval.top_k if k is None else k
    candidates = max(settings.retrieval.candidates, k)
    dense_weight = settings.retrieval.dense_weight
    lists: dict[str, list[tuple[Chunk, float]]] = {}
    weights: dict[str, float] = {}
    plans: list[SparsePlan] = []
    for number, phrasing in enumerate([query, *alternates]):
        plan = sparse_plan(index, phrasing, settings)
        if number:
            plan = dataclasses.replace(plan, weight=plan.weight * settings.retrieval.alternate_sparse_weight)
        plans.append(plan)
        logger.debug("search %r: BM25 on %r, weight %.2f", phrasing, plan.query, plan.weight)
        if dense_weight > 0:
            lists[f"{DENSE}{number}"] = index.dense_search(phrasing, candidates)
            weights[f"{DENSE}{number}"] = dense_weight
        if plan.weight > 0 and plan.query:
            lists[f"{SPARSE}{number}"] = index.sparse_search(plan.query, candidates)
            weights[f"{SPARSE}{number}"] = plan.weight

    chunks: dict[str, Chunk] = {}
    dense_info: dict[str, tuple[float, int]] = {}
    sparse_info: dict[str, tuple[float, int]] = {}
    for name, results in lists.items():
        info = dense_info if name.startswith(DENSE) else sparse_info
        for rank, (chunk, score) in enumerate(results, start=1):
            chunks.setdefault(chunk.chunk_id, chunk)
            info.setdefault(chunk.chunk_id, (score, rank))

    if fusion == "rrf":
        rankings = {name: [c.chunk_id for c, _ in results] for name, results in lists.items()}
        fused = weighted_rrf(rankings, weights, settings.retrieval.rrf_k)
    else:
        scored = {name: [(c.chunk_id, s) for c, s in results] for name, results in lists.items()}
        fused = weighted_score_fusion(scored, weights)
        fused = _with_wording_bonus(fused, chunks, plans, index, settings)

    hits = []
    for chunk_id, score in list(fused.items())[:k]:
        dense_score, dense_rank = dense_info.get(chunk_id, (None, None))
        sparse_score, sparse_rank = sparse_info.get(chunk_id, (None, None))
        hits.append(
            Hit(
                chunk=chunks[chunk_id],
                score=score,
                dense_score=dense_score,
                sparse_score=sparse_score,
                dense_rank=dense_rank,
                sparse_rank=sparse_rank,
            )
        )
    return hits


def _with_wording_bonus(
    fused: dict[str, float],
    chunks: Mapping[str, Chunk],
    plans: Sequence[SparsePlan],
    index: Index,
    settings: Settings,
) -> dict[str, float]:
    """Add each candidate's :func:`lexical_match` to its fused score, weighted like its BM25 query.

    With 5,000 Wikipedia articles added to XQuAD-vi's paragraphs, BM25 and dense
    each rank many chunks that share the question's topic words; the chunk whose
    one sentence holds most of the question's rare words, in the question's
    order, is the one that answers it.
    """
    sentence_weight = settings.retrieval.sentence_match_weight
    phrase_weight = settings.retrieval.phrase_match_weight
    base = settings.retrieval.sparse_weight
    if not fused or base <= 0 or (sentence_weight <= 0 and phrase_weight <= 0):
        return fused
    queries = []
    for plan in plans:
        words = syllables(normalize_text(plan.query))  # the chunks' spelling: NFC, one tone-mark style
        if words and plan.weight > 0:
            queries.append((words, plan.weight / base))
    if not queries:
        return fused
    idf = index.token_idf({word for words, _ in queries for word in words})
    bonus: dict[str, float] = {}
    for chunk_id in fused:
        best = 0.0
        for words, scale in queries:
            sentence, phrase = lexical_match(words, idf, chunks[chunk_id].text)
            best = max(best, scale * (sentence_weight * sentence + phrase_weight * phrase))
        bonus[chunk_id] = best
    rescored = {chunk_id: score + bonus[chunk_id] for chunk_id, score in fused.items()}
    return dict(sorted(rescored.items(), key=lambda pair: pair[1], reverse=True))


def merge_passages(hits: Sequence[Hit], index: Index, top_k: int) -> list[Passage]:
    """Turn ranked hits into at most ``top_k`` numbered passages.

    Hits of one document whose spans overlap or touch (or whose chunks are
    neighbours) become one passage over the union span; its text is cut from
    the document's normalised text, so offsets stay exact. Passages keep the
    rank of their best hit and are numbered 1..n in that order. Repeated
    chunks and passages with the same text as an earlier one are dropped.

    Args:
        hits: fused hits, best first.
        index: the index the hits came from (for document texts).
        top_k: most passages returned.
    """
    groups: list[_PassageDraft] = []
    seen_chunks: set[str] = set()
    seen_chunk_texts: set[str] = set()
    for hit in hits:
        chunk = hit.chunk
        if chunk.chunk_id in seen_chunks or chunk.text in seen_chunk_texts:
            continue  # the same chunk again, or a copy of it in another document
        seen_chunks.add(chunk.chunk_id)
        seen_chunk_texts.add(chunk.text)
        draft = next((g for g in groups if g.accepts(chunk)), None)
        if draft is not None:
            draft.add(chunk)
            _absorb_touching(groups, draft)
        elif len(groups) < top_k:
            groups.append(_PassageDraft(chunk, hit.score))
        # else: a new passage would exceed top_k; the remaining hits may still extend ones we have

    passages: list[Passage] = []
    seen_texts: set[str] = set()
    texts: dict[str, str] = {}
    for draft in groups:
        if draft.doc_id not in texts:
            texts[draft.doc_id] = index.document_text(draft.doc_id)
        text = texts[draft.doc_id][draft.start : draft.end]
        if text in seen_texts:
            continue
        seen_texts.add(text)
        first = min(draft.chunks, key=lambda c: (c.start, c.ordinal))
        passages.append(
            Passage(
                n=len(passages) + 1,
                doc_id=draft.doc_id,
                title=first.title,
                text=text,
                start=draft.start,
                end=draft.end,
                chunk_ids=tuple(c.chunk_id for c in sorted(draft.chunks, key=lambda c: (c.start, c.ordinal))),
                score=draft.score,
                page=first.page,
            )
        )
    return passages


class _PassageDraft:
    """Chunks of one document being merged into a passage."""

    def __init__(self, chunk: Chunk, score: float) -> None:
        self.doc_id = chunk.doc_id
        self.chunks = [chunk]
        self.start = chunk.start
        self.end = chunk.end
        self.score = score

    def accepts(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` overlaps, touches or neighbours this passage."""
        if chunk.doc_id != self.doc_id:
            return False
        if chunk.start <= self.end and chunk.end >= self.start:
            return True
        ordinals = {c.ordinal for c in self.chunks}
        return chunk.ordinal - 1 in ordinals or chunk.ordinal + 1 in ordinals

    def add(self, chunk: Chunk) -> None:
        """Extend the span to cover ``chunk``."""
        self.chunks.append(chunk)
        self.start = min(self.start, chunk.start)
        self.end = max(self.end, chunk.end)


def _absorb_touching(groups: list[_PassageDraft], grown: _PassageDraft) -> None:
    """After ``grown`` got bigger, merge the other passages of its document it now touches.

    The merged passage takes the place of the better-ranked (earlier) of the two.
    """
    changed = True
    while changed:
        changed = False
        for other in groups:
            if other is grown or other.doc_id != grown.doc_id:
                continue
            if any(grown.accepts(c) for c in other.chunks):
                keep, drop = (grown, other) if groups.index(grown) < groups.index(other) else (other, grown)
                for chunk in drop.chunks:
                    keep.add(chunk)
                keep.score = max(keep.score, drop.score)
                groups.remove(drop)
                grown = keep
                changed = True
                break
