"""Vietnamese text normalisation, tokens for BM25, byte decoding and language detection.

Every document text and every query goes through :func:`normalize_text`, so the
same word is always spelled with the same code points: NFC, one tone-mark
convention (the classic one: "hòa", "thúy", "khỏe"), and plain whitespace.
Changing what any function here returns for a given input changes the index:
bump :data:`NORMALIZER_VERSION` when you do.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, compress
from operator import ne
from typing import Literal, TypeVar

from rag.types import DocumentError

NORMALIZER_VERSION = "2"

_T = TypeVar("_T")

# ---------------------------------------------------------------- Vietnamese letters

_TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_PLAIN_VOWELS = "aăâeêioôơuưy"
_MODIFIED_VOWELS = frozenset("ăâêôơư")


def _vowel_tables() -> tuple[dict[str, tuple[str, int]], dict[tuple[str, int], str]]:
    """Map each (toned) vowel to (plain vowel, tone) and back, both cases."""
    split: dict[str, tuple[str, int]] = {}
    compose: dict[tuple[str, int], str] = {}
    for base in _PLAIN_VOWELS + _PLAIN_VOWELS.upper():
        for mark, tone in [("", 0), *_TONE_MARKS.items()]:
            letter = unicodedata.normalize("NFC", base + mark)
            split[letter] = (base, tone)
            compose[(base, tone)] = letter
    return split, compose


_SPLIT_VOWEL, _COMPOSE_VOWEL = _vowel_tables()
_TONED_VOWELS = "".join(sorted(ch for ch, (_, tone) in _SPLIT_VOWEL.items() if tone))

# Onset, vowel nucleus (semivowel codas included), consonant coda.
_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?([aăâeêioôơuưy]+)(ch|ng|nh|[cmnpt])?"
)
_NUCLEI = frozenset(
    """a ă â e ê i o ô ơ u ư y
    ai ao au ay âu ây eo êu ia iu iê oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê
    iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu""".split()
)
# The nuclei a consonant may close ("toán", "người"); the others end in a glide ("cau", "mùa").
_CLOSABLE_NUCLEI = frozenset("a ă â e ê i o ô ơ u ư y iê yê oa oă oe oo uâ uê uô uơ ươ uy uyê".split())

# A run of letters holding a toned vowel, not followed by a stray combining mark
# (re-placing the tone there could make NFC compose differently next time).
_TONED_WORD_RE = re.compile(rf"(?<![^\W\d_])[^\W\d_]*?[{_TONED_VOWELS}][^\W\d_]*+(?![\u0300-\u036f])")


_UNMARKED_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?([aeiouy]+)(ch|ng|nh|[cmnpt])?"
)
_UNMARKED_NUCLEI = frozenset(
    unicodedata.normalize("NFD", n).encode("ascii", "ignore").decode() for n in _NUCLEI
)
_UNMARKED_CLOSABLE_NUCLEI = frozenset(
    unicodedata.normalize("NFD", n).encode("ascii", "ignore").decode() for n in _CLOSABLE_NUCLEI
)


def _parse_syllable(plain_lower: str) -> tuple[str, str, str] | None:
    """Split a toneless lowercase word into (onset, nucleus, coda), or None if not Vietnamese."""
    match = _SYLLABLE_RE.fullmatch(plain_lower)
    if match is None or match.group(2) not in _NUCLEI:
        return None
    if match.group(3) and match.group(2) not in _CLOSABLE_NUCLEI:
        return None
    return match.group(1) or "", match.group(2), match.group(3) or ""


def _tone_index(nucleus: str, has_coda: bool) -> int:
    """Index in the nucleus that carries the tone mark, classic convention."""
    for index in range(len(nucleus) - 1, -1, -1):
        if nucleus[index] in _MODIFIED_VOWELS:
            return index
    if has_coda or len(nucleus) == 1:
        return len(nucleus) - 1
    if len(nucleus) == 3:
        return 1
    return 0  # open oa/oe/uy/ua/ai...: hòa, khỏe, thúy, của


def _place_tone(word: str) -> str:
    """Re-place the tone mark of one Vietnamese syllable by rule; other words are returned as is."""
    letters = list(word)
    tone = 0
    tone_at = -1
    for index, letter in enumerate(letters):
        parts = _SPLIT_VOWEL.get(letter)
        if parts is None:
            continue
        letters[index] = parts[0]
        if parts[1]:
            if tone:
                return word  # two tone marks: not one syllable
            tone, tone_at = parts[1], index
    if not tone:
        return word
    parsed = _parse_syllable("".join(letters).lower())
    if parsed is None:
        return word
    onset, nucleus, coda = parsed
    target = len(onset) + _tone_index(nucleus, bool(coda))
    if target == tone_at:
        return word
    letters[target] = _COMPOSE_VOWEL[(letters[target], tone)]
    return "".join(letters)


class _TokenCache(dict[str, _T]):
    """Memo of a per-token function: a corpus has few distinct tokens, so most lookups hit.

    Used through ``map(cache.__getitem__, tokens)`` so the common case runs in C.
    """

    def __init__(self, compute: Callable[[str], _T], max_size: int = 300_000) -> None:
        super().__init__()
        self._compute = compute
        self._max_size = max_size

    def __missing__(self, token: str) -> _T:
        value = self[token] = self._compute(token)
        return value

    def trim(self) -> None:
        """Forget everything once too many distinct tokens were seen (bounded memory)."""
        if len(self) > self._max_size:
            self.clear()


def _place_tones_in_token(token: str) -> str:
    """NFC, then re-place the tone marks of every syllable in one whitespace-free token."""
    return _TONED_WORD_RE.sub(lambda match: _place_tone(match.group()), _nfc(token))


_PLACED_TOKENS: _TokenCache[str] = _TokenCache(_place_tones_in_token)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def is_vietnamese_syllable(word: str) -> bool:
    """True if ``word`` (one run of letters, any case, toned or not) is a possible Vietnamese syllable."""
    plain = "".join(_SPLIT_VOWEL.get(letter, (letter, 0))[0] for letter in word.lower())
    return _parse_syllable(plain) is not None


def is_unmarked_syllable(word: str) -> bool:
    """True if ``word`` is a Vietnamese syllable once its marks are put back ("viet", "nguyen", "Hanoi" no).

    :func:`is_vietnamese_syllable` reads "viet" as written, and Vietnamese never writes "ie" without
    its circumflex; a name spelled the English way ("Nguyen", "Thuong") lost its marks.
    """
    match = _UNMARKED_SYLLABLE_RE.fullmatch(fold_diacritics(word).lower())
    if match is None or match.group(2) not in _UNMARKED_NUCLEI:
        return False
    return not match.group(3) or match.group(2) in _UNMARKED_CLOSABLE_NUCLEI


def is_vietnamese_word(word: str) -> bool:
    """True if every run of letters in ``word`` is a possible Vietnamese syllable ("Nghị", not "Iqbal")."""
    return all(is_vietnamese_syllable(letters) for letters in re.findall(r"[^\W\d_]+", word))


# ---------------------------------------------------------------- normalize_text

_LINE_BREAK_LIKE = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, 0x7F])
_SPECIAL_CHARS = {
    **dict.fromkeys(_LINE_BREAK_LIKE, "\n"),
    **dict.fromkeys(_INVISIBLE + _CONTROLS, ""),
}
_SPECIAL_CHAR_RE = re.compile("[" + re.escape("".join(_SPECIAL_CHARS)) + "]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Normalise a document text or a query so equal words have equal code points.

    NFC; the tone mark of every Vietnamese syllable placed by the classic rule
    ("hoà" -> "hòa", "thuý" -> "thúy", "khoẻ" -> "khỏe"; "hoàng", "thuyết",
    "quý" unchanged); zero-width and soft-hyphen characters removed; runs of
    spaces, tabs and non-breaking spaces collapsed to one space; line endings
    unified; lines stripped; at most one blank line between paragraphs. Idempotent.

    Args:
        text: any text.

    Returns:
        The normalised text, stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _SPECIAL_CHAR_RE.search(text):
        text = _SPECIAL_CHAR_RE.sub(lambda match: _SPECIAL_CHARS[match.group()], text)
    _PLACED_TOKENS.trim()
    # Splitting on whitespace and joining with one space collapses space runs,
    # strips lines, and lets NFC and the tone fix run once per distinct token
    # (whitespace composes with nothing, so NFC token by token equals NFC of the text).
    place = _PLACED_TOKENS.__getitem__
    text = "\n".join(" ".join(map(place, line.split())) for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


# ---------------------------------------------------------------- folding and tokens


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        plain = "".join(c for c in unicodedata.normalize("NFD", letter) if not unicodedata.combining(c))
        if plain != letter and plain.isascii() and plain.isalpha():
            table[code] = plain
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


_FOLD_TABLE = _fold_table()
_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")
# Numbers keep their decimal/thousand separators ("0,58", "1.000"); otherwise
# any run of letters and digits is one token, one-letter syllables included.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")


def fold_diacritics(text: str) -> str:
    """Lowercase and strip diacritics: "Từ Sơn" -> "tu son", "Đàm Đức Hà" -> "dam duc ha"."""
    folded = _nfc(text).lower().translate(_FOLD_TABLE)
    if not folded.isascii():
        folded = _COMBINING_RE.sub("", folded)
    return folded


def _token_syllables(token: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(_nfc(token).lower()))


_SYLLABLES: _TokenCache[tuple[str, ...]] = _TokenCache(_token_syllables)
_FOLDED: _TokenCache[str] = _TokenCache(fold_diacritics)


def syllables(text: str) -> list[str]:
    """Lowercase syllable tokens, split on anything that is not a letter or digit.

    One-letter syllables ("y tế", "ở") and numbers ("0,58", "2020") are kept;
    nothing is dropped as a stopword.
    """
    _SYLLABLES.trim()
    return list(chain.from_iterable(map(_SYLLABLES.__getitem__, text.split())))


def _bigrams(tokens: list[str]) -> list[str]:
    return list(map("_".join, zip(tokens, tokens[1:], strict=False)))


def bm25_tokens(text: str, *, bigrams: bool = False) -> list[str]:
    """Tokens for BM25 over documents (and queries): syllables, each accented one also folded.

    The folded forms ("tu", "son" for "Từ Sơn") let an unaccented query match
    accented text. With ``bigrams``, syllable bigrams are added too, also
    folded ("từ_sơn", "tu_son"); on XQuAD-vi (240 paragraphs, 1,190 questions)
    they raised recall@1 from 0.895 to 0.913 for accented questions and from
    0.875 to 0.924 for unaccented ones, for twice the tokens. Documents and
    queries must be tokenised with the same ``bigrams``. Deterministic; order
    carries no meaning (BM25 is a bag of words).
    """
    _FOLDED.trim()
    unigrams = syllables(text)
    folded = list(map(_FOLDED.__getitem__, unigrams))
    tokens = [*unigrams, *compress(folded, map(ne, folded, unigrams))]
    if bigrams:
        pairs, folded_pairs = _bigrams(unigrams), _bigrams(folded)
        tokens += [*pairs, *compress(folded_pairs, map(ne, folded_pairs, pairs))]
    return tokens


def bm25_query_tokens(text: str, *, bigrams: bool = False) -> list[str]:
    """Tokens for a BM25 query over documents tokenised by :func:`bm25_tokens`: no folded forms.

    An accented query then matches accented text only (more precise), an
    unaccented one matches the folded forms. On XQuAD-vi with bigrams, recall@1
    for accented questions rises from 0.913 (querying with :func:`bm25_tokens`)
    to 0.925; unaccented questions are unchanged.
    """
    unigrams = syllables(text)
    return unigrams + _bigrams(unigrams) if bigrams else unigrams


# ---------------------------------------------------------------- decoding bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")


def _utf16_without_bom(data: bytes) -> str | None:
    """The codec name if ``data`` looks like BOM-less UTF-16 (NULs in every other byte)."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    if odd_nuls > 0.2 * half and even_nuls < 0.02 * half:
        return "utf-16-le"
    if even_nuls > 0.2 * half and odd_nuls < 0.02 * half:
        return "utf-16-be"
    return None


# TCVN3 ("ABC", fonts .VnTime...): the legacy 8-bit Vietnamese encoding, byte -> letter.
# Capital toned letters shared the lowercase codes (shown by the ".VnTimeH" fonts),
# so they decode as lowercase.
_TCVN3_LETTERS = (
    "àµ á¸ ả¶ ã· ạ¹ ă¨ ằ» ắ¾ ẳ¼ ẵ½ ặÆ â© ầÇ ấÊ ẩÈ ẫÉ ậË đ® èÌ éÐ ẻÎ ẽÏ ẹÑ êª ềÒ ếÕ ểÓ ễÔ ệÖ "
    "ì× íÝ ỉØ ĩÜ ịÞ òß óã ỏá õâ ọä ô« ồå ốè ổæ ỗç ộé ơ¬ ờê ớí ởë ỡì ợî ùï úó ủñ ũò ụô "
    "ư\u00ad ừõ ứø ửö ữ÷ ựù ỳú ýý ỷû ỹü ỵþ Ă¡ Â¢ Đ§ Ê£ Ô¤ Ơ¥ Ư¦"
)
_TCVN3_TABLE = str.maketrans({pair[1]: pair[0] for pair in _TCVN3_LETTERS.split()})


def _decode_if_vietnamese(data: bytes, decode: Callable[[bytes], str]) -> str | None:
    """``decode(data)`` if it succeeds and its accented words are mostly Vietnamese syllables."""
    try:
        text = unicodedata.normalize("NFC", decode(data))
    except UnicodeDecodeError:
        return None
    count, share = _syllable_share(text[:200_000])
    return text if count >= 1 and share >= 0.8 else None


def _decode_cp1258(data: bytes) -> str:
    return data.decode("cp1258")


def _decode_tcvn3(data: bytes) -> str:
    return data.decode("latin-1").translate(_TCVN3_TABLE)


# VNI (fonts "VNI-Times"...): a letter is its base letter followed by one or two mark characters
# ("Vieät" = "Việt", "ngöôøi" = "người"); ơ, ư, đ and the toned i/ỵ are single characters.
_VNI_TONES = "ùøûõï"  # sắc, huyền, hỏi, ngã, nặng after a plain vowel, ơ or ư
_VNI_HAT_TONES = "âáàåãä"  # after a, e, o: circumflex alone, then with sắc, huyền, hỏi, ngã, nặng
_VNI_BREVE_TONES = "êéèúüë"  # after a: breve alone, then with the five tones
_TONE_COMBINING = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")


def _vni_table() -> dict[str, str]:
    """VNI sequence -> letter; after a capital, Word files hold either case of the mark."""

    def compose(*parts: str) -> str:
        return unicodedata.normalize("NFC", "".join(parts))

    small: dict[str, str] = {}
    for letter, vni_letter in (*((vowel, vowel) for vowel in "aeouy"), ("ơ", "ô"), ("ư", "ö")):
        for mark, tone in zip(_VNI_TONES, _TONE_COMBINING, strict=True):
            small[vni_letter + mark] = compose(letter, tone)
    for vowel in "aeo":
        for mark, tone in zip(_VNI_HAT_TONES, ("", *_TONE_COMBINING), strict=True):
            small[vowel + mark] = compose(vowel, "\u0302", tone)
    for mark, tone in zip(_VNI_BREVE_TONES, ("", *_TONE_COMBINING), strict=True):
        small["a" + mark] = compose("a", "\u0306", tone)
    small.update({"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"})
    table = dict(small)
    for sequence, letter in small.items():
        table[sequence.upper()] = table[sequence[0].upper() + sequence[1:]] = letter.upper()
    return table


_VNI_TABLE = _vni_table()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI_TABLE), key=len, reverse=True)))


def _from_vni(text: str) -> str:
    return _VNI_RE.sub(lambda match: _VNI_TABLE[match.group()], text)


def _from_tcvn3(text: str) -> str:
    return text.translate(_TCVN3_TABLE)


_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + hat + tone)
    for base, hats in (
        ("a", "\u0306\u0302"),
        ("e", "\u0302"),
        ("o", "\u0302\u031b"),
        ("u", "\u031b"),
        ("i", ""),
        ("y", ""),
    )
    for hat in ("", *hats)
    for tone in ("", *_TONE_COMBINING)
) | {"đ"}
_LEGACY_ONLY_CHARS = "".join(
    sorted(
        ch
        for ch in {pair[1] for pair in _TCVN3_LETTERS.split()} | set("".join(_VNI_TABLE))
        if not ch.isascii() and ch.lower() not in _VIETNAMESE_LETTERS
    )
)
# Only a line with a sign of a legacy font is converted: a character no Vietnamese letter uses
# ("µ", "ö"), a capital after a small letter ("ViÖt", TCVN3), or a VNI mark right after a vowel
# ("aù", "eâ", "aê"); Unicode Vietnamese never writes those.
_LEGACY_HINT_RE = re.compile(
    "[" + re.escape(_LEGACY_ONLY_CHARS) + "]"
    "|[a-zà-ỹ][À-Þ]"
    f"|[aeiouyAEIOUYôöÔÖ][{_VNI_TONES}{_VNI_TONES.upper()}]"
    "|[aeAE][âáàãÂÁÀÃ]|[oO][âÂ]|[aA][êéèúÊÉÈÚ]"
)
# Signs no other Latin-script language gives: TCVN3's non-letter codes ("b¸o", "x·"), its
# capitals after small letters ("ViÖt"), VNI's circumflex marks after a vowel ("Maát") and
# those of its tone marks after a vowel that French does not write ("Thaùng", not "où",
# "goût", "naïf"; "På", "Bø" have theirs after a consonant).
_UNAMBIGUOUS_SIGNS_RE = re.compile(
    "[" + re.escape("".join(ch for ch in _LEGACY_ONLY_CHARS if not ch.isalpha() or ch == "µ")) + "]"
    "|[a-zà-ỹ][À-Þ]|[aeAE][âáàãäåÂÁÀÃÄÅ]|[oO][âÂ]|[aA][êÊ]"
    "|[aeuyôöAEUYÔÖ][ùÙ]|[aeiouyôöAEIOUYÔÖ][øõØÕ]|[uyôöUYÔÖ][ûÛ]|[ôöÔÖ][ïÏ]"
)
_EDGE_PUNCTUATION = " .,;:!?\"'()[]{}«»“”‘’…-–—/*"


def _accented_token_kind(token: str) -> int:
    """0: nothing non-ASCII inside the edge punctuation; 1: a Vietnamese word; 2: anything else."""
    core = token.strip(_EDGE_PUNCTUATION)
    if core.isascii() or not any(ch.isalpha() for ch in core):  # "≈", "½": not a word
        return 0
    letters_only = all(ch.isascii() or ch.isalpha() for ch in core)
    runs = [run for run in _LETTER_RUN_RE.findall(core) if not run.isascii()]
    # A capital after a small letter ("ViÖt", "nhÊt") is how TCVN3 writes its toned letters.
    mixed_case = any(not run[1:].islower() and not run.isupper() for run in runs)
    return 1 if letters_only and not mixed_case and all(map(is_vietnamese_syllable, runs)) else 2


_ACCENTED_TOKENS: _TokenCache[int] = _TokenCache(_accented_token_kind)


def _syllable_share(text: str) -> tuple[int, float]:
    """(number of words with a non-ASCII character, share of them that are Vietnamese syllables)."""
    kinds = [_ACCENTED_TOKENS[token] for token in text.split() if not token.isascii()]
    counted = len(kinds) - kinds.count(0)
    return counted, (kinds.count(1) / counted if counted else 0.0)


def repair_legacy_encoding(text: str) -> str:
    """Turn lines typed in the legacy TCVN3 (.VnTime) or VNI (VNI-Times) fonts into Unicode.

    Word files and PDFs made with those fonts store the font's glyph codes, so
    their extracted text reads "Céng hoµ x· héi chñ nghÜa ViÖt Nam" (TCVN3) or
    "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam" (VNI). A line that shows a sign
    of those fonts and fewer than 60 % of its accented words Vietnamese syllables
    (and, with one accented word, a sign no other language has) is converted
    when the conversion makes at least 80 % of them syllables, so a document mixing legacy
    and Unicode runs is mended line by line, and Unicode Vietnamese, French or
    German text is left alone. Capitals of TCVN3's all-caps fonts come out lowercase.

    Args:
        text: extracted text, before :func:`normalize_text`.

    Returns:
        The text with legacy-font lines converted (NFC); other lines unchanged.
    """
    if text.isascii() or not _LEGACY_HINT_RE.search(text):
        return text
    _ACCENTED_TOKENS.trim()
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not _LEGACY_HINT_RE.search(line):
            continue
        count, share = _syllable_share(line)
        # Lines of the legacy fonts have almost no valid words (fewer than 60 % in 99.6 % of
        # viwiki lines typed in them); a Unicode line that does, or whose one accented word may
        # be foreign ("Le Goût des autres", "På ski"), is left as it is.
        if share >= 0.6 or count == 0 or (count == 1 and not _UNAMBIGUOUS_SIGNS_RE.search(line)):
            continue
        best, best_share = line, 0.8
        for convert in (_from_tcvn3, _from_vni):
            candidate = unicodedata.normalize("NFC", convert(line))
            candidate_count, candidate_share = _syllable_share(candidate)
            if candidate_count and candidate_share >= best_share:
                best, best_share = candidate, candidate_share
        lines[index] = best
    return "\n".join(lines)


def _decode_vni(data: bytes) -> str:
    return _from_vni(data.decode("cp1252"))


def _is_binary_text(text: str) -> bool:
    """True if over 1% of the start of ``text`` is control or replacement characters."""
    sample = text[:100_000]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\n\r\t\f") + sample.count("\ufffd")
    return controls > 0.01 * max(len(sample), 1)


def decode_bytes(data: bytes, name: str) -> str:
    """Decode the bytes of a text file, guessing the encoding Vietnamese files use.

    Tried in order: a byte-order mark (UTF-8, UTF-16/32 LE/BE), BOM-less UTF-16
    (NULs in every other byte), strict UTF-8, then the legacy Windows-1258 and
    TCVN3 (ABC) encodings when the words they give are Vietnamese syllables,
    UTF-8 with a few broken bytes, and last charset-normalizer. The result is
    not normalised: call :func:`normalize_text` (Windows-1258 text usually
    carries combining tone marks).

    Args:
        data: the raw file content.
        name: the file's name, used in error messages.

    Returns:
        The decoded text ("" for no bytes).

    Raises:
        DocumentError: the bytes are binary or in no encoding that could be detected.
    """
    if not data:
        return ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as err:
                raise DocumentError(f"{name}: invalid {codec} text after its byte-order mark") from err
    codec = _utf16_without_bom(data[:100_000])
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as err:
            raise DocumentError(f"{name}: looks like binary data, not text") from err
    if b"\x00" in data:
        raise DocumentError(f"{name}: looks like binary data, not text (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for legacy in (_decode_cp1258, _decode_tcvn3, _decode_vni):
        text = _decode_if_vietnamese(data, legacy)
        if text is not None:
            return text
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(2, len(text) // 1000):
        return text
    return _decode_with_charset_normalizer(data, name)


def _decode_with_charset_normalizer(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data).best()
    except Exception as err:  # any failure here means "unknown encoding"
        reason = " ".join(str(err).split()) or type(err).__name__
        raise DocumentError(f"{name}: cannot detect the text encoding ({reason})") from err
    if best is None:
        raise DocumentError(f"{name}: cannot detect the text encoding (binary data?)")
    text = str(best)
    if _is_binary_text(text):
        raise DocumentError(f"{name}: looks like binary data, not text")
    return text


# ---------------------------------------------------------------- language

_ENGLISH_FUNCTION_WORDS = frozenset(
    """a about after all also an and any are as at be been before but by can could did do does
    during for from had has have he her his how i if in into is it its many may more most much my
    not of on or our she should so some than that the their them then there these they this those
    to was we were what when where which who whom whose why will with would you your""".split()
)
# Unaccented spellings of frequent Vietnamese words, for queries typed without diacritics.
_VIETNAMESE_FUNCTION_WORDS = frozenset(
    """bao cac cai chi cho chua co cua da dang den duoc gi hay hoac khi khong la lam mot nao nam
    nay nhieu nhu nhung o ra sao sau tai the thi tren trong tu va ve voi vi""".split()
)
_VIETNAMESE_ONLY_LETTERS = frozenset("ăâđêôơư")
_LANGUAGE_SAMPLE_WORDS = 400


def detect_language(text: str) -> Literal["vi", "en"]:
    """Guess whether a question or document is Vietnamese or English.

    Each word votes: Vietnamese diacritics (less when capitalised, as names
    are) or a frequent unaccented Vietnamese word count for "vi"; English
    function words and words that cannot be a Vietnamese syllable
    ("breakthroughs", "did") count for "en". So "What breakthroughs did Từ Sơn
    choose in 2021?" is English while "tu son chon dot pha gi" is Vietnamese.
    Ties (and empty text) give "vi".
    """
    vietnamese = english = 0.0
    for count, match in enumerate(_LETTER_RUN_RE.finditer(_nfc(text))):
        if count >= _LANGUAGE_SAMPLE_WORDS:
            break
        word = match.group()
        letters = word.lower()
        if not letters.isascii():
            is_vietnamese = any(
                ch in _VIETNAMESE_ONLY_LETTERS or _SPLIT_VOWEL.get(ch, ("", 0))[1] for ch in letters
            ) and is_vietnamese_syllable(letters)
            if not is_vietnamese:
                english += 1
            else:
                # Capitalised: likely a name ("Who is Đàm Đức Hà?"), weaker evidence.
                vietnamese += 0.5 if word[0].isupper() else 2
        elif letters in _ENGLISH_FUNCTION_WORDS:
            english += 2
        elif not is_vietnamese_syllable(letters):
            english += 1
        elif letters in _VIETNAMESE_FUNCTION_WORDS:
            vietnamese += 1
        else:
            vietnamese += 0.5
    return "en" if english > vietnamese else "vi"


# ---------------------------------------------------------------- unaccented questions


def _spelling_table(pairs: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """``bao nhieu=bao nhiêu; la=là`` -> {("bao", "nhieu"): ("bao", "nhiêu"), ("la",): ("là",)}."""
    table = {}
    for pair in pairs.split(";"):
        folded, accented = pair.split("=")
        table[tuple(folded.split())] = tuple(accented.split())
    return table


# How a Vietnamese question ends, typed without diacritics: "… lay tu dau?" asks "từ đâu", even where
# the passages say "từ đầu" (from the start).
_QUESTION_ENDINGS = _spelling_table(
    "nhu the nao=như thế nào; the nao=thế nào; bao nhieu=bao nhiêu; bao lau=bao lâu; bao gio=bao giờ;"
    "khi nao=khi nào; nam nao=năm nào; o dau=ở đâu; tu dau=từ đâu; den dau=đến đâu; la gi=là gì;"
    "la ai=là ai; ra sao=ra sao; thi sao=thì sao; phai khong=phải không; dau=đâu; gi=gì; nao=nào;"
    "khong=không; chua=chưa"
)
# Words whose one usual spelling beats what a few passages hold ("gì", not the "gỉ" of rust).
_FUNCTION_WORDS = _spelling_table(
    "nhu the nao=như thế nào; the nao=thế nào; bao nhieu=bao nhiêu; bao lau=bao lâu; bao gio=bao giờ;"
    "khi nao=khi nào; nam nao=năm nào; o dau=ở đâu; la gi=là gì; la ai=là ai;"
    "tai sao=tại sao; vi sao=vì sao; nhung gi=những gì; ai=ai; may=mấy; nao=nào; la=là; gi=gì;"
    "cua=của; o=ở; duoc=được;"
    "nhung=những; cac=các; co=có; khong=không; va=và; voi=với; den=đến; ve=về; da=đã; se=sẽ; thi=thì;"
    "nguoi=người; khi=khi; mot=một; nhu=như; nhieu=nhiều; ten=tên;"
    # how officials refer to the report and ask about it
    "bai viet=bài viết; bai bao=bài báo; bao cao=báo cáo; tai lieu=tài liệu; van ban=văn bản; noi ve=nói về;"
    "nhac toi=nhắc tới; nhac den=nhắc đến; de cap=đề cập; hay neu=hãy nêu; hay cho biet=hãy cho biết;"
    "cho biet=cho biết; trich loi=trích lời; cua ho=của họ;"
    "tom tat=tóm tắt; tom luoc=tóm lược; khai quat=khái quát; noi dung chinh=nội dung chính; y chinh=ý chính"
)
_RESTORE_MAX_WORDS = 4
_SENTENCE_START = re.compile(r"((?:^|[.!?:…]\s+|\n)[\"“'(\[]*)([^\W\d_])", re.M)


# Share of a text's lower-case words typed without diacritics from which it counts as typed bare:
# "ty le ho ngheo phuong Phù Chẩn la bao nhieu?" (the name typed with them) has all; no XQuAD-vi
# question reaches it (at most .67: Vietnamese has words without diacritics, "trong", "cho").
BARE_WORDS_SHARE = 0.8


def lacks_diacritics(text: str) -> bool:
    """True when ``text`` was typed without diacritics ("ty le ho ngheo"), names aside.

    Every letter bare, or at least ``BARE_WORDS_SHARE`` of its lower-case words.
    """
    words = _LETTER_RUN_RE.findall(text)
    if not words:
        return False
    if "".join(words).isascii():
        return True
    lower = [word for word in words if not word[:1].isupper()]
    return len(lower) >= 2 and sum(word.isascii() for word in lower) >= BARE_WORDS_SHARE * len(lower)


def restore_diacritics(question: str, texts: Sequence[str], known: Mapping[str, str] | None = None) -> str:
    """``question`` typed without diacritics, with each word spelled as ``texts`` spell it.

    "ty le ho ngheo phuong phu chan la bao nhieu?" over a report holding "tỷ lệ hộ nghèo" and
    "phường Phù Chẩn" becomes "tỷ lệ hộ nghèo phường Phù Chẩn là bao nhiêu?". In order: the
    question's ending ("… bao nhieu?", "… o dau?"); runs of 2 to ``_RESTORE_MAX_WORDS`` words as
    ``texts`` hold them (the context picks "tỷ lệ" over "tự lệ"), each run's most frequent spelling;
    common function words ("là", "của", "gì"); single words as ``texts`` hold them; ``known``
    (folded word -> its usual spelling, e.g. from the whole index's vocabulary); else as typed.
    A word typed capitalised stays so, and a name the texts capitalise is capitalised ("Phù Chẩn").
    Text that already has diacritics is returned unchanged.
    """
    if not lacks_diacritics(question):
        return question
    words = list(_LETTER_RUN_RE.finditer(question))
    if not words:
        return question
    folded_question = [fold_diacritics(word.group()) for word in words]
    spellings = _run_spellings(texts, set(folded_question))
    known = known or {}

    def adjacent(first: int, size: int) -> bool:
        """The words typed as one run ("ty le"), not across punctuation ("ty, le")."""
        gaps = (question[words[j].end() : words[j + 1].start()] for j in range(first, first + size - 1))
        return not any(gap.strip() for gap in gaps)

    def spelled(first: int, size: int) -> tuple[str, ...] | None:
        key = tuple(folded_question[first : first + size])
        if first + size == len(words) and key in _QUESTION_ENDINGS:
            return _QUESTION_ENDINGS[key]
        found = spellings.get(key)
        if size > 1:
            return _usual_spelling(found) if found else _FUNCTION_WORDS.get(key)
        if key in _FUNCTION_WORDS:
            return _FUNCTION_WORDS[key]
        if key[0] in known:
            return (known[key[0]],)
        return _usual_spelling(found) if found else None

    restored: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_RESTORE_MAX_WORDS, len(words) - i), 0, -1):
            spelling = spelled(i, size) if adjacent(i, size) else None
            if spelling:
                for word, spelled_word in zip(words[i : i + size], spelling, strict=True):
                    typed = word.group()
                    if not typed.isascii():
                        restored.append(typed)  # typed with its diacritics: kept
                    elif typed[:1].isupper():
                        restored.append(spelled_word[:1].upper() + spelled_word[1:])
                    else:
                        restored.append(spelled_word)
                i += size
                break
        else:
            restored.append(words[i].group())
            i += 1
    pieces, last = [], 0
    for word, spelled_word in zip(words, restored, strict=True):
        pieces.append(question[last : word.start()])
        pieces.append(spelled_word)
        last = word.end()
    pieces.append(question[last:])
    return "".join(pieces)


def _sentence_starts_lowered(text: str) -> str:
    """``text`` (NFC) with each sentence's first letter in lower case: it is capitalised whatever the word."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).lower(), _nfc(text))


def _run_spellings(texts: Sequence[str], wanted: set[str]) -> dict[tuple[str, ...], Counter[tuple[str, ...]]]:
    """Each run of 1 to ``_RESTORE_MAX_WORDS`` words of ``texts`` that starts at a ``wanted`` word.

    Keyed by the run folded ("ty", "le"), counting each spelling ("tỷ", "lệ").
    """
    spellings: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
    for text in texts:
        text = _sentence_starts_lowered(text)  # counted in lower case
        # Runs of words within one clause: letters only, as the question's words are.
        for clause in re.split(r"[^\w\s]|\d", text):
            run = clause.split()
            folded_run = [fold_diacritics(word) for word in run]
            for i, first in enumerate(folded_run):
                if first not in wanted:
                    continue
                for size in range(1, min(_RESTORE_MAX_WORDS, len(run) - i) + 1):
                    key = tuple(folded_run[i : i + size])
                    spellings.setdefault(key, Counter())[tuple(run[i : i + size])] += 1
    return spellings


def _usual_spelling(found: Counter[tuple[str, ...]]) -> tuple[str, ...]:
    """The most frequent spelling of a run of words, each word capitalised where it mostly is ("Phù Chẩn")."""
    by_lower: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]] = {}
    for spelling, count in found.items():
        by_lower.setdefault(tuple(word.lower() for word in spelling), []).append((spelling, count))
    lower, variants = max(by_lower.items(), key=lambda item: sum(count for _, count in item[1]))
    total = sum(count for _, count in variants)
    return tuple(
        word[:1].upper() + word[1:]
        if 2 * sum(count for spelling, count in variants if spelling[k][:1].isupper()) > total
        else word
        for k, word in enumerate(lower)
    )


# ---------------------------------------------------------------- misspelt names

# Shorter names are too often one letter from another name ("Rica" / "Rico", "Yuan" / "Tuan").
MIN_RESPELLED_NAME = 5
# From this length a name may be two edits from its spelling when a letter moved ("Ghandi" / "Gandhi").
TWO_EDIT_NAME = 6


def respell_names(question: str, unknown: Sequence[str], texts: Sequence[str]) -> str:
    """``question`` with each name of ``unknown`` spelled as a close name ``texts`` capitalise.

    ``unknown`` are the question's names that the documents never hold; ``texts`` are the
    passages the question finds, which its other words and its meaning lead to despite the
    misspelling. "Công trình của Ghandi được gọi là gì?" over a passage on "Satyagraha của
    Gandhi" becomes "Công trình của Gandhi được gọi là gì?"; "Bedigo" becomes "Bendigo". A name
    is respelled when it has at least ``MIN_RESPELLED_NAME`` letters and a capitalised word of
    ``texts`` is one edit from it (a swap of neighbours counts one), or, from ``TWO_EDIT_NAME``
    letters on, holds the same letters with one moved ("Ghandi" / "Gandhi"); the fewest edits
    first, then the most frequent. A name no passage comes close to is kept: a question about
    what the documents never mention must still be refused, and a held-out "Kearney" or
    "Bingen" is two edits from the "Barney" and "Bergen" of other passages.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    wanted = [name for name in dict.fromkeys(unknown) if len(name) >= MIN_RESPELLED_NAME and name.isalpha()]
    if not wanted or not texts:
        return question
    capitalised: Counter[str] = Counter()
    for text in texts:
        text = _sentence_starts_lowered(text)
        capitalised.update(word for word in _LETTER_RUN_RE.findall(text) if word[:1].isupper())
    by_folded: dict[str, Counter[str]] = {}
    for word, count in capitalised.items():
        by_folded.setdefault(fold_diacritics(word).lower(), Counter())[word] += count
    choices = list(by_folded)
    respelled = question
    for name in wanted:
        typed = fold_diacritics(name).lower()
        limit = 2 if len(name) >= TWO_EDIT_NAME else 1
        found = [
            (folded, edits)
            for folded, edits, _ in process.extract(
                typed, choices, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            if edits <= 1 or sorted(folded) == sorted(typed)  # two edits: only a moved letter
        ]
        if not found:
            continue
        best, _ = min(found, key=lambda item: (item[1], -by_folded[item[0]].total()))
        spelling = by_folded[best].most_common(1)[0][0]
        if name.isupper():
            spelling = spelling.upper()
        respelled = re.sub(rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])", spelling, respelled)
    return respelled
