"""Benchmark: English questions over the Vietnamese XQuAD pool, searched with an LLM translation.

    .venv/bin/python -m eval.bench_translate --limit 200 --seed 0
    .venv/bin/python -m eval.bench_translate --limit 200 --seed 0 --ttft 5   # + the answer-TTFT check

1. Translates each sampled English question with ``rag.translate.translate_question`` (the local
   LLM), keeping the raw output, time and tokens in ``<out>/translations.jsonl`` (a rerun resumes).
2. Ranks the Vietnamese pool for each question with ``rag.retrieve.search`` in several variants side
   by side: the English question alone (hybrid, as ``rag eval``), with the translation as an
   alternate, the translation alone, with the human Vietnamese question as an alternate (the
   ceiling), and with other cross-language BM25 weights; prints Recall@1/@5 per variant.
3. ``--ttft N``: time to first token of an answer prompt after another answer prompt (the usual
   case), after a translation prompt that starts with ``SYSTEM_PROMPT`` (what ``rag.translate``
   sends) and after one with a different system message (what it avoids).

The pool, index and gold evidence are built exactly as ``eval/runner.py`` builds them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from rag.settings import Settings, get_settings
from rag.translate import clean_translation, translate_question, translation_messages

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "translate"


class RecordingLLM:
    """Passes calls to an LLM and keeps the last raw output (the benchmark wants it, the module not)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last_output = ""

    @property
    def last_usage(self) -> Any:
        return self.inner.last_usage

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def complete(self, messages: Any, max_tokens: int | None = None, stop: Any = None) -> str:
        self.last_output = self.inner.complete(messages, max_tokens=max_tokens, stop=stop)
        return self.last_output


@contextmanager
def cross_language_weight(value: float) -> Iterator[None]:
    """Temporarily change ``rag.retrieve.CROSS_LANGUAGE_SPARSE_WEIGHT``."""
    saved = retrieve.CROSS_LANGUAGE_SPARSE_WEIGHT
    retrieve.CROSS_LANGUAGE_SPARSE_WEIGHT = value
    try:
        yield
    finally:
        retrieve.CROSS_LANGUAGE_SPARSE_WEIGHT = saved


def translate_all(assistant: Any, items: list[Any], path: Path) -> dict[str, dict[str, Any]]:
    """Translate every item's question (resuming from ``path``), one JSON line per question.

    The LLM is loaded only when a question is missing from ``path``.
    """
    from tqdm import tqdm

    done: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            done[record["id"]] = record
    missing = [i for i in items if i.id not in done]
    if not missing:
        return done
    llm = assistant.llm
    recorder = RecordingLLM(llm)
    with path.open("a", encoding="utf-8") as handle:
        for item in tqdm(missing, desc="translate", unit="q"):
            started = time.perf_counter()
            translation = translate_question(recorder, item.question, "vi")
            usage = llm.last_usage
            record = {
                "id": item.id,
                "question": item.question,
                "raw": recorder.last_output,
                "translation": translation,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "ttft_ms": round(usage.ttft_ms, 1),
                "finish_reason": usage.finish_reason,
            }
            done[item.id] = record
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
    return done


def variants(
    index: Any, settings: Settings, question: str, human: str, mt: str, strict: str, raw: str
) -> dict[str, Callable[[], list[Any]]]:
    """name -> a function ranking the pool for this question (RANK_DEPTH hits)."""

    def hybrid(
        query: str,
        alternates: list[str],
        weight: float = retrieve.CROSS_LANGUAGE_SPARSE_WEIGHT,
        run_settings: Settings = settings,
    ) -> Callable[[], list[Any]]:
        def run() -> list[Any]:
            with cross_language_weight(weight):
                hits = retrieve.search(index, query, run_settings, RANK_DEPTH, alternates=alternates)
            return [(h.chunk, h.score) for h in hits]

        return run

    mt_alt = [mt] if mt else []
    raw_alt = [raw] if raw and raw != question else []
    strict_alt = [strict] if strict else []
    half_sparse = get_settings(settings, retrieval={"sparse_weight": settings.retrieval.sparse_weight / 2})
    full_alternate = get_settings(settings, retrieval={"alternate_sparse_weight": 1.0})
    half_alternate = get_settings(settings, retrieval={"alternate_sparse_weight": 0.5})
    return {
        "dense (EN)": lambda: index.dense_search(question, RANK_DEPTH),
        "hybrid (EN)": hybrid(question, []),
        "hybrid + human VI alternate": hybrid(question, [human]),
        "hybrid + MT alternate": hybrid(question, mt_alt),
        "MT alone (EN when no MT)": hybrid(mt or question, []),
        "hybrid + MT alternate, with name check": hybrid(question, strict_alt),
        "hybrid + raw MT alternate (no checks)": hybrid(question, raw_alt),
        "hybrid + MT, cross-lang BM25 0": hybrid(question, mt_alt, 0.0),
        "hybrid + MT, cross-lang BM25 1.0": hybrid(question, mt_alt, 1.0),
        "hybrid + MT, sparse_weight x0.5": hybrid(question, mt_alt, run_settings=half_sparse),
        "hybrid + MT, MT's BM25 x1.0": hybrid(question, mt_alt, run_settings=full_alternate),
        "hybrid + MT, MT's BM25 x0.5": hybrid(question, mt_alt, run_settings=half_alternate),
    }


def confidence_signals(index: Any, question: str) -> dict[str, float]:
    """How sure the search with the English question alone is (known before any translation)."""
    scores = [score for _, score in index.dense_search(question, 2)] + [0.0, 0.0]
    return {"dense_top1": scores[0], "dense_margin": scores[0] - scores[1]}


ADAPTIVE_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)


def adaptive_table(
    records: list[dict[str, Any]], base: str = "hybrid (EN)", refined: str = "hybrid + MT alternate"
) -> str:
    """Recall when only the least sure questions are translated, by the share translated.

    A question is translated when its signal is below a threshold; the thresholds are the
    signal's quantiles, so each row translates about the share it names.
    """
    lines = [
        "Translating only when the English search is unsure (the rest use it alone)",
        "",
        "| signal | threshold | translated | R@1 | R@5 |",
        "|---|---|---|---|---|",
    ]
    usable = [r for r in records if "signals" in r and base in r["retrieval"] and refined in r["retrieval"]]
    if not usable:
        return "\n".join(lines[:1] + ["", "(no records with confidence signals)"])
    for signal in usable[0]["signals"]:
        values = sorted(r["signals"][signal] for r in usable)
        for share in ADAPTIVE_SHARES:
            position = round(share * len(values))
            threshold = values[position] if position < len(values) else float("inf")
            chosen = [r["retrieval"][refined if r["signals"][signal] < threshold else base] for r in usable]
            translated = sum(r["signals"][signal] < threshold for r in usable) / len(usable)
            r1 = sum(c["recall@1"] for c in chosen) / len(chosen)
            r5 = sum(c["recall@5"] for c in chosen) / len(chosen)
            shown = "all" if threshold == float("inf") else f"{threshold:.4f}"
            lines.append(f"| {signal} < t | {shown} | {translated:.0%} | {r1:.3f} | {r5:.3f} |")
    return "\n".join(lines)


def recall_table(records: list[dict[str, Any]], n: int, seed: int) -> str:
    """Markdown table of Recall@1/@5 (and MRR@10) per variant."""
    names = list(records[0]["retrieval"]) if records else []
    lines = [
        f"XQuAD EN -> VI, n = {n} answerable questions, seed {seed}",
        "",
        "| variant | R@1 | R@5 | MRR@10 |",
        "|---|---|---|---|",
    ]
    for name in names:
        scores = [r["retrieval"][name] for r in records]
        mean = {m: sum(s[m] for s in scores) / len(scores) for m in ("recall@1", "recall@5", "mrr@10")}
        lines.append(f"| {name} | {mean['recall@1']:.3f} | {mean['recall@5']:.3f} | {mean['mrr@10']:.3f} |")
    return "\n".join(lines)


def translation_summary(translations: list[dict[str, Any]], mts: dict[str, str]) -> str:
    """Translation time and tokens, and how many outputs pass the checks."""
    ms = sorted(t["ms"] for t in translations)
    tokens = [t["completion_tokens"] for t in translations]
    usable = sum(bool(mts[t["id"]]) for t in translations)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, round(p * (len(ms) - 1)))]

    return (
        f"translations: {len(translations)}, usable {usable} ({usable / max(1, len(translations)):.1%}); "
        f"ms p50 {pct(0.5):.0f}, p95 {pct(0.95):.0f}; output tokens mean {statistics.mean(tokens):.1f}, "
        f"max {max(tokens)}"
    )


def _context_tokens(llm: Any) -> list[int]:
    """The tokens in llama.cpp's KV cache now ([] for an LLM that is not in process)."""
    llama = getattr(llm, "_llama", None)
    return list(llama._input_ids[: llama.n_tokens]) if llama is not None else []


def _shared_prefix(a: list[int], b: list[int]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def measure_ttft(
    llm: Any, index: Any, settings: Settings, items: list[Any], mts: dict[str, str], passages_shown: int
) -> str:
    """TTFT of answer prompts after an answer, after a translation (SYSTEM_PROMPT), after a foreign system.

    Also counts the answer prompt's tokens found in the KV cache (reused, not evaluated again).
    """
    from rag.prompts import build_messages

    def answer_messages(item: Any) -> list[dict[str, Any]]:
        alternates = [mts[item.id]] if mts.get(item.id) else []
        hits = retrieve.search(index, item.question, settings, 2 * passages_shown, alternates=alternates)
        passages = retrieve.merge_passages(hits, index, passages_shown)
        return build_messages(item.question, passages, "en", offer_refusal=False)

    def foreign(item: Any) -> list[dict[str, Any]]:
        messages = translation_messages(item.question, "vi")
        messages[0] = {"role": "system", "content": "You translate questions into Vietnamese."}
        return messages

    prompts = {item.id: answer_messages(item) for item in items}
    chains = ("after an answer", "after translation", "after foreign-system")
    ttft: dict[str, list[float]] = {chain: [] for chain in chains}
    reused: dict[str, list[int]] = {chain: [] for chain in chains}
    sizes: list[int] = []
    # start from an answer prompt's cache state, like a running assistant (each chain ends with one)
    llm.complete(prompts[items[-1].id], max_tokens=1)
    for chain in chains:
        for item in items:
            if chain == "after translation":
                llm.complete(translation_messages(item.question, "vi"), max_tokens=1)
            elif chain == "after foreign-system":
                llm.complete(foreign(item), max_tokens=1)
            before = _context_tokens(llm)
            llm.complete(prompts[item.id], max_tokens=1)
            usage = llm.last_usage
            prompt = _context_tokens(llm)[: usage.prompt_tokens]
            ttft[chain].append(usage.ttft_ms)
            reused[chain].append(_shared_prefix(before, prompt))
            sizes.append(usage.prompt_tokens)
            print(
                f"  {chain}: {item.id} ttft {usage.ttft_ms:.0f} ms, {usage.prompt_tokens} prompt tokens, "
                f"{reused[chain][-1]} from the KV cache",
                flush=True,
            )
    lines = [
        f"answer prompts with {passages_shown} passage(s), {statistics.mean(sizes):.0f} tokens on average",
        "",
        "| next answer's TTFT | median ms | mean ms | prompt tokens reused from the KV cache |",
        "|---|---|---|---|",
    ]
    for chain in chains:
        lines.append(
            f"| {chain} | {statistics.median(ttft[chain]):.0f} | {statistics.mean(ttft[chain]):.0f} "
            f"| {statistics.mean(reused[chain]):.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=200, help="questions sampled (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help=f"folder (default {DEFAULT_OUT}/seed<S>-n<N>)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--ttft", type=int, default=0, help="also time N answer prompts per condition")
    parser.add_argument("--ttft-passages", type=int, default=None, help="passages per answer prompt (top_k)")
    parser.add_argument("--skip-retrieval", action="store_true", help="reuse the last questions.jsonl")
    parser.add_argument(
        "--translated-only", action="store_true", help="only the questions already in translations.jsonl"
    )
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (settings' by default)")
    args = parser.parse_args(argv)

    out = args.out or DEFAULT_OUT / f"seed{args.seed}-n{args.limit}"
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("xquad-en-vi", args.seed)
    human = {item.id: item.question for item in load_dataset("xquad-vi", args.seed).items}
    items = [i for i in sample_items(data.items, args.limit, args.seed) if i.answerable]
    base = get_settings() if args.threads is None else get_settings(llm={"n_threads": args.threads})
    settings = eval_settings(base, data, args.cache_dir)
    backend = AssistantBackend(default_assistant_factory(settings))
    backend.ingest()
    assistant = backend.assistant
    index = assistant.index

    if args.translated_only:
        known = {json.loads(line)["id"] for line in (out / "translations.jsonl").read_text().splitlines()}
        items = [item for item in items if item.id in known]
    translations = translate_all(assistant, items, out / "translations.jsonl")
    # the verdict is recomputed from the raw output, so a change to the checks needs no new LLM run
    mts = {
        i: "" if t["finish_reason"] == "length" else clean_translation(t["question"], t["raw"], "vi")
        for i, t in translations.items()
    }
    strict = {
        i: ""
        if t["finish_reason"] == "length"
        else clean_translation(t["question"], t["raw"], "vi", require_names=True)
        for i, t in translations.items()
    }
    raws = {i: clean_raw(t["raw"]) for i, t in translations.items()}
    if args.skip_retrieval:
        records = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    else:
        records = rank_all(
            backend, index, settings, items, human, {"mt": mts, "strict": strict, "raw": raws}, out
        )
    summary = translation_summary([translations[item.id] for item in items], mts)
    report = [recall_table(records, len(records), args.seed), "", adaptive_table(records), "", summary]
    if args.ttft:
        shown = args.ttft_passages or settings.retrieval.top_k
        report += ["", measure_ttft(assistant.llm, index, settings, items[: args.ttft], mts, shown)]
    text = "\n".join(report)
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)


def rank_all(
    backend: AssistantBackend,
    index: Any,
    settings: Settings,
    items: list[Any],
    human: dict[str, str],
    phrasings: dict[str, dict[str, str]],
    out: Path,
) -> list[dict[str, Any]]:
    """Rank the pool for every question in every variant; one JSON line per question.

    ``phrasings``: "mt" (checked translations), "strict" (also the name check), "raw" (no checks).
    """
    texts, aliases = backend.documents()
    mts, strict, raws = phrasings["mt"], phrasings["strict"], phrasings["raw"]
    queries = [item.question for item in items] + [human[item.id] for item in items]
    queries += [p[item.id] for p in (mts, strict, raws) for item in items if p[item.id]]
    backend.warm_queries(queries, progress=True)

    from tqdm import tqdm

    records = []
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for item in tqdm(items, desc="retrieval", unit="q"):
            gold = resolve_gold(item, texts, aliases)
            record: dict[str, Any] = {
                "id": item.id,
                "question": item.question,
                "human": human[item.id],
                "mt": mts[item.id],
                "retrieval": {},
            }
            record["signals"] = confidence_signals(index, item.question)
            for name, run in variants(
                index, settings, item.question, human[item.id], mts[item.id], strict[item.id], raws[item.id]
            ).items():
                started = time.perf_counter()
                ranked = run()
                scores = score_retrieval(ranked, gold, time.perf_counter() - started)
                record["retrieval"][name] = {k: v for k, v in scores.items() if k != "ranked"}
            records.append(record)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def clean_raw(raw: str) -> str:
    """The raw model output as a search phrasing without any check (first line, stripped)."""
    return raw.strip().splitlines()[0].strip() if raw.strip() else ""


if __name__ == "__main__":
    main()
