"""Evaluation: generate answers, score them with real metrics and intervals, compare systems."""
