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

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from rag.normalize import detect_language, fold_diacritics, normalize_text
from rag.prompts import SYSTEM_PROMPT
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
    like "[1]" (the model answered, as the system message asks), with numbers
    that differ from the question's (one lost, or one added by an answer), or
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
    if detect_language(text) != target:
        return ""
    if numbers(text) != numbers(question):
        return ""
    names = question_names(question) if require_names else []
    folded = fold_diacritics(text).casefold()
    if names and not any(fold_diacritics(name).casefold() in folded for name in names):
        return ""
    return normalize_text(text)


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
