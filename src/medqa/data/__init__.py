"""The data stage: read, clean, group, split without leakage, audit, report."""

from medqa.data.prepare import DataConfig, PreparedData, build_dataset, prepare

__all__ = ["DataConfig", "PreparedData", "build_dataset", "prepare"]
