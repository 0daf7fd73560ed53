"""Short answers: a one-sentence answer that restates the question is cut to what it adds.

The 1.5B model answers "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?" with "Đội
Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000 [1]." The question is right above
the answer in the chat and the [n] opens the passage, so the answer shown is "Đội Polonia Warsaw
[1]": the words the sentence adds to the question, with the noun the question asked about ("Đội
nào" → "Đội …") and its markers. This runs after the sentence was checked against its passage,
so the shorter answer is a part of a verified claim.

Only a single sentence that repeats most of the question's words (``MIN_ECHO_SHARE``) is cut,
and only when what it adds is one stretch of words: "Guru trong Ấn Độ giáo được gọi là guru"
(the question's words between the new ones) stays whole, as does any answer that
holds a negation, and answers to "how"/"why" questions, whose sentence is the answer.
"""

from __future__ import annotations

import re
import unicodedata

from rag import citations as cite

# Share of the question's content words the sentence must repeat to count as restating it.
MIN_ECHO_SHARE = 0.6
# Words of the question's noun ("Thư ký LHQ nào") kept in front of the answer ("Thư ký LHQ Ban Ki-moon").
MAX_HEAD_WORDS = 3

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
# Never the last word of a short answer: "hơn 9,23% số hộ …" is "hơn 9,23%".
_TRAILING_WORDS = frozenset("số các những của và hoặc hay với cho là the of and or a an".split())
# Kept in front of the answer's first word: they belong to its noun ("các địa điểm khác …").
_DETERMINERS = frozenset("các những một mọi nhiều mỗi the a an".split())
_COPULAS = frozenset("là is was are were".split())
_NEGATIONS = frozenset("không chưa chẳng chả chớ not no never none nothing".split())
# The sentence is itself the answer to these.
_EXPLAINING = re.compile(
    r"thế nào|ra sao|tại sao|vì sao|lý do|vì lẽ gì"
    r"|\bwhy\b|\bhow\b(?!\s+(?:many|much|long|old|far|often))",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»|\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _folded(word: str) -> str:
    return unicodedata.normalize("NFC", word.lower())


def _question_nouns(question_words: list[str]) -> list[list[str]]:
    """The words before each "nào" of the question, in order: "Đảng nào" asks for a party.

    Not before "gì", where a verb stands as often ("có thể mua gì?").
    """
    return [question_words[:i] for i, word in enumerate(question_words) if word == "nào"]


def _with_question_noun(words: list[tuple[int, int, str]], first: int, heads: list[list[str]]) -> int:
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


def short_answer(answer: str, question: str) -> str:
    """``answer`` cut to the words it adds to ``question``, with its [n] markers; else unchanged.

    >>> short_answer("Đội Polonia Warsaw đã giành giải vô địch Ekstraklasa vào năm 2000 [1].",
    ...              "Đội nào đã giành giải vô địch Ekstraklasa vào năm 2000?")
    'Đội Polonia Warsaw [1]'
    """
    answer, question = unicodedata.normalize("NFC", answer), unicodedata.normalize("NFC", question)
    if _EXPLAINING.search(question) or "\n" in answer.strip():
        return answer
    markers = "".join(dict.fromkeys(re.findall(r"\[\d+(?:\s*,\s*\d+)*\]", answer)))
    body = cite.strip_markers(answer).strip()
    sentences = [piece for piece in _SENTENCE_END.split(body) if piece.strip()]
    if not markers or len(sentences) != 1:
        return answer
    sentence = sentences[0].rstrip(" .;:,")
    question_words = [_folded(w) for w in _WORD.findall(question)]
    if not _QUESTION_WORDS.intersection(question_words):
        return answer  # "Còn trật tự xây dựng?": what it asks is in the previous question
    asked = set(question_words) - _QUESTION_WORDS
    asked_content = asked - _LINKING_WORDS
    words = [(m.start(), m.end(), _folded(m.group())) for m in _WORD.finditer(sentence)]
    if not words or not asked_content:
        return answer
    if _NEGATIONS.intersection(word for _, _, word in words):
        return answer  # "X không giành …" is no "X"
    repeated = [word in asked for _, _, word in words]
    if len({word for _, _, word in words} & asked_content) < MIN_ECHO_SHARE * len(asked_content):
        return answer
    added = [i for i, is_repeated in enumerate(repeated) if not is_repeated]
    opening = [i for i in added if words[i][2] not in _LINKING_WORDS]
    if not opening:
        return answer
    first, last = opening[0], added[-1]
    if any(repeated[i] and words[i][2] not in _LINKING_WORDS for i in range(first, last + 1)):
        return answer  # the new words are spread among the question's
    while last > first and words[last][2] in _TRAILING_WORDS:
        last -= 1
    # "là chủ nghĩa đế quốc văn hóa": after "là", the question's words are part of the answer.
    copula = max((i for i in range(first) if words[i][2] in _COPULAS), default=None)
    if copula is not None and all(
        repeated[i] or words[i][2] in _LINKING_WORDS for i in range(copula + 1, first)
    ):
        first = copula + 1
        while words[first][2] in _LINKING_WORDS and words[first][2] not in _DETERMINERS:
            first += 1
    first = _with_question_noun(words, first, _question_nouns(question_words))
    if first > 0 and words[first - 1][2] in _DETERMINERS:
        first -= 1
    if first == 0 and last == len(words) - 1:
        return answer
    start, end = words[first][0], words[last][1]
    for quoted in _QUOTED.finditer(sentence):  # a quotation the answer starts or ends in is kept whole
        if quoted.start() < end and quoted.end() > start:
            start, end = min(start, quoted.start()), max(end, quoted.end())
    return f"{sentence[start:end]} {markers}"
