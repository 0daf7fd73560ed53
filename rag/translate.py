"""Question translation with the local LLM, for searching documents in another language.

An English question over Vietnamese documents is found far better when a
Vietnamese phrasing of it is searched as well (``rag.retrieve.search(...,
alternates=[translation])``, see the table in ``rag.retrieve``).

The translation prompt starts with exactly :data:`rag.prompts.SYSTEM_PROMPT`:
llama.cpp keeps one KV cache, and every answer prompt starts with that system
message, so a translation with its own system message would evict the cached
prefix and make the next answer pay for it again. The instruction goes into the
user message, with the question fenced like a passage (``<<<`` … ``>>>``) so the
model, told by the system message to answer questions, translates it instead.

The small model sometimes answers instead of translating, or echoes English;
:func:`clean_translation` turns such output into "" (the caller then searches
with the question alone). Results, "" included, are kept in a small LRU cache.

Measured (``eval/bench_translate.py --limit 200 --seed 0``, XQuAD, 200 English
questions over the 240 Vietnamese paragraphs, Qwen2.5-Coder-1.5B Q4, 2 cores):

=========================================  =====  =====
variant                                    R@1    R@5
=========================================  =====  =====
hybrid, English question only              .770   .935
+ translation as alternate (default)       .855   .955
+ translation, with the name check         .855   .960
+ raw output, no checks                    .845   .955
translation alone (English dropped)        .775   .910
+ human Vietnamese question (ceiling)      .945   .985
=========================================  =====  =====

177 of 200 outputs usable; 17 output tokens on average, 44 at most; 1.8 s per
translation at the median, 6.3 s at p95. The differences between the checked
variants are 1-2 questions of 200: noise; keeping the English question is not.

The answer prompt that follows a translation reuses 177 cached tokens (the
system message) against 183 after another answer; a translation
with its own system message leaves 4, and the answer re-evaluates the ~180
tokens of ``SYSTEM_PROMPT`` (about 3 s at 60 tokens/s).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.normalize import detect_language, fold_diacritics, is_vietnamese_word, normalize_text, syllables
from rag.prompts import (
    APPROXIMATORS_EN,
    CENTURY_WORDS,
    DECADE_WORDS,
    DECADE_YEAR,
    EDGE_PUNCT,
    MAGNITUDE_WORDS,
    SYSTEM_PROMPT,
    TIME_QUALIFIERS_EN,
)
from rag.retrieve import name_and_number_words

LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}
CACHE_SIZE = 256
STOP = ("\n",)
# Generation budget: a translation takes about as many tokens as the question
# (Vietnamese a little more); twice that plus a few is ample, and stops an answer early.
MAX_TOKENS_CAP = 96
# A translation much longer than the question is an answer or a ramble.
MAX_LENGTH_RATIO = 3.0

_INSTRUCTION = (
    "Translate the question in <<< >>> into {language}. "
    "Output only the {language} question; do not answer it.\n<<<\n{question}\n>>>"
)
_FENCE = re.compile(r"<<<|>>>")
_CITATION = re.compile(r"\s*\[\d+(?:\s*[,-]\s*\d+)*\]")
_LABEL = re.compile(r"^(?:vietnamese|english|tiếng việt|translation|bản dịch|câu hỏi)\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»`"
# The task said back instead of done ("Hãy hỏi câu trên tiếng Việt.", "Viết câu hỏi tiếng Việt cho như
# sau:"): words about the language or the question, in a translation of a question that has none.
_TASK_TALK = (  # (said in the translation, unless the question says it)
    (
        re.compile(r"(?<!\w)(?:tiếng việt|vietnamese)(?!\w)", re.I),
        re.compile(r"(?<!\w)(?:vietnam\w*|việt)(?!\w)", re.I),
    ),
    (
        re.compile(r"(?<!\w)(?:tiếng anh|english)(?!\w)", re.I),
        re.compile(r"(?<!\w)(?:english|tiếng anh)(?!\w)", re.I),
    ),
    (
        re.compile(r"(?<!\w)(?:câu hỏi|câu trên|question)(?!\w)", re.I),
        re.compile(r"(?<!\w)(?:question\w*|câu hỏi)(?!\w)", re.I),
    ),
)
_FIRST_WORD = re.compile(r"^\W*[^\W_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

_cache: OrderedDict[tuple[str, str], str] = OrderedDict()
_cache_lock = threading.Lock()


def translation_messages(question: str, target: str = "vi") -> list[dict[str, Any]]:
    """The chat messages asking for ``question`` in ``target``; the system message is ``SYSTEM_PROMPT``."""
    one_line = " ".join(_FENCE.sub(" ", question).split())
    language = LANGUAGE_NAMES.get(target, "Vietnamese")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": _INSTRUCTION.format(language=language, question=one_line)},
    ]


def max_tokens_for(llm: Any, question: str) -> int:
    """Generation budget for translating ``question``: twice its tokens plus 8, at most 96."""
    try:
        tokens = int(llm.count_tokens(question))
    except (AttributeError, TypeError, ValueError):
        tokens = len(question) // 3
    return min(MAX_TOKENS_CAP, 2 * tokens + 8)


def numbers(text: str) -> set[str]:
    """The numbers written with digits in ``text`` ("1,879" and "1879" alike)."""
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


def question_names(question: str) -> list[str]:
    """The question's names: capitalised words after its first word (which is capitalised anyway)."""
    rest = _FIRST_WORD.sub("", question, count=1)
    return [w for w in name_and_number_words(rest).split() if not any(c.isdigit() for c in w)]


def clean_translation(question: str, output: str, target: str = "vi", *, require_names: bool = False) -> str:
    """The usable translation in the model's ``output``, or "" when there is none.

    Strips quotes, a "Vietnamese:" label and fence markers. Unusable: empty,
    more than ``MAX_LENGTH_RATIO`` times longer than the question, the question
    itself, not in ``target`` (per ``detect_language``), with a citation marker
    like "[1]" (the model answered, as the system message asks), talking of the
    task ("Hãy hỏi câu trên tiếng Việt.") for a question that names no language
    or question, with numbers that differ from the question's (one lost, or one
    added by an answer), or
    with ``require_names``, without any of the question's names when it has some
    (see :func:`question_names`). The name check is off by default: it also
    rejects good translations that translate a name ("Atlantic" -> "Đại Tây
    Dương"), and on XQuAD it did not pay (see the module docstring).
    """
    text = output.strip().splitlines()[0] if output.strip() else ""
    if _CITATION.search(text):
        return ""
    text = _FENCE.sub(" ", text)
    text = _LABEL.sub("", text.strip())
    text = " ".join(text.strip().strip(_QUOTES).split())
    if not text or not any(ch.isalpha() for ch in text):
        return ""
    if len(text) > MAX_LENGTH_RATIO * max(len(question), 20):
        return ""
    if text.casefold() == " ".join(question.split()).casefold():
        return ""
    if any(said.search(text) and not asked.search(question) for said, asked in _TASK_TALK):
        return ""
    if detect_language(text) != target:
        return ""
    if numbers(text) != numbers(question):
        return ""
    if target == "vi":
        text = _restore_how_many(question, text)
        text = _restore_direction(question, text)
    names = question_names(question) if require_names else []
    folded_words = _folded_words(text)
    if names and not any(folded_words.issuperset(_folded_words(name)) for name in names):
        return ""
    return normalize_text(text)


def _folded_words(text: str) -> set[str]:
    # Whole words: the name "Tu" is not in "Tuy nhiên, tôi không thể dịch câu này".
    return set(syllables(fold_diacritics(text)))


_HOW_MANY_EN = re.compile(r"\bhow (?:many|much)\b", re.IGNORECASE)
_ASKS_NUMBER_VI = re.compile(r"\b(?:bao nhiêu|mấy|số lượng|số)\b", re.IGNORECASE)
_NUMBER_WORDS_EN = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|both|twice|once|pair|first|second|third)\b",
    re.IGNORECASE,
)


def _restore_how_many(question: str, translation: str) -> str:
    """``translation`` with "Bao nhiêu" back where the model wrote "How many …" as "Hai …" ("two …").

    The 1.5B model rendered 3 of 26 XQuAD "how many" questions so ("How many Panthers defense
    players were selected for the Pro Bowl?" → "Hai cầu thủ của Panthers đã được chọn …"), and
    the invented figure then steered the search and the choice of the answer's number.
    """
    if not _HOW_MANY_EN.search(question) or _ASKS_NUMBER_VI.search(translation):
        return translation
    if _NUMBER_WORDS_EN.search(question):
        return translation  # the question has a figure of its own in words
    match = _NUMBER_WORD_VI.search(translation)
    if match is None:
        return translation
    replacement = "Bao nhiêu" if match.start() == 0 else "bao nhiêu"
    return translation[: match.start()] + replacement + translation[match.end() :]


_DIRECTION_EN = re.compile(r"\b(north|south)?[- ]?(east|west)?(?:ern)?\b", re.IGNORECASE)
_DIRECTION_VI = re.compile(r"\b(phía|hướng|miền)\s+(đông|tây|nam|bắc)(?:\s+(nam|bắc))?\b", re.IGNORECASE)
_COMPASS_VI = {"north": "bắc", "south": "nam", "east": "đông", "west": "tây"}


def _restore_direction(question: str, translation: str) -> str:
    """``translation`` with the question's one compass direction where the model wrote another.

    "What province borders Gia Lai to the south?" came back "Tỉnh nào bao quanh tỉnh Gia Lai phía
    đông?", and the answer searched for was the east's.
    """
    asked = {
        " ".join(_COMPASS_VI[part.lower()] for part in (m.group(2), m.group(1)) if part)
        for m in _DIRECTION_EN.finditer(question)
        if m.group(1) or m.group(2)
    }
    said = list(_DIRECTION_VI.finditer(translation))
    if len(asked) != 1 or len(said) != 1:
        return translation
    (direction,) = asked
    written = " ".join(part for part in said[0].groups()[1:] if part).lower()
    if written == direction:
        return translation
    return f"{translation[: said[0].start()]}{said[0].group(1)} {direction}{translation[said[0].end() :]}"


def keeps_names(question: str, translation: str) -> bool:
    """True when ``translation`` is usable and keeps the question's names (see :func:`clean_translation`).

    The 1.5B model sometimes "translates" by refusing ("Tuy nhiên, tôi không thể dịch câu này
    …"); such text passes the plain checks but drops every name of the question.
    """
    if not translation:
        return False
    target = detect_language(translation)
    return bool(clean_translation(question, translation, target, require_names=True))


def translate_question(llm: Any, question: str, target: str = "vi") -> str:
    """``question`` translated into ``target`` by ``llm``, or "" when the output is unusable.

    Call it only when the question's language differs from the documents'
    language; the result is meant as an extra search phrasing
    (``alternates=[translation]``), never shown as the user's question.

    Args:
        llm: any ``rag.llm.LLM`` (``complete(messages, max_tokens, stop)``).
        question: the question, one line.
        target: "vi" or "en".

    Returns:
        The translation (normalised text), or "" (also for an empty question).
        Repeated calls with the same question and target are answered from a
        cache of the last ``CACHE_SIZE`` results without calling ``llm``.
    """
    question = " ".join((question or "").split())
    if not question:
        return ""
    key = (question, target)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    output = llm.complete(
        translation_messages(question, target), max_tokens=max_tokens_for(llm, question), stop=list(STOP)
    )
    usage = getattr(llm, "last_usage", None)
    truncated = getattr(usage, "finish_reason", None) == "length"
    translation = "" if truncated else clean_translation(question, output, target)
    with _cache_lock:
        _cache[key] = translation
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return translation


def clear_translation_cache() -> None:
    """Forget cached translations (tests, or after changing the model)."""
    with _cache_lock:
        _cache.clear()


def cached_translations() -> Sequence[tuple[tuple[str, str], str]]:
    """The cache's entries, oldest first (for tests and diagnostics)."""
    with _cache_lock:
        return list(_cache.items())


# ---------------------------------------------------------------- glossary

BUILT_IN_GLOSSARY = Path(__file__).with_name("glossary_en_vi.tsv")
# Words after "how many" / "what is the" within which the counted or measured noun starts.
ASKED_NOUN_WITHIN_WORDS = 3

Glossary = tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]


@functools.lru_cache(maxsize=8)
def load_glossary(extra: Path | None = None) -> Glossary:
    """The English -> Vietnamese terms (``glossary_en_vi.tsv``, then ``extra``), longest phrase first.

    Each term is (pattern of the English phrase, its Vietnamese alternatives). ``extra`` has the
    same format (English phrase, a tab, the Vietnamese words, "|" between alternatives; ``#``
    comments) and wins over the built-in file for the same English phrase.

    Raises:
        ValueError: a line is not "phrase<TAB>words" (the file and line are named).
        OSError: ``extra`` cannot be read.
    """
    terms: dict[str, tuple[str, ...]] = {}
    for path in (BUILT_IN_GLOSSARY, *((extra,) if extra else ())):
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            english, _, vietnamese = (part.strip() for part in line.partition("\t"))
            alternatives = tuple(normalize_text(a).strip() for a in vietnamese.split("|") if a.strip())
            if not english or not alternatives:
                raise ValueError(
                    f"{path}:{number}: expected 'English phrase<TAB>Vietnamese words', got {line!r}"
                )
            terms[" ".join(english.lower().split())] = alternatives
    patterns = []
    for english in sorted(terms, key=lambda phrase: (-len(phrase.split()), -len(phrase))):
        words = [re.escape(word) for word in english.split()]
        # "Party members", "residential areas", "breakthroughs": the last word may take a plural.
        body = r"[\s-]+".join(words[:-1] + [words[-1] + r"(?:s|es)?"])
        patterns.append((re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE), terms[english]))
    return tuple(patterns)


def _glossary_matches(text: str, extra: Path | None) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, Vietnamese alternatives) of the glossary phrases in ``text``, longest first, in order."""
    text = text.replace("’", "'")  # "People’s Committee"
    taken: list[tuple[int, int, tuple[str, ...]]] = []
    for pattern, alternatives in load_glossary(extra):
        for match in pattern.finditer(text):
            if not any(match.start() < end and start < match.end() for start, end, _ in taken):
                taken.append((match.start(), match.end(), alternatives))
    return sorted(taken)


def glossary_terms(question: str, extra: Path | None = None) -> list[str]:
    """The Vietnamese terms of the English phrases in ``question``, in the question's order.

    Longer phrases win: "Standing Committee" is "Ban Thường vụ", not a "committee" of its own.
    Alternatives come together ("khu dân cư khu phố" for "residential areas").

    >>> glossary_terms("Which two breakthrough areas has the Tu Son Standing Committee focused on?")
    ['đột phá', 'Ban Thường vụ']
    """
    return list(
        dict.fromkeys(" ".join(alternatives) for _, _, alternatives in _glossary_matches(question, extra))
    )


def glossary_alternatives(text: str, extra: Path | None = None) -> list[tuple[str, ...]]:
    """The Vietnamese alternatives of each glossary phrase in ``text``, in order ("huyện", "quận")."""
    return [alternatives for _, _, alternatives in _glossary_matches(text, extra)]


def with_glossary(question: str, translation: str, extra: Path | None = None) -> str:
    """``translation`` followed by the glossary terms of ``question`` it lacks (:func:`glossary_terms`).

    An empty translation (the model's output was unusable) gives the terms alone: a Vietnamese
    phrasing of the question's subject is still worth searching.

    >>> with_glossary("How many Party members were disciplined?", "Bao nhiêu đảng viên bị phạt?")
    'Bao nhiêu đảng viên bị phạt? kỷ luật'
    """
    translation = normalize_text(translation)
    present = set(syllables(fold_diacritics(translation).lower()))
    missing = [
        term
        for term in glossary_terms(question, extra)
        if not set(syllables(fold_diacritics(term).lower())) <= present
    ]
    return " ".join([translation, *missing]).strip()


_ASKS_QUANTITY_OF = re.compile(
    r"\b(?:how (?:many|much)|(?:what|which) (?:is|was|are|were) the|the (?:number|total) of)\s+",
    re.IGNORECASE,
)


def asked_quantity_term(question: str, extra: Path | None = None) -> tuple[str, ...]:
    """The Vietnamese alternatives of what an English figure question counts or measures; () if unknown.

    The first glossary phrase among the first :data:`ASKED_NOUN_WITHIN_WORDS` words after "how
    many", "what is the" or "the number of": "How many Party members …" → ("đảng viên",), "What is
    the population of …" → ("dân số",). A Vietnamese report's figure of that is written next to those words.

    >>> asked_quantity_term("How many residential areas in Phu Chan ward earned the title?")
    ('khu dân cư', 'khu phố')
    """
    opening = _ASKS_QUANTITY_OF.search(question)
    if opening is None:
        return ()
    rest = question[opening.end() :]
    for start, _, alternatives in _glossary_matches(rest, extra):
        if len(rest[:start].split()) < ASKED_NOUN_WITHIN_WORDS:
            return alternatives
        break
    return ()


def holds_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase``'s syllables stand in a row in ``text`` (case and tone marks kept, NFC)."""
    wanted = syllables(normalize_text(phrase).lower())
    have = syllables(normalize_text(text).lower())
    return bool(wanted) and any(
        have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1)
    )


# ---------------------------------------------------------------- factoid answers

# A Vietnamese span that answers "how many / when / who" holds a figure, a date or a name:
# those read the same in English once numbers are written the English way and a few
# unit words are translated, so no generation (and no chance to change the figure) is needed.
# A figure the report writes in words stays a word ("bốn lựa chọn" → "four"), as English writes
# small numbers; XQuAD's English answers do too ("four", not "4").
_NUMBER_WORDS_VI = {
    "một": "one", "hai": "two", "ba": "three", "bốn": "four", "sáu": "six", "bảy": "seven",
    "tám": "eight", "chín": "nine", "mười": "ten",
}  # fmt: skip
# A figure in words in a translation ("năm" is not one: it is "year" far more often than "five").
_NUMBER_WORD_VI = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS_VI) + r")\b", re.IGNORECASE)
_UNITS_EN = {
    "triệu": "million", "tỷ": "billion", "tỉ": "billion", "nghìn": "thousand", "ngàn": "thousand",
    "trăm": "hundred", "đồng": "VND", "người": "people", "hộ": "households", "trường hợp": "cases",
    "lần": "times", "năm": "years", "tháng": "months", "ngày": "days", "ha": "ha", "km": "km",
    "m": "m", "kg": "kg", "tấn": "tonnes", "%": "%", "phần trăm": "percent", "lít": "litres",
    "mét": "metres", "dặm": "miles",
}  # fmt: skip
# Units written the same in both languages: a currency code ("108 tỉ USD"), an area or volume ("km²").
_NEUTRAL_UNIT = re.compile(r"^(?:[A-Z]{3}|(?:k|c|m|d|h)?m[²³23])$")
# "năm" (five) before these reads as a figure; "năm mươi" (fifty) is not composed here.
_MAGNITUDES_VI = MAGNITUDE_WORDS - {"mươi", "chục"}
_PER_UNIT_EN = {"người": "person", "năm": "year", "tháng": "month", "ngày": "day", "hộ": "household"}
# Months of the lunar calendar that have a name of their own.
_LUNAR_MONTHS = {"giêng": "1st", "chạp": "12th"}
_MONTHS_EN = "January February March April May June July August September October November December".split()
_HONORIFICS = frozenset("đồng chí ông bà anh chị cô thầy tiến sĩ giáo sư phó thạc".split())
_DIGITS = re.compile(r"\d")
_VI_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?%?$")
_VI_DECIMAL = re.compile(r"^\d+,\d+%?$")


def english_number(token: str) -> str:
    """A Vietnamese-written number the English way: "1.200" → "1,200", "0,58%" → "0.58%"."""
    if _VI_THOUSANDS.match(token) or _VI_DECIMAL.match(token):
        return token.translate(str.maketrans({".": ",", ",": "."}))
    return _NUMBER_WORDS_VI.get(token.lower(), token)


def _words(span: str) -> list[str]:
    return [w.strip(EDGE_PUNCT) for w in span.split()]


def _quantity(words: list[str]) -> str:
    head: list[str] = []
    i = 0
    while i < len(words) and (_DIGITS.search(words[i]) or words[i].lower() in _NUMBER_WORDS_VI):
        head.append(english_number(words[i]))
        i += 1
    if not head and len(words) > 1 and words[0].lower() == "năm" and words[1].lower() in _MAGNITUDES_VI:
        head, i = ["five"], 1  # "năm triệu người": five before a magnitude, not "year"
    if not head:
        return ""
    for _ in range(2):  # "53 triệu đồng/người/năm" → "53 million VND/person/year"
        if i >= len(words):
            break
        two = f"{words[i]} {words[i + 1]}".lower() if i + 1 < len(words) else ""
        if two in _UNITS_EN:
            head.append(_UNITS_EN[two])
            i += 2
            continue
        first, *per = words[i].split("/")
        unit = first if _NEUTRAL_UNIT.match(first) else _UNITS_EN.get(first.lower())
        if unit is None or any(p.lower() not in _PER_UNIT_EN for p in per):
            break
        head.append("/".join([unit, *(_PER_UNIT_EN[p.lower()] for p in per)]))
        i += 1
    return " ".join(head).replace(" %", "%")


_NUMBER_SIGNS = frozenset({"số", "no"})
_RANGE_TO = frozenset({"đến", "tới"})


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def century_number(word: str) -> int | None:
    """19 for "19" or "XIX" (how Vietnamese writes centuries), None for anything else."""
    if word.isdigit() and len(word) <= 2:
        return int(word)
    if not word or any(c not in _ROMAN for c in word):
        return None
    values = [_ROMAN[c] for c in word]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total <= 30 else None


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _era(words: list[str], lowered: list[str]) -> str:
    """A decade or a century: "những năm 1950" → "1950s", "thế kỷ XIX" → "19th century"."""
    for i in range(len(words) - 1):
        pair = f"{lowered[i]} {lowered[i + 1]}"
        following = words[i + 2] if i + 2 < len(words) else ""
        if pair in _DECADE_WORDS and _DECADE.fullmatch(following):
            also = words[i + 4] if i + 4 < len(words) and lowered[i + 3] == "và" else ""
            return f"{following}s and {also}s" if _DECADE.fullmatch(also) else f"{following}s"
        if pair in _CENTURY_WORDS:
            number = century_number(following)
            if number is not None:
                return f"{_ordinal(number)} century"
    return ""


_DECADE_WORDS = frozenset(DECADE_WORDS)
_CENTURY_WORDS = frozenset(CENTURY_WORDS)
_DECADE = re.compile(DECADE_YEAR)
_PREPOSITIONS = frozenset({"before", "after", "since", "around"})


def _time(words: list[str]) -> str:
    lowered = [w.lower() for w in words]
    era = _era(words, lowered)
    if era:
        return era
    for i, word in enumerate(lowered):  # "(ngày 2) tháng 9 (năm 1945)" → "(2) September (1945)"
        following = lowered[i + 1] if i + 1 < len(words) else ""
        if word == "tháng" and following in _LUNAR_MONTHS:  # "6 tháng giêng âm lịch"
            day = (
                words[i - 1]
                if i and words[i - 1].isdigit()
                else "15"
                if i and lowered[i - 1] == "rằm"
                else ""
            )
            month = _LUNAR_MONTHS[following]
            return (
                f"{_ordinal(int(day))} day of the {month} lunar month" if day else f"the {month} lunar month"
            )
        if word == "tháng" and following.isdigit() and 1 <= int(following) <= 12:
            parts = [_MONTHS_EN[int(following) - 1]]
            # "5 tháng 2 năm 2016" dates a day without "ngày"
            if i >= 1 and words[i - 1].isdigit() and 1 <= int(words[i - 1]) <= 31:
                parts.insert(0, words[i - 1])
            if i + 3 < len(words) and lowered[i + 2] == "năm" and words[i + 3].isdigit():
                parts.append(words[i + 3])
            return " ".join(parts)
    for word in words:  # "19/05/1999" → "19 May 1999", "4/2005" → "April 2005"
        slashed = re.fullmatch(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})", word)
        if (
            slashed
            and 1 <= int(slashed.group(2)) <= 12
            and (not slashed.group(1) or 1 <= int(slashed.group(1)) <= 31)
        ):
            day = str(int(slashed.group(1))) if slashed.group(1) else ""
            return " ".join(
                part for part in (day, _MONTHS_EN[int(slashed.group(2)) - 1], slashed.group(3)) if part
            )
    head: list[str] = []
    for i, word in enumerate(words):
        if not head and i and lowered[i - 1] in _NUMBER_SIGNS:
            continue  # "Kết luận số 01": a document's number, not a date
        if _DIGITS.search(word) or head and word in {"-", "–"}:
            head.append(word)
        elif head:
            break
    while head and not _DIGITS.search(head[-1]):
        head.pop()
    if len(head) == 1 and re.fullmatch(r"\d{1,2}", head[0]):
        # "Eurobird 1": a number of two digits or fewer is a date only after a date word ("ngày 2");
        # before one it counts them: "2 năm qua" is the past two years.
        at = next(i for i, word in enumerate(words) if word == head[0])
        if not at or lowered[at - 1] not in _DATE_WORDS:
            return ""
    return " ".join(head)


_DATE_WORDS = frozenset({"năm", "tháng", "ngày"})
_ERA_OPENERS = frozenset(words.split()[0] for words in (*DECADE_WORDS, *CENTURY_WORDS))
_READERS = {"quantity": _quantity, "time": _time}  # a span's figure or date, read in English


def _range(words: list[str], kind: str) -> str:
    """A range read in English: "1500 đến 1850" → "from 1500 to 1850", "2021 đến nay" → "since 2021".

    "" when the words open with no range of figures. A quantity's range opens with a figure
    of at most three words ("3,5 triệu đồng đến 4 triệu đồng"), so "61 trường hợp vi phạm
    đến nay" stays a count, not a range.
    """
    read = _READERS[kind]
    lowered = [w.lower() for w in words]
    cut = next((i for i, w in enumerate(lowered) if w in _RANGE_TO), None)
    if cut is None or not any(_DIGITS.search(w) for w in words[:cut]) or kind == "quantity" and cut > 3:
        return ""
    low = read(words[:cut])
    if not low:
        return ""
    if lowered[cut + 1 : cut + 2] == ["nay"]:
        return f"since {low}" if kind == "time" else ""
    high = read(words[cut + 1 :])
    return f"from {low} to {high}" if high else ""


# Lower-case words inside a name: "Muhammad ibn Zakarīya Rāzi", "Ludwig van Beethoven".
_NAME_PARTICLES = frozenset(
    "ibn bin bint al el abu van von de da di du del della der den la le dos das".split()
)


def _name_word(core: str) -> bool:
    # "al-Zahrawi" is capitalised after its hyphen; no name holds a digit ("COVID-19", "F-16")
    if any(char.isdigit() for char in core):
        return False
    return core[:1].isupper() or "-" in core and core.rsplit("-", 1)[1][:1].isupper()


_ROMAN_NUMERAL = re.compile(r"^[IVXLCDM]+$")


# Posts and ranks a copied name may open with: "Nguyên Đại tá …" (a former colonel), "Tổng thống …".
_LEADING_TITLE = re.compile(
    r"^(?:nguyên\s+)?(?:(?:đại|thiếu|trung|thượng)\s+(?:tá|úy|uý|tướng)|đại\s+sứ|tổng\s+thống|"
    r"thủ\s+tướng|chủ\s+tịch|bí\s+thư|giám\s+đốc|hiệu\s+trưởng)\s+",
    re.IGNORECASE,
)


def _person(span: str) -> str:
    raw = _LEADING_TITLE.sub("", span.strip()).split()
    i = 0
    while i < len(raw) and _words(raw[i])[0].lower() in _HONORIFICS:
        i += 1
    head: list[str] = []
    after = ""  # the word that ended the name
    for position in range(i, len(raw)):
        word = raw[position]
        core = _words(word)[0]
        following = _words(raw[position + 1])[0] if position + 1 < len(raw) else ""
        if head and core in _NAME_PARTICLES and _name_word(following):
            head.append(core)
            continue
        if word.startswith("(") or not _name_word(core):  # "Rāzi (Rhazes)": an alias follows
            after = core
            break
        initial = len(core) == 1 and word.endswith(".")
        head.append(f"{core}." if initial else core)
        if not initial and word.rstrip(EDGE_PUNCT) != word:
            break  # "Hà," ends the name
    if len(head) >= 2:
        return " ".join(head)
    if after[:1].isdigit():
        return ""  # "Level 3 Communications": a company's name cut short
    # One capitalised word is a name only when it is no Vietnamese syllable ("Iqbal"): no
    # Vietnamese name has one syllable, and "Nghị quyết …" is capitalised as a sentence's start.
    # A Roman numeral ("khóa XIII", a Party congress) names no one either.
    if head and not is_vietnamese_word(head[0]) and not _ROMAN_NUMERAL.match(head[0]):
        return head[0]
    return ""


def _qualifier(words: list[str], kind: str) -> tuple[str, list[str]]:
    """The English of the span's opening qualifier, and the words after it.

    The qualifier makes a figure approximate or a bound ("gần" → "nearly") or places a
    date ("cuối" → "late").
    """
    qualifiers = TIME_QUALIFIERS_EN if kind == "time" else APPROXIMATORS_EN
    for size in (2, 1):
        opening = " ".join(words[:size]).lower()
        if len(words) > size and opening in qualifiers:
            placed = words[size].lower() in _DATE_WORDS | _ERA_OPENERS or _DIGITS.match(words[size])
            if kind != "time" or placed:  # "đầu tiên năm 2010" is "first in 2010", not "early 2010"
                return qualifiers[opening], words[size:]
    return "", words


def factoid_in_english(span: str, kind: str | None) -> str:
    """The language-neutral core of a Vietnamese span answering a "how many / when / who" question.

    "53 triệu đồng/người/năm" → "53 million VND/person/year", "0,58%" → "0.58%",
    "gần 53 triệu đồng" → "nearly 53 million VND", "cuối năm 2021" → "late 2021",
    "từ 1500 đến 1850" → "from 1500 to 1850", "2021 đến nay" → "since 2021",
    "cuối những năm 1980" → "late 1980s", "thế kỷ XIX" → "19th century",
    "Đồng chí Đàm Đức Hà, Bí thư" → "Đàm Đức Hà". Returns "" when the span has no such core:
    the copied phrase does not answer the question (the caller refuses).
    """
    words = [w for w in _words(span) if w]
    if kind in _READERS:
        opened = words[1:] if words[:1] and words[0].lower() == "từ" else words  # "từ 1500 đến 1850"
        ranged = _range(opened, kind)
        if ranged:
            return ranged
        qualifier, rest = _qualifier(words, kind)
        figure = _READERS[kind](rest if qualifier else opened)
        if not (qualifier and figure):
            return figure
        if qualifier.endswith("-"):
            return f"{qualifier}{figure}"
        if qualifier in _PREPOSITIONS and figure.endswith(("0s", "century")):
            return f"{qualifier} the {figure}"  # "since the 1990s", but "late 1980s"
        return f"{qualifier} {figure}"
    if kind == "person":
        return _person(span)
    return ""
