"""Deterministic stand-ins for the heavy models, for mechanics tests only (never for quality)."""

from __future__ import annotations

import hashlib

import numpy as np


class FakeEmbedder:
    """Hashes syllables into a normalised vector: same words, same direction.

    Deterministic across processes (no Python ``hash``), fast, and shaped like the
    real ``Embedder``. It counts its calls so tests can prove what was embedded.
    """

    def __init__(self, dim: int = 64, model_id: str = "fake-hash-64") -> None:
        self.dim = dim
        self.model_id = model_id
        self.document_calls = 0
        self.query_calls = 0
        self.embedded_texts: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        from rag.normalize import syllables

        vector = np.zeros(self.dim, dtype=np.float32)
        for syllable in syllables(text.lower()):
            digest = hashlib.blake2b(syllable.encode("utf-8"), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[slot] += sign
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text."""
        self.document_calls += 1
        self.embedded_texts.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """The normalised vector of one query."""
        self.query_calls += 1
        return self._vector(text)
