"""Where a cited page lives today. MedQuAD's addresses are those of 2017: some NIH sites moved since.

Only moves that NIH made site-wide, page for page, and that it redirects itself are mapped:

- Genetics Home Reference became MedlinePlus Genetics in 2020:
  `ghr.nlm.nih.gov/condition/X` -> `medlineplus.gov/genetics/condition/X/` (also `/gene/`).
- MedlinePlus left the NLM site in 2015: `www.nlm.nih.gov/medlineplus/X.html` -> `medlineplus.gov/X.html`.

NIHSeniorHealth was retired in 2018 with no page-for-page successor (its topics went to the National
Institute on Aging and to MedlinePlus, reorganised): its addresses are kept, marked as retired, so a
reader knows why the link no longer opens rather than being sent to a guessed page. The address in
the corpus (the data) is never changed: callers show both where they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CORPUS_SNAPSHOT = "2017"  # when MedQuAD's pages were collected (Ben Abacha & Demner-Fushman, 2019)

_MOVED = [
    (
        re.compile(r"^https?://ghr\.nlm\.nih\.gov/(condition|gene)/([\w-]+)/?$"),
        r"https://medlineplus.gov/genetics/\1/\2/",
    ),
    (re.compile(r"^https?://(?:www\.)?nlm\.nih\.gov/medlineplus/([\w./-]+\.html)$"), r"https://medlineplus.gov/\1"),
]
_RETIRED = {
    "nihseniorhealth.gov": "NIHSeniorHealth was retired in 2018; its topics are now on nia.nih.gov and medlineplus.gov",
}


@dataclass(frozen=True)
class SourceLink:
    """A cited page: the address to open today, the address in the corpus, and a note when it is retired."""

    url: str
    original_url: str
    retired: str = ""  # why the page no longer opens, when its site was retired without a successor

    @property
    def moved(self) -> bool:
        return self.url != self.original_url


def source_link(url: str) -> SourceLink:
    """The current address of a corpus page (the same address when it did not move or is unknown)."""
    clean = url.strip()
    for pattern, replacement in _MOVED:
        if pattern.match(clean):
            return SourceLink(pattern.sub(replacement, clean), url)
    host = re.sub(r"^https?://(www\.)?", "", clean).split("/")[0].lower()
    return SourceLink(url, url, _RETIRED.get(host, ""))


def current_url(url: str) -> str:
    """Just the address to open today (see `source_link`)."""
    return source_link(url).url
