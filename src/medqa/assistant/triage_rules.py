"""Triage's rules, read clause by clause: what a clause says and whether it describes a present situation.

`read_clauses(text, language)` splits a normalized message into sentences and clauses and gives each:
- `demoted`: why the clause is not a present situation of the writer or someone with them ("general",
  "hypothetical", "past", "fiction", "resolved"; and, lowering only the classifier's score while the
  rules still read the clause, "idiom", "negated", "lasting" for days or weeks), or "" when it is;
  "idiom" covers hyperbole ("the death of me", "overdosed on netflix") and, in a message told as a joke ("lol",
  a laughing emoji) that names no means, time, plan or lasting despair, a clause whose only risk is a death word;
- `risky`: whether it mentions anything an emergency is made of (a symptom, a body part, a medicine...);
- its rule hits: an unmistakable emergency phrase (category), suicidal intent, an overdose told in
  numbers, a dangerous reading (glucose, blood pressure, oxygen, heart rate, temperature) with symptoms,
  a lethal-dose question.

A hedge, a politeness formula or a past event demotes only its own clause ("tell me what to do if you
can" is removed before anything is judged; "I used to be healthy" is its own clause). Missing an
emergency costs far more than a false alarm, so nothing here ever demotes a clause that says it is
happening now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from medqa.assistant.languages import language_rules, latin_scores

# ------------------------------------------------------------------------------------ splitting
_SENTENCE_END = re.compile(r"(?<!\d)[.!?;\n]+(?!\d)|[!?;\n]+|\.{2,}|(?<=[.!?])\s+|[。！？]")
# A contrast or a turn to the present starts a clause of its own when a subject follows it.
_CLAUSE_BREAK = re.compile(
    r"\s*(?:,\s*)?\b(?:but|however|although|though|yet|and now|but now|now|then|except)\b"
    r"(?=\s+(?:i|i'm|i've|my|me|he|she|he's|she's|his|her|it|it's|its|they|their|we|our|the|this|that|now|"
    r"suddenly|today|tonight)\b)|\s*,\s*(?=(?:now|but|and now|yet)\b)"
)
# Politeness formulas and hedges: said to the assistant, about nothing in the situation. Removed first.
_POLITE = re.compile(
    r"\b(?:(?:please )?(?:tell me )?(?:what to do )?if (?:you )?(?:can|could|possible|you don'?t mind|you have time)|"
    r"if (?:that|it) (?:helps|matters|makes sense)|in case (?:you need to know|it matters|it helps|that matters)|"
    r"for what it'?s worth|just (?:curious|wondering|asking)|(?:quick|silly|dumb|random) question|no rush|"
    r"hypothetically(?: speaking)?|asking (?:for a friend|just for general understanding|in general)|"
    r"not (?:trying )?to be dramatic|sorry to bother you(?: again)?|sorry in advance|thanks in advance|"
    r"(?:any )?(?:tips|help|advice) (?:appreciated|welcome)|i know you'?re (?:just )?an ai|i'?m probably overreacting|"
    r"probably overreacting|not a big deal|don'?t worry about it|not sure (?:if|whether) (?:this|it) matters|"
    r"(?:long time user|first time asking)|i'?m not sure i'?m allowed to ask this(?: here)?|"
    r"can'?t give medical advice|just (?:an|a) (?:ai|bot|chatbot))\b"
)
_IDIOM = re.compile(
    r"\b(?:is|are|was|were|'s|'re) killing me\b|\b(?:nearly|almost) (?:gave me a heart attack|killed me|died)\b|"
    r"\bgave me a heart attack\b|\bi(?:'ll| will| could| would|'d) (?:literally )?die (?:if|of|for|laughing)\b|"
    r"\bdying (?:to|2) (?:know|see|try|hear|ask)\b|\bheart (?:skipped|stopped) a beat\b|\bdrowning in\b|"
    r"\bcould murder\b|\bdisappear (?:for|to) (?:a|an|one|two|three|a few|the) ?(?:day|days|week|weeks|weekend|"
    r"month|months|holiday|vacation|island|beach|mountains?|cabin)\b(?!.{0,40}\b(?:forever|for good|never|"
    r"anyone|everyone|no one|nobody)\b)|"
    r"\b(?:bored|scared|worried) (?:me )?(?:to death|stiff)\b|\bto die for\b|\bdead tired\b|"
    r"\bkill (?:for|two birds)\b|\bkilling it\b|\bdying of (?:laughter|boredom|embarrassment)\b|\bmurder a\b|"
    # Death and harm said of an everyday nuisance: the cause is a person's mood, a chore, a place, a thing.
    r"\b(?:the )?death of (?:me|us|my \w+)\b|\b(?:will|'ll|is going to|'s going to|are going to|'re going to|going to) "
    r"(?:kill|murder|strangle) (?:me|us)\b(?= (?:if|when|for|because|after|once|one day))|\bkill me now\b|"
    r"\b(?:is|are|was|were|'s|'re) (?:literally )?(?:killing|murdering|destroying) (?:me|my \w+)\b|"
    r"\b(?:die|died|dying|dead) (?:of|from|with) (?:embarrassment|shame|boredom|cringe|laughter|laughing|jealousy|"
    r"happiness|envy|curiosity)\b|\b(?:died|dying|die|dead) laughing\b|"
    r"\b(?:so|too) (?:bored|tired|hungry|embarrassed|full|jealous|happy|cringey?|awkward)\b.{0,25}\b(?:could|might|"
    r"would|'d|'ll|will|going to|about to) (?:actually |literally |just )?(?:die|drop dead)\b|"
    r"\bcrawl (?:into|in) a hole and die\b|\b(?:rather|sooner) (?:die|be dead) than (?!(?:go on|go through|"
    r"live|keep|carry on|continue|be alive|wake|face|feel|spend|be like|be here|stay|exist|have|do this))|"
    r"\b(?:an )?early grave\b|\bput me in (?:the|my|an early) (?:ground|grave)\b|\bone foot in the grave\b|"
    r"\b(?:is|are|'s|'re) dead to me\b|\b(?:career|social|political|academic|fashion|commercial|financial) suicide\b|"
    r"\bsuicide (?:mission|squad|run|doors?|sprints?|drills?)\b|\b(?:a )?slow death\b|\bdying here\b|"
    r"\bi'?m dying (?:for|of|from) (?:the |this )?(?:heat|boredom|hunger|thirst|a|an|some)\b|"
    r"\bkill(?:ed|ing)? it (?:at|in|on|today|tonight|yesterday)\b|\bslay(?:ed|ing|s)?\b|"
    r"\b(?:nearly |almost )?(?:gave|give|giving|gives) me (?:a )?(?:stroke|heart attack|coronary|aneurysm|seizure|fit|"
    r"hernia)\b|\b(?:i'?m|i am) (?:going to|gonna) (?:strangle|murder|kill|throttle) (?:my|him|her|them)\b(?! ?self)|"
    r"\b(?:going to|'ll|will|about to|gonna) have (?:a|an) (?:heart attack|stroke|aneurysm|coronary|meltdown|"
    r"fit|breakdown) (?=if|when|because|over|about)|"
    r"\b(?:laugh\w*|funny|hilarious|comedian|joke)\b.{0,40}\b(?:can'?t|couldn'?t|cannot|could not) breathe\b|"
    r"\b(?:can'?t|couldn'?t|cannot|could not) breathe\b(?=.{0,40}\b(?:laugh\w*|funny|hilarious|comedian|joke)\b)|"
    r"\bchok(?:e|ed|ing) (?:in|at|during|under) (?:the|my|a|an|pressure)\b|"
    r"\bchoking on (?:all )?(?:this|the|my|these|those) (?:work|paperwork|homework|deadlines?|emails?|stress|pressure|"
    r"bills|debt|assignments?|admin)\b|\bwill to live\b(?=.{0,40}\b(?:when|until|till|because|after)\b)|"
    r"\b(?:legs?|arms?|quads|glutes|calves|abs) (?:have |has |are |is |just )?(?:died|dead|gone)\b(?=.{0,20}\b(?:after|"
    r"from) (?:leg day|the gym|the (?:run|hike|workout|class|marathon)|running|training|squats|the match)\b)|"
    r"\b(?:sinuses|ears?|bladder|stomach|belly|tummy|boobs|breasts) (?:feel|feels) like (?:they|it)(?:'re|'s| are| is) "
    r"(?:going to|gonna|about to) (?:explode|burst|pop)\b|"
    r"\b(?:brain|head) is (?:fried|mush|dead)\b|\bdeath warmed up\b|\blosing my mind\b|"
    r"\b(?:a |having a )?meltdown (?:over|about)\b"
)
# A joke ("lol", "lmao", a laughing emoji) makes a death wish in a message hyperbole, unless the message also
# tells a means, a time, a plan or that it is meant ("not joking", "fr"), or a lasting despair: then the joke is
# the way the crisis is told (`_JEST_CANCELLED`).
_JEST = re.compile(
    r"\b(?:lol+|lmao+|lmfao|rofl|ha(?:ha)+h?|he(?:he)+|jk|xd|smh|ugh+|omg|ffs)\b|[\U0001F602\U0001F923\U0001F605\U0001F606\U0001F480]|/s\b"
)
# "mondays make me want to jump off a bridge": what a thing makes one want to do is its own idiom, means and all.
_CAUSED_WISH = re.compile(
    r"\b(?:make|makes|made|making) (?:me|us) (?:want to|wanna|wish i could|wish to) [^,.;!?]{0,40}"
)
_JEST_CANCELLED = re.compile(
    r"\b(?:pills?|tablets?|meds|overdose|rope|noose|knife|knives|blade|razor|gun|pistol|rifle|bridge|roof|ledge|tracks|"
    r"train|cliff|edge|exhaust|belt|ligature|tonight|tomorrow|this weekend|today|right now|date|plan|planned|ready|"
    r"counted|lined up|already|goodbye|note|letter|insurance|not (?:even )?joking|not a joke|no joke|seriously|"
    r"for real|fr|deadass|no cap|i mean it|unless|not kidding|honestly|anymore|any more|every day|everyone hates|"
    r"nobody (?:cares|would)|burden|no point|tired of (?:living|life|everything|being)|can'?t (?:do|take) (?:this|it)|"
    r"hate my life|done with)\b"
)
_EXPLICIT = re.compile(
    r"\b(kill(ing)? myself|end(ing)? (my|my own) life|take my (own )?life|suicid\w*|overdos\w*|end (it|it all|things)|"
    r"the guts to)\b"
)
# What a joke may say without being about the body: _RISK's general words ("what's wrong with me lol", "help").
_JEST_NEUTRAL = re.compile(r"\b(wrong|help|scared|end|life|alive|gone|talk|speak|words|cold|hit|fall|fell|head|"
                           r"double|fit|"
                           r"shot|crash\w*|stiff|shock|heart|pressure|blue|burn\w*)\b")  # fmt: skip
# A death wish about oneself, told in jest ("i want to die lol", "just kill me now 😂").
_OWN_DEATH_WISH = re.compile(
    r"\b(?:i|i'?m|i'?d|me|myself)\b[^.!?]{0,30}\b(?:die|be dead|kill (?:me|myself)|jump\w*|hang myself|not wake up)\b|"
    r"\bkill me\b"
)
_DEATH_WORDS = re.compile(
    r"\b(?:die|dying|died|dead|death|deceased|kill\w*|suicid\w*|end it|end my life|murder\w*|jump\w*|hang|throw myself|"
    r"life|alive|bridge|gone)\b"
)

# ------------------------------------------------------------------------------------ frames
FIRST_PERSON = re.compile(r"\b(i|i'?m|i'?ve|i'?d|i'?ll|me|my|mine|myself|we|we'?re|our|us)\b")
_SOMEONE_NOW = re.compile(
    r"\b(he|she|they|someone|somebody|(my|our|the) \w+)('s|'re| is| are| isn'?t| can'?t| won'?t| has| keeps| just)\b"
)
_URGENT = re.compile(
    r"\b(now|right now|just|currently|still|help|hurry|quick(ly)?|emergency|911|112|999|ambulance|won'?t stop|"
    r"can'?t stop|keeps?|(minutes?|mins?) ago|suddenly|all of a sudden|tonight|today|this morning|an hour ago)\b|!"
)
# What overrides a past frame in the same clause ("had a stroke in 2019, help, it's happening again right now").
# Not "still": after a dated event it is a lasting after-effect ("had a stroke in May, his speech is still slurred").
_URGENT_NOW = re.compile(
    r"\b(right now|just now|currently|help|hurry|emergency|911|112|999|ambulance|won'?t stop|can'?t stop|"
    r"(minutes?|mins?) ago|suddenly|all of a sudden|tonight|an hour ago|at the moment|again)\b|!|"
    # "for about 30 minutes", "since dinner": going on now, whatever the tense ("I've had a crushing pressure ...")
    r"\bfor (about |around |nearly |almost |over |the (last|past) )?(\d+|a few|few|ten|twenty|thirty|forty|an?|one|"
    r"two|three) (minutes?|mins?|hours?|hrs?)\b|\bsince (dinner|lunch|breakfast|tea|supper|this morning|an hour)\b"
)
# A call for help told as the past of a past event ("I had to call an ambulance", "I called 999 again") does not make
# that event present: taken out before `_URGENT_NOW` reads a clause.
_CALLED = re.compile(
    r"\b(had to (call|ring|phone|get)|called|rang|phoned|dialled|dialed|got)( for)? (an |the )?(ambulance|999|911|112|"
    r"paramedics|emergency services)( again| out)?\b|\b(the |an )?(ambulance|paramedics) (came|arrived|took|was called|"
    r"were called)\b|\b(in|by) (an |the )?ambulance\b"
)
# Told as happening soon enough that a hypothetical is the writer's own ("if a kid swallowed it 20 min ago").
_RECENT = re.compile(
    r"\b(\d+|a few|few|a couple of|couple of|ten|twenty|thirty|an?|one|two) (minutes?|mins?|hours?|hrs?) ago\b|"
    r"\bjust now\b"
)
_NOW = re.compile(r"\b(right now|now|at the moment|currently|this minute|as we speak|is happening)\b")
_QUESTION = re.compile(
    r"^\s*(what|what'?s|whats|wat|how|why|which|who|when|where|is|are|can|could|does|do|should|will|would|"
    r"tell me|explain|describe|list|at what)\b"
)
_GENERAL = re.compile(
    r"\b(signs?|symptoms?|causes?|treatments?|treated|risk|risk factors?|first aid|diagnos\w*|prevent\w*|"
    r"recover\w*|rates?|common|types?|what is|what are|what does|what'?s the|how do you|how does|how do i|"
    r"how long|how often|difference|look like|mean|normal|safe|dangerous|happen\w*|works?|stand for|"
    r"realistic|true|evidence|research|statistics|data|programmes?|programs?|survival|outlook|inherited|"
    r"hereditary|contagious|expire|considered|get|learn|train\w*|volunteers?|would (she|he|they) have|treat|why|"
    r"what helps|help with|what could it be|is it (normal|safe|true|bad|ok|okay|possible)|can you|do people)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(if|when|in case|whether)\s+(someone|somebody|a person|you|a child|a baby|your|people|a kid|anyone|"
    r"one|an adult|a friend|a student)\b|\bwhat (should|do|would|can) (you|one|people) do\b|"
    # "what should I do if my child swallows a coin?": a condition in the simple present is a what-if, while
    # "what do I do if he isn't breathing" describes a state and stays present
    r"\b(what|how) (should|do|would|can|could) (i|we) (do|help|react|respond|handle it)\b.{0,12}\b(if|when|in case)\b"
    r"(?!.*\b(is|isn'?t|'s|are|aren'?t|can'?t|won'?t|has been|have been|keeps?|still|now|just)\b)"
)
_ACTUALLY_ME = re.compile(
    r"\b(that'?s|this is|it'?s) (my|me|mine|happening)\b.{0,40}\b(now|right now|today|reading)\b|"
    r"\basking because\b|\bit'?s happening (to|now|right)\b|\bthis is real\b|\bnot (a )?hypothetical\b|"
    r"\b(because|cause|cos|coz) (mine|my \w+) (just |now |also )?(did|does|is|has|can'?t|won'?t|isn'?t|doesn'?t|"
    r"hasn'?t)\b|"
    # "asking for a friend" is a hedge; "asking for my son" names who it is happening to
    r"\basking for (my|our) (son|daughter|kid|kids|child|baby|toddler|husband|wife|partner|boyfriend|girlfriend|mum|"
    r"mom|mother|dad|father|brother|sister|nan|gran|grandma|grandad|grandpa|grandmother|grandfather|flatmate|"
    r"roommate)\b"
)
# "is it normal to want to disappear?" asks about the writer's own wish, not about wishes in general.
_OWN_WISH = re.compile(
    r"\bis it (normal|ok|okay|bad|weird|wrong|common) to (want|wish|not want|feel like (dying|disappearing|"
    r"giving up))\b"
)
_PAST = re.compile(
    r"\b(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few|couple of) (years?|months?|weeks?) "
    r"ago\b|(?<!\bmy )\blast (year|month|week|weekend|summer|winter|spring|autumn|fall)\b|\b(in|back in) (19|20)\d\d\b|"
    r"\bhistory of\b|"
    r"\bused to\b|\blast (january|february|march|april|may|june|july|august|september|october|november|december|"
    r"christmas|easter)\b|\bhad (a|an) \w+( \w+)? (in (19|20)\d\d|in the past|last|\d)|"
    r"\bwhen i was (\d+|a kid|a child|young|little|younger|"
    r"a teen\w*|pregnant|in)\b|\bas a (kid|child|teen\w*|baby)\b|\byears ago\b|\byears back\b|\bsurvived\b|"
    r"\b(had|was|were|got|went|did)\b.{0,40}\bin (january|february|march|april|june|july|august|september|"
    r"october|november|december)\b|\bthe first (one|time)\b|\bthat year\b|\bback then\b|\bat the time\b"
)
_FICTION = re.compile(
    r"\bin (the|a|my|this|that|an old) (movie|film|show|series|book|novel|story|game|episode|play|screenplay|"
    r"script|memoir|documentary|films)\b|\b(a|my|the) (character|protagonist|villain)\b|\b(novel|screenplay|"
    r"book club|memoir|thesis|dissertation|essay|research paper|assignment|homework|documentary|grey'?s anatomy|"
    r"breaking bad|short story|fan ?fic\w*)\b|\bwriting (a|my|an) (\w+ )?(novel|story|book|screenplay|thesis|paper|"
    r"script|scene|chapter|play)\b|\bin the game\b|"
    r"\b(what (do|does)|meaning of|means?)\b.{0,60}\blyrics?\b|\blyrics?\b.{0,60}\bmean\b"
)
_RESOLVED = re.compile(
    r"\b(i|we|he|she|they)('?m|'?re| am| are| is|'?s| feel| felt| seem| seems)? (now |completely |totally |"
    r"perfectly |absolutely )?(fine|ok|okay|normal|better|back to normal|well) (now|again)\b|"
    r"\b(i|he|she) (feel|feels|felt) (completely |totally |perfectly )?(fine|normal|ok|okay)\b|"
    r"\bbreathing (fine|normally|ok|okay)\b|\bwent away\b|\b(it|that) passed\b|\bcoughed it up\b|"
    r"\bparamedics (checked|said|came)\b|\bwe'?re (home|back home)\b|\bfixed it\b|\b(i|he|she)'?s fine now\b|"
    r"\bno (swelling|headache|vomiting|fever) (anywhere|now)\b|\bfelt (fine|normal|ok|okay|better)\b|"
    r"\b(playing|eating|acting|behaving|feeding) (normally|as normal|happily)( now| again| since)?\b|"
    # dev_context: "coughed it out, she's laughing now", "stopped with pressure", "totally fine now"
    r"\bcoughed it (out|up)\b|\b(laughing|smiling|giggling) (now|again)\b|\b(totally|completely|perfectly) (fine|"
    r"normal|ok|okay)( now| again)?\b|\bstopped with pressure\b|"
    r"\b(his|her|their) usual (\w+ )?self\b|"
    r"\bdoing (well|fine|ok|okay|better|great|brilliantly|amazingly|really well|so well)( now)?\b|"
    r"\b(feel|feeling) (completely |totally |perfectly )?normal\b|"
    r"\bnow (i'?m|i am|he'?s|he is|she'?s|she is|we'?re|we are|they'?re|they are) (completely |totally |perfectly )?"
    r"(fine|ok|okay|normal|better|back to normal|all good|alright)\b|"
    r"\b(been|was|were) (absolutely |completely |totally |perfectly )?(fine|ok|okay|well|healthy|great) "
    r"(ever )?since\b|"
    r"\b(i'?m|i am|he'?s|he is|she'?s|she is) (fine|ok|okay|well|stable) (at the moment|for now|these days|nowadays)\b|"
    r"\b(hasn'?t|has not|haven'?t|have not|didn'?t|did not|never) (come back|returned|happened again|recurred)\b|"
    # what came back after an old event: "his speech is mostly back", "her strength has returned"
    r"\b(speech|strength|movement|feeling|vision|sight|memory|balance|mobility|voice|appetite|words) (is|are|has|have|"
    r"'s)( come| been)? (mostly |almost |nearly |largely |fully |completely |all )?(back|recovered|returned)\b"
)
# Over, and then back: "the pain went away when I sat down but it's come back three times tonight".
_RECURRED = re.compile(
    r"\b(it|pain|the pain|the pressure|the tightness|the symptoms|they)('s| has| have| had|'ve)? (come|came|comes|"
    r"coming|keeps? coming|kept coming) back\b|\bkeeps? (coming back|happening|returning)\b|"
    r"\b(started|starting|happening|happened|came on) again\b|\bback again\b"
)
# "she says she feels fine" is her claim, not the writer's judgement that it is over.
_SAYS_FINE = re.compile(r"\b(says|said|insists|claims|keeps saying|thinks|tells me)( that)? (she|he|they|it)\b[^,.]*")


def _resolved(text: str) -> bool:
    """The writer says it is over and well ("he's fine now", "paramedics checked him"), and not that it came back."""
    return bool(_RESOLVED.search(_SAYS_FINE.sub(" ", text))) and not _RECURRED.search(text)


# In a message that says it is over ("paramedics checked him, he's fine"), its past-tense events and its
# questions are over too.
_PAST_TENSE = re.compile(
    r"\b(had|was|were|lasted|choked|fainted|hit|fell|got|took|passed out|happened|collapsed|went|stopped|came|"
    r"earlier|[a-z]{3,}ed)\b"
)
_PRESENT_TENSE = re.compile(r"\b(is|are|am|i'?m|isn'?t|aren'?t|can'?t|won'?t|keeps?|still|right now)\b")
# Care that is over: a hospital stay told in the past, a discharge, a recovery ("spent 5 days in hospital", "was in
# the cardiac ICU for 4 days", "came home on oxygen", "pulled through"). In a message that tells one, the past-tense
# events told before it, or with it, are the story of that care (dev_context: a heart attack, a pulmonary embolism,
# an overdose, sepsis, DKA told as background were flagged): `_Frames.story_until`.
_WARD = r"(the |a )?([\w'-]+ )?(hospital|icu|intensive care|hdu|nicu|picu|ccu|ward|ventilator|drip|rehab)\b"
_CARE_OVER = re.compile(
    rf"\b(spent|stayed|was|were) ([\w'-]+ ){{0,2}}(days?|nights?|weeks?|months?|a week|a night|the night) "
    rf"(in|on) {_WARD}|"
    rf"\b(was|were) (in|on) {_WARD} for\b|\b(an? )?([\w'-]+ )?stay in {_WARD}|"
    # Not a discharge or "sent home": what goes wrong after one is the classic emergency ("sent home with
    # antibiotics and started shaking"); not "the ambulance took him": care that has only begun.
    r"\bpulled through\b|\bmade a (full|good|complete|great) recovery\b"
)
# Told as happening now or today, whatever the tense: not part of an old story.
_STORY_NOW = re.compile(
    r"\b(now|just|today|tonight|this (morning|afternoon|evening)|earlier today|yesterday|last night|an hour ago|"
    r"again|currently|at the moment)\b"
)
_STORY_PAST = re.compile(
    r"\b(drove|thought|couldn'?t|wasn'?t|weren'?t|didn'?t|ate|began|ran|lost|felt|found|gave|kept|left|made|put|said|"
    r"saw|told|woke|broke|bled|threw up|split|needed|rushed)\b"
)
_LEADING = re.compile(r"^[\s,;:.-]*((but|and|so|also|anyway|ok|okay|well|oh|hi|hello|hey)\b[\s,;:.-]*)*")
# "How do I treat a burn?" is learning, whoever asks it, unless something is happening now.
_HOW_TO = re.compile(
    r"(?:^|[,:;]\s*)\s*(how (do|should|can|would|could) (i|we|you)|what'?s the (best|right|correct) way to|"
    r"what should (i|we) (do|use|put|give)|when should (i|we|you))\b.{0,20}\b(treat|do|give|use|help|stop|know|"
    r"tell|recognise|recognize|prevent|put|perform|check|keep|get rid|deal|handle|apply|store|administer|say|"
    r"teach|learn)\b"
)
# Going on for days or weeks and not getting worse: a question for a doctor, not for an ambulance. Only the
# classifier's score is lowered by it; the rules still read the clause.
_LASTING = re.compile(
    r"\b(for|lasted|since|over the (last|past)) (like |about |around |nearly |almost |over )?(a|an|one|two|three|four|"
    r"five|\d+|several|a few|few|couple of) (days?|weeks?|months?|years?)\b|\bsince (yesterday|last week|last month)\b|"
    r"\b(all|this) (week|month)\b|"
    # a symptom that comes with a routine trigger (food, standing up, stress...): a pattern, not an event
    r"\b(every time|each time|whenever|always|usually|often)\b.{0,30}\b(eat|eating|ate|meals?|food|drink|drinking|"
    r"coffee|alcohol|exercise|exercising|run|running|gym|stress|stressed|period|stand up|standing up|get up)\b|"
    r"\bafter (eating|meals?|food|coffee|drinking|exercise|running)\b.{0,25}\b(every|each) time\b|"
    r"\bwhen(ever)? (i'?m|i am|i get|i feel) (stressed|anxious|nervous|worried|panicky)\b|"
    # "whenever I stand up", "why do I get dizzy when...": not "I feel faint when I stand up" (blood loss can do that)
    r"\bwhenever i (stand|get|sit) up\b|\b(why|how come) do (i|you) (get|feel|go) \w+( \w+)? when\b"
)
# "for three days now": the "now" of a duration, not of an event
_DURATION_NOW = re.compile(r"\b(days?|weeks?|months?|years?) now\b")
_WORSE = re.compile(r"\b(worse|worsening|suddenly|spreading|can'?t|won'?t|unable)\b")
# "scared of having a stroke", "the risk of choking": the phrase is a topic, not an event.
_ABOUT = re.compile(
    r"\b(of|about|avoid|avoiding|prevent|preventing|risk|chance|chances|afraid|scared|worried|fear|whether)\s*$"
)
# "my friend says you can kill yourself with water, is that true?": a claim to check, not a situation.
# "my therapist asks if I have thoughts of hurting myself and I say no": reported and denied.
_ASKED_DENIED = re.compile(
    r"\b(asks?|asked|asking)\b.{0,40}\b(if|whether)\b.{0,80}\b(i|and i) (say|said|tell|told|answer|answered) "
    r"(them |him |her )?no\b"
)
_RETRACTED = re.compile(r"\b(lied|lying|wasn'?t (true|honest)|not (true|honest)|but (i|honestly|actually|really))\b")
_CLAIM = re.compile(r"\b(is (that|it|this) (true|a myth|real|possible)|true or false|a myth)\b")
_NEGATOR = re.compile(r"\b(no|not|never|without|don'?t|doesn'?t|didn'?t|denies|nor|any)\b")

# ------------------------------------------------------------------------------------ what a clause says
# Anything an emergency is made of: a clause with none of these cannot make a message an emergency alone.
_RISK = re.compile(
    r"\b(pain\w*|hurt\w*|ache|aching|chest|breath\w*|air|gasp\w*|chok\w*|blood\w*|bleed\w*|faint\w*|pass(ed|ing)? "
    r"out|collaps\w*|unconscious|wake|waking|respond\w*|seiz\w*|fit|fitting|convuls\w*|shak\w*|stroke|droop\w*|"
    r"slurr?\w*|numb\w*|weak\w*|paraly\w*|confus\w*|dizz\w*|vomit\w*|throw\w* up|swell\w*|swollen|puff\w*|"
    r"throat|tongue|lips?|hives|allerg\w*|anaphyla\w*|sting|stung|bite|bitten|burn\w*|blister\w*|pills?|tablets?|"
    r"meds|medication|overdos\w*|poison\w*|swallow\w*|drank|fever|temp\w*|rash|stiff|headache|vision|blind|"
    r"double|suicid\w*|kill\w*|die|dying|dead|death|end|life|alive|harm|cut\w*|knife|blade|razor|rope|gun|jump|"
    r"bridge|noose|hang|blue|grey|gray|pale|cold|sweat\w*|clammy|heart|pulse|pressure|sugar|glucose|oxygen|"
    r"insulin|pregnan\w*|labou?r|contraction\w*|fell|fall\w*|crash\w*|hit|head|bone|drown\w*|shock|heat ?stroke|"
    r"talk|speak|speech|words|"
    r"hypotherm\w*|frost\w*|floppy|limp|racing|pounding|spinning|mottled|agony|agonising|unbearable|tight\w*|"
    r"pressure|crush\w*|stab\w*|shot|suffocat\w*|wheez\w*|cough\w*|spurt\w*|gone|wrong|scared|help|"
    r"(come|came|comes|coming) back|back again)\b"
)
_CANT_BEAR_WEIGHT = (  # unable to stand or get up now: not a lasting limit, not a sprained ankle
    r"(can'?t|cannot|unable to) (stand|get up)\b(?! (on (it|that|my (ankle|foot|toes?))|for|very|long|straight|the|"
    r"stairs|easily|without|properly|as|much)\b)"
)
_STRONG_EMERGENCY: dict[str, re.Pattern[str]] = {
    category: re.compile(pattern)
    for category, pattern in {
        "breathing": r"\b(not|isn'?t|stopped|no longer|wasn'?t|ain'?t|barely|hardly|aren'?t) breathing\b|"
        r"\bcan'?t (breathe|catch (my|his|her|a) breath|get (any |enough )?air( in)?|speak in full sentences|"
        r"finish a sentence)\b|\bgasping\b|\b(struggling|fighting) (to breathe|for (air|breath))\b|"
        r"\bbreathing (is |really |very |so )*(slow|shallow)\b|\b(turning|turned|gone|going|went) (\w+ )?(blue|"
        r"purple|grey|gray)\b|\blips (are |look |r |turning |gone |went |look a bit |are going )?(\w+ )?(blue|"
        r"bluish|purple|grey|gray|greyish|dusky)\b|\bblue (and|n) (floppy|limp)\b|\bsuffocating\b|"
        r"\bno sound is coming out\b",
        "cardiac": r"\bchest\b.{0,40}\b(pain|pressure|tight\w*|heav\w*|hurts?|ache|squeez\w*|crush\w*)\b.{0,60}\b(jaw|"
        r"left arm|down my arm|into my arm|arm|shoulder|neck)\b|\b(pain|pressure|tight\w*|heav\w*|ache|squeez\w*|"
        r"crush\w*)\b.{0,40}\bchest\b.{0,60}\b(jaw|left arm|arm|shoulder)\b|\bno (pulse|heartbeat)\b|"
        r"\bcan'?t (feel|find) (a|his|her|any) (pulse|heartbeat)\b|"
        r"\bhaving a heart attack\b|\bheart attack right now\b|\bcrushing (pain|chest|pressure)\b|"
        r"\bchest (is |feels )?(crushed|crushing)\b|\bchest\b.{0,30}\b(like )?(someone|an elephant|a weight|something "
        r"heavy) (is )?(sitting|standing|pressing) on (it|me|him|her)\b|"
        r"\bchest\b.{0,40}\b(pain|pressure|tight\w*|heav\w*|hurts?|squeez\w*)\b.{0,80}\b(sweaty|sweating|clammy|"
        r"cold sweat|drenched)\b|\b(sweaty|sweating|clammy|cold sweat)\b.{0,60}\bchest\b.{0,30}\b(pain|pressure|"
        r"tight\w*|heav\w*|hurts?|squeez\w*)\b",
        "stroke": r"\bhaving a stroke\b|\b(face|smile|mouth) (is |went |looks |has gone |started )?(drooping|droopy|"
        r"lopsided|crooked)\b|\b(face|smile|mouth|lips?|eyelid)\b( \w+){0,5} (drooping|droopy|sagging|saggy|lopsided|"
        r"crooked|uneven|twisted|pulled down|fallen|dropped)\b|"
        r"\b(droop\w*|sagg\w*|pulled down|fallen)\b.{0,15}\bone side\b|"
        r"\bslurr(ing|ed|in)\b|\b(lost|losing|no) (the |all )?(vision|sight) in (one|his|her|my|their|"
        r"the)( (left|right))? eye\b|\b(suddenly|all of a sudden|out of nowhere)\b.{0,60}\b(arm|leg|side|face|hand)\b"
        r".{0,20}\b(weak|numb|dead|limp|floppy|heavy|paralysed|paralyzed)\b|\b(left|right|one) (side|arm|leg)\b"
        r".{0,20}\b(went|gone|is|feels?) (weak|numb|dead|limp|paralysed|paralyzed)\b|"
        r"\bcan'?t (lift|move|raise|feel) (his|her|my|their) (right |left )?"
        r"(arm|leg|side|hand)\b|\b(half|one side of) (his|her|my|their) (face|smile|mouth)\b.{0,20}\b(is |has )?(gone|"
        r"dropped|drooping|droopy|numb|not moving|won'?t move)\b",
        "unconscious": r"\bunresponsive\b|\bunconscious\b|\b(lying|lay|collapsed|fell|slumped|found)\b.{0,40}"
        r"\b(not moving|motionless|won'?t move|isn'?t moving)\b|\b(won'?t|can'?t|cannot|isn'?t|not|ain'?t|aren'?t) "
        r"(wake|waking|rouse|come round|come to)\b|\b(not|isn'?t|stopped|won'?t) (responding|respond)\b|"
        r"\bbarely (responding|conscious)\b|\bisn'?t responding\b|\b(really |very |so )?(hard|difficult|impossible) to "
        r"(wake|rouse)\b",
        "choking": r"\bchoking\b|\bcan'?t (cough|speak|cry|talk) or (breathe|cry|cough|speak)\b",
        "anaphylaxis": r"\bthroat (is |feels )?(\w+ )?(closing|swelling|tight(ening)?|closing up)\b|"
        r"\btongue (is )?(still )?(swelling|swollen)\b|\b(lips|face|eyes) (are |is )?(swelling|swollen|puffing|"
        r"blowing) up\b|\bhaving (an )?(anaphyla\w+|allergic reaction)\b|"
        # seventh pass (dev_context): adrenaline given is an emergency call whatever follows (Resuscitation Council UK)
        r"\b(used|gave|(ve|have|has|just) given|jabbed|injected|had to use) (him |her |them |me )?(my|his|her|their|"
        r"the|an?|our) (first |second |other |spare )?(epi-?pen|auto-?injector|adrenaline (pen|shot|injection)|"
        r"epinephrine)\b",
        "overdose": r"\boverdos(ed|ing)\b",
        "bleeding": r"\b(bleeding|blood) (\w+ ){0,2}(won'?t|will not|doesn'?t|isn'?t|not) stop|\b(won'?t|can'?t|"
        r"doesn'?t) stop (the )?bleed\w*|\bbleeding (heavily|badly|a lot|profusely|everywhere|so much)\b|"
        r"\bblood everywhere\b|\bspurting\b|\b(vomiting|throwing up|coughing up|spitting( out)?|puking|threw up|"
        r"vomited|coughed up) (\w+ ){0,3}blood\b|\b(stabbed|been shot|got shot|gunshot)\b|\bpissin\w* blood\b|"
        # sixth pass (dev_hedged): vomit like coffee grounds (bleeding in the stomach), blood pooling, pads soaked
        r"\b(vomit\w*|throw\w* up|threw up|puk\w*|being sick)\b.{0,30}\bcoffee[- ]grounds?\b|\b(pool|pools|puddle) of "
        r"blood\b|\b((a lot|lots|loads|so much|tons) of )?blood (is )?pooling\b|"
        r"\bsoak\w* (through )?(\d+|a|one|two|three|four|five|several) (pads?|towels?)\b",
        "seizure": r"\bseizing\b|\bconvulsing\b|\b(still|keeps?) (seizing|fitting|convulsing|having seizures|"
        r"having a fit)\b|\bseizure (won'?t|isn'?t|hasn'?t) stop|\bhaving a (fit|seizure) (and|for|that)\b",
        "trauma_other": r"\bworst (headache|pain) (of my life|ever|i'?ve ever)\b|"
        # testicular torsion: sudden severe pain in a testicle, or one sitting higher (an emergency within hours)
        r"\b(testicles?|testis|scrotum)\b.{0,60}\b(sudden\w*|agon\w*|excruciating|sitting higher|higher than the "
        r"other)\b|\b(sudden\w*|agon\w*|excruciating)\b.{0,40}\b(testicles?|testis|scrotum)\b|"
        r"\b(got |was |been )?knocked "
        r"(out|unconscious)\b|"
        # the rash of meningococcal sepsis: it does not fade under a pressed glass, purple spots with a fever
        r"\b(rash|spots|dots|blotches|marks)\b.{0,60}\b(doesn'?t|don'?t|won'?t|didn'?t|does not|do not|not) (fade|go "
        r"away|disappear|blanch)\w*\b.{0,30}\b(glass|press\w*|tumbler)\b|\bnon-?blanching\b|\b(purple|purplish) "
        r"(rash|spots|dots|blotches)\b.{0,60}\b(fever|temperature|sleepy|floppy|drowsy|stiff neck)\b|"
        r"\b(fever|temperature)\b.{0,60}\b(purple|purplish) (rash|spots|dots|blotches)\b|"
        # a fall that leaves someone unable to stand or with a leg turned out: a broken hip or leg
        # (not "can't stand for long" or "can't get up the stairs easily": a lasting limit, not an injury now)
        rf"\b(fell|fall|fallen|slipped|tripped)\b.{{0,60}}\b{_CANT_BEAR_WEIGHT}|\b{_CANT_BEAR_WEIGHT}.{{0,60}}\b(fell|"
        r"fall|fallen|slipped|tripped)\b|\b(leg|foot) (is |looks )?(turned out(wards)?|shorter and turned)\b|"
        # sixth pass (dev_hedged), signs told without naming the condition: a floppy newborn that won't feed; a stiff
        # neck with a fever (meningitis); an electric shock; a chemical on the skin that greys it; a rigid belly
        r"\b(baby|newborn|infant|\d+ ?(day|days|week|weeks|wk|wks) old)\b.{0,60}\b(floppy|limp)\b|"
        r"\bstiff neck\b.{0,60}\b(fever|temperature|light hurts|vomit\w*|rash)\b|\b(fever|temperature)\b.{0,60}\bstiff "
        r"neck\b|\b(touched|grabbed|hit) a live wire\b|\belectrocuted\b|\belectric shock\b.{0,60}\b(chest|heart|burns?|"
        r"unconscious|collapsed)\b|\b(skin|it)\b.{0,20}\b(looks|is|went|gone|turning) (grey|gray|white|black|leathery|"
        r"charred)\b|\b(stomach|belly|tummy|abdomen) (is |feels |went )?(rock hard|rigid|hard as a board)\b|"
        r"\b(fell|fall|fallen|hit|banged|bumped|knocked)\b.{0,40}\bhead\b.{0,80}(?<!\bno )(?<!\bnot )(?<!n't )"
        r"\b(vomit\w*|sleepy|drowsy|confused|won'?t wake|doesn'?t want to wake|hard to wake)\b|"
        # a large burn (NHS: A&E for a burn larger than the hand or on the face, hands or feet)
        r"\bburn\w*\b.{0,30}\b(covers|covering|all over|over most of|most of|the whole)\b.{0,20}\b(hand|palm|arm|leg|"
        r"face|chest|back|belly|body|foot)\b",
    }.items()
}
_POISONS = (
    r"bleach|antifreeze|drain cleaner|rat poison|weed ?killer|pesticide|lighter fluid|batter(y|ies)|magnets?|"
    r"laundry (pods?|detergent|capsules?)|detergent pods?|vape (liquid|juice)|e-?liquid|lamp oil|paraffin|"
    r"cleaning (product|liquid|fluid)|poison|dishwasher (tablets?|pods?)|ammonia|methanol|mushrooms?|berries|"
    r"nicotine|gasoline|petrol|windscreen wash|oven cleaner|caustic|lye"
)
_POISONING = re.compile(
    rf"\b(drank|swallowed|ate|eaten|eating|drunk|drinking|bit into|chewed|chewing|got into|sucked on|sucking on|licked|"
    rf"licking|found (him|her|them|my \w+|the (baby|kid|toddler)) (with|playing with|holding))\b.{{0,40}}\b({_POISONS})"
    rf"\b|\b({_POISONS})\b.{{0,50}}\b(might|may|could|must) have (licked|drunk|swallowed|eaten|drank|bitten|chewed)\b|"
    r"\bmixed (bleach|ammonia)\b|\b(got into|into) (my|the|his|her) (medicine|meds|pills|purse|bag) "
)
_FORAGED = re.compile(r"\b(mushrooms?|berries|plant|leaves|seeds)\b")
_HABITUAL = re.compile(r"\b(a|per|each|every) (day|night|week|morning)\b|\bdaily\b|\bmax(imum)?\b")
_CHILD = re.compile(r"\b(toddler|baby|infant|child|kid|son|daughter|boy|girl|\d+ (year|month|week) old|newborn)\b")
_MEDICINE = re.compile(
    r"\b(pills?|tablets?|tabs|capsules?|caps|meds|medicines?|medications?|doses|gummies|tylenol|paracetamol|"
    r"acetaminophen|ibuprofen|advil|motrin|aspirin|aleve|naproxen|xanax|xans|alprazolam|valium|diazepam|"
    r"klonopin|clonazepam|ativan|lorazepam|benzos?|benadryl|diphenhydramine|melatonin|ambien|zolpidem|oxys?|"
    r"oxycodone|oxycontin|percs|percocets?|vicodin|hydrocodone|codeine|tramadol|morphine|fentanyl|methadone|"
    r"opioids?|opiates|sertraline|zoloft|prozac|fluoxetine|citalopram|lexapro|escitalopram|amitriptyline|"
    r"antidepressants?|lithium|seroquel|quetiapine|insulin|metformin|digoxin|warfarin|iron|vitamins?|"
    r"sleeping pills|sleepers|painkillers|antihistamines|tachipirina|dipirona|adderall|ritalin|edibles)\b"
)
_TAKEN = re.compile(
    r"\b(took|taken|swallowed|downed|popped|injected|chugged|necked|overdosed on|od'?d on|had|ate|drank|gulped)\b"
)
_NUMBER_WORDS = {
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100,
    "dozen": 12, "dozens": 24,
}  # fmt: skip
_BULK = re.compile(
    r"\b(whole|entire|full|half (a|the)) (bottle|box|pack|packet|strip|blister|tub|jar|container|sheet)\b|"
    r"\b(\d+|two|three|four|several) (bottles|boxes|packs|packets|strips|blisters)\b|\bhandful\b|"
    r"\b(a )?(bunch|load|lot|lots|pile) of\b|\ball (of )?(my|his|her|the|their) (pills|meds|tablets|medication)\b|"
    r"\btoo many\b|\bway too much\b|\btook them all\b|"
    # right after the verb: "swallowed a bottle of tylenol" (a bottle, not a dose from one)
    r"^\s*(a|the|my|his|her|their|mum'?s|mom'?s|dad'?s) (bottle|box|pack|packet|strip|tub|jar|blister pack) of\b"
)
_HIGH_RISK = re.compile(
    r"\b(oxy\w*|percs?|percocet|opioids?|opiates|fentanyl|methadone|morphine|heroin|tramadol|codeine|xanax|xans|"
    r"benzos?|valium|diazepam|klonopin|ativan|sleeping pills|ambien|zolpidem|insulin|lithium|amitriptyline|"
    r"digoxin|methotrexate|warfarin|iron)\b"
)
_MISDOSE = re.compile(r"\b(twice|double|two doses|instead of|by mistake|by accident|accidentally|extra dose)\b")
_DURATION = re.compile(r"^\s*(\w+ )?(minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|yo|times|am|pm)\b")

_READING_SYMPTOM = re.compile(
    r"\b(confus\w*|shak\w*|trembl\w*|sweat\w*|dizz\w*|faint\w*|pass(ing|ed)? out|drows\w*|sleepy|letharg\w*|"
    r"slurr\w*|vomit\w*|throwing up|chest (pain|hurts|tight\w*)|short of breath|can'?t breathe|breathing fast|"
    r"headache|blurr\w*|vision|seeing double|numb\w*|weak\w*|unresponsive|won'?t wake|seizure|racing|pounding|"
    r"lightheaded|clammy|ice cold|mottled|stiff neck|floppy|limp|not making sense|can'?t think|thirsty|peeing|"
    r"nause\w*|agitated|bluish|blue|shivering|can'?t finish a sentence|short of breath|hard to wake|coughing|"
    r"burn(s|ing)|foaming|drooling|screaming|sores|ulcers|bruis\w*|bleed\w*|"
    # other languages (folded): trembling, confused, blurred vision, headache, dizzy, drowsy
    r"tiembl\w*|tembl\w*|confundid\w*|borroso|cabeza|mareo\w*|somnolient\w*|reflechir|vision floue|mal de tete|"
    r"vertige\w*|zitter\w*|verwirrt|schwindel\w*|kopfschmerz\w*|verschwommen|benommen|confus[oa]|trem\w*|"
    r"tontu\w*|sonolent\w*|verward|duizelig|hoofdpijn|splatan\w*|zawrot\w*|titri\w*|bulanik)\b"
)
_NUM = r"(\d{1,3}(?:[.,]\d{1,2})?)"
_GLUCOSE = re.compile(
    r"\b(blood sugar|glucose|bg|sugar|glyc[ée]mie|glycemia|az[uú]car|glucosa|glicemia|glicose|zucchero|"
    r"blutzucker|zucker|suiker|bloedsuiker|cukier|seker|kan sekeri)\b"
)
_NOT_A_READING_AFTER = re.compile(
    r"\s*(%|years?|yrs?|yo|y/o|units?|u\b|iu|kg|lbs?|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|times|am|pm|"
    r"mg(?!/dl)|carbs|g\b(?!/l))"
)
_OUT_OF_RANGE = re.compile(
    r"\b(meter|monitor|reading|cgm|glucometer|libre|dexcom)\b.{0,20}\b(says|shows|reads|read|is)\s+(lo|hi)\b"
)
_READING_AGAIN = re.compile(r"\b(it'?s|its|reading|reads|read|checked|meter says|it says|it was)\b[^\d]{0,12}\d")
_BP = re.compile(r"\b(\d{2,3})\s?(/|over)\s?(\d{2,3})\b")
_BP_WORDS = re.compile(
    r"\b(blood pressure|pressure|tension|presi[oó]n|pression|blutdruck|pressione|press[aã]o|bloeddruk|"
    r"ci[sś]nienie|tansiyon)\b"
)
_OXYGEN = re.compile(
    r"\b(oxygen|saturation|saturaci[oó]n|sauerstoff\w*|saturazione|satura[cç][aã]o|saturatie|saturacja|oksijen)\b"
    r"[^\d]{0,25}" + _NUM + r"\s?%?"
)
_HEART_RATE = re.compile(r"\b(heart rate|heartrate|pulse|heart is beating|bpm)\b[^\d]{0,25}(\d{2,3})\b")
_TEMPERATURE = re.compile(
    r"\b(temp|temperature|thermometer|fever|febre|fi[eè]vre|fieber|fiebre|febbre|koorts|gor[aą]czka|"
    r"ate[sş])\b[^\d]{0,25}"
    r"(\d{2,3}(?:[.,]\d)?)"
)
_SERIOUS_FEVER_SIGNS = re.compile(
    r"\b(confus\w*|stiff neck|neck is stiff|mottled|blotchy|floppy|limp|unresponsive|won'?t wake|hard to (wake|keep "
    r"awake)|barely (responding|awake)|seizure|fitting|breathing (really |very )?fast|rash|can'?t keep anything "
    r"down|shivering|slurr\w*|drows\w*|ice cold|not making sense|haven'?t peed|no urine|dizzy)\b"
)
_CHEMO = re.compile(r"\b(chemo\w*|neutropeni\w*)\b")
_YOUNG_INFANT = re.compile(
    r"\b(\d+|a|one|two|three|four|five|six) (days?|weeks?) old\b|\bnewborn\b|\b[12] months? old\b"
)

_SELF_HARM_INTENT = re.compile(
    r"\b(kill(ing)?|hurt(ing)?|harm(ing)?|cut(ting)?|hang(ing)?|shoot(ing)?|drown(ing)?|poison(ing)?|starv(e|ing)) "
    r"(myself|my ?self)\b|\bend(ing)? (my|my own) life\b|\b(end|ending) (it all|things|everything)\b|"
    r"\bend it (tonight|today|now|soon|all)\b|\b(want|going|planning|decided|ready|gonna) to end it\b|"
    r"\btake my (own )?life\b|\bwant(ed|s)? to die\b|\bwanna die\b|\bwish i (was|were) dead\b|"
    r"\bbetter off (dead|without me)\b|\bdon'?t want to (live|be alive|be here|exist|wake up)\b|"
    r"\bnot (going to|gonna) be (alive|around|here)\b|\bno (reason|point) (to|in) (live|living|go on|going on)\b|"
    r"\b(life|it) (isn'?t|is not|ain'?t) worth (living|it anymore)\b|\bsleep forever\b|\bnever wake up\b|"
    r"\b(goodbye|suicide) (note|letter|message|post|video)\b|\bmade my peace\b|\bnoose\b|"
    r"\b(slit|slash|cut) (my|his|her|their) wrists?\b|\bgoing to slit\b|"
    r"\bjump(ing)? (off|from|in front of)\b|\bstanding on (the|a) (edge|bridge|roof|ledge)\b|"
    r"\b(the )?voices\b.{0,30}\b(tell|telling|told) me to\b|"
    r"\b(hoard|hoarding|saving|saved|stockpil\w+|collect\w*|stash\w*) (up )?(all )?(my |the )?(pills|meds|medication|"
    r"tablets|painkillers|sleeping (pills|tablets))\b|"
    r"\bhave enough (saved|stored|pills|to do it)\b|\b(take|swallow) (them )?all (of them )?tonight\b|"
    r"\bplan to take them all\b|\bhow many (of my |of these |of the )?(pills|tablets|meds) (it )?would (it )?take\b|"
    r"\bhow many (of )?(my|these|those) \w+( \w+)? would it take\b(?! to (get|reach|see|work|feel|notice|build))|"
    r"\b(what|something) i (might|could|'?ll|will|am going to|'?m going to) do to myself\b|"
    r"\bdying would be (a )?relief\b|"
    r"\bwish i could (just )?(die|disappear|not wake up)\b(?! for (a|an|the|one|two|\d+|a few) )|"
    r"\b(thinking|thought|thoughts) (about|of) (dying|ending (it|my life)|killing myself|suicide)\b|"
    r"\bgarage\b.{0,30}\bcar (is )?running\b|\bcar running\b.{0,30}\bgarage\b|"
    r"\btell (my \w+|them|everyone|everybody)\b.{0,20}\b(i'?m sorry|i love)\b|"
    r"\b(gun|pistol|rifle|knife|razor|razor'?s|blade|pills|rope)\b.{0,40}\b(in front of me|on the table|in my hand|"
    r"right here|lined up|next to me|ready)\b|\bcut (myself )?(too |2 |so |really )?deep(er)?\b|\bbeen cutting\b|"
    r"\b(cutting|burning|hurting) (myself )?again\b|\bsh again\b|\bgoing to overdose\b|\boverdose on purpose\b|"
    r"\b(kill|hang|shoot|cut) (herself|himself|themselves)\b|\bend (her|his|their) life\b|"
    r"\b(posted|sent|left) a goodbye\b|\bgoing to (do it|go through with it) tonight\b|"
    r"\b(should|want to|could) just join (her|him|them)\b|"
    r"\b(cut|sliced|slashed|burn(ed|t)|stabbed|hurt|took|swallowed|overdosed|hit)\b.{0,60}\b(on purpose|deliberately|"
    r"intentionally)\b|\b(on purpose|deliberately)\b.{0,30}\b(cut|slice|took|swallowed|overdosed|burn)|"
    r"\b(step|stepping|walk|walking|jump|jumping|throw myself|lie down|lying down)( out)? in front of (a|the|an) "
    r"(train|bus|car|truck|lorry|tram|subway)\b|\bjoin (her|him|them) (in heaven|on the other side)\b|"
    # passive wishes to be gone, and being "done" with living
    r"\b(want|wanting|wish|wishing)( to)? (just )?(disappear|vanish) (forever|for good|permanently)\b|"
    r"\bstop existing\b|\bnot (to )?exist (anymore|any more)\b|"
    r"\b(i'?m|i am) (so |just )?done with (life|living|everything|it all|being alive|this life)\b|"
    # a high place asked about by someone who says they are done
    r"\b(tallest|highest) (bridge|building|car ?park|parking (garage|structure)|multi-?storey|cliff|roof|tower|"
    r"block of flats)s?\b.{0,80}\b(i'?m done|i am done|can'?t (do|take) (this|it)|asking because|for me)\b|"
    # a goodbye sent by someone (a text saying sorry for everything, that they love us all)
    r"\b(message|text|texted|messaged|note|posted|post|voicemail|letter)\b.{0,40}\b(sorry for everything|"
    r"goodbye to (us|everyone|me|you all)|(he|she|they) loves? (us|me|you|everyone) all)\b|"
    # passive wishes told sideways: not waking up would be fine, thoughts of not existing
    r"\b(hope|hoping|wish|pray|praying) (that )?i (don'?t|do not|never|won'?t) wake up\b|"
    r"\bif i (don'?t|didn'?t|never) wake up\b.{0,40}\b(fine|ok|okay|good|a relief|for the best|wouldn'?t (mind|care)|"
    r"don'?t (mind|care))\b|\b(thinking|thought|thoughts) (about|of) (just )?(not existing|not being (here|alive|"
    r"around)|disappearing forever)\b|\b(didn'?t|did not) want to (wake up|live|be alive|be here)\b|"
    r"\bbecause i (want|wanted) to die\b|\buntil i (disappear|die|vanish|waste away|am gone|'?m gone)\b|"
    # an act of self-injury again, a heart the writer would let stop (eating disorders)
    r"\bi (cut|burned|burnt|scratched|punched|hit) (myself )?again\b|"
    r"\b(scratch|scratching|scratched|hit|hitting|punch\w*|bang\w*|pick|picking|bite|biting) (at )?(my|myself)\b"
    r"( \w+){0,2} (till|until|til|so hard) (they |it |i )?(bleed|bled|bruise|bruised)\b|"
    r"\b(don'?t|do not) care if (it|my heart|i) (stops|die|dies)\b|\bhope my heart (just )?stops\b|"
    r"\bdon'?t want (any )?help\b.{0,30}\bwant it (all )?to (be over|end|stop)\b|"
    # rehearsals and preparations that need no other sign
    r"\b(practi[cs]\w*|rehears\w*|tested|testing|tried out) (\w+ ){0,2}(the |a )?(knots?|nooses?|ligatures?)\b|"
    r"\blife insurance\b.{0,80}\b(looks? like an accident|suicide|if i (kill|die|end))\b|"
    r"\b(make|making|would|will|could) (it|that|my death) look like an accident\b|"
    # someone shut in with the means
    r"\blocked (himself|herself|themselves|myself) in\b.{0,40}\b(razors?|blades?|knife|knives|pills|rope|belt|gun)\b|"
    r"\bwish(es|ed)? (i|he|she|they) (wasn'?t|weren'?t|had never been|was never) born\b|"
    r"\b(keep|kept|been) (looking|staring) (at|down at) the (tracks|edge|drop|water below|rope|pills)\b|"
    r"\b(starv\w*|not eating|haven'?t eaten|kept anything down|making myself sick|purg\w*)\b.{0,40}\bon purpose\b|"
    r"\buntil there'?s nothing left of me\b|"
    r"\b(burn\w*|cut|cutting|hit|hitting|punch\w*|scratch\w*|stab\w*)\b.{0,40}\bto (feel (something|anything|real|"
    r"in control)|punish myself|stop feeling)\b|\b(family|everyone|they) would be (relieved|happier|better) if i\b"
)
# A crisis told sideways, without a word of dying (dev_indirect): being a problem that will soon stop, others better
# off or cheaper, a body to be found, a way out, a walk with no return, a note so nobody is blamed, self-injury that
# is no longer enough. Each names an end of the writer, not a mood.
_INDIRECT_INTENT = re.compile(
    # seventh pass (dev_context): exhaust fumes in a closed garage or car, told as what the writer is doing
    r"\b(sitting|sat|i'?m|i am|been|lying)\b.{0,40}\b(in|inside) (the|my) (car|garage)\b.{0,100}\b(engine|motor) "
    r"(is |still )?(running|on)\b|\b(engine|motor) (is |still )?(running|on)\b.{0,100}\b(i'?m|i am|sitting|sat)\b"
    r".{0,20}\b(in|inside) (the|my) (car|garage)\b|\bhose\b.{0,40}\b(exhaust|window)\b|\bexhaust\b.{0,40}\bhose\b|"
    r"\bbetter off with (the|my) (money|insurance|life insurance|payout)\b|"
    r"\bstop being (a |an |the )?(\w+'?s? )?(problem|burden|bother|weight)\b|"
    r"\b(they|you|everyone|nobody|no one|my (family|parents|wife|husband|kids|children|mum|mom|dad|partner))\b.{0,10}"
    r"\b(won'?t|will not|will no longer) (have to|need to) (carry|deal with|worry about|put up with|pay for|look after|"
    r"take care of|support)\b|"
    r"\b(won'?t|will not|not going to) be (a |an )?(problem|burden|bother|trouble|issue|around|here|in the way)\b"
    r".{0,30}\b(much longer|for (much )?long|soon|after (tonight|today|tomorrow|this|next|friday|monday|tuesday|"
    r"wednesday|thursday|saturday|sunday|christmas))\b|"
    r"\b(cheaper|easier|better|happier|simpler|lighter|freer|richer)\b.{0,25}\bif i (wasn'?t|weren'?t|was not|were not|"
    r"was gone|were gone|didn'?t exist|disappeared|died|was dead)\b|"
    r"\b(will|would|'ll|'d) be (just )?(fine|ok|okay|better|better off|happier|alright|all right) without me\b"
    r"(?! (for|while|during|at|on|this|tonight|until|if))|"
    r"\b(won'?t|will not) (be )?(need|needing|read|reading|use|using|see|seeing)\b.{0,30}\bafter (tonight|today|"
    r"tomorrow|this week\w*|friday|saturday|sunday|monday)\b|\bwon'?t need (them|it|these|any of (it|this)) where i'?m "
    r"going\b|\b(don'?t|do not|not) (plan|planning|intend|intending) (on|to) (be|being) (around|here|alive)\b|"
    r"\b(don'?t|do not) (plan|expect) (on|to) (need|needing) (it|this|them|to)\b.{0,20}\b(long|update|again)\b|"
    r"\b(find|found|finds|discover\w*) my body\b|\bmy body (\w+ ){0,2}(found|discovered)\b|"
    r"\b(least painful|painless|peaceful|quickest|easiest|surest|quietest) (way|method)s? out\b|"
    r"\b(sharper|deeper)\b.{0,30}\b(razor|blade|knife|cuts?)\b.{0,30}\b(not enough|isn'?t enough|anymore)\b|"
    r"\b(razor|blade|cutting)\b.{0,40}\b(not enough|isn'?t enough)( anymore)?\b|"
    r"\b(note|letter|message|words)\b.{0,40}\bso (he|she|they|my \w+|nobody|no one) (doesn'?t|don'?t|won'?t|"
    r"wouldn'?t|will not) (blame|feel guilty|feel responsible)\b|"
    r"\b(left|leaving|wrote|sent|found) (a|me a|us a|his|her|their) (note|letter)\b.{0,60}\b(not coming (home|back)|"
    r"sorry for everything|goodbye|can'?t (go on|do this)|won'?t be (home|back|around))\b|"
    r"\bgo(ing|es)? for a (long )?(walk|swim|drive)\b.{0,40}\b(not|never|won'?t|will not)( be)? (come|coming) back\b|"
    r"\b(walk|swim|wade|drive|head)\w* (out )?(into|off) (the )?(sea|ocean|lake|river|water|woods|forest|cliff)\b"
    r".{0,40}\b(not|never) (come|coming) back\b|"
    r"\b(make|let|help) me (not|never) wake( up)?\b|\bnever waking up\b|"
    r"\b(fine|ok|okay|happy|glad|good|content) (with|if)( just)? (never|not) (waking|wake|being here|being alive|"
    r"existing)\b|\b(writ\w*|draft\w*|wrote|prepar\w*) my (own )?(obituary|eulogy|epitaph)\b|"
    r"\b(i'?m|i am) (already |now |right now )?(standing|sitting|lying|waiting) (on|by|next to|beside|between) (the )?"
    r"(train |railway )?tracks\b|\btracks\b.{0,60}\b(i'?m|i am) (already |now |right now )?(standing|sitting|lying|"
    r"waiting) (on|by|next to|beside) (them|it)\b|"
    r"\b(crash|swerve|drive|step|walk|fall)\w*\b.{0,30}\b(on purpose|deliberately)\b|"
    r"\b(walk|step|run|jump|throw myself)\w* (out )?(into|in front of) (the )?(traffic|oncoming (traffic|cars))\b|"
    # farewells: love said in the past tense, a last message, a note that explains why
    r"\b(know|remember) (that )?i (loved|always loved) (you|you all|all of you|everyone|them)\b|"
    r"\bif i (don'?t|do not|never) (reply|answer|respond|make it|come back|wake up)\b.{0,40}\b(loved|goodbye|look "
    r"after|take care of)\b|\b(last|final) (message|text|post|words)\b.{0,30}\b(i'?ll|i will|i'?m going to|you'?ll) "
    r"(ever )?(send|write|post|get|hear)\b|\bso (they|he|she|nobody|no one|you) (don'?t|won'?t|doesn'?t|never) "
    r"(have to )?(wonder|ask) why\b|"
    r"\b(voices?|something in my head)\b.{0,30}\b(tell|telling|told|say|saying|said|want|wants) (me to|i should|i "
    r"must|i have to)\b|"
    r"\b(dip|leave|exit|check out|log off|peace out|escape|disappear) (from |of )?(existence|this (world|life|planet|"
    r"earth)|the world|life)\b(?! (for a|for the|for \d|on|at))"
)
# Pills bought or kept where nobody would ask: means gathered in secret (with a medicine in the clause).
_CONCEALED = re.compile(
    r"\bso (nobody|no one|they|the pharmacist|people|nobody at the \w+) (would|will|wouldn'?t|won'?t) (ask|notice|"
    r"question|suspect|get suspicious|find out)\b"
)
_HOARDING = re.compile(r"\b(hoard\w*|stockpil\w*|stash\w*|squirrel\w* away|saving up|been saving|been collecting)\b")
# An overdose told with why: the crisis response, not only the emergency one.
_WHY_TAKEN = re.compile(
    r"\b(want|wanted|need|needed) (it all|everything|this|it|the pain|all of it) to (stop|end|be over)\b|"
    r"\bdon'?t want to (be here|be alive|live|wake up|exist)\b|\bon purpose\b|\bto (end it|die|not wake up)\b"
)
# A head injury, then a danger sign of one (NICE head injury: vomiting, drowsiness, confusion, unequal pupils...).
# Lips or tongue swelling in a message that names an allergy, a nut or a sting (told in another clause).
_ALLERGEN = re.compile(r"\b(allerg\w*|nuts?|peanuts?|stung|sting|bee|wasp)\b")
_SWELLING = re.compile(
    r"\b(lips?|tongue|mouth|throat) (are |is |has |have )?(\w+ )?(swelling|swollen|puffing up|puffed up)\b"
)
_HEAD_INJURY = re.compile(
    r"\b(hit|banged|bumped|knocked|smacked|whacked|cracked|bashed) (\w+ ){0,2}head\b|\bhead (injury|knock|bump)\b|"
    r"\bfell (\w+ ){0,3}(on|onto) (his|her|my|their) head\b"
)
_HEAD_DANGER = re.compile(
    r"\b(vomit\w*|throwing up|threw up|been sick|drows\w*|sleepy|hard to wake|won'?t wake|confus\w*|pupils?|"
    r"keeps? (asking|repeating)|repeating (himself|herself|themselves)|clear fluid|seizure|fitting|slurr\w*|"
    r"can'?t remember|not making sense)\b"
)
# Warning signs of suicide: one alone is ambiguous ("I've picked a date"), two in one message are a plan.
_WARNING_SIGNS = (
    re.compile(
        r"\b(looking|looked|look|searching|searched|googling|googled|researching|researched|reading) (up |into )?"
        r"(ways|how|methods)( to)? (do it|die|end it|kill myself|not wake up)\b"
    ),
    re.compile(r"\b(worked|figured) out (exactly )?how\b|\bknow (exactly )?how (i'?d|i would|i'?ll|i will) do it\b"),
    re.compile(r"\b(picked|chosen|chose|set|got) (a|the) (date|day)\b(?! for)"),
    re.compile(
        r"\b(giv(e|ing|en)|gave) (away )?(some of |all of |most of )?(my|his|her) (stuff|things|belongings|"
        r"possessions|games|clothes)\b"
    ),
    re.compile(
        r"\b(goodbye|farewell) (letters?|notes?|messages?)\b|\b(written|wrote|writing) (letters?|notes?) to (my|"
        r"everyone)\b|\bsaid (my )?goodbyes\b|\bput my affairs in order\b"
    ),
    re.compile(
        r"\b(calm|calming|peaceful|at peace|a relief|relieved)\b.{0,60}\b(decision|decided)\b|"
        r"\b(decided|decision)\b.{0,40}\b(calm|calming|peaceful|at peace|relieved)\b"
    ),
    re.compile(
        r"\bsort(ed|ing)? (out )?(the |my |all my )?(paperwork|finances|affairs|will|passwords|accounts)\b|"
        r"\b(written|wrote|made|updated) (my|a) will\b|\bso (she|he|they|my \w+) (gets?|will get|has) everything\b"
    ),
    re.compile(
        r"\b(decided|going|planning|plan) (that )?(i'?m going |i am going )?to do it (this|tonight|tomorrow|on|after|"
        r"when|before|next)\b"
    ),
    re.compile(r"\b(just )?want(ed)? (to tell someone|someone to know|somebody to know)\b"),
    re.compile(
        r"\b(this|today|tonight|it)('s| is| will be) my last (night|day|week|weekend)\b(?! (at|in|of|on|before|with|as|"
        r"off|here|working|shift))|"
        r"\b(tonight|today|tomorrow|this weekend)('s| is| might be| could be| will be| may be) "
        r"(it|the night|the day)\b"
    ),
    re.compile(
        r"\b(feel|feeling|felt) (\w+ ){0,2}(calm|peaceful|at peace|relieved|lighter)\b.{0,20}\b(about it|now)\b"
    ),
    re.compile(
        r"\b(letters?|notes?) (are |is )?(all )?(sealed|written|ready|addressed)\b|"
        r"\b(songs|music|playlist|hymns|outfit|flowers|readings) (for|at) my (own )?funeral\b"
    ),
    re.compile(r"\b(everything|it all|all)( is|'s) (arranged|sorted|in order|taken care of)\b"),
    re.compile(
        r"\b(found|finding|find) (a )?(new )?home for (my|the) (dog|cat|pets?|rabbit|bird)\b|"
        r"\b(gave|giving|given|handing|handed) (me |us |away |out )?(all )?(his|her|my|their) (\w+ )?(watch|ring|"
        r"jewel\w*|guitar|books|car|savings|dog|cat|pets?|games|stuff|things)\b"
    ),
    re.compile(
        r"\b(a|the) (date|day) (picked|chosen|set|planned)\b|\bthe (date|day) is (tomorrow|tonight|today|set|this "
        r"(week|weekend|friday|saturday|sunday))\b"
    ),
    re.compile(
        r"\b(told|tell|telling)\b.{0,30}\b(i'?m|i was|i am) (fine|ok|okay)\b.{0,30}\bso (she|he|they|people|nobody)"
        r"('d| would)? (stop|stops|won'?t|wouldn'?t) (asking|worrying|checking|notice)\b"
    ),
    re.compile(
        r"\b(life )?(insurance|policy|payout|life cover)\b.{0,60}\b(pays? out|covers? (everything|suicide)|two years?|"
        r"suicide clause|worth more|more than i)\b"
    ),
    re.compile(
        r"\bcosts? (\w+ ){0,3}more than i'?m worth\b|"
        r"\b(i'?m|i am) (just )?(a burden|a weight|dead weight|a waste of)\b|"
        r"\bweight (around|round) (\w+ ){0,2}necks?\b"
    ),
    re.compile(r"\b(test\w*|check\w*)\b.{0,40}\b(door ?handle|door ?knob|beam|banister|hook|rail)\b"),
    re.compile(
        r"\b(parked|driven|drove|gone|went|walked|hiked) (\w+ ){0,2}(somewhere|place) (quiet|remote|secluded|isolated|"
        r"nobody|no one)\b|\bsomewhere (nobody|no one) (will|would|can|could) find me\b"
    ),
    re.compile(r"\b(got|have|brought|packed) everything i need\b"),
)
# A question about a way to die is a topic; with the writer saying it is for them, it is a plan.
_METHOD = re.compile(
    r"\bexhaust\b.{0,40}\b(painless|peaceful|quick|how long)\b|\b(painless|peaceful)\b.{0,40}\bexhaust\b|"
    r"\bbleed (out|to death)\b|\bhit an artery\b|\b(peaceful|painless|quickest|easiest|surest|quiet) (way|method)s? "
    r"to (go|die|end it|do it)\b(?! (to|for|about|on|out|home|back|with)\b)|\b(a )?(peaceful|painless) death\b|"
    r"\b(fall asleep|go to sleep|sleep) and (just )?(not|never) wake up\b|\b(not|never) wake up again\b|"
    r"\b(feel|notice) anything if you (overdose|overdosed|od)\b|\boverdose on\b|"
    r"\b(bridge|building|car ?park|cliff|roof|tower|block of flats)s?\b.{0,30}\b(highest|tallest)\b|"
    r"\bhow (high|many (floors|storeys|stories)|far) (would|do|does|is)\b.{0,30}\b(fall|jump|die|enough)\b|"
    r"\bhow (long|much)\b.{0,30}\bsurvive after (drinking|taking|swallowing|eating)\b|"
    # asked about oneself: "if I took all of them, would it hurt?", "is it high enough?", "how long before I pass out"
    r"\bif (i|someone|somebody|a person|you|one) (took|take|swallowed|swallow|injected|inject|drank|drink|had)\b.{0,60}"
    r"\b(would|will|could|does|do) (it|i|they|that|you|this)\b.{0,20}\b(hurt|quick|painless|kill|die|wake up|feel "
    r"(anything|it)|be over)\b|\bhigh enough\b|\b(open|cut|slit|slash)\w* (the |my )?(veins|arteries|artery)\b|"
    rf"\bhow much (\w+ ){{0,2}}({_POISONS})\b.{{0,50}}\b(need|take|drink|swallow|kill|die|enough)\b|"
    r"\bhow (long|quickly)\b.{0,30}\bbody (to be |gets |is )?found\b|\b(car )?exhaust\b.{0,30}\b(garage|hose|pipe)\b|"
    r"\b(is it|would it be|is that) (really )?(painless|peaceful|quick)\b.{0,30}\b(to go|to die|with|by|if)\b|"
    r"\bwould (stop|kill) (my|a|the|your) heart\b"
)
_FOR_ME = re.compile(
    r"\b(to myself|alone) tonight\b|\bhave the (garage|house|place|flat) to myself\b|"
    r"\basking (for )?(me|myself)\b|\bit'?s for me\b|\bfor myself\b|\basking because\b|\bi'?m done\b|"
    r"\bi have (exactly |enough |plenty |that many |so many |a full |a whole |\d+)|"
    r"\b(i'?ve|i have) (been )?(saving|saved|stockpil\w+|collecting|collected|hoard\w*)\b|\bsaving them( up)?\b|"
    r"\bi (bought|got|have) some\b|\bi'?m on the \w+ floor\b|"
    r"\bif i (took|take|swallowed|swallow|injected|inject|drank|drink|jumped|jump|cut|opened|open)\b|"
    r"\bi have (two|three|four|five|a few|several) (\w+ )?(boxes|bottles|packs|packets|strips)\b|"
    r"\b(i'?ve got|i have|i'?m holding|got) (them|it|these|those) (all )?(right )?(here|in front of me|in my hand|"
    r"next to "
    r"me|lined up|ready)\b|\bsomeone (my|of my) (size|weight)\b|\bi'?m \d+ ?(kg|kilos?|lbs?|pounds|stone)\b|"
    r"\bi weigh\b|\b(near|by|next to) my (work|house|home|flat|school|office|place)\b|\bi'?ve been going (up )?there\b|"
    r"\bi know (which|where|exactly)\b|\bi'?m (on|at|up on|standing on) (it|there|the (bridge|roof|ledge|edge))\b|"
    r"\bthe water'?s running\b|\bi'?m (sitting|lying) in the bath\b"
)
_SELF_HARM_TOPIC = re.compile(r"\bsuicid\w*|\bself harm\w*|\bkill myself\b")
# With the topic and a first person, what makes it the writer's own crisis now.
_TOPIC_NOW = re.compile(
    r"\b(i'?m|i am|feel|feeling|been|getting) (so |very |really |pretty |quite )?suicidal\b|\bsuicidal (thoughts|"
    r"tonight|again|now|urges|feelings)\b|\b(tonight|right now|plan|ready|going to|gonna|want to|thinking (about|"
    r"of)|can'?t stop|is all i (think|can think) about|again)\b"
)
_LETHAL = re.compile(
    r"\b(lethal|fatal|deadly|toxic|poisonous|overdose) (dose|amount|level|quantity|threshold)\b|"
    r"\b(lethal|fatal) overdose\b|\bhow (much|many)\b.{0,60}\b(to kill|kill (me|you|a person|someone|an adult)|"
    r"to die|would kill|will kill|(is|are|be|become|becomes) (lethal|fatal|deadly|toxic|an overdose|too much)|"
    r"to overdose|to od)\b|\bbecomes? (toxic|lethal|fatal)\b|\bdangerous in overdose\b|\bld50\b|"
    r"\b(dose|amount) (that|which) (would |will |could )?(kill|be fatal|be lethal)\b|"
    r"\bhow (many|much)\b.{0,60}\bwould (stop (my|a|the|your) heart|make me not wake)\b"
)
# A lethal-dose question about the writer's own death, body or medicines is a crisis, not a question.
_LETHAL_FOR_ME = re.compile(
    r"\b(kill me|for me|myself|i (want|need|plan|intend)|me to die|end (it|my life)|my (pills|meds|tablets|"
    r"medication|prescription|antidepressants|insulin|weight|size|body)|i weigh|someone (my|of my) (weight|size))\b|"
    r"\bhow many of my\b|\bi have (\d+|two|three|four|five|a few|several|a (whole|full)) "
)


# ------------------------------------------------------------------------------------ results
@dataclass
class Clause:
    """One clause of a message and what the rules read in it."""

    text: str
    sentence: int
    demoted: str = ""  # why it is not a present situation ("" when it is)
    risky: bool = False
    emergency: str = ""  # category of an unmistakable emergency phrase ("" when none)
    self_harm: bool = False
    lethal_question: bool = False
    self_harm_topic: bool = False
    rule: str = ""  # which rule fired, for logs

    @property
    def present_risk(self) -> bool:
        return self.risky and not self.demoted


@dataclass
class Reading:
    """Every clause of a message, its sentences, and the message-level cues."""

    language: str
    sentences: list[str]
    clauses: list[Clause] = field(default_factory=list)

    @property
    def fired(self) -> list[Clause]:
        return [c for c in self.clauses if (c.emergency or c.self_harm)]


def split_sentences(text: str) -> list[str]:
    """The sentences of a normalized message (decimal points and "3.5" are no sentence ends)."""
    parts = [p.strip(" ,") for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def split_clauses(sentence: str) -> list[str]:
    """A sentence cut before "but", "however", "and now"... when a new subject follows."""
    parts = [p.strip(" ,") for p in _CLAUSE_BREAK.split(sentence)]
    return [p for p in parts if p]


def read_clauses(text: str, language: str) -> Reading:
    """Split a normalized message into clauses and apply every rule to each (see the module docstring)."""
    sentences = split_sentences(text)
    frames = _Frames(
        language=language,
        actually_me=bool(_ACTUALLY_ME.search(text)),
        fiction=bool(_FICTION.search(text)),
        resolved=_resolved(text),
        whole=text,
        jest=bool(_JEST.search(text)) and not _JEST_CANCELLED.search(_CAUSED_WISH.sub(" ", text)),
        story_until=_story_until(sentences) if not _RECURRED.search(text) else -1,
    )
    reading = Reading(language, sentences)
    for index, sentence in enumerate(sentences):
        for part in split_clauses(sentence):
            reading.clauses.append(_read_clause(part, index, frames))
    _warning_signs(reading, frames)
    _method_for_me(reading, frames)
    _told_across_clauses(reading, frames)
    _overdose_with_intent(reading, frames)
    return reading


def _overdose_with_intent(reading: Reading, frames: _Frames) -> None:
    """An overdose told with why ("because I want it all to stop"): the crisis response, with the emergency number."""
    if frames.fiction or not _WHY_TAKEN.search(frames.whole):
        return
    for clause in reading.clauses:
        if clause.emergency == "overdose":
            clause.self_harm = True


def _warning_signs(reading: Reading, frames: _Frames) -> None:
    """Two warning signs of suicide in one message (ways looked up, a date picked, things given away...): each
    present clause that tells one is a crisis, though no clause says the word."""
    if frames.fiction or sum(bool(sign.search(frames.whole)) for sign in _WARNING_SIGNS) < 2:
        return
    for clause in reading.clauses:
        if clause.demoted in ("", "lasting") and any(sign.search(clause.text) for sign in _WARNING_SIGNS):
            clause.self_harm, clause.rule = True, "warning_signs"


def _method_for_me(reading: Reading, frames: _Frames) -> None:
    """A way to die asked about ("how long to bleed out", "is paracetamol a peaceful way to go?") by a writer who
    says it is for them ("asking for me", "I've been saving them up"): the question clause is a crisis, whatever
    its question frame."""
    if frames.fiction or not (_METHOD.search(frames.whole) and _FOR_ME.search(frames.whole)):
        return
    for clause in reading.clauses:
        if clause.demoted not in ("past", "resolved", "fiction") and _METHOD.search(clause.text):
            clause.self_harm, clause.rule = True, "method_for_me"


# Signs that make sense together though told in different clauses ("my chest has been tight for an hour and
# now I'm sweaty"): chest pain with a cold sweat (NICE CG95), an infection with two signs of sepsis.
_CHEST = re.compile(
    r"\bchest\b.{0,30}\b(pain|pressure|tight\w*|heav\w*|hurts?|squeez\w*|crush\w*)\b|"
    r"\b(pain|pressure|tight\w*|heav\w*|squeez\w*|crush\w*)\b.{0,20}\bchest\b"
)
_COLD_SWEAT = re.compile(r"\b(sweaty|sweating|clammy|cold sweat|drenched in sweat)\b")
_INFECTION = re.compile(
    r"\b(infection|infected|uti|cellulitis|pneumonia|abscess|chemo\w*|c-?section|after (his |her |my )?(surgery|"
    r"operation|giving birth)|wound|kidney infection|chickenpox|flu)\b"
)
_SEPSIS_SIGNS = re.compile(
    r"\b(confus\w*|muddled|not making sense|mottled|blotchy|clammy|ice cold|cold and clammy|drows\w*|hard to wake|"
    r"floppy|limp|shivering|shaking chills|rigors|breathing (really |very )?fast|heart (is )?racing|haven'?t peed|"
    r"hasn'?t peed|not peed|no urine|faint|slurr\w*|feel like i'?m going to die|red streaks?)\b"
)


def _told_across_clauses(reading: Reading, frames: _Frames) -> None:
    """Chest pain and a cold sweat, or an infection and two sepsis signs, told in separate present clauses of at
    most two sentences (a long message's background does not pair with its last lines)."""
    if frames.fiction or reading.fired:
        return
    present = [c for c in reading.clauses if c.demoted in ("", "lasting")]
    infection = bool(_INFECTION.search(frames.whole))
    for first in range(len(reading.sentences)):
        window = [c for c in present if c.sentence in (first, first + 1)]
        text = " ".join(c.text for c in window)
        if _CHEST.search(text) and _COLD_SWEAT.search(text):
            clause = next(c for c in window if _CHEST.search(c.text) or _COLD_SWEAT.search(c.text))
            clause.emergency, clause.rule = "cardiac", "chest_and_sweat"
            return
        if infection and len({m.group(0) for m in _SEPSIS_SIGNS.finditer(text)}) >= 2:
            clause = next(c for c in window if _SEPSIS_SIGNS.search(c.text))
            clause.emergency, clause.rule = "trauma_other", "infection_and_sepsis_signs"
            return
        swelling = [c for c in window if _SWELLING.search(c.text)]
        if swelling and _ALLERGEN.search(frames.whole):
            swelling[0].emergency, swelling[0].rule = "anaphylaxis", "allergen_and_swelling"
            return
        danger = [c for c in window if any(not _negated_at(c.text, m.start()) for m in _HEAD_DANGER.finditer(c.text))]
        if _HEAD_INJURY.search(text) and danger:
            clause = danger[0]
            clause.emergency, clause.rule = "trauma_other", "head_injury_and_danger_sign"
            return


@dataclass(frozen=True)
class _Frames:
    """What the whole message says about all its clauses."""

    language: str
    actually_me: bool  # "asking because that's my reading right now": a hypothetical is real
    fiction: bool  # a novel, a film, a thesis: suicide mentioned in it is a topic, not intent
    resolved: bool  # "paramedics checked him, he's fine now"
    whole: str
    jest: bool = False  # told as a joke with no means, time, plan or despair in it: death words are hyperbole
    story_until: int = -1  # the last sentence telling care that is over (`_CARE_OVER`); -1: none


def _read_clause(text: str, sentence: int, frames: _Frames) -> Clause:
    plain = _LEADING.sub("", _POLITE.sub(" ", text))
    idiom = bool(_IDIOM.search(plain)) or _figurative_overdose(plain)
    plain = " ".join(_OVERDOSED_ON.sub(_overdosed_on_what, _IDIOM.sub(" ", plain)).split())
    # In jest, a clause whose only risk is a death word is hyperbole: the rules still read its symptoms.
    # Not when it names suicide itself ("gonna kms lol"): only "want to die", "dead", "kill me" are hyperbole enough.
    unjoked = _CAUSED_WISH.sub(" ", plain)
    jest = (
        frames.jest
        and not _RISK.search(_JEST_NEUTRAL.sub(" ", _DEATH_WORDS.sub(" ", unjoked)))
        and not _EXPLICIT.search(unjoked)
    )
    clause = Clause(plain, sentence, risky=bool(_RISK.search(plain)))
    clause.demoted = _demotion(plain, frames, sentence) or ("idiom" if idiom or jest else "")
    if jest:
        # Hyperbole most of the time, but a crisis is often told laughing: a death wish about oneself still gets
        # the crisis line shown beside the answer (never instead of it). A physical emergency told lightly is still
        # one ("lol so ive seen worse. my coworker touched a live wire", dev_hedged).
        clause.self_harm_topic = bool(_OWN_DEATH_WISH.search(unjoked))
        _strong_emergency(clause, plain)
        return clause
    clause.lethal_question = bool(_LETHAL.search(plain)) or any(
        r.lethal.search(plain) for r in language_rules().values()
    )
    clause.self_harm_topic = bool(_SELF_HARM_TOPIC.search(plain))
    # A negated clause still gets its phrases read ("he's not breathing" is all negation), and so does one
    # with an idiom taken out ("my chest is killing me and I can't breathe").
    present = clause.demoted in ("", "negated", "idiom", "lasting") or (
        clause.demoted == "general" and bool(_NOW.search(plain))
    )
    if not present:
        return clause
    _strong_emergency(clause, plain)
    intent = _SELF_HARM_INTENT.search(plain) or _INDIRECT_INTENT.search(plain)
    if intent and not _negated_at(plain, intent.start()):
        clause.self_harm, clause.rule = True, "self_harm"
    elif (_CONCEALED.search(plain) or _HOARDING.search(plain)) and _MEDICINE.search(plain):
        clause.self_harm, clause.rule = True, "concealed_means"
    elif clause.self_harm_topic and not frames.fiction and _TOPIC_NOW.search(plain) and FIRST_PERSON.search(plain):
        clause.self_harm, clause.rule = True, "self_harm_topic"
    elif clause.lethal_question and _LETHAL_FOR_ME.search(plain):
        clause.self_harm, clause.rule = True, "lethal_for_me"
    if not clause.emergency:
        category = _numbers_rule(plain, frames.whole)
        if category:
            clause.emergency, clause.rule = category, f"numbers:{category}"
    if not (clause.emergency or clause.self_harm) and _pregnancy_danger(plain, frames.whole):
        clause.emergency, clause.rule = "trauma_other", "pregnancy"
    if not (clause.emergency or clause.self_harm):
        _foreign_rules(clause, frames.language)
    return clause


def _strong_emergency(clause: Clause, plain: str) -> None:
    """The first unmistakable emergency phrase of `plain` not negated nor told about something else."""
    for category, pattern in _STRONG_EMERGENCY.items():
        match = pattern.search(plain)
        if match and not _negated_at(plain, match.start()) and not _ABOUT.search(plain[: match.start()]):
            clause.emergency, clause.rule = category, f"phrase:{category}"
            return


_OVERDOSED_ON = re.compile(r"\b(overdos(?:ed|ing)|binged) on ((?:\w+ ){0,2}\w+)")
_SUBSTANCE = re.compile(
    r"\b(\d+|drugs?|heroin|cocaine|coke|alcohol|booze|vodka|caffeine|something|it|them|all|my|his|her)\b"
)


# What people say they "overdosed on" for fun: screens, sweets, coffee, sun. Anything else is read as a substance
# (an unknown drug name must never be taken for a joke).
_PASTIMES = re.compile(
    r"\b(netflix|tv|telly|youtube|tiktok|instagram|social media|anime|memes|shows?|series|films?|movies|games?|gaming|"
    r"music|podcasts?|books?|reading|work|studying|revision|sun|sunshine|coffee|tea|sugar|chocolate|candy|sweets|"
    r"cake|cookies|carbs|pizza|junk food|christmas|festive|cheese|love|nostalgia|cuteness|drama|news)\b"
)


def _is_substance(words: str) -> bool:
    """Whether what someone "overdosed on" may be a medicine, a drug or a poison: anything but a pastime."""
    return bool(_SUBSTANCE.search(words) or _MEDICINE.search(words) or _HIGH_RISK.search(words) or
                re.search(rf"\b({_POISONS})", words) or not _PASTIMES.search(words))  # fmt: skip


def _figurative_overdose(text: str) -> bool:
    """ "overdosed on netflix", "OD'd on coffee": an overdose of something that is no medicine, drug or poison."""
    return any(not _is_substance(m.group(2)) for m in _OVERDOSED_ON.finditer(text))


def _overdosed_on_what(match: re.Match[str]) -> str:
    return match.group(0) if _is_substance(match.group(2)) else " "


def _story_until(sentences: list[str]) -> int:
    """The index of the last sentence that tells care that is over (`_CARE_OVER`), -1 when none does."""
    return max((i for i, s in enumerate(sentences) if _CARE_OVER.search(s)), default=-1)


def _demotion(text: str, frames: _Frames, sentence: int = 0) -> str:
    """Why a clause is no present situation, or ""; English frames plus the message language's own."""
    if _FICTION.search(text):
        return "fiction"
    if _ASKED_DENIED.search(text) and not _RETRACTED.search(frames.whole):
        return "negated_report"
    now = _URGENT_NOW.search(_CALLED.sub(" ", text))  # "I had to call an ambulance" is no call now
    if _HYPOTHETICAL.search(text) and not (frames.actually_me or _NOW.search(text) or _RECENT.search(text)):
        return "hypothetical"
    question = _QUESTION.search(text) and _GENERAL.search(text) and not _OWN_WISH.search(text)
    if question and not FIRST_PERSON.search(text) and not _SOMEONE_NOW.search(text):
        return "general"
    if (_HOW_TO.search(text) or _CLAIM.search(text)) and not _URGENT.search(text):
        return "general"
    if _LETHAL.search(text) and not _LETHAL_FOR_ME.search(text):
        return "general"  # "how many sleeping pills is a lethal overdose?": a question; the crisis note goes with it
    if _PAST.search(text) and not now:
        return "past"
    # Told in the past before care that is over, and nothing in it told as now: the story of that care. Only in the
    # sentences before the one that tells it, and before it in its own clause ("I took a lot of my antidepressants and
    # spent 4 days in hospital"): what is told after it may be happening now ("spent 5 days in hospital and then
    # collapsed in the car park").
    care = _CARE_OVER.search(text)
    if (
        (sentence < frames.story_until or (care is not None and not _RISK.search(text[care.end() :])))
        and (_PAST_TENSE.search(text) or _STORY_PAST.search(text))
        and not (now or _PRESENT_TENSE.search(text) or _STORY_NOW.search(text) or _RECENT.search(text))
    ):
        return "past"
    if _resolved(text) and not _swallowed(text, frames.whole):  # "took 25 paracetamol, he feels fine right now"
        return "resolved"
    # "I feel fine so maybe it didn't work": pills taken hours ago are not over (their harm comes later)
    if (
        frames.resolved
        and (_QUESTION.search(text) or (_PAST_TENSE.search(text) and not _PRESENT_TENSE.search(text)))
        and not _swallowed(text, frames.whole)
    ):
        return "resolved"
    if _all_negated(text):
        return "negated"
    if _LASTING.search(text) and not (now or _NOW.search(_DURATION_NOW.sub(" ", text)) or _WORSE.search(text)):
        return "lasting"
    rules = language_rules().get(frames.language)
    if rules is not None:
        if rules.general.search(text):
            return "general"
        if rules.past.search(text):
            return "past"
    return ""


def _foreign_rules(clause: Clause, language: str) -> None:
    """The other languages' phrases, on a clause not written in English ("y no puede hablar bien").

    A hit is demoted by any language's general-question or past frame.
    """
    scores = latin_scores(clause.text)
    if scores["en"] >= 2 and scores["en"] > max(v for k, v in scores.items() if k != "en"):
        return  # English: "suicide" and "overdose" are English words too, and the English rules read it
    all_rules = language_rules()
    # Any language's frame demotes: people ask "¿cuáles son los síntomas...?" with a word of another language.
    if any(r.general.search(clause.text) or r.past.search(clause.text) for r in all_rules.values()):
        return
    hit = _foreign_hit(_without_near_misses(clause.text))
    if hit is None:
        return
    code, category = hit
    if category == "self_harm":
        clause.self_harm, clause.rule = True, f"{code}:self_harm"
    else:
        clause.emergency, clause.rule = category, f"{code}:{category}"


def _foreign_hit(text: str) -> tuple[str, str] | None:
    """(language, "self_harm" or the emergency category) of the first of the other languages' rules `text` matches,
    suicidal intent before emergencies; None when none does."""
    all_rules = language_rules()
    for code, rules in all_rules.items():
        if rules.self_harm.search(text):
            return code, "self_harm"
    for code, rules in all_rules.items():
        for category, pattern in rules.emergency.items():
            if pattern.search(text):
                return code, category
    return None


def _without_near_misses(text: str) -> str:
    """`text` without its near-miss idioms ("casi me da un infarto cuando vi la factura"), so the rest of the clause is
    still read ("casi me da un infarto, y ahora me duele mucho el pecho"); not a span whose words between marker and
    illness tell an emergency or a crisis themselves ("casi no respira, infarto")."""

    def cut(match: re.Match[str]) -> str:
        groups = match.groupdict()
        return match.group(0) if _foreign_hit(groups.get("g1") or groups.get("g2") or "") else " "

    for rules in language_rules().values():
        text = rules.near_miss.sub(cut, text)
    return text


def _swallowed(text: str, whole: str) -> bool:
    """Pills or a poison swallowed: never over because the writer feels fine (the harm comes hours later)."""
    return _overdose(text, whole) or bool(_POISONING.search(text))


def _all_negated(text: str) -> bool:
    """Every risk word of the clause has a negator just before it ("no fever, no vomiting")."""
    matches = list(_RISK.finditer(text))
    return bool(matches) and all(_negated_at(text, m.start()) for m in matches)


def _negated_at(text: str, start: int) -> bool:
    """A negator among the three words before `start`, within its own conjunct: "no sound and turning blue" is not
    "not turning blue"."""
    window = _CONJUNCT.split(text[:start])[-1].split()[-3:]
    return bool(_NEGATOR.search(" ".join(window)))


_CONJUNCT = re.compile(r"\b(?:and|but|or)\b|[,;]")


# ------------------------------------------------------------------------------------ pregnancy
_PREGNANT = re.compile(
    r"\b(pregnant|pregnancy|\d+ ?(weeks?|wks?) (pregnant|along|gestation)|(i'?m|i am|she'?s|she is) \d{1,2} ?(weeks?|"
    r"wks?)\b(?! (ago|old|postpartum|post))|period is late|missed (my |her )?period|expecting|in labou?r|"
    r"positive pregnancy test|pregnancy test (\w+ ){0,3}positive|"
    r"waters? (just )?(broke|"
    r"broken|have broken|went))\b"
)
# The danger signs of pregnancy (pre-eclampsia, ectopic pregnancy, haemorrhage, cord prolapse, a baby that
# stopped moving): any one of these, told as happening now by a pregnant writer, needs an emergency unit.
_PREGNANCY_DANGER = re.compile(
    r"\b(bleeding|blood|clots?)\b.{0,30}\b(heav\w*|a lot|lots|soak\w*|pouring|gushing|so much|cramps?|pain)\b|"
    r"\b(heav\w*|a lot of|lots of|soaking)\b.{0,15}\b(bleeding|blood)\b|\bwaters? (just )?(broke|broken|have broken|"
    r"went)\b.{0,40}\bcord\b|\bcord\b.{0,20}\b(see|out|coming|hanging)\b|\b(baby|he|she|it)\b.{0,20}\b(hasn'?t|has "
    r"not|isn'?t|not|stopped|no longer|hasn'?t been) (moved|moving|kicking|kicked)\b|\bno (movements?|kicks)\b|"
    r"\b(seeing|see) (spots|stars|flashing|flashes|lights)\b|\bflashing lights\b|\b(vision|eyesight|sight)\b.{0,20}"
    r"\b(blurr\w*|spots|going|gone|strange|funny|weird)\b|\bblurr\w* (vision|sight)\b|"
    r"\b(face|hands|feet) (\w+ ){0,3}(suddenly )?(swollen|swelling|puffy|puffed)\b.{0,60}\bheadache\b|"
    r"\bheadache\b.{0,60}\b(swollen|swelling|puffy)\b|\b(one|left|right)[- ]sided pain\b|"
    r"\bpain\b.{0,30}\bone side\b.{0,60}\b(faint|dizzy|shoulder|bleeding)\b|\bshoulder tip\b|"
    # seventh pass (dev_context), signs of an ectopic pregnancy told in other words
    r"\btip of (my|her|the) (left |right )?shoulder\b|\bpain\b.{0,40}\b(left|right) side\b.{0,120}\b(faint|dizzy|"
    r"spotting|bleeding)\b|"
    r"\b(seizure|fitting|convuls\w*)\b"
)


def _pregnancy_danger(text: str, whole: str) -> bool:
    """A danger sign of pregnancy in a present clause of a message that says the writer (or she) is pregnant."""
    return bool(_PREGNANT.search(whole) and _PREGNANCY_DANGER.search(text))


# ------------------------------------------------------------------------------------ numbers
def _numbers_rule(text: str, whole: str) -> str:
    """An overdose, a poisoning or a dangerous reading told in numbers: the emergency category, or ""."""
    symptoms = bool(_READING_SYMPTOM.search(whole))
    if _overdose(text, whole):
        return "overdose"
    poison = _POISONING.search(text)
    if poison and (
        symptoms or (not _FORAGED.search(poison.group(0)) and (_CHILD.search(whole) or FIRST_PERSON.search(text)))
    ):
        return "overdose"
    return _dangerous_reading(text, whole, symptoms)


def _overdose(text: str, whole: str) -> bool:
    """Pills taken: ten or more (five of a high-risk medicine), a whole bottle, a handful; a misdose with symptoms."""
    high_risk = bool(_HIGH_RISK.search(whole))
    if _MISDOSE.search(text) and high_risk and _READING_SYMPTOM.search(whole):
        return True  # "methotrexate every day instead of weekly, and my mouth is full of sores"
    if _HABITUAL.search(text):
        return False
    for verb in _TAKEN.finditer(text):
        window = text[verb.end() : verb.end() + 60]
        if _BULK.search(window) and (_MEDICINE.search(window) or _MEDICINE.search(text) or "them" in window):
            return True
        for number in re.finditer(r"\b(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")\b", window):
            rest = window[number.end() :]
            if _DURATION.match(rest):
                continue
            value = int(number.group(1)) if number.group(1).isdigit() else _NUMBER_WORDS[number.group(1)]
            medicine = _MEDICINE.search(rest[:40]) or re.match(r"\s*(of (my|his|her|the|them|those|these))\b", rest)
            if medicine and (value >= 10 or (value >= 5 and high_risk)):
                return True
    return _misdose_ratio(text, whole, high_risk)


_INSTEAD = re.compile(r"\b(\d+(?:[.,]\d+)?)\s?([a-z]+\b)?[^\d]{0,40}\binstead of (\d+(?:[.,]\d+)?)")


def _misdose_ratio(text: str, whole: str, high_risk: bool) -> bool:
    """Three times the dose or more ("10 ml instead of 2.5") of a high-risk medicine or for a child, ten times any."""
    match = _INSTEAD.search(text)
    if not match or _DURATION.match(text[match.end(1) :]):
        return False
    given, meant = (float(match.group(n).replace(",", ".")) for n in (1, 3))
    if meant <= 0:
        return False
    ratio = given / meant
    return ratio >= 10 or (ratio >= 3 and (high_risk or bool(_CHILD.search(whole))))


def _dangerous_reading(text: str, whole: str, symptoms: bool) -> str:
    """A glucose, blood pressure, oxygen, heart rate or temperature reading that is dangerous now."""
    if _dangerous_glucose(text, whole, symptoms):
        return "trauma_other"
    for bp in _BP.finditer(text):
        systolic, diastolic = int(bp.group(1)), int(bp.group(3))
        if not (60 <= systolic <= 300 and 30 <= diastolic <= 200 and systolic > diastolic):
            continue
        if not (_BP_WORDS.search(whole) or systolic >= 140):
            continue
        high = systolic >= 180 or diastolic >= 120 or systolic <= 80
        if systolic >= 220 or diastolic >= 130 or (high and symptoms):
            return "cardiac"
    oxygen = _OXYGEN.search(text)
    if oxygen:
        value = float(oxygen.group(2).replace(",", "."))
        if 40 <= value <= 88 or (40 <= value <= 91 and symptoms):
            return "breathing"
    rate = _HEART_RATE.search(text)
    if rate:
        value = int(rate.group(2))
        if ((value >= 150 or value <= 40) and symptoms) or value >= 200 or value <= 30:
            return "cardiac"
    temperature = _TEMPERATURE.search(text)
    if temperature:
        value = float(temperature.group(2).replace(",", "."))
        celsius = value if value <= 45 else (value - 32) * 5 / 9
        serious = bool(_SERIOUS_FEVER_SIGNS.search(whole))
        if celsius >= 41.5 or (celsius >= 39.5 and serious) or (30 <= celsius <= 35.0 and serious):
            return "trauma_other"
        # a fever under chemotherapy may be neutropenic sepsis (NICE NG151: assess in hospital at 38 degrees)
        if celsius >= 38 and (_YOUNG_INFANT.search(whole) or _CHEMO.search(whole)):
            return "trauma_other"
    return ""


def _dangerous_glucose(text: str, whole: str, symptoms: bool) -> bool:
    """A glucose reading <= 54 or >= 400 mg/dL with symptoms, or <= 40 or >= 600 without."""
    keyword = _GLUCOSE.search(text)
    if keyword and _OUT_OF_RANGE.search(text):
        return True  # the meter's "LO" or "HI": below or above what it can measure
    if keyword:
        window = text[keyword.end() : keyword.end() + 80]
    elif _GLUCOSE.search(whole) and _READING_AGAIN.search(text):
        window = text  # "I just checked and it's 30", the glucose named earlier in the conversation
    else:
        return False
    for number in re.finditer(_NUM + r"(?!\d)", window):
        before, after = window[: number.start()], window[number.end() :]
        if _NOT_A_READING_AFTER.match(after) or re.search(r"\btype\s*$", before):
            continue
        mg = _glucose_mg_dl(float(number.group(1).replace(",", ".")), whole)
        if mg <= 40 or mg >= 600 or ((mg <= 54 or mg >= 400) and symptoms):
            return True
    return False


def _glucose_mg_dl(value: float, text: str) -> float:
    """A glucose reading in mg/dL, whatever unit it was written in (g/L, mmol/L or mg/dL)."""
    if "mmol" in text:
        return value * 18
    if value < 1.5 and ("g/l" in text or value != int(value)):
        return value * 100  # g/L, as in France: 0.35 g/L = 35 mg/dL
    if value < 30 and value != int(value) or value < 20:
        return value * 18  # mmol/L
    return value  # mg/dL; 20-39 is dangerous in either unit (very low in mg/dL, very high in mmol/L)
