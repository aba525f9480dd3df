"""Fine-tuning: `train(TrainConfig(...)) -> TrainResult` (LoRA, QLoRA or full; one process or many)."""

from medqa.train.config import LoraSettings, TrainConfig
from medqa.train.loop import TrainResult, train

__all__ = ["LoraSettings", "TrainConfig", "TrainResult", "train"]
