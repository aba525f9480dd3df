"""A tokenizer for serving without torch: `tokenizers` + `jinja2`, no `transformers`.

Importing a transformers tokenizer imports torch (about 220 MB), which the llama.cpp server does not
otherwise need. `LightTokenizer` reads the same files as `AutoTokenizer` (tokenizer.json,
tokenizer_config.json, special_tokens_map.json, chat_template.jinja) and reproduces what a
transformers 5 `TokenizersBackend` does with them, so that `medqa.prompt.encode_prompt` gives the
same token ids as in training. It covers the parts of the tokenizer API that `medqa.prompt` uses
(calling it, `apply_chat_template`, the special tokens, `decode`), not the whole of it.

The token pipeline (normalizer, pre-tokenizer, model, post-processor) is tokenizer.json's. Tokenizer
classes with their own `__init__` (e.g. transformers' LlamaTokenizer, Qwen2Tokenizer) can rebuild
that pipeline differently; `tokenizer_class` says which class transformers would use, so a caller
can tell when exact equality is not guaranteed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Tokenizer, processors

from medqa.errors import MedqaError

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
CHAT_TEMPLATE_FILE = "chat_template.jinja"
CHAT_TEMPLATE_DIR = "additional_chat_templates"

# transformers' named special tokens (PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES).
SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
# Classes that load tokenizer.json as it is; other classes may rebuild the pipeline (see module doc).
EXACT_CLASSES = frozenset({None, "TokenizersBackend", "PreTrainedTokenizerFast"})
_ADDED_TOKEN_FIELDS = ("content", "single_word", "lstrip", "rstrip", "normalized", "special")
_REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")  # as transformers aliases them

Token = str | AddedToken


class _SpecialToken:
    """A named special token attribute (`bos_token`, ...): reads as a string or None."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: LightTokenizer | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._token(self.name)

    def __set__(self, obj: LightTokenizer, value: Token | None) -> None:
        # Like transformers, setting a special token only names it: nothing is added to the vocabulary.
        obj._special[self.name] = value


def _token_id(name: str) -> property:
    """The id of the special token `name` (None without one), as a read-only attribute."""
    return property(lambda self: self._id_or_none(self._token(name)), doc=f"Id of the {name} (None without one).")


class LightTokenizer:
    """The parts of a transformers fast tokenizer that prompting, generation and serving use."""

    def __init__(
        self,
        backend: Tokenizer,
        special_tokens: dict[str, Token | None],
        extra_special_tokens: Sequence[Token] = (),
        chat_template: str | dict[str, str] | None = None,
        clean_up_tokenization_spaces: bool = False,
        force_bpe_cleanup: bool = False,
        tokenizer_class: str | None = None,
        name_or_path: str = "",
    ) -> None:
        self.backend_tokenizer = backend
        self.chat_template = chat_template
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.tokenizer_class = tokenizer_class
        self.name_or_path = name_or_path
        self._force_bpe_cleanup = force_bpe_cleanup
        self._special: dict[str, Token | None] = dict(special_tokens)
        self.extra_special_tokens = [str(t) for t in extra_special_tokens]

    # ------------------------------------------------------------------ special tokens
    def _token(self, name: str) -> str | None:
        value = self._special.get(name)
        return None if value is None else str(value)

    bos_token = _SpecialToken()
    eos_token = _SpecialToken()
    unk_token = _SpecialToken()
    pad_token = _SpecialToken()

    @property
    def exact_class(self) -> bool:
        """Whether transformers loads this folder's tokenizer.json as it is (TokenizersBackend), so
        that ids are the same by construction; other classes may rebuild the pipeline."""
        return self.tokenizer_class in EXACT_CLASSES

    bos_token_id = _token_id("bos_token")
    eos_token_id = _token_id("eos_token")
    pad_token_id = _token_id("pad_token")
    unk_token_id = _token_id("unk_token")

    @property
    def special_tokens_map(self) -> dict[str, str]:
        """Named special tokens as strings; the chat template sees these as variables."""
        return {name: str(value) for name, value in self._special.items() if value is not None}

    @property
    def all_special_tokens(self) -> list[str]:
        """Every special token, named and extra, once each."""
        return list(dict.fromkeys([*self.special_tokens_map.values(), *self.extra_special_tokens]))

    @property
    def all_special_ids(self) -> list[int]:
        """Ids of `all_special_tokens`."""
        return [i for i in (self.convert_tokens_to_ids(t) for t in self.all_special_tokens) if i is not None]

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | None | list[int | None]:
        """Id of a token (or ids of tokens); an unknown token maps to the UNK id, as in transformers."""
        if isinstance(tokens, str):
            return self._id_or_none(tokens)
        return [self._id_or_none(t) for t in tokens]

    def _id_or_none(self, token: str | None) -> int | None:
        if token is None:
            return None
        found = self.backend_tokenizer.token_to_id(token)
        if found is None and self.unk_token is not None:
            return self.backend_tokenizer.token_to_id(self.unk_token)
        return found

    def __len__(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=True)

    # ------------------------------------------------------------------ encoding
    def __call__(self, text: str | Sequence[str], add_special_tokens: bool = True) -> dict[str, Any]:
        """{"input_ids", "attention_mask"} for one text (lists of ints) or a batch (lists of lists)."""
        if isinstance(text, str):
            ids = self.encode(text, add_special_tokens=add_special_tokens)
            return {"input_ids": ids, "attention_mask": [1] * len(ids)}
        if not isinstance(text, Sequence) or not all(isinstance(t, str) for t in text):
            raise TypeError("text must be a str or a list of str")
        encodings = self.backend_tokenizer.encode_batch(list(text), add_special_tokens=add_special_tokens)
        batch = [list(e.ids) for e in encodings]
        return {"input_ids": batch, "attention_mask": [[1] * len(ids) for ids in batch]}

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """Token ids of `text`; the post-processor adds BOS/EOS when `add_special_tokens` is true."""
        return list(self.backend_tokenizer.encode(text, add_special_tokens=add_special_tokens).ids)

    def decode(
        self,
        token_ids: int | Sequence[int] | Sequence[Sequence[int]],
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
    ) -> str | list[str]:
        """Text of token ids (a list of texts for a batch), as transformers' decode gives it."""
        if isinstance(token_ids, int):
            token_ids = [token_ids]
        token_ids = list(token_ids)
        if token_ids and isinstance(token_ids[0], Sequence):
            return [self._decode_one(list(s), skip_special_tokens, clean_up_tokenization_spaces) for s in token_ids]
        return self._decode_one(token_ids, skip_special_tokens, clean_up_tokenization_spaces)

    def _decode_one(self, ids: list[int], skip_special_tokens: bool, clean_up: bool | None) -> str:
        text = self.backend_tokenizer.decode([int(i) for i in ids], skip_special_tokens=skip_special_tokens)
        clean_up = self.clean_up_tokenization_spaces if clean_up is None else clean_up
        # transformers skips this clean-up for BPE models: it deletes real spaces before punctuation.
        is_bpe = type(self.backend_tokenizer.model).__name__ == "BPE"
        if clean_up and (not is_bpe or self._force_bpe_cleanup):
            text = _clean_up_tokenization(text)
        return text

    # ------------------------------------------------------------------ chat template
    def get_chat_template(self, chat_template: str | None = None, tools: list[dict] | None = None) -> str:
        """The template to render: `chat_template` (a template or a name), else the tokenizer's."""
        if isinstance(self.chat_template, dict):
            templates = self.chat_template
            if chat_template is not None and chat_template in templates:
                return templates[chat_template]
            if chat_template is None:
                if tools is not None and "tool_use" in templates:
                    return templates["tool_use"]
                if "default" in templates:
                    return templates["default"]
                raise ValueError(f"this tokenizer has several chat templates and no default: {sorted(templates)}")
            return chat_template
        if chat_template is not None:
            return chat_template
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat template")
        return self.chat_template

    def apply_chat_template(
        self,
        conversation: Sequence[Mapping[str, Any]] | Sequence[Sequence[Mapping[str, Any]]],
        tools: list[dict] | None = None,
        documents: list[dict] | None = None,
        chat_template: str | None = None,
        add_generation_prompt: bool = False,
        continue_final_message: bool = False,
        tokenize: bool = False,
        return_dict: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Render `conversation` with the chat template exactly as transformers does (text by default).

        Differs from transformers in defaulting to `tokenize=False` (the only use here); with
        `tokenize=True` the text is encoded without special tokens, as transformers does.
        """
        if continue_final_message:
            raise NotImplementedError("continue_final_message is not supported by LightTokenizer")
        if tools is not None and not all(isinstance(t, dict) for t in tools):
            raise TypeError("LightTokenizer takes tools as JSON schemas (dicts) only")
        template = self.get_chat_template(chat_template, tools)
        if isinstance(conversation, (list, tuple)) and not conversation:
            raise ValueError("Cannot apply chat template to an empty conversation. Provide at least one message.")
        batched = isinstance(conversation[0], (list, tuple))
        conversations = conversation if batched else [conversation]
        variables = _plain({**self.special_tokens_map, **kwargs})  # kwargs override special tokens
        compiled = _compile_template(template)
        rendered = []
        for chat in conversations:
            # As transformers: drop None values (templates handle a missing key better), copy to plain data.
            messages = _plain([{k: v for k, v in dict(m).items() if v is not None} for m in chat])
            for message in messages:
                if not isinstance(message, dict):
                    raise TypeError(f"Chat messages should be dicts, but got {message!r}.")
            rendered.append(
                compiled.render(
                    messages=_alias_reasoning(messages),
                    tools=_plain(tools),
                    documents=_plain(documents),
                    add_generation_prompt=add_generation_prompt,
                    **variables,
                )
            )
        result: Any = rendered if batched else rendered[0]
        if not tokenize:
            return result
        encoded = self(result, add_special_tokens=False)
        return encoded if return_dict else encoded["input_ids"]


def load_light_tokenizer(path: str | Path) -> LightTokenizer:
    """The tokenizer saved in folder `path`, read without transformers; the padding token defaults
    to EOS, as in `medqa.models.load_tokenizer`."""
    folder = Path(path)
    tokenizer_file = folder / TOKENIZER_FILE
    if not tokenizer_file.is_file():
        raise MedqaError(
            f"{folder} has no {TOKENIZER_FILE}: serving without torch needs a fast tokenizer ({TOKENIZER_FILE}); "
            "save the tokenizer with a recent transformers (`tokenizer.save_pretrained(folder)`) to write one"
        )
    config = _read_json(folder / CONFIG_FILE)
    try:
        backend = Tokenizer.from_file(str(tokenizer_file))
    except Exception as err:  # the Rust side raises plain Exceptions for malformed files
        raise MedqaError(f"{tokenizer_file} is not a valid tokenizers file: {err}") from err
    # transformers turns off truncation and padding stored in tokenizer.json for a plain call.
    backend.no_truncation()
    backend.no_padding()

    special, extra, added_decoder = _special_tokens(folder, config, backend)
    _add_missing_tokens(backend, special, extra, added_decoder)
    if backend.post_processor is None:  # transformers writes an explicit no-op template
        backend.post_processor = processors.TemplateProcessing(single="$A:0", pair="$A:0 $B:1", special_tokens=[])
    backend.encode_special_tokens = bool(config.get("split_special_tokens", False))

    tokenizer = LightTokenizer(
        backend,
        special,
        extra,
        chat_template=_chat_template(folder, config),
        clean_up_tokenization_spaces=bool(config.get("clean_up_tokenization_spaces", False)),
        force_bpe_cleanup=bool(
            config.get("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False)
        ),
        tokenizer_class=config.get("tokenizer_class"),
        name_or_path=str(path),
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


# ---------------------------------------------------------------------- loading helpers
def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MedqaError(f"cannot read {path}: {err}") from err
    if not isinstance(data, dict):
        raise MedqaError(f"{path} should hold a JSON object")
    return data


def _added_token(value: Any, special: bool | None = None) -> Token | None:
    """A special-token value from a config file: a string, or an AddedToken serialized as a dict."""
    if isinstance(value, dict):
        fields = {k: value[k] for k in _ADDED_TOKEN_FIELDS if k in value}
        if special is not None:
            fields["special"] = special
        return AddedToken(**fields)
    if value is None or isinstance(value, (str, AddedToken)):
        return value
    raise MedqaError(f"a special token should be a string, got {value!r}")


def _special_tokens(
    folder: Path, config: dict[str, Any], backend: Tokenizer
) -> tuple[dict[str, Token | None], list[Token], dict[int, AddedToken]]:
    """(named special tokens, extra special tokens, added tokens to re-add) as transformers 5 gathers them
    in `from_pretrained` and `TokenizersBackend.__init__`."""
    kwargs = dict(config)
    if "additional_special_tokens" in kwargs and not kwargs.get("extra_special_tokens"):
        kwargs["extra_special_tokens"] = kwargs.pop("additional_special_tokens")

    added_decoder: dict[int, AddedToken] = {}
    if "added_tokens_decoder" in kwargs:
        for idx, token in kwargs["added_tokens_decoder"].items():
            added_decoder[int(idx)] = _added_token(token)  # type: ignore[assignment]
    else:
        # Legacy folders: special_tokens_map.json names the tokens, tokenizer.json's added tokens are re-added.
        for key, value in _read_json(folder / SPECIAL_TOKENS_MAP_FILE).items():
            if key in ("extra_special_tokens", "additional_special_tokens") and isinstance(value, list):
                existing = list(kwargs.get("extra_special_tokens") or [])
                for tok in value:
                    tok = _added_token(tok, special=True)
                    if tok not in existing:
                        existing.append(tok)
                kwargs["extra_special_tokens"] = existing
            elif isinstance(value, dict) and not key.endswith("special_tokens"):
                kwargs[key] = _added_token(value, special=True)
            else:
                kwargs[key] = value
        added_decoder.update(backend.get_added_tokens_decoder())

    special: dict[str, Token | None] = dict.fromkeys(SPECIAL_TOKEN_NAMES)
    extra: list[Token] = []
    for key, value in kwargs.items():
        if key in SPECIAL_TOKEN_NAMES:
            special[key] = _added_token(value)
        elif key == "extra_special_tokens" and isinstance(value, dict):
            special.update({k: _added_token(v) for k, v in value.items()})  # model-specific named tokens
        elif key == "extra_special_tokens" and isinstance(value, (list, tuple)):
            extra = [t for t in (_added_token(v) for v in value) if t is not None]
        elif key.endswith("_token") and isinstance(value, (str, dict)):
            special[key] = _added_token(value)  # model-specific tokens like Gemma's image tokens
    # Named tokens take the properties of the added token with the same text (lstrip, normalized, ...).
    by_text = {str(t): t for t in added_decoder.values()}
    for key in SPECIAL_TOKEN_NAMES:
        if special[key] is not None and by_text:
            special[key] = by_text.get(str(special[key]), special[key])
    return special, extra, added_decoder


def _add_missing_tokens(
    backend: Tokenizer, special: dict[str, Token | None], extra: list[Token], added_decoder: dict[int, AddedToken]
) -> None:
    """Add tokens as `TokenizersBackend.__init__` does: the config's added tokens (re-added, which
    can update their flags), then named and extra special tokens the backend lacks as added tokens.
    A special token that is a plain vocabulary entry thus becomes an added token, matched whole in text."""
    tokens_to_add: list[Token] = [t for _, t in sorted(added_decoder.items())]
    known = {t.content for t in backend.get_added_tokens_decoder().values()} | {str(t) for t in tokens_to_add}
    for value in [*special.values(), *extra]:
        if value is None:
            continue
        if str(value) not in known and value not in tokens_to_add:
            tokens_to_add.append(value)
    named = {str(t) for t in special.values() if t}
    tokens: list[AddedToken] = []
    for token in tokens_to_add:
        if isinstance(token, str):
            token = AddedToken(token, special=True)
        elif not token.special and str(token) in named:
            token.special = True
        tokens.append(token)
    if tokens:
        backend.add_tokens(tokens)


def _chat_template(folder: Path, config: dict[str, Any]) -> str | dict[str, str] | None:
    """Template files take priority over the config's entry, as in transformers 5."""
    templates: dict[str, str] = {}
    if (folder / CHAT_TEMPLATE_FILE).is_file():
        templates["default"] = _read_text(folder / CHAT_TEMPLATE_FILE)
    if (folder / CHAT_TEMPLATE_DIR).is_dir():
        for file in (folder / CHAT_TEMPLATE_DIR).glob("*.jinja"):
            templates[file.name.removesuffix(".jinja")] = _read_text(file)
    if len(templates) == 1 and "default" in templates:
        return templates["default"]
    if templates:
        return templates
    template = config.get("chat_template")
    if isinstance(template, (list, tuple)):  # named templates are stored as [{"name", "template"}]
        return {t["name"]: t["template"] for t in template}
    return template


def _read_text(path: Path) -> str:
    # open() in text mode, like transformers: universal newlines turn CRLF into LF.
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise MedqaError(f"cannot read {path}: {err}") from err


# ---------------------------------------------------------------------- rendering helpers
@lru_cache(maxsize=8)
def _compile_template(template: str) -> Any:
    """The template compiled in the environment transformers uses (utils/chat_template_utils.py):
    a sandbox with trim_blocks/lstrip_blocks, loop controls and the same filters and globals."""
    import jinja2
    import jinja2.ext
    import jinja2.nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class GenerationTag(jinja2.ext.Extension):
        # transformers' AssistantTracker: `{% generation %}` marks assistant text for masks. Rendering
        # text never tracks, so the block just renders its body; without it such templates fail to parse.
        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

        def _render(self, caller: Any) -> str:
            return caller()

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(
        x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False
    ) -> str:
        # Not jinja's own tojson, which escapes HTML characters.
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format: str) -> str:
        return datetime.now().strftime(format)

    class TemplateDict:
        # `dict` for templates without attribute access to the real class (sandbox escapes).
        def __call__(self, *args: Any, **kwargs: Any) -> dict:
            return dict(*args, **kwargs)

        def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):
        # Namespaces that reject dunder attributes, as transformers' do.
        def __init__(*args: Any, **kwargs: Any) -> None:
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name: str, value: Any) -> None:
            TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check_name(name: Any) -> None:
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    f"Chat templates cannot store underscore-prefixed attributes on a namespace, but got {name!r}."
                )

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env.from_string(template)


def _plain(value: Any) -> Any:
    """Template inputs rebuilt from plain JSON types, as transformers does (objects with methods
    are unsafe in the sandbox); anything else becomes a placeholder naming its type."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)):  # pydantic models
        return _plain(value.model_dump())
    return f"<{type(value).__name__}>"


def _alias_reasoning(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill `reasoning_content` (and `thinking`) from older names for a message's reasoning."""
    aliased = []
    for message in messages:
        reasoning = next((message[k] for k in _REASONING_FIELDS if message.get(k) is not None), None)
        if reasoning is not None:
            message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        aliased.append(message)
    return aliased


def _clean_up_tokenization(text: str) -> str:
    """transformers' `clean_up_tokenization`: spaces before punctuation and contractions."""
    return (
        text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
    )
