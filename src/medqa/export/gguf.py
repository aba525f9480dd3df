"""Write a (merged, fine-tuned) transformers decoder as a GGUF file for llama.cpp and Ollama.

Families: Llama (SmolLM2, Llama 2/3 without rope scaling, TinyLlama), Mistral, Qwen2/Qwen2.5, Phi-3
(4k, without long-rope scaling) and Gemma (the first generation). llama.cpp's own converter
(convert_hf_to_gguf.py) is not shipped by any installed package (the `gguf` package has the writer,
the tensor-name maps and the vocabulary readers, not the converter), so this module does what that
converter does for these families, with the `gguf` package's pieces:

- tensor names from `gguf.get_tensor_name_map` for the family's llama.cpp architecture;
- Llama/Mistral q/k rows permuted (llama.cpp's llama graph rotates interleaved pairs); Qwen2, Phi-3
  and Gemma use the "NeoX" rotation, the same as transformers, so nothing is permuted;
- Qwen2 keeps its q/k/v biases; Phi-3 keeps its fused qkv and gate_up matrices (llama.cpp splits them);
- Gemma stores RMSNorm weights as w and multiplies by (1 + w): the file gets w + 1, as llama.cpp's
  converter writes it (the sqrt(hidden) embedding scaling is done by llama.cpp itself);
- the tokenizer as llama.cpp's byte-level BPE ("gpt2") or SentencePiece-style ("llama") vocabulary.

When the model was fine-tuned from a base that came as a GGUF (the bundled SmolLM2), that file is
the template: ALL its metadata (tokenizer, merges, chat template, hyperparameters) is copied and
only the weights are replaced, under the same tensor names, so llama.cpp tokenizes and stops
exactly as it does on the base model.

Anything else (other architectures, rope scaling, Gemma 2/3 soft-capping, Qwen2 sliding windows) is
refused with a clear message rather than written wrong.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from medqa.errors import MedqaError
from medqa.models import BUNDLED_MODEL, bundled_gguf

GGUF_TYPES = ("q8_0", "q4_1", "f16", "f32")
GgufType = Literal["q8_0", "q4_1", "f16", "f32"]
_SKIP_KEYS = ("GGUF.", "general.architecture", "general.file_type")  # the writer sets these itself


@dataclass(frozen=True)
class Family:
    """How one transformers model type is laid out in llama.cpp."""

    arch: str
    """llama.cpp architecture name (`general.architecture`)."""
    architecture: str
    """The transformers class this family is written from."""
    permute_qk: bool = False
    """Reorder q/k rows from rotate-half to interleaved pairs (llama.cpp's `llama` graph)."""
    biases: tuple[str, ...] = ()
    """Layer tensors that carry a bias in this family (GGUF names within blk.N)."""
    norm_offset: float = 0.0
    """Added to every RMSNorm weight (Gemma multiplies by 1 + w; llama.cpp by w)."""
    output: Literal["optional", "tied", "required"] = "optional"
    """`output.weight`: written when untied (optional), never (tied: llama.cpp always reuses the
    embedding), or always (required: llama.cpp has no fallback to the embedding)."""
    activation: str = "silu"
    """The feed-forward activation llama.cpp uses for this architecture (transformers' name)."""


FAMILIES = {
    "llama": Family("llama", "LlamaForCausalLM", permute_qk=True),
    "mistral": Family("llama", "MistralForCausalLM", permute_qk=True),  # llama.cpp's converter does the same
    "qwen2": Family("qwen2", "Qwen2ForCausalLM", biases=("attn_q", "attn_k", "attn_v")),
    "phi3": Family("phi3", "Phi3ForCausalLM", output="required"),
    "gemma": Family("gemma", "GemmaForCausalLM", norm_offset=1.0, output="tied", activation="gelu_pytorch_tanh"),
}
SUPPORTED = "Llama/SmolLM2, Mistral, Qwen2/Qwen2.5, Phi-3 and Gemma"

# Byte-level BPE pre-tokenizers llama.cpp knows (`tokenizer.ggml.pre`), keyed by the regex that
# tokenizer.json splits with before the byte-level step (None: ByteLevel's own GPT-2 regex).
_GPT2_SPLIT = None
_QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_LLAMA3_SPLIT = _QWEN2_SPLIT.replace(r"|\p{N}|", r"|\p{N}{1,3}|")  # Llama 3 groups up to 3 digits
_PRE_TOKENIZERS = {_GPT2_SPLIT: "gpt-2", _QWEN2_SPLIT: "qwen2", _LLAMA3_SPLIT: "llama-bpe", "digits": "smollm"}


def permute_qk(weight: np.ndarray, n_head: int) -> np.ndarray:
    """transformers -> llama.cpp layout of a q/k projection (Llama-graph families).

    transformers rotates the two halves of each head (rotate_half); llama.cpp's llama graph rotates
    interleaved pairs, so convert_hf_to_gguf.py reorders each head's rows the same way. n_head is the
    number of KV heads for k_proj.
    """
    rows = weight.shape[0]
    return weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def family_of(config: Any) -> Family:
    """The family of a transformers config; refuses what this writer would get wrong."""
    model_type = getattr(config, "model_type", None)
    architectures = list(getattr(config, "architectures", None) or [])
    family = FAMILIES.get(str(model_type))
    if family is None or not set(architectures) <= {family.architecture}:
        raise MedqaError(
            f"GGUF export supports {SUPPORTED} models; this model is "
            f"{architectures or model_type or '?'}. Export a transformers folder instead (without --gguf) "
            "and convert it with llama.cpp's convert_hf_to_gguf.py"
        )
    problems = []
    rope = _rope(config)
    if rope.get("rope_type", rope.get("type", "default")) not in ("default", None):
        problems.append(f"rope scaling ({rope.get('rope_type') or rope.get('type')})")
    if model_type in ("llama", "mistral") and (
        getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False)
    ):
        problems.append("attention/MLP biases")
    if model_type == "qwen2" and getattr(config, "use_sliding_window", False):
        problems.append("sliding-window attention (llama.cpp's qwen2 graph has none)")
    if model_type == "gemma" and not getattr(config, "tie_word_embeddings", True):
        problems.append("an untied output layer (llama.cpp's gemma graph reuses the embedding)")
    activation = getattr(config, "hidden_activation", None) or getattr(config, "hidden_act", None)
    if activation != family.activation:
        problems.append(f"the {activation} activation (llama.cpp uses {family.activation} here)")
    if problems:
        raise MedqaError(f"GGUF export does not support {model_type} models with {'; '.join(problems)}")
    return family


def check_supported(config: Any) -> None:
    """Refuse models this writer would get wrong (see `family_of`)."""
    family_of(config)


def gguf_tensors(model: Any) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, float32 array in llama.cpp layout) for every weight of a supported model."""
    import gguf

    config = model.config
    family = family_of(config)
    arch = next(a for a, name in gguf.MODEL_ARCH_NAMES.items() if name == family.arch)
    names = gguf.get_tensor_name_map(arch, config.num_hidden_layers)
    n_head, n_kv = config.num_attention_heads, _kv_heads(config)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    state = model.state_dict()
    for name, tensor in state.items():
        if name.endswith("rotary_emb.inv_freq"):  # recomputed by llama.cpp
            continue
        array = tensor.detach().float().cpu().numpy()
        if name == "lm_head.weight":
            if family.output == "tied" or (tied and family.output == "optional"):
                continue
            yield "output.weight", array
            continue
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        stem = target.rsplit(".", 1)[0].split(".")[-1] if target else ""
        if target is None or (target.endswith(".bias") and stem not in family.biases):
            raise MedqaError(f"cannot write {name} to GGUF: unexpected parameter for a {family.architecture}")
        if family.permute_qk and stem in ("attn_q", "attn_k"):
            array = permute_qk(array, n_head if stem == "attn_q" else n_kv)
        if family.norm_offset and stem.endswith("norm"):
            array = array + np.float32(family.norm_offset)
        yield target, array
    if family.output == "required" and tied:  # llama.cpp needs its own copy of the tied embedding
        yield "output.weight", state["model.embed_tokens.weight"].detach().float().cpu().numpy()


def write_gguf(model: Any, tokenizer: Any, path: Path, qtype: GgufType = "q8_0", template: Path | None = None) -> Path:
    """Write `model` (a merged decoder of a supported family, any dtype) as GGUF at `path`, weights
    quantized to `qtype`.

    `template`: the base model's GGUF, whose metadata is copied (must have the same shapes).
    """
    import gguf

    if qtype not in GGUF_TYPES:
        raise MedqaError(f"unknown GGUF type {qtype!r}; choose one of {', '.join(GGUF_TYPES)}")
    family = family_of(model.config)
    tensors = dict(gguf_tensors(model))
    writer = gguf.GGUFWriter(str(path), family.arch)
    if template is not None:
        reader = gguf.GGUFReader(str(template))
        _check_template(reader, tensors, template)
        _copy_metadata(reader, writer)
    else:
        _write_metadata(writer, model.config, tokenizer)
    writer.add_file_type(_FILE_TYPES[qtype])
    for name, array in tensors.items():
        data, kind = _encode(name, array, qtype)
        writer.add_tensor(name, data, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def template_gguf(base_model: str) -> Path | None:
    """The GGUF a base model came from (the bundled model), else None (metadata is then built)."""

    return bundled_gguf() if base_model == BUNDLED_MODEL else None


# ------------------------------------------------------------------------------------------ internals
_FILE_TYPES = {"f32": 0, "f16": 1, "q4_1": 3, "q8_0": 7}  # gguf.LlamaFileType values


def _rope(config: Any) -> dict[str, Any]:
    return dict(getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {})


def _kv_heads(config: Any) -> int:
    return int(getattr(config, "num_key_value_heads", None) or config.num_attention_heads)


def _head_dim(config: Any) -> int:
    return int(getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads)


def _encode(name: str, array: np.ndarray, qtype: GgufType) -> tuple[np.ndarray, Any]:
    """Quantized bytes and their type. Norms and biases stay float32 (tiny, and precision matters
    there); the tied embedding gets Q8_0 under Q4_1, as llama.cpp's own quantizer does."""
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import quantize

    if array.ndim == 1 or qtype == "f32":
        return array.astype(np.float32), Q.F32
    kind = {"q8_0": Q.Q8_0, "q4_1": Q.Q4_1, "f16": Q.F16}[qtype]
    if kind == Q.Q4_1 and name == "token_embd.weight":
        kind = Q.Q8_0
    block = 32  # Q8_0/Q4_1 block size along rows; narrower rows fall back to F16
    if kind != Q.F16 and array.shape[-1] % block:
        kind = Q.F16
    return quantize(array, kind), kind


def _check_template(reader: Any, tensors: dict[str, np.ndarray], template: Path) -> None:
    """The template must describe this model: same tensor names and shapes."""
    shapes = {t.name: tuple(int(d) for d in reversed(t.shape)) for t in reader.tensors}  # GGUF lists ne0 first
    mine = {name: tuple(a.shape) for name, a in tensors.items()}
    if shapes != mine:
        differ = sorted(n for n in set(shapes) | set(mine) if shapes.get(n) != mine.get(n))[:3]
        raise MedqaError(f"{template} does not match the model to export (tensors differ: {', '.join(differ)})")


def _copy_metadata(reader: Any, writer: Any) -> None:
    from gguf import GGUFValueType

    for key, field in reader.fields.items():
        if key.startswith(_SKIP_KEYS):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type=sub_type)


def _write_metadata(writer: Any, config: Any, tokenizer: Any) -> None:
    """Hyperparameters from the transformers config (the keys llama.cpp reads for the family)."""
    rope = _rope(config)
    head_dim = _head_dim(config)
    writer.add_name(str(getattr(config, "name_or_path", "") or "medqa model"))
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(_kv_heads(config))
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_freq_base(float(rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    partial = float(rope.get("partial_rotary_factor", getattr(config, "partial_rotary_factor", None) or 1.0))
    writer.add_rope_dimension_count(int(head_dim * partial))
    if config.model_type == "phi3" and getattr(config, "sliding_window", None):
        writer.add_sliding_window(int(config.sliding_window))
    writer.add_vocab_size(config.vocab_size)
    _write_tokenizer(writer, tokenizer, config.vocab_size)


def _write_tokenizer(writer: Any, tokenizer: Any, vocab_size: int) -> None:
    """The vocabulary as llama.cpp reads it, then the special tokens and the chat template."""
    spec = json.loads(tokenizer.backend_tokenizer.to_str()) if hasattr(tokenizer, "backend_tokenizer") else {}
    model = spec.get("model", {})
    if model.get("type") == "BPE" and model.get("byte_fallback"):
        _write_sentencepiece_vocab(writer, tokenizer, spec, vocab_size)
    elif model.get("type") == "BPE" and "ByteLevel" in json.dumps(spec.get("pre_tokenizer")):
        _write_byte_level_vocab(writer, tokenizer, spec, vocab_size)
    else:
        raise MedqaError(
            "GGUF export without a base GGUF supports byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2, SmolLM) "
            f"and SentencePiece-style BPE with byte fallback (Llama 2, Mistral, Phi-3, Gemma); this one is "
            f"{model.get('type') or 'not a fast tokenizer'}"
        )
    for setter, token_id in (
        (writer.add_bos_token_id, tokenizer.bos_token_id),
        (writer.add_eos_token_id, tokenizer.eos_token_id),
        (writer.add_pad_token_id, tokenizer.pad_token_id),
        (writer.add_unk_token_id, tokenizer.unk_token_id),
    ):
        if token_id is not None:
            setter(token_id)
    # What the tokenizer does to plain text, for llama.cpp/Ollama tokenizing themselves (medqa passes ids).
    ids = tokenizer("a")["input_ids"]
    writer.add_add_bos_token(tokenizer.bos_token_id is not None and ids[:1] == [tokenizer.bos_token_id])
    if getattr(tokenizer, "chat_template", None):
        writer.add_chat_template(tokenizer.chat_template)


def _token_types(tokenizer: Any, by_id: dict[int, str], vocab_size: int) -> list[int]:
    """llama.cpp token types: control (special), unused (embedding rows past the vocabulary), normal."""
    special = set(tokenizer.all_special_ids) | {
        i for i, t in getattr(tokenizer, "added_tokens_decoder", {}).items() if getattr(t, "special", False)
    }
    return [3 if i in special else (5 if i not in by_id else 1) for i in range(vocab_size)]


def _write_byte_level_vocab(writer: Any, tokenizer: Any, spec: dict[str, Any], vocab_size: int) -> None:
    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(vocab_size)]  # padded embedding rows get dummies
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"].get("merges", [])]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(_pre_tokenizer(spec))
    writer.add_token_list(tokens)
    writer.add_token_types(_token_types(tokenizer, by_id, vocab_size))
    writer.add_token_merges(merges)


def _pre_tokenizer(spec: dict[str, Any]) -> str:
    """llama.cpp's name for the way this tokenizer splits text before BPE (it must be named in the
    file: llama.cpp cannot run tokenizer.json's pre-tokenizer itself)."""
    steps = spec.get("pre_tokenizer") or {}
    steps = steps.get("pretokenizers", [steps]) if steps.get("type") == "Sequence" else [steps]
    kinds = [s.get("type") for s in steps]
    if kinds == ["ByteLevel"] and steps[0].get("use_regex", True):
        key: str | None = _GPT2_SPLIT
    elif kinds == ["Digits", "ByteLevel"] and steps[0].get("individual_digits") and steps[1].get("use_regex", True):
        key = "digits"
    elif kinds == ["Split", "ByteLevel"] and not steps[1].get("use_regex", True):
        key = (steps[0].get("pattern") or {}).get("Regex", "?")
    else:
        key = "?"
    if key not in _PRE_TOKENIZERS:
        raise MedqaError(
            "GGUF export does not know how llama.cpp should pre-tokenize for this tokenizer "
            f"({' + '.join(map(str, kinds))}); known: GPT-2, Llama 3, Qwen2 and SmolLM byte-level BPE. "
            "Convert it with llama.cpp's convert_hf_to_gguf.py"
        )
    return _PRE_TOKENIZERS[key]


def _write_sentencepiece_vocab(writer: Any, tokenizer: Any, spec: dict[str, Any], vocab_size: int) -> None:
    """Llama 2/Mistral/Phi-3/Gemma style: tokens, scores and types as llama.cpp's converter reads
    them from tokenizer.json (gguf.LlamaHfVocab, which needs the tokenizer saved to a folder)."""
    from gguf.vocab import LlamaHfVocab

    with tempfile.TemporaryDirectory(prefix="medqa-vocab-") as folder:
        tokenizer.save_pretrained(folder)
        try:
            vocab = LlamaHfVocab(Path(folder))
        except (FileNotFoundError, TypeError) as exc:
            raise MedqaError(f"GGUF export cannot read this SentencePiece-style tokenizer: {exc}") from exc
        entries = list(vocab.all_tokens())
    if len(entries) > vocab_size:
        raise MedqaError(f"the tokenizer has {len(entries)} tokens but the model only {vocab_size} embedding rows")
    # llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result scores highest; BPE merges
    # by rank. LlamaHfVocab scores every token alike, so the score of a merged token is minus its rank.
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"].get("merges", [])]
    rank = {merge.replace(" ", ""): -float(i) for i, merge in reversed(list(enumerate(merges)))}
    tokens = [text for text, _, _ in entries] + [f"[PAD{i}]".encode() for i in range(len(entries), vocab_size)]
    scores = [rank.get(text.decode(), score) for text, score, _ in entries] + [-1000.0] * (vocab_size - len(entries))
    types = [int(kind) for _, _, kind in entries] + [5] * (vocab_size - len(entries))  # 5: unused
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    # SentencePiece's "dummy prefix": a space before the first word when the tokenizer adds one.
    writer.add_add_space_prefix("Prepend" in json.dumps(spec.get("normalizer")) or _metaspace_prepends(spec))


def _metaspace_prepends(spec: dict[str, Any]) -> bool:
    text = json.dumps(spec.get("pre_tokenizer"))
    return '"Metaspace"' in text and '"prepend_scheme": "never"' not in text
