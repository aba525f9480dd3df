"""GGUF export: tensors round-trip in llama.cpp's layout, metadata is complete, unsupported models are
refused; with llama-cpp-python installed, llama.cpp on the exported file decodes like transformers."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from fakes import single_thread, tiny_config
from medqa.errors import MedqaError
from medqa.export.gguf import gguf_tensors, permute_qk, template_gguf, write_gguf
from medqa.export.merge import ExportConfig, export
from medqa.models import GGUF_FILE, load_model, load_trained
from medqa.prompt import PromptTemplate, encode_prompt
from medqa.train import train

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread

needs_llama_cpp = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing")


def _read(path):
    import gguf
    from gguf.quants import dequantize

    reader = gguf.GGUFReader(str(path))
    tensors = {
        t.name: dequantize(t.data, t.tensor_type).reshape(tuple(int(d) for d in reversed(t.shape)))
        for t in reader.tensors
    }
    return reader, tensors


@pytest.fixture(scope="module")
def trained_run(tiny_llama, tiny_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("run") / "run"
    with single_thread():  # a large learning rate: the merged weights differ visibly from the base
        train(tiny_config(tiny_llama, tiny_data, run, max_steps=3, learning_rate=5e-2))
    return run


def test_permutation_interleaves_the_halves_of_each_head():
    # One head of 4 rows [a0 a1 b0 b1] (rotate_half pairs a_i with b_i) -> [a0 b0 a1 b1] (llama.cpp pairs neighbours).
    weight = np.arange(4, dtype=np.float32).reshape(4, 1)
    assert permute_qk(weight, n_head=1).ravel().tolist() == [0, 2, 1, 3]


@pytest.mark.parametrize("qtype", ["f32", "q8_0"])
def test_tiny_llama_round_trips_with_complete_metadata(tiny_llama, tmp_path, qtype):
    loaded = load_model(str(tiny_llama))
    path = write_gguf(loaded.model, loaded.tokenizer, tmp_path / GGUF_FILE, qtype)
    reader, tensors = _read(path)
    expected = dict(gguf_tensors(loaded.model))
    assert set(tensors) == set(expected)  # tied embeddings: no output.weight
    tolerance = 0.0 if qtype == "f32" else 0.02
    for name, array in expected.items():
        np.testing.assert_allclose(tensors[name], array, atol=tolerance, rtol=0, err_msg=name)
    config = loaded.model.config
    field = lambda key: reader.fields[key].contents()  # noqa: E731
    assert field("general.architecture") == "llama"
    assert field("llama.block_count") == config.num_hidden_layers
    assert field("llama.attention.head_count_kv") == config.num_key_value_heads
    assert len(field("tokenizer.ggml.tokens")) == config.vocab_size
    assert field("tokenizer.ggml.eos_token_id") == loaded.tokenizer.eos_token_id
    assert field("tokenizer.chat_template") == loaded.tokenizer.chat_template


def test_qk_rows_are_permuted_and_others_are_not(tiny_llama):
    model = load_model(str(tiny_llama)).model
    tensors = dict(gguf_tensors(model))
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    q, k = state["model.layers.0.self_attn.q_proj.weight"], state["model.layers.0.self_attn.k_proj.weight"]
    np.testing.assert_array_equal(tensors["blk.0.attn_q.weight"], permute_qk(q, model.config.num_attention_heads))
    np.testing.assert_array_equal(tensors["blk.0.attn_k.weight"], permute_qk(k, model.config.num_key_value_heads))
    np.testing.assert_array_equal(tensors["blk.0.attn_v.weight"], state["model.layers.0.self_attn.v_proj.weight"])


def test_other_architectures_are_refused(tmp_path):
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64))
    with pytest.raises(MedqaError, match="GGUF export supports Llama/SmolLM2, Mistral, Qwen2"):
        write_gguf(model, None, tmp_path / GGUF_FILE)


def test_a_template_of_another_model_is_refused(tiny_llama, tmp_path):
    loaded = load_model(str(tiny_llama))
    other = write_gguf(loaded.model, loaded.tokenizer, tmp_path / "other.gguf", "f32")
    loaded.model.resize_token_embeddings(loaded.model.config.vocab_size + 32)
    with pytest.raises(MedqaError, match="does not match"):
        write_gguf(loaded.model, loaded.tokenizer, tmp_path / GGUF_FILE, "f32", template=other)


def test_export_writes_the_merged_weights_as_gguf(trained_run, tmp_path):
    out = tmp_path / "exported"
    export(ExportConfig(run=str(trained_run), out=str(out), gguf=True, gguf_type="f32", dtype="bfloat16"))
    _, tensors = _read(out / GGUF_FILE)
    lora_merged = load_trained(trained_run)[0].model.merge_and_unload()
    for name, array in gguf_tensors(lora_merged):  # float32 merge, not the bfloat16 copy
        np.testing.assert_allclose(tensors[name], array, atol=1e-6, err_msg=name)


def test_cli_export_gguf_option(trained_run, tmp_path, run_cli):
    out = tmp_path / "cli"
    result = run_cli("export", str(trained_run), "--out", str(out), "--gguf", "--gguf-type", "q8_0")
    assert result.code == 0, result.output
    assert (out / GGUF_FILE).is_file() and (out / "config.json").is_file()
    modelfile = (out / "Modelfile").read_text(encoding="utf-8")  # Ollama's recipe for the same file
    assert f"FROM ./{GGUF_FILE}\n" in modelfile and 'PARAMETER stop "<|im_end|>"' in modelfile


def _greedy_transformers(loaded, template, question: str, n: int) -> list[int]:
    ids = encode_prompt(template, loaded.tokenizer, question)
    with torch.inference_mode():
        out = loaded.model.generate(
            torch.tensor([ids]),
            max_new_tokens=n,
            do_sample=False,
            repetition_penalty=1.0,
            eos_token_id=None,
            pad_token_id=0,
            min_new_tokens=n,
        )
    return out[0, len(ids) :].tolist()


def _greedy_llama_cpp(path, tokens: list[int], n: int) -> list[int]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=512, n_threads=1, verbose=False)
    out: list[int] = []
    for token in llm.generate(tokens, temp=0.0, top_k=1, repeat_penalty=1.0):
        out.append(token)
        if len(out) == n:
            break
    return out


@needs_llama_cpp
def test_llama_cpp_decodes_the_tiny_export_like_transformers(trained_run, tmp_path):
    out = tmp_path / "exported"
    export(ExportConfig(run=str(trained_run), out=str(out), gguf=True, gguf_type="f32"))
    loaded, template = load_trained(out)
    ids = encode_prompt(template, loaded.tokenizer, "What is asthma?")
    expected = _greedy_transformers(loaded, template, "What is asthma?", 8)
    assert _greedy_llama_cpp(out / GGUF_FILE, ids, 8) == expected


# ------------------------------------------------------------------------------ the real bundled model
@pytest.mark.slow
def test_bundled_gguf_tensors_equal_the_converted_model_after_permutation():
    """The layout check that matters: transformers' own GGUF loader un-permutes q/k; we re-permute."""
    from medqa.models import BUNDLED_MODEL, bundled_gguf

    _, original = _read(bundled_gguf())
    mine = dict(gguf_tensors(load_model(BUNDLED_MODEL).model))
    assert set(mine) == set(original)
    for name, array in original.items():
        np.testing.assert_array_equal(mine[name], array, err_msg=name)


def _smollm_run(tmp_path, perturb: bool):
    """A run folder on the bundled model with a LoRA adapter: zero (untrained) or random (a stand-in
    for a fine-tune that changes the outputs)."""
    from peft import LoraConfig, get_peft_model

    from medqa.models import BUNDLED_MODEL

    run = tmp_path / "run"
    loaded = load_model(BUNDLED_MODEL)
    torch.manual_seed(0)
    config = LoraConfig(
        r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], init_lora_weights=not perturb
    )
    peft_model = get_peft_model(loaded.model, config)
    if perturb:
        with torch.no_grad():
            for name, param in peft_model.named_parameters():
                if "lora_B" in name:
                    param.mul_(0.05)
    peft_model.save_pretrained(run / "adapter")
    PromptTemplate().save(run)
    (run / "train_info.json").write_text(json.dumps({"base_model": BUNDLED_MODEL}))
    return run


@pytest.mark.slow
@needs_llama_cpp
def test_untrained_adapter_export_answers_like_the_bundled_gguf(tmp_path):
    from medqa.inference.base import GenerationSettings, Prompt
    from medqa.inference.load import load_generator

    out = tmp_path / "exported"
    # q4_1: the bundled file's type; its dequantized weights re-quantize to exactly the same blocks.
    export(ExportConfig(run=str(_smollm_run(tmp_path, perturb=False)), out=str(out), gguf=True, gguf_type="q4_1"))
    settings = GenerationSettings(max_new_tokens=32)
    prompt = [Prompt("What are the symptoms of asthma?")]
    exported, error, _ = load_generator(str(out), backend="llamacpp")
    bundled, error2, _ = load_generator("smollm2-135m", backend="llamacpp")
    assert error is None and error2 is None
    assert exported.generate(prompt, settings) == bundled.generate(prompt, settings)


def _next_token_logits_llama_cpp(path, tokens: list[int]) -> np.ndarray:
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=512, n_threads=1, verbose=False, logits_all=True)
    llm.eval(tokens)
    return np.array(llm.scores[llm.n_tokens - 1])


@pytest.mark.slow
@needs_llama_cpp
def test_fine_tuned_export_decodes_like_transformers_on_the_merged_model(tmp_path):
    """f32 GGUF: the same greedy tokens as transformers. Q8_0: the same next-token distribution up to
    rounding (its greedy text may differ where two tokens are nearly tied, so that is not asserted)."""
    out = tmp_path / "exported"
    export(ExportConfig(run=str(_smollm_run(tmp_path, perturb=True)), out=str(out), gguf=True, gguf_type="f32"))
    loaded, template = load_trained(out)
    question = "What is high blood pressure?"
    ids = encode_prompt(template, loaded.tokenizer, question)
    assert _greedy_llama_cpp(out / GGUF_FILE, ids, 16) == _greedy_transformers(loaded, template, question, 16)

    q8 = write_gguf(loaded.model, loaded.tokenizer, tmp_path / "q8.gguf", "q8_0", template_gguf("smollm2-135m"))
    with torch.inference_mode():
        expected = loaded.model(torch.tensor([ids])).logits[0, -1].numpy()
    got = _next_token_logits_llama_cpp(q8, ids)
    assert np.corrcoef(got, expected)[0, 1] > 0.998
    assert int(expected.argmax()) in np.argsort(-got)[:3].tolist()
