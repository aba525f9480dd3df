"""An Ollama `Modelfile` next to an exported GGUF: `ollama create NAME -f Modelfile` then serves the
fine-tuned model asked exactly as in training (same system text, chat framing, stop tokens, decoding).

Ollama's TEMPLATE is a Go template, not the tokenizer's Jinja chat template, so the Jinja template is
rendered with marker strings for a system text, a user turn and an assistant turn, and the text
around each marker becomes the Go template's framing. A chat template whose turns are not framed
independently of each other (the check below) gets no TEMPLATE: Ollama then falls back to the chat
template stored in the GGUF, and the Modelfile says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medqa.fileio import atomic_write_text
from medqa.prompt import Decoding, PromptTemplate

MODELFILE = "Modelfile"
_SYSTEM, _USER, _REPLY, _USER2 = "MEDQA-SYSTEM-7F3A", "MEDQA-USER-7F3A", "MEDQA-REPLY-7F3A", "MEDQA-LATER-7F3A"
_NUM_CTX = 4096  # room for the system text, passages and history (Ollama's default is smaller)


@dataclass(frozen=True)
class ChatFraming:
    """The text a chat template writes around each part of a conversation."""

    system: tuple[str, str] | None
    """Before and after the system text (None: the template has no system role)."""
    user: tuple[str, str]
    assistant: tuple[str, str]
    generation: str
    """What opens the assistant's turn when the model is asked to answer."""

    def prompt(self, system: str, question: str) -> str:
        """The text this framing gives for one question (what the Go template renders)."""
        head = f"{self.system[0]}{system}{self.system[1]}" if self.system and system else ""
        return f"{head}{self.user[0]}{question}{self.user[1]}{self.generation}"

    def go_template(self) -> str:
        """Ollama's TEMPLATE: .System once, then every user/assistant turn, then the answer's opening."""
        head = (
            f"{{{{ if .System }}}}{self.system[0]}{{{{ .System }}}}{self.system[1]}{{{{ end }}}}" if self.system else ""
        )
        return (
            f"{head}{{{{ range .Messages }}}}"
            f'{{{{ if eq .Role "user" }}}}{self.user[0]}{{{{ .Content }}}}{self.user[1]}'
            f'{{{{ else if eq .Role "assistant" }}}}{self.assistant[0]}{{{{ .Content }}}}{self.assistant[1]}'
            f"{{{{ end }}}}{{{{ end }}}}{self.generation}"
        )


def chat_framing(tokenizer: Any, strip_bos: bool) -> ChatFraming | None:
    """The framing of `tokenizer.chat_template`, or None when it cannot be read off as one.

    strip_bos: drop a leading BOS token the template writes (llama.cpp adds it itself when the GGUF
    says `add_bos_token`; two would change the model's input).
    """
    if not getattr(tokenizer, "chat_template", None):
        return None

    def render(messages: list[dict[str, str]], answer: bool = False) -> str:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=answer)
        bos = tokenizer.bos_token
        return text[len(bos) :] if strip_bos and bos and text.startswith(bos) else text

    user, reply, later = (
        {"role": r, "content": c} for r, c in (("user", _USER), ("assistant", _REPLY), ("user", _USER2))
    )
    try:
        system: list[dict[str, str]] = [{"role": "system", "content": _SYSTEM}]
        render(system + [user])
    except Exception:  # noqa: BLE001  (Jinja raise_exception: e.g. Gemma's "System role not supported")
        system = []
    try:
        first, asked = render(system + [user]), render(system + [user], answer=True)
        replied, again = render(system + [user, reply]), render(system + [user, reply, later])
    except Exception:  # noqa: BLE001  a template that refuses plain conversations: leave it to Ollama
        return None
    turn = again[len(replied) :]
    if not (asked.startswith(first) and replied.startswith(first) and again.startswith(replied)):
        return None
    first_turn = turn.replace(_USER2, _USER)
    if turn.count(_USER2) != 1 or not first.endswith(first_turn):
        return None  # a later user turn is framed differently from the first: not expressible this way
    head = first[: len(first) - len(first_turn)]
    if system and head.count(_SYSTEM) != 1:
        return None
    if not system and head:  # something before the first turn that is no system text (a default prompt)
        return None
    reply_turn = replied[len(first) :]
    if reply_turn.count(_REPLY) != 1:
        return None
    return ChatFraming(
        system=tuple(head.split(_SYSTEM)) if system else None,  # type: ignore[arg-type]
        user=tuple(turn.split(_USER2)),  # type: ignore[arg-type]
        assistant=tuple(reply_turn.split(_REPLY)),  # type: ignore[arg-type]
        generation=asked[len(first) :],
    )


def stop_tokens(tokenizer: Any, framing: ChatFraming | None) -> list[str]:
    """Strings that end an answer: the end-of-sequence token and the text closing an assistant turn."""
    stops = [tokenizer.eos_token] if tokenizer.eos_token else []
    closing = framing.assistant[1].strip() if framing else ""
    if closing and closing not in stops:
        stops.append(closing)
    return stops


def write_modelfile(
    folder: Path,
    gguf_name: str,
    tokenizer: Any,
    template: PromptTemplate,
    decoding: Decoding,
    context_length: int,
    add_bos: bool,
) -> Path:
    """Write `folder/Modelfile` for the GGUF `folder/gguf_name` and return its path."""
    framing = chat_framing(tokenizer, strip_bos=add_bos) if template.uses_chat(tokenizer) else None
    lines = [
        "# Ollama: `ollama create medqa -f Modelfile`, then `ollama run medqa`.",
        "# Ollama serves the bare model: no retrieval, emergency triage or citations. For those, run",
        "# `MEDQA_BASE_URL=http://localhost:11434/v1 MEDQA_API_MODEL=medqa medqa serve --backend openai`.",
        f"FROM ./{gguf_name}",
    ]
    if framing is not None:
        lines.append(f'TEMPLATE """{framing.go_template()}"""')
        if framing.system is not None and template.system:
            lines.append(f'SYSTEM """{template.system}"""')
    elif template.uses_chat(tokenizer):
        lines.append("# TEMPLATE: this chat template could not be translated; Ollama reads the one in the GGUF.")
    else:
        plain = f"{template.system}\n\n" if template.system else ""
        lines.append(f'TEMPLATE """{plain}{template.question_prefix}{{{{ .Prompt }}}}\n{template.answer_prefix}"""')
    lines += [f'PARAMETER stop "{stop}"' for stop in stop_tokens(tokenizer, framing)]
    lines += [
        "PARAMETER temperature 0",  # medqa answers greedily
        f"PARAMETER num_predict {decoding.max_new_tokens}",
        f"PARAMETER repeat_penalty {decoding.repetition_penalty}",
        "PARAMETER repeat_last_n -1",  # the penalty covers the whole context, as in transformers
        f"PARAMETER num_ctx {min(context_length, _NUM_CTX)}",
    ]
    if decoding.min_new_tokens:
        shortest = decoding.min_new_tokens
        lines.append(f"# medqa decodes at least {shortest} tokens (min_new_tokens): Ollama has no such setting")
    path = Path(folder) / MODELFILE
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path
