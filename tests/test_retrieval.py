"""Hybrid retrieval: exact top-1 with a one-hot fake embedder, persistence, chunking, inputs, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fakes import ROWS, OneHotEmbedder
from medqa.errors import MedqaError
from medqa.retrieval.corpus import Passage, chunk_answer, passages_from_rows, read_corpus
from medqa.retrieval.index import Index, IndexConfig, QuestionRanker, build_index


def test_exact_top1_passage(index: Index) -> None:
    hits = index.retrieve("which insulin dose for diabetes", k=3)
    assert hits[0].url == "https://ex.org/diabetes"
    assert hits[0].row_id == "1" and hits[0].title == "Diabetes"
    assert hits[0].text == "Diabetes means high blood sugar. Insulin lowers it."
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert index.retrieve("eye pressure glaucoma", k=1)[0].url == "https://ex.org/glaucoma"


def test_retrieve_edge_cases(index: Index) -> None:
    assert index.retrieve("   ", k=5) == []
    assert len(index.retrieve("anemia", k=50)) <= len(ROWS)  # k larger than the corpus
    assert index.retrieve("zzzz qqqq", k=2)  # no known word: the dense side still ranks


def test_persist_and_reload_give_same_results(index: Index, tmp_path: Path) -> None:
    index.persist(tmp_path / "idx")
    loaded = Index.load(tmp_path / "idx", OneHotEmbedder())
    assert isinstance(loaded.vectors, np.memmap)
    for query in ("asthma inhaler", "headache", "iron anemia", "blood"):
        assert loaded.retrieve(query, k=3) == index.retrieve(query, k=3)


def test_persist_refuses_existing_folder_without_overwrite(index: Index, tmp_path: Path) -> None:
    (tmp_path / "idx").mkdir()
    with pytest.raises(MedqaError, match="already exists"):
        index.persist(tmp_path / "idx")
    index.persist(tmp_path / "idx", overwrite=True)
    assert (tmp_path / "idx" / "index.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_load_rejects_a_folder_that_is_not_an_index_or_another_embedder(index: Index, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(MedqaError, match="not a medqa index"):
        Index.load(tmp_path / "plain", OneHotEmbedder())
    with pytest.raises(MedqaError, match="does not exist"):
        Index.load(tmp_path / "missing", OneHotEmbedder())
    index.persist(tmp_path / "idx")
    with pytest.raises(MedqaError, match="built with the embedder 'fake-onehot'"):
        Index.load(tmp_path / "idx")


def test_chunking_cuts_on_paragraphs_and_keeps_provenance() -> None:
    paragraphs = [" ".join(f"w{p}_{i}" for i in range(30)) for p in range(5)]
    row = {
        "question": "Q?",
        "answer": "\n\n".join(paragraphs),
        "url": "https://ex.org/q",
        "focus": "Topic",
        "qid": "x9",
    }
    passages = passages_from_rows([row], max_words=70)
    assert len(passages) == 3  # 30+30 | 30+30 | 30 words
    assert passages[0].text == f"{paragraphs[0]} {paragraphs[1]}"
    assert {(p.url, p.title, p.row_id, p.question) for p in passages} == {("https://ex.org/q", "Topic", "0", "Q?")}
    assert [p.chunk for p in passages] == [0, 1, 2]


def test_chunk_answer_splits_an_overlong_paragraph_on_sentences() -> None:
    text = " ".join(f"Sentence {i} has five words." for i in range(20))  # 100 words, one paragraph
    chunks = chunk_answer(text, max_words=25)
    assert all(len(c.split()) <= 25 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == text


def test_passages_skip_rows_without_answer_and_exact_repeats() -> None:
    rows = [ROWS[0], ROWS[0], {"question": "Empty?", "answer": "  "}, {"question": "", "answer": "x"}]
    passages = passages_from_rows(rows)
    assert [p.row_id for p in passages] == ["0"]


def _write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_data_folder_indexes_train_only_unless_all_splits(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "train.jsonl", ROWS[:3])
    _write_jsonl(tmp_path / "test.jsonl", ROWS[3:])
    rows = read_corpus(tmp_path)
    assert [r["question"] for r in rows] == [r["question"] for r in ROWS[:3]]
    assert [p.row_id for p in passages_from_rows(rows)] == ["train:0", "train:1", "train:2"]
    assert len(read_corpus(tmp_path, all_splits=True)) == len(ROWS)


def test_read_corpus_csv_and_clear_errors(tmp_path: Path) -> None:
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text("Question,Answer,url\nWhat is asthma?,Airways narrow.,https://a\n", encoding="utf-8")
    assert read_corpus(csv_path) == [{"question": "What is asthma?", "answer": "Airways narrow.", "url": "https://a"}]
    with pytest.raises(MedqaError, match="does not exist"):
        read_corpus(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_text("foo,bar\nx,y\n", encoding="utf-8")
    with pytest.raises(MedqaError, match="no recognisable question column"):
        read_corpus(tmp_path / "bad.csv")
    with pytest.raises(MedqaError, match="no train.jsonl"):
        read_corpus(tmp_path)


def test_build_index_writes_a_loadable_folder_and_refuses_empty_corpus(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    _write_jsonl(data, ROWS)
    result = build_index(IndexConfig(data=str(data)), tmp_path / "idx", embedder=OneHotEmbedder(), progress=False)
    assert (result.rows, result.passages) == (5, 5)
    meta = json.loads((tmp_path / "idx" / "index.json").read_text())
    assert meta["config"]["data"] == str(data) and meta["embedder"] == "fake-onehot"
    assert Index.load(tmp_path / "idx", OneHotEmbedder()).retrieve("migraine", k=1)[0].row_id == "3"
    with pytest.raises(MedqaError, match="already exists"):
        build_index(IndexConfig(data=str(data)), tmp_path / "idx", embedder=OneHotEmbedder(), progress=False)
    _write_jsonl(tmp_path / "empty.jsonl", [{"question": "q", "answer": ""}])
    with pytest.raises(MedqaError, match="empty"):
        build_index(IndexConfig(data=str(tmp_path / "empty.jsonl")), tmp_path / "e", embedder=OneHotEmbedder())


def test_index_config_collects_problems() -> None:
    with pytest.raises(MedqaError, match="max_words.*\n.*candidates"):
        IndexConfig(max_words=3, candidates=0)


def test_cli_index_build_reports_missing_data(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medqa.cli import app

    result = CliRunner().invoke(
        app, ["index", "build", "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "i")]
    )
    assert isinstance(result.exception, MedqaError) and "does not exist" in str(result.exception)
    assert not (tmp_path / "i").exists()


@pytest.mark.slow
def test_real_minilm_index_retrieves_the_source_page_of_a_known_question(tmp_path: Path) -> None:
    rows = read_corpus()[:300]
    index = Index.build(passages_from_rows(rows))
    index.persist(tmp_path / "idx")
    loaded = Index.load(tmp_path / "idx")
    for row in rows[::60]:
        assert loaded.retrieve(row["question"], k=1)[0].url == row["url"]
    assert isinstance(loaded.passages[0], Passage)


# A topic with several questions, as MedQuAD has them: the "What is X?" answer is a summary that names
# every other subject (symptoms, outlook, risk), so its words match any question about X.
_TOPIC_ROWS = [
    {
        "question": "What is (are) Anal Cancer ?",
        "answer": "Anal cancer is a disease of the anus. Symptoms of anal cancer include bleeding. The outlook "
        "of anal cancer depends on the stage. Risk of anal cancer grows with HPV infection. Anal cancer is "
        "treated with surgery, radiation and chemotherapy.",
        "url": "https://ex.org/anal-cancer",
        "focus": "Anal Cancer",
    },
    {
        "question": "What are the symptoms of Anal Cancer ?",
        "answer": "Bleeding from the anus, pain or pressure, and a lump near the anus.",
        "url": "https://ex.org/anal-cancer",
        "focus": "Anal Cancer",
    },
    {
        "question": "What is the outlook for Anal Cancer ?",
        "answer": "Prognosis depends on the size of the tumor and whether it has spread.",
        "url": "https://ex.org/anal-cancer",
        "focus": "Anal Cancer",
    },
    {
        "question": "Who is at risk for Anal Cancer? ?",
        "answer": "Being over 50, HPV, many sexual partners and smoking raise the risk.",
        "url": "https://ex.org/anal-cancer",
        "focus": "Anal Cancer",
    },
    *ROWS,
]


def test_the_question_asked_comes_before_other_questions_about_its_topic() -> None:
    index = Index.build(passages_from_rows(_TOPIC_ROWS), embedder=OneHotEmbedder())
    for row in _TOPIC_ROWS[:4]:
        assert index.retrieve(row["question"], k=1)[0].question == row["question"]
    # Without the question ranker the summary's chunk, which names every subject, came first.
    assert index.retrieve("what is the OUTLOOK for anal cancer", k=1)[0].question == _TOPIC_ROWS[2]["question"]


def test_question_ranker_prefers_the_question_with_no_words_the_query_lacks() -> None:
    """BM25 would rank the shorter "What is X?" first for "symptoms of X" (length normalisation);
    the cosine ranks the question with exactly the query's words first, and the chunks of one
    question, and questions with the same words, share a rank."""
    long_answer = "\n\n".join(" ".join(f"w{p}_{i}" for i in range(30)) for p in range(3))
    rows = [
        {"question": "What are the symptoms of Fryns syndrome ?", "answer": long_answer, "url": "https://a"},
        {"question": "What is (are) Fryns syndrome ?", "answer": "A rare condition.", "url": "https://a"},
        {"question": "What is (are) Fryns Syndrome ?", "answer": "Another page.", "url": "https://b"},
        {"question": "What is (are) asthma ?", "answer": "Airways narrow.", "url": "https://c"},
    ]
    passages = passages_from_rows(rows, max_words=40)
    ranker = QuestionRanker(passages)
    ranks = ranker.ranks("What are the symptoms of Fryns syndrome?", depth=10)
    assert {ranks[i] for i in range(3)} == {1}  # the three chunks of the question asked
    assert ranks.get(3, 9) == ranks.get(4, 9) > 1  # same words on another page: the same rank, after it
    assert 5 not in ranks  # asthma: only "what" in common
    asked = ranker.ranks("what is (are) FRYNS syndrome", depth=10)  # case and punctuation do not count
    assert asked[3] == asked[4] == 1 and all(asked.get(i, 9) > 1 for i in range(3))
    assert ranker.ranks("zzzz", depth=10) == {} and QuestionRanker([]).ranks("asthma", depth=5) == {}


def test_question_ranker_leaves_a_question_the_corpus_does_not_ask_to_the_other_rankers() -> None:
    """Only questions close to the query (cosine >= MIN_QUESTION_COSINE) are ranked: a lay question
    sharing a word or two with the corpus's questions gets no question ranking."""
    ranker = QuestionRanker(passages_from_rows(_TOPIC_ROWS))
    assert ranker.ranks("my grandmother was told her anal cancer came back, what now", depth=10) == {}
    ranks = ranker.ranks("what is the outlook for anal cancer", depth=10)
    assert [i for i, rank in ranks.items() if rank == 1] == [2]  # the outlook question
