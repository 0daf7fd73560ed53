"""SQuAD-format datasets (XQuAD) as retrieval + QA benchmarks over a separate index.

Every paragraph becomes one document of a pool; every question is asked against the whole pool, so
retrieval has to find the paragraph among all the others. Questions may come from another file with
the same ids (English questions over the Vietnamese pool: the cross-lingual set "xquad-en-vi").

The "holdout" variant removes a seeded share of the paragraphs from the pool: their questions become
unanswerable (the assistant should refuse), which measures refusal recall on realistic questions.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from eval.datasets import REPO_ROOT, Dataset, EvalItem, GoldEvidence, guess_language

XQUAD_DIR = REPO_ROOT.parent / "shared" / "data" / "xquad"
HOLDOUT_SUFFIX = "-holdout"
HOLDOUT_FRACTION = 0.2


@dataclass(frozen=True)
class SquadQuestion:
    """One question of a SQuAD file with its answer texts."""

    id: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class SquadParagraph:
    """One context paragraph with its questions; ``name`` is its document file name."""

    name: str
    title: str
    context: str
    questions: tuple[SquadQuestion, ...]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def _file_stem(title: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", title).strip("_")[:40] or "article"


def load_squad(path: Path) -> list[SquadParagraph]:
    """The paragraphs of a SQuAD 1.1 json file, in file order.

    Raises:
        ValueError: the file is not SQuAD-shaped (naming the file).
    """
    try:
        articles = json.loads(path.read_text(encoding="utf-8"))["data"]
        paragraphs = []
        for a_number, article in enumerate(articles):
            title = str(article.get("title", f"article {a_number}"))
            for p_number, paragraph in enumerate(article["paragraphs"]):
                questions = tuple(
                    SquadQuestion(
                        id=str(qa["id"]),
                        question=qa["question"],
                        answers=_unique([a["text"] for a in qa.get("answers", [])]),
                    )
                    for qa in paragraph["qas"]
                )
                name = f"{a_number:03d}-{p_number:02d}_{_file_stem(title)}.txt"
                paragraphs.append(SquadParagraph(name, title, paragraph["context"], questions))
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a SQuAD-format json file ({err})") from err
    return paragraphs


def holdout_names(paragraphs: list[SquadParagraph], fraction: float, seed: int) -> set[str]:
    """The seeded share of paragraphs removed from the pool in the holdout variant."""
    count = round(len(paragraphs) * fraction)
    return {p.name for p in random.Random(seed).sample(paragraphs, count)}


def squad_dataset(
    name: str,
    pool_path: Path,
    questions_path: Path | None = None,
    *,
    holdout_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """A benchmark from SQuAD files: the paragraphs of ``pool_path``, the questions of ``questions_path``.

    Args:
        name: the dataset's name in results.
        pool_path: SQuAD json whose paragraphs become the documents.
        questions_path: SQuAD json with the same question ids whose questions are asked (another
            language for a cross-lingual set); ``pool_path`` itself when None. Answers of both files
            are accepted, since a reader may answer in either language.
        holdout_fraction: share of paragraphs left out of the pool; their questions are unanswerable.
        seed: chooses the held-out paragraphs.
    """
    pool = load_squad(pool_path)
    asked = pool if questions_path is None else load_squad(questions_path)
    pool_question = {q.id: (p, q) for p in pool for q in p.questions}
    held_out = holdout_names(pool, holdout_fraction, seed) if holdout_fraction else set()
    language = guess_language([q.question for p in asked for q in p.questions])

    items = []
    missing = 0
    for paragraph in asked:
        for question in paragraph.questions:
            if question.id not in pool_question:
                missing += 1
                continue
            pool_paragraph, pool_version = pool_question[question.id]
            answers = _unique([*question.answers, *pool_version.answers])
            answerable = pool_paragraph.name not in held_out
            items.append(
                EvalItem(
                    id=question.id,
                    language=language,
                    turns=(question.question,),
                    answerable=answerable,
                    answers=answers if answerable else (),
                    # one key fact: any gold answer, in either language, found in the answer
                    key_facts=(answers,) if answerable else (),
                    evidence=(GoldEvidence(pool_paragraph.name, whole_document=True),) if answerable else (),
                    kind="squad" if answerable else "held-out",
                )
            )
    documents = {p.name: p.context for p in pool if p.name not in held_out}
    notes = [f"{missing} questions of {questions_path} have no paragraph in the pool"] if missing else []
    description = (
        f"{len(documents)} paragraphs of {pool_path.name} as documents; questions of "
        f"{(questions_path or pool_path).name}"
        + (f"; {len(held_out)} paragraphs held out (their questions unanswerable)" if held_out else "")
    )
    return Dataset(name=name, items=items, documents=documents, description=description, notes=notes)


def xquad_dataset(name: str, seed: int = 0, xquad_dir: Path = XQUAD_DIR) -> Dataset:
    """The named XQuAD set: "xquad-vi", "xquad-en-vi", each optionally with "-holdout".

    Raises:
        ValueError: an unknown name.
    """
    base = name.removesuffix(HOLDOUT_SUFFIX)
    fraction = HOLDOUT_FRACTION if name.endswith(HOLDOUT_SUFFIX) else 0.0
    vi, en = xquad_dir / "xquad.vi.json", xquad_dir / "xquad.en.json"
    if base == "xquad-vi":
        return squad_dataset(name, vi, holdout_fraction=fraction, seed=seed)
    if base == "xquad-en-vi":
        return squad_dataset(name, vi, en, holdout_fraction=fraction, seed=seed)
    raise ValueError(f"unknown XQuAD set {name!r}: use xquad-vi or xquad-en-vi (optionally -holdout)")
