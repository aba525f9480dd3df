"""Training on tiny random models: what is learned, what is written, and how it fails."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from fakes import tiny_config
from medqa.config import load_config
from medqa.errors import MedqaError
from medqa.hardware import bf16_supported, reuse_freed_memory
from medqa.models import load_model
from medqa.prompt import IGNORE_INDEX, PromptTemplate, encode_examples
from medqa.train import LoraSettings, TrainConfig, train
from medqa.train import loop as train_loop
from medqa.train.batches import collate, plan_epoch, split_batch

pytestmark = pytest.mark.usefixtures("one_thread")  # torch single-threaded: see fakes.single_thread


def _adapter(run):
    return load_file(str(run / "adapter" / "adapter_model.safetensors"))


def test_lora_run_writes_everything_and_changes_the_adapter(tiny_llama, tiny_data, tmp_path):
    run = tmp_path / "run"
    result = train(tiny_config(tiny_llama, tiny_data, run))

    assert result.steps == 4 and result.stopped == "max_steps"
    for name in ("config.yaml", "prompt.yaml", "metrics.jsonl", "loss.png", "README.md", "train_info.json"):
        assert (run / name).is_file(), name
    assert PromptTemplate.load(run) == PromptTemplate()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "train"] == [1, 2, 3, 4]
    assert [r["step"] for r in rows if r["split"] == "validation"] == [2, 4]
    assert all(r["tokens_per_s"] > 0 and r["lr"] > 0 for r in rows if r["split"] == "train")
    # LoRA B starts at zero: any non-zero value means the adapter was trained.
    lora_b = [t for name, t in _adapter(run).items() if "lora_B" in name]
    assert lora_b and all(t.abs().sum() > 0 for t in lora_b)
    card = (run / "README.md").read_text()
    assert "## Disclaimer" in card and "## Limitations" in card and "base model" in card
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-0000002", "step-0000004"]


def test_loss_goes_down_on_a_tiny_set(tiny_llama, tiny_data, tmp_path):
    config = tiny_config(tiny_llama, tiny_data, tmp_path / "run", method="full", epochs=4, max_steps=16, eval_every=8)
    result = train(config)
    assert result.last_train_loss < result.first_train_loss - 0.5
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    val = [r["loss"] for r in rows if r["split"] == "validation"]
    assert val[-1] < val[0]
    assert (tmp_path / "run" / "model" / "model.safetensors").is_file()


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tiny_llama, tiny_data, tmp_path):
    # eval off: the saved adapter is then the last one, so both runs must end on identical weights.
    config = dict(max_steps=4, save_every=2, eval_every=0, max_eval_examples=0, lora=LoraSettings(dropout=0.1))
    whole = tmp_path / "whole"
    train(tiny_config(tiny_llama, tiny_data, whole, **config))

    interrupted = tmp_path / "interrupted"
    shutil.copytree(whole, interrupted)  # as if killed right after the step-2 checkpoint
    shutil.rmtree(interrupted / "checkpoints" / "step-0000004")
    shutil.rmtree(interrupted / "adapter")
    result = train(tiny_config(tiny_llama, tiny_data, interrupted, resume=True, **config))

    assert result.steps == 4
    expected, got = _adapter(whole), _adapter(interrupted)
    assert expected.keys() == got.keys()
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=0, atol=1e-7)
    rows = [json.loads(line) for line in (interrupted / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "train"] == [1, 2, 3, 4]  # no step logged twice


def test_seq2seq_model_trains(tiny_t5, tiny_data, tmp_path):
    result = train(tiny_config(tiny_t5, tiny_data, tmp_path / "run", max_steps=2, eval_every=2))
    assert result.steps == 2 and result.best_validation_loss is not None
    assert any("lora_B" in name for name in _adapter(tmp_path / "run"))


def test_packed_batch_has_the_same_loss_as_separate_examples(tiny_llama):
    """Packing must not let examples attend to each other: same per-example losses either way."""
    from transformers import AutoModelForCausalLM

    from medqa.models import load_tokenizer

    tokenizer = load_tokenizer(str(tiny_llama))
    model = AutoModelForCausalLM.from_pretrained(tiny_llama).eval()
    pairs = [("What is asthma?", "Asthma is a disease."), ("Who gets gout?", "Men, mostly, and older people.")]
    examples = encode_examples(PromptTemplate(), tokenizer, pairs, max_length=160)
    packed = collate([[0, 1]], examples, tokenizer.pad_token_id, seq2seq=False)
    separate = collate([[0], [1]], examples, tokenizer.pad_token_id, seq2seq=False)
    assert "attention_mask" not in packed and packed["position_ids"][0, len(examples[0].input_ids)] == 0

    def summed_loss(batch):
        batch = dict(batch)
        labels = batch.pop("labels")
        logits = model(**batch, use_cache=False).logits[:, :-1]
        return torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), labels[:, 1:].flatten(), ignore_index=IGNORE_INDEX, reduction="sum"
        )

    with torch.no_grad():
        torch.testing.assert_close(summed_loss(packed), summed_loss(separate), rtol=1e-6, atol=1e-5)
        # Right padding under a causal mask: the padding mask changes nothing the loss sees (the
        # training loop leaves it out so attention can skip the masked half).
        unmasked = {k: v for k, v in separate.items() if k != "attention_mask"}
        torch.testing.assert_close(summed_loss(unmasked), summed_loss(separate), rtol=1e-6, atol=1e-5)
        leaky = {k: v for k, v in packed.items() if k != "position_ids"}  # one long causal sequence
        assert abs(summed_loss(leaky) - summed_loss(separate)) > 1e-3  # the check above can fail


def test_batch_plan_covers_every_example_once_and_is_reproducible():
    lengths = [(i * 37) % 200 + 20 for i in range(100)]
    plan = plan_epoch(lengths, batch_size=8, seed=1, epoch=0, pack_length=None)
    assert sorted(i for batch in plan for row in batch for i in row) == list(range(100))
    assert plan == plan_epoch(lengths, batch_size=8, seed=1, epoch=0, pack_length=None)
    assert plan != plan_epoch(lengths, batch_size=8, seed=1, epoch=1, pack_length=None)
    padded = sum(len(b) * max(lengths[r[0]] for r in b) for b in plan)
    assert padded < 1.15 * sum(lengths)  # grouping by length: little padding
    packed = plan_epoch(lengths, batch_size=4, seed=1, epoch=0, pack_length=256)
    assert sorted(i for batch in packed for row in batch for i in row) == list(range(100))
    assert all(sum(lengths[i] for i in row) <= 256 for batch in packed for row in batch)


@pytest.mark.parametrize("pack_length", [None, 256])
def test_token_budget_micro_batches_respect_the_budget_and_use_every_example_once(pack_length):
    lengths = [(i * 37) % 200 + 20 for i in range(100)]
    plan = plan_epoch(lengths, batch_size=8, seed=3, epoch=0, pack_length=pack_length)
    for budget in (219, 500, 1000):  # 219: the longest example (or packed row) must then run alone
        micro = [m for batch in plan for m in split_batch(batch, lengths, budget)]
        assert sorted(i for m in micro for row in m for i in row) == list(range(100))
        for m in micro:
            sizes = [sum(lengths[i] for i in row) for row in m]
            assert len(m) * max(sizes) <= budget or len(m) == 1
        for batch in plan:  # each batch is split into its own rows, nothing moves between batches
            parts = split_batch(batch, lengths, budget)
            assert sorted(map(tuple, sum(parts, []))) == sorted(map(tuple, batch))
    assert split_batch(plan[0], lengths, None) == [plan[0]]


def test_token_budget_gives_the_same_steps_as_whole_batches(tiny_llama, tiny_data, tmp_path):
    """Micro-batches sum their losses and divide by the step's answer tokens: the same mean loss,
    hence the same gradients and weights, as one pass over the whole batch."""
    settings = dict(max_steps=3, eval_every=3, max_eval_examples=8, lora=LoraSettings(dropout=0.0))
    whole = train(tiny_config(tiny_llama, tiny_data, tmp_path / "whole", **settings))
    split = train(tiny_config(tiny_llama, tiny_data, tmp_path / "split", max_batch_tokens=1, **settings))
    assert split.first_train_loss == pytest.approx(whole.first_train_loss, rel=1e-5)
    assert split.best_validation_loss == pytest.approx(whole.best_validation_loss, rel=1e-5)
    expected, got = _adapter(tmp_path / "whole"), _adapter(tmp_path / "split")
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6)


def test_packed_run_trains(tiny_llama, tiny_data, tmp_path):
    result = train(tiny_config(tiny_llama, tiny_data, tmp_path / "run", batching="pack", max_steps=2))
    assert result.steps == 2


def test_time_limit_stops_and_saves(tiny_llama, tiny_data, tmp_path):
    result = train(tiny_config(tiny_llama, tiny_data, tmp_path / "run", max_minutes=1e-6, max_steps=50))
    assert result.stopped == "max_minutes" and result.steps == 1
    assert (tmp_path / "run" / "checkpoints" / "step-0000001").is_dir()
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").is_file()


def test_nan_loss_stops_and_keeps_the_last_checkpoint(tiny_llama, tiny_data, tmp_path, monkeypatch):
    real_loss = train_loop._Loop._loss
    training_calls = []

    def poisoned(self, batch):
        loss = real_loss(self, batch)
        if torch.is_grad_enabled():  # training, not validation
            training_calls.append(1)
        return loss * float("nan") if len(training_calls) > 2 else loss  # steps 1 and 2 are fine

    monkeypatch.setattr(train_loop._Loop, "_loss", poisoned)
    with pytest.raises(MedqaError, match=r"loss became nan at step 3.*step-0000002.*lower learning_rate"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "run", batch_size=2, max_steps=6))
    assert (tmp_path / "run" / "checkpoints" / "step-0000002" / "trainer_state.json").is_file()


def test_out_of_memory_names_the_settings_to_lower(tiny_llama, tiny_data, tmp_path, monkeypatch):
    def oom(self, batch):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 123 bytes")

    monkeypatch.setattr(train_loop._Loop, "_loss", oom)
    with pytest.raises(MedqaError, match="out of memory.*lower batch_size.*gradient_checkpointing"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "run"))


def test_clear_errors_for_bad_input(tiny_llama, tiny_data, tmp_path):
    existing = tmp_path / "exists"
    existing.mkdir()
    with pytest.raises(MedqaError, match="already exists; pass --overwrite"):
        train(tiny_config(tiny_llama, tiny_data, existing))
    with pytest.raises(MedqaError, match="--resume: .* has no checkpoint"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "nothing", resume=True))
    with pytest.raises(MedqaError, match="has no train.jsonl"):
        train(tiny_config(tiny_llama, tmp_path, tmp_path / "out"))
    with pytest.raises(MedqaError, match="unknown model"):
        train(tiny_config("no-such-model", tiny_data, tmp_path / "out2"))
    with pytest.raises(MedqaError, match="unknown config key 'lora.rank'; valid keys: alpha, dropout, r"):
        load_config(TrainConfig, None, ["lora.rank=8"])
    with pytest.raises(MedqaError, match="'batch_size' must be >= 1"):
        load_config(TrainConfig, None, ["batch_size=0"])
    with pytest.raises(MedqaError, match="'max_batch_tokens' must be >= 1"):
        load_config(TrainConfig, None, ["max_batch_tokens=0"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_only_features_fail_clearly_on_cpu(tiny_llama, tiny_data, tmp_path):
    with pytest.raises(MedqaError, match="qlora needs a CUDA GPU"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "a", method="qlora"))
    with pytest.raises(MedqaError, match="fp16 needs a CUDA GPU"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "b", precision="fp16"))
    with pytest.raises(MedqaError, match="paged_adamw_8bit needs a CUDA GPU"):
        train(tiny_config(tiny_llama, tiny_data, tmp_path / "c", optimizer="paged_adamw_8bit"))


def test_early_stopping_keeps_the_best_adapter(tiny_llama, tiny_data, tmp_path, monkeypatch):
    real_loss = train_loop._Loop._loss
    evaluations = []

    def worse_each_evaluation(self, batch):
        loss = real_loss(self, batch)
        if torch.is_grad_enabled():
            return loss
        evaluations.append(1)
        return loss * len(evaluations)  # validation loss only ever rises after the first evaluation

    monkeypatch.setattr(train_loop._Loop, "_loss", worse_each_evaluation)
    run = tmp_path / "run"
    result = train(
        tiny_config(tiny_llama, tiny_data, run, epochs=10, max_steps=20, eval_every=2, early_stopping_patience=2)
    )
    assert result.stopped == "early_stopping" and result.steps == 6 and result.best_step == 2
    assert json.loads((run / "train_info.json").read_text())["best_step"] == 2


@pytest.mark.skipif(not bf16_supported(cuda=False), reason="this CPU has no fast bfloat16")
def test_bf16_lora_keeps_frozen_weights_in_bf16_and_trains_float32_adapters(tiny_llama, tiny_data, tmp_path):
    config = tiny_config(tiny_llama, tiny_data, tmp_path / "run", precision="bf16")
    model = train_loop._adapt(load_model(config.model), config, torch.bfloat16)
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad}
    trained = {p.dtype for p in model.parameters() if p.requires_grad}
    assert frozen == {torch.bfloat16} and trained == {torch.float32}

    train(config)
    adapter = _adapter(tmp_path / "run")
    assert {t.dtype for t in adapter.values()} == {torch.float32}
    assert all(t.abs().sum() > 0 for name, t in adapter.items() if "lora_B" in name)


def test_freed_memory_is_kept_for_reuse_on_glibc():
    import platform

    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    with reuse_freed_memory() as applied:
        assert applied == glibc
    with reuse_freed_memory(enabled=False) as applied:
        assert not applied


def test_in_a_log_a_line_comes_at_least_every_interval_with_an_eta(
    tiny_llama, tiny_data, tmp_path, monkeypatch, capsys
):
    # Off a terminal there is no live bar: a step of ~12 s on the CPU recipe would leave a log silent
    # for minutes at log_every 10, so a line is also due whenever LINE_EVERY_S has passed (0 here).
    monkeypatch.setattr(train_loop, "LINE_EVERY_S", 0.0)
    train(tiny_config(tiny_llama, tiny_data, tmp_path / "run", log_every=1000))
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step ") and "/4" in line]
    assert [line.split()[1] for line in lines] == ["1/4", "2/4", "3/4"]  # the last step ends with its summary
    assert all("answer tokens/s" in line and "ETA" in line and "min" in line for line in lines)
