"""Metrics on hand-made strings and models with known values."""

import math

import numpy as np
import pytest
import torch

from medqa.evaluate.bootstrap import bootstrap_interval, paired_bootstrap
from medqa.evaluate.metrics import (
    bleu_metric,
    length_metric,
    mean_metric,
    perplexity_metric,
    rouge_metrics,
    token_accuracy_metric,
)
from medqa.evaluate.teacher_forced import teacher_forced_stats

REFS = ["Gout is a form of arthritis caused by uric acid crystals.", "Asthma is treated with inhalers."]


def test_rouge_of_identical_strings_is_one_and_disjoint_is_zero() -> None:
    same = {m.name: m.value() for m in rouge_metrics(REFS, REFS)}
    assert same == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    disjoint = {m.name: m.value() for m in rouge_metrics(["zebra xylophone", "quantum banana"], REFS)}
    assert disjoint == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_rouge_uses_stemming() -> None:
    rouge1 = rouge_metrics(["inhalers treating asthma"], ["inhaler treats asthma"])[0]
    assert rouge1.value() == pytest.approx(1.0)


def test_bleu_identical_is_one_disjoint_is_zero() -> None:
    assert bleu_metric(REFS, REFS).value() == pytest.approx(1.0)
    assert bleu_metric(["zebra xylophone quantum banana", "a b c d e"], REFS).value() == 0.0


def test_corpus_bleu_matches_sacrebleu() -> None:
    import sacrebleu

    predictions = ["Gout is arthritis from uric acid crystals.", "Asthma is treated with an inhaler."]
    expected = sacrebleu.corpus_bleu(predictions, [REFS]).score / 100
    assert bleu_metric(predictions, REFS).value() == pytest.approx(expected)


def test_length_metric_counts_words() -> None:
    assert length_metric(["one two three", "four"]).value() == 2.0


def test_bootstrap_interval_contains_the_point_estimate() -> None:
    rng = np.random.default_rng(0)
    metric = mean_metric("score", rng.uniform(0, 1, size=200).tolist())
    low, high = bootstrap_interval(metric)
    assert low < metric.value() < high
    assert high - low < 0.2
    predictions = ["Gout is arthritis.", "Asthma is treated with inhalers.", "Flu is a virus."] * 10
    references = [REFS[0], REFS[1], "Influenza is a viral infection."] * 10
    bleu = bleu_metric(predictions, references)
    low, high = bootstrap_interval(bleu)
    assert low <= bleu.value() <= high


def test_paired_bootstrap_prefers_the_better_system() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 0.5, size=100)
    better = mean_metric("rougeL", (base + 0.2).tolist())
    worse = mean_metric("rougeL", base.tolist())
    comparison = paired_bootstrap(better, worse)
    assert comparison.difference == pytest.approx(0.2)
    assert comparison.ci_low > 0 and comparison.a_better_share == 1.0
    lower_is_better = paired_bootstrap(perplexity_metric([1.0] * 10, [1] * 10), perplexity_metric([2.0] * 10, [1] * 10))
    assert lower_is_better.a_better_share == 1.0


class UniformModel(torch.nn.Module):
    """Every next token equally likely: perplexity must equal the vocabulary size."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.config = type("Config", (), {"is_encoder_decoder": False})()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> object:
        logits = torch.zeros(*input_ids.shape, self.vocab_size) + self.anchor
        return type("Output", (), {"logits": logits})()


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size() -> None:
    input_ids = torch.tensor([[5, 6, 7, 8, 9], [5, 6, 7, 0, 0]])
    labels = torch.tensor([[-100, -100, 7, 8, 9], [-100, 6, 7, -100, -100]])
    batch = {"input_ids": input_ids, "attention_mask": (labels != -200).long(), "labels": labels}
    stats = teacher_forced_stats(UniformModel(vocab_size=50), [batch])
    assert stats.token_counts == [3, 2]  # the first label is never predicted (nothing precedes it)
    perplexity = perplexity_metric(stats.nll_sums, stats.token_counts)
    assert perplexity.value() == pytest.approx(50.0, rel=1e-5)
    assert math.isclose(stats.nll_sums[0], 3 * math.log(50), rel_tol=1e-5)
    accuracy = token_accuracy_metric(stats.correct, stats.token_counts)
    assert 0.0 <= accuracy.value() <= 1.0
