"""The training set of triage's learned head: writes src/medqa/assistant/data/triage_train.jsonl.

    nice -n 19 .venv/bin/python bench/triage_head_data.py     # then bench/triage_head_train.py

Written for the head (issue 14, second round) from the parts below, never from the evaluation sets
(tests/data/triage/*.jsonl, tests/data/triage_eval.jsonl) or the exemplars: emergencies and crises as
people write them (first person and someone-with-me, with time words, openers, hedges, typos, texting
style) and hard negatives about the same conditions (general questions, past and resolved episodes,
hypotheticals, fiction, idioms, first-aid and dosing questions, readings without symptoms), plus a few
rows in Spanish, French, German, Italian, Portuguese and Dutch. Rows are combinations drawn with a
fixed seed, so the file is reproducible; the parts are the source, the JSONL is the product.
Row: {"text", "label": emergency|self_harm|none, "kind"}.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "medqa" / "assistant" / "data" / "triage_train.jsonl"
SEED = 20261214

# ------------------------------------------------------------------ who: third person, with pronoun
WHO = [
    ("my husband", "he"), ("my wife", "she"), ("my dad", "he"), ("my mom", "she"), ("my son", "he"),
    ("my daughter", "she"), ("my grandma", "she"), ("my grandpa", "he"), ("my roommate", "he"),
    ("my coworker", "she"), ("my boyfriend", "he"), ("my girlfriend", "she"), ("my brother", "he"),
    ("my sister", "she"), ("my 70 year old father", "he"), ("my 4 yo", "he"), ("a man at the bus stop", "he"),
    ("my neighbour", "she"), ("my uncle", "he"), ("my partner", "they"), ("my teenage son", "he"),
    ("the lady next to me on the train", "she"), ("my friend", "she"), ("my aunt", "she"),
]  # fmt: skip
# Present emergencies about someone: {w} the person, {p} pronoun, {is}/{has}/{cant} agree with the pronoun.
EMERGENCY_THIRD = [
    ("stroke", "{w}'s face is drooping on one side and {p} can't get {his} words out"),
    ("stroke", "{w} suddenly can't lift {his} right arm and {his} speech is slurred"),
    ("stroke", "{w} is talking gibberish and the left side of {his} face looks droopy"),
    ("stroke", "{w} just lost vision in one eye and can't feel {his} left leg"),
    ("cardiac", "{w} is clutching {his} chest, sweating buckets and says the pain goes into {his} jaw"),
    ("cardiac", "{w} has crushing chest pain and {his} left arm feels heavy"),
    ("cardiac", "{w} collapsed and {p} {has} no pulse that i can find"),
    ("cardiac", "{w} is grey, sweaty and says {his} chest feels like an elephant is sitting on it"),
    ("anaphylaxis", "{w} ate something with nuts and {his} lips and tongue are swelling up"),
    ("anaphylaxis", "{w} got stung by a bee and now {p} {is} wheezing and covered in hives"),
    ("anaphylaxis", "{w}'s throat is closing after the new antibiotic, {p} sounds hoarse"),
    ("breathing", "{w} can't catch {his} breath and {his} lips are turning blue"),
    ("breathing", "{w} is gasping and can't finish a sentence, the inhaler isn't helping"),
    ("breathing", "{w} is breathing really fast and shallow and looks confused"),
    ("choking", "{w} is choking on a piece of meat and can't cough or talk"),
    ("choking", "{w} swallowed a grape and is making no sound, just grabbing {his} throat"),
    ("bleeding", "{w} cut {his} arm on glass and it's spurting blood, won't stop with pressure"),
    ("bleeding", "{w} is vomiting blood, a lot of it"),
    ("bleeding", "{w} fell on a knife and blood is soaking through every towel"),
    ("unconscious", "{w} passed out and won't wake up even when i shake {him}"),
    ("unconscious", "{w} is unresponsive and breathing weird"),
    ("unconscious", "i found {w} on the floor and {p} {is} not responding"),
    ("seizure", "{w} has been seizing for over five minutes and isn't stopping"),
    ("seizure", "{w} is having a fit, jerking all over, and {p} hit {his} head"),
    ("child", "{w} is floppy, won't feed and has a rash that doesn't fade under a glass"),
    ("child", "{w} has a fever of 40 and is really hard to wake"),
    ("poisoning", "{w} drank some bleach from under the sink"),
    ("poisoning", "{w} got into the dishwasher tablets and swallowed one"),
    ("poisoning", "{w} ate a bunch of mushrooms from the yard and is throwing up nonstop"),
    ("overdose", "{w} took like 30 of {his} sleeping pills an hour ago"),
    ("overdose", "{w} swallowed the whole bottle of ibuprofen and now {p} {is} drowsy"),
    ("overdose", "{w} took 20 paracetamol this morning and is feeling sick"),
    ("dangerous_reading", "{w}'s sugar is 38 and {p} {is} shaky and confused"),
    ("dangerous_reading", "{w}'s blood pressure is 230/125 and {p} {has} a pounding headache"),
    ("dangerous_reading", "{w}'s oxygen is reading 82% and {p} {is} struggling to breathe"),
    ("dangerous_reading", "{w}'s heart rate is 190 and {p} {is} dizzy and about to faint"),
    ("burns", "{w} spilled boiling water all over {his} chest and the skin is peeling off"),
    ("burns", "{w} got a chemical burn on {his} face and eyes"),
    ("head_injury", "{w} hit {his} head falling off a ladder and keeps throwing up"),
    ("head_injury", "{w} banged {his} head and now {p} {is} confused and one pupil is bigger"),
    ("sepsis", "{w} has a high fever, mottled skin, and is really confused, had surgery last week"),
    ("sepsis", "{w} is shivering, breathing fast and {his} blood pressure keeps dropping"),
    ("other_emergency", "{w} fell and can't move {his} legs or feel them"),
    ("other_emergency", "{w} is pregnant and bleeding heavily with bad belly pain"),
    ("other_emergency", "{w} has a sudden worst headache of {his} life and a stiff neck"),
    ("other_emergency", "{w} got electrocuted and is acting strange"),
]  # fmt: skip
EMERGENCY_FIRST = [
    ("stroke", "half my face went numb and my words are coming out wrong"),
    ("stroke", "i suddenly can't move my right arm and i'm seeing double"),
    ("cardiac", "my chest feels crushed and my left arm is numb"),
    ("cardiac", "i've got heavy chest pain spreading to my jaw and i'm sweating"),
    ("cardiac", "my heart is pounding and i have chest pressure and i feel like i'm going to pass out"),
    ("anaphylaxis", "my throat feels tight and my lips are swelling after eating shrimp"),
    ("anaphylaxis", "i'm breaking out in hives all over and i can hardly swallow"),
    ("breathing", "i can't breathe, it's like breathing through a straw"),
    ("breathing", "i'm wheezing so bad i can't talk and my inhaler does nothing"),
    ("choking", "i think something is stuck in my throat and i can barely breathe"),
    ("bleeding", "i cut my hand really deep and it won't stop bleeding"),
    ("bleeding", "i'm throwing up blood and feel faint"),
    ("bleeding", "i'm pregnant and bleeding a lot with cramps"),
    ("poisoning", "i accidentally drank some antifreeze"),
    ("poisoning", "i mixed bleach and ammonia cleaning and now my chest burns and i'm coughing"),
    ("overdose", "i took 15 of my xanax and i feel really weird"),
    ("overdose", "i accidentally took my insulin twice and i'm getting shaky"),
    ("overdose", "i took 12 extra strength tylenol over the day for my tooth and my stomach hurts"),
    ("dangerous_reading", "my blood sugar is 520 and i'm throwing up and breathing fast"),
    ("dangerous_reading", "my bp is 210/130 and my vision is blurry"),
    ("dangerous_reading", "my pulse ox says 84 and i feel breathless"),
    ("dangerous_reading", "my sugar is 45 and i'm sweating and confused"),
    ("head_injury", "i hit my head hard and i keep vomiting and feel confused"),
    ("burns", "i burned my whole hand with hot oil and it's white and blistering"),
    ("sepsis", "i have a fever of 104, i'm shaking and my heart is racing, i had a uti"),
    ("other_emergency", "sudden worst headache of my life, like a thunderclap"),
    ("other_emergency", "i have sharp pain low on one side of my belly, i'm pregnant and feel like fainting"),
    ("other_emergency", "my testicle suddenly hurts so bad and it's swollen"),
    ("other_emergency", "i suddenly went blind in my left eye"),
    ("seizure", "i feel a seizure coming and i'm alone and already had two today"),
]  # fmt: skip
SELF_HARM = [
    "i want to kill myself", "i don't want to be alive anymore", "i'm going to end it tonight",
    "i keep thinking about killing myself", "i have a plan to end my life", "i want to die",
    "i've been cutting myself again and this time it's deep", "i just want to go to sleep and never wake up",
    "everyone would be better off without me", "i'm saving up my pills to take them all at once",
    "i wrote my goodbye letters", "i'm standing on the bridge right now", "i can't do this anymore, i want out",
    "i'm thinking about hanging myself", "i took all my pills because i don't want to be here",
    "i want to disappear forever", "i'm so done with life", "i bought a rope", "i'm going to jump",
    "how many of my pills would it take to not wake up", "i feel suicidal", "i want to hurt myself",
    "no point in living anymore", "i keep hitting myself until i bleed", "gonna kms", "i want to unalive myself",
    "thinking about ctb tonight", "i'm planning my sewer slide", "i wanna die fr", "i'm not going to be here tomorrow",
]  # fmt: skip
SELF_HARM_OTHER = [
    "{w} texted me goodbye and said {p} {is} going to end it",
    "{w} says {p} wants to kill {himself} and has a knife",
    "{w} just told me {p} took pills to die",
    "{w} keeps saying {p} doesn't want to live and gave away all {his} stuff",
    "{w} is cutting {himself} and won't let me in the bathroom",
]  # fmt: skip

TIME = [
    "", "", "", " right now", " just now", " all of a sudden", " for the last 10 minutes", " since about 20 min ago",
    " and it's getting worse", " tonight", " this started an hour ago",
]  # fmt: skip
OPEN = [
    "", "", "", "", "help ", "please help ", "omg ", "um ", "sorry to bother you but ", "quick question, ",
    "not sure if this matters but ", "hi, ", "HELP. ", "i'm scared, ", "hypothetically speaking ",
    "i used to be healthy but ", "so ", "ok so ",
]  # fmt: skip
CLOSE = [
    "", "", "", ". what do i do", ". what should i do??", ". is this serious?", ". should we wait it out?",
    ", tell me what to do if you can", ". in case you need to know, i'm 45", ". please answer fast",
    ". do i call someone?", " 😭", "!!", ". can i just give ibuprofen?", ". thanks in advance",
]  # fmt: skip
BACKGROUND = [
    "Some background: {w} had a heart attack ten years ago and did well after rehab. ",
    "We were at a wedding last weekend and everything was fine. ",
    "I have asthma since childhood but it's been controlled for years. ",
    "My grandmother had a stroke in 2009 and recovered mostly. ",
    "I've been reading about diabetes a lot since my diagnosis last year and I check my sugar every morning. ",
    "We just moved to a new city and still don't know any doctors here. ",
]  # fmt: skip

# ------------------------------------------------------------------ hard negatives
CONDITIONS = [
    "a stroke", "a heart attack", "anaphylaxis", "an asthma attack", "sepsis", "a seizure", "an overdose",
    "a concussion", "heat stroke", "low blood sugar", "diabetic ketoacidosis", "meningitis", "a pulmonary embolism",
    "an ectopic pregnancy", "choking", "carbon monoxide poisoning", "a panic attack", "appendicitis",
]  # fmt: skip
GENERAL = [
    "what are the warning signs of {c}?", "how do you tell {c} from {c2}?", "what causes {c}?",
    "how is {c} treated in hospital?", "can you explain what happens during {c}?", "is {c} hereditary?",
    "how long does recovery from {c} usually take?", "what's the difference between {c} and {c2}",
    "what should you do if someone near you has {c}?", "how common is {c} in young people?",
    "at what point does {c} become life threatening?", "what tests do doctors run to diagnose {c}?",
    "why does {c} cause confusion?", "how can i lower my risk of {c}", "what does FAST stand for with {c}",
]  # fmt: skip
PAST = [
    "{w} had {c} {ago} and is doing fine now. {q}", "{ago} i had {c}; i'm fully recovered. {q}",
    "{w} was in the ICU with {c} {ago}. {q}", "back in college i had {c}, it was scary. {q}",
    "my late grandfather died of {c} {ago}. {q}", "i survived {c} {ago}. {q}",
]  # fmt: skip
AGO = ["two years ago", "last spring", "in 2015", "a few months ago", "when i was a kid", "ten years ago"]
FOLLOW_Q = [
    "what can i do to prevent it happening again?", "is it normal to still feel tired sometimes?",
    "should i tell my new doctor about it?", "does it affect travel insurance?", "what diet helps after that?",
    "can it come back?", "is it safe to exercise now?", "",
]  # fmt: skip
RESOLVED = [
    "{w} choked on a carrot at lunch but coughed it out and is totally fine now. how do i prevent it?",
    "earlier today {w} fainted but the paramedics checked {him} and {p} {is} fine now, just tired.",
    "{w} had a nosebleed that stopped after 10 minutes, all good now. why do they happen?",
    "i had chest pain this morning, went to the ER, all tests normal and they sent me home. what could it be?",
    "{w} got stung earlier, a little swelling at the spot, no trouble breathing, it's gone down now.",
    "my sugar dropped to 65 this morning, i had juice and it's 110 now and i feel fine.",
    "{w} hit {his} head on the cupboard yesterday, no vomiting, acting normal today. anything to watch for?",
]  # fmt: skip
HYPOTHETICAL = [
    "if someone is choking, should you do back blows or the heimlich first?",
    "what would happen if a person took too much paracetamol?",
    "if my child ever swallows a battery what should i do?",
    "suppose someone collapses in front of me, how do i do cpr?",
    "in a first aid course they asked what to do for severe bleeding, what's the answer?",
    "how do you recognise anaphylaxis in a kid who can't talk yet?",
    "how do i use an epipen correctly?", "what should be in a home first aid kit?",
    "how do you put someone in the recovery position?", "when should you call an ambulance for a fever?",
]  # fmt: skip
FICTION = [
    "in the show last night a character had {c} at a wedding, is that realistic?",
    "i'm writing a novel where the hero has {c}, what would the symptoms look like?",
    "in the game my character is bleeding out, lol, how do i heal in the game",
    "in the movie she overdoses on pills, how accurate was that scene?",
    "the news said a footballer had {c} on the pitch, how often does that happen?",
    "my book club is reading a novel about suicide, any discussion questions?",
    "for a school project on {c}, what statistics should i include?",
]  # fmt: skip
IDIOM = [
    "i'm dying to know whether coffee is bad for you", "my feet are killing me after work, any stretches?",
    "this cold is killing me, how long does it last", "i nearly died laughing at the doctor's joke",
    "my boss is giving me a heart attack with these deadlines, lol. anyway, how much sleep do adults need?",
    "this heat is killing me, how much water should i drink", "i could murder a pizza, is cheese bad for cholesterol",
    "my back is killing me since i moved house", "i'm drowning in work, how do i manage stress",
]  # fmt: skip
DOSING = [
    "how much ibuprofen can an adult take in a day?", "what's the max dose of paracetamol per day?",
    "can i take melatonin with sertraline?", "how many mg of caffeine is too much in a day?",
    "what's the right dose of children's tylenol for a 20 kg kid?", "can i drink alcohol on antibiotics?",
    "is it ok to take two allergy pills if one doesn't work?", "how long should i wait between doses of advil?",
    "what happens if i miss a dose of my blood pressure medicine?", "how many sleeping pills can you safely take?",
]  # fmt: skip
LETHAL_GENERAL = [
    "what is the lethal dose of caffeine?", "how much acetaminophen causes liver damage?",
    "at what dose does ibuprofen become toxic?", "why is paracetamol overdose so dangerous?",
]  # fmt: skip
READING = [
    "my blood pressure was 135/85 this morning, is that high?", "my fasting sugar is 105, am i prediabetic?",
    "my resting heart rate is 52, i run a lot, is that ok?", "my oxygen reads 96% at night, normal?",
    "my temperature is 37.8, should i worry?", "my cholesterol came back 240, what does it mean?",
    "my a1c is 6.1, what should i change?", "my bp was 150/95 once at the pharmacy but i feel fine",
]  # fmt: skip
ORDINARY = [
    "how do i get rid of a stubborn cough?", "is it normal to feel tired after the flu shot?",
    "what foods are high in iron?", "how can i sleep better?", "what are good exercises for lower back pain?",
    "is intermittent fasting healthy?", "what's the best way to treat a mild sunburn?", "how long is strep contagious?",
    "i have a mild headache since yesterday, could it be dehydration?", "my knee clicks when i walk, is that bad?",
    "what vaccines do adults need?", "how do i stop snoring",
    "my kid has a runny nose and is playing fine, just a cold?",
    "how much protein do i need a day?", "can stress cause stomach pain?", "what are symptoms of vitamin d deficiency",
    "is it bad to crack my knuckles", "i've had a sore throat for two days, no fever, what helps?",
]  # fmt: skip
SELF_HARM_INFO = [
    "what are the warning signs that someone might be suicidal?", "how do i support a friend who is depressed?",
    "what therapies work for self-harm?", "i'm researching suicide prevention programs, which work best?",
    "how do crisis lines actually work?", "why are suicide rates higher in men?",
    "i self harmed as a teenager but i've been clean for 8 years, how do i fade the scars?",
    "i attempted suicide five years ago and i'm in a good place now; should i tell my new partner?",
    "my therapist asked if i have suicidal thoughts and i said no, is that a standard question?",
]  # fmt: skip
NEGATED = [
    "{w} has a headache but no weakness, no trouble speaking, just tired.",
    "i have a slight chest twinge when i cough but no shortness of breath, probably a cold?",
    "{w} bumped {his} head, no vomiting, not confused, playing normally.",
    "no fever, no rash, my son just has a cough, should i keep him home?",
]  # fmt: skip

# ------------------------------------------------------------------ other languages (a few, for MiniLM's word pieces)
FOREIGN = [
    ("emergency", "es", "mi padre no puede hablar y tiene la cara caída, ayuda"),
    ("emergency", "es", "mi hijo no respira, qué hago"),
    ("emergency", "es", "tengo un dolor muy fuerte en el pecho y no puedo respirar"),
    ("self_harm", "es", "ya no quiero vivir, quiero matarme"),
    ("none", "es", "¿cuáles son los síntomas de un infarto?"),
    ("none", "es", "mi abuelo tuvo un derrame hace años, ¿es hereditario?"),
    ("emergency", "fr", "mon mari s'est effondré et ne respire plus"),
    ("emergency", "fr", "j'ai une douleur écrasante dans la poitrine et le bras gauche engourdi"),
    ("self_harm", "fr", "je veux mourir, je n'en peux plus"),
    ("none", "fr", "quels sont les signes d'un AVC ?"),
    ("none", "fr", "comment faire baisser la tension naturellement ?"),
    ("emergency", "de", "mein Vater kann seinen Arm nicht bewegen und spricht undeutlich"),
    ("emergency", "de", "ich habe starke Schmerzen in der Brust und bekomme keine Luft"),
    ("emergency", "de", "mein Kind ist bewusstlos und atmet kaum"),
    ("self_harm", "de", "ich will nicht mehr leben, ich will mich umbringen"),
    ("none", "de", "was sind die Anzeichen eines Herzinfarkts?"),
    ("none", "de", "wie lange dauert eine Erkältung?"),
    ("emergency", "it", "mia madre non respira bene e ha le labbra blu"),
    ("self_harm", "it", "voglio farla finita stanotte"),
    ("none", "it", "quali sono i sintomi del diabete?"),
    ("emergency", "pt", "meu filho engoliu remédios e está desmaiado"),
    ("self_harm", "pt", "eu quero me matar"),
    ("none", "pt", "quais são os sinais de um derrame?"),
    ("emergency", "nl", "mijn vader heeft pijn op de borst en zweet heel erg"),
    ("none", "nl", "wat zijn de symptomen van griep?"),
]  # fmt: skip


def _agree(pronoun: str) -> dict[str, str]:
    forms = {
        "he": ("his", "him", "himself", "is", "has"),
        "she": ("her", "her", "herself", "is", "has"),
        "they": ("their", "them", "themself", "are", "have"),
    }[pronoun]
    return dict(zip(("his", "him", "himself", "is", "has"), forms, strict=True))


def _fill(template: str, rng: random.Random) -> str:
    who, pronoun = rng.choice(WHO)
    return template.format(
        w=who, p=pronoun, c=rng.choice(CONDITIONS), c2=rng.choice(CONDITIONS), ago=rng.choice(AGO),
        q=rng.choice(FOLLOW_Q), **_agree(pronoun),
    ).strip()  # fmt: skip


def _style(text: str, rng: random.Random) -> str:
    """The ways people type: as is, no punctuation, capitalised, all caps, a typo or two."""
    roll = rng.random()
    if roll < 0.15:
        text = text.replace(",", "").replace(".", "").replace("?", "")
    elif roll < 0.35:
        text = text[:1].upper() + text[1:]
    elif roll < 0.4:
        text = text.upper()
    if rng.random() < 0.2 and len(text) > 12:  # drop or swap one letter
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :] if rng.random() < 0.5 else text[:i] + text[i + 1 :]
    return text


def _emergency(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        kind, body = rng.choice(EMERGENCY_THIRD)
        body = _fill(body, rng)
    else:
        kind, body = rng.choice(EMERGENCY_FIRST)
    text = rng.choice(OPEN) + body + rng.choice(TIME) + rng.choice(CLOSE)
    if rng.random() < 0.12:
        text = _fill(rng.choice(BACKGROUND), rng) + text
    return text, kind


def _self_harm(rng: random.Random) -> str:
    body = _fill(rng.choice(SELF_HARM_OTHER), rng) if rng.random() < 0.2 else rng.choice(SELF_HARM)
    return (
        rng.choice(["", "", "", "honestly ", "i'm sorry but ", "idk anymore, ", "i can't sleep. "])
        + body
        + rng.choice(
            ["", "", ".", " tonight", ". nobody would notice", ". please don't tell me to call someone", " 😞"]
        )
    )


NEGATIVE_KINDS = {
    "informational": (GENERAL, 5), "past_event": (PAST, 4), "resolved": (RESOLVED, 2),
    "first_aid_question": (HYPOTHETICAL, 2), "fiction": (FICTION, 2), "idiom": (IDIOM, 1),
    "dosing_question": (DOSING, 1), "lethal_dose_question": (LETHAL_GENERAL, 1), "reading_question": (READING, 1),
    "ordinary": (ORDINARY, 3), "self_harm_info": (SELF_HARM_INFO, 1), "negated": (NEGATED, 1),
}  # fmt: skip


def rows(count: int = 2400) -> list[dict[str, str]]:
    """About 40% emergencies, 12% crises, 48% ordinary messages, deduplicated, in a fixed order."""
    rng = random.Random(SEED)
    kinds = list(NEGATIVE_KINDS)
    weights = [NEGATIVE_KINDS[k][1] for k in kinds]
    seen: set[str] = set()
    out: list[dict[str, str]] = [
        {"text": t, "label": label, "kind": "multilingual", "lang": lang} for label, lang, t in FOREIGN
    ]
    seen.update(r["text"] for r in out)
    attempts = 0
    while len(out) < count and attempts < count * 20:
        attempts += 1
        roll = rng.random()
        if roll < 0.40:
            text, kind = _emergency(rng)
            label = "emergency"
        elif roll < 0.52:
            text, kind, label = _self_harm(rng), "self_harm", "self_harm"
        else:
            kind = rng.choices(kinds, weights)[0]
            text, label = _fill(rng.choice(NEGATIVE_KINDS[kind][0]), rng), "none"
            if rng.random() < 0.3:
                text = rng.choice(["", "hi! ", "quick question: ", "sorry if this is dumb, ", "just curious, "]) + text
        text = _style(text, rng)
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "label": label, "kind": kind, "lang": "en"})
    return out


def main() -> None:
    data = rows()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
    counts: dict[str, int] = {}
    for r in data:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    print(json.dumps({"rows": len(data), **counts, "path": str(OUT)}))


if __name__ == "__main__":
    main()
