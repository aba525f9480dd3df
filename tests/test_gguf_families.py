"""GGUF export of each model family the recipes name (Llama, Mistral, Qwen2, Phi-3, Gemma): a tiny random
model of the family, written as GGUF and loaded back in llama.cpp, decodes the same greedy tokens as
transformers; the Ollama Modelfile next to it carries the chat template and stop tokens."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from fakes import make_tokenizer
from medqa.errors import MedqaError
from medqa.export.gguf import write_gguf

pytestmark = [
    pytest.mark.usefixtures("one_thread"),
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing"),
]

PROMPT = "What is asthma? Asthma is a disease of the airways."
SIZES = dict(
    hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=256
)


def _config(family: str, tokenizer, **overrides):
    from transformers import GemmaConfig, LlamaConfig, MistralConfig, Phi3Config, Qwen2Config

    ids = dict(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    configs = {
        "llama": lambda: LlamaConfig(num_key_value_heads=2, **SIZES, **ids),
        # head_dim 16 with 4 heads of a 32-wide model: head_dim != hidden/heads (as in Mistral Nemo, Gemma 7B)
        "mistral": lambda: MistralConfig(num_key_value_heads=2, head_dim=16, **SIZES, **ids),
        "qwen2": lambda: Qwen2Config(num_key_value_heads=2, tie_word_embeddings=True, **SIZES, **ids),
        "phi3": lambda: Phi3Config(num_key_value_heads=4, **SIZES, **ids),
        "gemma": lambda: GemmaConfig(num_key_value_heads=1, head_dim=16, **SIZES, **ids),
    }
    config = configs[family]()
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def _model(config):
    """Random weights large enough that greedy decoding has no near-ties, random norms and biases (so a
    missing Gemma +1 or Qwen2 bias changes the tokens)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name or name.endswith(".bias"):
                param.uniform_(0.5, 1.5) if config.model_type != "gemma" else param.uniform_(-0.5, 0.5)
            else:
                param.normal_(0.0, 0.15)
    return model


def _greedy_transformers(model, ids: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = model.generate(
            torch.tensor([ids]), max_new_tokens=n, min_new_tokens=n, do_sample=False, eos_token_id=None, pad_token_id=0
        )
    return out[0, len(ids) :].tolist()


def _greedy_llama_cpp(path, ids: list[int], n: int) -> list[int]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False)
    out: list[int] = []
    for token in llm.generate(ids, temp=0.0, top_k=1, repeat_penalty=1.0):
        out.append(token)
        if len(out) == n:
            break
    return out


@pytest.mark.parametrize("family", ["llama", "mistral", "qwen2", "phi3", "gemma"])
def test_each_family_decodes_in_llama_cpp_like_transformers(family, tmp_path):
    tokenizer = make_tokenizer()
    model = _model(_config(family, tokenizer))
    path = write_gguf(model, tokenizer, tmp_path / "model.gguf", "f32")
    ids = tokenizer(PROMPT)["input_ids"]
    assert _greedy_llama_cpp(path, ids, 12) == _greedy_transformers(model, ids, 12)


def test_tied_phi3_gets_its_own_output_tensor(tmp_path):
    """llama.cpp's phi3 graph has no fallback to the embedding: a tied model must still decode."""
    tokenizer = make_tokenizer()
    model = _model(_config("phi3", tokenizer, tie_word_embeddings=True))
    model.tie_weights()
    path = write_gguf(model, tokenizer, tmp_path / "model.gguf", "f32")
    ids = tokenizer(PROMPT)["input_ids"]
    assert _greedy_llama_cpp(path, ids, 8) == _greedy_transformers(model, ids, 8)


@pytest.mark.parametrize(
    ("family", "overrides", "message"),
    [
        ("qwen2", {"use_sliding_window": True}, "sliding-window"),
        ("llama", {"rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5, "factor": 8.0}}, "rope scaling"),
        ("gemma", {"tie_word_embeddings": False}, "untied output"),
        ("llama", {"hidden_act": "gelu"}, "gelu activation"),
    ],
)
def test_variants_llama_cpp_would_compute_differently_are_refused(family, overrides, message, tmp_path):
    tokenizer = make_tokenizer()
    config = _config(family, tokenizer)
    model = _model(config)
    for key, value in overrides.items():
        setattr(model.config, key, value)
    with pytest.raises(MedqaError, match=message):
        write_gguf(model, tokenizer, tmp_path / "model.gguf", "f32")
    assert not (tmp_path / "model.gguf").exists()


def test_gemma2_is_refused_with_the_supported_list(tmp_path):
    from transformers import Gemma2Config, Gemma2ForCausalLM

    model = Gemma2ForCausalLM(Gemma2Config(vocab_size=64, head_dim=8, **SIZES))
    with pytest.raises(MedqaError, match="supports Llama/SmolLM2, Mistral, Qwen2/Qwen2.5, Phi-3 and Gemma"):
        write_gguf(model, None, tmp_path / "model.gguf")


# ------------------------------------------------------------------------ tokenizers llama.cpp reruns
TEXTS = ["What is asthma?", "What causes anemia? Über 12 € flu treated.\nWho gets gout?"]


def _sentencepiece_style_tokenizer():
    """Llama 2 / Mistral / Phi-3 / Gemma style: BPE with byte fallback over '▁'-marked words."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from fakes import FACTS, SPECIALS

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]  # what byte fallback spells unknown characters with
    tok.train_from_iterator(
        [f"{q} {a}" for q, a in FACTS], trainers.BpeTrainer(vocab_size=600, special_tokens=SPECIALS + byte_tokens)
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="<|im_end|>", unk_token="<unk>"
    )
    tokenizer.chat_template = make_tokenizer().chat_template
    return tokenizer


def _qwen2_style_tokenizer():
    """Byte-level BPE behind Qwen2's splitting regex (single digits), as Qwen2.5's tokenizer.json has it."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from fakes import FACTS, SPECIALS
    from medqa.export.gguf import _QWEN2_SPLIT

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_QWEN2_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator([f"{q} {a} 2024 12345" for q, a in FACTS], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="<|im_end|>")


@pytest.mark.parametrize(
    ("family", "build", "kind"),
    [("mistral", _sentencepiece_style_tokenizer, "llama"), ("qwen2", _qwen2_style_tokenizer, "gpt2")],
)
def test_llama_cpp_tokenizes_text_like_the_tokenizer(family, build, kind, tmp_path):
    """What Ollama and llama.cpp's own server need: the file's vocabulary splits text as transformers does."""
    import gguf
    from llama_cpp import Llama

    tokenizer = build()
    model = _model(_config(family, tokenizer))
    path = write_gguf(model, tokenizer, tmp_path / "model.gguf", "f32")
    assert gguf.GGUFReader(str(path)).fields["tokenizer.ggml.model"].contents() == kind
    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False)
    for text in TEXTS:
        assert llm.tokenize(text.encode(), add_bos=False, special=False) == tokenizer(text)["input_ids"], text
    ids = tokenizer(PROMPT)["input_ids"]
    assert _greedy_llama_cpp(path, ids, 8) == _greedy_transformers(model, ids, 8)


def test_an_unknown_pre_tokenizer_is_refused(tmp_path):
    from tokenizers import pre_tokenizers

    tokenizer = make_tokenizer()
    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Punctuation(), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    model = _model(_config("qwen2", tokenizer))
    with pytest.raises(MedqaError, match="pre-tokenize"):
        write_gguf(model, tokenizer, tmp_path / "model.gguf", "f32")
