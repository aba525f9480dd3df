"""Conversation context: what a follow-up asks, and what of earlier turns the model may see.

- A follow-up ("how is it treated?" after "What are the symptoms of glaucoma?") is searched for what
  it asks in the context of the conversation: its pronoun is replaced by the earlier topic ("how is
  glaucoma treated?"), so retrieval finds the treatment passage, not the symptoms passage again. A
  question that names its own topic ("What causes gout?") is searched as it is, however short.
- A follow-up that compares is made a comparison the retrieval can read (`medqa.assistant.compare`): "Is it
  the same as hemorrhoids?" after a fissure question -> "Is anal fissure the same as hemorrhoids?", "vs
  hemorrhoids?" -> "anal fissure vs hemorrhoids?", and after questions on two topics "What is the difference
  between them?" -> "... between anal fissure and hemorrhoids?", "Which is worse?" -> "anal fissure vs
  hemorrhoids: which is worse?".
- Earlier answers are given back to the model without what the assistant itself added to them (the
  "Sources:" list, `[n]` markers, quotation marks around quotes, the disclaimer, notes and old
  labels): a small model copies whatever it sees in its history onto new, invented text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medqa.assistant.support import QUESTION_TYPES, content_terms
from medqa.assistant.triage import DISCLAIMER, PERSONAL_ADVICE_NOTE

# A label earlier versions put under extractive answers; pages and clients still hold it in their history.
LEGACY_LABELS = ("(Quoted from the trusted sources: the language model gave no usable answer.)",)
_SOURCES_BLOCK = re.compile(r"(^|\n)\s*Sources:\s*\n(\s*(\[\d{1,2}\])+ [^\n]*(\n|$))*", re.I)
_MARKER = re.compile(r"\s*\[\d{1,2}\]")
_QUOTES = re.compile(r"[“”]")

_ANAPHOR = re.compile(
    r"\b(it|its|this|that|these|those|they|them|their|(the|this|that) (condition|disease|disorder|illness|"
    r"problem|syndrome|infection))\b",
    re.I,
)
_CONTINUES = re.compile(r"^\s*(and|also|what about|how about|and what about|what if|but)\b", re.I)
# A follow-up that compares: "vs hemorrhoids?" and "is that worse than hemorrhoids?" after a fissure question
# compare the earlier topic with a new one; "what is the difference between them?" compares the last two topics.
_COMPARES_NEXT = re.compile(r"^\s*(vs\.?|versus|compared (to|with)|or)\s", re.I)
_COMPARING = re.compile(r"\b(differ\w*|same|compar\w*|similar|worse|better|vs\.?|versus)(?!\w)", re.I)
_BOTH = re.compile(r"\b(these two|those two|the two|them|they|these|those|both)\b", re.I)
_QUESTION_WORDS = frozenset(
    str.split(
        "what whats how why when where which who whom whose is are was were can could does do did should would will "
        "may might tell explain describe list about there any anything else much long often get have has"
        # comparison words: "is it the same as hemorrhoids?" names one topic of its own
        " same different difference differences differ compare compared comparison similar worse better vs versus"
    )
)
# Words of a question that name its type, not its topic ("symptoms", "treated", "inherited"...).
_TYPE_WORDS = frozenset(w for triggers, answers in QUESTION_TYPES.values() for w in f"{triggers} {answers}".split())


def strip_added(text: str) -> str:
    """An earlier answer as the model may see it again: without the source list, the `[n]` markers,
    the quotation marks around quotes, the disclaimer, the personal-advice note and old labels."""
    text = _SOURCES_BLOCK.sub("\n", text)
    for added in (DISCLAIMER, PERSONAL_ADVICE_NOTE, *LEGACY_LABELS):
        text = text.replace(added, " ")
    text = _QUOTES.sub("", _MARKER.sub("", text))
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def clean_history(history: Sequence[dict[str, str]], turns: int) -> list[dict[str, str]]:
    """The last `turns` user and assistant messages, assistant ones stripped of what the assistant
    added (`strip_added`); empty messages and other roles are left out."""
    kept = []
    for turn in history:
        role, content = turn.get("role"), str(turn.get("content") or "")
        if role == "assistant":
            content = strip_added(content)
        if role in ("user", "assistant") and content.strip():
            kept.append({"role": role, "content": content})
    return kept[-turns:] if turns else []


def resolve_question(message: str, user_turns: Sequence[str]) -> str:
    """`message` as a question that stands alone: a follow-up gets the conversation's topic.

    A message is a follow-up when it has no topic of its own ("How is it treated?", "What are the
    symptoms?"), when it starts like a continuation ("And in children?", "What about treatment?"), or
    when it points back with a pronoun and names at most one thing itself ("Does it hurt?"). Its
    pronoun is replaced by the topic (the one before when the message names the latest); without a
    pronoun the topic is put first. A comparing follow-up becomes a comparison (see the module docstring).
    """
    pair = _topics(user_turns, 2)
    both = _BOTH.search(message)
    if len(pair) == 2 and _COMPARING.search(message) and not _own_terms(message):
        if both:  # "what is the difference between them?"
            return message[: both.start()] + f"{pair[1]} and {pair[0]}" + message[both.end() :]
        if not _ANAPHOR.search(message):  # "which is worse?"
            return f"{pair[1]} vs {pair[0]}: {message.strip()}"
    # "is it worse than hemorrhoids?" right after the hemorrhoids question: "it" is the topic before
    names_latest = len(pair) == 2 and re.search(rf"\b{re.escape(pair[0])}\b", message, re.I)
    topic = pair[1] if names_latest else (pair[0] if pair else "")
    if not topic:
        return message
    if _COMPARES_NEXT.match(message):  # "vs hemorrhoids?": the earlier topic is the other side
        return f"{topic} {message.strip()}"
    own = _own_terms(message)
    anaphor = _ANAPHOR.search(message)
    if not (not own or _CONTINUES.match(message) or (anaphor and len(own) <= 1)):
        return message
    if anaphor:
        replacement = f"{topic}'s" if anaphor.group(0).lower() in ("its", "their") else topic
        return message[: anaphor.start()] + replacement + message[anaphor.end() :]
    return f"{topic}: {message.strip()}"


def _topics(user_turns: Sequence[str], most: int) -> list[str]:
    """The topics of the conversation, latest first, each once: of each earlier question that names one,
    from its first to its last topic word ("Milroy disease", "high blood pressure"), without question and
    type words."""
    found: list[str] = []
    for back in range(len(user_turns) - 1, -1, -1):
        tokens = re.findall(r"[\w'-]+", user_turns[back])
        marks = [i for i, w in enumerate(tokens) if _topic_word(w)]
        if marks:
            end = marks[-1] + 1
            if end < len(tokens) and tokens[end].lower() in _KIND_NOUNS:  # "Milroy disease", not "Milroy"
                end += 1
            topic = " ".join(tokens[marks[0] : end])
            if topic.lower() not in (t.lower() for t in found):
                found.append(topic)
            if len(found) >= most:
                break
    return found


_KIND_NOUNS = frozenset({"disease", "disorder", "condition", "conditions", "diseases", "disorders"})


def _topic_word(word: str) -> bool:
    lower = word.lower()
    return (
        bool(content_terms(lower))
        and lower not in _QUESTION_WORDS
        and lower not in _TYPE_WORDS
        and not (_ANAPHOR.fullmatch(lower))
    )


def _own_terms(message: str) -> list[str]:
    """The words of `message` that could name a topic (not question, type or pointing words)."""
    return [w for w in re.findall(r"[\w'-]+", message) if _topic_word(w)]
