"""Benchmark datasets: questions with gold answers, key facts and gold evidence, plus their documents.

Gold evidence is a quoted span of a document (or the whole document), never a chunk id, so labels
survive re-chunking: the runner finds each quote in the indexed, normalised text when it scores.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import KeyFact

EVAL_DIR = Path(__file__).resolve().parent
REPO_ROOT = EVAL_DIR.parent
REPORTS_QA = EVAL_DIR / "data" / "reports_qa.jsonl"
VIWIKI = REPO_ROOT.parent / "shared" / "data" / "viwiki" / "viwiki.jsonl.gz"
WIKI_QA = EVAL_DIR / "data" / "wiki_qa.jsonl"
# The Wikipedia articles of the wiki set's pool, by their viwiki title: places, a port, a dish, a
# disease, a storm, a policy; the seed report joins them. Evidence in them is written
# "viwiki/<title>.txt".
WIKI_ARTICLES = (
    "thủ dầu một", "trà vinh (thành phố)", "bến tre (thành phố)", "hà tĩnh", "cảng hải phòng",
    "nước mắm phú quốc", "tai nạn giao thông", "bại liệt", "bún chả", "chính sách lưu thông tiền tệ",
    "bão katrina", "thành phố trực thuộc tỉnh (việt nam)", "tỉnh thành việt nam",
)  # fmt: skip
_VIWIKI_EVIDENCE = "viwiki/"


@dataclass(frozen=True)
class GoldEvidence:
    """Where the answer is written: a verbatim quote of one document, or the whole document.

    Attributes:
        document: file name of the document in the dataset's documents (its id in the eval index).
        quote: text copied exactly from the document; empty when ``whole_document``.
        whole_document: the document as a whole is the evidence (SQuAD paragraphs).
    """

    document: str
    quote: str = ""
    whole_document: bool = False


@dataclass(frozen=True)
class EvalItem:
    """One benchmark question; for a conversation, the last turn is the one scored."""

    id: str
    language: str
    turns: tuple[str, ...]
    answerable: bool
    answers: tuple[str, ...] = ()
    key_facts: tuple[KeyFact, ...] = ()
    evidence: tuple[GoldEvidence, ...] = ()
    kind: str = "fact"

    @property
    def question(self) -> str:
        """The scored question (the last turn)."""
        return self.turns[-1]

    @property
    def history(self) -> tuple[str, ...]:
        """The user turns before the scored one."""
        return self.turns[:-1]

    @property
    def retrieval_query(self) -> str:
        """Query for the retrieval-only baselines: all user turns joined.

        The baselines have no question rewriting, so a follow-up like "Còn tỷ lệ hộ nghèo thì sao?"
        gets the earlier turns as context, the simplest history-aware query.
        """
        return " ".join(self.turns)


@dataclass
class Dataset:
    """Questions plus the documents of the separate index they are asked against.

    Attributes:
        name: the dataset's name in results ("reports", "xquad-vi", ...).
        items: the questions.
        documents: file name -> text of every document in the eval index (the pool).
        description: one line for the report.
    """

    name: str
    items: list[EvalItem]
    documents: dict[str, str]
    description: str = ""
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the reports QA set


def _key_fact(raw: Any) -> KeyFact:
    return raw if isinstance(raw, str) else tuple(raw)


def item_from_json(record: dict[str, Any]) -> EvalItem:
    """Build an item from one JSON record of ``reports_qa.jsonl``.

    Raises:
        ValueError: the record lacks a field or contradicts itself (naming the item).
    """
    item_id = record.get("id", "?")
    turns = tuple(record["turns"]) if "turns" in record else (record["question"],)
    evidence = tuple(
        GoldEvidence(document=Path(e["path"]).name, quote=e["quote"]) for e in record.get("evidence", [])
    )
    answerable = bool(record["answerable"])
    if answerable and not evidence:
        raise ValueError(f"QA item {item_id}: answerable but without gold evidence")
    if not answerable and evidence:
        raise ValueError(f"QA item {item_id}: unanswerable but with gold evidence")
    return EvalItem(
        id=item_id,
        language=record["language"],
        turns=turns,
        answerable=answerable,
        answers=tuple(record.get("answers", ())),
        key_facts=tuple(_key_fact(f) for f in record.get("key_facts", ())),
        evidence=evidence,
        kind=record.get("type", "fact"),
    )


def read_qa_records(path: Path = REPORTS_QA) -> list[dict[str, Any]]:
    """The raw JSON records of a QA file (.jsonl, one per line, or a .json list)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def evidence_paths(records: Sequence[dict[str, Any]], root: Path = REPO_ROOT) -> dict[str, Path]:
    """File name -> path of every document file the records quote (paths are relative to ``root``).

    Wikipedia articles quoted as "viwiki/<title>.txt" come from the shared corpus instead (:func:`load_wiki`).
    """
    found: dict[str, Path] = {}
    for record in records:
        for evidence in record.get("evidence", []):
            if evidence["path"].startswith(_VIWIKI_EVIDENCE):
                continue
            path = Path(evidence["path"])
            found[path.name] = path if path.is_absolute() else root / path
    return found


def load_reports(path: Path = REPORTS_QA, root: Path = REPO_ROOT) -> Dataset:
    """The project's own QA set about the reports in ``documents/``.

    The eval index holds exactly the documents the set quotes, so the "unanswerable" questions stay
    unanswerable when more reports are added to ``documents/``.
    """
    records = read_qa_records(path)
    documents = {name: p.read_text(encoding="utf-8") for name, p in evidence_paths(records, root).items()}
    return Dataset(
        name="reports",
        items=[item_from_json(r) for r in records],
        documents=documents,
        description=f"{path.name}: questions written from the reports in documents/",
    )


def viwiki_articles_titled(titles: Sequence[str], path: Path = VIWIKI) -> dict[str, str]:
    """File name "<title>.txt" -> text (title, capitalised, as first line) of each viwiki article titled so.

    Raises:
        FileNotFoundError: the shared corpus is not beside the checkout.
        ValueError: a title is not in it.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the Vietnamese Wikipedia corpus is missing (see ../shared/data)")
    wanted = set(titles)
    found: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            title = article["title"]
            if title in wanted and f"{title}.txt" not in found:
                found[f"{title}.txt"] = f"{title[:1].upper()}{title[1:]}\n\n{article['text']}"
    missing = sorted(wanted - {name.removesuffix(".txt") for name in found})
    if missing:
        raise ValueError(f"{path}: no article titled {', '.join(missing)}")
    return found


def load_wiki(path: Path = WIKI_QA, root: Path = REPO_ROOT, viwiki: Path = VIWIKI) -> Dataset:
    """Questions over several documents at once: ``WIKI_ARTICLES`` of viwiki and the seed report.

    The reports set has one report; officials load many. Here places, figures and people of
    thirteen articles sit beside the report's, and a follow-up chain, English questions and
    questions none of them answers are asked of the whole pool.

    Raises:
        FileNotFoundError: the shared corpus or a quoted report is missing.
        ValueError: a record is malformed, or an article is not in the corpus.
    """
    records = read_qa_records(path)
    documents = viwiki_articles_titled(WIKI_ARTICLES, viwiki)
    quoted = {
        Path(evidence["path"]).name
        for record in records
        for evidence in record.get("evidence", [])
        if evidence["path"].startswith(_VIWIKI_EVIDENCE)
    }
    if quoted - set(documents):
        raise ValueError(
            f"{path.name}: quotes articles outside WIKI_ARTICLES: {sorted(quoted - set(documents))}"
        )
    documents.update(
        {name: p.read_text(encoding="utf-8") for name, p in evidence_paths(records, root).items()}
    )
    return Dataset(
        name="wiki",
        items=[item_from_json(r) for r in records],
        documents=documents,
        description=f"{path.name}: questions over {len(WIKI_ARTICLES)} viwiki articles and the seed report",
    )


# ---------------------------------------------------------------- distractors


def viwiki_articles(limit: int | None = None, path: Path = VIWIKI) -> Iterator[tuple[str, str]]:
    """(file name, text) of the first ``limit`` Vietnamese Wikipedia articles, title as first line.

    Raises:
        FileNotFoundError: the shared corpus is not beside the checkout.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the Vietnamese Wikipedia corpus is missing (see ../shared/data)")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            article = json.loads(line)
            yield f"viwiki-{number:05d}.txt", f"{article['title']}\n\n{article['text']}"


def with_distractors(dataset: Dataset, count: int, path: Path = VIWIKI) -> Dataset:
    """``dataset`` with the first ``count`` viwiki articles added to its pool (its questions unchanged).

    The same articles for every seed, so one eval index serves every sample of questions. Some
    articles may share a topic with an XQuAD paragraph (both are Wikipedia): a question that
    finds one of them counts as a miss, so the recall measured is a lower bound.
    """
    if count <= 0:
        return dataset
    documents = dict(dataset.documents)
    added = 0
    for name, text in viwiki_articles(count, path):
        documents.setdefault(name, text)
        added += 1
    return Dataset(
        name=f"{dataset.name}+viwiki{added}",
        items=dataset.items,
        documents=documents,
        description=f"{dataset.description} Pool padded with {added:,} viwiki articles.".strip(),
        notes=[*dataset.notes, f"{added:,} viwiki articles added as distractors"],
    )


# ---------------------------------------------------------------- sampling


def sample_items(items: Sequence[EvalItem], limit: int | None, seed: int) -> list[EvalItem]:
    """A deterministic sample of ``limit`` items (all when None), kept in dataset order."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 0:
        raise ValueError(f"limit must be positive, got {limit}")
    chosen = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in chosen]


# ---------------------------------------------------------------- helpers shared with squad.py

_VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]")


def guess_language(texts: Sequence[str]) -> str:
    """ "vi" when Vietnamese letters are frequent in ``texts``, else "en" (a cheap, dependency-free check)."""
    sample = unicodedata.normalize("NFC", " ".join(texts[:50])).lower()
    letters = sum(ch.isalpha() for ch in sample)
    marked = len(_VIETNAMESE_LETTERS.findall(sample))
    return "vi" if letters and marked / letters > 0.05 else "en"
