"""Benchmark: how fast this CPU runs the LLM, prompt processing and generation, in tokens per second.

    .venv/bin/python -m eval.bench_llm                                  # the configured model
    .venv/bin/python -m eval.bench_llm --model qwen2.5-coder-1.5b --model /path/other.gguf

Time to first token is mostly prompt processing: past the system message, whose KV cache is
reused from one question to the next, an answer's prompt holds about 300 tokens (passage
excerpts, question, instruction), so the printed "TTFT est." is 300 tokens at the measured prompt
speed. Each model is loaded in turn and measured on the same real Vietnamese text (the first
report in ``documents/``), one after the other in one run, so the rows compare.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from rag.models import ensure_llm_model
from rag.settings import get_settings

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
ANSWER_PROMPT_TOKENS = 300  # an answer's prompt past the cached system message (XQuAD-vi runs)


def sample_text(folder: Path = DOCUMENTS) -> str:
    """The text of the first report in ``folder`` (.txt or .md)."""
    files = sorted(p for p in folder.glob("*") if p.suffix in (".txt", ".md"))
    if not files:
        raise SystemExit(f"{folder}: no .txt or .md report to read the prompt from")
    return files[0].read_text(encoding="utf-8")


def measure(
    model_path: Path, text: str, prompt_tokens: int, gen_tokens: int, threads: int, batch: int = 512
) -> dict[str, float]:
    """Prompt tokens/s over ``prompt_tokens`` tokens of ``text``, then greedy generation tokens/s."""
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(model_path),
        n_ctx=max(512, prompt_tokens + gen_tokens + 8),
        n_threads=threads,
        n_batch=batch,
        verbose=False,
    )
    tokens = llama.tokenize(text.encode("utf-8"), add_bos=False)
    while len(tokens) < prompt_tokens:
        tokens += tokens
    tokens = tokens[:prompt_tokens]
    llama.reset()
    started = time.perf_counter()
    llama.eval(tokens)
    prompt_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(gen_tokens):
        llama.eval([llama.sample(temp=0.0)])
    gen_s = time.perf_counter() - started
    return {
        "prompt_tps": prompt_tokens / prompt_s,
        "gen_tps": gen_tokens / gen_s if gen_tokens else 0.0,
        "size_mb": model_path.stat().st_size / 1e6,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="model name or GGUF path (repeatable)")
    parser.add_argument("--prompt-tokens", type=int, default=300)
    parser.add_argument("--gen-tokens", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="default: llm.n_threads")
    args = parser.parse_args(argv)
    base = get_settings()
    threads = args.threads or base.llm.n_threads
    text = sample_text()
    print(f"{'model':40s} {'MB':>7s} {'prompt tok/s':>12s} {'gen tok/s':>9s} {'TTFT est.':>9s}")
    for name in args.model or [base.llm.model]:
        path = ensure_llm_model(get_settings(base, llm={"model": name}))
        figures = measure(path, text, args.prompt_tokens, args.gen_tokens, threads, base.llm.n_batch)
        ttft = ANSWER_PROMPT_TOKENS / figures["prompt_tps"]
        print(
            f"{path.name[:40]:40s} {figures['size_mb']:7.0f} {figures['prompt_tps']:12.1f} "
            f"{figures['gen_tps']:9.1f} {ttft:8.1f}s"
        )
    print(f"threads {threads}; TTFT est. = {ANSWER_PROMPT_TOKENS} prompt tokens at the measured speed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
