"""Rendering of a benchmark result: text tables, report.md, results.json, questions.jsonl, plots."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.runner import EvalResult

logger = logging.getLogger(__name__)

RETRIEVAL_COLUMNS = (
    ("R@1", "recall@1"),
    ("R@5", "recall@5"),
    ("R@10", "recall@10"),
    ("MRR@10", "mrr@10"),
    ("nDCG@10", "ndcg@10"),
    ("A@5", "answer@5"),
)
ANSWER_COLUMNS = (
    ("EM", "em"),
    ("F1", "f1"),
    ("facts", "key_facts"),
    ("correct", "correct"),
    ("cit P", "citation_precision"),
    ("cit R", "citation_recall"),
    ("ref P", "refusal_precision"),
    ("ref R", "refusal_recall"),
    ("false ref", "false_refusal_rate"),
)
LATENCY_COLUMNS = (
    ("sources p50", "sources_p50"),
    ("sources p95", "sources_p95"),
    ("translation p50", "translate_p50"),
    ("TTFT p50", "ttft_p50"),
    ("TTFT p95", "ttft_p95"),
    ("total p50", "total_p50"),
    ("total p95", "total_p95"),
)
SYSTEM_LABELS = {"assistant": "assistant", "oracle": "oracle (gold passage)"}
EXAMPLES_PER_CATEGORY = 3


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


Table = tuple[list[str], list[list[str]]]


def retrieval_table(result: EvalResult) -> Table:
    """Header and rows of the retrieval baselines."""
    header = ["retriever", *(label for label, _ in RETRIEVAL_COLUMNS), "ms p50"]
    rows = [
        [method, *(_number(scores.get(key)) for _, key in RETRIEVAL_COLUMNS), _number(scores["ms_p50"], 1)]
        for method, scores in result.retrieval.items()
    ]
    return header, rows


def answer_table(result: EvalResult) -> Table:
    """Header and rows of answer quality, one row per system (assistant, oracle)."""
    header = ["system", "n", *(label for label, _ in ANSWER_COLUMNS)]
    rows = [
        [
            SYSTEM_LABELS.get(system, system),
            str(scores["n"]),
            *(_number(scores[key]) for _, key in ANSWER_COLUMNS),
        ]
        for system, scores in result.answers.items()
    ]
    return header, rows


def latency_table(result: EvalResult) -> Table:
    """Header and rows of answer latency and generation speed."""
    header = ["system", *(f"{label} ms" for label, _ in LATENCY_COLUMNS), "tok/s"]
    rows = [
        [
            SYSTEM_LABELS.get(system, system),
            *(_ms(scores.get(key)) for _, key in LATENCY_COLUMNS),
            _number(scores["tokens_per_s"], 1),
        ]
        for system, scores in result.answers.items()
    ]
    return header, rows


def _share(values: Sequence[bool]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else "-"


def _mean_metric(records: Sequence[dict[str, Any]], method: str, metric: str) -> str:
    values = [r["retrieval"][method][metric] for r in records if method in r["retrieval"]]
    return f"{sum(values) / len(values):.3f}" if values else "-"


def breakdown_table(result: EvalResult) -> Table:
    """Per language and per question type: R@1 of each retriever, hybrid R@5, answers, refusals."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in result.records:
        groups.setdefault(f"language {record['language']}", []).append(record)
        groups.setdefault(f"type {record['kind']}", []).append(record)
    methods = list(result.retrieval)
    header = [
        "group",
        "questions",
        *(f"{m} R@1" for m in methods),
        "hybrid R@5",
        "assistant correct",
        "unanswerable refused",
    ]
    rows = []
    for name, records in sorted(groups.items()):
        answered = [r for r in records if r.get("assistant")]
        correct = [r["assistant"]["error"] == "correct" for r in answered if r["answerable"]]
        refused = [r["assistant"]["refused"] for r in answered if not r["answerable"]]
        rows.append(
            [
                name,
                str(len(records)),
                *(_mean_metric(records, m, "recall@1") for m in methods),
                _mean_metric(records, "hybrid", "recall@5"),
                _share(correct),
                _share(refused),
            ]
        )
    return header, rows


def _fixed_width(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _headline(result: EvalResult) -> str:
    return (
        f"Dataset {result.dataset}: {result.n_questions} questions "
        f"({result.n_answerable} answerable, {result.n_unanswerable} unanswerable), seed {result.seed}"
        + (f", limit {result.limit}" if result.limit else "")
        + f"; {result.seconds:.0f} s"
    )


def text_tables(result: EvalResult) -> str:
    """Fixed-width tables for the terminal: retrieval, answers, error sources."""
    parts = [
        _headline(result),
        "",
        "Retrieval (answerable questions)",
        _fixed_width(*retrieval_table(result)),
    ]
    if result.answers:
        parts += ["", "Answers", _fixed_width(*answer_table(result))]
        parts += ["", "Latency", _fixed_width(*latency_table(result))]
    if result.error_sources:
        parts += ["", "Error sources: " + ", ".join(f"{k} {v}" for k, v in result.error_sources.items())]
    threshold = result.dense_threshold.get("suggested_min_dense_score")
    if threshold is not None:
        parts += [f"Suggested retrieval.min_dense_score: {threshold:.3f}"]
    parts += [f"- {note}" for note in result.notes]
    if result.out_dir:
        parts += ["", f"Report: {result.out_dir / 'report.md'}"]
    return "\n".join(parts)


# ---------------------------------------------------------------- report.md


def _example_lines(record: dict[str, Any], system: str) -> list[str]:
    scored = record[system]
    lines = [f"- **{record['id']}** ({record['language']}, {record['kind']}): {' → '.join(record['turns'])}"]
    if record["answers"]:
        lines.append(f"  - gold: {record['answers'][0]}")
    lines.append(f"  - answer: {scored['answer'][:300]!s}".replace("\n", " "))
    hybrid = record["retrieval"].get("hybrid")
    if hybrid is not None:
        lines.append(
            f"  - hybrid first hit rank: {hybrid['first_hit']}; "
            f"gold shown to the reader: {scored['gold_shown']}"
        )
    return lines


def _failure_examples(records: Sequence[dict[str, Any]]) -> list[str]:
    by_category: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        assistant = record.get("assistant")
        if assistant and assistant["error"] not in ("correct", "correct refusal"):
            by_category.setdefault(assistant["error"], []).append(record)
    lines: list[str] = []
    for category, examples in sorted(by_category.items()):
        lines += ["", f"### {category} ({len(examples)})", ""]
        for record in examples[:EXAMPLES_PER_CATEGORY]:
            lines += _example_lines(record, "assistant")
    return lines


def _retrieval_misses(records: Sequence[dict[str, Any]], method: str = "hybrid") -> list[str]:
    missed = [r for r in records if method in r["retrieval"] and r["retrieval"][method]["first_hit"] is None]
    lines = [f"{len(missed)} answerable questions without a gold chunk in the {method} top {10}."]
    for record in missed[:EXAMPLES_PER_CATEGORY]:
        lines.append(f"- **{record['id']}**: {' → '.join(record['turns'])}")
    return lines


def markdown_report(result: EvalResult) -> str:
    """report.md: the tables, where errors come from, example failures, and how to read them."""
    lines = [
        f"# QA benchmark: {result.dataset}",
        "",
        _headline(result) + ".",
        "",
        (f"{result.description}. " if result.description else "")
        + f"Settings fingerprint `{result.settings_fingerprint}`, run {result.started_at}.",
        "",
        "## Retrieval",
        "",
        "Answerable questions only. A hit is a retrieved chunk overlapping a gold evidence span of the "
        "same document; Recall@k is the share of gold spans found in the top k (the hit rate when there "
        "is one span). A@5 is the share of questions with a gold answer's words in a top-5 chunk of any "
        "document: above R@5 where another document says the answer too (a distractor article on the same "
        "subject), or where a short answer (a year, a number) occurs by chance.",
        "",
        _markdown_table(*retrieval_table(result)),
        "",
        "![recall@k](recall_at_k.png)",
        "",
    ]
    lines += _retrieval_misses(result.records)
    lines += ["", "## By language and question type", "", _markdown_table(*breakdown_table(result))]
    if result.answers:
        lines += [
            "",
            "## Answers",
            "",
            "EM/F1 on syllables after NFC, lowercasing and punctuation removal; facts = share of key facts "
            "contained; correct = all key facts contained; citation P/R against gold evidence spans; refusal "
            "P/R with 'cannot be answered' as the positive class; the oracle reads the gold passage itself.",
            "",
            _markdown_table(*answer_table(result)),
            "",
            _markdown_table(*latency_table(result)),
            "",
            "![latency](latency.png)",
            "",
            "## Where errors come from",
            "",
            _markdown_table(
                ["category", "questions"], [[k, str(v)] for k, v in result.error_sources.items()]
            ),
            "",
            "*retrieval miss*: no passage shown to the reader overlaps the gold evidence; "
            "*reader error*: the evidence was shown but the answer lacks a key fact; *false refusal*: "
            "the evidence was shown and the assistant refused; *answered unanswerable*: it answered a "
            "question the documents cannot answer. *oracle right, assistant wrong* is the loss a better "
            "retriever could recover.",
        ]
        lines += _failure_examples(result.records)
    threshold = result.dense_threshold
    if threshold.get("unanswerable_p50") is not None:
        lines += [
            "",
            "## Refusal threshold",
            "",
            f"Top dense score: answerable p50 {_number(threshold['answerable_p50'])}, "
            f"p05 {_number(threshold['answerable_p05'])}; "
            f"unanswerable p50 {_number(threshold['unanswerable_p50'])}, "
            f"p95 {_number(threshold['unanswerable_p95'])}. "
            "Threshold with the best balanced accuracy: "
            f"**{_number(threshold['suggested_min_dense_score'])}** (`retrieval.min_dense_score`); alone it "
            f"would refuse {_number(threshold['unanswerable_refused'])} of the unanswerable questions and "
            f"keep {_number(threshold['answerable_kept'])} of the answerable ones.",
            "",
            "![dense scores](dense_scores.png)",
        ]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in result.notes]
    lines += ["", "Per-question details: `questions.jsonl`; all figures: `results.json`.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- plots


def _plot_recall(result: EvalResult, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for method, curve in result.recall_curves.items():
        if curve:
            axes.plot(range(1, len(curve) + 1), curve, marker="o", label=method)
    axes.set_xlabel("k (chunks)")
    axes.set_ylabel("Recall@k")
    axes.set_ylim(0, 1.02)
    axes.set_title(f"Retrieval, {result.dataset} ({result.n_answerable} answerable questions)")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_latency(result: EvalResult, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    answered = [r["assistant"]["timings"] for r in result.records if r.get("assistant")]
    if answered:
        axes.hist([t["total_ms"] / 1000 for t in answered], bins=20, alpha=0.7, label="total")
        axes.hist([t["ttft_ms"] / 1000 for t in answered], bins=20, alpha=0.7, label="time to first token")
        axes.set_xlabel("seconds")
        axes.set_title(f"Answer latency, {result.dataset} ({len(answered)} answers)")
    else:
        for method in result.retrieval:
            times = [r["retrieval"][method]["ms"] for r in result.records if method in r["retrieval"]]
            axes.hist(times, bins=20, alpha=0.6, label=method)
        axes.set_xlabel("milliseconds per query")
        axes.set_title(f"Retrieval latency, {result.dataset}")
    axes.set_ylabel("questions")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_dense_scores(result: EvalResult, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    scored = [r for r in result.records if r.get("dense_top_score") is not None]
    low = min(r["dense_top_score"] for r in scored)
    high = max(max(r["dense_top_score"] for r in scored), low + 1e-3)  # one score still makes bins
    bins = [low + (high - low) * i / 20 for i in range(21)]  # shared, so the two kinds compare
    for answerable, label in ((True, "answerable"), (False, "unanswerable")):
        scores = [r["dense_top_score"] for r in scored if r["answerable"] is answerable]
        if scores:
            axes.hist(scores, bins=bins, alpha=0.6, label=label)
    threshold = result.dense_threshold.get("suggested_min_dense_score")
    if threshold is not None:
        axes.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
    axes.set_xlabel("top dense (cosine) score")
    axes.set_ylabel("questions")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_plots(result: EvalResult, folder: Path) -> list[Path]:
    """recall_at_k.png, latency.png and (with unanswerable questions) dense_scores.png."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never a display
    written = []
    for name, plot in (("recall_at_k.png", _plot_recall), ("latency.png", _plot_latency)):
        plot(result, folder / name)
        written.append(folder / name)
    if result.dense_threshold.get("unanswerable_p50") is not None:
        _plot_dense_scores(result, folder / "dense_scores.png")
        written.append(folder / "dense_scores.png")
    return written


# ---------------------------------------------------------------- files


def write_outputs(result: EvalResult, folder: Path) -> None:
    """Write report.md, results.json, questions.jsonl and the plots into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(
        json.dumps(result.summary(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    with (folder / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for record in result.records:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    write_plots(result, folder)
    (folder / "report.md").write_text(markdown_report(result), encoding="utf-8")
    logger.info("eval report written to %s", folder)
