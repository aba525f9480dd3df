"""Continuous batching on llama.cpp: every answer in flight is decoded in one shared context.

One thread owns the llama.cpp context and runs steps. Each step builds a single batch of

1. the next token of every sequence that is answering (one token each), then
2. prompt tokens of sequences still being read, first come first served: up to `n_batch` tokens in
   all when no answer is starting, but only `prefill_chunk` while some answer is writing its first
   `FIRST_TEXT_TOKENS` tokens. A step costs about linearly in its tokens on a CPU, so a 512-token
   prompt chunk made every answer in flight wait ~0.8 s per token, and a user whose prompt had just
   been read waited 10-20 s for a first sentence while seven other prompts were read,

runs `llama_decode` once, and samples each sequence's next token from its own logits with its own
sampler chain (llama.cpp's samplers: repetition penalty, then greedy, or top-k, top-p, temperature
and a seeded draw); before an answer's `min_new_tokens`, its end-of-generation tokens' logits are set
to -inf first (what transformers' MinNewTokensLengthLogitsProcessor does). Requests join at the next
step and leave as soon as they end, stop or are cancelled. A finished sequence's cells stay in its
slot's cache: a new prompt goes to the free slot whose cached tokens share the longest start with it
and reads only the rest (every grounded prompt starts with the same system prompt; a follow-up with
the whole conversation before it).

Why: decoding one sequence reads every weight for one token, so on a CPU most of each step is
memory traffic; eight sequences per step cost little more than one. A lock around a single-sequence
context (what `llama_cpp.Llama` offers) makes concurrent users wait for each other's whole answers.

llama-cpp-python's public low-level API (`llama_cpp.llama_*`) does the work; the model and context
come from its `_internals` wrappers (which free them correctly), safe because the version is pinned.
"""

from __future__ import annotations

import codecs
import ctypes
import dataclasses
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medqa.errors import MedqaError
from medqa.inference.base import GenerationSettings

TOP_K = 50  # transformers' default top_k when sampling: both backends sample from the same candidates
PENALTY_LAST_N = 64  # repetition penalty looks at the last 64 tokens (llama.cpp's default window)
# The key/value cache's number type. q8_0 would halve its memory (~190 instead of ~380 MB for 8 x 2048
# cells) but made prompt reading 1.5x and 8 answers at once 1.4x slower here.
KV_TYPE = "f16"
# Prompt tokens per step while an answer is starting (bench/README.md, "Serving under load": measured
# against 512, i.e. no limit, and smaller chunks).
PREFILL_CHUNK = 64
FIRST_TEXT_TOKENS = 32  # an answer "is starting" until it wrote this many tokens (its first sentence or two)
_DONE = object()


@dataclass
class EngineStats:
    """The engine's counters (totals since start) and queue (now), for /metrics."""

    prompt_tokens: int = 0  # prompt tokens of every admitted request
    cached_prompt_tokens: int = 0  # of those, found in a slot's cache and not read again
    output_tokens: int = 0
    waiting: int = 0  # requests waiting for a free slot
    running: int = 0  # sequences being read or answering
    pending_prompt_tokens: int = 0  # prompt tokens of running sequences not read yet


@dataclass(eq=False)
class _Sequence:
    """One answer being generated."""

    prompt: list[int]
    settings: GenerationSettings
    should_stop: Callable[[], bool]
    max_new_tokens: int
    out: queue.SimpleQueue[Any] = field(default_factory=queue.SimpleQueue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    seq_id: int = -1
    sampler: Any = None
    read: int = 0  # prompt tokens already in the cache
    position: int = 0  # next position in this sequence
    generated: int = 0
    next_token: int | None = None  # sampled, not yet fed back
    # holds back the start of a UTF-8 character split across tokens until its last byte comes
    text: codecs.IncrementalDecoder = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))

    def stopped(self) -> bool:
        return self.cancelled.is_set() or self.should_stop()


class BatchEngine:
    """A GGUF model served by continuous batching; `stream` may be called from many threads at once."""

    def __init__(
        self,
        gguf: Path,
        n_threads: int,
        n_ctx: int = 2048,
        n_parallel: int = 8,
        n_batch: int = 512,
        kv_type: str = KV_TYPE,
        prefill_chunk: int = PREFILL_CHUNK,
        reuse_prefix: bool = True,
    ) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._llama = llama_cpp
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # llama.cpp's load log is noise here
        llama_cpp.llama_backend_init()
        try:
            self.model = _internals.LlamaModel(
                path_model=str(gguf), params=llama_cpp.llama_model_default_params(), verbose=False
            )
            params = llama_cpp.llama_context_default_params()
            params.n_ctx = n_ctx * n_parallel  # every sequence gets a cache of n_ctx cells of its own
            params.n_batch = params.n_ubatch = n_batch
            params.n_seq_max = n_parallel
            # Separate caches: with one shared cache, every token would attend (masked) over all the
            # sequences' cells, which made 8 answers at once ~1.4x slower here.
            params.kv_unified = False
            params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED  # 1.7x faster than without here
            params.n_threads = params.n_threads_batch = n_threads
            params.no_perf = True
            # q8_0 needs head sizes that are multiples of its 32-value blocks; other models get f16.
            for kind in dict.fromkeys([kv_type, "f16"]):
                params.type_k = params.type_v = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0}[kind]
                try:
                    self.context = _internals.LlamaContext(model=self.model, params=params, verbose=False)
                    break
                except ValueError:
                    if kind == "f16":
                        raise
        except (ValueError, RuntimeError) as exc:
            raise MedqaError(f"llama.cpp cannot load {gguf}: {exc}") from exc
        self.n_ctx = llama_cpp.llama_n_ctx_seq(self.context.ctx)  # per sequence
        # llama.cpp lowers n_batch to the context size when that is smaller: a larger batch would abort.
        self.n_batch = llama_cpp.llama_n_batch(self.context.ctx)
        self.vocab = self.model.vocab
        n_vocab = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self._end_tokens = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_eog(self.vocab, t)]
        self._batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)
        self.prefill_chunk = max(1, min(prefill_chunk, self.n_batch))
        self.reuse_prefix = reuse_prefix
        self._free_ids = deque(range(n_parallel))
        self._cached: list[list[int]] = [[] for _ in range(n_parallel)]  # each slot's tokens in its cache
        self._stats = EngineStats()
        self._inbox: queue.SimpleQueue[_Sequence | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="medqa-llamacpp", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------------------ callers' side
    def stream(
        self, prompt: list[int], settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        """The answer's text, piece by piece. The request is queued at once (so several can be started
        before any is read); closing the iterator ends its generation at the next step."""
        if self._closed:
            raise MedqaError("the llama.cpp engine is closed")
        if settings.num_beams > 1:
            raise MedqaError("the llama.cpp backend does not do beam search; use num_beams=1")
        if not prompt:
            raise MedqaError("empty prompt")
        if len(prompt) >= self.n_ctx:
            raise MedqaError(f"the prompt has {len(prompt)} tokens; a llama.cpp sequence holds {self.n_ctx}")
        # Like llama.cpp itself: an answer that would overflow the context is cut short, not refused.
        max_new = min(settings.max_new_tokens, self.n_ctx - len(prompt))
        sequence = _Sequence(list(prompt), settings, should_stop or (lambda: False), max_new)
        self._inbox.put(sequence)
        return _receive(sequence)

    def stats(self) -> EngineStats:
        """A copy of the counters (written by the engine thread only; ints are read atomically)."""
        return dataclasses.replace(self._stats)

    def close(self) -> None:
        """Stop the engine thread (answers in flight end with an error) and free the model."""
        if self._closed:
            return
        self._closed = True
        self._inbox.put(None)
        self._thread.join()
        self._llama.llama_batch_free(self._batch)
        self.context.close()
        self.model.close()

    # ------------------------------------------------------------------------------ engine thread
    def _run(self) -> None:
        waiting: deque[_Sequence] = deque()
        running: list[_Sequence] = []
        while True:
            if not self._collect(waiting, block=not (waiting or running)):
                break
            self._admit(waiting, running)
            for sequence in [s for s in running if s.stopped()]:
                self._finish(sequence, running)
            self._count(waiting, running)
            if not running:
                continue
            try:
                self._step(running)
            except Exception as exc:  # noqa: BLE001 - every caller gets the error, the engine lives on
                error = exc if isinstance(exc, MedqaError) else MedqaError(f"llama.cpp failed: {exc}")
                for sequence in list(running):
                    self._finish(sequence, running, error)
            self._count(waiting, running)
        for sequence in [*waiting, *running]:
            sequence.out.put(MedqaError("the llama.cpp engine was closed"))

    def _collect(self, waiting: deque[_Sequence], block: bool) -> bool:
        """Move new requests into `waiting`; False once `close` was called."""
        try:
            item = self._inbox.get(block=block)
            while True:
                if item is None:
                    return False
                waiting.append(item)
                item = self._inbox.get_nowait()
        except queue.Empty:
            return True

    def _count(self, waiting: deque[_Sequence], running: list[_Sequence]) -> None:
        stats = self._stats
        stats.waiting, stats.running = len(waiting), len(running)
        stats.pending_prompt_tokens = sum(len(s.prompt) - s.read for s in running)

    def _admit(self, waiting: deque[_Sequence], running: list[_Sequence]) -> None:
        """Start waiting sequences, first come first served, while a sequence slot is free; each in the
        free slot whose cache shares the longest start with its prompt, which is not read again."""
        while waiting and self._free_ids:
            sequence = waiting.popleft()
            if sequence.stopped():
                sequence.out.put(_DONE)
                continue
            shared = {slot: _shared_start(self._cached[slot], sequence.prompt) for slot in self._free_ids}
            slot = max(self._free_ids, key=lambda s: shared[s]) if self.reuse_prefix else self._free_ids[0]
            self._free_ids.remove(slot)
            # The last prompt token is always read: its logits give the answer's first token.
            keep = min(shared[slot], len(sequence.prompt) - 1) if self.reuse_prefix else 0
            if not self._llama.llama_memory_seq_rm(self.context.memory, slot, keep, -1):
                keep = 0  # a cache that cannot drop a tail (not the case for these models): start afresh
                self._llama.llama_memory_seq_rm(self.context.memory, slot, -1, -1)
            del self._cached[slot][keep:]
            sequence.seq_id = slot
            sequence.read = sequence.position = keep
            sequence.sampler = self._sampler(sequence.settings)
            self._stats.prompt_tokens += len(sequence.prompt)
            self._stats.cached_prompt_tokens += keep
            running.append(sequence)

    def _step(self, running: list[_Sequence]) -> None:
        """One batch: a token for every answering sequence, then as much prompt as fits."""
        batch = self._batch
        batch.n_tokens = 0
        wants_logits: list[tuple[_Sequence, int]] = []
        starting = False
        for sequence in running:
            if sequence.next_token is not None:
                wants_logits.append((sequence, self._add(sequence, sequence.next_token, True)))
                sequence.next_token = None
                starting = starting or sequence.generated < FIRST_TEXT_TOKENS
        # An answer is writing its first words: read prompts in small chunks, so it is not held behind them.
        limit = min(self.n_batch, batch.n_tokens + self.prefill_chunk) if starting else self.n_batch
        for sequence in running:
            while sequence.read < len(sequence.prompt) and batch.n_tokens < limit:
                last = sequence.read == len(sequence.prompt) - 1
                index = self._add(sequence, sequence.prompt[sequence.read], last)
                sequence.read += 1
                if last:
                    wants_logits.append((sequence, index))
        status = self._llama.llama_decode(self.context.ctx, batch)
        if status != 0:
            raise MedqaError(f"llama.cpp could not decode a batch of {batch.n_tokens} tokens (status {status})")
        for sequence, index in wants_logits:
            if sequence.generated < sequence.settings.min_new_tokens:
                logits = self._llama.llama_get_logits_ith(self.context.ctx, index)
                for end in self._end_tokens:
                    logits[end] = float("-inf")
            token = self._llama.llama_sampler_sample(sequence.sampler, self.context.ctx, index)
            self._accept(sequence, token, running)

    def _add(self, sequence: _Sequence, token: int, logits: bool) -> int:
        batch, index = self._batch, self._batch.n_tokens
        batch.token[index] = token
        batch.pos[index] = sequence.position
        batch.n_seq_id[index] = 1
        batch.seq_id[index][0] = sequence.seq_id
        batch.logits[index] = logits
        batch.n_tokens = index + 1
        sequence.position += 1
        self._cached[sequence.seq_id].append(token)
        return index

    def _accept(self, sequence: _Sequence, token: int, running: list[_Sequence]) -> None:
        sequence.generated += 1
        self._stats.output_tokens += 1
        if self._llama.llama_vocab_is_eog(self.vocab, token):
            self._finish(sequence, running)
            return
        if text := sequence.text.decode(self._piece(token)):
            sequence.out.put(text)
        if sequence.generated >= sequence.max_new_tokens or sequence.stopped():
            self._finish(sequence, running)
        else:
            sequence.next_token = token

    def _finish(self, sequence: _Sequence, running: list[_Sequence], error: Exception | None = None) -> None:
        """End a sequence: last bytes, end marker (or error), sampler freed, slot free again (its cells
        stay as a cache for the next prompt, except after an error, when their state is unknown)."""
        running.remove(sequence)
        if error is None and (rest := sequence.text.decode(b"", final=True)):
            sequence.out.put(rest)
        sequence.out.put(error if error is not None else _DONE)
        if error is not None or not self.reuse_prefix:
            self._llama.llama_memory_seq_rm(self.context.memory, sequence.seq_id, -1, -1)
            self._cached[sequence.seq_id].clear()
        self._llama.llama_sampler_free(sequence.sampler)
        self._free_ids.append(sequence.seq_id)

    def _sampler(self, settings: GenerationSettings) -> Any:
        """llama.cpp's sampler chain for these settings (the order `llama_cpp.Llama` uses)."""
        llama = self._llama
        chain = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params())
        n_vocab = llama.llama_vocab_n_tokens(self.vocab)  # passed as `llama_cpp.Llama` passes it
        steps = [llama.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, settings.repetition_penalty, 0.0, 0.0)]
        if settings.temperature == 0:
            steps.append(llama.llama_sampler_init_greedy())
        else:
            steps += [
                llama.llama_sampler_init_top_k(TOP_K),
                llama.llama_sampler_init_top_p(settings.top_p, 1),
                llama.llama_sampler_init_temp(settings.temperature),
                llama.llama_sampler_init_dist(settings.seed),
            ]
        for step in steps:
            llama.llama_sampler_chain_add(chain, step)  # the chain owns and frees its steps
        return chain

    def _piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(64)
        size = self._llama.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, False)
        if size < 0:  # a longer piece: -size is the length it needs
            buffer = ctypes.create_string_buffer(-size)
            size = self._llama.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, False)
        return buffer.raw[:size]


def _shared_start(cached: list[int], prompt: list[int]) -> int:
    """How many tokens `prompt` and a slot's cached tokens have in common from the start."""
    shared = 0
    for a, b in zip(cached, prompt, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _receive(sequence: _Sequence) -> Iterator[str]:
    try:
        while (item := sequence.out.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
            if sequence.stopped():  # the engine may be ahead of the reader: drop what it queued
                return
    finally:
        sequence.cancelled.set()  # no-op when it ended; frees its cells when the caller left early
