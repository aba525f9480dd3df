"""Near-duplicate text detection: MinHash signatures, LSH candidates, exact Jaccard to confirm.

One implementation serves both the grouping (pairs within a dataset) and the leakage audit
(pairs across splits), so the audit checks exactly the notion of "near-duplicate" the split used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from datasketch import LeanMinHash, MinHash, MinHashLSH

CANDIDATE_MARGIN = 0.15
_NON_WORD = re.compile(r"[^0-9a-z]+")
# An abbreviation in parentheses, "(ADNFLE)", "(P.A.D.)", "(HeV)": one token of letters with at least two
# capitals. Not "(are)", "(Swine Flu)", "(BRCA1)" (a digit names one gene of several) nor "(II)" (a type).
_ABBREVIATION = re.compile(r"\(\s*(?![IVX]+\s*\))(?=[a-z.&/-]*[A-Z][a-z.&/-]*[A-Z])[A-Za-z.&/-]{2,15}\s*\)")
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize_for_matching(text: str) -> str:
    """Lower case, punctuation and spacing removed: 'What is (are) Gout ?' -> 'what is are gout'."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


def matching_key(text: str) -> str:
    """The key under which two spellings of one text are the same: case, accents, spaces, hyphens and
    other punctuation, and abbreviations in parentheses ignored. 'Branchio-oculo-facial syndrome',
    'Branchiooculofacial Syndrome' and 'branchiooculofacial syndrome (BOFS)' all give
    'branchiooculofacialsyndrome'. Letters and digits of any script count, so non-Latin text has a key.
    """
    text = _ABBREVIATION.sub(" ", text).casefold()
    if text.isascii():
        return _NOT_ALNUM.sub("", text)
    # Accents on Latin letters go ('Ménière' = 'Meniere'); marks that are part of a letter of another
    # script (Devanagari vowel signs, ...) stay.
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.category(ch).startswith("M"):
            if kept and kept[-1] >= "\u0250":
                kept.append(ch)
        elif ch.isalnum():
            kept.append(ch)
    return "".join(kept)


def char_shingles(text: str, k: int = 5) -> frozenset[bytes]:
    """Character k-grams of the normalised text (good for short texts such as questions)."""
    norm = normalize_for_matching(text)
    if len(norm) <= k:
        return frozenset([norm.encode()])
    return frozenset(norm[i : i + k].encode() for i in range(len(norm) - k + 1))


def word_shingles(text: str, k: int = 3) -> frozenset[bytes]:
    """Word k-grams of the normalised text (good for long texts such as answers)."""
    words = normalize_for_matching(text).split()
    if len(words) <= k:
        return frozenset([" ".join(words).encode()])
    return frozenset(" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1))


@dataclass
class Sketches:
    """Shingle sets and their MinHash signatures for a list of texts."""

    shingles: list[frozenset[bytes]]
    signatures: list[LeanMinHash]


def sketch(
    texts: Sequence[str],
    shingler: Callable[[str], frozenset[bytes]],
    num_perm: int = 128,
    progress: Callable[[int], None] | None = None,
) -> Sketches:
    """Shingle and MinHash every text (seeded, so the same text always gets the same signature)."""
    shingles: list[frozenset[bytes]] = []
    signatures: list[LeanMinHash] = []
    batch = 1000
    for start in range(0, len(texts), batch):
        chunk = [shingler(t) for t in texts[start : start + batch]]
        shingles.extend(chunk)
        signatures.extend(MinHash.bulk(chunk, num_perm=num_perm, seed=1))
        if progress:
            progress(len(chunk))
    return Sketches(shingles, signatures)


def jaccard(a: frozenset[bytes], b: frozenset[bytes]) -> float:
    if not a and not b:
        return 1.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def near_duplicate_pairs(
    left: Sketches, threshold: float, right: Sketches | None = None, num_perm: int = 128
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) with Jaccard >= threshold.

    Without `right`: pairs inside `left` with i < j. With `right`: pairs of left[i] and right[j].
    LSH proposes candidates; each is confirmed with the exact Jaccard of the shingle sets.
    """
    target = right if right is not None else left
    # LSH tuned at the threshold itself misses many pairs just above it; asking it for candidates
    # from a lower similarity costs a few more exact checks and makes misses rare.
    lsh = MinHashLSH(threshold=max(threshold - CANDIDATE_MARGIN, 0.2), num_perm=num_perm)
    with lsh.insertion_session() as session:
        for j, signature in enumerate(target.signatures):
            session.insert(j, signature, check_duplication=False)
    pairs: list[tuple[int, int, float]] = []
    for i, signature in enumerate(left.signatures):
        for j in lsh.query(signature):
            if right is None and j <= i:
                continue
            similarity = jaccard(left.shingles[i], target.shingles[j])
            if similarity >= threshold:
                pairs.append((i, j, similarity))
    return sorted(pairs)
