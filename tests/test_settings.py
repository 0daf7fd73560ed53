from pathlib import Path

import pytest

from rag.settings import Settings, get_settings
from rag.types import ConfigError


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAG_PATHS__INDEX_DIR")
    settings = get_settings()
    assert settings.paths.index_dir == Path("index")
    assert settings.paths.documents_dir == Path("documents")
    assert settings.llm.model == "qwen2.5-coder-1.5b"
    assert settings.embedding.model == "e5-small"
    assert settings.ui.host == "127.0.0.1"


def test_precedence_defaults_toml_env_explicit(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rag.toml").write_text(
        "[llm]\nn_threads = 3\nn_ctx = 2048\nmax_tokens = 99\n[chunking]\nsize = 500\n", encoding="utf-8"
    )
    monkeypatch.setenv("RAG_LLM__N_CTX", "3072")
    monkeypatch.setenv("RAG_LLM__MAX_TOKENS", "77")
    settings = get_settings(llm={"max_tokens": 55})
    assert settings.chunking.size == 500  # toml over default
    assert settings.llm.n_threads == 3  # toml over default
    assert settings.llm.n_ctx == 3072  # env over toml
    assert settings.llm.max_tokens == 55  # explicit over env
    assert settings.llm.temperature == 0.0  # default kept


def test_config_file_from_env(monkeypatch, tmp_path):
    config = tmp_path / "elsewhere.toml"
    config.write_text("[retrieval]\ntop_k = 7\n", encoding="utf-8")
    monkeypatch.setenv("RAG_CONFIG", str(config))
    assert get_settings().retrieval.top_k == 7


def test_invalid_value_names_the_field(monkeypatch):
    monkeypatch.setenv("RAG_LLM__N_THREADS", "zero")
    with pytest.raises(ConfigError, match=r"llm\.n_threads"):
        get_settings()


def test_unknown_field_is_an_error():
    with pytest.raises(ConfigError, match="retrieval.topk"):
        get_settings({"retrieval": {"topk": 3}})


def test_existing_settings_with_overrides():
    base = get_settings({"llm": {"n_threads": 4}})
    derived = get_settings(base, retrieval={"top_k": 2})
    assert derived.llm.n_threads == 4
    assert derived.retrieval.top_k == 2
    assert get_settings(base) is base


def test_fingerprint_tracks_index_shaping_settings_only():
    base = Settings()
    assert base.fingerprint() == Settings().fingerprint()
    assert get_settings({"chunking": {"size": 901}}).fingerprint() != base.fingerprint()
    assert get_settings({"embedding": {"model": "/some/folder"}}).fingerprint() != base.fingerprint()
    # Generation settings don't invalidate the index.
    assert get_settings({"llm": {"max_tokens": 12}}).fingerprint() == base.fingerprint()
