"""Shared fakes for the training tests: tiny random models, a byte-level tokenizer, tiny datasets.

Everything is built in the test process: no network, no weights on disk beyond tmp folders.
Import the fixtures you need: `from conftest_train import tiny_llama, tiny_t5, tiny_data`.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
FACTS = [
    ("What is asthma?", "Asthma is a disease of the airways that makes breathing hard."),
    ("What causes anemia?", "Anemia is caused by too few red blood cells or too little hemoglobin."),
    ("How is flu treated?", "Flu is treated with rest, fluids and sometimes antiviral medicine."),
    ("What is diabetes?", "Diabetes is a disease in which blood sugar is too high."),
    ("What are symptoms of measles?", "Measles causes fever, cough, a runny nose and a rash."),
    ("Who gets gout?", "Gout is most common in men and in people with high uric acid."),
]


def make_tokenizer(chat: bool = True, seq2seq: bool = False):
    """A byte-level BPE tokenizer trained in milliseconds on the test sentences (any text encodes)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = [f"{q} {a}" for q, a in FACTS] + ["Question: Answer: You are a careful medical assistant."]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    if seq2seq:  # T5 style: the encoder input ends with </s>
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="<|im_end|>" if chat else "</s>",
        unk_token="<unk>",
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def save_tiny_llama(folder: Path, chat: bool = True) -> Path:
    """A 2-layer, 32-wide random Llama with the tiny tokenizer, saved as a transformers folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = make_tokenizer(chat=chat)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_t5(folder: Path) -> Path:
    """A 2-layer, 32-wide random T5 (encoder-decoder) with the tiny tokenizer."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = make_tokenizer(chat=False, seq2seq=True)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_data(folder: Path, repeats: int = 4) -> Path:
    """train/validation/test.jsonl from FACTS (the same facts repeated, so loss can fall fast)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"question": q, "answer": a, "group": str(i)} for i, (q, a) in enumerate(FACTS)]
    for split, times in (("train", repeats), ("validation", 1), ("test", 1)):
        lines = [json.dumps(r) for _ in range(times) for r in rows]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@contextmanager
def single_thread():
    """Tiny models gain nothing from threads, and spinning threads crawl when other jobs share the CPU."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def one_thread():
    """Every test of a module that imports this fixture runs single-threaded."""
    with single_thread():
        yield


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data(tmp_path_factory.mktemp("data"))


def tiny_config(model: Path, data: Path, out: Path, **overrides):
    """A TrainConfig sized for the tiny models: a few fp32 steps, no surprises from the host CPU."""
    from medqa.train import TrainConfig

    values = dict(
        model=str(model),
        data=str(data),
        out=str(out),
        batch_size=4,
        max_length=160,
        learning_rate=1e-2,
        warmup_ratio=0.0,
        precision="fp32",
        eval_every=2,
        save_every=2,
        max_steps=4,
        log_every=1,
    )
    values.update(overrides)
    return TrainConfig(**values)
