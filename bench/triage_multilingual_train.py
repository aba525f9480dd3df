"""Fit triage's multilingual reader (`medqa.assistant.triage_multilingual`): writes triage_multilingual.npz.

    nice -n 19 .venv/bin/python bench/triage_multilingual_train.py

Training rows (never the held-out sets tests/data/triage/heldout*.jsonl): the curated exemplars
(resources/triage_exemplars.yaml; information, personal and out of scope count as "none"), the template set
data/triage_train.jsonl, the multilingual rows data/triage_multilingual_train.jsonl when present, the reader's own
rows data/triage_reader_train.jsonl (sixth pass: hard cases in English and 20 other languages), and the
development sets tests/data/triage/dev.jsonl, dev_languages.jsonl, dev_crisis.jsonl, dev_complaints.jsonl,
dev_indirect.jsonl and tests/data/triage_eval.jsonl. Multi-turn rows are left out: their label is for the last
message read with the earlier ones. Each message is prepared as triage prepares it (normalised, slang expanded for
English) and embedded whole with USE multilingual v3 (embeddings cached in medqa's cache); the fit is scikit-learn's
multinomial logistic regression with balanced class weights.

Cross-validation by group: 5 folds (GroupKFold) whose groups are (source, kind, language), so a fold never
sees a kind of message of a language from the same source it is scored on (every Italian row of
dev_languages, every template stroke row...): the figures measure transfer to phrasings and languages the
fit has not seen, not memory of near-duplicates. Rows are scored as triage scores them (the riskiest window
of a long message). The threshold is the highest at which cross-validated recall on the non-English
emergencies and crises of the hand-written sets is at least `--recall` (default 0.95), checked against the
false alarms at that threshold (printed). The English threshold (`--english-threshold`, crises only) was chosen
by leave-one-source-out, not by these folds: see triage.py's docstring. Writes the out-of-fold scores of the
hand-written rows to <cache>/triage_multilingual/oof.jsonl, which the wiring in triage.py was chosen with. The last
line is one JSON object.

`--loso` scores English rows by leave-one-source-out instead (each development source left out in turn, the reader
fitted on the rest), alone and as triage's second reader of English; nothing is saved.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV_SETS = {
    "dev": ROOT / "tests" / "data" / "triage" / "dev.jsonl",
    "dev_languages": ROOT / "tests" / "data" / "triage" / "dev_languages.jsonl",
    "dev_crisis": ROOT / "tests" / "data" / "triage" / "dev_crisis.jsonl",
    "dev_complaints": ROOT / "tests" / "data" / "triage" / "dev_complaints.jsonl",
    "eval": ROOT / "tests" / "data" / "triage_eval.jsonl",
    "dev_indirect": ROOT / "tests" / "data" / "triage" / "dev_indirect.jsonl",
}
# Training rows only (never scored as a development set): hard cases written for the reader in December 2026 (sixth
# pass): English crises told sideways, English idioms and near-crisis ordinary messages, English emergencies told by
# symptoms, and 24 rows in each of 15 languages.
READER_TRAIN = ROOT / "src" / "medqa" / "assistant" / "data" / "triage_reader_train.jsonl"
HAND_WRITTEN = {
    "dev", "dev_languages", "dev_crisis", "dev_complaints", "eval", "dev_indirect", "multilingual_train", "everyday",
    "reader_train",
}  # fmt: skip
# English: the reader speaks only for crises (P(self_harm) > P(emergency)) from this score, chosen by leave-one-source-
# out over the development sources (triage.py's docstring, "English too"); not re-derived by this script's folds.
ENGLISH_THRESHOLD = 0.80
# Everyday sentences that are not about health at all, with a few hard ones (farewells for a move or a retirement,
# "dead tired", caring for a parent, background of a long message): the other parts are health messages, and
# without these the fit took any sentence about family, Sundays or goodbyes in another language for a crisis
# (a Spanish "on Sundays we all eat together" scored 0.68 self-harm). IDIOMS: death and killing said of laughter,
# hunger or boredom, added after a Chinese "laughing to death" test message (tests/test_triage.py) fired; the test
# sentence itself is not among them. Written for this script; source "everyday", label none.
IDIOMS = [
    "这个节目太搞笑了，我快笑死了",
    "饿死了，我们去吃饭吧",
    "今天热死了，空调坏了",
    "无聊死了，周末没人陪我玩",
    "Me muero de risa con este vídeo",
    "Me muero de hambre, ¿pedimos pizza?",
    "Ich lach mich tot über diesen Film",
    "Je meurs de faim, on mange quand ?",
    "Mi fai morire dal ridere con queste battute",
    "Я умираю со смеху от этого видео",
    "Umieram z nudów na tym wykładzie",
    "この漫画、面白すぎて死ぬ",
    "배고파 죽겠어요, 밥 먹으러 가요",
    "Açlıktan ölüyorum, yemek ne zaman hazır?",
    "Estou morrendo de rir com esse meme",
    "Ik ga dood van de honger",
    "سأموت من الضحك على هذا الفيديو",
]
EVERYDAY = {
    "en": [
        "We usually spend Saturday mornings at the farmers market.",
        "My sister is getting married in June and I'm giving a speech.",
        "I'm leaving my job next month, so I said goodbye to the team today.",
        "I'm dead tired after the night shift, going to bed early.",
        "My dad moved in with us after mum passed away two years ago; he helps with the garden.",
        # Pets, gifts, letters and requests: the sixth pass's rows tell crises by arranging for pets and giving
        # things away, and the reader fitted on them took "write me a limerick about my cat" for a crisis.
        "Write me a limerick about my dog.",
        "Can you write a short poem for my cat's birthday?",
        "My neighbour is feeding my cat while I'm on holiday next week.",
        "We're giving our old sofa to my cousin, she just moved into her first flat.",
        "I wrote thank-you cards to everyone who came to the wedding.",
        "Who should look after my goldfish when we go camping?",
        "Tell me a funny story about a parrot.",
        "I'm rehoming my rabbit because my son turned out to be allergic.",
        "Can you help me write a farewell message for a coworker who is retiring?",
        "I'm selling my guitar and my old bike to make room in the flat.",
    ],
    "es": [
        "Este verano queremos ir a la playa con los niños.",
        "Mañana es mi último día en la oficina, ya me despedí de todos.",
        "Estoy muerta de cansancio después de la mudanza.",
        "Mi abuelo hace ochenta y cinco años y lo vamos a celebrar el domingo.",
        "Cuido de mi madre por las tardes y los fines de semana la lleva mi hermano al pueblo.",
        "¿Me recomiendas una receta fácil de paella?",
    ],
    "fr": [
        "Nous allons au cinéma tous les vendredis soir.",
        "Je pars à la retraite en mars, mes collègues m'organisent une fête d'adieu.",
        "Je suis crevé, cette semaine de travail m'a tué.",
        "Ma grand-mère habite chez nous depuis l'hiver dernier.",
        "On déménage à Lyon, j'ai dit au revoir aux voisins.",
    ],
    "de": [
        "Am Sonntag backe ich mit meiner Tochter einen Apfelkuchen.",
        "Ich bin todmüde, morgen schlafe ich aus.",
        "Wir ziehen nach Hamburg und haben uns heute von den Nachbarn verabschiedet.",
        "Mein Vater ist neunzig und lebt noch allein in seinem Haus.",
        "Kannst du mir ein gutes Buch für den Urlaub empfehlen?",
    ],
    "it": [
        "Domenica andiamo tutti a pranzo dalla nonna.",
        "Sono stanca morta, ho lavorato dodici ore.",
        "Ho salutato i miei studenti per l'ultima volta, da settembre insegno in un'altra scuola.",
        "Mio marito ha comprato una bicicletta nuova per andare al lavoro.",
        "Ci trasferiamo a Milano e lasciamo la casa dei miei genitori.",
    ],
    "pt": [
        "No fim de semana vamos visitar os meus sogros no campo.",
        "Estou morta de cansaço depois da viagem.",
        "Hoje despedi-me dos meus colegas, mudo de emprego na segunda.",
        "A minha mãe mora connosco e ajuda com as crianças.",
        "Qual é o melhor horário para visitar o museu?",
    ],
    "nl": [
        "In het weekend fietsen we vaak naar het strand.",
        "Ik ben doodop na die lange vergadering.",
        "Vandaag heb ik afscheid genomen van mijn collega's, ik ga met pensioen.",
        "Mijn oma woont sinds kort bij ons in huis.",
    ],
    "pl": [
        "W niedzielę jedziemy z rodziną nad jezioro.",
        "Jestem padnięta po całym dniu pracy.",
        "Pożegnałem się dziś z kolegami, bo przeprowadzam się do Krakowa.",
        "Moja babcia mieszka z nami i gotuje najlepsze pierogi.",
    ],
    "tr": [
        "Hafta sonu ailece pikniğe gidiyoruz.",
        "Bugün iş yerinde veda partisi vardı, emekli oluyorum.",
        "Çok yorgunum, bütün gün taşınma kutularını taşıdım.",
        "Annem bizimle yaşıyor, torunlarına bakıyor.",
    ],
    "ru": [
        "По выходным мы всей семьёй ездим на дачу.",
        "Я смертельно устал после переезда.",
        "Сегодня попрощался с коллегами, ухожу на пенсию.",
        "Моя мама живёт с нами и помогает с детьми.",
    ],
    "zh": [
        "周末我们一家人去爬山。",
        "今天和同事们告别了，下个月我要搬到上海。",
        "我累死了，今天加班到很晚。",
        "奶奶跟我们住在一起，每天早上去公园打太极。",
    ],
    "ja": [
        "日曜日は家族で公園に行きました。",
        "今日で仕事を辞めるので、同僚にお別れを言いました。",
        "引っ越しで疲れて死にそうです。",
        "祖母は九十歳ですが、まだ毎日散歩しています。",
    ],
    "ko": [
        "주말에 가족들이랑 바다에 갔어요.",
        "다음 달에 이사 가서 오늘 이웃들에게 작별 인사를 했어요.",
        "오늘 너무 피곤해서 죽을 것 같아요, 일찍 잘 거예요.",
        "할머니가 저희 집에서 같이 살고 계세요.",
    ],
    "ar": [
        "نذهب كل جمعة إلى بيت جدي لتناول الغداء.",
        "ودعت زملائي اليوم لأنني سأنتقل إلى مدينة أخرى.",
        "أنا متعب جدا بعد يوم طويل في العمل.",
        "أمي تعيش معنا وتساعدنا في رعاية الأطفال.",
    ],
}


def training_rows() -> list[dict[str, Any]]:
    """Every training row as {text, label, kind, lang, source}; never a held-out set."""
    from medqa.assistant.triage import load_exemplars
    from medqa.assistant.triage_head import TRAIN_PATH as TEMPLATE_PATH
    from medqa.assistant.triage_multilingual import TRAIN_PATH

    rows: list[dict[str, Any]] = []
    exemplars = load_exemplars()
    for text, label, category in zip(exemplars.texts, exemplars.labels, exemplars.categories, strict=True):
        label = label if label in ("emergency", "self_harm") else "none"
        rows.append({"text": text, "label": label, "kind": category or label, "lang": "en", "source": "exemplars"})
    for lang, texts in EVERYDAY.items():
        rows.extend({"text": t, "label": "none", "kind": "everyday", "lang": lang, "source": "everyday"} for t in texts)
    rows.extend({"text": t, "label": "none", "kind": "idiom", "lang": "xx", "source": "everyday"} for t in IDIOMS)
    files = {"template": TEMPLATE_PATH, "multilingual_train": TRAIN_PATH, "reader_train": READER_TRAIN, **DEV_SETS}
    for source, path in files.items():
        if not path.is_file():
            print(f"{path} is missing: skipped")
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("history"):
                continue
            rows.append({"text": row["text"], "label": row["label"], "kind": row.get("kind", "-"),
                         "lang": row.get("lang", "en"), "source": source})  # fmt: skip
    return rows


def prepare(message: str) -> str:
    """The text triage gives the reader: normalised, slang expanded when English (as `Triage._assess_one`)."""
    from medqa.assistant.languages import detect_language
    from medqa.assistant.normalize import expand_slang, normalize

    text = normalize(message)
    return expand_slang(text) if detect_language(text) == "en" else text


def embed_cached(texts: list[str]) -> np.ndarray:
    """USE embeddings of `texts`, reusing those cached by earlier runs."""
    from medqa.assistant.triage_multilingual import ENCODER, encode
    from medqa.resources import cache_dir

    path = cache_dir() / "triage_multilingual" / f"embeddings-{ENCODER}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            cached = dict(zip((str(k) for k in saved["keys"]), saved["vectors"], strict=True))
    keys = [hashlib.sha256(t.encode()).hexdigest()[:24] for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if missing:
        vectors = encode([t for _, t in missing])
        cached.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            np.savez(handle, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
    return np.stack([cached[k] for k in keys]).astype(np.float64)


def fit(vectors: np.ndarray, labels: list[str], c: float) -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) in CLASSES order of a balanced multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression

    from medqa.assistant.triage_multilingual import CLASSES

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    model.fit(vectors, labels)
    order = [list(model.classes_).index(k) for k in CLASSES]
    return model.coef_[order].astype(np.float64), model.intercept_[order].astype(np.float64)


def rates(rows: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Recall, self-harm recall and false alarms (lethal-dose questions apart) of scored rows."""
    pos = [r for r in rows if r["label"] != "none"]
    sh = [r for r in rows if r["label"] == "self_harm"]
    neg = [r for r in rows if r["label"] == "none" and r["kind"] != "lethal_dose_question"]
    return {
        "n": len(rows),
        "recall": round(sum(r["score"] >= threshold for r in pos) / max(len(pos), 1), 3),
        "self_harm": round(sum(r["score"] >= threshold for r in sh) / max(len(sh), 1), 3),
        "false_alarms": round(sum(r["score"] >= threshold for r in neg) / max(len(neg), 1), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--recall", type=float, default=0.95, help="cross-validated non-English recall to keep")
    parser.add_argument("--english-threshold", type=float, default=ENGLISH_THRESHOLD, help="English: crises only")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-save", action="store_true", help="cross-validate only")
    parser.add_argument("--loso", action="store_true", help="leave-one-source-out on English rows only, no save")
    args = parser.parse_args()
    if args.loso:
        leave_one_source_out(args.c)
        return

    from sklearn.model_selection import GroupKFold

    from medqa.assistant.triage_multilingual import MultilingualReader, windows
    from medqa.resources import cache_dir

    started = time.perf_counter()
    rows = training_rows()
    texts = [prepare(r["text"]) for r in rows]
    units = [windows(t) for t in texts]
    vectors = embed_cached(texts)
    flat = embed_cached([u for us in units for u in us])
    spans = np.cumsum([0, *(len(us) for us in units)])
    labels = [r["label"] for r in rows]
    groups = [f"{r['source']}:{r['kind']}:{r['lang']}" for r in rows]
    print(f"{len(rows)} rows ({len(set(groups))} groups) embedded in {time.perf_counter() - started:.0f} s")

    folds = GroupKFold(n_splits=args.folds, shuffle=True, random_state=20261202)
    for train, test in folds.split(vectors, labels, groups):
        coef, intercept = fit(vectors[train], [labels[i] for i in train], args.c)
        reader = MultilingualReader(coef, intercept, 0.5, 0.5)
        for i in test:
            proba = reader.probabilities(flat[spans[i] : spans[i + 1]])
            best = int(np.argmax(proba[:, 0] + proba[:, 1]))
            rows[i].update(score=float(proba[best, 0] + proba[best, 1]), p_emergency=float(proba[best, 0]),
                           p_self_harm=float(proba[best, 1]))  # fmt: skip

    hand = [r for r in rows if r["source"] in HAND_WRITTEN]
    foreign = [r for r in hand if r["lang"] != "en"]
    candidates = [t / 100 for t in range(5, 96)]
    threshold = max(t for t in candidates if rates(foreign, t)["recall"] >= args.recall or t == 0.05)
    report: dict[str, Any] = {"threshold": threshold, "threshold_en": args.english_threshold, "c": args.c}
    report["rows"] = len(rows)
    print(f"cross-validated ({args.folds} folds by source, kind and language), threshold {threshold:.2f}:")
    parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        parts[r["source"]].append(r)
        parts[f"{r['source']}:{'en' if r['lang'] == 'en' else 'other'}"].append(r)
        if r["source"] in HAND_WRITTEN and r["lang"] != "en":
            parts[f"lang:{r['lang']}"].append(r)
    parts["hand-written, English"] = [r for r in hand if r["lang"] == "en"]
    parts["hand-written, other languages"] = foreign
    parts["hand-written, other languages, health messages"] = [r for r in foreign if r["source"] != "everyday"]
    for name in sorted(parts):
        figures = report[name] = rates(parts[name], threshold)
        print(f"  {name:<32} {figures}")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"  at {t:.2f}: English {rates(parts['hand-written, English'], t)}  other {rates(foreign, t)}")

    oof = cache_dir() / "triage_multilingual" / "oof.jsonl"
    oof.parent.mkdir(parents=True, exist_ok=True)
    with open(oof, "w", encoding="utf-8") as handle:
        for r in hand:
            handle.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"out-of-fold scores of the hand-written rows: {oof}")
    if not args.no_save:
        from medqa.assistant.triage_multilingual import WEIGHTS_PATH

        coef, intercept = fit(vectors, labels, args.c)
        MultilingualReader(coef, intercept, threshold, args.english_threshold).save(WEIGHTS_PATH)
        print(f"wrote {WEIGHTS_PATH} (fitted on all {len(rows)} rows) in {time.perf_counter() - started:.0f} s")
    print(json.dumps(report))


LOSO_SOURCES = (
    "dev", "dev_crisis", "dev_complaints", "dev_languages", "dev_indirect", "eval", "multilingual_train", "reader_train"
)  # fmt: skip


def leave_one_source_out(c: float) -> None:
    """English rows of each development source scored by the reader fitted on every other part, alone and as the
    second reader of triage (rules and MiniLM first, crises only, triage's gates), at several thresholds.

    How the English second reader was chosen (triage.py's docstring). Single messages only (multi-turn rows are
    left out), so the counts differ slightly from that table, which scored the last message of multi-turn rows too.
    """
    from medqa.assistant.triage import Triage, _framed_in_any_language, _hyperbole, _only_frames
    from medqa.assistant.triage_multilingual import MultilingualReader, windows
    from medqa.assistant.triage_rules import read_clauses

    rows = training_rows()
    texts = [prepare(r["text"]) for r in rows]
    vectors = embed_cached(texts)
    units = [windows(t) for t in texts]
    flat = embed_cached([u for us in units for u in us])
    spans = np.cumsum([0, *(len(us) for us in units)])
    labels = [r["label"] for r in rows]
    rules = Triage(multilingual=False)  # English: the rules and MiniLM, as triage reads it before the second reader
    scored: list[dict[str, Any]] = []
    for source in LOSO_SOURCES:
        train = [i for i, r in enumerate(rows) if r["source"] != source]
        coef, intercept = fit(vectors[train], [labels[i] for i in train], c)
        reader = MultilingualReader(coef, intercept, 0.5, 0.5)
        for i, r in enumerate(rows):
            if r["source"] != source or r["lang"] != "en":
                continue
            proba = reader.probabilities(flat[spans[i] : spans[i + 1]])
            best = int(np.argmax(proba[:, 0] + proba[:, 1]))
            reading = read_clauses(texts[i], "en")
            gated = _only_frames(reading) or _framed_in_any_language(reading) or _hyperbole(reading)
            score, crisis = float(proba[best, 0] + proba[best, 1]), bool(proba[best, 1] > proba[best, 0])
            short = len(texts[i].split()) <= 64  # triage's _EMBED_WORDS
            rule = rules.assess(r["text"]).is_emergency
            scored.append({**r, "score": score, "crisis": crisis, "open": not gated and short, "rules": rule})
    # The reader's own training rows apart: the rules were never tuned on them, so they would flatter the second reader.
    parts = {"development sources": [r for r in scored if r["source"] != "reader_train"],
             "reader_train": [r for r in scored if r["source"] == "reader_train"]}  # fmt: skip
    for name, part in parts.items():
        rules_alone = rates_of(part, lambda r: r["rules"])
        print(f"leave-one-source-out, {name}, {len(part)} English rows; rules alone: {rules_alone}")
        for t in (0.6, 0.7, 0.8, 0.9):
            alone = rates_of(part, lambda r, t=t: r["score"] >= t)
            second = rates_of(part, lambda r, t=t: r["rules"] or (r["open"] and r["crisis"] and r["score"] >= t))
            emergencies = rates_of(part, lambda r, t=t: r["rules"] or (r["open"] and r["score"] >= t))
            print(f"  at {t:.2f}: reader alone {alone}; rules OR reader (crises) {second}; (any) {emergencies}")


def rates_of(rows: list[dict[str, Any]], fired: Any) -> str:
    """Caught / emergencies and crises, crises caught, false alarms / ordinary (lethal-dose questions apart)."""
    pos = [r for r in rows if r["label"] != "none"]
    crises = [r for r in rows if r["label"] == "self_harm"]
    neg = [r for r in rows if r["label"] == "none" and r["kind"] != "lethal_dose_question"]
    count = lambda group: sum(bool(fired(r)) for r in group)  # noqa: E731
    return f"{count(pos)}/{len(pos)} caught, crises {count(crises)}/{len(crises)}, false alarms {count(neg)}/{len(neg)}"


if __name__ == "__main__":
    main()
