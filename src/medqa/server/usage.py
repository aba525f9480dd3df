"""One request's view of the language model: the tokens it read and wrote, whether it stopped at its
token limit, and the client's `stop` sequences applied to what it writes.

The assistant is shared by every request; `Meter.attach` gives one request a shallow copy of it
whose generator is wrapped by that request's meter, so concurrent answers are counted apart and
nothing shared is changed.

`usage` counts the model's work, as OpenAI's does: the prompt it read (instructions, passages,
earlier turns, the question) and the tokens it generated, with the model's own tokenizer. A
generator without a local tokenizer (a remote server) gets an estimate (words and punctuation).
Answers given without the model (an emergency, an abstention, quotes only) count 0 and 0.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from medqa.assistant.answer import Answer, Assistant
from medqa.inference.base import GenerationSettings, Generator, Prompt

_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")


class Meter:
    """Counts one request's tokens and cuts the model's text at the first of `stops`."""

    def __init__(self, stops: Sequence[str] = ()) -> None:
        self.stops = [s for s in stops if s]
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.hit_limit = False  # generation ended because it reached max_new_tokens
        self.stopped_by_sequence = False

    def attach(self, assistant: Assistant) -> Assistant:
        """A copy of `assistant` whose generation goes through this meter (the original is unchanged)."""
        if assistant.generator is None:
            return assistant
        metered = copy.copy(assistant)
        metered.generator = _MeteredGenerator(assistant.generator, self)
        return metered

    def usage(self) -> dict[str, int]:
        """The `usage` object of a chat completion."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    def truncated(self, answer: Answer) -> bool:
        """Whether the model stopped at its token limit: the assistant's own word where it gives one."""
        said = getattr(answer, "truncated", None)
        return said if isinstance(said, bool) else self.hit_limit


class _MeteredGenerator:
    """The wrapped generator, counting into a meter; every other attribute is the wrapped one's."""

    def __init__(self, inner: Generator, meter: Meter) -> None:
        self.inner = inner
        self.meter = meter
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:  # template, tokenizer...: the assistant reads them
        return getattr(self.inner, name)

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> list[str]:
        return ["".join(self.stream(p, settings)) for p in prompts]

    def stream(
        self, prompt: Prompt, settings: GenerationSettings, should_stop: Callable[[], bool] | None = None
    ) -> Iterator[str]:
        meter = self.meter
        meter.prompt_tokens += self._prompt_tokens(prompt)
        keep = max((len(s) for s in meter.stops), default=1) - 1  # text that may start a stop sequence
        held, written, pieces = "", "", 0
        try:
            with contextlib.closing(self.inner.stream(prompt, settings, should_stop)) as stream:  # type: ignore[type-var]
                for piece in stream:
                    pieces += 1
                    written += piece
                    held += piece
                    cut = _first_stop(held, meter.stops)
                    if cut is not None:
                        meter.stopped_by_sequence = True
                        if held[:cut]:
                            yield held[:cut]
                        return
                    if len(held) > keep:
                        yield held[: len(held) - keep]
                        held = held[len(held) - keep :]
            if held:
                yield held
        finally:
            generated = max(pieces, self._tokens(written))  # a piece holds at least one token
            meter.completion_tokens += generated
            if generated >= settings.max_new_tokens and not meter.stopped_by_sequence:
                meter.hit_limit = True

    def _prompt_tokens(self, prompt: Prompt) -> int:
        prompt_ids = getattr(self.inner, "prompt_ids", None)
        if callable(prompt_ids):
            return len(prompt_ids(prompt))
        texts = [prompt.question, *prompt.passages, *(turn["content"] for turn in prompt.history)]
        return sum(_estimate(text) for text in texts)

    def _tokens(self, text: str) -> int:
        tokenizer = getattr(self.inner, "tokenizer", None)
        if tokenizer is not None and hasattr(tokenizer, "encode"):
            return len(tokenizer.encode(text, add_special_tokens=False))
        return _estimate(text)


def _estimate(text: str) -> int:
    """Tokens of `text` where no tokenizer is at hand: its words and punctuation marks."""
    return len(_WORD_OR_MARK.findall(text))


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Where the earliest of `stops` begins in `text`, or None."""
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None
