"""medqa: turn a medical question/answer dataset into a trustworthy, grounded assistant."""

__version__ = "0.1.0"
