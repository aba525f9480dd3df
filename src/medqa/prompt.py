"""The one prompt template shared by training, evaluation and serving.

A `PromptTemplate` is saved next to every trained model (`RUN/prompt.yaml`) and reloaded by every
stage that talks to the model, so the format a model was trained on is the format it is asked in.
Decoder-only models with a chat template get chat messages; models without one, and
encoder-decoder models (T5), get the plain "Question:/Answer:" layout below.

Beside it, `Decoding` (`RUN/generation.yaml`) holds how the model's answers are decoded (their
length, the repetition penalty): saved by training from its recipe, reloaded by evaluation and
serving with `Decoding.load(folder)`, so "how this model is asked" lives in one place.
"""

from __future__ import annotations

import dataclasses
import re
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
GENERATION_FILE = "generation.yaml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")  # where an answer may be cut: after .!? or at a line end


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
        return _read_yaml(cls, path)


@dataclass
class Decoding:
    """How the model's answers are decoded, saved with the run (`generation.yaml`) like its template."""

    max_new_tokens: int = 256
    """Longest answer in tokens. Training recipes set it to the answer length they teach
    (`max_answer_tokens`, answers cut at a sentence end), with room to finish the last sentence."""
    repetition_penalty: float = 1.1
    """Penalty on tokens already in the context (1.0: none); a 135M model loops without a little."""
    min_new_tokens: int = 0
    """Shortest answer in tokens: the end of the answer is not sampled before it (0: no minimum). A model
    fine-tuned briefly can end after one sentence ("Research is being done to understand X."): a degenerate
    answer that says nothing. Training recipes set it well below the answers they teach."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(
            problems,
            1 <= self.max_new_tokens <= 4096,
            f"'max_new_tokens' must be in 1..4096, got {self.max_new_tokens}",
        )
        check(
            problems,
            1.0 <= self.repetition_penalty <= 2.0,
            f"'repetition_penalty' must be in [1, 2], got {self.repetition_penalty}",
        )
        check(
            problems,
            0 <= self.min_new_tokens <= self.max_new_tokens,
            f"'min_new_tokens' must be in 0..max_new_tokens ({self.max_new_tokens}), got {self.min_new_tokens}",
        )
        raise_problems(problems, "decoding settings")

    def save(self, folder: Path) -> Path:
        """Write `folder/generation.yaml` (atomically) and return its path."""
        path = Path(folder) / GENERATION_FILE
        atomic_write_text(path, yaml.safe_dump(dataclasses.asdict(self), sort_keys=False))
        return path

    @classmethod
    def load(cls, folder: str | Path | None) -> Decoding:
        """The decoding settings saved in `folder` (a run or exported model folder); the defaults for a
        base model (a name, an id, None) or a folder written before the settings were saved."""
        path = Path(folder) / GENERATION_FILE if folder else None
        if path is None or not path.is_file():
            return cls()
        return _read_yaml(cls, path)


def _read_yaml(cls: type, path: Path) -> Any:
    """A dataclass from a YAML file, with an error naming the file for bad YAML, unknown keys or values."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MedqaError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MedqaError(f"{path} must hold a mapping of keys to values")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise MedqaError(f"{path}: unknown keys {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
    try:
        return cls(**data)
    except (MedqaError, TypeError) as exc:
        raise MedqaError(f"{path}: {exc}") from exc


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
    passages: Sequence[Sequence[str]] | None = None,
    max_answer_tokens: int | None = None,
) -> list[Encoded | None]:
    """Tokenize (question, answer) pairs for training with the loss on the answer only.

    `passages`, one list per pair (empty: a closed prompt), are rendered into the prompt exactly as
    the assistant renders retrieved passages. An answer longer than `max_answer_tokens` is cut at
    its last sentence end that fits and keeps its end marker (the model learns to finish a shorter
    answer, not to stop mid-sentence). Answers still longer than the room left by `max_length` (or
    with no sentence end inside the cap) are cut by tokens, and then lose their end marker so the
    model is never taught to stop mid-answer. An example whose prompt leaves fewer than
    MIN_ANSWER_TOKENS answer tokens comes back as None (the caller counts and skips it).
    """
    chat = template.uses_chat(tokenizer, seq2seq)
    contexts = list(passages) if passages is not None else [()] * len(pairs)
    if len(contexts) != len(pairs):
        raise ValueError(f"{len(contexts)} passage lists for {len(pairs)} pairs")
    # Answers over the cap that no sentence end could shorten enough are cut by tokens below.
    over_cap = [False] * len(pairs)
    if max_answer_tokens is not None:
        cuts = _cut_answers([a for _, a in pairs], tokenizer, max_answer_tokens)
        pairs = [(q, text) for (q, _), (text, _) in zip(pairs, cuts, strict=True)]
        over_cap = [not fits for _, fits in cuts]
    prompts = [template.render(tokenizer, q, c, seq2seq=seq2seq) for (q, _), c in zip(pairs, contexts, strict=True)]
    targets = [
        a.strip() if seq2seq else _answer_text(template, tokenizer, q, a, c, p, chat)  # the decoder starts afresh
        for (q, a), c, p in zip(pairs, contexts, prompts, strict=True)
    ]
    prompt_ids = tokenizer(prompts, add_special_tokens=not chat)["input_ids"]
    target_ids = tokenizer(targets, add_special_tokens=False)["input_ids"]
    end = [] if chat else [tokenizer.eos_token_id]  # a chat template already closed the turn in the text
    encoded: list[Encoded | None] = []
    for p_ids, t_ids, over in zip(prompt_ids, target_ids, over_cap, strict=True):
        answer = list(t_ids) + end
        cap = max_answer_tokens if over and max_answer_tokens is not None else max_length
        if seq2seq:
            p_ids = _truncate_prompt(list(p_ids), max_length, tokenizer)
            encoded.append(Encoded(p_ids, answer[: min(max_length, cap)]))
            continue
        room = max_length - len(p_ids)
        if room < MIN_ANSWER_TOKENS:
            encoded.append(None)
            continue
        answer = answer[: min(room, cap)]
        encoded.append(Encoded(list(p_ids) + answer, [IGNORE_INDEX] * len(p_ids) + answer))
    return encoded


def _cut_answers(answers: Sequence[str], tokenizer: Any, max_tokens: int) -> list[tuple[str, bool]]:
    """For each answer: (the answer cut after its last sentence or line that ends within `max_tokens`
    tokens, True), or (the answer, False) when not even its first sentence fits."""
    answers = [a.strip() for a in answers]
    fast = getattr(tokenizer, "is_fast", False)
    enc = tokenizer(answers, add_special_tokens=False, return_offsets_mapping=fast)
    out = [(a, True) for a in answers]
    over = [i for i, ids in enumerate(enc["input_ids"]) if len(ids) > max_tokens]
    if fast:
        # A cut at or before the first character of token number max_tokens keeps at most max_tokens
        # tokens (a sentence end is a word boundary, where a prefix and the whole text tokenize alike).
        limits = [enc["offset_mapping"][i][max_tokens][0] for i in over]
    else:
        limits = [_fitting_prefix(answers[i], tokenizer, max_tokens) for i in over]
    for i, limit in zip(over, limits, strict=True):
        best = max((m.start() for m in _SENTENCE_END.finditer(answers[i]) if m.start() <= limit), default=0)
        out[i] = (answers[i][:best], True) if best else (answers[i], False)
    return out


def _fitting_prefix(answer: str, tokenizer: Any, max_tokens: int) -> int:
    """The longest cut position among sentence ends whose prefix fits `max_tokens` (binary search;
    for tokenizers without character offsets)."""
    ends = [m.start() for m in _SENTENCE_END.finditer(answer)]
    lo, hi, best = 0, len(ends) - 1, 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if _count(tokenizer, answer[: ends[mid]]) <= max_tokens:
            best, lo = ends[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _answer_text(
    template: PromptTemplate,
    tokenizer: Any,
    question: str,
    answer: str,
    passages: Sequence[str],
    prompt: str,
    chat: bool,
) -> str:
    """The text the model must produce after the prompt: for chat models, whatever the template
    writes for the assistant turn (answer plus end-of-turn marker), so that it matches generation."""
    if not chat:
        return answer.strip() if template.answer_prefix.endswith((" ", "\n")) else " " + answer.strip()
    messages = [*template.messages(question, passages), {"role": "assistant", "content": answer.strip()}]
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
