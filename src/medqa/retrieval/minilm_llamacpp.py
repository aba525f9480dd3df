"""The bundled all-MiniLM-L6-v2 query embedder on llama.cpp: same vectors as the torch path, no torch.

torch + transformers + sentence-transformers cost ~500 MB of memory in a serving process that only
needs to embed one short query at a time. llama.cpp runs BERT models in embedding mode (mean
pooling, non-causal attention), so:

1. `minilm_gguf` converts the bundled model ONCE into a BERT GGUF in medqa's cache, reading the
   weights with `safetensors.numpy` and writing them with `gguf`, following the conventions of
   llama.cpp's convert_hf_to_gguf.py (`BertModel`): same metadata, tensor names and vocabulary form;
2. `MiniLMLlamaCpp` tokenizes with the model's own tokenizer.json (the `tokenizers` library, exactly
   what the HF fast tokenizer runs) and hands llama.cpp the token ids, so the tokens are the torch
   path's whatever llama.cpp's WordPiece port would have done; llama.cpp mean-pools, we L2-normalise.

Nothing here imports torch, transformers or sentence_transformers.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from medqa.errors import MedqaError
from medqa.fileio import atomic_file
from medqa.hardware import cpu_threads
from medqa.resources import MINILM_NAME, bundled_minilm, cache_dir

MAX_TOKENS = 128  # medqa's max_seq_length for MiniLM (its training length), [CLS] and [SEP] included
DIM = 384
GGUF_NAME = "all-minilm-l6-v2-f16.gguf"
# transformers parameter name (inside encoder.layer.N) -> GGUF tensor name (inside blk.N), as in
# gguf-py's tensor_mapping.py for MODEL_ARCH.BERT.
_LAYER_NAMES = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
_EMBEDDING_NAMES = {
    "embeddings.word_embeddings": "token_embd",
    "embeddings.token_type_embeddings": "token_types",
    "embeddings.position_embeddings": "position_embd",
    "embeddings.LayerNorm": "token_embd_norm",
}
# Unused by a mean-pooled sentence embedding: convert_hf_to_gguf.py drops them too.
_DROPPED = ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias")
# Kept in float32 like convert_hf_to_gguf.py does: tiny, and added (not multiplied) in the graph.
_F32_TENSORS = ("position_embd.weight", "token_types.weight")


# ------------------------------------------------------------------------------------------ conversion
def minilm_gguf(source: Path | None = None) -> Path:
    """The MiniLM as a BERT GGUF in medqa's cache, converted on the first call and reused afterwards.

    `source`: a sentence-transformers BERT folder; default the bundled all-MiniLM-L6-v2. Another
    folder gets a cache file of its own (named after its path), so the two never mix.
    """
    folder = cache_dir() / "minilm"
    if source is None:
        source, target = bundled_minilm(), folder / GGUF_NAME
    else:
        digest = hashlib.sha256(str(Path(source).resolve()).encode()).hexdigest()[:12]
        target = folder / f"{Path(GGUF_NAME).stem}-{digest}.gguf"
    if target.is_file():  # written atomically, so a file that exists is complete
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MedqaError(f"cannot create the cache folder {folder}: {exc.strerror or exc}") from exc
    try:
        with atomic_file(target) as temporary:
            write_minilm_gguf(Path(source), temporary)
    except OSError as exc:
        raise MedqaError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def write_minilm_gguf(source: Path, path: Path) -> Path:
    """Write the BERT model in `source` as a GGUF at `path`: 2-D weights float16, the rest float32."""
    import gguf

    config = _read_config(source)
    tokens, token_types = _vocabulary(source, int(config["vocab_size"]))
    pooling = _pooling(source)
    writer = gguf.GGUFWriter(str(path), "bert")
    writer.add_name(str(config.get("_name_or_path") or source.name))
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(int(config["num_hidden_layers"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(pooling)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    # The tokenizer: llama.cpp needs it to load the model, even though we hand it token ids.
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")  # llama.cpp ignores the pre-tokenizer name for WordPiece
    writer.add_token_list(tokens)
    writer.add_token_types(token_types)
    # sep/pad/unk/mask ids (and bos = [CLS], eos = [SEP]) from tokenizer.json/tokenizer_config.json,
    # read by gguf-py as convert_hf_to_gguf.py does. gguf-py dropped the cls key (llama.cpp uses bos
    # for it) and would warn about it; llama.cpp still reads the key, so it is written by hand.
    special = gguf.SpecialVocab(
        source, n_vocab=len(tokens), special_token_types=("bos", "eos", "unk", "sep", "pad", "mask")
    )
    special.add_to_gguf(writer, quiet=True)
    if "bos" in special.special_token_ids:
        writer.add_uint32("tokenizer.ggml.cls_token_id", special.special_token_ids["bos"])
    for name, array in _tensors(source, int(config["num_hidden_layers"])):
        if array.ndim >= 2 and name.endswith(".weight") and name not in _F32_TENSORS:
            writer.add_tensor(name, array.astype(np.float16))
        else:
            writer.add_tensor(name, array.astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _read_config(source: Path) -> dict[str, Any]:
    """config.json, refusing what llama.cpp's `bert` graph would compute differently."""
    try:
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise MedqaError(f"{source} is not a BERT model folder (cannot read config.json: {exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise MedqaError(f"{source / 'config.json'} is not valid JSON: {exc}") from exc
    required = (
        "vocab_size",
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "max_position_embeddings",
        "layer_norm_eps",
    )
    problems = [f"config.json has no {key!r}" for key in required if key not in config]
    if config.get("model_type") != "bert":
        problems.append(f"model_type is {config.get('model_type')!r}, not 'bert'")
    if config.get("hidden_act", "gelu") != "gelu":
        problems.append(f"hidden_act is {config.get('hidden_act')!r}, not 'gelu'")
    if config.get("position_embedding_type", "absolute") != "absolute":
        problems.append(f"position_embedding_type is {config.get('position_embedding_type')!r}, not 'absolute'")
    if problems:
        raise MedqaError(f"cannot convert {source} for llama.cpp: {'; '.join(problems)}")
    return config


def _pooling(source: Path) -> Any:
    """Mean pooling, the only one this embedder (and the torch path) implements."""
    import gguf

    pooling_file = source / "1_Pooling" / "config.json"
    if pooling_file.is_file():
        pooling = json.loads(pooling_file.read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens"):
            raise MedqaError(f"{source} does not use mean pooling ({pooling_file}); only mean pooling is supported")
    return gguf.PoolingType.MEAN


def _vocabulary(source: Path, vocab_size: int) -> tuple[list[str], list[int]]:
    """The WordPiece vocabulary in llama.cpp's "phantom space" form, and each token's type.

    llama.cpp's WPM tokenizer marks word starts with U+2581 instead of marking continuations with
    "##": "##ing" -> "ing", "the" -> "\u2581the"; special tokens ([CLS], [SEP]...) stay as they are.
    """
    import gguf

    try:
        spec = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MedqaError(f"cannot read {source / 'tokenizer.json'}: {exc}") from exc
    model = spec.get("model") or {}
    if model.get("type") != "WordPiece":
        raise MedqaError(f"{source} has a {model.get('type')} tokenizer; only WordPiece (BERT) is supported")
    vocab: dict[str, int] = dict(model["vocab"])
    for added in spec.get("added_tokens", []):
        vocab.setdefault(added["content"], int(added["id"]))
    special = {int(added["id"]) for added in spec.get("added_tokens", []) if added.get("special")}
    size = max(vocab_size, max(vocab.values()) + 1)
    tokens = [f"[PAD{i}]" for i in range(size)]  # holes (none in MiniLM) as convert_hf_to_gguf.py fills them
    types = [int(gguf.TokenType.UNUSED)] * size
    prefix = model.get("continuing_subword_prefix", "##")
    for token, index in vocab.items():
        if index in special:
            tokens[index], types[index] = token, int(gguf.TokenType.CONTROL)
        else:
            word = token[len(prefix) :] if token.startswith(prefix) else "\u2581" + token
            tokens[index], types[index] = word, int(gguf.TokenType.NORMAL)
    return tokens, types


def _tensors(source: Path, n_layers: int) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, array) for every weight the `bert` graph uses; the pooler is dropped."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        weights = load_file(str(source / "model.safetensors"))
    except (OSError, SafetensorError) as exc:
        raise MedqaError(f"cannot read {source / 'model.safetensors'}: {exc}") from exc
    seen: set[str] = set()
    for key, array in weights.items():
        name = key.removeprefix("bert.")  # BertForMaskedLM & co. prefix their encoder
        if name in _DROPPED or name.startswith("cls."):
            continue
        stem, _, suffix = name.rpartition(".")
        gguf_name = None
        if stem in _EMBEDDING_NAMES:
            gguf_name = f"{_EMBEDDING_NAMES[stem]}.{suffix}"
        elif stem.startswith("encoder.layer."):
            index, _, local = stem[len("encoder.layer.") :].partition(".")
            if local in _LAYER_NAMES and index.isdigit() and int(index) < n_layers:
                gguf_name = f"blk.{index}.{_LAYER_NAMES[local]}.{suffix}"
        if gguf_name is None or suffix not in ("weight", "bias"):
            raise MedqaError(f"cannot convert {source} for llama.cpp: unexpected BERT parameter {key}")
        seen.add(gguf_name)
        yield gguf_name, array
    missing = {"token_embd.weight", f"blk.{n_layers - 1}.layer_output_norm.weight"} - seen
    if missing:
        raise MedqaError(f"cannot convert {source} for llama.cpp: missing {', '.join(sorted(missing))}")


# ------------------------------------------------------------------------------------------- embedder
_SHARED: dict[str | None, MiniLMLlamaCpp] = {}
_SHARED_LOCK = threading.Lock()


def shared_minilm(source: str | None = None) -> MiniLMLlamaCpp:
    """One engine per process and model folder, shared by retrieval and triage.

    Created under a lock: the first questions of a server often arrive together, and each would
    otherwise load its own copy (seen: 7 copies, +260 MB). One thread: a query takes ~5 ms on it,
    and with two a query stalled (p99 156 ms) whenever the other core was busy, which in a server
    it is (the language model decodes on every core).
    """
    with _SHARED_LOCK:
        if source not in _SHARED:
            _SHARED[source] = MiniLMLlamaCpp(Path(source) if source else None, n_threads=1)
        return _SHARED[source]


class MiniLMLlamaCpp:
    """all-MiniLM-L6-v2 on llama.cpp: `encode` gives what `MiniLMEmbedder` gives, without torch.

    Safe to call from several threads (one llama.cpp context, used under a lock).
    """

    name = MINILM_NAME

    def __init__(self, source: Path | None = None, n_threads: int | None = None) -> None:
        import llama_cpp
        from llama_cpp import _internals
        from tokenizers import Tokenizer

        folder = bundled_minilm() if source is None else Path(source)
        gguf = minilm_gguf(source)
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise MedqaError(f"cannot read the tokenizer {folder / 'tokenizer.json'}: {exc}") from exc
        # tokenizer.json pads every text to 128 tokens; pooling must only see the real ones.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)

        self._llama = llama_cpp
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # llama.cpp's load log is noise here
        llama_cpp.llama_backend_init()
        threads = n_threads or cpu_threads()
        params = llama_cpp.llama_context_default_params()
        # One text per call, so a text's vector never depends on what it was batched with: batched,
        # llama.cpp's float16 kernels shift the values by ~1e-4 (sequence length and order change the
        # rounding); for a query, batching buys nothing anyway. The encoder needs the whole text in one
        # micro-batch (non-causal attention sees every token at once).
        params.n_ctx = params.n_batch = params.n_ubatch = MAX_TOKENS
        params.n_seq_max = 1
        params.embeddings = True
        params.pooling_type = llama_cpp.LLAMA_POOLING_TYPE_MEAN
        params.attention_type = llama_cpp.LLAMA_ATTENTION_TYPE_NON_CAUSAL
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        try:
            # _internals' wrappers free the model, context and batch correctly (the version is pinned).
            self._model = _internals.LlamaModel(
                path_model=str(gguf), params=llama_cpp.llama_model_default_params(), verbose=False
            )
            self._context = _internals.LlamaContext(model=self._model, params=params, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise MedqaError(
                f"llama.cpp cannot load the MiniLM GGUF {gguf}: {exc}; delete it to have it converted again"
            ) from exc
        n_embd = llama_cpp.llama_model_n_embd(self._model.model)
        if n_embd != DIM:
            raise MedqaError(f"{gguf} gives {n_embd}-dimensional vectors, not {DIM}")
        self.n_threads = threads
        self._batch = _internals.LlamaBatch(n_tokens=MAX_TOKENS, embd=0, n_seq_max=1, verbose=False)
        self._lock = threading.Lock()
        self._closed = False

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids as the HF tokenizer gives them: [CLS] ... [SEP], lower-cased, at most 128."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) float32, each row the mean of the last hidden states, L2-normalised."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenize(texts)
        with self._lock:
            for row, tokens in enumerate(ids):
                out[row] = self._run(tokens)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)  # what torch.nn.functional.normalize does

    def close(self) -> None:
        """Free the llama.cpp batch, context and model now (garbage collection frees them otherwise)."""
        with self._lock:
            self._closed = True
            self._batch.close()
            self._context.close()
            self._model.close()

    def _run(self, tokens: list[int]) -> np.ndarray:
        """The mean-pooled (unnormalised) embedding of one token sequence."""
        if self._closed:
            raise MedqaError("the MiniLM llama.cpp embedder is closed")
        llama_cpp, batch, ctx = self._llama, self._batch.batch, self._context.ctx
        for position, token in enumerate(tokens):
            batch.token[position] = token
            batch.pos[position] = position
            batch.n_seq_id[position] = 1
            batch.seq_id[position][0] = 0
            batch.logits[position] = True  # every token feeds the pooled output
        batch.n_tokens = len(tokens)
        code = llama_cpp.llama_encode(ctx, batch)
        if code != 0:
            raise MedqaError(f"llama.cpp failed to embed the text (llama_encode returned {code})")
        pointer = llama_cpp.llama_get_embeddings_seq(ctx, 0)
        if not pointer:
            raise MedqaError("llama.cpp returned no pooled embedding (is the GGUF a mean-pooled BERT?)")
        return np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(DIM,)).copy()
