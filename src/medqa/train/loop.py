"""`train(config)`: an explicit Accelerate training loop (one CPU, DDP, FSDP or DeepSpeed unchanged).

The loop is deliberately plain: planned batches, per-token loss on the answer only, gradient
accumulation, clipping, AdamW and a warmup schedule; evaluation, checkpoints and stopping rules
around it. A step whose loss or gradients are not finite is never applied. Checkpoints, the best
weights and resuming are `train.checkpoint`'s (atomic, crash-safe writes by the main process);
`train_info.json`, written last, marks a run as finished.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import shutil
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from medqa.config import config_to_dict, save_config
from medqa.errors import MedqaError
from medqa.fileio import atomic_write_json, explain_write_errors, mark_as_medqa_output
from medqa.hardware import bf16_supported, reuse_freed_memory
from medqa.models import ADAPTER_DIR, CONFIG_FILE, MODEL_DIR, TRAIN_INFO_FILE, LoadedModel, load_model
from medqa.progress import LINE_EVERY_S
from medqa.prompt import IGNORE_INDEX
from medqa.train.batches import (
    EncodedSplit,
    collate,
    encode_split,
    example_lengths,
    plan_epoch,
    read_split,
    split_batch,
)
from medqa.train.checkpoint import Checkpointer, TrainState, check_run_folder, complete_checkpoints, kept_note
from medqa.train.config import TRACKING_DIR, TrainConfig
from medqa.train.outputs import MetricsLog, plot_loss, write_model_card
from medqa.train.schedule import lr_schedule

# The usual attention projections of each family, adapted when `lora.target_modules` is empty.
ATTENTION_MODULES = (
    ["q_proj", "k_proj", "v_proj", "o_proj"],  # Llama, SmolLM2, Qwen, Mistral, Gemma
    ["q", "k", "v", "o"],  # T5, Flan-T5, BioT5
    ["qkv_proj", "o_proj"],  # Phi-3
    ["c_attn", "c_proj"],  # GPT-2
    ["query_key_value", "dense"],  # GPT-NeoX, Falcon
)


@dataclass
class TrainResult:
    """What a finished (or stopped) run produced."""

    out: Path
    steps: int
    examples_seen: int
    minutes: float
    first_train_loss: float
    last_train_loss: float
    best_validation_loss: float | None
    best_step: int | None
    supervised_tokens_per_s: float
    stopped: str
    """Why training ended: 'completed', 'max_steps', 'max_minutes' or 'early_stopping'."""


def train(config: TrainConfig) -> TrainResult:
    """Fine-tune `config.model` on `config.data` and write the run folder `config.out`."""
    from accelerate import Accelerator

    out = Path(config.out)
    check_run_folder(out, config)  # before anything slow
    precision = _resolve_precision(config)
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        # accelerate keeps its settings in a process-wide singleton that refuses a second run with
        # another precision (a sweep, a notebook); a single process can safely start afresh.
        from accelerate.state import AcceleratorState, GradientState

        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()
    _check_trackers(config.report_to)
    # cpu=True where there is no GPU, so that several processes (torchrun, accelerate launch) use gloo.
    accelerator = Accelerator(
        mixed_precision="no" if precision == "fp32" else precision,
        cpu=not torch.accelerator.is_available(),
        log_with=list(config.report_to) or None,
        project_dir=str(out / TRACKING_DIR) if config.report_to else None,
    )
    try:
        with reuse_freed_memory(enabled=accelerator.device.type == "cpu"):
            return _train(config, accelerator, precision)
    finally:
        accelerator.end_training()  # closes the trackers' runs (flushes TensorBoard event files)


def _train(config: TrainConfig, accelerator: Any, precision: str) -> TrainResult:
    """The run itself, on a ready accelerator (see `train`)."""
    from accelerate.utils import set_seed

    out = Path(config.out)
    main = accelerator.is_main_process
    if main and out.exists() and config.overwrite:
        with explain_write_errors(out):
            shutil.rmtree(out)
    accelerator.wait_for_everyone()
    set_seed(config.seed)

    loaded = _load(config, accelerator)
    model = _adapt(loaded, config, _frozen_dtype(config, precision, accelerator))
    train_split, val_split = _encode(config, loaded)
    lengths = example_lengths(train_split.examples, loaded.seq2seq)
    world, accum = accelerator.num_processes, config.grad_accum
    pack = config.max_length if config.batching == "pack" and not loaded.seq2seq else None
    steps_per_epoch = len(plan_epoch(lengths, config.batch_size, config.seed, 0, pack)) // (world * accum)
    if steps_per_epoch == 0:
        raise MedqaError(
            f"{train_split.rows} training examples are fewer than one optimizer step needs "
            f"(batch_size {config.batch_size} x grad_accum {accum} x {world} processes); lower batch_size"
        )
    total_steps = math.ceil(config.epochs * steps_per_epoch)
    total_steps = min(total_steps, config.max_steps) if config.max_steps else total_steps

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = _optimizer(params, config)
    scheduler = lr_schedule(optimizer, config, total_steps)
    model, optimizer = accelerator.prepare(model, optimizer)
    checkpointer = Checkpointer(accelerator, out, config.keep_checkpoints, scheduler)
    state = checkpointer.restore() if config.resume else TrainState()
    metrics = None
    if main:
        with explain_write_errors(out):
            out.mkdir(parents=True, exist_ok=True)
            mark_as_medqa_output(out)
            (out / TRAIN_INFO_FILE).unlink(missing_ok=True)  # a resumed run looks finished only once it is
            # The run's settings, not this invocation's flags: `--config RUN/config.yaml --resume` works.
            save_config(replace(config, overwrite=False, resume=False), out / CONFIG_FILE)
            config.prompt.save(out)
            config.generation.save(out)
            metrics = MetricsLog(out, keep_until_step=state.step if config.resume else None)
    if config.report_to:
        _start_trackers(accelerator, config)

    info = _info(config, loaded, train_split, val_split, world)
    loop = _Loop(
        config, accelerator, model, optimizer, scheduler, checkpointer, loaded, train_split, val_split, metrics
    )
    stopped = loop.run(state, pack, steps_per_epoch, total_steps)
    if state.best_step is None:  # never evaluated (no validation examples): keep the last weights
        loop.save_model()

    if main:
        _finish(out, config, loaded, state, info, stopped, metrics)
    accelerator.wait_for_everyone()
    return _result(out, state, stopped, metrics.rows if metrics else [])


class _Loop:
    """The step loop and its hooks (evaluation, checkpoints, stopping), sharing one `TrainState`."""

    def __init__(
        self,
        config: TrainConfig,
        accelerator: Any,
        model: Any,
        optimizer: Any,
        scheduler: Any,
        checkpointer: Checkpointer,
        loaded: LoadedModel,
        train_split: EncodedSplit,
        val_split: EncodedSplit,
        metrics: MetricsLog | None,
    ) -> None:
        self.config, self.acc, self.model, self.optimizer, self.scheduler = (
            config,
            accelerator,
            model,
            optimizer,
            scheduler,
        )
        self.checkpointer = checkpointer
        self.loaded, self.train_split, self.val_split, self.metrics = loaded, train_split, val_split, metrics
        # Models that can project only some positions onto the vocabulary (see `_loss`).
        self.keep_logits = "logits_to_keep" in inspect.signature(loaded.model.forward).parameters
        self.pad_id = loaded.tokenizer.pad_token_id
        self.train_lengths = example_lengths(train_split.examples, loaded.seq2seq)
        self.val_lengths = example_lengths(val_split.examples, loaded.seq2seq)
        self.out = Path(config.out)

    def run(self, state: TrainState, pack: int | None, steps_per_epoch: int, total: int) -> str:
        config, acc = self.config, self.acc
        world, accum, rank = acc.num_processes, config.grad_accum, acc.process_index
        plans: dict[int, list] = {}
        started = time.monotonic() - state.seconds
        session = time.monotonic()  # --max-minutes counts this invocation, not earlier ones of a resumed run
        stopped = "completed" if config.max_steps is None or total < config.max_steps else "max_steps"
        progress, plain = _progress(acc.is_main_process)
        last_line, first_step = time.monotonic(), state.step
        with progress:
            task = progress.add_task("training", total=total, completed=state.step, loss=float("nan"), tps=0.0)
            while state.step < total:
                step = state.step
                epoch, offset = divmod(step, steps_per_epoch)
                if epoch not in plans:
                    plans = {epoch: plan_epoch(self.train_lengths, config.batch_size, config.seed, epoch, pack)}
                plan = plans[epoch]  # packing can leave an epoch a few rows short: wrap around then
                window = [plan[i % len(plan)] for i in range(offset * world * accum, (offset + 1) * world * accum)]
                mine = window[rank::world]
                tick = time.monotonic()
                lr = self.scheduler.get_last_lr()[0]  # the rate this step uses (the schedule moves on after it)
                loss_sum, tokens, bad_grads = self._step(mine)
                # Every process must agree on stopping, or the others would wait forever in an all-reduce.
                totals = acc.reduce(torch.tensor([loss_sum, tokens, bad_grads], device=acc.device), "sum")
                loss = (totals[0] / totals[1]).item()
                if not math.isfinite(loss) or totals[2].item() > 0:
                    self._fail_nonfinite(step + 1, loss)
                state.step = step + 1
                state.examples += int(sum(len(row) for b in window for row in b))
                state.seconds = time.monotonic() - started
                tps = totals[1].item() / max(time.monotonic() - tick, 1e-9)
                self._log(
                    {
                        "step": step + 1,
                        "split": "train",
                        "loss": loss,
                        "lr": lr,
                        "tokens_per_s": tps,
                        "supervised_tokens": int(totals[1].item()),
                        "epoch": round(step / steps_per_epoch, 4),
                        "elapsed_s": round(state.seconds, 2),
                    }
                )
                progress.update(task, completed=step + 1, loss=loss, tps=tps)
                # In a log (no live bar): a line every log_every steps, and at least every ~10 s.
                line_due = (step + 1) % config.log_every == 0 or time.monotonic() - last_line >= LINE_EVERY_S
                if step + 1 < total and plain and line_due:
                    eta = (total - step - 1) * (time.monotonic() - session) / max(step + 1 - first_step, 1)
                    acc.print(
                        f"step {step + 1}/{total}  loss {loss:.4f}  {tps:.0f} answer tokens/s  ETA {eta / 60:.1f} min"
                    )
                    last_line = time.monotonic()
                last = step + 1 == total
                timed_out = config.max_minutes is not None and _agree(
                    acc, time.monotonic() - session >= 60 * config.max_minutes
                )
                due = (config.eval_every and (step + 1) % config.eval_every == 0) or last or timed_out
                if due and self._evaluate(state, progress) and not last:
                    stopped, last = "early_stopping", True
                if timed_out and not last:
                    stopped, last = "max_minutes", True
                if last or (config.save_every and (step + 1) % config.save_every == 0):
                    self.checkpointer.save(state)
                if last:
                    break
        return stopped

    def _micro_batches(self, batches: list, lengths: list[int]) -> list:
        """The batches cut to the token budget (one forward/backward pass each)."""
        return [m for b in batches for m in split_batch(b, lengths, self.config.max_batch_tokens)]

    def _step(self, batches: list) -> tuple[float, float, float]:
        """One optimizer step over this process's batches; returns (summed loss, answer tokens, 1.0 if
        the gradients were not finite and the step was skipped else 0.0)."""
        examples = self.train_split.examples
        micro = self._micro_batches(batches, self.train_lengths)
        tensors = [collate(b, examples, self.pad_id, self.loaded.seq2seq) for b in micro]
        window_tokens = sum(int((t["labels"] != IGNORE_INDEX).sum()) for t in tensors)
        loss_sum = 0.0
        try:
            for i, batch in enumerate(tensors):
                sync = i == len(tensors) - 1
                with nullcontext() if sync else self.acc.no_sync(self.model):
                    summed = self._loss(batch)
                    # Per-token mean over the whole accumulation window, whatever the micro-batch sizes.
                    self.acc.backward(summed / max(window_tokens, 1))
                loss_sum += summed.item()
            finite_grads = self._clip()
            if math.isfinite(loss_sum) and finite_grads:
                self.optimizer.step()
                self.scheduler.step()
        except (torch.OutOfMemoryError, RuntimeError) as exc:
            if "out of memory" not in str(exc) and "allocate" not in str(exc):
                raise
            raise MedqaError(
                f"out of memory (batch_size {self.config.batch_size}, max_length {self.config.max_length}, "
                f"max_batch_tokens {self.config.max_batch_tokens}): lower batch_size (raise grad_accum to keep "
                "the effective batch) or max_batch_tokens, lower max_length, "
                "or set gradient_checkpointing: true"
            ) from exc
        finally:
            self.optimizer.zero_grad(set_to_none=True)
        return loss_sum, float(window_tokens), 0.0 if finite_grads else 1.0

    def _clip(self) -> bool:
        """Clip the gradients to max_grad_norm (0: only measure them); False when their norm is not
        finite. Such a step is never applied: it would turn the weights, and every later checkpoint,
        into NaN even where the loss was still finite. Under fp16 the gradient scaler owns that case
        (it skips the step and lowers the scale); DeepSpeed clips inside its engine."""
        from accelerate.utils import DistributedType

        if self.acc.scaler is not None or self.acc.distributed_type == DistributedType.DEEPSPEED:
            if self.config.max_grad_norm:
                self.acc.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
            return True
        norm = self.acc.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm or math.inf)
        return norm is None or bool(torch.isfinite(norm))

    def _loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Summed cross-entropy over the answer tokens of one micro-batch."""
        batch = {k: v.to(self.acc.device) for k, v in batch.items()}
        labels = batch.pop("labels")
        if self.loaded.seq2seq:
            logits = self.model(**batch, labels=labels).logits
            return F.cross_entropy(
                logits.float().flatten(0, 1), labels.flatten(), ignore_index=IGNORE_INDEX, reduction="sum"
            )
        if "position_ids" not in batch:
            # Rows are right-padded, so under the causal mask no real token ever sees padding: the
            # padding mask changes only padded positions, which carry no loss. Without it attention
            # runs as plain causal attention, which skips the masked half (about 2x at 1024 tokens).
            batch.pop("attention_mask", None)
        targets = labels[:, 1:]
        wanted = F.pad(targets != IGNORE_INDEX, (0, 1))  # position t predicts token t+1
        # No cache: besides costing memory, a cache turns off the per-example masks of packed rows.
        if self.keep_logits:  # project only the answer positions onto the vocabulary: ~20% less compute
            logits = self.model(**batch, use_cache=False, logits_to_keep=wanted).logits
        else:
            logits = self.model(**batch, use_cache=False).logits[wanted]
        return F.cross_entropy(logits.float(), targets[wanted[:, :-1]], reduction="sum")

    @torch.no_grad()
    def _evaluate(self, state: TrainState, progress: Any) -> bool:
        """Validation loss on a fixed subset; saves the model when it improves. True: stop early."""
        config, acc = self.config, self.acc
        examples = self.val_split.examples[: config.max_eval_examples]
        if not examples:
            return False
        order = sorted(range(len(examples)), key=lambda i: -len(examples[i].input_ids))
        batches = [[[i] for i in order[j : j + config.batch_size]] for j in range(0, len(order), config.batch_size)]
        batches = self._micro_batches(batches, self.val_lengths)
        self.model.eval()
        loss_sum = tokens = 0.0
        for batch in batches[acc.process_index :: acc.num_processes]:
            tensors = collate(batch, examples, self.pad_id, self.loaded.seq2seq)
            tokens += float((tensors["labels"] != IGNORE_INDEX).sum())
            loss_sum += self._loss(tensors).item()
        self.model.train()
        totals = acc.reduce(torch.tensor([loss_sum, tokens], device=acc.device), "sum")
        loss = (totals[0] / totals[1]).item()
        step = state.step
        self._log({"step": step, "split": "validation", "loss": loss, "elapsed_s": round(state.seconds, 2)})
        improved = state.best_loss is None or loss < state.best_loss
        note = " (best so far)" if improved else ""
        progress.console.print(f"step {step}: validation loss {loss:.4f}{note}", highlight=False)
        if improved:
            state.best_loss, state.best_step, state.bad_evals = loss, step, 0
            self.save_model()
        else:
            state.bad_evals += 1
        patience = config.early_stopping_patience
        return patience is not None and state.bad_evals >= patience

    def save_model(self) -> None:
        """The adapter (or full model) and tokenizer, the weights a finished run is used with."""
        target = self.out / (MODEL_DIR if self.config.method == "full" else ADAPTER_DIR)
        self.checkpointer.save_weights(self.model, self.loaded.tokenizer, target)

    def _log(self, row: dict[str, Any]) -> None:
        if self.metrics is not None:
            with explain_write_errors(self.metrics.path, lambda: kept_note(self.out)):
                self.metrics.add(row)
        if self.config.report_to:  # the same numbers, under the names trackers group by: train/..., eval/...
            prefix = "train" if row["split"] == "train" else "eval"
            scalars = {f"{prefix}/{_TRACKED[k]}": v for k, v in row.items() if k in _TRACKED}
            self.acc.log(scalars, step=row["step"])

    def _fail_nonfinite(self, step: int, loss: float) -> None:
        """Stop on a NaN/inf loss or gradient; that step was not applied, so every checkpoint is finite."""
        if self.metrics is not None:
            with explain_write_errors(self.out / "loss.png"):
                plot_loss(self.metrics.rows, self.out / "loss.png")
        last = complete_checkpoints(self.out)
        kept = f"the last good checkpoint is {last[-1]}" if last else "no checkpoint had been written yet"
        hint = "lower learning_rate" + (
            " or use precision bf16/fp32 instead of fp16" if self.acc.mixed_precision == "fp16" else ""
        )
        what = (
            f"training loss became {loss}" if not math.isfinite(loss) else f"gradients became inf/nan (loss {loss:.4g})"
        )
        raise MedqaError(f"{what} at step {step}; stopped, {kept}. Try again with a {hint}.")


# ------------------------------------------------------------------------------------- setup helpers
# The metrics.jsonl fields sent to trackers, and their names there.
_TRACKED = {"loss": "loss", "lr": "learning_rate", "tokens_per_s": "answer_tokens_per_s", "epoch": "epoch"}
_TRACKER_RUN_NAME = {"mlflow": "run_name", "wandb": "name", "trackio": "name"}  # tensorboard: its folder


def _check_trackers(wanted: list[str]) -> None:
    """Refuse a tracker whose package is missing before anything slow, naming what to install."""
    from accelerate import utils

    for name in wanted:
        if not getattr(utils, f"is_{name}_available")():
            package = "tensorboard" if name == "tensorboard" else name
            raise MedqaError(f"report_to {name} needs the {package} package: pip install {package}")


def _start_trackers(accelerator: Any, config: TrainConfig) -> None:
    """Open the run in every tracker (main process only) with the settings as flat hyperparameters."""
    name = config.run_name or Path(config.out).name
    flat = _flatten(config_to_dict(config))
    kwargs = {tracker: {key: name} for tracker, key in _TRACKER_RUN_NAME.items() if tracker in config.report_to}
    accelerator.init_trackers(config.tracking_project, config=flat, init_kwargs=kwargs)


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys with scalar values (what TensorBoard's hparams accept)."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value if isinstance(value, int | float | str | bool) else str(value)
    return flat


def _resolve_precision(config: TrainConfig) -> str:
    cuda = torch.cuda.is_available()
    if config.precision == "fp16" and not cuda:
        raise MedqaError("precision fp16 needs a CUDA GPU (with a gradient scaler); on CPU use bf16 or fp32")
    if config.precision != "auto":
        if config.precision == "bf16" and not bf16_supported(cuda):
            raise MedqaError("this machine has no bfloat16 support; use precision fp32 (or auto)")
        return config.precision
    return "bf16" if bf16_supported(cuda) else "fp32"


def _load(config: TrainConfig, accelerator: Any) -> LoadedModel:
    if config.method != "qlora":
        return load_model(config.model)
    if not torch.cuda.is_available():
        raise MedqaError("method qlora needs a CUDA GPU (4-bit NF4 through bitsandbytes); on CPU use method lora")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError as exc:
        raise MedqaError("method qlora needs bitsandbytes: pip install 'medqa[gpu]'") from exc
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )
    return load_model(config.model, quantization_config=quant, device_map={"": accelerator.local_process_index})


def _frozen_dtype(config: TrainConfig, precision: str, accelerator: Any) -> torch.dtype | None:
    """bfloat16 for the frozen weights of a LoRA run under bf16 autocast, else None (keep them).

    Autocast would otherwise cast every frozen weight, and the activations between them, to bfloat16
    again in every forward pass (measured: 9% of a CPU step). The adapters stay float32, and so do
    their optimizer states. FSDP and DeepSpeed own the dtypes of what they shard, so they are left alone.
    """
    from accelerate.utils import DistributedType

    sharded = accelerator.distributed_type in (DistributedType.FSDP, DistributedType.DEEPSPEED)
    return torch.bfloat16 if config.method == "lora" and precision == "bf16" and not sharded else None


def _adapt(loaded: LoadedModel, config: TrainConfig, frozen_dtype: torch.dtype | None = None) -> Any:
    """Wrap the model for the chosen method: LoRA/QLoRA adapters, or every weight trainable."""
    model = loaded.model
    if frozen_dtype is not None:
        model.to(frozen_dtype)  # before the adapters exist: peft creates them in float32
    model.config.use_cache = False  # the cache is for generation; in training it only costs memory
    if config.method == "qlora":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if config.method == "full":
        model.train()
        return model
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(
        task_type=TaskType.SEQ_2_SEQ_LM if loaded.seq2seq else TaskType.CAUSAL_LM,
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=_target_modules(model, config.lora.target_modules),
    )
    try:
        model = get_peft_model(model, lora)
    except ValueError as exc:
        raise MedqaError(f"LoRA cannot be applied: {exc}; set lora.target_modules to modules of this model") from exc
    model.train()
    return model


def _target_modules(model: Any, wanted: list[str]) -> list[str] | str:
    if wanted:
        return wanted[0] if wanted == ["all-linear"] else wanted
    names = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}
    for family in ATTENTION_MODULES:
        if set(family) <= names:
            return family
    return "all-linear"


def _optimizer(params: list[torch.nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "paged_adamw_8bit":
        if not torch.cuda.is_available():
            raise MedqaError("optimizer paged_adamw_8bit needs a CUDA GPU (bitsandbytes); use optimizer adamw")
        try:
            import bitsandbytes as bnb
        except ImportError as exc:
            raise MedqaError("optimizer paged_adamw_8bit needs bitsandbytes: pip install 'medqa[gpu]'") from exc
        return bnb.optim.PagedAdamW8bit(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    # The fused kernel is one pass over all parameters instead of a Python loop over them.
    fused = all(p.dtype in (torch.float32, torch.bfloat16, torch.float16) for p in params)
    return torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay, fused=fused)


def _encode(config: TrainConfig, loaded: LoadedModel) -> tuple[EncodedSplit, EncodedSplit]:
    rows = read_split(Path(config.data), "train")
    val_rows = read_split(Path(config.data), "validation")
    if config.max_train_examples:
        rows = rows[: config.max_train_examples]
    args = (config.prompt, loaded.tokenizer, config.max_length, loaded.seq2seq, config.max_answer_tokens)
    train_split = encode_split(rows, *args, grounding=config.grounding, seed=config.seed)
    val_split = encode_split(val_rows, *args)  # closed prompts: validation loss comparable across mixes
    if not train_split.examples:
        raise MedqaError(f"no training example fits in max_length {config.max_length}; raise max_length")
    return train_split, val_split


def _agree(accelerator: Any, flag: bool) -> bool:
    """True on every process when it is true on any (time limits differ slightly across processes)."""
    return bool(accelerator.reduce(torch.tensor([float(flag)], device=accelerator.device), "max").item())


def _progress(enabled: bool) -> tuple[Any, bool]:
    """A rich progress bar (loss, answer tokens/s, ETA) on the main process, and whether the output
    is plain (not a terminal), where periodic log lines replace the live bar."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, quiet=not enabled)
    progress = Progress(
        TextColumn("[bold]train"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}  {task.fields[tps]:.0f} tok/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )
    return progress, enabled and not console.is_terminal


# ------------------------------------------------------------------------------------- finishing
def _info(
    config: TrainConfig, loaded: LoadedModel, train_split: EncodedSplit, val_split: EncodedSplit, world: int
) -> dict:
    report = Path(config.data) / "data_report.json"
    bundled = False
    if report.is_file():
        try:
            bundled = "medquad" in json.dumps(json.loads(report.read_text(encoding="utf-8"))).lower()
        except json.JSONDecodeError:
            bundled = False
    return {
        "base_model": config.model,
        "seq2seq": loaded.seq2seq,
        "data": str(config.data),
        "bundled_data": bundled,
        "train_examples": len(train_split.examples),
        "skipped_train_examples": train_split.skipped,
        "validation_examples": len(val_split.examples),
        "processes": world,
    }


def _finish(
    out: Path,
    config: TrainConfig,
    loaded: LoadedModel,
    state: TrainState,
    info: dict,
    stopped: str,
    metrics: MetricsLog | None,
) -> None:
    rows = metrics.rows if metrics else []
    train_losses = [r["loss"] for r in rows if r["split"] == "train"]
    info.update(
        steps=state.step,
        examples_seen=state.examples,
        minutes=state.seconds / 60,
        stopped=stopped,
        best_validation_loss=state.best_loss,
        best_step=state.best_step,
        first_train_loss=train_losses[0] if train_losses else float("nan"),
        last_train_loss=train_losses[-1] if train_losses else float("nan"),
    )
    with explain_write_errors(out, kept_note(out)):
        plot_loss(rows, out / "loss.png")
        write_model_card(out, info, config_to_dict(config))
        atomic_write_json(out / TRAIN_INFO_FILE, info)  # last: marks the run as finished (sweeps, `medqa ask`)


def _result(out: Path, state: TrainState, stopped: str, rows: list[dict]) -> TrainResult:
    train_rows = [r for r in rows if r["split"] == "train"]
    tps = [r["tokens_per_s"] for r in train_rows[1:]] or [r["tokens_per_s"] for r in train_rows]  # step 1 warms up
    return TrainResult(
        out=out,
        steps=state.step,
        examples_seen=state.examples,
        minutes=state.seconds / 60,
        first_train_loss=train_rows[0]["loss"] if train_rows else float("nan"),
        last_train_loss=train_rows[-1]["loss"] if train_rows else float("nan"),
        best_validation_loss=state.best_loss,
        best_step=state.best_step,
        supervised_tokens_per_s=sum(tps) / len(tps) if tps else 0.0,
        stopped=stopped,
    )
