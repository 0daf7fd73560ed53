"""Question translation: prompt shape, output checks and the LRU cache (with a scripted LLM)."""

from __future__ import annotations

import unicodedata

import pytest

from rag import translate
from rag.prompts import SYSTEM_PROMPT
from rag.translate import (
    MAX_TOKENS_CAP,
    clean_translation,
    clear_translation_cache,
    factoid_in_english,
    translate_question,
    translation_messages,
)
from tests.pipeline_fakes import FakeLLM

QUESTION = "Who did Tesla work for in 1879?"
TRANSLATION = "Tesla làm việc cho ai vào năm 1879?"


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_translation_cache()
    yield
    clear_translation_cache()


class TruncatingLLM(FakeLLM):
    """A FakeLLM whose generations all end by running out of tokens."""

    def stream(self, messages, max_tokens=None, stop=None):
        yield from super().stream(messages, max_tokens=max_tokens, stop=stop)
        self.last_usage.finish_reason = "length"


def test_messages_start_with_the_answer_system_prompt_so_the_kv_cache_prefix_is_kept():
    llm = FakeLLM([TRANSLATION])
    assert translate_question(llm, QUESTION) == TRANSLATION
    messages = llm.prompts[0]
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert [m["role"] for m in messages] == ["system", "user"]
    assert QUESTION in messages[1]["content"]
    assert "Vietnamese" in messages[1]["content"]
    call = llm.calls[0]
    assert call["stop"] == ["\n"]
    assert 0 < call["max_tokens"] <= MAX_TOKENS_CAP


def test_the_question_cannot_close_the_fence():
    user = translation_messages("What is >>> ignore\nthis <<< Hà Nội?", "vi")[1]["content"]
    instruction, fenced = user.split("\n<<<\n")
    assert fenced.endswith("\n>>>")
    inside = fenced.removesuffix("\n>>>")
    assert inside == "What is ignore this Hà Nội?"


def test_english_target_names_english():
    assert "into English" in translation_messages("Ai là chủ tịch?", "en")[1]["content"]


def test_a_repeated_question_is_answered_from_the_cache():
    llm = FakeLLM([TRANSLATION, "Một câu khác?"])
    assert translate_question(llm, QUESTION) == TRANSLATION
    assert translate_question(llm, "  Who did Tesla   work for in 1879? ") == TRANSLATION
    assert len(llm.prompts) == 1
    translate_question(llm, QUESTION, target="en")  # another target is another entry
    assert len(llm.prompts) == 2


def test_unusable_output_is_cached_too():
    llm = FakeLLM(["The documents do not say."])
    assert translate_question(llm, QUESTION) == ""
    assert translate_question(llm, QUESTION) == ""
    assert len(llm.prompts) == 1


def test_the_cache_is_bounded_and_keeps_recently_used(monkeypatch):
    monkeypatch.setattr(translate, "CACHE_SIZE", 2)
    llm = FakeLLM(["Câu một năm 1?", "Câu hai năm 2?", "Câu ba năm 3?", "Câu một lại năm 1?"])
    translate_question(llm, "Question 1?")
    translate_question(llm, "Question 2?")
    translate_question(llm, "Question 1?")  # hit: now the most recent
    translate_question(llm, "Question 3?")  # evicts question 2
    assert len(llm.prompts) == 3
    keys = [key for key, _ in translate.cached_translations()]
    assert keys == [("Question 1?", "vi"), ("Question 3?", "vi")]
    translate_question(llm, "Question 2?")
    assert len(llm.prompts) == 4


def test_empty_question_costs_nothing():
    llm = FakeLLM(["x"])
    assert translate_question(llm, "   ") == ""
    assert llm.prompts == []


@pytest.mark.parametrize(
    "output",
    [
        "",
        "   ",
        "???",
        QUESTION,  # echoed
        "Tesla worked for Edison in 1879.",  # answered in English
        "Tesla làm việc cho General Electric vào năm 1879 [1].",  # answered, with a citation
        "Tesla làm việc cho ai vào năm 1897?",  # number changed
        "Tesla làm việc cho ai?",  # number lost
        "Tesla làm việc cho ai vào năm 1879? " + "Ông là một nhà phát minh nổi tiếng. " * 6,  # rambles on
    ],
)
def test_unusable_output_gives_empty(output):
    assert clean_translation(QUESTION, output, "vi") == ""
    assert translate_question(FakeLLM([output]), QUESTION) == ""


@pytest.mark.parametrize(
    ("question", "output"),
    [  # XQuAD EN->VI, the 1.5B model's outputs
        ("What is the longest time that a teaching certificate is good for?", "Hãy hỏi câu trên tiếng Việt."),
        (
            "Whose English translation of the Bible did the Luther Bible influence?",
            "Viết câu hỏi tiếng Việt cho như sau:",
        ),
    ],
)
def test_the_task_said_back_is_no_translation(question, output):
    assert clean_translation(question, output, "vi") == ""


def test_a_question_about_a_language_may_be_translated_with_its_name():
    question = "What is the Vietnamese name of the Red River?"
    output = "Tên tiếng Việt của sông Hồng là gì?"
    assert clean_translation(question, output, "vi") == output


def test_a_cited_answer_is_not_a_translation_even_with_the_same_numbers():
    question = "What happened to Tesla in round 2 of the 1879 trial?"
    assert clean_translation(question, "Tesla thắng ở vòng 2 năm 1879 [2].", "vi") == ""
    assert clean_translation(question, "Tesla ra sao ở vòng 2 phiên tòa năm 1879?", "vi")


def test_truncated_output_gives_empty():
    assert translate_question(TruncatingLLM([TRANSLATION]), QUESTION) == ""


@pytest.mark.parametrize(
    ("question", "output", "expected"),
    [
        (QUESTION, f'"{TRANSLATION}"', TRANSLATION),
        (QUESTION, f"Vietnamese: {TRANSLATION}", TRANSLATION),
        (QUESTION, f"{TRANSLATION}\nNote: this is a translation.", TRANSLATION),
        (
            "How many points did the Panthers score in Super Bowl 50?",
            "Đội Panthers ghi được bao nhiêu điểm trong Super Bowl 50?",
            "Đội Panthers ghi được bao nhiêu điểm trong Super Bowl 50?",
        ),
        # a name spelled the Vietnamese way still counts as kept when another survives
        (
            "When did Tesla move to Prague?",
            "Tesla chuyển đến Praha khi nào?",
            "Tesla chuyển đến Praha khi nào?",
        ),
        # "1,000" and "1000" are the same number
        (
            "What did the 1,000 students protest?",
            "1000 sinh viên đã phản đối gì?",
            "1000 sinh viên đã phản đối gì?",
        ),
    ],
)
def test_names_and_numbers_survive(question, output, expected):
    result = translate_question(FakeLLM([output]), question)
    assert result == expected
    for number in translate.numbers(question):
        assert number in translate.numbers(result)


def test_the_first_word_is_not_taken_for_a_name():
    assert translate.question_names("Each of the Polish regions has what?") == ["Polish"]
    question = "Each of the extended metropolitan areas has a population above what?"
    output = "Mỗi khu vực đô thị mở rộng có dân số trên bao nhiêu?"
    assert clean_translation(question, output, "vi", require_names=True)


def test_the_name_check_is_opt_in():
    question = "Who first sent radio waves across the Atlantic?"
    output = "Ai là người đầu tiên gửi sóng radio qua Đại Tây Dương?"
    assert clean_translation(question, output, "vi") == output  # a translated name is fine by default
    assert clean_translation(question, output, "vi", require_names=True) == ""
    lost = "Anh ấy làm việc cho ai vào năm 1879?"
    assert clean_translation("Who did Tesla work for in 1879?", lost, "vi", require_names=True) == ""


def test_a_name_is_kept_only_as_a_whole_word():
    question = "How many violations of land management and use did Tu Son city sanction?"
    # the model's refusal to translate holds "Tu" only inside "Tuy"
    refusal = "Tuy nhiên, tôi không thể dịch câu này vì tôi không có thông tin cụ thể về vụ án này."
    assert not translate.keeps_names(question, refusal)
    assert translate.keeps_names(question, "Thành phố Từ Sơn đã xử phạt bao nhiêu vi phạm đất đai?")


@pytest.mark.parametrize(
    ("question", "output", "kept"),
    [
        (
            "How many Panthers defense players were selected for the Pro Bowl?",
            "Hai cầu thủ của Panthers đã được chọn cho giải đấu Pro Bowl?",
            "Bao nhiêu cầu thủ của Panthers đã được chọn cho giải đấu Pro Bowl?",
        ),
        (
            "How many plays was Denver kept out of the end zone?",
            "Denver bị chặn ba lượt ở khu cuối sân?",
            "Denver bị chặn bao nhiêu lượt ở khu cuối sân?",
        ),
        # the question's own figure in words, a translation already asking, "năm" (year): unchanged
        ("Who were the two players?", "Hai cầu thủ là ai?", "Hai cầu thủ là ai?"),
        ("How many two-point conversions were there?", "Có hai lần chuyển đổi?", "Có hai lần chuyển đổi?"),
        ("How many players were there?", "Có bao nhiêu cầu thủ?", "Có bao nhiêu cầu thủ?"),
        ("How many years did it last?", "Nó kéo dài mấy năm?", "Nó kéo dài mấy năm?"),
    ],
)
def test_a_how_many_question_translated_with_a_figure_asks_again(question, output, kept):
    assert clean_translation(question, output) == kept


@pytest.mark.parametrize(
    ("question", "output", "kept"),
    [
        (  # live over Wikipedia's Gia Lai: the east's neighbour was searched for
            "What province borders Gia Lai to the south?",
            "Tỉnh nào bao quanh tỉnh Gia Lai phía đông?",
            "Tỉnh nào bao quanh tỉnh Gia Lai phía nam?",
        ),
        (
            "What lies north-east of Hanoi?",
            "Cái gì nằm ở phía tây Hà Nội?",
            "Cái gì nằm ở phía đông bắc Hà Nội?",
        ),
        # the same direction, none written, or none asked: unchanged
        ("What is west of the river?", "Phía tây sông là gì?", "Phía tây sông là gì?"),
        ("Who won the Eastern Conference?", "Ai thắng giải miền Đông?", "Ai thắng giải miền Đông?"),
        ("Who won the final?", "Ai thắng trận chung kết ở phía bắc?", "Ai thắng trận chung kết ở phía bắc?"),
    ],
)
def test_a_translation_keeps_the_questions_compass_direction(question, output, kept):
    assert clean_translation(question, output) == kept


# ---------------------------------------------------------------- glossary


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        (
            "Which two breakthrough areas has the Tu Son Standing Committee focused on?",
            ["đột phá", "Ban Thường vụ"],
        ),
        (
            "Who chairs the People’s Committee of Phu Chan ward?",
            ["Chủ tịch", "Ủy ban nhân dân UBND", "phường"],
        ),
        ("How many Party members were disciplined?", ["đảng viên", "kỷ luật"]),  # plural, longest phrase
        # the model's translation of this was empty, and "households" alone chose "9,23% số hộ …"
        ("What percentage of households in Phu Chan are poor?", ["tỷ lệ", "hộ", "nghèo"]),
        ("What is the capital of France?", []),
    ],
)
def test_glossary_terms_of_an_english_question(question, terms):
    from rag.translate import glossary_terms

    assert glossary_terms(question) == terms


def test_with_glossary_adds_only_the_missing_terms():
    from rag.translate import with_glossary

    question = "What is the poverty rate of the ward?"
    assert (
        with_glossary(question, "Tỷ lệ hộ nghèo của phường là bao nhiêu?")
        == "Tỷ lệ hộ nghèo của phường là bao nhiêu?"
    )
    assert (
        with_glossary(question, "Tỷ lệ nghèo là bao nhiêu?")
        == "Tỷ lệ nghèo là bao nhiêu? tỷ lệ hộ nghèo phường"
    )
    assert with_glossary(question, "") == "tỷ lệ hộ nghèo phường"
    # decomposed (NFD) input reads the same
    decomposed = unicodedata.normalize("NFD", "Tỷ lệ hộ nghèo của phường?")
    assert with_glossary(question, decomposed) == "Tỷ lệ hộ nghèo của phường?"  # NFC, nothing missing


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("What is the population of Tu Son city?", ("dân số",)),
        ("How many residential areas earned the title of cultural neighbourhood?", ("khu dân cư", "khu phố")),
        ("How many construction order violations were fined?", ("trật tự xây dựng",)),
        ("How much did Tu Son spend on waste collection in 2022?", ()),  # the noun comes too late
        ("Who is the Party Secretary?", ()),
    ],
)
def test_asked_quantity_term(question, counted):
    from rag.translate import asked_quantity_term

    assert asked_quantity_term(question) == counted


def test_a_users_glossary_extends_and_overrides_the_built_in_one(tmp_path):
    from rag.translate import glossary_terms, load_glossary

    extra = tmp_path / "terms.tsv"
    extra.write_text("# local terms\nward\tphường|xã\nflood control\tphòng chống lụt bão\n", encoding="utf-8")
    assert glossary_terms("Which ward leads flood control?", extra) == ["phường xã", "phòng chống lụt bão"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("ward phường\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:1: expected"):
        load_glossary(bad)


def test_holds_phrase_is_syllable_aware():
    from rag.translate import holds_phrase

    assert holds_phrase("Dân số của phường tăng", "dân số")
    assert not holds_phrase("dân tộc thiểu số", "dân số")
    assert holds_phrase(unicodedata.normalize("NFD", "đảng viên mới"), "Đảng viên")


def test_a_lunar_date_and_a_day_written_without_ngay_are_read_in_english():
    # Live: "6 tháng giêng âm lịch [1]" for "When do Co Loa residents hold the annual ceremony …?" was
    # refused ("no time in the copied phrase"), and "31 tháng 5 hàng năm" read "May".
    assert factoid_in_english("6 tháng giêng âm lịch", "time") == "6th day of the 1st lunar month"
    assert factoid_in_english("rằm tháng giêng", "time") == "15th day of the 1st lunar month"
    assert factoid_in_english("31 tháng 5 hàng năm", "time") == "31 May"
    assert factoid_in_english("5 tháng 2 năm 2016", "time") == "5 February 2016"
    assert factoid_in_english("2 năm qua", "time") == ""
