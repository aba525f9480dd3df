"""Generation backends behind one small interface, so nothing else asks which one it has.

A backend turns `Prompt`s (a question, optional numbered passages, optional history) into answer
text, in batches or as a stream of text pieces. The prompt format always comes from the model's
saved `PromptTemplate`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from medqa.config import check, raise_problems
from medqa.hardware import autocast, bf16_supported
from medqa.models import LoadedModel
from medqa.prompt import PromptTemplate, encode_prompt

if TYPE_CHECKING:  # torch loads only with the transformers backend: the llama.cpp server runs without it
    import torch


@dataclass
class Prompt:
    """What the model is asked: the question, retrieved passages to cite, earlier turns."""

    question: str
    passages: Sequence[str] = ()
    history: Sequence[dict[str, str]] = field(default_factory=list)


@dataclass
class GenerationSettings:
    """Decoding settings. temperature 0 means greedy; num_beams > 1 means beam search."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    num_beams: int = 1
    repetition_penalty: float = 1.1  # small models loop without it
    seed: int = 0
    min_new_tokens: int = 0  # the end of the answer is not sampled before this many tokens (at most max_new_tokens)

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, 1 <= self.max_new_tokens <= 4096, "max_new_tokens must be between 1 and 4096")
        check(problems, 0.0 <= self.temperature <= 2.0, "temperature must be between 0 and 2")
        check(problems, 0.0 < self.top_p <= 1.0, "top_p must be in (0, 1]")
        check(problems, 1 <= self.num_beams <= 16, "num_beams must be between 1 and 16")
        check(problems, self.repetition_penalty >= 1.0, "repetition_penalty must be >= 1")
        check(problems, self.min_new_tokens >= 0, "min_new_tokens must be >= 0")
        check(
            problems, not (self.num_beams > 1 and self.temperature > 0), "beam search and sampling exclude each other"
        )
        raise_problems(problems, "generation settings")
        # A request's shorter max_tokens (the API, --set generation.max_new_tokens) wins over a model's saved minimum.
        self.min_new_tokens = min(self.min_new_tokens, self.max_new_tokens)


class Generator(Protocol):
    """The interface every backend implements."""

    name: str

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> list[str]:
        """Answers for a batch of prompts, in order."""
        ...

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        """The answer to one prompt, piece by piece, as it is generated."""
        ...


class TransformersGenerator:
    """Any transformers model (causal or seq2seq, CPU or GPU), with bfloat16 autocast where fast."""

    name = "transformers"

    def __init__(
        self, loaded: LoadedModel, template: PromptTemplate, batch_size: int = 8, bf16: bool | None = None
    ) -> None:
        self.loaded = loaded
        self.template = template
        self.batch_size = batch_size
        self.model = loaded.model.eval()
        self.tokenizer = loaded.tokenizer
        self.device = next(self.model.parameters()).device
        self.bf16 = bf16_supported(self.device.type == "cuda") if bf16 is None else bf16
        self.stop_ids = _stop_token_ids(self.tokenizer)

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        return encode_prompt(
            self.template, self.tokenizer, prompt.question, prompt.passages, prompt.history, seq2seq=self.loaded.seq2seq
        )

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> list[str]:
        encoded = [self.prompt_ids(p) for p in prompts]
        # Similar lengths together: less padding per batch. Answers are put back in input order.
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        answers: list[str] = [""] * len(encoded)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            texts = self._generate_ids([encoded[i] for i in chunk], settings)
            for index, text in zip(chunk, texts, strict=True):
                answers[index] = text
        return answers

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> bool:
                return bool(should_stop and should_stop())

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=not self.loaded.seq2seq, skip_special_tokens=True)
        inputs = self._pad([self.prompt_ids(prompt)])
        kwargs = {
            **inputs,
            **self._decoding(settings),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_Stop()]),
        }
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with torch.inference_mode(), autocast(self.device, self.bf16):
                    self.model.generate(**kwargs)
            except BaseException as exc:  # surfaced in the caller's thread below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        yield from streamer
        thread.join()
        if errors:
            raise errors[0]

    def _generate_ids(self, batch: list[list[int]], settings: GenerationSettings) -> list[str]:
        import torch

        inputs = self._pad(batch)
        if settings.temperature > 0:
            torch.manual_seed(settings.seed)
        with torch.inference_mode(), autocast(self.device, self.bf16):
            output = self.model.generate(**inputs, **self._decoding(settings))
        new_tokens = output if self.loaded.seq2seq else output[:, inputs["input_ids"].shape[1] :]
        return [t.strip() for t in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]

    def _pad(self, batch: list[list[int]]) -> dict[str, torch.Tensor]:
        """Left padding for decoder-only models (generation continues at the right edge)."""
        import torch

        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.stop_ids[0]
        width = max(len(ids) for ids in batch)
        left = not self.loaded.seq2seq
        input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            span = slice(width - len(ids), width) if left else slice(0, len(ids))
            input_ids[row, span] = torch.tensor(ids, dtype=torch.long)
            mask[row, span] = 1
        return {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}

    def _decoding(self, settings: GenerationSettings) -> dict[str, Any]:
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.stop_ids[0]
        kwargs: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "num_beams": settings.num_beams,
            "repetition_penalty": settings.repetition_penalty,
            "eos_token_id": self.stop_ids,
            "pad_token_id": pad_id,
            "do_sample": settings.temperature > 0,
        }
        if settings.min_new_tokens:  # every stop id is held back until then (MinNewTokensLengthLogitsProcessor)
            kwargs["min_new_tokens"] = settings.min_new_tokens
        if settings.temperature > 0:
            kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
        else:  # unset sampling knobs a model's generation_config may carry, so greedy stays greedy
            kwargs.update(temperature=None, top_p=None, top_k=None)
        return kwargs


def _stop_token_ids(tokenizer: Any) -> list[int]:
    """EOS plus the chat end-of-turn markers the vocabulary has (<|im_end|>, <|eot_id|>, <end_of_turn>)."""
    ids = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    vocab = tokenizer.get_vocab()
    for marker in ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>"):
        if marker in vocab and vocab[marker] not in ids:
            ids.append(vocab[marker])
    if not ids:
        raise ValueError("the tokenizer has no end-of-sequence token; generation could not stop")
    return ids
