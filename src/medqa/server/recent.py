"""The structured answers of the last requests, in memory, for `GET /api/answers/{id}`.

Clients that keep only the fields they know (LangChain's `ChatOpenAI`, many SDK wrappers) drop
the extension field `medqa`; what they do keep is the completion's `id`. Each answer is kept under
that id and under its answer id, for the last `max_answers` answers (least recent forgotten
first), so memory stays bounded (~10 kB an answer). Each replica keeps its own: behind a load
balancer, ask the replica that answered (sticky sessions) or read `medqa` from the response itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class RecentAnswers:
    """The last `max_answers` structured answers, each found by any of its ids."""

    def __init__(self, max_answers: int) -> None:
        self.max_answers = max_answers
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()  # answer id -> structured answer
        self._aliases: dict[str, str] = {}  # completion id -> answer id
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def add(self, completion_id: str, answer: dict[str, Any]) -> None:
        """Keep `answer` (the `medqa` field, with its `id`) under its own id and `completion_id`."""
        if self.max_answers == 0:
            return
        answer_id = str(answer["id"])
        with self._lock:
            self._answers[answer_id] = {**answer, "completion_id": completion_id}
            self._answers.move_to_end(answer_id)
            self._aliases[completion_id] = answer_id
            while len(self._answers) > self.max_answers:
                _, forgotten = self._answers.popitem(last=False)
                self._aliases.pop(forgotten["completion_id"], None)

    def get(self, any_id: str) -> dict[str, Any] | None:
        """The answer with this answer id or completion id, if it is still kept."""
        with self._lock:
            return self._answers.get(self._aliases.get(any_id, any_id))
