"""Short answers: a one-sentence answer that restates the question is cut to what it adds.

The 1.5B model answers "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?" with "Đội
Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000 [1]." The question is right above
the answer in the chat and the [n] opens the passage, so the answer shown is "Đội Polonia Warsaw
[1]": the words the sentence adds to the question, with the noun the question asked about ("Đội
nào" → "Đội …") and its markers. This runs after the sentence was checked against its passage,
so the shorter answer is a part of a verified claim.

Only a single sentence whose words around what it adds repeat most of the question's words
(``MIN_ECHO_SHARE``) is cut, and only when what it adds is one stretch of words holding at most
one of the question's ("… phụ thuộc vào mức độ bất bình đẳng hiện có" for "Độ co giãn … phụ
thuộc vào điều gì?"): "Guru trong Ấn Độ giáo được gọi là guru" (the question's words between
the new ones) stays whole, as does any answer that holds a negation the question does not, and
answers to "how"/"why" questions, whose sentence is the answer. A question asking its subject
("Cầu thủ nào đã ghi điểm từ vạch 2 yard?") takes what the sentence says before the question's verb
("Anderson đã ghi điểm touchdown từ lượt chơi ở vạch 2 yard" → "Anderson"). An answer that opens with
the question's words up to its question word is cut to what fills that word's place ("Fort Caroline
được đổi tên thành San Mateo" → "San Mateo"). A clause after the answer goes, opened after a comma
("Đường Konwiktorka, cách Old Town …") or without one by "để", "sau khi", "trước khi" or "và được …"
("tự động hóa để hỗ trợ họ …" → "Tự động hóa"), unless the question asks what was done or when.

A sentence quoted because the model's answer could not be checked is read the same way when the
question asks for a year, a decade, a date, a counted figure or a name and the sentence holds one
of that kind (:func:`asked_phrase`): "Năm 2008" for "… vào năm nào?"; failing that, for the words
standing where the question has its asking word (:func:`slot_filler`): "Sau mỗi 5 năm" for "… diễn ra
bao lâu một lần?".
"""

from __future__ import annotations

import re
import unicodedata

from rag import citations as cite
from rag.normalize import fold_diacritics, is_vietnamese_word
from rag.prompts import (
    DECADE_WORDS,
    DECADE_YEAR,
    EDGE_PUNCT,
    TIME_QUALIFIERS_EN,
    asked_kind,
    asks_named_body,
    asks_year,
    named_body_asked,
)

# Share of the question's content words the sentence must repeat to count as restating it.
MIN_ECHO_SHARE = 0.6
# A stretch may hold this many of the question's words ("… vào mức độ bất bình đẳng …"), and the
# question's words after it restate it only when they are at least this many.
MAX_INSIDE_REPEATS = 1
MIN_RESTATED_TAIL = 2
# Words of the question's noun ("Thư ký LHQ nào") kept in front of the answer ("Thư ký LHQ Ban Ki-moon").
MAX_HEAD_WORDS = 3
# A question asks for its subject when its question word stands among its first words ("Cầu thủ
# nào đã ghi điểm …?"); the answer is then what the sentence says before the question's verb, in
# at most this many words.
MAX_SUBJECT_QUESTION_AT = 6
MAX_SUBJECT_WORDS = 10
# Words either side of a candidate phrase searched for the question's words around its asking
# phrase, and how many more of them the phrase taken must have than any other (:func:`asked_phrase`).
CONTEXT_WORDS = 8
MIN_CONTEXT_LEAD = 2
# Question words before its question word that an answer must open with, in order, to be cut after them.
MIN_FRAME_WORDS = 3
# Share of the question's content words that a sentence naming its answer before "là" says back.
MIN_NAMED_BACK_SHARE = 0.8

_WORD = re.compile(r"\d+(?:[.,/]\d+)*%?|[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_QUESTION_WORDS = frozenset(
    "nào gì ai đâu bao nhiêu mấy what which who whom whose where when how many much".split()
)
# Linking and function words: never the first word of a short answer ("là", "do", "vào" …).
_LINKING_WORDS = frozenset(
    """là đã được bởi do vì vào ở tại có của các những một rằng thì bị nằm trong với cho bằng gồm
    khoảng đó này chính đều cũng vẫn sẽ đang rất lại is was are were by in on at of the a an to as
    called named also still""".split()
)
# Never the last word of a short answer: "hơn 9,23% số hộ …" is "hơn 9,23%", "… một ví dụ về" ends
# at "ví dụ".
_TRAILING_WORDS = frozenset(
    "số các những của và hoặc hay với cho là về để từ trong tại ở vào bởi do theo cùng the of and or a an "
    "to in on at by for from about".split()
)
# Words a place's name follows ("tỉnh Lào Cai"), and words a name follows as what a thing is called.
_PLACE_KIND_WORDS = frozenset("tỉnh huyện xã phường quận trấn phố".split())  # "thành phố", "thị trấn"
_NAMING_WORDS = frozenset("gọi called named".split())
# "Tên của … là gì?" asks a name: an answer naming it need not say "tên".
_NAME_WORDS = frozenset("tên name".split())
# Kept in front of the answer's first word: they belong to its noun ("các địa điểm khác …").
_DETERMINERS = frozenset("các những một mọi nhiều mỗi the a an".split())
_HOW_MANY = frozenset("nhiêu mấy".split())
_SUBJECT_QUESTION_WORDS = frozenset("ai nào who".split())
# "gì" asks for a subject only after these ("Cái gì chảy giữa Bingen và Bonn?"), not after a verb.
_THING_WORDS = frozenset("cái điều chuyện việc".split())
# Words before a figure that make it approximate or a bound: kept with it ("hơn 9,23%").
_FIGURE_QUALIFIERS = frozenset(
    "khoảng hơn gần trên dưới tới chỉ about nearly over almost around only".split()
)
# Numbers written in words that can open a figure ("hai vùng đô thị"); "một" ("một số") and "năm"
# (a year) only before a magnitude ("năm triệu người"), and a magnitude never ("Tỷ lệ").
_NUMBER_WORDS = frozenset(
    "hai ba bốn sáu bảy tám chín mười two three four five six seven eight nine ten eleven twelve".split()
)
_NUMBER_WORDS_BEFORE_MAGNITUDE = frozenset("một năm one".split())
# Always part of a figure, even when the question names them ("bao nhiêu triệu đồng" → "53 triệu").
_MAGNITUDES = frozenset("trăm nghìn ngàn triệu tỷ vạn chục hundred thousand million billion %".split())
_COPULAS = frozenset("là is was are were".split())
_NEGATIONS = frozenset("không chưa chẳng chả chớ not no never none nothing".split())
# The sentence is itself the answer to these.
_EXPLAINING = re.compile(
    r"thế nào|ra sao|tại sao|vì sao|lý do|vì lẽ gì"
    r"|\bwhy\b|\bhow\b(?!\s+(?:many|much|long|old|far|often))",
    re.IGNORECASE,
)
_ASKING_WHY = re.compile(r"tại sao|vì sao|vì lẽ gì|\bwhy\b", re.IGNORECASE)
# Words opening a reason: the answer to "Tại sao …?" that restates the question starts there.
_REASON_OPENERS = frozenset("vì bởi do nhờ because".split())
# At least this share of the words before the reason must be the question's.
MIN_REASON_ECHO_SHARE = 0.7
# Up to four words and a colon opening a short answer: "tốt các nội dung: …".
_ANNOUNCING = re.compile(r"^(?:[^\W\d_]+\s+){0,3}[^\W\d_]+\s*:\s*")
MIN_ANNOUNCED_WORDS = 3
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»|\([^)]*\)")
# After a comma, words opening a clause about the answer before it, not another item of a list. Not
# "được" or "là": "bất kỳ đối tượng nào, về cơ bản là duy nhất, được phân tách thành …" goes on
# describing it (XQuAD-vi seed 0).
_CLAUSE_OPENERS = "cách mà nơi theo vì do khi sau trước để đã nhưng which who where when".split()
_TRAILING_CLAUSE = re.compile(rf",\s+(?:{'|'.join(_CLAUSE_OPENERS)})\b", re.IGNORECASE)
# A clause opened without a comma by these words says more of the answer before it, unless the
# question asks what was done ("để kết nối …" is what "DECnet đã làm gì?") or when ("sau khi …").
_ASKS_DEED = re.compile(r"\b(?:làm gì|mục đích|nhằm)\b", re.IGNORECASE)
_BARE_CLAUSE = re.compile(r"\s+(?:để|sau khi|trước khi|và (?:được|phải|đã|sẽ))\s", re.IGNORECASE)


def opening_capital(text: str) -> str:
    """``text`` opening with a capital, as a chat message does: "năm 2008" → "Năm 2008".

    A first word with capitals inside keeps its spelling: "ctDNA", "iPhone", "mRNA".
    """
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if any(char.isupper() for char in first[1:]):
        return text
    return f"{text[:1].upper()}{text[1:]}"


# A sentence's words: (start, end, lowercased NFC word).
Words = list[tuple[int, int, str]]


def _folded(word: str) -> str:
    return unicodedata.normalize("NFC", word.lower())


# An English question word capitalised inside a text is a name's ("Doctor Who"): folded apart.
_NAME_MARK = "\u00b7"


def _folded_words(text: str) -> Words:
    """The words of ``text``: (start, end, folded word); a capitalised "Who" inside it marked a name's."""
    folded = []
    for i, match in enumerate(_WORD.finditer(text)):
        word = _folded(match.group())
        if i and match.group()[:1].isupper() and word in _QUESTION_WORDS:
            word += _NAME_MARK
        folded.append((match.start(), match.end(), word))
    return folded


def _question_nouns(question_words: list[str]) -> list[list[str]]:
    """The words before each "nào" of the question, in order: "Đảng nào" asks for a party.

    Not before "gì", where a verb stands as often ("có thể mua gì?").
    """
    return [question_words[:i] for i, word in enumerate(question_words) if word == "nào"]


def _with_question_noun(words: Words, first: int, heads: list[list[str]]) -> int:
    """Start the answer earlier to take in the question's noun ("Đảng nào" → "Đảng Xanh").

    The words before ``first`` are matched backwards against the words before "nào", at most
    ``MAX_HEAD_WORDS``. When all of those match and the sentence goes on with the question's
    next word too, the noun may be longer than that ("có sự phân chia quyền lực giữa …" for
    "… phân chia quyền lực nào?" would give "chia quyền lực giữa …"): nothing is taken then.
    """
    for before in heads:
        taken = 0
        while (
            taken < min(MAX_HEAD_WORDS, len(before), first)
            and words[first - 1 - taken][2] == before[-1 - taken]
            and before[-1 - taken] not in _LINKING_WORDS | _QUESTION_WORDS
        ):
            taken += 1
        if not taken:
            continue
        continues = (
            taken == MAX_HEAD_WORDS
            and first - taken > 0
            and len(before) > taken
            and words[first - 1 - taken][2] == before[-1 - taken]
        )
        return first if continues else first - taken
    return first


def asks_explanation(question: str) -> bool:
    """Whether ``question`` asks how or why ("như thế nào", "tại sao", "why"; not "how many")."""
    return bool(_EXPLAINING.search(unicodedata.normalize("NFC", question)))


# What opens a list the question's words were said before: "… những kết quả như sau: - …".
_LIST_INTRO = re.compile(
    r"^(?:như sau|sau đây|sau|as follows|follows|the following|following)\s*:\s*(?:[-–•]\s+)?", re.I
)


def short_answer(answer: str, question: str) -> str:
    """``answer`` cut to the words it adds to ``question``, with its [n] markers; else unchanged.

    >>> short_answer("Đội Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000 [1].",
    ...              "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?")
    'Đội Polonia Warsaw [1]'
    """
    answer, question = unicodedata.normalize("NFC", answer), unicodedata.normalize("NFC", question)
    asks_why = bool(_ASKING_WHY.search(question))
    if asks_explanation(question) and not asks_why or "\n" in answer.strip():
        return answer
    cited = _one_cited_sentence(answer)
    if cited is None:
        return answer
    sentence, markers = cited
    question_words = [word for _, _, word in _folded_words(question)]
    if not _QUESTION_WORDS.intersection(question_words) and not asks_why:
        return answer  # "Còn trật tự xây dựng?": what it asks is in the previous question
    asked = set(question_words) - _QUESTION_WORDS
    words = _folded_words(sentence)
    if not words or not asked - _LINKING_WORDS:
        return answer
    if fold_diacritics(question) == question.lower():
        # A question typed without tone marks (English) repeats every spelling of its words: the
        # "Chàm" of "Phan Rang - Tháp Chàm" for "How far is Phan Rang - Thap Cham …?".
        repeated = [fold_diacritics(word) in asked for _, _, word in words]
    else:
        repeated = [word in asked for _, _, word in words]
    found = (
        _reason(sentence, words, repeated)
        if asks_why
        else _after_copula(words, repeated, question_words)
        or _before_copula(words, repeated, question_words)
        or _added_stretch(words, repeated, asked, question_words)
        or _figure(sentence, words, repeated, question_words)
        or _subject(words, repeated, question_words)
        or _after_frame(words, question_words)
        or (
            _opening_clause(sentence, words, question_words)
            if _ASKS_WHEN_OR_HOW_LONG.search(question)
            else None
        )
    )
    if found is None:
        return answer
    first, last = found
    first = _past_asking_phrase(words, first, last, question_words)
    question_pairs = frozenset(zip(question_words, question_words[1:], strict=False))
    last = _with_kept_unit(words, last)
    last = _name_end(sentence, words, repeated, last, question_pairs)
    first = _name_start(sentence, words, first, question_pairs)
    negated = [i for i, (_, _, word) in enumerate(words) if word in _NEGATIONS - set(question_words)]
    if asks_why:
        negated = [i for i in negated if i < first]  # a reason may say "không"; it is all kept
    if negated and negated != [first] or negated and first == last:
        return answer  # "X không giành …" is no "X"; "… là không chắc chắn" is "không chắc chắn"
    if first == last and words[first][2] in _PERSON_WORDS:
        return answer  # "Người giữ chức … là Hoàng Trường Minh": "Người" is no one
    if (
        last > first
        and words[last][2] in _PLACE_KIND_WORDS
        and last + 1 < len(words)
        and all(repeated[last + 1 :])
    ):
        last -= 1  # "… Sa Pa cùng của tỉnh | Lào Cai": the question's place, kind word and all
    while (
        last > first
        and words[last][2] in _TRAILING_WORDS
        and not asks_why
        and not _in_name(sentence, words, last)  # the "An" of "Nghệ An" is no English article
    ):  # "không còn tồn tại"
        last -= 1
    if words[last][2] in _NAMING_WORDS and last + 1 < len(words):
        last = len(words) - 1  # "… gọi là cổ phần": what it is called is the answer's end, asked or not
    if first < last and words[first][2] == "thể" and first > 0 and words[first - 1][2] == "có":
        first += 1  # "có thể phá vỡ" is "can break": the answer is "phá vỡ"
    if first < last and words[first][2] == "rằng":
        first += 1  # "đề xuất rằng nguyên nhân là …" proposed that: what was proposed follows
    before = words[first - 1][2] if first > 0 else ""
    if before == "bằng" and first > 1 and words[first - 2][2] == "có":
        first -= 1  # "có bằng cử nhân" has a degree: "bằng" is the noun here, not "by"
        before = words[first - 1][2]
    if before == "chính" and first == last and not repeated[first - 1]:
        first -= 1  # "vai trò chính trị" is a political role: "chính" opens the word, it is no "itself"
        before = words[first - 1][2] if first > 0 else ""
    if before in _DETERMINERS or before in _FIGURE_QUALIFIERS and _opens_figure(words, first):
        first -= 1  # "các địa điểm khác …", "khoảng 40.000"
    if first == 0 and last == len(words) - 1:
        return answer
    start, end = words[first][0], words[last][1]
    for quoted in _QUOTED.finditer(sentence):  # a quotation the answer starts or ends in is kept whole
        if quoted.start() < end and quoted.end() > start:
            start, end = min(start, quoted.start()), max(end, quoted.end())
    while (
        sentence.count("(", start, end) > sentence.count(")", start, end) and sentence[end : end + 1] == ")"
    ):
        end += 1  # "DTIME(f(n))": the quotation pattern above does not nest
    end = _before_trailing_clause(sentence, start, end)
    bare = _BARE_CLAUSE.search(sentence, start, end)
    if (
        bare
        and cite.content_tokens(sentence[start : bare.start()]) - cite.content_tokens(question)
        and not _ASKS_DEED.search(question)
        and asked_kind(question) != "time"
    ):
        end = bare.start()  # "tự động hóa để hỗ trợ họ …" → "tự động hóa"; not "thời điểm sau khi …"
    short = _LIST_INTRO.sub("", sentence[start:end])  # "như sau: - Thu nhập …" → "Thu nhập …"
    # "Tốt các nội dung: Học tập và làm theo Bác, …" (the question's "làm" cut from "làm tốt"):
    # a few words announcing what follows a colon are not the answer.
    announced = _ANNOUNCING.match(short)
    if announced and len(short[announced.end() :].split()) >= MIN_ANNOUNCED_WORDS:
        short = short[announced.end() :]
    if asks_named_body(question):
        # "Dương Văn Minh làm Đại sứ tại nước nào?": "Thái Lan cho đến năm 1968 mới được … hồi
        # hương" is "Thái Lan"; a list of names ("Hàng Nón, Hàng Trống") or an aside goes on.
        named = _NAME_THEN_CLAUSE.match(short)
        if named and any(word[:1].isupper() for word in named.group("name").split()):
            short = named.group("name")
    return f"{opening_capital(short)} {markers}"  # it opens a chat message: "Hai [1]"


# A name (capitalised words) and then a clause about it: "Thái Lan cho đến năm 1968 …".
_NAME_THEN_CLAUSE = re.compile(
    r"(?P<name>[^\W\d_][^\W_]*(?:[ -]+[^\W\d_][^\W_]*)*?)"
    r"(?<=[^\W\d_])(?=\s+(?:cho|đến|tới|từ|khi|vào|năm|sau|trước|trong|để|mới|nhưng|thì)\b)",
)


def _in_name(sentence: str, words: Words, i: int) -> bool:
    """Whether word ``i`` is capitalised right after a capitalised word: inside a name ("Nghệ An")."""
    return (
        i > 0
        and sentence[words[i][0]].isupper()
        and sentence[words[i - 1][0]].isupper()
        and not sentence[words[i - 1][1] : words[i][0]].strip()
    )


def _name_end(
    sentence: str, words: Words, repeated: list[bool], last: int, question_pairs: frozenset[tuple[str, str]]
) -> int:
    """``last``, moved past the words of a name it stops inside: "Thủ Dầu | Một" ("một" links elsewhere).

    A word of the question goes on the name unless the question says it after the same word: "tỉnh
    Bình | Thuận" (the question's "Ninh Thuận") is "Bình Thuận".
    """
    while (
        last + 1 < len(words)
        and _in_name(sentence, words, last + 1)
        and (not repeated[last + 1] or (words[last][2], words[last + 1][2]) not in question_pairs)
    ):
        last += 1
    return last


def _name_start(sentence: str, words: Words, first: int, question_pairs: frozenset[tuple[str, str]]) -> int:
    """``first``, moved back to the start of a name it starts inside: "Cát | Hải" (the question's "Cát Bà").

    Not past two words the question says together: they are its own name.
    """
    while _in_name(sentence, words, first) and (words[first - 1][2], words[first][2]) not in question_pairs:
        first -= 1
    return first


def _past_asking_phrase(words: Words, first: int, last: int, question_words: list[str]) -> int:
    """``first``, moved past the question's own asking phrase if the answer repeats it there.

    "Thủ Dầu Một cách Thành phố Hồ Chí Minh bao xa khoảng 30 km [1]" for "… bao xa?" adds "khoảng
    30 km", not "Bao xa khoảng 30 km": the asking words count as none of the question's.
    """
    said = [word for _, _, word in words]
    for at, word in enumerate(question_words):
        if word not in _QUESTION_WORDS:
            continue
        for size in range(min(3, len(question_words) - at), 0, -1):
            if first + size <= last and said[first : first + size] == question_words[at : at + size]:
                return first + size
    return first


def filled_slot(answer: str, question: str) -> str:
    """A one-sentence cited ``answer`` cut to what fills the question's asking word; else unchanged.

    For the answers :func:`short_answer` leaves whole: "Đường cao tốc đầu tiên đã mở rừng nhiệt đới
    thành công và dẫn đến di dân định cư và nạn phá rừng gia tăng [1]." for "Việc mở đường cao tốc
    trong rừng nhiệt đới Amazon dẫn đến điều gì?" is "Di dân định cư và nạn phá rừng gia tăng [1]"
    (:func:`slot_filler` with ``answered``). Not for "how" and "why" questions, nor for "how many":
    :func:`short_answer` decides whether a figure keeps its unit.
    """
    answer, question = unicodedata.normalize("NFC", answer), unicodedata.normalize("NFC", question)
    if asks_explanation(question) or "\n" in answer.strip():
        return answer
    if _HOW_MANY.intersection(word for _, _, word in _folded_words(question)):
        return answer
    cited = _one_cited_sentence(answer)
    if cited is None:
        return answer
    filler = slot_filler(cited[0], question, answered=True)
    if filler and re.fullmatch(r"[\d.,%\s]+", filler):
        return answer  # "14" of "có 14 phường: Chánh Mỹ, …" names none of "những phường nào"
    return f"{filler} {cited[1]}" if filler else answer


def without_bare_clause(answer: str, question: str) -> str:
    """A short cited phrase cut before the clause it runs on into; else ``answer`` unchanged.

    For a copied phrase that says no more of the question than its answer, which
    :func:`short_answer` leaves whole: "Nafzger và được giao cho Lowry Digital để phục hồi [1]"
    for "Ai đã tổng hợp dữ liệu gốc …?" is "Nafzger [1]" (``_BARE_CLAUSE``), and "Bác sĩ Nestorian
    Jesus the Interpreter đã thành [1]" for "Ai thành lập Văn phòng Tây Y?" ends before its "đã"
    and the question's verb. Phrases of at most ``MAX_PHRASE_WORDS`` words; not for how, why, what
    was done or when, whose answers are clauses.
    """
    answer, question = unicodedata.normalize("NFC", answer), unicodedata.normalize("NFC", question)
    if asks_explanation(question) or _ASKS_DEED.search(question) or asked_kind(question) == "time":
        return answer
    cited = _one_cited_sentence(answer)
    if cited is None or len(cited[0].split()) > MAX_PHRASE_WORDS:
        return answer
    phrase, markers = cited
    end = len(phrase)
    bare = _BARE_CLAUSE.search(phrase)
    if bare is not None:
        end = bare.start()
    tail = _TRAILING_VERB.search(phrase, 0, end)
    if tail is not None and fold_diacritics(tail.group("verb")).lower() in {
        fold_diacritics(word).lower() for word in re.findall(r"[^\W_]+", question)
    }:
        end = tail.start()
    kept = phrase[:end].rstrip(" ,;:")
    if end == len(phrase) or not cite.content_tokens(kept) - cite.content_tokens(question):
        return answer
    return f"{opening_capital(kept)} {markers}"


# A copied phrase of at most this many words is an answer, not a sentence (:func:`without_bare_clause`).
MAX_PHRASE_WORDS = 12
# A phrase ending in a tense word and one more, the question's verb cut short: "… đã thành".
_TRAILING_VERB = re.compile(r"\s+(?:đã|đang|sẽ|vừa)\s+(?P<verb>[^\W\d_]+)$", re.IGNORECASE)


def _one_cited_sentence(answer: str) -> tuple[str, str] | None:
    """The one sentence of ``answer`` without its [n] markers, and the markers; None for more or none."""
    markers = "".join(dict.fromkeys(re.findall(r"\[\d+(?:\s*,\s*\d+)*\]", answer)))
    body = cite.strip_markers(answer).strip()
    sentences = [body[start:end] for start, end in cite.full_sentences(body)]
    if not markers or len(sentences) != 1:
        return None
    # Markers taken out of "phường [1] (phường Phù Chẩn [1])" leave a space before the bracket.
    return re.sub(r"\s+([)\]},;:])", r"\1", sentences[0]).rstrip(" .;:,"), markers


def _before_trailing_clause(sentence: str, start: int, end: int) -> int:
    """Where ``sentence[start:end]`` ends before a comma opening a clause about it; else ``end``.

    "Đường Konwiktorka, cách Old Town mười phút đi bộ về phía bắc" → "Đường Konwiktorka": the
    answer is the noun, the clause after it says more of it. A comma before a noun may list
    ("cricket, đua xe ô tô, bóng đá"), so only the words in ``_CLAUSE_OPENERS`` cut.
    """
    quoted = [match.span() for match in _QUOTED.finditer(sentence)]
    for comma in _TRAILING_CLAUSE.finditer(sentence, start, end):
        if comma.start() > start and not any(left < comma.start() < right for left, right in quoted):
            return comma.start()
    return end


def _reason(sentence: str, words: Words, repeated: list[bool]) -> tuple[int, int] | None:
    """For a why question: the reason after the question said back.

    "Polonia đã rơi khỏi nhóm các đội hàng đầu quốc gia vào năm 2013 vì tình hình tài chính thảm
    khốc của họ" for "Tại sao Polonia rơi khỏi nhóm các đội hàng đầu quốc gia vào năm 2013?" →
    "vì tình hình tài chính thảm khốc của họ": the first reason word ("vì", "do", "because" …)
    after words that are mostly the question's (``MIN_REASON_ECHO_SHARE``), with two or more
    words after it, up to a comma after which the question comes back. A reason word the question
    says itself, followed by more of its words, is part of the echo.
    """
    for i, (_, _, word) in enumerate(words):
        if word not in _REASON_OPENERS:
            continue
        if repeated[i] and i + 1 < len(words) and repeated[i + 1]:
            continue  # the question's own "bị ảnh hưởng bởi dịch COVID-19": "bởi" is "by" there
        if not _mostly_repeated(words[:i], repeated[:i]) or len(words) - i <= 2:
            return None
        # "… vì quần áo hàng ngày … không còn tồn tại, bộ sưu tập chủ yếu có …": the question again
        for j in range(i + 2, len(words)):
            if sentence[words[j - 1][1] : words[j][0]].strip() == "," and _mostly_repeated(
                words[j:], repeated[j:]
            ):
                return i, j - 1
        return i, len(words) - 1
    return None


def _mostly_repeated(words: Words, repeated: list[bool]) -> bool:
    """Whether ``MIN_REASON_ECHO_SHARE`` of ``words`` (linking words aside, some left) repeat the question."""
    kept = [was for was, (_, _, word) in zip(repeated, words, strict=True) if word not in _LINKING_WORDS]
    return bool(kept) and sum(kept) >= MIN_REASON_ECHO_SHARE * len(kept)


def _after_copula(words: Words, repeated: list[bool], question_words: list[str]) -> tuple[int, int] | None:
    """After "<the question's words> là": "Người này là Shen Kuo (1031-1095)" → "Shen Kuo (1031-1095)".

    The last "là" with only the question's (or linking) words before it, and some of them: in
    "Hai hiệp ước … là Hiệp ước Rome … (bây giờ là TFEU …)" the answer starts after the first.
    """
    asks_after_copula = any(
        word in _COPULAS and following in _QUESTION_WORDS
        for word, following in zip(question_words, question_words[1:], strict=False)
    )
    copula_in_question = bool(_COPULAS.intersection(question_words))
    for copula in reversed([i for i, (_, _, word) in enumerate(words) if word in _COPULAS]):
        before = range(copula)
        if not any(repeated[i] and words[i][2] not in _LINKING_WORDS for i in before):
            continue
        if not all(repeated[i] or words[i][2] in _LINKING_WORDS for i in before):
            continue
        first = copula + 1
        while first < len(words) and words[first][2] in _LINKING_WORDS - _DETERMINERS:
            first += 1
        if first >= len(words):
            continue
        # The question's words after "là" are the answer's when it asks "là gì?" ("được gọi là chủ
        # nghĩa đế quốc văn hóa") or has no "là" ("Trận chiến … nào xảy ra năm 1754?" → "… là Trận
        # chiến Jumonville Glen"); after "… là động lực để X làm gì?" they are the question's.
        if repeated[first] and not asks_after_copula and copula_in_question:
            continue
        return first, len(words) - 1
    return None


def _before_copula(words: Words, repeated: list[bool], question_words: list[str]) -> tuple[int, int] | None:
    """Before "là" when what follows says the question's "… là gì?" back: the name comes first.

    "Cầu John W. Weeks là cây cầu dành cho người đi bộ bắc qua sông Charles nối cả hai khuôn viên"
    for "Tên của cây cầu nối với các khuôn viên qua sông Charles là gì?" → "Cầu John W. Weeks";
    "Guru trong Ấn Độ giáo được gọi là thầy tâm linh" for "Tên của thầy tâm linh trong Ấn Độ giáo
    là gì?" → "Guru" (the question's words after a linking word ending the stretch are no answer;
    those closing a compound are: "Hiện tượng tự miễn dịch"). The words after the first "là" hold
    at least half of the question's content words ("tên" aside), both sides together
    ``MIN_NAMED_BACK_SHARE`` of them, and the stretch before it adds more words than it repeats.
    """
    asks_after_copula = any(
        word in _COPULAS and following in _QUESTION_WORDS
        for word, following in zip(question_words, question_words[1:], strict=False)
    )
    asked = set(question_words) - _LINKING_WORDS - _QUESTION_WORDS - _COPULAS - _NAME_WORDS
    copula = next((i for i, (_, _, word) in enumerate(words) if word in _COPULAS), None)
    if not asks_after_copula or not asked or copula is None or copula == 0:
        return None
    said_after = {word for _, _, word in words[copula + 1 :]}
    said_before = {word for _, _, word in words[:copula]}
    if len(said_after & asked) * 2 < len(asked) or len((said_after | said_before) & asked) < (
        MIN_NAMED_BACK_SHARE * len(asked)
    ):
        return None
    last = copula - 1
    while last >= 0 and words[last][2] in _LINKING_WORDS | _NAMING_WORDS:
        last -= 1  # "… được gọi": the naming verb
    said_back = last
    while said_back >= 0 and repeated[said_back] and words[said_back][2] not in _LINKING_WORDS:
        said_back -= 1
    if said_back >= 0 and said_back < last and words[said_back][2] in _LINKING_WORDS:
        # "Guru trong Ấn Độ giáo": the question's words after a linking word are no part of the name,
        # those of a compound are ("tự miễn dịch")
        last = said_back
        while last >= 0 and words[last][2] in _LINKING_WORDS:
            last -= 1
    stretch = range(last + 1)
    added = sum(not repeated[i] and words[i][2] not in _LINKING_WORDS for i in stretch)
    if last < 0 or last >= MAX_SUBJECT_WORDS or added <= sum(repeated[i] for i in stretch):
        return None
    return 0, last


# A question whose answer a sentence may open with, before a comma: when, or how long.
_ASKS_WHEN_OR_HOW_LONG = re.compile(r"\bbao\s+lâu\b|\bkhi\s+nào\b|\blúc\s+nào\b|\bbao\s+giờ\b", re.IGNORECASE)


def _opening_clause(sentence: str, words: Words, question_words: list[str]) -> tuple[int, int] | None:
    """For "when" and "how long": the clause before the first comma when the rest says the question back.

    "Sau hơn 1 năm triển khai thực hiện, thành phố Từ Sơn xử phạt được 61 trường hợp vi phạm đất
    đai" for "Sau bao lâu triển khai thì thành phố Từ Sơn xử phạt được 61 trường hợp vi phạm đất
    đai?" → "Sau hơn 1 năm triển khai thực hiện": after the comma stand ``MIN_NAMED_BACK_SHARE``
    of the question's content words the clause does not say, and the clause adds words of its own.
    """
    comma = next((i for i in range(1, len(words)) if "," in sentence[words[i - 1][1] : words[i][0]]), None)
    if comma is None:
        return None
    asked = set(question_words) - _LINKING_WORDS - _QUESTION_WORDS
    opening = {word for _, _, word in words[:comma]}
    rest = {word for _, _, word in words[comma:]}
    untold = asked - opening
    if not untold or len(untold & rest) < MIN_NAMED_BACK_SHARE * len(untold):
        return None
    if not opening - asked - _LINKING_WORDS:
        return None
    return 0, comma - 1


def _added_stretch(
    words: Words, repeated: list[bool], asked: set[str], question_words: list[str]
) -> tuple[int, int] | None:
    """The one stretch of words a sentence repeating most of the question adds to it.

    "Đội Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000" for "Đội nào đã giành …
    vào năm 2000?" → "Đội Polonia Warsaw" (the question's noun taken in, :func:`_with_question_noun`).
    """
    asked_content = asked - _LINKING_WORDS
    added = [i for i, is_repeated in enumerate(repeated) if not is_repeated]
    opening = [i for i in added if words[i][2] not in _LINKING_WORDS]
    if not opening:
        return None
    first, last = opening[0], opening[-1]
    tail = [i for i in range(last + 1, len(words)) if words[i][2] in asked_content]
    if len(tail) < MIN_RESTATED_TAIL:
        last = len(words) - 1  # "… mức độ bất bình đẳng hiện có": one word is no restated tail
    # Only the words around the stretch restate the question, and one of its words may recur inside:
    # the "độ" of "Độ co giãn … phụ thuộc vào điều gì?" in "… phụ thuộc vào mức độ bất bình đẳng …".
    around = {word for i, (_, _, word) in enumerate(words) if i < first or i > last}
    inside = {words[i][2] for i in range(first, last + 1) if repeated[i]} & asked_content
    if len(around & asked_content) < MIN_ECHO_SHARE * len(asked_content) or len(inside) > MAX_INSIDE_REPEATS:
        return None  # too little of the question around it, or the new words spread among its words
    return _with_question_noun(words, first, _question_nouns(question_words)), last


def _subject(words: Words, repeated: list[bool], question_words: list[str]) -> tuple[int, int] | None:
    """For a question asking its subject: the words before the question's verb.

    "Kawann Short dẫn đầu đội về số lần vật ngã (sack" for "Ai dẫn đầu Panthers về số lần vật
    ngã?" → "Kawann Short": the sentence goes on with most of what the question says after
    "Ai" (``MIN_ECHO_SHARE``), from its first word ("dẫn"), and what stands before it is new
    but for the question's noun ("Thành viên" of "Thành viên của các tổ chức nào").
    """
    asking = next(
        (
            i
            for i, word in enumerate(question_words)
            if word in _SUBJECT_QUESTION_WORDS or word == "gì" and i and question_words[i - 1] in _THING_WORDS
        ),
        None,
    )
    if asking is None or asking > MAX_SUBJECT_QUESTION_AT:
        return None
    said = [w for w in question_words[asking + 1 :] if w not in _LINKING_WORDS | _QUESTION_WORDS]
    if not said:
        return None
    verb = next((i for i in range(1, len(words)) if words[i][2] == said[0]), None)
    if verb is None:
        return None
    after = {word for _, _, word in words[verb:]}
    if sum(word in after for word in said) < MIN_ECHO_SHARE * len(said):
        return None
    last = verb - 1
    while last >= 0 and words[last][2] in _LINKING_WORDS | _TRAILING_WORDS:
        last -= 1
    if last < 0 or last >= MAX_SUBJECT_WORDS:
        return None
    noun = set(question_words[:asking])
    before = range(last + 1)
    if not any(not repeated[i] and words[i][2] not in _LINKING_WORDS | _QUESTION_WORDS for i in before):
        return None
    if any(repeated[i] and words[i][2] not in noun | _LINKING_WORDS for i in before):
        return None
    return 0, last


def _after_frame(words: Words, question_words: list[str]) -> tuple[int, int] | None:
    """What follows the question's words before its question word, repeated as the answer's opening.

    "Fort Caroline được đổi tên thành San Mateo" for "Fort Caroline được đổi tên thành gì sau cuộc
    tấn công của Tây Ban Nha?" → "San Mateo": the sentence starts with the question's first
    ``MIN_FRAME_WORDS`` or more words exactly (a "điều" or "cái" before "gì" may be missing), then
    fills the question word's place; the answer ends where the question's words after it come back.
    The other ways miss such a sentence when it repeats too little of the question around what it adds.
    """
    asking = [i for i, word in enumerate(question_words) if word in _QUESTION_WORDS - {"bao"}]
    if not asking or question_words[asking[-1]] in _HOW_MANY | {"many", "much"}:
        return None  # a figure is cut by _figure, with its unit when the question does not name it
    frame = question_words[: asking[-1]]
    while frame and frame[-1] in _THING_WORDS:
        frame = frame[:-1]
    first = len(frame)
    if first < MIN_FRAME_WORDS or len(words) <= first or [w for _, _, w in words[:first]] != frame:
        return None
    rest = [w for w in question_words[asking[-1] + 1 :] if w not in _QUESTION_WORDS]
    if rest and words[first][2] == rest[0]:
        return None  # "Luther đã nói với các tu sĩ rằng …" for "Luther đã nói gì với các tu sĩ …?"
    last = len(words) - 1
    for i in range(first + 1, len(words)):
        if rest[:2] and [w for _, _, w in words[i : i + len(rest[:2])]] == rest[:2]:
            last = i - 1
            break
    return _with_question_noun(words, first, _question_nouns(question_words)), last


def _figure(
    sentence: str, words: Words, repeated: list[bool], question_words: list[str]
) -> tuple[int, int] | None:
    """For "how many": the figure an answer starts with, its qualifier and unit, not the rest.

    "17 giây còn lại trên đồng hồ" for "… còn lại bao nhiêu giây …?" → "17"; "53 triệu
    đồng/người/năm" stays whole (no word of it is the question's), a magnitude always stays, and
    so does a unit written with a symbol, though the question names it ("565°C" for "… độ C …").
    """
    if not _HOW_MANY.intersection(question_words) and "how many" not in " ".join(question_words):
        return None
    number = 0
    while number < len(words) and words[number][2] in _FIGURE_QUALIFIERS:
        number += 1
    if number >= len(words) or not _opens_figure(words, number):
        return None
    last = number
    while last + 1 < len(words):
        word = words[last + 1][2]
        # "đồng/người/năm" is one unit; "565°C" and "565 °C" are a figure and its unit.
        gap = sentence[words[last][1] : words[last + 1][0]]
        joined = not gap or gap.strip() in _UNIT_JOINERS
        unit = (word in _KEPT_UNITS or word in _UNIT_QUALIFIERS and words[last][2] in _KEPT_UNITS) and (
            last == number or words[last][2] in _KEPT_UNITS | _MAGNITUDES
        )
        if (
            not joined
            and not unit
            and word not in _MAGNITUDES
            and (repeated[last + 1] or word in _LINKING_WORDS)
        ):
            break
        last += 1
    return 0, last


def _with_kept_unit(words: Words, last: int) -> int:
    """``last`` moved past the unit of measure after a figure it ends on ("1.160.000 | dặm vuông")."""
    if not any(c.isdigit() for c in words[last][2]) and words[last][2] not in _MAGNITUDES:
        return last
    if last + 1 < len(words) and words[last + 1][2] in _KEPT_UNITS:
        last += 1
        if last + 1 < len(words) and words[last + 1][2] in _UNIT_QUALIFIERS:
            last += 1
    return last


_UNIT_JOINERS = frozenset({"/", "°"})
# Words for a person that name nobody.
_PERSON_WORDS = frozenset("người ông bà anh chị cô chú họ he she they".split())
# Units of measure a figure keeps though the question names them: "4470 km" for "Sông Niger dài bao
# nhiêu km?" reads as an answer, "4470" as half of one. Counted things ("73 đơn vị", "17 giây") are
# left to the question to say.
_KEPT_UNITS = frozenset(
    "km m cm mm mét dặm feet foot inch yard ha hecta km2 km² m2 m² kg g gam tấn pound lít độ "
    "đồng usd đô euro".split()
)
_UNIT_QUALIFIERS = frozenset("vuông khối".split())  # "dặm vuông", "mét khối"


def _opens_figure(words: Words, i: int) -> bool:
    word = words[i][2]
    if word[0].isdigit() or word in _NUMBER_WORDS:
        return True
    return word in _NUMBER_WORDS_BEFORE_MAGNITUDE and i + 1 < len(words) and words[i + 1][2] in _MAGNITUDES


# A year standing alone: not part of a larger number ("1.945"), a range ("1998-2002") or a share.
# Not the number of a decision, document or standard: "Quyết định 1116/QĐ-BXD", "TCN230:2006".
_YEAR_ALONE = r"(?<![\d.,/:–-])(?:1\d{3}|20\d{2})(?![\d%]|[.,/–-]\d|\s*/\s*[^\W\d_])"
# A year of three digits, written after "năm" and ending its clause: "Cho tới năm 866, …".
_OLD_YEAR = r"(?i:năm)\s+[1-9]\d{2}(?=\s*(?:[,.;:)]|$|\s+(?:TCN|SCN|trước|sau)\b))"
# Words placing a date or decade, kept with it: "cuối năm 2021" is not "năm 2021" ("từ" opens a range).
_TIME_QUALIFIER = rf"(?:(?:{'|'.join(word for word in TIME_QUALIFIERS_EN if word != 'từ')})\s+)?"
_DATE_IN_TEXT = re.compile(
    rf"(?<!\w){_TIME_QUALIFIER}(?:(?:(?:ngày|mồng|mùng)\s+\d{{1,2}}\s+|(?:[1-9]|[12]\d|3[01])\s+)?"
    rf"tháng\s+\d{{1,2}}(?!\d)(?:\s+năm\s+{_YEAR_ALONE})?"
    rf"|(?:năm\s+)?{_YEAR_ALONE}|{_OLD_YEAR})",
    re.IGNORECASE,
)


# A time counted back from now: "66 triệu năm trước", "khoảng 515 triệu năm trước".
_YEARS_AGO = re.compile(
    r"(?<![\w.,])(?:khoảng\s+)?\d+(?:[.,]\d+)*\s+(?:(?:triệu|nghìn|ngàn|tỷ|tỉ)\s+)?năm\s+(?:về\s+)?trước\b",
    re.IGNORECASE,
)
# "ngày 1/1/1997", "19/05/1999": a day, month and year written with slashes; in documents of the Party
# and state with hyphens ("ngày 2-9-1945", "tháng 5-1988").
_SLASHED_DATE = re.compile(
    r"(?<![\w/-])(?:(?:(?:ngày|mồng|mùng)\s+)?\d{1,2}\s*(?P<mark>[/-])\s*\d{1,2}\s*(?P=mark)\s*\d{4}"
    r"|tháng\s+\d{1,2}\s*[/-]\s*\d{4})(?![\w/-])",
    re.I,
)


def dates_in(text: str) -> list[tuple[int, int]]:
    """Where ``text`` writes a date or a year ("ngày 14 tháng 8 năm 1929", "Năm 1965", "ngày 1/1/1997")."""
    slashed = [found.span() for found in _SLASHED_DATE.finditer(text)]
    written = [
        found.span()
        for found in _DATE_IN_TEXT.finditer(text)
        if not any(start <= found.start() < end for start, end in slashed)
    ]
    return sorted(slashed + written)


def holds_year(text: str) -> bool:
    """Whether ``text`` writes a year standing alone ("năm 2021", "1975"; not "1.945" nor "53 triệu").

    A whole date written with slashes or hyphens holds one too ("ngày 2-9-1945", "tháng 5-1988").
    """
    return re.search(_YEAR_ALONE, text) is not None or _SLASHED_DATE.search(text) is not None


_DECADE_IN_TEXT = re.compile(
    rf"(?<!\w){_TIME_QUALIFIER}(?:{'|'.join(DECADE_WORDS)})\s+(?:{DECADE_YEAR})(?:\s+và\s+(?:{DECADE_YEAR}))?(?!\d)",
    re.IGNORECASE,
)
_ASKS_DECADE = re.compile(r"\bthập\s+(?:niên|kỷ|kỉ)\s+nào\b|\b(?:what|which)\s+decade\b", re.IGNORECASE)
_FIGURE_IN_TEXT = re.compile(r"(?<![\w.,/])\d+(?:[.,/]\d+)*%?(?:\s+(?:trăm|nghìn|ngàn|triệu|tỷ|tỉ))?(?!\w)")
# Where in the question its asking phrase stands: its neighbours tell candidates apart.
_ASKING_PHRASE = re.compile(
    r"\b(?:thập\s+(?:niên|kỷ|kỉ)|năm|ngày|tháng|lúc|khi)\s+nào\b|\bbao\s+giờ\b|\b[^\W\d_]+\s+nào\b"
    r"|\bai\b|\bbao\s+nhiêu(?:\s+[^\W\d_]+){0,2}|\b(?:what|which)\s+[^\W\d_]+\b|\bwho(?:m|se)?\b|\bwhen\b",
    re.IGNORECASE,
)


# The places :func:`asks_named_body` asks for that Vietnamese names after their kind word ("tỉnh Bắc
# Ninh"). Not "thành phố": XQuAD writes its cities bare ("Warsaw là thủ đô …").
_NAMED_AFTER_KIND = ("tỉnh",)


def asked_place_kind(question: str) -> str:
    """The place kind a "<kind> nào" question asks, when names follow that word ("tỉnh"); else ""."""
    asking = named_body_asked(question)
    if asking is None:
        return ""
    kind = question[asking[0] : asking[1]].lower().removesuffix("nào").strip()
    return kind if kind in _NAMED_AFTER_KIND else ""


def _after_kind_word(sentence: str, start: int, kind: str) -> bool:
    """Whether the name at ``start`` follows ``kind``: "tỉnh Bắc Ninh"."""
    return re.search(rf"(?:^|\W){kind}\s*$", sentence[:start], re.IGNORECASE) is not None


def asked_phrase(sentence: str, question: str) -> str | None:
    """The one phrase of ``sentence`` of the kind ``question`` asks for; None when it holds none or several.

    For a quoted sentence that the model's answer could not be checked against: "Vào mùa thu năm
    2015, ABC đã dừng quảng bá … từ năm 1998-2002 …" holds one year for "… vào năm nào?" ("Năm
    2015": a range is no year), "Sau những năm 1940, …" one decade for "… trong thập kỷ nào?",
    and "… quà tặng từ Harrods …" the one name after the question's "từ" for "… món quà từ công
    ty nào?". Kinds: a year, a decade, a date ("khi nào": "tháng 3"), a figure with the noun a
    "bao nhiêu" question counts ("8.646 dặm vuông"), a person's name ("ai"), any name ("công
    ty / quốc gia / … nào"), the name another asked noun opens or stands just before
    (:func:`_names_after_head`: "Định luật Lorentz" for "Định luật nào …?") or the name placed by
    "tại" / "ở" for "… ở đâu?" ("… triển lãm tại Triển lãm London năm 1862"). Several candidates
    are told apart only by a word next to them that stands next to the question's asking phrase,
    or else by the question's words around them
    (:func:`_amid_question_words`: "Iran là nước xuất khẩu dầu lớn thứ hai thế giới …" for "Quốc
    gia nào sản xuất dầu lớn thứ hai thế giới?"); otherwise the sentence stays the answer.
    """
    sentence = unicodedata.normalize("NFC", sentence)
    question = unicodedata.normalize("NFC", question)
    question_numbers = set(re.findall(r"\d+", question))
    kind = "decade" if _ASKS_DECADE.search(question) else asked_kind(question)
    spans: list[tuple[int, int]]
    if kind == "decade":
        spans = [m.span() for m in _DECADE_IN_TEXT.finditer(sentence)]
    elif kind == "time":
        spans = [m.span() for m in _DATE_IN_TEXT.finditer(sentence)]
        spans += [m.span() for m in _YEARS_AGO.finditer(sentence)]
        if asks_year(question):
            spans = [(s, e) for s, e in spans if re.search(f"{_YEAR_ALONE}|{_OLD_YEAR}", sentence[s:e])]
    elif kind == "quantity":
        spans = _counted_figures(sentence, question)
    elif kind == "person" or asks_named_body(question):
        place_kind = asked_place_kind(question)
        spans = []
        own: list[tuple[int, int]] = []
        for start, end in _name_runs(sentence):
            if _own_name(sentence[start:end], question):
                own.append((start, end))
                continue  # the question's own name
            if (
                kind == "person"
                and " " not in sentence[start:end]
                and is_vietnamese_word(sentence[start:end])
            ):
                continue  # no Vietnamese name has one syllable: "Bác", "Thuốc"
            if place_kind and not _after_kind_word(sentence, start, place_kind):
                continue  # "… tỉnh nào?" is answered by "tỉnh Bắc Ninh", not by the "Kết" of "Kết luận"
            spans.append((start, end))
        spans = _without_list_mates(sentence, spans, own)
    elif kind is None and (head := _asked_head_noun(question)):
        spans = _names_after_head(sentence, question, head)
    elif kind is None and _ASKS_WHERE.search(question):
        spans = [
            (start, end)
            for start, end in _name_runs(sentence)
            if _PLACED.search(sentence[:start]) and not _own_name(sentence[start:end], question)
        ]
    else:
        return None
    spans = [(s, e) for s, e in spans if not set(re.findall(r"\d+", sentence[s:e])) & question_numbers]
    spans = _joined_lists(sentence, spans)
    distinct = list(dict.fromkeys(sentence[s:e].lower() for s, e in spans))
    if len(distinct) > 1:
        beside = _next_to_asking_phrase(sentence, question, spans)
        if len({sentence[s:e].lower() for s, e in beside}) != 1:
            beside = _amid_question_words(sentence, question, spans)
        spans = beside
        distinct = list(dict.fromkeys(sentence[s:e].lower() for s, e in spans))
    if len(distinct) != 1:
        return None
    start, end = spans[0]
    if end - start >= len(sentence.strip(" .;:,")):
        return None
    return opening_capital(sentence[start:end])


# "… nào" after a noun the question names a thing by: "Định luật nào", "Chương trình truyền hình
# của Mỹ nào" (the noun stands before "của"). The words a noun phrase stops at going back from "nào".
_ASKED_NOUN = re.compile(
    r"\b((?:[^\W\d_][\w-]*\s+){1,4}?)(?:của\s+(?:[^\W\d_]+\s+){1,2})?nào\b", re.IGNORECASE
)
# A name standing at most this many words after the asked noun: "chương trình nhiều kỳ Dallas".
MAX_HEAD_GAP = 2
# Words counting or sorting what "nào" asks, not naming its kind: "Loại người Pháp nào".
_CLASSIFIERS = frozenset("loại nhóm kiểu dạng cái con những các người điều".split())
_NAMED_YEAR = re.compile(r"\s+năm\s+\d{3,4}\b")
_NOUN_PHRASE_BOUNDS = frozenset("từ về và như theo hay hoặc".split())
_TIME_NOUN_WORDS = frozenset("thời gian điểm kỳ kì giai đoạn năm tháng ngày".split())
_ASKS_WHERE = re.compile(r"\bở\s+đâu\b|\btại\s+đâu\b", re.IGNORECASE)
_PLACED = re.compile(r"(?:^|\s)(?:ở|tại)\s+$", re.IGNORECASE)


def _own_name(name: str, question: str) -> bool:
    """Whether every word of ``name`` is the question's: its own name, said back."""
    asked = set(re.findall(r"[^\W_]+", fold_diacritics(question).lower()))
    return set(re.findall(r"[^\W_]+", fold_diacritics(name).lower())) <= asked


def _asked_head_noun(question: str) -> list[str]:
    """The first one or two words of the noun a "<noun> nào" question asks by, lower case; [] if none.

    "Chương trình truyền hình của Mỹ nào …?" → ["chương", "trình"]; "Luật nào …?" → ["luật"].
    Not for the kinds other rules read (a person, a time, a figure) nor a lone classifier
    ("loại", "nhóm", "những"), which names no kind a sentence would name its answer by.
    """
    found = _ASKED_NOUN.search(question)
    if found is None:
        return []
    words = found.group(1).lower().split()
    # Only words linking phrases end it: a stopword list's "thế" is the first syllable of "thế giới".
    stops = [i for i, word in enumerate(words) if word in _LINKING_WORDS | _NOUN_PHRASE_BOUNDS]
    words = words[stops[-1] + 1 :] if stops else words
    if not words or words[0] in _CLASSIFIERS or set(words) & _TIME_NOUN_WORDS:
        return []  # "… trong khoảng thời gian nào?" asks a time, whatever name follows the noun
    return words[:2]


def _names_after_head(sentence: str, question: str, head: list[str]) -> list[tuple[int, int]]:
    """Names of ``sentence`` that its noun ``head`` opens or stands just before, not the question's own.

    "… quy tắc nhân vectơ gọi là Định luật Lorentz mô tả …" for "Định luật nào …?" →
    "Định luật Lorentz"; "… trong chương trình nhiều kỳ Dallas …" for "Chương trình truyền hình
    của Mỹ nào …?" → "Dallas" (at most ``MAX_HEAD_GAP`` words between, no punctuation);
    "Đạo luật Trường học Nam Phi …" for "Luật nào của Nam Phi …?": a name's first words may end
    with the noun.
    """
    words = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"[^\W_]+(?:-[^\W_]+)*", sentence)]
    said = [word for _, _, word in words]
    heads = [i for i in range(len(said) - len(head) + 1) if said[i : i + len(head)] == head]
    spans = []
    for start, end in _name_runs(sentence):
        if _own_name(sentence[start:end], question):
            continue
        first = next((i for i, (s, _, _) in enumerate(words) if s >= start), None)
        if first is None:
            continue
        for i in heads:
            last_head = i + len(head) - 1
            opens = first <= i and last_head <= first + 1 and words[last_head][1] <= end
            between = range(last_head + 1, first)
            follows = (
                len(between) <= MAX_HEAD_GAP
                and first > last_head
                and not set(sentence[words[last_head][1] : start]) & _SLOT_BOUNDARY
                # "cố vấn chính của Tổng thống …" names whose adviser, not the adviser
                and not any(said[k] in cite.EXACT_STOPWORDS or said[k] in _LINKING_WORDS for k in between)
                and not any(sentence[words[k][0]].isupper() for k in between)
            )
            if follows and not between and sentence[words[i][0]].isupper():
                start = words[i][0]  # "Đạo luật Trường học Nam Phi": the noun opens the name
            elif follows and not between and i > 0 and sentence[words[i - 1][0]].isupper():
                start = words[i - 1][0]
            if opens or follows:
                dated = _NAMED_YEAR.match(sentence, end)
                # "Triển lãm Lớn năm 1851", "Đạo luật Trường học Nam Phi năm 1996": the year names it too
                spans.append((start, dated.end() if dated else end))
                break
    return spans


_LIST_JOINT = re.compile(r"\s*(?:,|;|\bvà\b|\bhoặc\b|\band\b|\bor\b)\s*", re.IGNORECASE)


def _without_list_mates(
    sentence: str, spans: list[tuple[int, int]], own: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``spans`` less the names listed with one of the question's own (``own``), which are its kind.

    "… vở kịch lớn như: Vũ Như Tô, Đêm hội Long Trì, Bắc Sơn …" lists plays: "Đêm hội Long Trì"
    is no author for "Vở kịch Vũ Như Tô là của ai?". A list is three names or more, or two joined
    by "và" / "hoặc": "Đàm Đức Hà, Bí thư …" names a man and his post.
    """
    runs = sorted([(start, end, True) for start, end in own] + [(start, end, False) for start, end in spans])
    mates: set[tuple[int, int]] = set()
    groups: list[list[tuple[int, int, bool]]] = []
    for run in runs:
        if groups and _LIST_JOINT.fullmatch(sentence[groups[-1][-1][1] : run[0]]):
            groups[-1].append(run)
        else:
            groups.append([run])
    for group in groups:
        joints = [sentence[a[1] : b[0]] for a, b in zip(group, group[1:], strict=False)]
        listed = len(group) >= 3 or any(joint.strip(" ,;") for joint in joints)
        if listed and any(is_own for _, _, is_own in group):
            mates.update((start, end) for start, end, _ in group)
    return [span for span in spans if span not in mates]


def counted_words(question: str) -> list[str]:
    """What "bao nhiêu / mấy" counts or measures, in lower case.

    "… bao nhiêu dặm vuông mỗi năm?" → ["dặm", "vuông", "mỗi", "năm"]; [] for a bare "bao
    nhiêu?" or one followed by "là", "được" ….
    """
    counted = re.search(
        r"\b(?:bao nhiêu|mấy)\s+([^\W\d_]+(?:\s+[^\W\d_]+)*)", unicodedata.normalize("NFC", question).lower()
    )
    if counted is None:
        return []
    nouns: list[str] = []
    for word in counted.group(1).split():
        if word in _LINKING_WORDS or word in _QUESTION_WORDS:
            break
        nouns.append(word)
    return nouns


def _counted_figures(sentence: str, question: str) -> list[tuple[int, int]]:
    """Figures of ``sentence`` followed by what "bao nhiêu …" counts, that noun included.

    "(22.392 km vuông hoặc 8.646 dặm vuông mỗi năm)" for "… bao nhiêu dặm vuông mỗi năm?" →
    "8.646 dặm vuông"; "61 trường hợp vi phạm công tác …" for "… bao nhiêu trường hợp vi phạm đất
    đai?" → "61 trường hợp vi phạm": the question's words after "bao nhiêu" as far as the sentence
    repeats them. A range or choice the figure closes comes whole ("khoảng từ 200 đến 800 kg").
    Nothing without a counted noun: a bare "bao nhiêu?" leaves too many figures.
    """
    nouns = counted_words(question)
    if not nouns:
        return []
    spans = []
    for figure in _FIGURE_IN_TEXT.finditer(sentence):
        end = figure.end()
        matched = 0
        for noun in nouns:
            following = re.match(r"\s+([^\W\d_]+)", sentence[end:])
            if following is None or following.group(1).lower() != noun:
                break
            end += following.end()
            matched += 1
        if matched:
            spans.append((cite.range_start_before(sentence, figure.start()), end))
    return spans


def _name_runs(sentence: str) -> list[tuple[int, int]]:
    """Runs of capitalised words, the names of a sentence: "New England Patriots", "Harrods".

    The first word is capitalised as the sentence's start unless it is no Vietnamese syllable
    ("Iran là …") or a capitalised word follows it that is no function word ("Đàm Đức Hà phát biểu",
    not "Trong Ấn Độ giáo"). A word holding a digit, punctuation after a word and an opening quote
    end a run.
    """
    runs: list[tuple[int, int]] = []
    open_run: list[int] | None = None
    words = list(re.finditer(r"\S+", sentence))
    for i, word in enumerate(words):
        text = word.group()
        core = text.strip(EDGE_PUNCT)
        lead = len(text) - len(text.lstrip(EDGE_PUNCT))
        core_start = word.start() + lead
        core_end = core_start + len(core)
        capital = (
            core[:1].isupper()
            and not any(c.isdigit() for c in core)
            and (
                i > 0
                or _opens_name(core, words[1:2])
                or not is_vietnamese_word(core)
                and not _is_function_word(core)
            )
        )
        if (
            not capital
            and open_run is not None
            and sentence[: open_run[1]].split()[-1][:1].isupper()
            and is_vietnamese_word(sentence[: open_run[1]].split()[-1])
            and core == text
            and not _is_function_word(core)
            and i + 1 < len(words)
            and words[i + 1].group()[:1].isupper()
        ):
            capital = True  # "Hội đồng Liên minh Châu Âu": a body's name capitalises its first syllable
        if not capital or lead:
            if open_run is not None:
                runs.append((open_run[0], open_run[1]))
                open_run = None
            if not capital:
                continue
        if open_run is None:
            open_run = [core_start, core_end]
        else:
            open_run[1] = core_end
        if text.rstrip(EDGE_PUNCT) != text:
            runs.append((open_run[0], open_run[1]))
            open_run = None
    if open_run is not None:
        runs.append((open_run[0], open_run[1]))
    return runs


def _asking_phrase_at(question: str) -> tuple[int, int] | None:
    """Where ``question`` asks its phrase: "công ty nào", else "năm nào", "ai", "bao nhiêu …"; or None."""
    asking = named_body_asked(question)
    if asking is None:
        found = _ASKING_PHRASE.search(question)
        asking = found.span() if found else None
    return asking


def _next_to_asking_phrase(
    sentence: str, question: str, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The spans whose word before or after is the question's word before or after its asking phrase."""
    asking = _asking_phrase_at(question)
    if asking is None:
        return []
    before = re.findall(r"[^\W_]+", question[: asking[0]].lower())[-1:]
    after = re.findall(r"[^\W_]+", question[asking[1] :].lower())[:1]
    kept = []
    for start, end in spans:
        left = re.findall(r"[^\W_]+", sentence[:start].lower())[-1:]
        right = re.findall(r"[^\W_]+", sentence[end:].lower())[:1]
        if before and left == before or after and right == after:
            kept.append((start, end))
    return kept


def _amid_question_words(sentence: str, question: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The one span standing among the question's words as its asking phrase does, or [].

    "Tại thời điểm đó, Iran là nước xuất khẩu dầu lớn thứ hai thế giới và là một đồng minh của
    Mỹ." names two countries for "Quốc gia nào sản xuất dầu lớn thứ hai thế giới?": "Iran" is
    followed by what the question says after "Quốc gia nào", "Mỹ" by nothing. Each span counts
    the question's content words before its asking phrase among the ``CONTEXT_WORDS`` words
    before it and those after the phrase among the words after it; one span must lead every
    other by ``MIN_CONTEXT_LEAD``. The question's names and the span's own words count for none:
    "Nhà nước Hồi giáo Iraq và Levant" is followed by "Nhà nước Hồi giáo Iraq", not by who leads
    it, for "Ai lãnh đạo Nhà nước Hồi giáo?".
    """
    asking = _asking_phrase_at(question)
    if asking is None:
        return []
    # The question's names say what it asks about, not which phrase fills its asking phrase's place.
    unsaid = cite.STOPWORDS | cite.name_tokens(question)
    before = set(cite.tokens(question[: asking[0]])) - unsaid
    after = set(cite.tokens(question[asking[1] :])) - unsaid
    counts = []
    for start, end in spans:
        own = set(cite.tokens(sentence[start:end]))  # its name said again is no context
        left = set(cite.tokens(sentence[:start])[-CONTEXT_WORDS:]) - own
        right = set(cite.tokens(sentence[end:])[:CONTEXT_WORDS]) - own
        counts.append(len(left & before) + len(right & after))
    best = max(counts, default=0)
    runners_up = sorted(counts)[-2:-1]
    if best < MIN_CONTEXT_LEAD or any(count > best - MIN_CONTEXT_LEAD for count in runners_up):
        return []
    return [spans[counts.index(best)]]


_LIST_JOINER = re.compile(r"\s*(?:,|,?\s+(?:và|hoặc|and|or))\s+$", re.IGNORECASE)


def _joined_lists(sentence: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Candidates listed together ("Nghị viện Châu Âu và Hội đồng Liên minh Châu Âu") as one."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and _LIST_JOINER.fullmatch(sentence[joined[-1][1] : start]) is not None:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _opens_name(first: str, following: list[re.Match[str]]) -> bool:
    """Whether a sentence's capitalised first word starts a name: a capitalised word follows it."""
    return bool(following) and following[0].group()[:1].isupper() and not _is_function_word(first)


def _is_function_word(word: str) -> bool:
    """A stopword or linking word ("Trong", "The"): capitalised only as a sentence's first word."""
    return word.lower() in cite.EXACT_STOPWORDS or word.lower() in _LINKING_WORDS


# The asking word whose place in the question a quoted sentence fills (:func:`slot_filler`).
_SLOT_ASKING = re.compile(
    r"\b(?:(?:điều|cái|những|việc|chuyện)\s+)?gì\b|\b(?:khi\s+)?nào\b|\bai\b|\bđâu\b|\bbao\s+(?:nhiêu|lâu)\b|\bmấy\b",
    re.IGNORECASE,
)
# Words placing what "đâu" asks, which a sentence may leave out before the place itself.
_PLACE_PREPOSITIONS = frozenset({"ở", "tại"})
# Question words before the asking word matched in the sentence: at most this many, the longest first.
MAX_SLOT_ANCHOR_WORDS = 6
# The filler is at most this many words, up to the first punctuation or the question's words again.
MAX_SLOT_WORDS = 12
# Words of the noun before "nào" kept in front of the filler ("loại lục lạp nào" → "lục lạp đỏ").
SLOT_HEAD_WORDS = 2
# A checked answer may say its filler in place of this many words of the noun before "nào".
MAX_DROPPED_NOUN_WORDS = 4
# Said between the question's words and what fills its asking word's place: "NASUWT là một công đoàn".
_SLOT_LINKS = frozenset("là được bởi rằng có".split())
_SLOT_BOUNDARY = set(',;:()“”"!?.')
# A list so announced is the answer up to this many words.
MAX_LISTED_WORDS = 24
# The words after "<the question's noun>," that announce the things it asks for, listed.
_LISTED_AFTER = re.compile(
    r"\s*,\s*(?:trong đó có|trong đó gồm|bao gồm|gồm có|gồm|chẳng hạn như|như là)\s+", re.IGNORECASE
)


def slot_filler(sentence: str, question: str, answered: bool = False) -> str | None:
    """The words of ``sentence`` standing where ``question`` has its asking word; None when unsure.

    For a quoted sentence that the model's answer could not be checked against: "Bầu cử Nghị viện,
    diễn ra sau mỗi 5 năm, …" for "Bầu cử Nghị viện diễn ra bao lâu một lần?" → "Sau mỗi 5 năm":
    the longest run of the question's words just before its asking word ("diễn ra") found once in
    the sentence, and what follows it up to punctuation or two of the question's words after the
    asking word ("… làm tăng đáng kể nồng độ khí quyển của khí nhà kính" for "… đang làm gì đối
    với khí nhà kính?" → "Tăng đáng kể nồng độ khí quyển"). "X nào" keeps its noun in front ("Lục
    lạp đỏ"), "khi nào" its "khi". A "làm" the sentence does not say stands for its verb: "làm gì"
    is read after the words before it ("… quyết tâm được tái sinh" → "Được tái sinh"). A "nào"
    noun followed by a comma and "trong đó có", "bao gồm" … is answered by the list these announce
    (``_LISTED_AFTER``: "… một số môn thể thao, trong đó có cricket, …, và boxing"). A question
    asking its subject ("Thực thể nào đã đưa ra …?"), a run found twice, a negation in or just
    before the filler, or a filler made mostly of the question's words give None.

    ``answered``: ``sentence`` is the model's one-sentence answer, checked against its passage,
    rather than a quoted passage sentence. A comma no longer ends the filler, only a clause opened
    after one (:func:`_before_trailing_clause`), so the lists answers hold stay whole ("khóa XI,
    XII, XIII" of a report); and the sentence must say the question back before the run ("Điều kiện
    lưu trữ, văn bản bắt buộc, thiết bị" for "Luật dược phẩm bắt buộc điều gì?" does not). It may
    say its filler in place of the noun before "nào" ("… phân biệt giữa natri cacbonat và kali
    cacbonat" for "… phân biệt giữa hai hợp chất nào?").
    """
    sentence = unicodedata.normalize("NFC", sentence)
    question = unicodedata.normalize("NFC", question)
    asking = list(_SLOT_ASKING.finditer(question))
    if len(asking) != 1:
        return None
    asked_at = asking[0]
    question_words = _folded_words(question)
    before = [word for _, end, word in question_words if end <= asked_at.start()]
    after = [word for start, _, word in question_words if start >= asked_at.end()]
    noun_asked = asked_at.group().lower() == "nào"
    if asked_at.group().lower() in ("nào", "ai") and len(before) <= 3 and len(after) >= 3:
        return None  # "Thực thể nào đã đưa ra …?": the subject stands before the verb, not after
    words = _folded_words(sentence)
    said = [word for _, _, word in words]
    anchor = _slot_anchor(said, before)
    noun_dropped = False
    if anchor is None and answered and noun_asked and not asks_explanation(question):
        # "Al-Muwaffaq đã phân biệt giữa natri cacbonat và kali cacbonat." for "… giữa hai hợp chất
        # nào?": the answer says its filler where the question has "hai hợp chất nào"
        for dropped in range(1, MAX_DROPPED_NOUN_WORDS + 1):
            if len(before) - dropped < 2:
                break
            anchor = _slot_anchor(said, before[:-dropped])
            if anchor is not None:
                before, noun_dropped = before[:-dropped], True
                break
    if (
        anchor is None
        and asked_at.group().lower() == "đâu"
        and len(before) >= 3
        and before[-1] in _PLACE_PREPOSITIONS
    ):
        # "Nhà Trần cai trị An Nam (Đại Việt) …" for "Nhà Trần cai trị ở đâu?": a place may follow
        # its verb without the question's "ở"
        anchor = _slot_anchor(said, before[:-1])
        if anchor is not None:
            before = before[:-1]
    deed = False
    if anchor is None and asked_at.group().lower() == "gì" and len(before) >= 3 and before[-1] == "làm":
        # "Một Lạt-ma … quyết tâm được tái sinh, …" for "Một Lạt-ma quyết tâm làm gì?": "làm" stands
        # for the verb the sentence says in its place
        anchor = _slot_anchor(said, before[:-1])
        if anchor is not None:
            before, deed = before[:-1], True
    if anchor is None:
        return None
    if noun_dropped and not set(after) - _LINKING_WORDS - _QUESTION_WORDS <= set(said):
        return None  # "Lai Châu có … những nét riêng …" for "… có những dân tộc nào sinh sống?"
    at, length = anchor
    earlier = set(before[:-length]) - _LINKING_WORDS - _QUESTION_WORDS
    if answered and earlier and not earlier & set(said[:at]):
        return None
    boundary = _SLOT_BOUNDARY - {","} if answered else _SLOT_BOUNDARY
    first = at + length
    listed = _LISTED_AFTER.match(sentence, words[first - 1][1]) if noun_asked and first < len(words) else None
    if listed is not None:
        # "Kenya hoạt động trong một số môn thể thao, trong đó có cricket, đua xe ô tô, … và boxing."
        # for "… trong những môn thể thao nào?": the list its noun announces, to the sentence's end
        start = next(i for i in range(first, len(words)) if words[i][0] >= listed.end())
        last = start
        while last + 1 < len(words) and not set(sentence[words[last][1] : words[last + 1][0]]) & set(
            ';:()“”"!?.'
        ):
            last += 1
        if last - start + 1 <= MAX_LISTED_WORDS:
            return opening_capital(sentence[words[start][0] : words[last][1]])
        return None
    if first >= len(words) or _breaks(sentence, words, first, boundary):
        return None
    while not deed and first < len(words) - 1 and said[first] in _SLOT_LINKS and said[first] != before[-1]:
        first += 1
    restated = {tuple(after[k : k + 2]) for k in range(len(after) - 1)}
    last = first
    while last + 1 < len(words) and not _breaks(sentence, words, last + 1, boundary):
        if tuple(said[last + 1 : last + 3]) in restated:
            break
        last += 1
    if answered:
        cut = _before_trailing_clause(sentence, words[first][0], words[last][1])
        while last > first and words[last][1] > cut:
            last -= 1
    while last > first and said[last] in _TRAILING_WORDS:
        last -= 1
    if noun_asked and said[first][:1].isdigit():
        # "… nhiệm kỳ 2020 - 2025 đề ra" for "… là nhiệm kỳ nào?": the figures name the noun, and
        # what follows them is the rest of the sentence's clause ("set out")
        figures = first
        while figures < last and said[figures + 1][:1].isdigit():
            figures += 1
        last = figures
    filler = said[first : last + 1]
    asked_words = set(before) | set(after)
    # "Cơn bão Nhiệt đới Beryl … là Beryl": the answer named it more fully before
    named_before = answered and any(said[i : i + len(filler)] == filler for i in range(at))
    if (
        last - first + 1 > MAX_SLOT_WORDS
        or sum(word in asked_words for word in filler) * 2 > len(filler)
        or set(filler + said[max(0, at - 2) : at]) & (_NEGATIONS - asked_words)  # "không kiểm soát"
        or first == 0
        and last == len(words) - 1
        or all(word in _THING_WORDS | _LINKING_WORDS for word in filler)  # "… là hệ lụy từ cái [4]."
        or named_before
    ):
        return None
    if noun_asked and not noun_dropped:
        head = min(length, SLOT_HEAD_WORDS)
        # A capitalised word of the run before the head starts a name the head would cut: "Tại Đảng
        # bộ phường Hương Mạc" for "… ở những đảng bộ phường nào?" is no "Bộ phường Hương Mạc".
        while head < length and first - head - 1 > 0 and sentence[words[first - head - 1][0]].isupper():
            head += 1
        if set(said[first - head : first]) & _LINKING_WORDS:
            return None  # "Chương trình … của Mỹ nào": the noun stands before "của"
        first -= head
        if first > 0 and said[first - 1] in _DETERMINERS:
            first -= 1
    lead = said[first : first + SLOT_HEAD_WORDS]
    if noun_asked and any(
        said[i : i + len(lead)] == lead for i in range(last + 1, len(said) - len(lead) + 1)
    ):
        return None  # "cụm tháp Hòa Lai (Ba Tháp) …, cụm tháp Po Klong Garai …": the list goes on
    return opening_capital(sentence[words[first][0] : words[last][1]])


def _slot_anchor(said: list[str], before: list[str]) -> tuple[int, int] | None:
    """Where the longest run of ``before``'s last words stands in ``said``, when once: (index, length).

    A run of one word counts only after another of the question's words ("… của con người làm tăng").
    """
    for length in range(min(len(before), MAX_SLOT_ANCHOR_WORDS), 0, -1):
        run = before[-length:]
        if length == 1 and run[0] in _LINKING_WORDS:
            return None
        found = [i for i in range(len(said) - length + 1) if said[i : i + length] == run]
        if len(found) > 1:
            return None
        if found and (length > 1 or found[0] > 0 and said[found[0] - 1] in before):
            return found[0], length
        if found:
            return None  # one word, after none of the question's: "học tập và làm theo Bác" for "… làm gì?"
    return None


def _breaks(sentence: str, words: Words, i: int, boundary: set[str] = _SLOT_BOUNDARY) -> bool:
    """Whether punctuation of ``boundary`` stands between word ``i - 1`` and word ``i`` of ``sentence``."""
    return bool(set(sentence[words[i - 1][1] : words[i][0]]) & boundary)
