"""Bootstrap confidence intervals for one system, and the paired bootstrap between two."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medqa.evaluate.metrics import MetricStats


def resample_indices(n_samples: int, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_resamples, n_samples) row indices drawn with replacement; the same seed gives the same draws."""
    return np.random.default_rng(seed).integers(0, n_samples, size=(n_resamples, n_samples))


def bootstrap_values(metric: MetricStats, indices: np.ndarray) -> np.ndarray:
    """The metric on every resample: sum the resampled rows' statistics, then aggregate."""
    totals = metric.stats[indices].sum(axis=1)  # (n_resamples, k)
    return np.array([metric.aggregate(total) for total in totals])


def bootstrap_interval(
    metric: MetricStats, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the metric."""
    if len(metric.stats) == 0:
        return (float("nan"), float("nan"))
    values = bootstrap_values(metric, resample_indices(len(metric.stats), n_resamples, seed))
    alpha = (1.0 - confidence) / 2
    return float(np.nanquantile(values, alpha)), float(np.nanquantile(values, 1 - alpha))


@dataclass
class PairedComparison:
    """System A minus system B on the same samples."""

    metric: str
    difference: float
    ci_low: float
    ci_high: float
    a_better_share: float  # share of resamples in which A beats B (respecting the metric's direction)


def paired_bootstrap(
    a: MetricStats, b: MetricStats, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> PairedComparison:
    """Paired bootstrap (Koehn 2004): both systems are scored on the same resampled rows."""
    if a.stats.shape[0] != b.stats.shape[0]:
        raise ValueError(f"{a.name}: the systems were scored on {a.stats.shape[0]} and {b.stats.shape[0]} samples")
    indices = resample_indices(len(a.stats), n_resamples, seed)
    diffs = bootstrap_values(a, indices) - bootstrap_values(b, indices)
    alpha = (1.0 - confidence) / 2
    wins = diffs > 0 if a.higher_is_better else diffs < 0
    return PairedComparison(
        metric=a.name,
        difference=a.value() - b.value(),
        ci_low=float(np.nanquantile(diffs, alpha)),
        ci_high=float(np.nanquantile(diffs, 1 - alpha)),
        a_better_share=float(np.mean(wins)),
    )
