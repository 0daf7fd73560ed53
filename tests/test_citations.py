"""The citation grammar (raw → clean) and support checks against the seed report."""

from __future__ import annotations

import unicodedata

import pytest

try:
    from tests.pipeline_fakes import DOC_ID, FakeIndex, seed_passages, seed_text
except ImportError:  # pragma: no cover
    from pipeline_fakes import DOC_ID, FakeIndex, seed_passages, seed_text

from rag.citations import (
    SUPPORTED,
    UNSUPPORTED,
    canonical_number,
    clean_answer,
    dropped_qualifier,
    dropped_stretch,
    marker_runaway_start,
    parse_markers,
    parse_numbers,
    required_name_words,
    resolve,
    resolve_citations,
    segment_answer,
    span_features,
    split_sentences,
    strip_markers,
    without_unfinished_marker,
)
from rag.types import Passage

VALID = (1, 2, 3)


@pytest.mark.parametrize(
    ("raw", "clean", "hallucinated"),
    [
        ("A [1].", "A [1].", []),
        ("A[1].", "A [1].", []),
        ("A.[1] B.", "A [1]. B.", []),
        ("A. [1] B [2].", "A [1]. B [2].", []),
        ("A [1, 2].", "A [1][2].", []),
        ("A [1,2,3].", "A [1][2][3].", []),
        ("A [1][2].", "A [1][2].", []),
        ("A [1], [2].", "A [1][2].", []),
        ("A [1-3].", "A [1][2][3].", []),
        ("A [1–2].", "A [1][2].", []),
        ("A ［2］.", "A [2].", []),
        ("A 【1】.", "A [1].", []),
        ("A [Đoạn 2].", "A [2].", []),
        ("A [passage 3].", "A [3].", []),
        ("A [7].", "A.", [7]),
        ("A [1][7].", "A [1].", [7]),
        ("A [0, 2].", "A [2].", [0]),
        ("A [1] [1].", "A [1].", []),
        ("A [1] và B [2].", "A [1] và B [2].", []),
        ("Tỷ lệ 0,58%.[1]", "Tỷ lệ 0,58% [1].", []),
        ("- a [1]\n- b [2]", "- a [1]\n- b [2]", []),
        ("No markers here.", "No markers here.", []),
        ("Năm 2021 [1], hai nội dung [2].", "Năm 2021 [1], hai nội dung [2].", []),
        # a marker before any text cites the sentence after it (seen with English answers)
        ("[1] Từ Sơn chọn hai khâu đột phá. [1]", "Từ Sơn chọn hai khâu đột phá [1].", []),
        ("[1] Câu một. Câu hai [2].", "Câu một [1]. Câu hai [2].", []),
        ("[2] A [1].", "A [2][1].", []),
        ("[1]", "[1]", []),
        # markers left after the last claim go back to it, once ("… Hà [1].[1]" before)
        ("Bí thư là Đàm Đức Hà [1]. [1] [1]", "Bí thư là Đàm Đức Hà [1].", []),
        ("A là một [1]. [2]", "A là một [1][2].", []),
        # between two claims they cite the one after them, as at the start
        ("A là một [1]. [2] B là hai [3].", "A là một [1]. B là hai [2][3].", []),
        # markers standing for the things a claim lists cite that claim ("[1]: và [3]." before)
        ("Luật công nhận hai loại trường: [1] và [3].", "Luật công nhận hai loại trường [1][3].", []),
        ("Được dùng ở [1] và [3]. B [2].", "Được dùng ở [1][3]. B [2].", []),
        ("Used in [1] or [2].", "Used in [1][2].", []),
        # a full stop after a claim that had one already is not doubled (live, seed report: "đơn vị [1]..")
        ("A [1]. B, đơn vị. [2].", "A [1]. B, đơn vị [2].", []),
        ("Thật sao? [1].", "Thật sao [1]?", []),
    ],
)
def test_clean_answer(raw, clean, hallucinated):
    assert clean_answer(raw, VALID) == (clean, hallucinated)


@pytest.mark.parametrize(
    "raw",
    [
        "Fielding H. Garrison tin rằng khoa học địa chất bắt nguồn từ Ba Tư. [1]",
        "Cầu John W. Weeks bắc qua sông Charles [1].",
        "TP. Từ Sơn có 7 phường [1].",
    ],
)
def test_an_initial_or_abbreviation_ends_no_claim(raw):
    # Each claim gets its own citation: "Fielding H [1]. Garrison …" was shown before.
    segments, _ = segment_answer(raw, VALID)
    assert len(segments) == 1


def test_parse_markers_positions_and_numbers():
    text = "A [1]. B [2, 3]. C [1-2]"
    groups = parse_markers(text)
    assert [g.numbers for g in groups] == [(1,), (2, 3), (1, 2)]
    assert [text[g.start : g.end] for g in groups] == ["[1]", "[2, 3]", "[1-2]"]


def test_parse_numbers_ignores_absurd_ranges():
    assert parse_numbers("1-3") == [1, 2, 3]
    assert parse_numbers("3-1") == [3, 1]
    assert parse_numbers("1-99") == [1, 99]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Năm [2021] có 61 trường hợp [3].", "Năm 2021 có 61 trường hợp [3]."),
        ("[0.58%]", "0.58%"),
        ("Tỷ lệ là [0,58%] [2].", "Tỷ lệ là 0,58% [2]."),
        ("[n] The rate is 0.58% [n].", "The rate is 0.58%."),
    ],
)
def test_brackets_around_text_are_unwrapped(raw, clean):
    assert clean_answer(raw, VALID) == (clean, [])


def test_strip_markers():
    assert strip_markers("Tỷ lệ 0,58% [2]. Và 61 [3][1].") == "Tỷ lệ 0,58%. Và 61."


@pytest.mark.parametrize(
    ("a", "b"),
    [("0,58", "0.58"), ("1.000", "1,000"), ("01", "1"), ("61", "61")],
)
def test_numbers_compare_across_conventions(a, b):
    assert canonical_number(a) == canonical_number(b)


def test_different_numbers_differ():
    assert canonical_number("0,58") != canonical_number("58")
    assert canonical_number("60") != canonical_number("61")


def test_split_sentences_keeps_decimal_numbers_whole():
    text = "Tỷ lệ hộ nghèo giảm còn 0,58%. Thu nhập đạt 53 triệu đồng. Có 9.23% hộ."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Tỷ lệ hộ nghèo giảm còn 0,58%.",
        "Thu nhập đạt 53 triệu đồng.",
        "Có 9.23% hộ.",
    ]


# ---------------------------------------------------------------- support against the seed report

POVERTY_Q = "Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?"
FINES_Q = "Thành phố Từ Sơn xử phạt bao nhiêu trường hợp vi phạm đất đai?"
BREAKTHROUGH_Q = "Từ Sơn chọn nội dung đột phá gì năm 2021?"
SECRETARY_Q = "Ai là Bí thư Đảng ủy phường Hương Mạc?"


@pytest.fixture(scope="module")
def passages():
    return seed_passages()


@pytest.mark.parametrize(
    ("question", "answer", "verified", "final_n"),
    [
        (POVERTY_Q, "Tỷ lệ hộ nghèo của phường Phù Chẩn là 0,58% [2].", True, 2),
        (POVERTY_Q, "Tỷ lệ hộ nghèo giảm còn 0.58% [2].", True, 2),  # English decimal point
        (POVERTY_Q, "Tỷ lệ hộ nghèo của phường Phù Chẩn là 1,2% [2].", False, 2),  # wrong figure
        (POVERTY_Q, "Tỷ lệ hộ nghèo của phường Phù Chẩn là 0,58% [1].", True, 2),  # moved to [2]
        (FINES_Q, "Thành phố Từ Sơn xử phạt 61 trường hợp vi phạm quản lý đất đai [3].", True, 3),
        (FINES_Q, "Từ Sơn xử phạt 16 trường hợp vi phạm đất đai [3].", False, 3),
        (BREAKTHROUGH_Q, "Hai nội dung đột phá là quản lý đất đai và trật tự xây dựng [3].", True, 3),
        (BREAKTHROUGH_Q, "Từ Sơn chọn đột phá về phát triển du lịch và công nghiệp [3].", False, 3),
        (SECRETARY_Q, "Đồng chí Đàm Đức Hà là Bí thư Đảng ủy phường Hương Mạc [1].", True, 1),
        # The name is in passage [2], but [2] is about Phù Chẩn, not Hương Mạc: not moved there.
        (SECRETARY_Q, "Đồng chí Nguyễn Công Giang là Bí thư Đảng ủy phường Hương Mạc [1].", False, 1),
    ],
)
def test_support_verdicts(passages, question, answer, verified, final_n):
    result = resolve(answer, passages, question=question)
    assert result.verified is verified
    assert [c.n for c in result.citations] == [final_n]
    assert result.citations[0].verified is verified


def test_quote_is_the_document_span(passages):
    text = seed_text()
    index = FakeIndex({DOC_ID: text}, passages)
    result = resolve(
        "Tỷ lệ hộ nghèo giảm còn 0,58% [2]. Từ Sơn xử phạt 61 trường hợp vi phạm đất đai [3].",
        passages,
        question="Tỷ lệ hộ nghèo và số vụ xử phạt?",
        document_text=index.document_text,
        chunk_lookup=index.chunk,
    )
    assert [c.n for c in result.citations] == [2, 3]
    for citation in result.citations:
        assert citation.quote == text[citation.start : citation.end]
        assert citation.verified and citation.support >= SUPPORTED
    assert result.citations[0].chunk_id == "c2" and result.citations[1].chunk_id == "c3"
    assert "0,58%" in result.citations[0].quote and "61" in result.citations[1].quote


def test_unmarked_claim_gets_system_citation_only_when_strong(passages):
    result = resolve("Từ Sơn xử phạt 61 trường hợp vi phạm công tác quản lý, sử dụng đất đai.", passages)
    assert result.text.endswith("[3].")
    assert result.claims[0].system_attached
    weak = resolve("Từ Sơn phát triển mạnh mẽ.", passages)
    assert weak.citations == [] and not weak.verified


def test_invented_claim_has_low_best_support(passages):
    result = resolve(
        "Phường Phù Chẩn có ba trường đại học quốc tế và một sân bay [2].",
        passages,
        question="Phường Phù Chẩn có những cơ sở giáo dục nào?",
    )
    assert result.best_support < UNSUPPORTED
    assert not result.verified


def test_a_name_the_passage_never_writes_leaves_a_claim_unsupported():
    # XQuAD-vi (V&A): every word of the claim but the name is in the sentence.
    text = (
        "Năm 1913, V&A nhận được bộ sưu tập Talbot Hughes có 1.442 trang phục làm quà tặng từ Harrods "
        "sau khi trưng bày tại cửa hàng bách hóa này."
    )
    shown = [Passage(1, "d", "V&A", text, 0, len(text), ("c",), 1.0)]
    question = "Bộ sưu tập Talbot Hughes là quà tặng của ai?"
    named = resolve("Bộ sưu tập Talbot Hughes là quà tặng từ Harrods [1].", shown, question=question)
    assert named.verified and named.best_support >= SUPPORTED
    invented = resolve("Bộ sưu tập Talbot Hughes là quà tặng từ Liberty [1].", shown, question=question)
    assert not invented.verified and invented.best_support < UNSUPPORTED
    # The question's own names are checked as before; a name of the passage outside the span counts.
    elsewhere = [
        Passage(1, "d", "V&A", f"Harrods là cửa hàng bách hóa. {text}", 0, len(text) + 30, ("c",), 1.0)
    ]
    assert resolve(
        "Cửa hàng Harrods trưng bày bộ sưu tập Talbot Hughes [1].", elsewhere, question=question
    ).verified


def test_a_small_number_written_in_words_is_no_invented_figure():
    # XQuAD: "cách Khu Phố Cổ mười phút đi bộ", answered in English with "10 minutes"
    text = "Sân nhà của Polonia nằm ở Đường Konwiktorka, cách Khu Phố Cổ mười phút đi bộ về phía bắc."
    shown = [Passage(1, "d", "Polonia", text, 0, len(text), ("c",), 1.0)]
    question = "Where is Polonia's home venue located?"
    near = resolve("It is 10 minutes from the Old Town [1].", shown, question=question, answer_language="en")
    assert near.invented_numbers == []
    far = resolve("It is 12 minutes from the Old Town [1].", shown, question=question, answer_language="en")
    assert far.invented_numbers == ["12"]


def test_answer_without_claims_is_not_verified(passages):
    result = resolve("Có [1].", passages)
    assert not result.verified


def test_a_one_word_answer_naming_what_a_passage_names_is_checked():
    # XQuAD-vi: "Brazil [1]." for "Quốc gia nào bao phủ phần lớn rừng amazon?" went unchecked, so
    # "no passage supports the answer" refused it.
    text = "Khu vực này thuộc chín quốc gia. Phần lớn rừng nằm trong Brazil, với 60% rừng nhiệt đới."
    shown = [Passage(1, "d", "Amazon", text, 0, len(text), ("c",), 1.0)]
    right = resolve("Brazil [1].", shown, question="Quốc gia nào bao phủ phần lớn rừng amazon?")
    assert right.verified and right.best_support >= 0.55 and "Brazil" in right.citations[0].quote
    wrong = resolve("Peru [1].", shown, question="Quốc gia nào bao phủ phần lớn rừng amazon?")
    assert not wrong.verified and wrong.best_support == 0.0  # no passage names Peru: not checked
    assert not resolve("Khác [1].", shown).verified


def test_resolve_citations_returns_text_and_citations(passages):
    text, citations = resolve_citations("Tỷ lệ hộ nghèo giảm còn 0,58% [2][9].", passages)
    assert text == "Tỷ lệ hộ nghèo giảm còn 0,58% [2]."
    assert [c.n for c in citations] == [2]


@pytest.mark.parametrize(
    ("answer", "verified"),
    [
        ("Từ Sơn fined 61 cases of land management violations [3].", True),
        ("The poverty rate in Phu Chan ward fell to 0.58% [2].", True),
        ("Đàm Đức Hà is the Party secretary of Hương Mạc ward [1].", True),
        ("Từ Sơn fined 16 cases of land management violations [3].", False),  # wrong figure
        # Nothing beyond what the question gave can be checked across languages: not verified.
        ("In 2021 Từ Sơn chose tourism and industry as breakthroughs [3].", False),
        # … nor when its own anchor ("Party") is in no span (live, seed report)
        ("The Party of Từ Sơn chose tourism and industry in 2021 [3].", False),
        # a phrase quoted word for word is checked by its own words, diacritics included
        ('Its topic is "Phát huy ý chí tự lực, tự cường và phát triển đất nước phồn vinh" [1].', True),
        ('Its topic is "Phát huy ý chí tự lực, tự cường và phát triển đất nước giàu mạnh" [1].', False),
        ('Its topic is "Phat huy y chi tu luc, tu cuong" [1].', False),
        # a Vietnamese name the span does not write is made up, marks or not, joined or not
        ("Dam Duc Ha is the Party secretary of Huong Mac ward [1].", True),
    ],
)
def test_cross_lingual_claims_are_checked_by_numbers_and_names(passages, answer, verified):
    question = "What did Từ Sơn do in 2021?"
    result = resolve(answer, passages, question=question, answer_language="en")
    assert result.cross_lingual
    assert result.verified is verified


def test_an_answer_is_across_languages_only_when_a_passage_it_cites_is():
    # XQuAD-vi-holdout seed 0: its English team names make this passage read as English; shown
    # beside the Vietnamese passage the answer cites, it made the answer count as a translation
    # (an unchecked "Khác." shown before a quote).
    teams = (
        "Các đội thể thao chuyên nghiệp ở Nam California bao gồm các đội từ NFL (Los Angeles Rams, San "
        "Diego Chargers); NBA (Los Angeles Lakers, Los Angeles Clippers); MLB (Los Angeles Dodgers, Los "
        "Angeles Angels of Anaheim, San Diego Padres); NHL (Los Angeles Kings, Anaheim Ducks); và MLS "
        "(LA Galaxy)."
    )
    kenya = "Kenya hoạt động trong một số môn thể thao, trong đó có cricket, bóng đá và boxing."
    passages = [
        Passage(1, "k", "Kenya", kenya, 0, len(kenya), ("c1",), 1.0),
        Passage(2, "t", "Nam California", teams, 0, len(teams), ("c2",), 0.5),
    ]
    result = resolve("Kenya hoạt động trong môn cricket [1].", passages, answer_language="vi")
    assert result.verified and not result.cross_lingual
    # The English-looking passage cited: its anchors ("MLB") check the answer, as across languages.
    result = resolve("Đội Los Angeles Dodgers chơi ở giải MLB [2].", passages, answer_language="vi")
    assert result.cross_lingual


def test_a_list_ordinal_on_its_own_line_is_no_claim(passages):
    # live, seed report: each "1." was a figure verified by the "01" of "Kết luận số 01-KL/TW"
    answer = "1.\nThe Party of Từ Sơn chose tourism in 2021.\n2.\nIt fined 61 cases [3]."
    result = resolve(answer, passages, question="What did Từ Sơn do in 2021?", answer_language="en")
    assert [check.is_claim for check in result.claims] == [False, True, False, True]
    assert not result.verified
    assert resolve("61 [3].", passages, question="How many cases?", answer_language="en").verified


def test_cross_lingual_quote_is_the_sentence_with_the_figure(passages):
    result = resolve("Từ Sơn fined 61 cases [3].", passages, question="How many cases?", answer_language="en")
    assert "61 trường hợp" in result.citations[0].quote and result.citations[0].verified


def test_cross_lingual_quote_is_the_one_sentence_holding_the_anchors():
    from rag.types import Passage

    text = (
        "Đồng chí Lê Văn Nam cho biết: “Điểm nổi bật ở Từ Sơn là giải quyết kịp thời các vấn đề bức xúc. "
        "Từ năm 2021 đến nay, Ban Thường vụ Thành ủy lựa chọn hai nội dung đột phá là quản lý đất đai.”"
    )
    passage = Passage(1, "d", "T", text, 0, len(text), ("c",), 1.0)
    result = resolve(
        "Since 2021 the Standing Committee chose land management [1].",
        [passage],
        question="What breakthroughs did Từ Sơn choose?",
        answer_language="en",
    )
    assert result.citations[0].quote.startswith("Từ năm 2021")  # not the sentence before it too


def test_span_citations_find_each_copied_phrase_and_quote_its_sentence():
    from rag.citations import span_citations
    from rag.types import Passage

    text = "Trong hiệp 4, C.J. Anderson ghi điểm từ vạch 2 yard. Bennie Fowler nhận bóng (2 điểm)."
    passage = Passage(3, "d", "T", text, 100, 100 + len(text), ("c",), 1.0)
    (one,) = span_citations("Anderson [3]", [passage])
    assert one.n == 3 and one.verified and one.support == 1.0
    assert one.quote == "Trong hiệp 4, C.J. Anderson ghi điểm từ vạch 2 yard." and one.start == 100
    # punctuation at word edges may be dropped; two parts give two citations
    two = span_citations("hiệp 4 C.J. Anderson [3]; Fowler nhận bóng (2 điểm [3]", [passage])
    assert [c.quote.split()[0] for c in two] == ["Trong", "Bennie"]
    for not_a_copy in ("Anders [3]", "Anderson", "Anderson [2]", "Fowler Anderson [3]", "Anderson [3] thêm"):
        assert span_citations(not_a_copy, [passage]) is None, not_a_copy


@pytest.mark.parametrize(
    ("text", "passage_count", "cut"),
    [
        ("Đã giải quyết [1] [2] [3] [4] [5]", 3, len("Đã giải quyết [1] [2] [3] ")),
        ("Đã giải quyết [1][2][3]", 3, None),  # as many markers as passages: a real citation
        ("Đã giải quyết [1]. Còn lại [2] [3]", 2, None),  # two runs, each within bounds
        ("Đã giải quyết [1] [2]", 0, len("Đã giải quyết [1] ")),
    ],
)
def test_marker_runaway_start(text, passage_count, cut):
    assert marker_runaway_start(text, passage_count) == cut


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("giải quyết [1] [3", "giải quyết [1]"),
        ("giải quyết [1] [", "giải quyết [1]"),
        ("giải quyết [1].", "giải quyết [1]."),
        ("Xem [Phụ lục 2] [1]", "Xem [Phụ lục 2] [1]"),
    ],
)
def test_without_unfinished_marker(text, kept):
    assert without_unfinished_marker(text) == kept


@pytest.mark.parametrize(
    ("question", "required"),
    [
        # A foreign name of several words needs its last word only: passages say "Luther".
        ("Vào thời của Martin Luther, nhu cầu là gì?", ["Luther"]),
        # Vietnamese names need every syllable; a lone foreign name stays whole.
        ("Tỷ lệ hộ nghèo của phường Hương Mạc là bao nhiêu?", ["Hương", "Mạc"]),
        ("Tổng thống Columbia nào đã học tại Harvard?", ["Columbia", "Harvard"]),
        ("Tư tưởng của Hồ Chí Minh là gì?", ["Hồ", "Chí", "Minh"]),
        ("Ai là vợ của Peyton Manning, người chơi cho Broncos?", ["Manning", "Broncos"]),
    ],
)
def test_required_name_words(question, required):
    assert required_name_words(question) == required


def test_a_passage_naming_a_person_by_surname_supports_a_claim_about_him():
    # XQuAD-vi: the passage says "Luther", the question "Martin Luther".
    text = (
        "Được xuất bản vào thời điểm nhu cầu ngày càng tăng đối với các ấn phẩm tiếng Đức, phiên bản "
        "của Luther nhanh chóng trở thành một bản dịch Kinh thánh phổ biến và có ảnh hưởng."
    )
    passage = Passage(1, "d", "Martin Luther", text, 0, len(text), ("c",), 1.0)
    claim = "Nhu cầu là nhu cầu ngày càng tăng đối với các ấn phẩm tiếng Đức [1]."
    result = resolve(
        claim, [passage], question="Vào thời của Martin Luther, nhu cầu là gì?", answer_language="vi"
    )
    assert result.verified and result.citations[0].verified
    # The surname itself must still be there.
    other = resolve(
        claim, [passage], question="Vào thời của Martin Lutherus, nhu cầu là gì?", answer_language="vi"
    )
    assert not other.verified


ENCROACHMENT = (
    "Đến nay, tình trạng lấn chiếm đất đai, sử dụng đất không đúng mục đích cơ bản được giải quyết; "
    "rác thải sinh hoạt được thu gom, vận chuyển đến các điểm xử lý theo đúng quy trình."
)


@pytest.mark.parametrize(
    ("claim", "quote", "left_out"),
    [
        ("Tình trạng lấn chiếm đất đai đã được giải quyết.", ENCROACHMENT, "cơ bản"),
        # NFD input, as a pasted answer may be: compared after NFC.
        (
            unicodedata.normalize("NFD", "Tình trạng lấn chiếm đất đai được giải quyết."),
            ENCROACHMENT,
            "cơ bản",
        ),
        ("Tình trạng lấn chiếm đất đai cơ bản được giải quyết.", ENCROACHMENT, None),
        # "không đúng mục đích": the claim says nothing of what "không" qualifies.
        ("Rác thải sinh hoạt được thu gom theo đúng quy trình.", ENCROACHMENT, None),
        ("Hộ dân sử dụng đất đúng mục đích.", "Hộ dân sử dụng đất không đúng mục đích.", "không"),
        ("Xã đã xây trường học.", "Xã chưa xây trường học.", "chưa"),
        # A qualifier before the claim's words, or a word of its own, is not left out.
        ("Trường học được xây.", "Không có tiền, trường học được xây.", None),
        ("Trạm đo không khí sạch.", "Trạm đo chất lượng không khí sạch.", None),
        ("Ngành hàng không phát triển nhanh.", "Ngành hàng không phát triển rất nhanh.", None),
        ("The road was finished.", "The road was nearly finished.", "nearly"),
        ("The plan cut costs and raised income.", "The plan not only cut costs and raised income.", None),
        # "không phù hợp": the claim's "hợp" is the "hợp" of "hợp tác", not what "không" qualifies.
        (
            "Giáo hội chống đối chiến tranh và từ chối hợp tác với quân đội.",
            "Giáo hội chống đối sự bắt buộc vì không phù hợp với lời dạy, và từ chối hợp tác với quân đội.",
            None,
        ),
    ],
)
def test_a_qualifier_the_claim_leaves_out_is_found(claim, quote, left_out):
    found = dropped_qualifier(claim, quote)
    assert (found.phrase if found else None) == left_out
    if found is not None:
        assert quote[found.start : found.end] == found.phrase


@pytest.mark.parametrize(
    ("claim", "left_out"),
    [
        (
            "Rác thải sinh hoạt ở phường Hương Mạc hiện được xử lý theo đúng quy trình.",
            "thu gom, vận chuyển đến các điểm",
        ),
        # Stopping before the sentence's end, or wording the middle differently, skips nothing.
        ("Rác thải sinh hoạt được thu gom, vận chuyển.", None),
        ("Rác thải sinh hoạt được gom lại rồi chở tới nơi xử lý theo đúng quy trình.", None),
        # Too little kept before what was left out.
        ("Rác được xử lý theo đúng quy trình.", None),
    ],
)
def test_a_stretch_the_claim_skips_is_found(claim, left_out):
    quote = (
        "Trong phường, rác thải sinh hoạt được thu gom, vận chuyển đến các điểm xử lý theo đúng quy trình."
    )
    found = dropped_stretch(claim, quote)
    assert (found.phrase if found else None) == left_out
    if found is not None:
        assert quote[found.start : found.end] == found.phrase


def test_an_item_of_a_list_is_not_a_skipped_stretch():
    # The claim answers for encroachment only; the sentence lists the misuse of land beside it.
    claim = "Tình trạng lấn chiếm đất đai cơ bản được giải quyết."
    assert dropped_stretch(claim, ENCROACHMENT) is None


def test_a_skipped_stretch_is_looked_for_sentence_by_sentence():
    # The claim's words after the skipped stretch are in the next sentence: nothing skipped.
    quote = "Rác thải sinh hoạt được thu gom hằng ngày. Vận chuyển đến các điểm xử lý theo đúng quy trình."
    assert dropped_stretch("Rác thải sinh hoạt được xử lý theo đúng quy trình.", quote) is None


ENCROACHMENT_Q = "Đến nay, tình trạng lấn chiếm đất đai ở phường Hương Mạc ra sao?"


def _whole_report() -> Passage:
    text = seed_text()
    return Passage(1, DOC_ID, "Báo cáo", text, 0, len(text), ("c1",), 1.0)


def test_a_claim_joining_two_sentences_cites_both():
    # The model grafted "cơ bản được giải quyết" (from "Đến nay, tình trạng lấn chiếm …") onto
    # the secretary's sentence: that sentence alone verifies the claim, but is not where the
    # status asked about comes from.
    result = resolve(
        "Để giải quyết những vấn đề nổi cộm, bức xúc trong nhân dân về ô nhiễm môi trường, lấn chiếm "
        "đất đai, sử dụng đất sai mục đích cơ bản được giải quyết [1].",
        [_whole_report()],
        question=ENCROACHMENT_Q,
    )
    assert result.verified and result.text.endswith("[1].")
    quotes = [c.quote for c in result.citations]
    assert len(quotes) == 2 and all(c.verified for c in result.citations)
    assert "Để giải quyết những vấn đề nổi cộm" in quotes[0]
    assert (
        quotes[1].startswith("Đến nay, tình trạng lấn chiếm đất đai")
        and "cơ bản được giải quyết" in quotes[1]
    )


def test_a_figure_is_not_joined_from_a_far_sentence():
    # Over Wikipedia's monetary policy, live: "… chia làm ba loại: chính sách mở rộng và chính sách
    # thu hẹp" (two kinds) had its "ba loại" verified by "Ngoài ba loại hạn chế nói trên, …" of [2].
    kinds = "Chính sách tiền tệ có thể chia làm: chính sách mở rộng và chính sách thu hẹp."
    limits = "Ngoài ba loại hạn chế nói trên, chính phủ có thể can thiệp vào việc phát hành tiền."
    passages = [
        Passage(1, "m", "Chính sách tiền tệ", kinds, 0, len(kinds), ("c1",), 1.0),
        Passage(2, "m2", "Chính sách tiền tệ", limits, 0, len(limits), ("c2",), 0.5),
    ]
    answer = "Chính sách tiền tệ có thể chia làm ba loại: chính sách mở rộng và chính sách thu hẹp [1][2]."
    result = resolve(answer, passages, question="Chính sách tiền tệ có thể chia làm mấy loại?")
    assert [c.quote for c in result.citations if c.verified] == [kinds]


@pytest.mark.parametrize(
    "answer",
    [
        # all in one sentence
        "Đến nay, tình trạng lấn chiếm đất đai, sử dụng đất không đúng mục đích cơ bản được giải quyết [1].",
        # the words the sentence lacks are the question's own or stopwords ("ở phường Hương Mạc", "đến nay")
        "Đến nay, ở phường Hương Mạc tình trạng lấn chiếm đất đai cơ bản được giải quyết [1].",
    ],
)
def test_a_claim_from_one_sentence_cites_one(answer):
    result = resolve(answer, [_whole_report()], question=ENCROACHMENT_Q)
    assert result.verified
    assert len(result.citations) == 1 and result.citations[0].quote.startswith(
        "Đến nay, tình trạng lấn chiếm"
    )


SPAN_ON_TU_SON = (
    "Từ năm 2021 đến nay, Ban Thường vụ Thành ủy lựa chọn hai nội dung đột phá. "
    "Đồng chí Đàm Đức Hà cho biết. Tỉnh Bắc Ninh."
)


@pytest.mark.parametrize(
    ("claim", "unseen"),
    [
        ("From 2021 the Communist Party of Hanoi chose two breakthroughs.", ["hanoi"]),
        ("The Party Committee of Ha Noi chose two.", ["ha noi"]),
        ("The Party Committee of Hà Nội chose two.", ["ha noi"]),
        ("The committee of Bac Giang province chose two.", ["bac giang"]),
        ("Comrade Dam Duc Hai said so.", ["dam duc hai"]),
        # written in the span, or asked about, with or without marks
        ("The Party Committee of Bac Ninh chose two.", []),
        ("Comrade Dam Duc Ha said so.", []),
        ("The Standing Committee of Tu Son chose two.", []),
        # English words and one-syllable names are no Vietnamese names to look up
        ("The Standing Committee of the Communist Party chose two.", []),
        ("Tom and Mao met in 2021.", []),
        # "Hà" and "nội dung" are both in the span, but not in a row
        ("Officials of Hanoi chose two.", ["hanoi"]),
        ("Hanoi chose two.", []),  # a sentence's first word is no name to check
    ],
)
def test_vietnamese_names_of_a_claim_in_english_must_stand_in_the_span(claim, unseen):
    from rag.citations import span_features, vietnamese_names_unseen

    question = "What breakthroughs did Từ Sơn choose in 2021?"
    assert vietnamese_names_unseen(claim, question, span_features(SPAN_ON_TU_SON)) == unseen


def test_a_claims_unsupported_markers_are_dropped_beside_a_supporting_one_but_not_across_languages():
    # Live over Wikipedia's Vị Thanh: "… khi tỉnh Hậu Giang được tái lập. [1] [2] [3] [4]" kept three
    # markers of passages (Cát Bà's UNESCO title among them) that say nothing of it.
    built = "Năm 1998, Internet2 xây dựng mạng Abilene để kết nối các trường."
    other = "Trường đại học ở Hoa Kỳ hợp tác với nhau."
    shown = [
        Passage(1, "d", "Internet2", built, 0, len(built), ("c1",), 1.0),
        Passage(2, "e", "Hoa Kỳ", other, 0, len(other), ("c2",), 1.0),
    ]
    same = resolve(
        "Năm 1998, Internet2 xây dựng mạng Abilene [1][2].", shown, question="Abilene ra đời năm nào?"
    )
    assert same.text == "Năm 1998, Internet2 xây dựng mạng Abilene [1]."
    assert [(c.n, c.verified) for c in same.citations] == [(1, True)]
    # An English claim is checked by its figures and names alone: the other marker stays, flagged.
    across = resolve("Abilene was built in 1998 [1][2].", shown, question="When?", answer_language="en")
    assert [(c.n, c.verified) for c in across.citations] == [(1, True), (2, False)]


def test_a_sentence_giving_another_figure_is_no_complement_of_a_claim():
    # Live over Wikipedia's Rạch Giá and Đắk Nông: "Khoảng 245 km về hướng Tây Nam [1][3]", [3] being
    # Đắk Nông's "… cách thành phố Hồ Chí Minh khoảng 250 km", which shares "Minh khoảng".
    city = "Rạch Giá cách Thành phố Hồ Chí Minh 245 km về hướng Tây Nam, cách Cần Thơ 116 km về hướng Tây."
    province = "Trung tâm tỉnh Đắk Nông nằm cách thành phố Hồ Chí Minh khoảng 250 km về phía nam."
    shown = [
        Passage(1, "d", "Rạch Giá", city, 0, len(city), ("c1",), 1.0),
        Passage(3, "e", "Đắk Nông", province, 0, len(province), ("c3",), 1.0),
    ]
    claim = "Rạch Giá cách Thành phố Hồ Chí Minh khoảng 245 km về hướng Tây Nam [1]."
    resolved = resolve(claim, shown, question="Rạch Giá cách Thành phố Hồ Chí Minh bao xa?")
    assert [citation.n for citation in resolved.citations] == [1]


def test_a_small_number_written_in_words_supports_its_figure():
    # Live over Wikipedia's Cổ Loa: "Thành Trung có 4 cửa [1]." against "… có bốn cửa …" was no support
    # and gave way to the unverified quote.
    text = "Thành trung là một vòng thành không có khuôn hình cân xứng, có bốn cửa ở các hướng."
    passage = Passage(1, "d", "Cổ Loa", text, 0, len(text), ("c1",), 1.0)
    result = resolve("Thành Trung có 4 cửa [1].", [passage], question="Thành trung có mấy cửa?")
    assert result.citations and result.citations[0].verified
    # "một" is "a" far more often than "one"
    assert "#1" not in span_features("một vòng thành") and "#4" in span_features("có bốn cửa")


def test_a_year_asked_when_takes_the_day_written_without_ngay():
    from rag.citations import complete_span_answer

    # Live over Wikipedia's Hoàng Trung Hải: "Tháng 2 năm 2016 [1]" left out the day.
    text = "5 tháng 2 năm 2016, được Bộ Chính trị phân công giữ chức Bí thư Thành ủy Hà Nội."
    passage = Passage(1, "d", "Hoàng Trung Hải", text, 0, len(text), ("c1",), 1.0)
    completed = complete_span_answer("2016 [1]", [passage], cap_words=4, full_dates=True)
    assert completed == "5 tháng 2 năm 2016 [1]"


def test_a_time_named_by_an_event_keeps_the_word_bounding_it():
    from rag.citations import complete_span_answer

    # XQuAD-vi (seed 1): "Thế chiến I [1]" for "… ở giai đoạn viết đỉnh cao nhất của họ khi nào?", of
    # "… đang ở giai đoạn phát triển nhất trước Thế chiến I".
    text = "Mặc dù những nhà văn này đang ở giai đoạn phát triển nhất trước Thế chiến I, họ vẫn hoạt động."
    passage = Passage(1, "d", "x", text, 0, len(text), ("c1",), 1.0)
    assert complete_span_answer("Thế chiến I [1]", [passage], cap_words=4, full_dates=True) == (
        "trước Thế chiến I [1]"
    )
    assert complete_span_answer("Thế chiến I [1]", [passage], cap_words=4) == "Thế chiến I [1]"
