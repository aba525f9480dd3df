"""The one prompt template shared by training, evaluation and serving.

A `PromptTemplate` is saved next to every trained model (`RUN/prompt.yaml`) and reloaded by every
stage that talks to the model, so the format a model was trained on is the format it is asked in.
Decoder-only models with a chat template get chat messages; models without one, and
encoder-decoder models (T5), get the plain "Question:/Answer:" layout below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medqa.config import check, raise_problems
from medqa.errors import MedqaError
from medqa.fileio import atomic_write_text

IGNORE_INDEX = -100  # label value that cross-entropy skips: prompt tokens and padding
MIN_ANSWER_TOKENS = 16  # an example whose prompt leaves less room than this for the answer is skipped

PROMPT_FILE = "prompt.yaml"


@dataclass
class PromptTemplate:
    """How a question (with optional passages and history) becomes model input."""

    system: str = (
        "You are a careful medical information assistant. Answer the question accurately and clearly. "
        "You do not replace a doctor."
    )
    """System message (chat models) or first paragraph (plain layout)."""
    use_chat_template: bool = True
    """Use the tokenizer's chat template when it has one; false forces the plain layout."""
    passages_intro: str = "Answer using these trusted passages and cite them by number, like [1]:"
    """Line above the numbered retrieved passages (only when passages are given)."""
    question_prefix: str = "Question: "
    """Plain layout: text before each question."""
    answer_prefix: str = "Answer:"
    """Plain layout: text after which the model writes the answer."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, bool(self.answer_prefix.strip()), "'answer_prefix' must not be empty")
        raise_problems(problems, "prompt template")

    # ------------------------------------------------------------------ rendering
    def messages(
        self, question: str, passages: Sequence[str] = (), history: Sequence[dict[str, str]] = ()
    ) -> list[dict[str, str]]:
        """Chat messages for `question`: system, earlier turns, then the user turn (with passages)."""
        messages = [{"role": "system", "content": self.system}] if self.system else []
        messages.extend({"role": turn["role"], "content": turn["content"]} for turn in history)
        messages.append({"role": "user", "content": self._user_text(question, passages)})
        return messages

    def render(
        self,
        tokenizer: Any,
        question: str,
        passages: Sequence[str] = (),
        history: Sequence[dict[str, str]] = (),
        seq2seq: bool = False,
    ) -> str:
        """The prompt text; the model's answer starts right after it."""
        if self.uses_chat(tokenizer, seq2seq):
            return tokenizer.apply_chat_template(
                self.messages(question, passages, history), tokenize=False, add_generation_prompt=True
            )
        parts = [self.system] if self.system else []
        for turn in history:
            prefix = self.question_prefix if turn["role"] == "user" else self.answer_prefix + " "
            parts.append(prefix + turn["content"])
        parts.append(self.question_prefix + self._user_text(question, passages))
        return "\n\n".join(parts) + "\n" + self.answer_prefix

    def uses_chat(self, tokenizer: Any, seq2seq: bool = False) -> bool:
        """Whether this tokenizer gets chat messages (decoder-only model with a chat template)."""
        return self.use_chat_template and not seq2seq and bool(getattr(tokenizer, "chat_template", None))

    def _user_text(self, question: str, passages: Sequence[str]) -> str:
        if not passages:
            return question.strip()
        numbered = "\n".join(f"[{i}] {p.strip()}" for i, p in enumerate(passages, start=1))
        return f"{self.passages_intro}\n{numbered}\n\n{self.question_prefix}{question.strip()}"

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> Path:
        """Write `folder/prompt.yaml` (atomically) and return its path."""
        path = Path(folder) / PROMPT_FILE
        atomic_write_text(path, yaml.safe_dump(dataclasses.asdict(self), sort_keys=False, allow_unicode=True))
        return path

    @classmethod
    def load(cls, folder: Path) -> PromptTemplate:
        """Read `folder/prompt.yaml` (a run or exported model folder)."""
        path = Path(folder) / PROMPT_FILE
        if not path.is_file():
            raise MedqaError(f"{folder} has no {PROMPT_FILE}: it is not a folder written by `medqa train`/`export`")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MedqaError(f"{path}: unknown keys {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
        return cls(**data)


@dataclass
class Encoded:
    """One tokenized training example. For decoder-only models `labels` is aligned with
    `input_ids` (IGNORE_INDEX on the prompt); for encoder-decoder models `labels` is the answer."""

    input_ids: list[int]
    labels: list[int]

    @property
    def supervised_tokens(self) -> int:
        """Tokens the loss is computed on (the answer, including its end marker when kept)."""
        return sum(1 for t in self.labels if t != IGNORE_INDEX)


def encode_prompt(
    template: PromptTemplate,
    tokenizer: Any,
    question: str,
    passages: Sequence[str] = (),
    history: Sequence[dict[str, str]] = (),
    seq2seq: bool = False,
) -> list[int]:
    """Token ids of the prompt exactly as training saw them (for generation)."""
    text = template.render(tokenizer, question, passages, history, seq2seq)
    # A chat template writes its own special tokens; the plain layout relies on the tokenizer's (BOS, </s>).
    return tokenizer(text, add_special_tokens=not template.uses_chat(tokenizer, seq2seq))["input_ids"]


def encode_examples(
    template: PromptTemplate,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    max_length: int,
    seq2seq: bool = False,
) -> list[Encoded | None]:
    """Tokenize (question, answer) pairs for training with the loss on the answer only.

    Answers longer than the room left by `max_length` are cut, and then lose their end marker so
    the model is never taught to stop mid-answer. An example whose prompt leaves fewer than
    MIN_ANSWER_TOKENS answer tokens comes back as None (the caller counts and skips it).
    """
    chat = template.uses_chat(tokenizer, seq2seq)
    prompts = [template.render(tokenizer, q, seq2seq=seq2seq) for q, _ in pairs]
    targets = [
        a.strip() if seq2seq else _answer_text(template, tokenizer, q, a, p, chat)  # the decoder starts afresh
        for (q, a), p in zip(pairs, prompts, strict=True)
    ]
    prompt_ids = tokenizer(prompts, add_special_tokens=not chat)["input_ids"]
    target_ids = tokenizer(targets, add_special_tokens=False)["input_ids"]
    end = [] if chat else [tokenizer.eos_token_id]  # a chat template already closed the turn in the text
    encoded: list[Encoded | None] = []
    for p_ids, t_ids in zip(prompt_ids, target_ids, strict=True):
        answer = list(t_ids) + end
        if seq2seq:
            p_ids = _truncate_prompt(list(p_ids), max_length, tokenizer)
            encoded.append(Encoded(p_ids, answer[:max_length]))
            continue
        room = max_length - len(p_ids)
        if room < MIN_ANSWER_TOKENS:
            encoded.append(None)
            continue
        answer = answer[:room]
        encoded.append(Encoded(list(p_ids) + answer, [IGNORE_INDEX] * len(p_ids) + answer))
    return encoded


def _answer_text(template: PromptTemplate, tokenizer: Any, question: str, answer: str, prompt: str, chat: bool) -> str:
    """The text the model must produce after the prompt: for chat models, whatever the template
    writes for the assistant turn (answer plus end-of-turn marker), so that it matches generation."""
    if not chat:
        return answer.strip() if template.answer_prefix.endswith((" ", "\n")) else " " + answer.strip()
    messages = [*template.messages(question), {"role": "assistant", "content": answer.strip()}]
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full.startswith(prompt):  # a template that rewrites earlier turns: fall back to answer + EOS
        return answer.strip() + (tokenizer.eos_token or "")
    target = full[len(prompt) :]
    eos = tokenizer.eos_token
    if eos and eos in target:  # drop what follows the end marker (a newline): nothing to learn there
        target = target[: target.rindex(eos) + len(eos)]
    return target


def _truncate_prompt(ids: list[int], max_length: int, tokenizer: Any) -> list[int]:
    """Encoder input cut to `max_length`, keeping the final special token (T5's </s>)."""
    if len(ids) <= max_length:
        return ids
    last = [ids[-1]] if ids[-1] in set(tokenizer.all_special_ids) else []
    return ids[: max_length - len(last)] + last
