"""OCR of scanned pages: speed and accuracy on the seed report (a script, not a test).

Renders the reports of ``documents/`` as A4 pages at 300 dpi (DejaVu Sans, 11 pt), saves them
as a scanned PDF (one picture a page) and as a rougher "photo" (turned 1°, JPEG quality 60),
reads both with ``rag.readers.load_document`` (Tesseract, ``ingest.ocr_languages``) and
prints per variant: pages, seconds a page, and how close the text is to the original
(difflib ratio of characters, and the share of the original's words found, after
normalisation).

Example::

    python eval/bench_ocr.py --pages 2
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rag.normalize import normalize_text  # noqa: E402
from rag.readers import load_document, ocr_available  # noqa: E402
from rag.settings import get_settings  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
A4_300_DPI = (2480, 3508)


def _pages(text: str, count: int) -> list[list[str]]:
    """The text wrapped to an A4 line width, cut into ``count`` pages of 60 lines."""
    lines = [wrapped for paragraph in text.split("\n") for wrapped in (textwrap.wrap(paragraph, 85) or [""])]
    return [lines[start : start + 60] for start in range(0, 60 * count, 60) if lines[start : start + 60]]


def _render(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 46)  # 11 pt at 300 dpi
    page = Image.new("L", A4_300_DPI, 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((200, 200 + number * 52), line, fill=0, font=font)
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2, help="pages rendered (default 2)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if not ocr_available(settings.ingest.ocr_languages):
        print(
            "tesseract with the languages",
            settings.ingest.ocr_languages,
            "is not installed: `make tesseract`",
        )
        return 1
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted((REPO_ROOT / "documents").glob("*.txt"))
    )
    pages = _pages(normalize_text(source), args.pages)
    original = normalize_text("\n".join(" ".join(lines) for lines in pages))
    pictures = [_render(lines) for lines in pages]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pictures[0].save(root / "scan.pdf", save_all=True, append_images=pictures[1:], resolution=300)
        photos = [picture.rotate(1, fillcolor=255, expand=True) for picture in pictures]
        photos[0].save(
            root / "photo.tiff", save_all=True, append_images=photos[1:], compression="jpeg", quality=60
        )
        print(f"{len(pages)} A4 pages of the seed report, {len(original.split())} words")
        for name in ("scan.pdf", "photo.tiff"):
            started = time.perf_counter()
            document = load_document(root / name, root, settings)
            seconds = time.perf_counter() - started
            read = " ".join(document.text.split())
            ratio = difflib.SequenceMatcher(None, " ".join(original.split()), read, autojunk=False).ratio()
            found = set(read.split())
            words = original.split()
            recall = sum(word in found for word in words) / len(words)
            per_page = seconds / len(pages)
            print(f"{name:<11} {per_page:5.1f} s/page  characters {ratio:.3f}  words found {recall:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
