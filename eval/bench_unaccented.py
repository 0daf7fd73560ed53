"""Benchmark: Vietnamese questions typed without diacritics ("ty le ho ngheo …"), spelled back.

    .venv/bin/python -m eval.bench_unaccented --limit 400 --seed 0

Each sampled XQuAD-vi question is stripped of its diacritics (capitals kept), then spelled back by
``Assistant.with_diacritics`` (:func:`rag.normalize.restore_diacritics` over the passages the
stripped question finds), as a question typed that way is in the product. Printed side by side on
the same pool and index as ``rag eval xquad-vi``: syllables spelled back right (and whole questions),
and Recall@1/@5 of the hybrid search with the original, the stripped and the spelled-back question
(and of the dense search alone with the stripped one).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from eval.datasets import sample_items
from eval.runner import (
    DEFAULT_CACHE_DIR,
    RANK_DEPTH,
    AssistantBackend,
    default_assistant_factory,
    eval_settings,
    load_dataset,
    resolve_gold,
    score_retrieval,
)
from rag import retrieve
from rag.normalize import fold_diacritics, normalize_text, syllables
from rag.settings import get_settings

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "unaccented"


def strip_diacritics(text: str) -> str:
    """``text`` as typed without diacritics: "Tỷ lệ hộ nghèo" -> "Ty le ho ngheo" (capitals kept)."""
    return "".join(
        folded.upper() if char.isupper() else folded
        for char in normalize_text(text)
        for folded in [fold_diacritics(char)]
    )


def spelling_scores(original: str, restored: str) -> tuple[int, int]:
    """(syllables spelled as in ``original``, syllables) for a spelled-back question."""
    want, got = syllables(normalize_text(original)), syllables(normalize_text(restored))
    if len(want) != len(got):
        return 0, len(want)
    return sum(w == g for w, g in zip(want, got, strict=True)), len(want)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=400, help="questions sampled (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help=f"folder (default {DEFAULT_OUT}/seed<S>-n<N>)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    args = parser.parse_args(argv)

    out = args.out or DEFAULT_OUT / f"seed{args.seed}-n{args.limit}"
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("xquad-vi", args.seed)
    items = [i for i in sample_items(data.items, args.limit, args.seed) if i.answerable]
    settings = eval_settings(get_settings(), data, args.cache_dir)
    backend = AssistantBackend(default_assistant_factory(settings))
    backend.ingest()
    assistant = backend.assistant
    index = assistant.index
    texts, aliases = backend.documents()

    from tqdm import tqdm

    records: list[dict[str, Any]] = []
    right = total = whole = 0
    restore_ms: list[float] = []
    for item in tqdm(items, desc="questions", unit="q"):
        stripped = strip_diacritics(item.question)
        started = time.perf_counter()
        restored = assistant.with_diacritics(stripped)
        restore_ms.append((time.perf_counter() - started) * 1000)
        good, count = spelling_scores(item.question, restored)
        right, total, whole = right + good, total + count, whole + (good == count)
        gold = resolve_gold(item, texts, aliases)
        ranked = {
            "hybrid, original question": retrieve.search(index, item.question, settings, RANK_DEPTH),
            "hybrid, without diacritics": retrieve.search(index, stripped, settings, RANK_DEPTH),
            "dense, without diacritics": index.dense_search(stripped, RANK_DEPTH),
            "hybrid, spelled back": retrieve.search(index, restored, settings, RANK_DEPTH),
        }
        record: dict[str, Any] = {
            "id": item.id,
            "question": item.question,
            "stripped": stripped,
            "restored": restored,
            "syllables_right": good,
            "syllables": count,
            "retrieval": {},
        }
        for name, hits in ranked.items():
            pairs = [(h.chunk, h.score) for h in hits] if hits and hasattr(hits[0], "chunk") else hits
            scores = score_retrieval(pairs, gold, 0.0)
            record["retrieval"][name] = {k: scores[k] for k in ("recall@1", "recall@5", "mrr@10")}
        records.append(record)
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    restore_ms.sort()
    lines = [
        f"XQuAD-vi typed without diacritics, n = {len(records)} answerable questions, seed {args.seed}",
        "",
        f"syllables spelled back right: {right}/{total} ({right / max(1, total):.1%}); whole questions: "
        f"{whole}/{len(records)} ({whole / max(1, len(records)):.1%}); spelling back p50 "
        f"{restore_ms[len(restore_ms) // 2]:.0f} ms (one extra search)",
        "",
        "| search | R@1 | R@5 | MRR@10 |",
        "|---|---|---|---|",
    ]
    for name in records[0]["retrieval"] if records else []:
        scores = [r["retrieval"][name] for r in records]
        mean = {m: sum(s[m] for s in scores) / len(scores) for m in ("recall@1", "recall@5", "mrr@10")}
        lines.append(f"| {name} | {mean['recall@1']:.3f} | {mean['recall@5']:.3f} | {mean['mrr@10']:.3f} |")
    text = "\n".join(lines)
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
