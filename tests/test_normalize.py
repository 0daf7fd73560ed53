"""Vietnamese normalisation, tokens, decoding and language detection."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from eval.datasets import VIWIKI, viwiki_articles
from rag.normalize import (
    NORMALIZER_VERSION,
    bm25_query_tokens,
    bm25_tokens,
    decode_bytes,
    detect_language,
    fold_diacritics,
    is_vietnamese_syllable,
    normalize_text,
    repair_legacy_encoding,
    syllables,
)
from rag.types import DocumentError

TEST_DATA = Path(__file__).resolve().parent / "data"
SEED_REPORT = Path(__file__).resolve().parent.parent / "documents" / "000_d6dbdd2ddfa3846f.txt"

SENTENCE = (
    "Đồng chí Đàm Đức Hà, Bí thư Đảng ủy phường Hương Mạc cho biết: “Đến nay, tình trạng lấn chiếm "
    "đất đai cơ bản được giải quyết”. Tỷ lệ hộ nghèo giảm còn 0,58%; ngành y tế ở Từ Sơn phát triển."
)


def test_version_is_a_string():
    assert isinstance(NORMALIZER_VERSION, str) and NORMALIZER_VERSION


def test_nfd_and_nfc_normalise_to_the_same_text():
    nfd = unicodedata.normalize("NFD", SENTENCE)
    assert nfd != SENTENCE
    assert normalize_text(nfd) == normalize_text(SENTENCE) == SENTENCE


def test_nfd_fixture_file_becomes_nfc():
    raw = (TEST_DATA / "01_tu_son_nfd.txt").read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", raw)
    text = normalize_text(raw)
    assert unicodedata.is_normalized("NFC", text)
    assert "tỷ lệ hộ nghèo giảm còn 0,58%" in text
    assert "Gia đình văn hóa" in text  # "văn hoá" in the source, classic tone placement after


@pytest.mark.parametrize(
    ("new_style", "classic"),
    [
        ("hoà", "hòa"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("Thuỷ", "Thủy"),
        ("uỷ ban", "ủy ban"),
        ("Đảng uỷ", "Đảng ủy"),
        ("văn hoá", "văn hóa"),
        ("hoạ sĩ", "họa sĩ"),
        ("loà", "lòa"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Khoẻ", "Khỏe"),
        ("qúa", "quá"),  # tone typed on the u of "qu"
        ("gía", "giá"),  # tone typed on the i of "gi"
    ],
)
def test_one_tone_mark_convention(new_style, classic):
    assert normalize_text(new_style) == classic
    assert normalize_text(classic) == classic
    assert normalize_text(unicodedata.normalize("NFD", new_style)) == classic


@pytest.mark.parametrize(
    "word",
    [
        "hoàng", "thuyết", "quý", "Quỳnh", "quyết", "hoạch", "người", "giữa", "gìn", "gì", "ngoài",
        "khuỷu", "tuổi", "thuở", "Huế", "của", "mùa", "nghĩa", "chuyện", "khuya", "xoáy", "y tế",
        "café", "Zürich", "résumé", "Nguyễn", "Đàm Đức Hà",
    ],
)  # fmt: skip
def test_correct_or_foreign_words_are_unchanged(word):
    assert normalize_text(word) == word


def test_whitespace_cleanup():
    raw = (
        "  Từ\u00a0\u00a0Sơn \t phát\u200b triển\u00ad\r\nDòng hai  \r\n \t \r\n\r\n\r\n\u3000Đoạn\u2028mới  "
    )
    assert normalize_text(raw) == "Từ Sơn phát triển\nDòng hai\n\nĐoạn\nmới"


def test_paragraph_breaks_are_kept_and_whitespace_lines_emptied():
    raw = "Đoạn một.\n \u00a0 \nĐoạn hai.\n\n\n\n\nĐoạn ba."
    assert normalize_text(raw) == "Đoạn một.\n\nĐoạn hai.\n\nĐoạn ba."


def test_empty_and_blank_text():
    assert normalize_text("") == ""
    assert normalize_text(" \n\t\u00a0\u200b ") == ""


IDEMPOTENCE_CASES = [
    SENTENCE,
    unicodedata.normalize("NFD", SENTENCE),
    "hoa\u0300 ho\u0300a hoà\u0302 \u0301a x\u0323\u0302y",  # stray combining marks
    "Thuý\u00ad\u00adhoà\n\r\n\t \r\rkhoẻ",
    "QÚA gÍa HoÀ",
]


@pytest.mark.parametrize("text", IDEMPOTENCE_CASES)
def test_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_idempotent_on_random_strings():
    alphabet = list("aăâeêioôơuưyqgthnkđ AĂÊƠƯQG.,\n\t\r") + [
        "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u00a0", "\u200b", "\u00ad", "ỳ", "ọ",
    ]  # fmt: skip
    rng = random.Random(1258)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        once = normalize_text(text)
        assert normalize_text(once) == once, repr(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Từ Sơn", "tu son"),
        ("Đàm Đức Hà", "dam duc ha"),
        ("NGƯỜI DÂN ĐỒNG THUẬN", "nguoi dan dong thuan"),
        (unicodedata.normalize("NFD", "Hương Mạc"), "huong mac"),
        ("0,58% và 01-KL/TW", "0,58% va 01-kl/tw"),
    ],
)
def test_fold_diacritics(text, folded):
    assert fold_diacritics(text) == folded


def test_syllables_keep_one_letter_syllables_and_numbers():
    assert syllables("Ngành y tế ở Hà Nội") == ["ngành", "y", "tế", "ở", "hà", "nội"]
    assert syllables("giảm còn 0,58%, năm 2020 - 2025; 01-KL/TW") == [
        "giảm", "còn", "0,58", "năm", "2020", "2025", "01", "kl", "tw",
    ]  # fmt: skip
    assert syllables("What is a test?") == ["what", "is", "a", "test"]  # no stopwords dropped


def test_bm25_tokens_add_folded_forms():
    tokens = bm25_tokens("Ngành y tế ở Từ Sơn")
    assert tokens == ["ngành", "y", "tế", "ở", "từ", "sơn", "nganh", "te", "o", "tu", "son"]
    assert tokens.count("y") == 1  # an unaccented syllable is not doubled


def test_bm25_tokens_with_bigrams():
    tokens = bm25_tokens("Phù Chẩn 2020", bigrams=True)
    assert tokens == ["phù", "chẩn", "2020", "phu", "chan", "phù_chẩn", "chẩn_2020", "phu_chan", "chan_2020"]
    assert bm25_query_tokens("Phù Chẩn", bigrams=True) == ["phù", "chẩn", "phù_chẩn"]


@pytest.mark.parametrize("bigrams", [False, True])
def test_unaccented_query_tokens_are_found_in_accented_text(bigrams):
    document = set(bm25_tokens("Ngành y tế ở Từ Sơn", bigrams=bigrams))
    assert set(bm25_tokens("tu son", bigrams=bigrams)) <= document
    assert set(bm25_query_tokens("tu son", bigrams=bigrams)) <= document
    assert set(bm25_query_tokens("Từ Sơn")) == {"từ", "sơn"}


def test_bm25_tokens_are_deterministic_and_match_nfd_input():
    assert bm25_tokens(SENTENCE) == bm25_tokens(SENTENCE)
    assert bm25_tokens(unicodedata.normalize("NFD", SENTENCE)) == bm25_tokens(SENTENCE)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_decode_unicode_encodings(encoding):
    assert normalize_text(decode_bytes(SENTENCE.encode(encoding), "x.txt")) == SENTENCE


def test_decode_windows_1258_fixture():
    data = (TEST_DATA / "03_giao_duc_cp1258.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = normalize_text(decode_bytes(data, "03_giao_duc_cp1258.txt"))
    assert text.startswith("Bắc Ninh nâng cao chất lượng giáo dục vùng nông thôn")
    assert "Nguyễn Văn Thụy" in text and "sức khỏe" in text and "hòa nhập" in text


# Bytes of the TCVN3 ("ABC") legacy encoding, from its published table.
TCVN3_SAMPLE = (
    b"\xa7\xb6ng b\xe9 th\xb5nh ph\xe8 T\xf5 S\xacn, ng\xb5nh y t\xd5 \xeb H\xb5 N\xe9i "
    b"th\xf9c hi\xd6n kh\xb8m s\xf8c kh\xe1e cho ng\xad\xeai cao tu\xe6i."
)


def test_decode_tcvn3_legacy_encoding():
    text = normalize_text(decode_bytes(TCVN3_SAMPLE, "cu.txt"))
    assert text == "Đảng bộ thành phố Từ Sơn, ngành y tế ở Hà Nội thực hiện khám sức khỏe cho người cao tuổi."


# How Word files and PDFs typed in the legacy fonts read once extracted: the national motto,
# in TCVN3 (.VnTime) and in VNI (VNI-Times).
MOTTO = "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"
MOTTO_TCVN3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc"
MOTTO_VNI = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\nÑoäc laäp - Töï do - Haïnh phuùc"


@pytest.mark.parametrize("legacy", [MOTTO_TCVN3, MOTTO_VNI])
def test_repair_legacy_font_text(legacy):
    assert normalize_text(repair_legacy_encoding(legacy)) == MOTTO


def test_repair_legacy_font_text_line_by_line():
    mixed = "\n".join(
        [
            "Báo cáo của Thành ủy Từ Sơn",  # Unicode: kept
            TCVN3_SAMPLE.decode("latin-1"),  # a .VnTime paragraph of a Word file
            "Ñaûng boä phöôøng Höông Maïc laõnh ñaïo giaûi quyeát ñôn thö khieáu naïi.",  # VNI
            "Zürich, señor, François, Ça va, Ångström, Müller, Petőfi",  # foreign words: kept
        ]
    )
    assert normalize_text(repair_legacy_encoding(mixed)).split("\n") == [
        "Báo cáo của Thành ủy Từ Sơn",
        "Đảng bộ thành phố Từ Sơn, ngành y tế ở Hà Nội thực hiện khám sức khỏe cho người cao tuổi.",
        "Đảng bộ phường Hương Mạc lãnh đạo giải quyết đơn thư khiếu nại.",
        "Zürich, señor, François, Ça va, Ångström, Müller, Petőfi",
    ]


@pytest.mark.parametrize(
    "text",
    [
        SENTENCE,
        unicodedata.normalize("NFD", SENTENCE),
        "1572 – Giáo hoàng Piô V (s. 1504)",  # "Piô" is no syllable, but nothing hints at a legacy font
        "Trích dẫn «Độc lập» © 2021 ® ½ · Lê Văn Nam",
        "Le café de la gare est fermé; Straße, Öl, Düsseldorf",
        # Lines of Vietnamese Wikipedia that an earlier, looser rule converted:
        "Alain Chabat, - Le Goût des autres",
        "^ Bergsland, Einar (1946): På ski. Oslo: Aschehoug.",
        "Tiếng Khün (Thái Ngân) (kkh) (Myanma)",
        "hän ei ole - anh/chị ấy không là",
        "O'Fahey, Rex Seán; Spauling, Jay Lloyd (1974). Kingdoms of the Sudan. (Luân Đôn).",
    ],
)
def test_repair_leaves_unicode_and_foreign_text_alone(text):
    assert repair_legacy_encoding(text) == text


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Bangkrak, Silom vaø Patpong", "Bangkrak, Silom và Patpong"),  # VNI left in Vietnamese Wikipedia
        ("=== Thaùng 2 ===", "=== Tháng 2 ==="),  # one VNI word, with a mark French never writes there
        ("Ngµy 2", "Ngày 2"),  # one TCVN3 word, with a code no language uses as a letter
    ],
)
def test_repair_short_legacy_lines(legacy, unicode):
    assert repair_legacy_encoding(legacy) == unicode


def test_repair_leaves_real_vietnamese_wikipedia_alone():
    if not VIWIKI.exists():
        pytest.skip(f"shared corpus missing: {VIWIKI}")

    changed = [name for name, text in viwiki_articles(300) if repair_legacy_encoding(text) != text]
    assert changed == []


def test_legacy_benchmark_prints_its_figures(capsys):
    if not VIWIKI.exists():
        pytest.skip(f"shared corpus missing: {VIWIKI}")
    from eval.bench_legacy import main

    assert main(["--limit", "20"]) == 0
    out = capsys.readouterr().out
    assert "left alone: 0 Unicode lines changed" in out
    restored = {
        line.split(":")[0]: float(line.split("(")[1].split(")")[0])
        for line in out.splitlines()
        if "restored" in line
    }
    assert set(restored) == {"restored VNI", "restored TCVN3"}
    assert min(restored.values()) > 0.85


def test_repair_leaves_the_seed_report_alone():
    report = next((Path(__file__).parent.parent / "documents").glob("*.txt")).read_text(encoding="utf-8")
    assert repair_legacy_encoding(report) == report


def test_decode_vni_legacy_bytes():
    data = MOTTO_VNI.encode("cp1252")
    assert normalize_text(decode_bytes(data, "cu_vni.txt")) == MOTTO


@pytest.mark.parametrize(
    ("word", "is_syllable"),
    [("toán", True), ("người", True), ("quyết", True), ("huynh", True), ("xoong", True), ("khuya", True),
     ("cauc", False), ("caùc", False), ("hoaøn", False)],
)  # fmt: skip
def test_glide_nuclei_take_no_final_consonant(word, is_syllable):
    assert is_vietnamese_syllable(word) is is_syllable


def test_decode_western_european_legacy_text_is_not_taken_for_vietnamese():
    text = decode_bytes(
        "Le café de la gare est fermé. Élève très sérieux, à bientôt.".encode("cp1252"), "fr.txt"
    )
    assert "café" in text and "fermé" in text


def test_decode_utf16_fixture():
    text = normalize_text(decode_bytes((TEST_DATA / "04_nong_nghiep_utf16.txt").read_bytes(), "x"))
    assert text.startswith("Hải Dương phát triển nông nghiệp công nghệ cao")
    assert "Nguyễn Quý Hoàng" in text


def test_decode_empty_is_empty():
    assert decode_bytes(b"", "empty.txt") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03\xff\xfe\x00\x00\x10" * 50,
        bytes(range(256)) * 20,
        b"%PDF-1.4\n\x00\x00\x00binary",
    ],
)
def test_decode_binary_raises_naming_the_file(data):
    with pytest.raises(DocumentError, match=r"^blob\.bin: "):
        decode_bytes(data, "blob.bin")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What breakthroughs did Từ Sơn choose in 2021?", "en"),
        ("Từ Sơn chọn đột phá gì?", "vi"),
        ("tu son chon dot pha gi", "vi"),
        ("Tỷ lệ hộ nghèo của phường Phù Chẩn là bao nhiêu?", "vi"),
        ("How many cases of land violations were fined?", "en"),
        ("Who is Đàm Đức Hà?", "en"),
        ("Dam Duc Ha la ai", "vi"),
        ("ngành y tế ở Hà Nội", "vi"),
        ("Ban Thuong vu Thanh uy lua chon noi dung dot pha nao", "vi"),
        ("Which ward has a poverty rate of 0.58%?", "en"),
    ],
)
def test_detect_language(question, language):
    assert detect_language(question) == language


def test_detect_language_on_documents():
    seed = SEED_REPORT.read_text(encoding="utf-8")
    assert detect_language(seed) == "vi"
    english = "The party committee of Tu Son city chose two breakthroughs: land management and construction."
    assert detect_language(english) == "en"


@pytest.mark.parametrize(
    ("word", "vietnamese"),
    [
        ("Nghị", True),
        ("Thuốc", True),
        ("NGHỊ", True),
        ("Iqbal", False),
        ("Miller", False),
        ("al-Zahrawi", False),
    ],
)
def test_a_word_is_vietnamese_when_every_run_of_letters_is_a_syllable(word, vietnamese):
    from rag.normalize import is_vietnamese_word

    assert is_vietnamese_word(word) is vietnamese


SEED_REPORT = Path(__file__).resolve().parents[1] / "documents" / "000_d6dbdd2ddfa3846f.txt"


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("ty le ho ngheo phuong phu chan la bao nhieu?", "tỷ lệ hộ nghèo phường Phù Chẩn là bao nhiêu?"),
        ("Ai la bi thu dang uy phuong Huong Mac", "Ai là Bí thư Đảng ủy phường Hương Mạc"),
        ("Dam Duc Ha la ai?", "Đàm Đức Hà là ai?"),
        (
            "Tu Son chon nhung noi dung dot pha nao nam 2021?",
            "Từ Sơn chọn những nội dung đột phá nào năm 2021?",
        ),
        ("thu nhap binh quan o phu chan, ty le ho ngheo?", "thu nhập bình quân ở Phù Chẩn, tỷ lệ hộ nghèo?"),
        ("Tỷ lệ hộ nghèo?", "Tỷ lệ hộ nghèo?"),  # already accented: unchanged
        # only the name typed with diacritics: the rest is spelled, what was typed with them kept
        ("ty le ho ngheo phuong Phù Chẩn la bao nhieu?", "tỷ lệ hộ nghèo phường Phù Chẩn là bao nhiêu?"),
        ("ty le ho nghèo cua phuong Phu Chan?", "tỷ lệ hộ nghèo của phường Phù Chẩn?"),
        # Vietnamese with a few words that have no diacritics is no bare text
        (
            "Thu nhập bình quân ở phường Phù Chẩn là bao nhiêu?",
            "Thu nhập bình quân ở phường Phù Chẩn là bao nhiêu?",
        ),
    ],
)
def test_restore_diacritics_spells_words_as_the_report_does(typed, spelled):
    from rag.normalize import restore_diacritics

    assert restore_diacritics(typed, [SEED_REPORT.read_text(encoding="utf-8")]) == spelled


def test_restore_diacritics_endings_function_words_and_known_spellings():
    from rag.normalize import lacks_diacritics, restore_diacritics

    # the question's ending wins over the passage's "từ đầu"; "gì" over the passage's "gỉ"
    assert restore_diacritics("sat lay tu dau?", ["Sắt gỉ từ đầu."]) == "sắt lay từ đâu?"
    assert restore_diacritics("Sat la gi?", ["Gỉ sắt. Sắt là kim loại."]) == "Sắt là gì?"
    # the index's usual spelling of a word the passages lack; unknown words stay as typed
    assert restore_diacritics("sat xyz lay", ["Sắt."], {"lay": "lấy"}) == "sắt xyz lấy"
    assert (
        lacks_diacritics("ty le ho ngheo 2021?")
        and not lacks_diacritics("tỷ lệ")
        and not lacks_diacritics("2021")
    )
    assert lacks_diacritics("ty le ho ngheo Phù Chẩn") and not lacks_diacritics("Who is Đàm Đức Hà?")
    assert not lacks_diacritics("Các chi bộ đăng ký nội dung học tập và làm theo Bác bằng cách nào?")


# ---------------------------------------------------------------- misspelt names

# XQuAD-vi, "Civil disobedience" and "Victoria (Australia)": the passages the misspelt questions
# find (the "Đại lộ Barney" sentence is added, for a name two edits from a held-out one).
GANDHI_TEXT = (
    "Một phiên bản được tiếp tục bởi nhà văn Henry David Thoreau trong bài luận của mình về Bất tuân "
    "Dân sự, và sau này của Gandhi trong học thuyết của ông về Satyagraha. Satyagraha của Gandhi đã "
    "bị ảnh hưởng một phần và lấy cảm hứng từ ý tưởng bất bạo động của Shelley trong phản đối và hành "
    "động chính trị."
)
VICTORIA_TEXT = (
    "Đại lộ Barney rợp bóng cây. "
    "Theo truyền thống, Đảng Lao động là đảng mạnh nhất trong tầng lớp lao động ở vùng ngoại ô phía "
    "tây và phía bắc của Melbourne, và các thành phố khu vực Ballarat, Bendigo và Geelong."
)


@pytest.mark.parametrize(
    ("question", "unknown", "respelled"),
    [
        # two edits (a letter moved) from six letters on
        ("Công trình của Ghandi được gọi là gì?", ["Ghandi"], "Công trình của Gandhi được gọi là gì?"),
        # one edit; the other names of the question are left alone
        (
            "Đảng nào được ưa chuộng ở Bedigo và Geelong?",
            ["Bedigo"],
            "Đảng nào được ưa chuộng ở Bendigo và Geelong?",
        ),
        # a swap of neighbours is one edit; a name typed in capitals stays in capitals
        ("Percy SHELLY viết gì?", ["SHELLY"], "Percy SHELLEY viết gì?"),
        # every occurrence, and only whole words
        ("Ghandi và Ghandis: Ghandi là ai?", ["Ghandi"], "Gandhi và Ghandis: Gandhi là ai?"),
        # no capitalised word of the passages is close: a name they never mention stays for the refusal
        ("Tổng Giám đốc của Broncos là ai?", ["Broncos"], "Tổng Giám đốc của Broncos là ai?"),
        # from five letters on, one edit; from six, two
        ("Geelung ở đâu?", ["Geelung"], "Geelong ở đâu?"),
        ("Melborne ở đâu?", ["Melborne"], "Melbourne ở đâu?"),
        ("Genhi là ai?", ["Genhi"], "Genhi là ai?"),
        # two edits that move no letter are another name: a held-out "Kearney" is no "Barney"
        ("Đại lộ Kearney ở đâu?", ["Kearney"], "Đại lộ Kearney ở đâu?"),
        ("Ai ở Ballarrt?", ["Ballarrt"], "Ai ở Ballarat?"),
        ("Ai ở Bllarrat?", ["Bllarrat"], "Ai ở Bllarrat?"),
        # shorter names are too often one letter from another name
        ("Tổng thống Costa Rica nào?", ["Rica"], "Tổng thống Costa Rica nào?"),
    ],
)
def test_a_misspelt_name_is_spelled_as_a_close_name_of_the_passages(question, unknown, respelled):
    from rag.normalize import respell_names

    assert respell_names(question, unknown, [GANDHI_TEXT, VICTORIA_TEXT]) == respelled


def test_only_names_the_passages_capitalise_respell_and_only_close_enough_ones():
    from rag.normalize import respell_names

    # "tuân" is in the passage, but not capitalised: no name
    assert respell_names("Ai là Tuann?", ["Tuann"], [GANDHI_TEXT]) == "Ai là Tuann?"
    # a word the passages capitalise only at a sentence's start is not taken for a name
    assert respell_names("Ai là Theoo?", ["Theoo"], ["Theo truyền thống, đảng mạnh."]) == "Ai là Theoo?"
    assert respell_names("Ai là Theoo?", ["Theoo"], ["Ông gặp Theo ở Paris."]) == "Ai là Theo?"
    # decomposed passages and an accented spelling: the name as the passage writes it (NFC)
    nfd = unicodedata.normalize("NFD", "Nhà thờ ở Zürich rất đẹp.")
    assert respell_names("Nhà thờ ở Zurch đẹp không?", ["Zurch"], [nfd]) == "Nhà thờ ở Zürich đẹp không?"
    assert respell_names("Ai?", [], [GANDHI_TEXT]) == "Ai?"
    assert respell_names("Ghandi?", ["Ghandi"], []) == "Ghandi?"


@pytest.mark.parametrize(
    ("word", "unmarked_syllable"),
    [("viet", True), ("Nguyen", True), ("thuong", True), ("Đàm", True), ("ha", True), ("noi", True),
     ("hanoi", False), ("china", False), ("party", False), ("Iqbal", False), ("cauc", False)],
)  # fmt: skip
def test_a_word_written_without_marks_is_read_as_the_syllable_it_may_be(word, unmarked_syllable):
    from rag.normalize import is_unmarked_syllable

    assert is_unmarked_syllable(word) is unmarked_syllable
    # "viet" is no syllable as written: Vietnamese writes "iê" with its circumflex
    assert not is_vietnamese_syllable("viet")
