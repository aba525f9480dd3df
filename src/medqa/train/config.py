"""Training settings: one dataclass with a comment per field, validated as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from medqa.config import check, raise_problems
from medqa.models import BUNDLED_MODEL
from medqa.prompt import Decoding, PromptTemplate

TRACKING_DIR = "tracking"  # RUN/tracking: the trackers' local files (TensorBoard event files)
Tracker = Literal["tensorboard", "trackio", "mlflow", "wandb"]


@dataclass
class LoraSettings:
    """Low-rank adapter settings (method lora or qlora)."""

    r: int = 16
    """Adapter rank."""
    alpha: int = 32
    """Scaling numerator (the update is scaled by alpha / r)."""
    dropout: float = 0.05
    """Dropout on the adapter input."""
    target_modules: list[str] = field(default_factory=list)
    """Module names to adapt; empty: the attention projections of the architecture; ["all-linear"]: all."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.r >= 1, f"'lora.r' must be >= 1, got {self.r}")
        check(problems, self.alpha >= 1, f"'lora.alpha' must be >= 1, got {self.alpha}")
        check(problems, 0.0 <= self.dropout < 1.0, f"'lora.dropout' must be in [0, 1), got {self.dropout}")
        raise_problems(problems, "lora settings")


@dataclass
class GroundingSettings:
    """Grounded (retrieval-augmented) training examples, mixed with closed ones (see `train.grounding`)."""

    fraction: float = 0.0
    """Share of the training examples asked with passages, like the assistant asks: the question, its
    own answer's passages among distractors from other topics of the training split (0: all closed)."""
    passages: int = 3
    """Passages per grounded prompt, as many as the assistant gives the model (its `k`): up to
    passages - 1 chunks of the example's own answer, the rest distractors. An answer with more chunks
    is taught up to the end of the last chunk shown, so the target never says what no passage says."""
    max_words: int = 120
    """Passage length in words, cut as the index cuts the corpus (`retrieval.corpus.chunk_answer`)."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, 0.0 <= self.fraction <= 1.0, f"'grounding.fraction' must be in [0, 1], got {self.fraction}")
        check(
            problems, self.passages >= 2, f"'grounding.passages' must be >= 2 (own + distractor), got {self.passages}"
        )
        check(problems, self.max_words >= 20, f"'grounding.max_words' must be >= 20, got {self.max_words}")
        raise_problems(problems, "grounding settings")


@dataclass
class TrainConfig:
    """Everything `medqa train` needs. Defaults suit the bundled model on a laptop CPU."""

    model: str = BUNDLED_MODEL
    """'smollm2-135m' (bundled), a local transformers folder, or a Hugging Face id (downloads)."""
    data: str = "runs/data"
    """Folder with train.jsonl and validation.jsonl (from `medqa data prepare`)."""
    out: str = "runs/train"
    """Run folder: adapter, checkpoints, metrics, plots, model card."""
    overwrite: bool = False
    """Replace `out` if it exists."""
    resume: bool = False
    """Continue from the newest complete checkpoint in `out` (same data order, optimizer, scheduler and
    RNG state). Settings that shape the run must match `out/config.yaml` (`--config` it to be sure)."""

    method: Literal["lora", "qlora", "full"] = "lora"
    """lora: adapters on a frozen model; qlora: same on a 4-bit NF4 model (CUDA only); full: all weights."""
    lora: LoraSettings = field(default_factory=LoraSettings)
    """Adapter settings (lora and qlora)."""
    prompt: PromptTemplate = field(default_factory=PromptTemplate)
    """The prompt template, saved as RUN/prompt.yaml and reused by evaluation and serving."""
    generation: Decoding = field(default_factory=Decoding)
    """How the trained model's answers are decoded, saved as RUN/generation.yaml for evaluation and serving."""
    grounding: GroundingSettings = field(default_factory=GroundingSettings)
    """The mix of grounded (with passages) and closed training prompts. Validation loss is always
    computed on closed prompts, so it stays comparable across mixes."""

    max_length: int = 1024
    """Longest example in tokens (prompt + answer); longer answers are cut. 1024 keeps 97.5% of
    MedQuAD answers whole (384 would cut 24% of them)."""
    max_answer_tokens: int | None = None
    """Longest answer taught, in tokens: a longer one ends at its last sentence end within it (and keeps
    its end marker). Shorter examples make cheaper steps; None: only max_length cuts."""
    batching: Literal["group", "pack"] = "group"
    """group: batches of similar length, padded only to their longest; pack: several examples per row
    with attention kept inside each example (decoder-only models)."""
    batch_size: int = 8
    """Examples (or packed rows) per batch per process; grad_accum batches make one optimizer step."""
    grad_accum: int = 1
    """Batches per optimizer step."""
    max_batch_tokens: int | None = 4096
    """Token budget of one forward/backward pass: a batch whose padded size (rows x longest row) exceeds
    it runs as several micro-batches, the loss still averaged over all its answer tokens. Bounds memory
    whatever the lengths (4096: about 8 GB for the bundled model); a single longer row runs alone.
    None: a batch is one pass."""
    epochs: float = 1.0
    """Passes over the training split (fractions allowed); max_steps wins when smaller."""
    max_steps: int | None = None
    """Stop after this many optimizer steps."""
    max_minutes: float | None = None
    """Stop (and save) after this much training time."""
    max_train_examples: int | None = None
    """Use only the first N training examples (quick runs)."""

    learning_rate: float = 2e-4
    """Peak learning rate."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    schedule: Literal["cosine", "linear", "constant"] = "cosine"
    """Learning-rate decay after warmup (constant: none)."""
    warmup_ratio: float = 0.05
    """Fraction of the steps spent warming up linearly."""
    min_lr_ratio: float = 0.0
    """Floor of the decay, as a fraction of learning_rate: a short run that is stopped early by its
    time limit still learns at its end (0: decay to zero at the last step)."""
    optimizer: Literal["adamw", "paged_adamw_8bit"] = "adamw"
    """adamw (torch, fused where possible) or paged_adamw_8bit (bitsandbytes, CUDA only)."""
    max_grad_norm: float = 1.0
    """Gradient clipping (0 disables)."""

    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    """auto: bfloat16 autocast where the CPU/GPU supports it, else float32. fp16 (CUDA) uses a grad scaler."""
    gradient_checkpointing: bool = False
    """Recompute activations in backward: about half the memory, about a third more time."""

    eval_every: int = 50
    """Validation loss every N optimizer steps (0: only at the end)."""
    max_eval_examples: int = 256
    """Validation examples used for each evaluation (a fixed subset, so the curve is comparable)."""
    save_every: int = 100
    """Resumable checkpoint every N optimizer steps (0: only at the end)."""
    keep_checkpoints: int = 2
    """How many resumable checkpoints to keep (the newest)."""
    early_stopping_patience: int | None = None
    """Stop when validation loss has not improved for this many evaluations."""
    log_every: int = 10
    """Progress line every N steps (and at least every ~10 s) when the output is not a terminal."""
    report_to: list[Tracker] = field(default_factory=list)
    """Experiment trackers (Accelerate's) that get the training loss, learning rate, answer tokens/s and
    the validation loss at every step, and the settings: tensorboard (event files in RUN/tracking),
    trackio, mlflow, wandb. Each needs its own package; their offline modes are their own settings
    (MLFLOW_TRACKING_URI, WANDB_MODE=offline, ...)."""
    run_name: str | None = None
    """The run's name in the trackers; None: the name of the `out` folder."""
    tracking_project: str = "medqa"
    """The project (TensorBoard folder, MLflow experiment, W&B or trackio project) runs are logged under."""
    seed: int = 42
    """Seed for the adapter initialisation and the data order."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        check(problems, self.max_length >= 32, f"'max_length' must be >= 32, got {self.max_length}")
        check(problems, self.batch_size >= 1, f"'batch_size' must be >= 1, got {self.batch_size}")
        check(problems, self.grad_accum >= 1, f"'grad_accum' must be >= 1, got {self.grad_accum}")
        check(
            problems,
            self.max_batch_tokens is None or self.max_batch_tokens >= 1,
            f"'max_batch_tokens' must be >= 1, got {self.max_batch_tokens}",
        )
        check(problems, self.epochs > 0, f"'epochs' must be > 0, got {self.epochs}")
        check(problems, self.max_steps is None or self.max_steps >= 1, "'max_steps' must be >= 1")
        check(problems, self.max_minutes is None or self.max_minutes > 0, "'max_minutes' must be > 0")
        check(
            problems,
            self.max_train_examples is None or self.max_train_examples >= 1,
            "'max_train_examples' must be >= 1",
        )
        check(problems, self.learning_rate > 0, f"'learning_rate' must be > 0, got {self.learning_rate}")
        check(problems, self.weight_decay >= 0, "'weight_decay' must be >= 0")
        check(problems, 0 <= self.warmup_ratio < 1, f"'warmup_ratio' must be in [0, 1), got {self.warmup_ratio}")
        check(problems, 0 <= self.min_lr_ratio <= 1, f"'min_lr_ratio' must be in [0, 1], got {self.min_lr_ratio}")
        check(
            problems,
            self.max_answer_tokens is None or self.max_answer_tokens >= 8,
            f"'max_answer_tokens' must be >= 8, got {self.max_answer_tokens}",
        )
        check(
            problems,
            self.max_answer_tokens is None or self.generation.max_new_tokens >= self.max_answer_tokens,
            f"'generation.max_new_tokens' ({self.generation.max_new_tokens}) must leave room for the answers "
            f"taught ('max_answer_tokens' {self.max_answer_tokens})",
        )
        check(problems, self.max_grad_norm >= 0, "'max_grad_norm' must be >= 0")
        for name in ("eval_every", "save_every", "max_eval_examples"):
            check(problems, getattr(self, name) >= 0, f"'{name}' must be >= 0")
        check(problems, self.keep_checkpoints >= 1, "'keep_checkpoints' must be >= 1")
        check(problems, self.log_every >= 1, "'log_every' must be >= 1")
        check(
            problems,
            self.early_stopping_patience is None or self.early_stopping_patience >= 1,
            "'early_stopping_patience' must be >= 1",
        )
        check(problems, not (self.resume and self.overwrite), "'resume' and 'overwrite' exclude each other")
        check(problems, bool(self.tracking_project.strip()), "'tracking_project' must not be empty")
        raise_problems(problems, "training config")
