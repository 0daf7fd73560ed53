"""Recording the model's calls during an eval run, and replaying them without the model."""

from __future__ import annotations

import json

import pytest

from eval import runner
from eval.datasets import Dataset, load_reports
from eval.replay import RecordingLLM, ReplayError, ReplayLLM, call_key, recorded_calls
from rag.llm import Usage

try:
    from tests.fakes import FakeEmbedder
    from tests.pipeline_fakes import FakeLLM
except ImportError:  # pragma: no cover - pytest without the repo root on sys.path
    from fakes import FakeEmbedder
    from pipeline_fakes import FakeLLM

ASKED = [{"role": "system", "content": "Trả lời ngắn."}, {"role": "user", "content": "Từ Sơn ở đâu?"}]
OTHER = [{"role": "system", "content": "Trả lời ngắn."}, {"role": "user", "content": "Hà Nội ở đâu?"}]


def test_recording_keeps_each_call_with_its_prompt_key_and_usage() -> None:
    model = FakeLLM(["Từ Sơn thuộc Bắc Ninh [1].", "Hà Nội là thủ đô [2]."])
    recording = RecordingLLM(lambda: model)
    assert recording.complete(ASKED, max_tokens=20) == "Từ Sơn thuộc Bắc Ninh [1]."
    stream = recording.stream(OTHER, grammar="root ::= [a-z]+")
    assert next(stream) == "Hà"
    stream.close()  # a reader that stops early: what it read is what was said
    calls = recording.take()
    assert [c["key"] for c in calls] == [call_key(ASKED, None), call_key(OTHER, "root ::= [a-z]+")]
    assert [c["output"] for c in calls] == ["Từ Sơn thuộc Bắc Ninh [1].", "Hà"]
    assert calls[0]["completion_tokens"] == 6 and calls[0]["prompt_tokens"] > 0
    assert recording.take() == []
    assert call_key(ASKED, None) != call_key(ASKED, "root ::= [a-z]+")


def test_replay_serves_the_same_prompt_first_then_in_order_and_counts_changed_prompts() -> None:
    calls = {
        "q1": {
            "answers": [
                {"key": call_key(OTHER, None), "output": "Hà Nội [2].", "completion_tokens": 3},
                {"key": call_key(ASKED, None), "output": "Bắc Ninh [1].", "finish_reason": "length"},
            ]
        }
    }
    replay = ReplayLLM(calls, count_tokens=lambda text: len(text.split()))
    replay.begin("q1", "answers")
    assert "".join(replay.stream(ASKED)) == "Bắc Ninh [1]."  # matched by its prompt, not its place
    assert replay.last_usage.finish_reason == "length"
    changed = [{"role": "user", "content": "Từ Sơn thuộc tỉnh nào?"}]
    assert replay.complete(changed) == "Hà Nội [2]."  # the next one left, counted as changed
    assert (replay.served, replay.changed_prompts) == (2, 1)
    assert replay.last_usage == Usage(prompt_tokens=0, completion_tokens=3, finish_reason=None)
    with pytest.raises(ReplayError, match="'q1' \\(answers\\): the recorded run made no further"):
        replay.complete(ASKED)
    with pytest.raises(ReplayError, match="'q2' is not in the recorded run"):
        replay.begin("q2", "answers")
    assert replay.count_tokens("Từ Sơn") == 2 and replay.count_tokens("") == 0


def test_a_run_without_recorded_calls_cannot_be_replayed(tmp_path) -> None:
    (tmp_path / "questions.jsonl").write_text(json.dumps({"id": "q1"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no recorded model calls"):
        recorded_calls(tmp_path)
    with pytest.raises(runner.ConfigError, match="cannot replay"):
        runner.run_eval("reports", replay=tmp_path, cache_dir=tmp_path / "cache", out_dir=tmp_path / "out")


class QuotingLLM(FakeLLM):
    """Quotes the first words of passage [1] and cites it, or says what it is told to."""

    def __init__(self, words: int = 12) -> None:
        super().__init__()
        self.words = words

    def _reply(self, messages):
        user = messages[-1]["content"]
        if "<<<\n" not in user:
            return "Không có."
        first = user.split("<<<\n", 1)[1].split("\n>>>", 1)[0]
        return " ".join(first.split()[: self.words]) + " [1]."


def test_a_recorded_run_replays_to_the_same_answers_without_the_model(tmp_path, monkeypatch) -> None:
    from rag.pipeline import Assistant

    full = load_reports()
    wanted = ("vi-poverty", "mt-vi-poverty", "en-income", "vi-quoted-leaders", "vi-na-future-income")
    subset = Dataset("reports-subset", [i for i in full.items if i.id in wanted], full.documents)
    recorded_model = QuotingLLM()
    monkeypatch.setattr("rag.llm.get_llm", lambda settings: recorded_model)

    def factory(settings, llm=None):
        return Assistant(settings, embedder=FakeEmbedder(), llm=llm)

    def run(out: str, **options):
        return runner.run_eval(
            subset, out_dir=tmp_path / out, cache_dir=tmp_path / "cache", progress=False,
            assistant_factory=factory, **options,
        )  # fmt: skip

    live = run("live")
    asked = len(recorded_model.prompts)
    assert asked > 0
    filed = [c for r in live.records for phase in r["llm_calls"].values() for c in phase]
    assert len(filed) == asked and all(c["output"] for c in filed)

    another_model = QuotingLLM(words=3)  # would answer otherwise, were it asked
    monkeypatch.setattr("rag.llm.get_llm", lambda settings: another_model)
    monkeypatch.setattr(runner, "model_tokenizer", lambda settings: recorded_model.count_tokens)
    replayed = run("replay", replay=tmp_path / "live")
    assert another_model.prompts == [] and len(recorded_model.prompts) == asked
    assert [r["assistant"]["answer"] for r in replayed.records] == [
        r["assistant"]["answer"] for r in live.records
    ]
    assert [r.get("oracle", {}).get("answer") for r in replayed.records] == [
        r.get("oracle", {}).get("answer") for r in live.records
    ]
    assert any(
        f"replay of {tmp_path / 'live'}: {asked} model calls said again, 0 of them" in n
        for n in replayed.notes
    ), replayed.notes

    # what is replayed is the recording: change one recorded output and its answer follows
    path = tmp_path / "live" / "questions.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    target = next(r for r in records if r["llm_calls"]["answers"] and not r["assistant"]["refused"])
    call = next(c for c in target["llm_calls"]["answers"] if "[1]" in c["output"])
    call["output"] = "Hộ nghèo [1]."
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    changed = {r["id"]: r for r in run("replay2", replay=tmp_path / "live").records}
    assert changed[target["id"]]["assistant"]["raw_answer"] == "Hộ nghèo [1]."


def test_a_factory_without_llm_gets_no_replay(tmp_path, monkeypatch) -> None:
    (tmp_path / "run").mkdir()
    record = {"id": "q", "llm_calls": {"answers": []}}
    (tmp_path / "run" / "questions.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    monkeypatch.setattr(runner, "model_tokenizer", lambda settings: len)
    with pytest.raises(runner.ConfigError, match="--replay needs the default assistant"):
        runner.run_eval(
            "reports", replay=tmp_path / "run", cache_dir=tmp_path / "cache", out_dir=tmp_path / "out",
            assistant_factory=lambda settings: object(), progress=False,
        )  # fmt: skip
