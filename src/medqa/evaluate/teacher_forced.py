"""Teacher-forced scores of reference answers: answer-token NLL (for perplexity) and accuracy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import torch


@dataclass
class TeacherForcedStats:
    """Per-sample sums over answer tokens only (label != -100)."""

    nll_sums: list[float] = field(default_factory=list)
    token_counts: list[int] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)


@torch.inference_mode()
def teacher_forced_stats(model: torch.nn.Module, batches: Iterable[dict[str, torch.Tensor]]) -> TeacherForcedStats:
    """Score each sample's reference answer under the model.

    Each batch holds `input_ids`, `attention_mask` and `labels` (-100 on prompt and padding), as the
    training encoder makes them. Causal models predict token t+1 from position t; encoder-decoder
    models predict `labels` directly (the decoder input is the shifted labels).
    """
    result = TeacherForcedStats()
    encoder_decoder = bool(getattr(model.config, "is_encoder_decoder", False))
    device = next(model.parameters()).device
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        labels = batch["labels"]
        if encoder_decoder:
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).logits
            targets = labels
        else:
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
            targets = labels[:, 1:]
        logits = logits.float()  # (B, T, V): the log-softmax in float32 even when the model runs in bf16
        mask = targets != -100
        safe_targets = targets.clamp(min=0)
        log_probs = torch.log_softmax(logits, dim=-1)
        token_nll = -log_probs.gather(-1, safe_targets.unsqueeze(-1)).squeeze(-1)  # (B, T)
        hits = (logits.argmax(dim=-1) == safe_targets) & mask
        result.nll_sums.extend((token_nll * mask).sum(dim=1).tolist())
        result.token_counts.extend(mask.sum(dim=1).tolist())
        result.correct.extend(hits.sum(dim=1).tolist())
    return result
