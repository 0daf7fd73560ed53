"""The CLI through click's CliRunner, in-process, on a private copy of the test documents."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from rag.cli import cli
from tests.conftest import TEST_DATA


@pytest.fixture
def workspace(tmp_path):
    docs = tmp_path / "documents"
    shutil.copytree(TEST_DATA, docs, ignore=shutil.ignore_patterns("upload_sample.txt"))
    return tmp_path


def run(workspace, *args, expect=0, input=None):
    base = [
        "--documents-dir",
        str(workspace / "documents"),
        "--index-dir",
        str(workspace / "index"),
        "--llm-model",
        "smollm2-135m",
    ]
    result = CliRunner().invoke(cli, [*base, *args], input=input, catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result


def test_config_shows_effective_values_and_flags_win(workspace, monkeypatch):
    monkeypatch.setenv("RAG_LLM__N_CTX", "2048")
    data = json.loads(run(workspace, "--threads", "3", "config", "--json").stdout)
    assert data["llm"]["n_ctx"] == 2048
    assert data["llm"]["n_threads"] == 3
    assert data["llm"]["model"] == "smollm2-135m"
    assert data["paths"]["index_dir"] == str(workspace / "index")
    assert "fingerprint" in run(workspace, "config").output


def test_models_json_lists_three_verified_models(workspace):
    models = json.loads(run(workspace, "models", "--json").stdout)
    names = {m["name"]: m for m in models}
    assert {"e5-small", "qwen2.5-coder-1.5b", "smollm2-135m"} <= set(names)
    assert all(m["verified"] for m in models)
    assert {m["role"] for m in models} >= {"embedding", "llm"}


def test_ask_before_ingest_is_a_clean_error(workspace):
    result = run(workspace, "ask", "Từ Sơn ở đâu?", expect=1)
    assert "rag ingest" in result.output
    assert "Traceback" not in result.output


def test_ingest_search_ask_roundtrip(workspace):
    summary = json.loads(run(workspace, "ingest", "--json").stdout)
    assert len(summary["added"]) == 4 and not summary["failed"]
    assert summary["chunks"] > 0

    again = json.loads(run(workspace, "ingest", "--json").stdout)
    assert len(again["unchanged"]) == 4 and again["embedded_chunks"] == 0

    hits = json.loads(
        run(workspace, "search", "ty le ho ngheo giam con bao nhieu", "-k", "3", "--json").stdout
    )
    assert len(hits) == 3
    top = hits[0]["chunk"]
    assert "0,58%" in top["text"]  # unaccented query finds the accented text
    assert {"dense_score", "sparse_score", "score"} <= set(hits[0])
    assert top["end"] > top["start"]

    text = run(workspace, "search", "y tế Hà Nội", "-k", "2").output
    assert "bm25" in text and "dense" in text

    answer = json.loads(run(workspace, "--threads", "1", "ask", "Ngành y tế Hà Nội làm gì?", "--json").stdout)
    assert {
        "question",
        "answer",
        "language",
        "refused",
        "verified",
        "citations",
        "passages",
        "timings",
    } <= set(answer)
    assert answer["language"] == "vi"
    assert {"retrieve_ms", "prompt_tokens", "ttft_ms", "total_ms", "gen_tokens_per_s"} <= set(
        answer["timings"]
    )
    for citation in answer["citations"]:
        assert {"n", "doc_id", "title", "chunk_id", "page", "start", "end", "quote", "verified"} <= set(
            citation
        )


def test_ingest_reports_bad_files_and_strict_fails(workspace):
    docs = workspace / "documents"
    (docs / "empty.txt").write_bytes(b"")
    (docs / "fake.pdf").write_bytes(b"\x00\x01binary garbage\xff" * 10)
    (docs / "notes.xyz").write_text("không hỗ trợ", encoding="utf-8")
    result = run(workspace, "ingest")
    assert "failed 3 files" in result.output
    for name in ("empty.txt", "fake.pdf", "notes.xyz"):
        assert name in result.output
    strict = run(workspace, "ingest", "--strict", expect=1)
    assert "--strict" in strict.output
    # The good files are indexed all the same.
    assert "unchanged 4" in strict.output


def test_ingest_rebuilds_a_stale_index_only_when_asked(workspace, monkeypatch):
    run(workspace, "ingest")
    monkeypatch.setenv("RAG_CHUNKING__SIZE", "600")  # the index now has other settings
    stale = run(workspace, "ingest", expect=1)
    assert "rag ingest --rebuild" in stale.output and "Traceback" not in stale.output
    rebuilt = run(workspace, "ingest", "--rebuild-if-stale")
    assert "rebuilding the index" in rebuilt.output
    assert "added 4," in rebuilt.output  # every document indexed again with the new settings
    again = run(workspace, "ingest", "--rebuild-if-stale")
    assert "rebuilding" not in again.output and "unchanged 4" in again.output


def test_invalid_setting_is_a_clean_error(workspace, monkeypatch):
    monkeypatch.setenv("RAG_RETRIEVAL__TOP_K", "many")
    result = run(workspace, "config", expect=1)
    assert "retrieval.top_k" in result.output


def test_chat_prints_each_checked_answer_and_reads_a_follow_up_with_the_conversation(workspace):
    run(workspace, "ingest")
    turns = "Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?\nCòn thu nhập bình quân thì sao?\n\n"
    result = run(workspace, "--threads", "1", "chat", input=turns)
    # two prompts answered, the follow-up read as a question of its own about the same ward
    assert result.stdout.count("> ") == 3
    assert "(read as:" in result.stderr and "Phù Chẩn" in result.stderr.split("(read as:")[1]
    # not a terminal: the checked answer only, without the draft of the model's words before it
    first = json.loads(
        run(
            workspace, "--threads", "1", "ask", "Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?", "--json"
        ).stdout
    )
    block = result.stdout.split("> ")[1]
    assert block.startswith(first["answer"] + "\n") and block.count(first["answer"]) == 1


def test_eval_replay_passes_the_recorded_run_and_refuses_a_missing_one(workspace, monkeypatch):
    import eval.runner

    given = {}

    class Result:
        pass

    def fake_run_eval(dataset, **options):
        given.update(options, dataset=dataset)
        return Result()

    monkeypatch.setattr(eval.runner, "run_eval", fake_run_eval)
    monkeypatch.setattr(eval.runner, "format_table", lambda result: "table")
    recorded = workspace / "recorded-run"
    recorded.mkdir()
    result = run(workspace, "eval", "xquad-vi-holdout", "--limit", "5", "--replay", str(recorded))
    assert result.output.strip() == "table"
    assert given["dataset"] == "xquad-vi-holdout" and given["limit"] == 5 and given["replay"] == recorded
    missing = run(workspace, "eval", "reports", "--replay", str(workspace / "no-such-run"), expect=2)
    assert "no-such-run" in missing.output and "does not exist" in missing.output
