"""Benchmark-script logic that turns measurements into the printed figures."""

from __future__ import annotations

import pytest

from eval.bench_translate import adaptive_table


def _record(margin: float, alone_found: bool, translated_found: bool) -> dict:
    def scores(found: bool) -> dict:
        return {"recall@1": float(found), "recall@5": float(found), "mrr@10": float(found)}

    return {
        "signals": {"dense_margin": margin},
        "retrieval": {"hybrid (EN)": scores(alone_found), "hybrid + MT alternate": scores(translated_found)},
    }


def test_adaptive_table_translates_the_least_sure_questions_first():
    # the two unsure questions (small margins) are the ones the translation rescues
    records = [
        _record(0.001, False, True),
        _record(0.002, False, True),
        _record(0.05, True, True),
        _record(0.08, True, False),  # a sure question the translation would have spoiled
    ]
    rows = {
        line.split("|")[3].strip(): line
        for line in adaptive_table(records).splitlines()
        if "dense_margin" in line
    }
    assert rows["0%"].endswith("| 0.500 | 0.500 |")  # the English search alone
    assert rows["50%"].endswith("| 1.000 | 1.000 |")  # translate the two unsure ones only
    assert rows["100%"].endswith("| 0.750 | 0.750 |")  # translate everything


def test_ocr_benchmark_reads_a_rendered_page_of_the_seed_report(capsys):
    from eval.bench_ocr import FONT, main

    if not FONT.exists():
        pytest.skip(f"font missing: {FONT}")
    assert main(["--pages", "1"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert set(rows) == {"scan.pdf", "photo.tiff"}
    for row in rows.values():  # "scan.pdf 4.1 s/page characters 0.998 words found 0.996"
        assert float(row[4]) > 0.95 and float(row[7]) > 0.95, row


def test_unaccented_benchmark_strips_diacritics_and_scores_the_spelling_back():
    import unicodedata

    from eval.bench_unaccented import spelling_scores, strip_diacritics

    question = unicodedata.normalize("NFD", "Tỷ lệ hộ nghèo của phường Phù Chẩn?")
    assert strip_diacritics(question) == "Ty le ho ngheo cua phuong Phu Chan?"
    assert spelling_scores(question, "tỷ lệ hộ nghèo cua phường Phù Chẩn?") == (7, 8)
    assert spelling_scores(question, "Ty le ho") == (0, 8)  # words lost: nothing counts


def test_llm_benchmark_prints_prompt_and_generation_speed_of_each_model(capsys):
    from eval.bench_llm import ANSWER_PROMPT_TOKENS, main

    assert main(["--model", "smollm2-135m", "--prompt-tokens", "48", "--gen-tokens", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["model", "MB"]
    name, size, prompt_tps, gen_tps, ttft = lines[1].split()
    assert name == "SmolLM2-135M-Instruct.Q4_1.gguf" and 90 < float(size) < 110
    assert float(prompt_tps) > 0 and float(gen_tps) > 0
    # the estimate is the answer prompt's tokens at the measured prompt speed
    assert float(ttft.rstrip("s")) == pytest.approx(
        ANSWER_PROMPT_TOKENS / float(prompt_tps), rel=0.05, abs=0.1
    )


def test_llm_benchmark_names_a_folder_without_reports(tmp_path):
    from eval.bench_llm import sample_text

    with pytest.raises(SystemExit, match="no .txt or .md report"):
        sample_text(tmp_path)
    (tmp_path / "b.md").write_text("Tỷ lệ hộ nghèo", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Phường Phù Chẩn", encoding="utf-8")
    assert sample_text(tmp_path) == "Phường Phù Chẩn"
