"""How well legacy-font text is mended, on the shared Vietnamese Wikipedia corpus (a script, not a test).

``rag.normalize.repair_legacy_encoding`` turns lines typed in the TCVN3 (.VnTime) or
VNI (VNI-Times) fonts back into Unicode. This script prints, for the first
``--limit`` articles:

- **left alone**: Unicode lines it changed (each one is printed; it should change
  none, or only lines that really are legacy text);
- **restored**: the share of lines it gives back exactly after they are written in
  each legacy font, over lines those fonts could type (ASCII and Vietnamese letters
  only; a line with "Díaz" or "«" cannot be told apart once encoded), with the
  share of the unrestored ones that have a single accented word (those are
  converted only with a sign no other language writes);
- the time it takes per million characters of Unicode text.

TCVN3 has no toned capitals, so TCVN3 lines are compared lowercase.

Example::

    python eval/bench_legacy.py --limit 1000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from eval.datasets import viwiki_articles  # noqa: E402
from rag.normalize import (  # noqa: E402
    _TCVN3_TABLE,
    _VIETNAMESE_LETTERS,
    _VNI_TABLE,
    normalize_text,
    repair_legacy_encoding,
)


def _encoders() -> dict[str, dict[str, str]]:
    """Letter -> legacy code, per font (the inverse of the decoding tables)."""
    vni: dict[str, str] = {}
    for sequence, letter in _VNI_TABLE.items():
        # A capital's mark is written in the capital's case ("AÙ"), a small letter's small ("aù").
        if letter not in vni or sequence in (sequence.upper(), sequence.lower()):
            vni[letter] = sequence
    tcvn3 = {letter: chr(code) for code, letter in _TCVN3_TABLE.items()}
    return {"VNI": vni, "TCVN3": tcvn3}


def _typable(line: str) -> bool:
    return all(ch.isascii() or not ch.isalpha() or ch.lower() in _VIETNAMESE_LETTERS for ch in line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--limit", type=int, default=1000, help="articles to read (default 1000; 7730 in all)"
    )
    args = parser.parse_args(argv)

    encoders = _encoders()
    restored = dict.fromkeys(encoders, 0)
    single_word_misses = dict.fromkeys(encoders, 0)
    typable = changed = articles = characters = 0
    repair_seconds = 0.0
    for _, raw in viwiki_articles(args.limit):
        articles += 1
        text = normalize_text(raw)
        characters += len(text)
        started = time.perf_counter()
        repaired = repair_legacy_encoding(text)
        repair_seconds += time.perf_counter() - started
        for before, after in zip(text.split("\n"), repaired.split("\n"), strict=True):
            if before != after:
                changed += 1
                print(f"changed: {before[:100]!r} -> {after[:100]!r}")
        for line in text.split("\n"):
            if line.isascii() or not _typable(line):
                continue
            typable += 1
            accented = sum(not word.isascii() for word in line.split())
            for font, table in encoders.items():
                encoded = "".join(table.get(ch.lower() if font == "TCVN3" else ch, ch) for ch in line)
                back = normalize_text(repair_legacy_encoding(encoded))
                if (back.lower() == line.lower()) if font == "TCVN3" else back == line:
                    restored[font] += 1
                elif accented == 1:
                    single_word_misses[font] += 1

    print(f"{articles} articles, {characters / 1e6:.1f} M characters")
    print(f"left alone: {changed} Unicode lines changed")
    for font in encoders:
        missed = typable - restored[font]
        print(
            f"restored {font}: {restored[font]}/{typable} lines ({restored[font] / max(typable, 1):.3f}); "
            f"{single_word_misses[font]} of the {missed} misses have one accented word"
        )
    print(
        f"time: {repair_seconds / max(characters / 1e6, 1e-9):.2f} s per million characters of Unicode text"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
