"""Triage in the languages added for issue 14's blind set: a present emergency, a crisis and an ordinary question
in each, decided by the curated rules of `medqa.assistant.languages` (the embedder reads English only, so a
stand-in embedder serves here and is never asked about these messages).

The messages are written for these tests, apart from tests/data/triage/dev_languages.jsonl.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from fakes import OneHotEmbedder
from medqa.assistant.languages import EMERGENCY_LINES, MULTILINGUAL_NOTE, SELF_HARM_LINES, detect_language
from medqa.assistant.normalize import normalize
from medqa.assistant.triage import Triage

# language: (a present emergency, a crisis, an ordinary question about a condition)
MESSAGES = {
    "ru": ("Срочно! Дедушка упал, без сознания и еле дышит", "Не хочу больше жить, думаю как покончить с собой",
           "Какие бывают осложнения после инсульта?"),
    "uk": ("Мій син не дихає, допоможіть!", "Я хочу вбити себе сьогодні", "Які симптоми діабету у дітей?"),
    "ja": ("母が意識がないです、救急車を呼んだほうがいい？", "もう生きていたくない。死にたい",
           "高血圧の薬は何時に飲むのがいいですか？"),
    "ko": ("남편이 가슴이 너무 아프다고 해요, 식은땀도 나요", "너무 힘들어서 죽고 싶어요",
           "고혈압에 좋은 음식이 뭐예요?"),
    "vi": ("Mẹ tôi bất tỉnh, gọi không dậy", "toi khong muon song nua", "Bệnh tiểu đường có chữa được không?"),
    "sw": ("Msaada, baba yangu amezimia na hapumui", "Nataka kufa, siwezi tena",
           "Ni chakula gani kizuri kwa mtu mwenye kisukari?"),
    "id": ("Tolong, ibu saya pingsan dan tidak bangun", "Saya mau bunuh diri malam ini",
           "Makanan apa yang baik untuk penderita diabetes?"),
    "ms": ("Tolong! Ayah saya tak sedarkan diri", "saya nak bunuh diri",
           "Apakah makanan yang baik untuk pesakit kencing manis?"),
    "tl": ("Tulong, nahimatay ang nanay ko at hindi humihinga", "Gusto ko nang mamatay, pagod na ako",
           "Ano ang magandang pagkain para sa may diabetes?"),
    "fa": ("پدرم بیهوش شده و نفس نمی‌کشد", "می‌خواهم خودکشی کنم", "برای دیابت چه غذایی خوب است؟"),
    "th": ("พ่อหมดสติ หายใจไม่ออก", "ไม่อยากมีชีวิตอยู่แล้ว", "คนเป็นเบาหวานควรกินอะไร"),
    "el": ("Ο άντρας μου λιποθύμησε και δεν αντιδρά", "Θέλω να πεθάνω, δεν αντέχω",
           "Ποιες τροφές κάνουν καλό στον διαβήτη;"),
    "ro": ("Tatal meu a lesinat si nu mai respira", "Vreau sa mor, nu mai pot", "Ce alimente sunt bune pentru diabet?"),
    "sv": ("Min pappa är medvetslös och andas inte", "Jag vill ta livet av mig", "Vilken mat är bra vid diabetes?"),
    "bn": ("আমার মা অজ্ঞান হয়ে গেছে, শ্বাস নিচ্ছে না", "আমি আত্মহত্যা করতে চাই", "ডায়াবেটিসে কী খাওয়া ভালো?"),
    "ur": ("میرے والد بے ہوش ہیں اور سانس نہیں لے رہے", "میں خودکشی کرنا چاہتی ہوں",
           "شوگر کے مریض کو کیا کھانا چاہیے؟"),
}  # fmt: skip


class CountingEmbedder(OneHotEmbedder):
    """The test suite's one-hot embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return super().encode(texts)


@pytest.fixture(scope="module")
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture(scope="module")
def triage(embedder: CountingEmbedder) -> Triage:
    return Triage(embedder=embedder)


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_an_emergency_gets_the_emergency_answer_in_its_language(
    triage: Triage, embedder: CountingEmbedder, language: str
) -> None:
    before = embedder.calls
    result = triage.assess(MESSAGES[language][0])
    assert result.kind == "emergency" and result.language == language
    assert (
        result.response.startswith(EMERGENCY_LINES[language]) and "This may be a medical emergency" in result.response
    )
    assert embedder.calls == before  # decided by the language's rules, not by the English embedder


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_a_crisis_gets_the_crisis_answer_in_its_language(triage: Triage, language: str) -> None:
    result = triage.assess(MESSAGES[language][1])
    assert result.kind == "self_harm" and result.language == language
    assert result.response.startswith(SELF_HARM_LINES[language])


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_an_ordinary_question_is_answered_with_the_note(triage: Triage, language: str) -> None:
    result = triage.assess(MESSAGES[language][2])
    assert result.kind == "none" and result.language == language
    assert not result.out_of_scope and result.crisis_note == MULTILINGUAL_NOTE


@pytest.mark.parametrize(
    "message",
    [
        "У меня заложен нос, ночью не могу дышать носом",  # a blocked nose
        "Hari ini panas sekali, hampir pingsan rasanya, minum apa yang bagus?",  # "about to faint" from the heat
        "先週、父がけいれんを起こしましたが、今は元気です",  # a seizure last week, fine now
        "Làm thế nào để phòng ngừa đột quỵ?",  # preventing a stroke
        "Βοηθάω σε μια έρευνα για την πρόληψη της αυτοκτονίας",  # research on suicide prevention
    ],
)
def test_the_same_words_said_of_the_past_or_in_general_do_not_fire(triage: Triage, message: str) -> None:
    assert triage.assess(message).kind == "none"


def test_languages_sharing_a_script_are_told_apart_by_their_own_letters() -> None:
    assert detect_language(normalize("Дитина не дихає")) == "uk"
    assert detect_language(normalize("Ребенок не дышит")) == "ru"
    assert detect_language(normalize("بچه‌ام نفس نمی‌کشد")) == "fa"
    assert detect_language(normalize("میرا بچہ سانس نہیں لے رہا")) == "ur"
    assert detect_language(normalize("طفلي لا يتنفس")) == "ar"
    assert detect_language(normalize("Con tôi không thở được")) == "vi"


def test_vietnamese_and_greek_typed_without_marks_are_read_too(triage: Triage) -> None:
    assert triage.assess("bo toi dau nguc du doi").kind == "emergency"
    assert triage.assess("θελω να πεθανω").kind == "self_harm"


def test_the_category_a_language_rule_gives_does_not_depend_on_the_hash_seed() -> None:
    """Where two categories' phrases match, the first in a fixed order wins: the same message gets the same
    emergency text on every run and after every restart (a set's order changes with PYTHONHASHSEED)."""
    script = (
        "from medqa.assistant.languages import language_rules as r; print([list(v.emergency) for v in r().values()])"
    )
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(orders) == 1


# "I almost had a heart attack when I saw the bill": the commonest idiom of every language, no emergency. The rules
# take the near miss out of the clause (`_NEAR_MISS` in `medqa.assistant.languages`) and still read the rest of it.
NEAR_MISSES = {
    "es": "Casi me da un infarto cuando vi la factura jaja",
    "fr": "J'ai failli faire une crise cardiaque en voyant mes notes",
    "pt": "Quase tive um ataque do coração com o susto",
    "nl": "Ik kreeg bijna een hartaanval van schrik",
    "pl": "Prawie dostałem zawału, jak zobaczyłem rachunek",
    "tr": "Faturayı görünce az kalsın kalp krizi geçiriyordum",
    "zh": "看到账单我差点心脏病发作",
    "ko": "시험 결과 보고 심장마비 올 뻔했어요",
    "ar": "كدت أصاب بنوبة قلبية",
    "hi": "बिल देखकर तो मुझे दिल का दौरा पड़ने वाला था",
    "vi": "Nhìn hóa đơn mà suýt lên cơn đau tim",
    "id": "Hampir kena serangan jantung",
    "th": "เห็นบิลแล้วแทบหัวใจวาย",
    "el": "Παραλίγο να πάθω έμφραγμα",
    "sv": "Jag fick nästan en hjärtattack",
    "ro": "Era să fac infarct",
    "sw": "Nusura nipate mshtuko wa moyo",
    "tl": "Muntik na akong atakihin sa puso",
    "it": "Mi è quasi venuto un infarto",
    "de": "Ich hätte fast einen Herzinfarkt bekommen",
    "ru": "Я чуть не получил инфаркт",
    "uk": "Мало не отримав інфаркт",
    "ja": "請求書を見て心臓発作を起こしそうになった",
    "ms": "Terkejut betul saya, hampir dapat serangan jantung bila kucing melompat",
    "fa": "صدای انفجار را که شنیدم نزدیک بود سکته کنم",
    "bn": "ছেলেটা হঠাৎ চিৎকার করায় প্রায় হার্ট অ্যাটাক হতে যাচ্ছিল",
    "ur": "اچانک دروازہ بجا تو مجھے دل کا دورہ پڑتے پڑتے بچا",
    "es2": "Por poco me da un ataque al corazón con el examen",
    "es3": "Casi me muero de risa con el video que me mandaste",
    "es4": "Me dio un susto que casi se me para el corazón",
    "fr2": "Ce film d'horreur, j'ai presque fait une crise cardiaque",
    "fr3": "Mon cœur a failli s'arrêter quand le chat a sauté sur moi",
    "fr4": "J'étais à deux doigts de faire un infarctus en voyant la facture d'électricité",
    "de2": "Bei dem Knall hätte ich beinahe einen Herzinfarkt gekriegt",
    "de3": "Als ich die Nachricht las, hat mich fast der Schlag getroffen",
    "it2": "Per poco non mi veniva un colpo quando ho visto il conto",
    "it3": "Stavo per morire dal ridere alla festa",
    "pt2": "Por pouco não tive um infarto quando vi a conta da luz",
    "pt3": "Quase morri de susto com o barulho",
}  # fmt: skip


@pytest.mark.parametrize("key", sorted(NEAR_MISSES))
def test_a_near_miss_idiom_fires_no_rule(triage: Triage, key: str) -> None:
    """The rules only: the multilingual reader, a learned model, still takes some of these for an emergency (counted
    in bench/README.md, "Triage"), and its figures are measured on whole sets, not on single sentences."""
    result = triage.assess(NEAR_MISSES[key])
    assert result.signals.get("rules", []) == []


def test_every_language_has_near_miss_idioms() -> None:
    from medqa.assistant.languages import _NEAR_MISS, _RULES

    assert set(_NEAR_MISS) == set(_RULES)


@pytest.mark.parametrize(
    "message",
    [
        "casi me da un infarto, y ahora me duele mucho el pecho y sudo",  # a near miss, then chest pain now
        "casi no puedo respirar",  # "almost can't breathe" is not breathing now
        "creo que me está dando un infarto",
        "mi padre casi se desmaya y ahora no puede hablar",
        "casi me da un infarto y ahora no puedo respirar",
        "j'ai failli faire une crise cardiaque et maintenant il ne respire plus",
        "Ich hätte fast einen Herzinfarkt bekommen, jetzt habe ich starke Brustschmerzen",
        "casi no respira, infarto",  # the words between the marker and the illness are an emergency themselves
        "casi no respira infarto",
        "casi seguro que es un infarto",  # "almost sure": no near miss
        "почти уверен что у папы инфаркт сердца сейчас",
        "Ma mère a presque sûrement un AVC",
        # A heart attack now, in every language with rules.
        "Creo que me está dando un infarto, me duele el pecho",
        "Mon père fait une crise cardiaque, il faut l'aider",
        "Mein Vater hat gerade einen Herzinfarkt",
        "Mio padre sta avendo un infarto adesso",
        "Acho que estou tendo um ataque cardíaco agora",
        "Mijn vader heeft nu een hartaanval",
        "Mój tata ma zawał serca, co robić",
        "Babam şu an kalp krizi geçiriyor",
        "أبي يصاب بنوبة قلبية الآن",
        "我爸爸现在心脏病发作了",
        "मेरे पिता को अभी दिल का दौरा पड़ा है",
        "У папы инфаркт, что делать",
        "У тата інфаркт, допоможіть",
        "父が今、心臓発作を起こしています",
        "아버지가 지금 심장마비가 온 것 같아요",
        "Bố tôi đang bị nhồi máu cơ tim",
        "Baba yangu ana mshtuko wa moyo sasa hivi",
        "Ayah saya kena serangan jantung sekarang",
        "Ayah saya sedang kena serangan jantung",
        "Inaatake sa puso ang tatay ko ngayon",
        "پدرم الان سکته قلبی کرده",
        "พ่อหัวใจวายตอนนี้",
        "Ο πατέρας μου παθαίνει έμφραγμα τώρα",
        "Tatăl meu face un infarct acum",
        "Min pappa har en hjärtattack just nu",
        "আমার বাবার এখন হার্ট অ্যাটাক হচ্ছে",
        "میرے والد کو ابھی دل کا دورہ پڑا ہے",
    ],
)
def test_an_emergency_beside_or_without_a_near_miss_still_fires(triage: Triage, message: str) -> None:
    assert triage.assess(message).kind == "emergency"
