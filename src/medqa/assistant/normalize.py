"""What triage reads: a message brought to one plain, lower-case form, however it was typed.

People in trouble (and people testing a filter) write "ch3st p4in, c4nt br34th", "ｈｅｌｐ", "gonna kms",
"heeeelp", or use Cyrillic letters that look Latin. `normalize` undoes that before anything is matched
or embedded, in this order:

1. Unicode NFKC (fullwidth and mathematical letters become plain ones), invisible characters removed,
   lower case, accents removed (rules and people both write "respiro" for "respiró");
2. look-alike letters (Cyrillic, Greek, Armenian) become Latin inside a word that mixes scripts, or
   everywhere in a message written mostly in Latin letters: a message in Russian or Greek is left alone;
3. leetspeak digits inside words ("k1ll", "mys3lf", "d13"), but never measurements ("500mg", "spo2");
4. repeated letters ("heeeelp" -> "help", "bleeeeding" -> "bleeding"), letters spelled out with spaces
   ("k i l l  m y s e l f");
5. slang and abbreviations of self-harm and emergencies ("kms", "unalive", "od'd", "sewer slide", "rn",
   "cant breath").

Where a choice needs a dictionary (is "1" an "i" or an "l"? two letters or one?), the vocabulary of the
bundled MiniLM (30,000 English word pieces) is the dictionary.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from medqa.resources import bundled_minilm

# Look-alikes (after lower-casing) -> Latin. Cyrillic, Greek and a few others that render as Latin letters.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "б": "b", "в": "b", "г": "r", "е": "e", "ё": "e", "з": "3", "к": "k", "м": "m",
        "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s",
        "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
        "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
        # Armenian and Latin extensions
        "ո": "n", "ս": "u", "օ": "o", "ı": "i", "ȷ": "j", "ʀ": "r", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d",
        "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o",
        "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    }
)  # fmt: skip
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s", "!": "i"}
_LEET_ALTERNATIVES = {"1": "l", "0": "o", "9": "q"}  # a second reading tried against the dictionary
# Letters and digits that belong together: a measurement ("500mg", "3am", "24h") or a medical name.
_MEASUREMENT = re.compile(
    r"^\d+([.,]\d+)?(mg|mcg|ug|g|kg|ml|l|iu|u|units?|h|hrs?|hours?|mins?|secs?|am|pm|x|yo|y|yrs?|lbs?|kgs?|"
    r"mmol|mmhg|bpm|st|nd|rd|th|s|k|m|cm|mm|days?|wks?|weeks?|months?|mos?|pills?|tabs?)$"
)
# Letter-digit words that are names, not leetspeak ("b4" is kept for the slang step, "before").
_ALNUM_TERMS = frozenset(
    {
        "spo2", "o2", "co2", "b1", "b2", "b3", "b6", "b12", "d2", "d3", "k2", "a1c", "hba1c", "covid19", "h1n1",
        "h5n1", "t3", "t4", "ft4", "ca125", "hiv1", "hiv2", "hsv1", "hsv2", "hpv16", "mp3", "4g", "5g", "il6",
        "cd4", "cd8", "p53", "brca1", "brca2", "g6pd", "ace2", "5htp", "b4",
    }
)  # fmt: skip
_LEET_TOKEN = re.compile(r"(?<![\w@$])(?=[a-z0-9@$!]*[a-z])(?=[a-z0-9@$!]*[0-9@$])[a-z0-9@$!]*[a-z0-9][a-z0-9@$!]*")
_DIGITS_WITH_O = re.compile(r"\b\d[\do]*o[\do]*\b")
_RUN = re.compile(r"([a-z])\1{2,}")
_BANG_IN_WORD = re.compile(r"(?<=[a-z])!(?=[a-z])")
_RUN_WORD = re.compile(r"[a-z]*([a-z])\1\1[a-z]*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'", "\u00b4": "'"})
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # vowel marks and the stretching tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_LIGATURES = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ħ": "h", "ı": "i"})
_SPELLED_OUT = re.compile(r"\b(?:[a-z][ .\-*_]{1,2}){3,}[a-z]\b")

# Slang and abbreviations -> the words the rules and the exemplars use. Applied in order, on whole words.
_SLANG: tuple[tuple[str, str], ...] = (
    (r"\bk\s?m\s?s\b|\bkmsl\b", "kill myself"),
    (r"\bkys\b", "kill yourself"),
    (r"\bun-?alive (myself|me|my ?self)\b", "kill myself"),
    (r"\bun-?aliv(e|ing)\b", "kill"),
    (r"\bsewer ?-?slide\w*|\bsui(c|s)ide\b|\bsuic\b|\bsu1c1de\b", "suicide"),
    # "catch the bus" is "ctb" only where nothing says where to: "catching the bus to work" is a bus ride
    (
        r"\bctb\b|\bcatch(ing)? the bus\b(?! (to|from|home|into|back|at|in|on|and|or|with|for|every|each|instead)\b)",
        "end my life",
    ),
    (r"\bself[- ]?h\b|\bself[- ]?harm(ing)?\b|\bs/h\b", "self harm"),
    # "od'd", "oded", "o.d.'d", "odd on my pills"; never the word "odd" ("is it odd that...")
    (r"\bo\.?d\.?('e?d|ed)\b|\bodd?'?ing\b", "overdosed"),
    (r"\bodd on\b(?= (my|his|her|the|their|some|a|an|all|\d+|pills|meds|tablets)\b)", "overdosed on"),
    (r"\bo\.d\.|\bod\b", "overdose"),
    (r"\bgonna\b|\bfinna\b", "going to"),
    (r"\bimma\b|\bima\b", "i'm going to"),
    (r"\bwanna\b|\bwana\b", "want to"),
    (r"\bgona\b", "going to"),
    (r"\bbouta\b|\babt to\b", "about to"),
    (r"\btmrw\b|\btmr\b|\btomoz\b|\b2moro\b|\b2morrow\b", "tomorrow"),
    (r"\benuf\b|\benuff\b", "enough"),
    # "wanna dye" typed for "die"; not "want to dye my hair", "dye it red"
    (
        r"\b(want to|going to|about to|wish i could|i'?ll|i will|i could|just) dye\b"
        r"(?! (my|your|his|her|it|the|them|this|"
        r"that|a|some|\w+ (hair|clothes|shirt|jeans|red|blue|black|pink|green|purple|blonde)))",
        r"\1 die",
    ),
    (r"\b(want|wants|wanted|going|how|able|try|trying) 2(?= [a-z])", r"\1 to"),  # not "need 2 pills"
    (r"\bgotta\b", "got to"),
    (r"\btryna\b", "trying to"),
    (r"\bgimme\b", "give me"),
    (r"\brn\b|\brite now\b", "right now"),
    (r"\b2nite\b|\btonite\b|\b2night\b", "tonight"),
    (r"\bpl[sz]+\b|\bpleas\b|\bplez\b", "please"),
    (r"\bhalp\b|\bhelpp\b", "help"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\by'?all\b", "you all"),
    (r"\bi m\b|\bim\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bcant\b|\bcan not\b|\bcannot\b|\bcnt\b", "can't"),
    (r"\bdont\b|\bdnt\b", "don't"),
    (r"\bdoesnt\b", "doesn't"),
    (r"\bwont\b", "won't"),
    (r"\bisnt\b", "isn't"),
    (r"\bwasnt\b", "wasn't"),
    (r"\bdidnt\b", "didn't"),
    (r"\bhes\b", "he's"),
    (r"\bshes\b", "she's"),
    (r"\btheyre\b", "they're"),
    (r"\bidk\b", "i don't know"),
    (r"\bbc\b|\bcuz\b|\bcoz\b|\bbcuz\b|\bbecuz\b", "because"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
    (r"\bppl\b", "people"),
    (r"\by'?day\b", "yesterday"),
    (r"\bkinda\b", "kind of"),
    (r"\bsorta\b", "sort of"),
    (r"\babt\b", "about"),
    (r"\bjus\b", "just"),
    (r"\bn\b", "and"),
    (r"\bthru\b", "through"),
    (r"\bwat\b", "what"),
    (r"\by(?= (do|does|did|is|are|am|was|would|can't|don't|won't|isn't)\b)", "why"),
    (r"\br\b", "are"),
    (r"\bambo\b", "ambulance"),
    (r"\bbby\b|\bbaba\b", "baby"),
    (r"\blil\b", "little"),
    (r"\bbf\b", "boyfriend"),
    (r"\bgf\b", "girlfriend"),
    (r"\bbp\b", "blood pressure"),
    (
        r"\b(bgl?|bsl|blood glucose|glucose level|sugar level|"
        r"sugars?(?= (is|was|of|at|reading|level|dropped|went|\d)))\b",
        "blood sugar",
    ),
    (r"\bblood blood sugar\b", "blood sugar"),
    (
        r"\b(spo2|o2 sats?|o2 saturation|sats|pulse ox(imeter)?|oxygen sats?|oxygen saturation|oxygen level|"
        r"o2 level|o2)\b",
        "oxygen",
    ),
    (r"\bhr(?= (is |of |at )?\d)", "heart rate"),
    (r"\bb4\b", "before"),
    (r"\bbreath(e)?ing\b", "breathing"),
    (r"\bcan't breath\b|\bcan't breth\b|\bcan't brethe\b|\bcan't breeth\b", "can't breathe"),
    (r"\bbreath in\b", "breathe in"),
    (r"\bchest pian\b|\bchest pane\b|\bchestpain\b", "chest pain"),
    (r"\bhart\b", "heart"),
    (r"\bstrok\b", "stroke"),
    (r"\bsiezure|\bseizure|\bseisure", "seizure"),
    (r"\bunconcious|\bunconsious|\bunconscience", "unconscious"),
    (r"\bbleding\b|\bbleedin\b", "bleeding"),
    (r"\bpils\b|\bpilz\b", "pills"),
    (r"\btabs\b", "tablets"),
    (r"\bmyslef\b|\bmyselfe\b|\bmysef\b|\bmy self\b|\bmyslf\b|\bmyseld\b|\bmysself\b", "myself"),
    # typos of the words of a crisis, typed fast on a phone
    (r"\bwnat\b|\bwnt\b|\bwamt\b|\bwan\b(?= to)", "want"),
    (r"\bdei\b|\bdiee+\b", "die"),
    (r"\bkil\b|\bkll\b", "kill"),
    (r"\bsucide\b|\bsuicde\b|\bsuicie\b|\bsuicidle\b", "suicide"),
    (r"\bsuicdal\b|\bsucidal\b|\bsuicidial\b", "suicidal"),
)
_SLANG_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _SLANG)


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Whole English words of the bundled MiniLM's vocabulary (word pieces and special tokens left out)."""
    lines = (bundled_minilm() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w.isalpha() and w.isascii() and not w.startswith("["))


def fold(text: str) -> str:
    """Characters only: NFKC, invisible characters out, lower case, Latin accents and Arabic vowel marks off.

    The rules of `medqa.assistant.languages` are folded with this too, so a pattern written "respiró"
    meets a message written "respiro" or "RESPIRÓ".
    """
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
    text = text.translate(_APOSTROPHES)
    if any("\u0600" <= c <= "\u06ff" for c in text):
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    return _strip_accents(text).translate(_LIGATURES)


def normalize(text: str) -> str:
    """`text` in triage's plain form (steps 1-4 of the module docstring; `expand_slang` is step 5)."""
    text = fold(_latinize(_latinize_capitals(unicodedata.normalize("NFKC", text)).lower()))
    text = _SPELLED_OUT.sub(_join_spelled, text)
    text = _DIGITS_WITH_O.sub(lambda m: m.group(0).replace("o", "0"), text)  # "3o pills" -> "30 pills"
    text = _BANG_IN_WORD.sub("i", text)  # "k!ll", "d!e": an exclamation mark inside a word is an i
    text = _LEET_TOKEN.sub(_unleet, text)
    text = _RUN_WORD.sub(_shorten_run, text)
    return " ".join(text.split())


def expand_slang(text: str) -> str:
    """English slang and abbreviations of a normalized message written out ("kms" -> "kill myself").

    Only for English: "im" is German and "u" is Polish.
    """
    for pattern, replacement in _SLANG_COMPILED:
        text = pattern.sub(replacement, text)
    return _G_DROPPED.sub(_add_g, text)


_G_DROPPED = re.compile(r"\b[a-z]{3,}in'?(?![\w'])")
# Names ending in "-in" whose "-ing" form is a word too: never "dropped g"s.
_NOT_G_DROPPED = frozenset({"aspirin", "statin", "creatin", "raisin", "checkin", "heroin", "insulin"})


def _add_g(match: re.Match[str]) -> str:
    """'killin' -> 'killing', 'coughin'' -> 'coughing': a dropped g, where only the -ing form is a word."""
    word = match.group(0).rstrip("'")
    vocab = vocabulary()
    if word in vocab or word in _NOT_G_DROPPED or word + "g" not in vocab:
        return match.group(0)
    return word + "g"


def _strip_accents(text: str) -> str:
    """Accents off Latin letters ("respiró" -> "respiro"); other scripts keep theirs (Russian "й")."""
    if text.isascii():
        return text
    out = []
    for c in text:
        if "\u00c0" <= c <= "\u024f":
            out.append("".join(d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d)))
        elif not (unicodedata.combining(c) and out and out[-1].isascii()):
            out.append(c)
    return "".join(out)


# Capitals that look like a Latin capital but whose small letter looks like another one: Greek "Υ" is a Y, its small
# "υ" a u ("KΙLL MΥSELF"); read before lower-casing, under the same condition as `_latinize`.
_CAPITALS = str.maketrans({"Υ": "Y", "Ν": "N", "Η": "H", "Μ": "M", "Ζ": "Z", "Ү": "Y"})


def _latinize_capitals(text: str) -> str:
    """Look-alike capitals -> Latin capitals, in words that mix scripts or in a message written mostly in Latin."""
    if not any(c in "ΥΝΗΜΖҮ" for c in text):
        return text
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    if latin > sum(1 for c in text if "\u0370" <= c <= "\u058f"):
        return text.translate(_CAPITALS)
    return re.sub(
        r"\w+",
        lambda m: (
            m.group(0).translate(_CAPITALS) if any(c.isascii() and c.isalpha() for c in m.group(0)) else m.group(0)
        ),
        text,
    )


def _latinize(text: str) -> str:
    """Look-alike letters -> Latin, in words that mix scripts or in a message written mostly in Latin."""
    other = sum(1 for c in text if "\u0370" <= c <= "\u058f")  # Greek, Cyrillic, Armenian
    if not other:
        return text
    if sum(1 for c in text if "a" <= c <= "z") > other:
        return text.translate(_CONFUSABLES)

    def mixed(match: re.Match[str]) -> str:
        word = match.group(0)
        return word.translate(_CONFUSABLES) if any("a" <= c <= "z" for c in word) else word

    return re.sub(r"\w+", mixed, text)


def _join_spelled(match: re.Match[str]) -> str:
    """'k i l l  m y s e l f' -> 'kill myself': letters joined, then split into dictionary words."""
    letters = re.sub(r"[^a-z]", "", match.group(0))
    return _segment(letters) or match.group(0)


def _segment(letters: str) -> str:
    """`letters` as the fewest dictionary words, or "" when they cannot be split that way."""
    vocab = vocabulary()
    best: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 20), end):
            head, word = best[start], letters[start:end]
            if head is None or word not in vocab or (len(word) == 1 and word not in "ai"):
                continue
            current = best[end]
            if current is None or len(head) + 1 < len(current):
                best[end] = [*head, word]
    words = best[-1]
    return " ".join(words) if words else ""


def _unleet(match: re.Match[str]) -> str:
    """'k1ll' -> 'kill', 'd13' -> 'die'; measurements and medical names ('500mg', 'b12') stay."""
    token = match.group(0)
    core = token.rstrip("!")
    tail = token[len(core) :]
    if not core or _MEASUREMENT.match(core) or core in _ALNUM_TERMS or core.isdigit():
        return token
    vocab = vocabulary()
    plain = "".join(_LEET.get(c, c) for c in core)
    other = "".join(_LEET_ALTERNATIVES.get(c, _LEET.get(c, c)) for c in core)
    for candidate in (plain, other):
        if candidate in vocab:
            return candidate + tail
    # Not a dictionary word: decode only a digit between letters ("c4nt"), never a code like "x7".
    inner = any(c in _LEET and core[i - 1].isalpha() and core[i + 1].isalpha() for i, c in enumerate(core[1:-1], 1))
    return (plain if inner else core) + tail


def _shorten_run(match: re.Match[str]) -> str:
    """A word with a letter repeated 3+ times: the dictionary reading with it twice or once, else once."""
    word = match.group(0)
    if not _RUN.search(word):
        return word
    double = _RUN.sub(r"\1\1", word)
    single = _RUN.sub(r"\1", word)
    vocab = vocabulary()
    return double if double in vocab and single not in vocab else single
