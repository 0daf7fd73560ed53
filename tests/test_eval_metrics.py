"""Metric functions of the QA benchmark on small hand-computed cases."""

from __future__ import annotations

import math
import unicodedata

import pytest

from eval import metrics as m

GOLD = [("d1", 100, 200)]


# ---------------------------------------------------------------- spans


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (("d1", 0, 10), ("d1", 5, 15), True),
        (("d1", 0, 10), ("d1", 10, 20), False),  # half-open: touching is not overlapping
        (("d1", 0, 10), ("d2", 0, 10), False),  # other document
        (("d1", 0, 100), ("d1", 40, 50), True),  # containment
    ],
)
def test_spans_overlap(a, b, overlap):
    assert m.spans_overlap(a, b) is overlap
    assert m.spans_overlap(b, a) is overlap


# ---------------------------------------------------------------- retrieval


def test_recall_single_gold_is_hit_rate():
    retrieved = [("d2", 0, 50), ("d1", 150, 250), ("d1", 0, 90)]
    assert m.recall_at_k(retrieved, GOLD, 1) == 0.0
    assert m.recall_at_k(retrieved, GOLD, 2) == 1.0
    assert m.recall_at_k(retrieved, GOLD, 10) == 1.0


def test_recall_counts_gold_spans_found():
    gold = [("d1", 0, 10), ("d1", 50, 60), ("d2", 0, 10)]
    retrieved = [("d1", 55, 70), ("d1", 58, 80), ("d3", 0, 10)]
    assert m.recall_at_k(retrieved, gold, 3) == pytest.approx(1 / 3)


def test_recall_without_gold_is_an_error():
    with pytest.raises(ValueError):
        m.recall_at_k([("d1", 0, 1)], [], 5)


def test_mrr():
    retrieved = [("d2", 0, 50), ("d3", 0, 50), ("d1", 190, 300)]
    assert m.mrr_at_k(retrieved, GOLD, 10) == pytest.approx(1 / 3)
    assert m.mrr_at_k(retrieved, GOLD, 2) == 0.0
    assert m.first_hit_rank(retrieved, GOLD) == 3


def test_ndcg_single_gold_at_rank_2():
    retrieved = [("d2", 0, 50), ("d1", 100, 120)]
    assert m.ndcg_at_k(retrieved, GOLD, 10) == pytest.approx(1 / math.log2(3))


def test_ndcg_two_gold_spans_credits_each_once():
    gold = [("d1", 0, 10), ("d1", 50, 60)]
    # ranks 1 and 3 cover new gold spans; rank 2 repeats the first one and earns nothing
    retrieved = [("d1", 0, 5), ("d1", 5, 10), ("d1", 50, 55)]
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert m.ndcg_at_k(retrieved, gold, 10) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k([("d1", 0, 5), ("d1", 50, 55)], gold, 10) == pytest.approx(1.0)


def test_ndcg_ideal_is_capped_by_k():
    gold = [("d1", 0, 10), ("d1", 50, 60)]
    assert m.ndcg_at_k([("d1", 0, 10)], gold, 1) == pytest.approx(1.0)


# ---------------------------------------------------------------- answer text


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Gần 53 triệu đồng/người/năm.", "gần 53 triệu đồng người năm"),
        ("0,58%", "0.58"),
        ("0.58 %", "0.58"),
        ("The 1,000 cases", "1.000 cases"),
        ("Gia đình văn hóa", "gia đình văn hoá"),  # old and new tone placement are one syllable
        ("Ủy ban", "uỷ ban"),
        ("COVID-19", "covid 19"),
        ("2020–2025", "2020 2025"),
        ("“Tự lực, tự cường”", "tự lực tự cường"),
        ("Thu nha\u0302\u0323p", "thu nhập"),  # decomposed (NFD) input
    ],
)
def test_normalize_answer(text, normalized):
    assert m.normalize_answer(text) == normalized


def test_exact_match_after_normalisation():
    assert m.exact_match("0.58%", ["0,58%"]) == 1.0
    assert m.exact_match("Đàm Đức Hà.", ["đồng chí Đàm Đức Hà", "Đàm Đức Hà"]) == 1.0
    assert m.exact_match("Đàm Đức", ["Đàm Đức Hà"]) == 0.0
    assert m.exact_match("anything", []) == 0.0


def test_token_f1_on_syllables():
    # prediction: gần 53 triệu đồng (4), gold: 53 triệu đồng người năm (5); common 3
    precision, recall = 3 / 4, 3 / 5
    expected = 2 * precision * recall / (precision + recall)
    assert m.token_f1("gần 53 triệu đồng", ["53 triệu đồng/người/năm"]) == pytest.approx(expected)
    assert m.token_f1("gần 53 triệu đồng", ["xyz", "gần 53 triệu đồng"]) == 1.0
    assert m.token_f1("khác hẳn", ["53"]) == 0.0
    assert m.token_f1("", [""]) == 1.0
    assert m.token_f1("x", []) == 0.0


def test_contains_fact_uses_whole_syllables():
    assert m.contains_fact("xử phạt 61 trường hợp", "61")
    assert not m.contains_fact("xử phạt 610 trường hợp", "61")
    assert m.contains_fact("Tỷ lệ hộ nghèo còn 0.58%.", "0,58%")
    assert not m.contains_fact("triển khai", "hai")
    assert m.contains_fact("all three areas", ["3/3", "all three"])


def test_key_fact_recall():
    facts = ["Đàm Đức Hà", "Nguyễn Công Giang", "Lê Văn Nam"]
    answer = "Các lãnh đạo: Đàm Đức Hà và Lê Văn Nam [1]."
    assert m.key_fact_recall(answer, facts) == pytest.approx(2 / 3)
    assert m.key_fact_recall(answer, []) == 1.0


# ---------------------------------------------------------------- citations and refusals


def test_citation_scores():
    gold = [("d1", 100, 200), ("d1", 500, 600)]
    cited = [("d1", 150, 160), ("d1", 300, 320), ("d2", 100, 200)]
    scores = m.citation_scores(cited, gold)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 2)


def test_citation_scores_undefined_parts_are_none():
    assert m.citation_scores([], [("d1", 0, 1)]) == m.PrecisionRecall(None, 0.0)
    assert m.citation_scores([("d1", 0, 1)], []) == m.PrecisionRecall(0.0, None)


def test_refusal_scores():
    should = [True, True, False, False, True]
    refused = [True, False, True, False, True]
    scores = m.refusal_scores(should, refused)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert m.refusal_scores([False], [False]) == m.PrecisionRecall(None, None)
    with pytest.raises(ValueError):
        m.refusal_scores([True], [])


# ---------------------------------------------------------------- aggregation


def test_percentile_matches_linear_interpolation():
    values = [10.0, 20.0, 30.0, 40.0]
    assert m.percentile(values, 50) == pytest.approx(25.0)
    assert m.percentile(values, 95) == pytest.approx(38.5)  # 30 + 0.85 * 10
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None
    with pytest.raises(ValueError):
        m.percentile(values, 101)


def test_mean_skips_missing():
    assert m.mean([1.0, None, 3.0]) == 2.0
    assert m.mean([None]) is None


def test_tokens_per_second_weights_by_time():
    # 100 tokens at 10 tok/s (10 s) + 10 tokens at 20 tok/s (0.5 s) -> 110 / 10.5
    assert m.tokens_per_second([100, 10], [10.0, 20.0]) == pytest.approx(110 / 10.5)
    assert m.tokens_per_second([0], [0.0]) is None


def test_best_refusal_threshold_separates_scores():
    answerable = [0.85, 0.88, 0.90]
    unanswerable = [0.78, 0.80, 0.86]
    # 0.825 (halfway between 0.80 and 0.85) refuses 2/3 unanswerable and keeps 3/3 answerable:
    # balanced accuracy 5/6, the best here
    assert m.best_refusal_threshold(answerable, unanswerable) == pytest.approx(0.825)
    assert m.best_refusal_threshold([0.9], []) is None


def test_strip_citation_markers():
    assert m.normalize_answer(m.strip_citation_markers("Còn 0,58% [1]. Theo [2, 3]")) == "còn 0.58 theo"
    assert m.exact_match(m.strip_citation_markers("61 [1]"), ["61"]) == 1.0


def test_holds_answer_on_whole_normalised_syllables():
    passage = "Ca sĩ LADY GAGA đã biểu diễn quốc ca; năm 1610 thành phố có 53 triệu đồng/người."
    assert m.holds_answer(passage, ["Lady Gaga"])
    assert m.holds_answer(passage, ["không có", "53 triệu đồng"])
    assert m.holds_answer(unicodedata.normalize("NFD", passage), ["biểu diễn"])  # decomposed text too
    assert not m.holds_answer(passage, ["61"])  # "1610" is no "61"
    assert not m.holds_answer(passage, ["", "Marlee Matlin"])  # an empty gold proves nothing
