"""Cited pages at their current addresses: the retired hosts MedQuAD's 2017 snapshot points to are
mapped where NIH moved them page for page, the original address is kept, and the rest is left alone."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter

import pytest
from rich.console import Console

from medqa.assistant.answer import Answer, Citation
from medqa.assistant.triage import DISCLAIMER
from medqa.chat import show_sources
from medqa.resources import bundled_medquad
from medqa.retrieval.sources import current_url, source_link


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "https://ghr.nlm.nih.gov/condition/aarskog-scott-syndrome",
            "https://medlineplus.gov/genetics/condition/aarskog-scott-syndrome/",
        ),
        ("http://ghr.nlm.nih.gov/gene/BRCA1/", "https://medlineplus.gov/genetics/gene/BRCA1/"),
        ("https://www.nlm.nih.gov/medlineplus/abdominalpain.html", "https://medlineplus.gov/abdominalpain.html"),
        (
            "https://www.nlm.nih.gov/medlineplus/ency/article/000001.html",
            "https://medlineplus.gov/ency/article/000001.html",
        ),
        # not moved, or no known page-for-page successor: unchanged
        ("https://www.cancer.gov/types/breast/patient/breast-treatment-pdq", None),
        ("https://ghr.nlm.nih.gov/primer/basics", None),
        ("https://www.nlm.nih.gov/news/index.html", None),
        ("http://nihseniorhealth.gov/glaucoma/toc.html", None),
    ],
)
def test_moved_pages_get_their_current_address_and_keep_the_original(old: str, new: str | None) -> None:
    link = source_link(old)
    assert link.original_url == old
    assert link.url == (new or old) and current_url(old) == link.url
    assert link.moved == (new is not None)


def test_a_retired_site_is_kept_and_said_to_be_retired() -> None:
    link = source_link("http://nihseniorhealth.gov/glaucoma/toc.html")
    assert not link.moved and "retired in 2018" in link.retired
    assert source_link("https://www.cancer.gov/types").retired == ""


def test_every_bundled_ghr_and_medlineplus_page_is_mapped() -> None:
    """The whole bundled corpus: which hosts are mapped, and that no mapped address is malformed."""
    moved, hosts = Counter(), Counter()
    with gzip.open(bundled_medquad(), "rt", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            link = source_link(row["url"])
            host = row["url"].split("/")[2]
            hosts[host] += 1
            if link.moved:
                moved[host] += 1
                assert link.url.startswith("https://medlineplus.gov/") and " " not in link.url
    assert moved["ghr.nlm.nih.gov"] == hosts["ghr.nlm.nih.gov"] > 5000
    assert moved["www.nlm.nih.gov"] == hosts["www.nlm.nih.gov"] > 900
    assert set(moved) == {"ghr.nlm.nih.gov", "www.nlm.nih.gov"}


def test_the_terminal_shows_the_current_address_and_the_original() -> None:
    ghr = "https://ghr.nlm.nih.gov/condition/marfan-syndrome"
    senior = "http://nihseniorhealth.gov/glaucoma/toc.html"
    citations = [
        Citation(1, ghr, "Marfan syndrome", 1, "Marfan syndrome affects connective tissue."),
        Citation(2, senior, "Glaucoma", 2, "Glaucoma damages the optic nerve."),
    ]
    out = io.StringIO()
    show_sources(Answer("a", "x", citations, "none", "none", False, DISCLAIMER), Console(file=out, width=200))
    text = out.getvalue()
    assert "[1] Marfan syndrome - https://medlineplus.gov/genetics/condition/marfan-syndrome/" in text
    assert f"(first published at {ghr})" in text
    assert f"[2] Glaucoma - {senior}" in text and "NIHSeniorHealth was retired in 2018" in text
