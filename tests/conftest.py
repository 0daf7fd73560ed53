"""Shared fixtures: every test gets its own index and settings, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
SEED_REPORT_DIR = REPO_ROOT / "documents"


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path_factory, monkeypatch):
    """Point the index at a temp folder so no test touches ``index/``."""
    index_dir = tmp_path_factory.mktemp("index")
    monkeypatch.setenv("RAG_PATHS__INDEX_DIR", str(index_dir))
    monkeypatch.delenv("RAG_CONFIG", raising=False)
    yield


@pytest.fixture
def settings(tmp_path):
    """Settings with a private index dir, tiny LLM and default embedder."""
    from rag.settings import get_settings

    return get_settings(
        {
            "paths": {"index_dir": str(tmp_path / "index"), "documents_dir": str(TEST_DATA)},
            "llm": {"model": "smollm2-135m"},
        }
    )
