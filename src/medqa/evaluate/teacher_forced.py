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
        mask = targets != -100
        # Only answer positions are scored: the (tokens, vocabulary) log-softmax in float32 is the
        # costly part, and prompt and padding positions would only be thrown away.
        rows = mask.nonzero(as_tuple=True)[0]
        answer_logits = logits[mask].float()  # (N, V) even when the model runs in bf16
        answer_targets = targets[mask]
        token_nll = -torch.log_softmax(answer_logits, dim=-1).gather(-1, answer_targets.unsqueeze(-1)).squeeze(-1)
        hits = (answer_logits.argmax(dim=-1) == answer_targets).to(torch.float64)
        size = labels.shape[0]
        zeros = torch.zeros(size, dtype=torch.float64, device=rows.device)
        result.nll_sums.extend(zeros.index_add(0, rows, token_nll.to(torch.float64)).tolist())
        result.token_counts.extend(mask.sum(dim=1).tolist())
        result.correct.extend(int(x) for x in zeros.index_add(0, rows, hits).tolist())
    return result
