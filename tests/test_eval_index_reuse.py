"""The evaluation's training-only index borrows vectors from an index already built, never passages."""

import numpy as np

from fakes import ROWS, OneHotEmbedder
from medqa.evaluate.grounded import ReusedVectors
from medqa.retrieval.corpus import passages_from_rows
from medqa.retrieval.index import Index


class CountingEmbedder(OneHotEmbedder):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts)


def test_known_texts_reuse_the_donor_vectors_and_only_new_ones_are_embedded() -> None:
    donor = Index.build(passages_from_rows(ROWS[:3]), OneHotEmbedder())
    counting = CountingEmbedder()
    reused = ReusedVectors(donor, counting)
    train = passages_from_rows([ROWS[0], ROWS[4]])  # one passage the donor has, one it lacks
    index = Index.build(train, reused)
    assert reused.reused == 1  # (the index also embeds a probe text of its own)
    assert train[1].index_text() in counting.seen and train[0].index_text() not in counting.seen
    expected = OneHotEmbedder().encode([p.index_text() for p in train])
    np.testing.assert_allclose(index.vectors, expected)
    assert [p.question for p in index.passages] == ["What is asthma?", "What is anemia?"]  # the donor's others stay out
    assert index.meta["embedder"] == OneHotEmbedder.name
