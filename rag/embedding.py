"""The ``Embedder`` protocol and its sentence-transformers adapter.

Vectors are float32 rows with unit L2 norm, so an inner product is a cosine.
Queries and passages get separate prefixes (``query: `` / ``passage: `` for e5).
The model is loaded from a local folder only; nothing ever reaches a model hub.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.models import ensure_embedding_model
from rag.settings import EmbeddingSettings, Settings
from rag.types import ModelError, ModelMissingError

log = logging.getLogger(__name__)

# Small files that define a sentence-transformers folder; their content (plus the
# sizes of the weight files) identifies the model cheaply, without hashing weights.
_IDENTITY_FILES = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    "tokenizer_config.json",
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit-length float32 vectors; queries and passages separately."""

    model_id: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (passage prefix applied), shape ``(len(texts), dim)``."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of one query (query prefix applied), shape ``(dim,)``."""
        ...


def model_fingerprint(folder: Path) -> str:
    """A short hash of a model folder's configuration files and weight sizes.

    Stable across copies and moves of the folder; changes when the model's
    configuration, tokenizer settings or weights files change.
    """
    digest = hashlib.sha256()
    for relpath in _IDENTITY_FILES:
        path = folder / relpath
        if path.is_file():
            digest.update(relpath.encode())
            digest.update(path.read_bytes())
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in _WEIGHT_SUFFIXES:
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def model_id_of(folder: Path) -> str:
    """The id an index records for vectors from this folder, e.g. ``multilingual-e5-small@3f9c0a1b2c4d``.

    It depends on the folder's content (not on where it lives or the name it
    was selected by), so a built-in name and the path to the same folder agree.
    """
    # Packages that ship a folder called just "model" are better named by their package.
    label = folder.parent.name if folder.name in {"model", "models"} else folder.name
    return f"{label}@{model_fingerprint(folder)}"


def _go_offline() -> None:
    """Make huggingface_hub and transformers refuse any network access in this process."""
    for key, value in _OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def _import_sentence_transformers() -> Any:
    _go_offline()
    try:
        import sentence_transformers
    except ImportError as err:
        raise ModelMissingError(
            "the embedder needs the package sentence-transformers (with torch): run "
            "`pip install torch==2.13.0 sentence-transformers==6.2.0` or `make install`."
        ) from err
    return sentence_transformers


def cpu_has_native_bfloat16() -> bool:
    """True when torch can run bfloat16 matmuls natively here (AMX tiles or AVX512-BF16)."""
    import torch

    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    for name in checks:
        check = getattr(torch.cpu, name, None)
        try:
            if check is not None and check():
                return True
        except RuntimeError:
            continue
    return False


QUERY_CACHE_SIZE = 256  # query vectors kept per embedder

# The attention implementation the embedder registers with transformers (see below).
KEY_PADDING_SDPA = "rag_key_padding_sdpa"


def _key_padding_sdpa(
    module: Any, query: Any, key: Any, value: Any, attention_mask: Any, **kwargs: Any
) -> Any:
    """SDPA attention with a ``(batch, 1, 1, keys)`` mask, not transformers' ``(batch, 1, queries, keys)``.

    In a bidirectional encoder every row of that mask is the same key-padding row (the first
    query is a real token: padding is on the right), and torch's CPU flash-attention kernel
    runs faster on the broadcast row than on the full square (~10% of the embedder's time at
    ~170-token chunks). Real tokens get the same outputs; padded positions are dropped by
    the mean pooling anyway.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if attention_mask is not None and attention_mask.dim() == 4 and not getattr(module, "is_causal", False):
        attention_mask = attention_mask[:, :, :1, :]
    return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)


def _use_key_padding_sdpa(transformer: Any) -> bool:
    """Switch a loaded encoder to ``_key_padding_sdpa`` when it runs transformers' SDPA attention."""
    try:
        from transformers import AttentionInterface, AttentionMaskInterface
        from transformers.masking_utils import sdpa_mask
    except ImportError:
        return False
    config = getattr(transformer, "config", None)
    if getattr(config, "_attn_implementation", None) != "sdpa" or getattr(config, "is_decoder", False):
        return False
    AttentionInterface.register(KEY_PADDING_SDPA, _key_padding_sdpa)
    AttentionMaskInterface.register(KEY_PADDING_SDPA, sdpa_mask)
    try:
        transformer.set_attn_implementation(KEY_PADDING_SDPA)
    except (ValueError, AttributeError, KeyError) as err:
        log.warning("keeping the default attention for the embedder: %s", err)
        return False
    return True


def resolve_precision(requested: str) -> str:
    """The precision to run: ``requested``, with 'auto' resolved for this CPU."""
    if requested != "auto":
        return requested
    return "bfloat16" if cpu_has_native_bfloat16() else "float32"


class SentenceTransformerEmbedder:
    """An ``Embedder`` over a local sentence-transformers folder, on CPU.

    Args:
        model_path: the sentence-transformers folder.
        settings: prefixes, batch size, max sequence length, torch threads and precision.

    Raises:
        ModelMissingError: sentence-transformers is not installed.
        ModelError: the folder cannot be loaded as a sentence-transformers model.
    """

    def __init__(self, model_path: str | Path, settings: EmbeddingSettings) -> None:
        self.path = Path(model_path)
        self.settings = settings
        self._encode_lock = threading.Lock()
        self._query_lock = threading.Lock()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = self._load()
        self.dim: int = self._dimension()
        # bfloat16 vectors agree with float32 ones at cosine >= 0.9999 (same rankings), so the
        # precision is not part of the id: an index built on one CPU opens on another.
        self.model_id: str = model_id_of(self.path)

    def _dimension(self) -> int:
        # sentence-transformers 6 renamed get_sentence_embedding_dimension.
        getter = getattr(self._model, "get_embedding_dimension", None)
        getter = getter or self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            raise ModelError(f"embedding model {self.path} does not report its embedding dimension.")
        return int(dim)

    def _load(self) -> Any:
        sentence_transformers = _import_sentence_transformers()
        import torch
        from transformers.utils import logging as transformers_logging

        # No "Loading weights" progress bar on every start of the CLI or the app.
        transformers_logging.disable_progress_bar()

        torch.set_num_threads(self.settings.n_threads)
        started = time.monotonic()
        try:
            model = sentence_transformers.SentenceTransformer(
                str(self.path), device="cpu", local_files_only=True, trust_remote_code=False
            )
        except (OSError, ValueError, RuntimeError, KeyError) as err:
            raise ModelError(
                f"cannot load the embedding model {self.path} as a sentence-transformers folder: {err}"
            ) from err
        model_limit = model.max_seq_length or self.settings.max_seq_length
        model.max_seq_length = min(self.settings.max_seq_length, model_limit)
        model.eval()
        self.precision = resolve_precision(self.settings.precision)
        if self.precision == "bfloat16":
            model = model.to(torch.bfloat16)
        self.attention = "sdpa"
        transformer = getattr(model[0], "auto_model", None) if len(model) else None
        if transformer is not None and _use_key_padding_sdpa(transformer):
            self.attention = KEY_PADDING_SDPA
        log.info(
            "loaded embedder %s in %.1f s (max_seq_length %d, %d threads, %s, %s attention)",
            self.path,
            time.monotonic() - started,
            model.max_seq_length,
            self.settings.n_threads,
            self.precision,
            self.attention,
        )
        return model

    def _encode(self, texts: list[str], threads: int) -> np.ndarray:
        import torch

        # torch's thread count is process-wide: set it per call under one lock.
        with self._encode_lock:
            torch.set_num_threads(threads)
            vectors = self._model.encode(
                texts,
                batch_size=self.settings.batch_size,
                convert_to_tensor=True,
                show_progress_bar=False,
            )
        # Normalise in float32 even when the model ran in bfloat16 (its norms are only ~3 digits).
        vectors = vectors.float().numpy()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages, shape ``(len(texts), dim)``, float32.

        sentence-transformers sorts the texts by length before batching, so each
        batch pads little; the rows come back in the input order.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.settings.passage_prefix
        return self._encode([prefix + text for text in texts], self.settings.n_threads)

    def embed_query(self, text: str) -> np.ndarray:
        """Unit vector of one query, shape ``(dim,)``, float32.

        One thread: a single short text gains nothing from more, and on a busy CPU
        (llama.cpp generating beside it) OpenMP barriers made two threads take
        ~1.4 s instead of ~50 ms here. Recent queries are remembered: a question is
        searched again once its translation is ready.
        """
        with self._query_lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached.copy()
        vector = self._encode([self.settings.query_prefix + text], 1)[0]
        with self._query_lock:
            self._query_vectors[text] = vector.copy()
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model_id!r}, dim={self.dim})"


_cache_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _load_embedder(model_path: str, settings_json: str) -> SentenceTransformerEmbedder:
    settings = EmbeddingSettings.model_validate_json(settings_json)
    return SentenceTransformerEmbedder(model_path, settings)


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings select, loaded once per model path and embedding settings.

    Built-in models are provisioned first if needed (see ``rag.models``).

    Raises:
        ModelMissingError: the model or sentence-transformers is not installed.
        ModelError: the model cannot be loaded.
    """
    path = ensure_embedding_model(settings)
    # Keyed by the resolved folder, so a built-in name and its path share one loaded model.
    shaping = settings.embedding.model_dump_json(exclude={"model"})
    with _cache_lock:
        return _load_embedder(str(path), shaping)


def clear_embedder_cache() -> None:
    """Forget loaded embedders (tests, or after changing a model folder in place)."""
    with _cache_lock:
        _load_embedder.cache_clear()
