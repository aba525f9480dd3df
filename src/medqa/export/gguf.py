"""Write a (merged, fine-tuned) Llama-architecture transformers model as a GGUF file for llama.cpp.

When the model was fine-tuned from a base that came as a GGUF (the bundled SmolLM2), that file is
the template: ALL its metadata (tokenizer, merges, chat template, hyperparameters) is copied and
only the weights are replaced, under the same tensor names, so llama.cpp tokenizes and stops
exactly as it does on the base model. Otherwise the metadata is built from the transformers config
and its byte-level BPE tokenizer.

Only the `llama` architecture is supported (SmolLM2, Llama 2/3 without rope scaling, TinyLlama...);
anything else is refused with a clear message rather than written wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

from medqa.errors import MedqaError
from medqa.models import BUNDLED_MODEL, bundled_gguf

GGUF_TYPES = ("q8_0", "q4_1", "f16", "f32")
GgufType = Literal["q8_0", "q4_1", "f16", "f32"]
SUPPORTED_ARCHITECTURES = ("LlamaForCausalLM",)
_SKIP_KEYS = ("GGUF.", "general.architecture", "general.file_type")  # the writer sets these itself

# transformers parameter name (within a decoder layer) -> GGUF tensor name (within blk.N)
_LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def permute_qk(weight: np.ndarray, n_head: int) -> np.ndarray:
    """transformers -> llama.cpp layout of a q/k projection.

    transformers rotates the two halves of each head (rotate_half); llama.cpp rotates interleaved
    pairs, so convert_hf_to_gguf.py reorders each head's rows the same way. n_head is the number
    of KV heads for k_proj.
    """
    rows = weight.shape[0]
    return weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def gguf_tensors(model: Any) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, float32 array in llama.cpp layout) for every weight of a Llama model."""
    config = model.config
    check_supported(config)
    n_head, n_kv = config.num_attention_heads, config.num_key_value_heads
    tied = bool(getattr(config, "tie_word_embeddings", False))
    for name, tensor in model.state_dict().items():
        array = tensor.detach().float().cpu().numpy()
        if name == "model.embed_tokens.weight":
            yield "token_embd.weight", array
        elif name == "model.norm.weight":
            yield "output_norm.weight", array
        elif name == "lm_head.weight":
            if not tied:
                yield "output.weight", array
        elif name.startswith("model.layers.") and name.endswith(".weight"):
            index, local = name[len("model.layers.") : -len(".weight")].split(".", 1)
            if local not in _LAYER_NAMES:
                raise MedqaError(f"cannot write {name} to GGUF: unexpected parameter for a Llama layer")
            if local == "self_attn.q_proj":
                array = permute_qk(array, n_head)
            elif local == "self_attn.k_proj":
                array = permute_qk(array, n_kv)
            yield f"blk.{index}.{_LAYER_NAMES[local]}.weight", array
        elif not name.endswith("rotary_emb.inv_freq"):  # inv_freq is recomputed by llama.cpp
            raise MedqaError(f"cannot write {name} to GGUF: unexpected parameter for a Llama model")


def check_supported(config: Any) -> None:
    """Refuse models this writer would get wrong: other architectures, biases, rope scaling."""
    architectures = list(getattr(config, "architectures", None) or [])
    if getattr(config, "model_type", None) != "llama" or not set(architectures) <= set(SUPPORTED_ARCHITECTURES):
        raise MedqaError(
            f"GGUF export supports Llama-architecture models (SmolLM2, Llama, TinyLlama); this model is "
            f"{architectures or getattr(config, 'model_type', '?')}. Export a transformers folder instead "
            "(without --gguf) and convert it with llama.cpp's convert_hf_to_gguf.py"
        )
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        raise MedqaError("GGUF export does not support Llama models with attention/MLP biases")
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if rope.get("rope_type", rope.get("type", "default")) not in ("default", None):
        raise MedqaError(f"GGUF export does not support rope scaling ({rope.get('rope_type') or rope.get('type')})")


def write_gguf(model: Any, tokenizer: Any, path: Path, qtype: GgufType = "q8_0", template: Path | None = None) -> Path:
    """Write `model` (a merged Llama, any dtype) as GGUF at `path`, weights quantized to `qtype`.

    `template`: the base model's GGUF, whose metadata is copied (must have the same shapes).
    """
    import gguf

    if qtype not in GGUF_TYPES:
        raise MedqaError(f"unknown GGUF type {qtype!r}; choose one of {', '.join(GGUF_TYPES)}")
    tensors = dict(gguf_tensors(model))
    writer = gguf.GGUFWriter(str(path), "llama")
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


def _encode(name: str, array: np.ndarray, qtype: GgufType) -> tuple[np.ndarray, Any]:
    """Quantized bytes and their type. Norms stay float32 (tiny, and precision matters there);
    the tied embedding gets Q8_0 under Q4_1, as llama.cpp's own quantizer does."""
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
    """Hyperparameters from the transformers config, tokenizer from its byte-level BPE."""
    rope = getattr(config, "rope_parameters", None) or {}
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    writer.add_name(str(getattr(config, "name_or_path", "") or "medqa model"))
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_rope_dimension_count(head_dim)
    writer.add_vocab_size(config.vocab_size)
    _write_tokenizer(writer, tokenizer, config.vocab_size)


def _write_tokenizer(writer: Any, tokenizer: Any, vocab_size: int) -> None:
    spec = json.loads(tokenizer.backend_tokenizer.to_str()) if hasattr(tokenizer, "backend_tokenizer") else {}
    model = spec.get("model", {})
    if model.get("type") != "BPE" or "ByteLevel" not in json.dumps(spec.get("pre_tokenizer")):
        raise MedqaError(
            "GGUF export without a base GGUF supports byte-level BPE tokenizers only (GPT-2/Llama 3/SmolLM style)"
        )
    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    special = set(tokenizer.all_special_ids) | {
        i for i, t in getattr(tokenizer, "added_tokens_decoder", {}).items() if getattr(t, "special", False)
    }
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(vocab_size)]  # padded embedding rows get dummies
    types = [3 if i in special else (5 if i not in by_id else 1) for i in range(vocab_size)]  # control/unused/normal
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    for setter, token_id in (
        (writer.add_bos_token_id, tokenizer.bos_token_id),
        (writer.add_eos_token_id, tokenizer.eos_token_id),
        (writer.add_pad_token_id, tokenizer.pad_token_id),
        (writer.add_unk_token_id, tokenizer.unk_token_id),
    ):
        if token_id is not None:
            setter(token_id)
    writer.add_add_bos_token(False)  # medqa tokenizes prompts itself (the chat template writes the specials)
    if getattr(tokenizer, "chat_template", None):
        writer.add_chat_template(tokenizer.chat_template)
