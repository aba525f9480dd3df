"""Emergencies and crises written in other languages than English: curated rules, and what to answer.

The bundled MiniLM reads English only, so for eleven other languages triage relies on these rules:
for each language, the phrases of a present emergency by category (someone is not breathing, chest
pain, a face drooping, unconscious, choking, a swelling throat, pills or poison swallowed, heavy
bleeding, a seizure), of suicidal intent, and the frames that make a clause a general question
("what are the signs of...", "what to do if someone...") or a past event ("ten years ago"). They were
written from how each language says these things (and checked on tests/data/triage/dev.jsonl), never
copied from an evaluation set. Why rules and not a multilingual embedder: see `medqa.assistant.triage`.

Every language's rules run on every message (people mix languages: "my abuela can't move her arm y no
puede hablar bien"); the detected language only chooses the words of the answer. Patterns are written
naturally (accents, Arabic letter forms) and folded at compile time exactly like the messages they meet.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from medqa.assistant.normalize import fold, vocabulary

# -------------------------------------------------------------------------------------- the answers
# The first line of an emergency or crisis answer in the message's language; the English answer with
# the configured number and the first-aid line follows it.
EMERGENCY_LINES = {
    "es": "Esto puede ser una emergencia médica: llame ahora al 112 (o al número de emergencias de su país, "
    "911 en gran parte de América) o pida a alguien cercano que llame.",
    "fr": "Il peut s'agir d'une urgence médicale : appelez maintenant le 112 (le 15 en France) ou demandez à "
    "quelqu'un près de vous d'appeler.",
    "de": "Das kann ein medizinischer Notfall sein: Rufen Sie jetzt die 112 an oder bitten Sie jemanden in der "
    "Nähe, anzurufen.",
    "it": "Potrebbe essere un'emergenza medica: chiami subito il 112 (o il 118) o chieda a qualcuno vicino di "
    "chiamare.",
    "pt": "Isto pode ser uma emergência médica: ligue agora para o 112 (no Brasil, 192) ou peça a alguém "
    "próximo que ligue.",
    "nl": "Dit kan een medisch noodgeval zijn: bel nu 112 of vraag iemand in de buurt om te bellen.",
    "pl": "To może być nagły wypadek: zadzwoń teraz pod numer 112 (lub 999) albo poproś kogoś obok, by zadzwonił.",
    "tr": "Bu tıbbi bir acil durum olabilir: hemen 112'yi arayın ya da yakınınızdaki birinden aramasını isteyin.",
    "ar": "قد تكون هذه حالة طبية طارئة: اتصل الآن برقم الطوارئ المحلي (112 أو 911 أو 997 أو 123 حسب بلدك) أو اطلب "
    "من شخص قريب أن يتصل.",
    "zh": "这可能是医疗紧急情况：请立即拨打当地急救电话（中国大陆 120，香港 999，台湾 119），或请身边的人拨打。",
    "hi": "यह एक मेडिकल इमरजेंसी हो सकती है: अभी 112 (या एम्बुलेंस के लिए 108) पर कॉल करें, या पास के किसी व्यक्ति से कॉल करने को कहें।",
}
SELF_HARM_LINES = {
    "es": "Siento mucho que estés pasando por esto. Si estás en peligro ahora, llama al 112 o a tu línea de "
    "ayuda en crisis (en España, el 024). Intenta no quedarte solo.",
    "fr": "Je suis vraiment désolé que vous traversiez cela. Si vous êtes en danger maintenant, appelez le 112 ; "
    "en France, le 3114 (prévention du suicide) répond jour et nuit. Restez près de quelqu'un de confiance.",
    "de": "Es tut mir sehr leid, dass es Ihnen so geht. Wenn Sie in Gefahr sind, rufen Sie die 112 an; die "
    "TelefonSeelsorge ist rund um die Uhr da: 0800 111 0 111. Bleiben Sie bei jemandem, dem Sie vertrauen.",
    "it": "Mi dispiace molto che tu stia attraversando tutto questo. Se sei in pericolo adesso, chiama il 112 o "
    "una linea di ascolto per le crisi. Resta vicino a qualcuno di cui ti fidi.",
    "pt": "Sinto muito que esteja a passar por isto. Se estiver em perigo agora, ligue para o 112 (no Brasil, "
    "192, ou o CVV, 188). Fique perto de alguém de confiança.",
    "nl": "Wat naar dat je je zo voelt. Ben je nu in gevaar, bel dan 112; bij 113 Zelfmoordpreventie "
    "(0800-0113) kun je dag en nacht terecht. Blijf in de buurt van iemand die je vertrouwt.",
    "pl": "Bardzo mi przykro, że tak się czujesz. Jeśli grozi ci niebezpieczeństwo, zadzwoń pod 112; telefon "
    "zaufania 116 123 pomaga w kryzysie. Bądź blisko kogoś, komu ufasz.",
    "tr": "Bunları yaşadığın için çok üzgünüm. Şu anda tehlikedeysen hemen 112'yi ara. Güvendiğin birinin "
    "yanında kalmaya çalış.",
    "ar": "أنا آسف جداً لما تمر به. إذا كنت في خطر الآن، اتصل برقم الطوارئ المحلي فوراً، وابقَ قريباً من شخص تثق به.",
    "zh": "听到你这样难受，我很难过。如果你现在有危险，请立即拨打当地急救电话（中国大陆 120），"
    "或拨打心理援助热线。请尽量待在你信任的人身边。",
    "hi": "मुझे बहुत दुख है कि आप इससे गुज़र रहे हैं। अगर आप अभी खतरे में हैं तो 112 पर कॉल करें; "
    "टेली-मानस हेल्पलाइन 14416 पर कभी भी बात कर सकते हैं। किसी भरोसेमंद व्यक्ति के पास रहें।",
}
# For a message the assistant cannot read, or reads only by its rules: said before (never instead of) the answer.
MULTILINGUAL_NOTE = (
    "If this is an emergency, call your local emergency number now (112 in Europe, 911 in North America). "
    "Si es una emergencia, llame al 112. / S'il s'agit d'une urgence, appelez le 112. / Im Notfall: 112. / "
    "Em caso de emergência, ligue 112. / Acil durumda 112'yi arayın. / "
    "إذا كانت حالة طارئة فاتصل برقم الطوارئ المحلي. / 如有紧急情况，请拨打当地急救电话。 / "
    "आपात स्थिति में 112 पर कॉल करें। / Если это экстренная ситуация, звоните 112. / 緊急の場合は119に電話してください。"
)


# -------------------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class LanguageRules:
    """One language's triage rules (compiled, folded like the messages)."""

    code: str
    stopwords: frozenset[str]  # frequent words that identify the language (Latin-script languages)
    emergency: dict[str, re.Pattern[str]]  # category -> a present emergency of that kind
    self_harm: re.Pattern[str]  # suicidal intent or self-harm
    general: re.Pattern[str]  # a question in general, a hypothetical, first-aid learning
    past: re.Pattern[str]  # a past event
    lethal: re.Pattern[str]  # asking how much of something would kill


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(fold(pattern))


_NEVER = "(?!x)x"

_RULES: dict[str, dict[str, object]] = {
    "es": {
        "stopwords": "el la los las de del y que en un una es mi mis no por con para se me esta estoy tengo tiene "
        "pero como muy lo le su al ayuda puedo hace cuales son hijo hija madre padre qué cómo quiero estás "
        "tomar puede desde hay ella él"
        " quiero pero porque cuando están tiene tengo mucho hoy noche ayer necesito ayúdame dolor cabeza"
        " pecho niño niña bebé mamá papá abuela abuelo marido esposa desde hace",
        "emergency": {
            "breathing": r"no (puede|puedo|pueden|consigue|consigo|podemos) respirar|no respira|dej[óo] de respirar|"
            r"ha dejado de respirar|sin respirar|respira (muy )?(mal|poco|con dificultad)|(le|me) cuesta (mucho )?"
            r"respirar|me ahogo|se ahoga|(me|se) est[áa] ahogando|falta de aire|no (me |le )?entra (el )?aire|"
            r"se (est[áa] poniendo|puso|pone|ha puesto) (morad|azul|gris)|(labios|boca|cara) (morad|azul)",
            "cardiac": r"dolor (muy |tan )?(fuerte |intenso |opresivo |terrible |horrible )?(en el|del|de|al) pecho|"
            r"me duele (mucho )?el pecho|(presi[óo]n|opresi[óo]n|peso) en el pecho|infarto|ataque (al|de) coraz[óo]n|"
            r"paro card[íi]aco|no tiene pulso|sin pulso",
            "stroke": r"(cara|boca) (ca[íi]da|torcida|desviada|paralizada)|se le (cae|cay[óo]|ha ca[íi]do|torci[óo]|"
            r"tuerce|durmi[óo]) (la cara|un lado|la boca|el brazo|media cara)|no (puede|puedo) (hablar|mover|levantar)|"
            r"habla (raro|mal|arrastrando|trabad)|arrastra las palabras|derrame cerebral|ictus|"
            r"(brazo|pierna|lado|cara) (entumecid|dormid|paralizad|sin fuerza)|no se le entiende",
            "unconscious": r"inconsciente|no (se )?despierta|no (puedo|podemos) despertarl|no responde|no reacciona|"
            r"perdi[óo] el (conocimiento|sentido)|se desmay[óo]|se desplom[óo]",
            "choking": r"atragant|se (est[áa] )?ahogando con|tiene algo atorado|se le ator[óo]",
            "anaphylaxis": r"(garganta|lengua|labios|cara) (se (me|le) )?(cierra|est[áa] cerrando|hincha|inflama)|"
            r"se (me|le) (cierra|est[áa] cerrando|hincha|est[áa] hinchando|inflama) (la garganta|la lengua|"
            r"los labios|la cara)|reacci[óo]n al[ée]rgica (grave|fuerte|severa)|anafilaxia|shock anafil[áa]ctico",
            "overdose": r"sobredosis|(tom[ée]|tom[óo]|me tom[ée]|se tom[óo]|tragu[ée]|se trag[óo]|ingiri[óo]|ingerí)\b"
            r".{0,30}\b(\d{2,}|todas|toda la|una caja|un frasco|un bote|muchas|un puñado|demasiadas|veinte|treinta|"
            r"cuarenta|cincuenta)\b|(bebi[óo]|beb[íi]|tom[óo]|trag[óo]|se bebi[óo]) .{0,20}(lej[íi]a|cloro|veneno|"
            r"anticongelante|desatascador|matarratas|insecticida)|(trag[óo]|se trag[óo]|se ha tragado|comi[óo]) "
            r"(una |un )?(pila|bater[íi]a|im[áa]n|moneda)|envenenad|intoxicad",
            "bleeding": r"sangra(ndo)? (mucho|much[íi]simo|sin parar|a chorros)|(mucha|much[íi]sima) sangre|"
            r"no (para|deja) de sangrar|hemorragia|(vomit|tos|escup)\w* sangre|sangre por todas partes|apuñal|"
            r"acuchill|le dispararon",
            "seizure": r"convulsi[óo]n|convulsionando|convulsiona|ataque epil[ée]ptico|crisis epil[ée]ptica",
        },
        "self_harm": r"(quiero|voy a|pienso|pensando en|he decidido|decid[íi]) (matarme|suicidarme|morir|"
        r"quitarme la vida|acabar con (mi vida|todo)|terminar con (mi vida|todo)|hacerme daño)|me quiero (matar|"
        r"morir|suicidar)|me voy a (matar|suicidar|quitar la vida)|suicid|no quiero (seguir )?vivir|"
        r"quitarme la vida|hacerme daño|autolesi[óo]n|me (corto|estoy cortando|he cortado)|mejor muert",
        "general": r"^¿?\s*(qu[ée]|cu[áa]l|cu[áa]les|c[óo]mo|por qu[ée]|cu[áa]ndo|cu[áa]nto|cu[áa]ntos|"
        r"cu[áa]ntas|es|son|se puede|puede|hay)\b(?!.*\b(mi|mis|me|yo|tengo|estoy|nos|nuestr[oa])\b)|"
        r"\b(si|cuando|en caso de que) (alguien|una persona|un niño|un beb[ée]|uno)\b|qu[ée] hacer (si|cuando)",
        "past": r"\bhace (\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|varios|muchos|unos|"
        r"algunos) (años?|meses|mes)\b|"
        r"\bhace años\b|el año pasado|\ben (19|20)\d\d\b|cuando era (niñ|joven|pequeñ)|antecedentes de",
        "lethal": r"dosis (letal|mortal)|cu[áa]nt[oa]s? .{0,40}(para morir|mata|es mortal|es letal|ser[íi]a mortal)",
    },
    "fr": {
        "stopwords": "le la les de des du et est je j mon ma mes ne pas il elle un une que qui pour avec dans sur ai "
        "suis c qu l d au aux ce cette mais très fils fille mère père aide peux peut quels sont"
        " comment quoi pourquoi suis ai mon ma mes il elle ne pas plus très aujourd soir depuis fils"
        " fille bébé mari femme père mère douleur avec sans peux veux",
        "emergency": {
            "breathing": r"(ne|n') ?(respire|respirent) (presque |quasiment |quasi )?(plus|pas)|respire (à|a) peine|"
            r"(bébé|enfant|fils|fille)\b.{0,20}\b(tout mou|toute molle|mou et|molle et)|n'arrive (plus|pas) à respirer|"
            r"(peux|peut|pouvons) (plus|pas) respirer|du mal à respirer|respire (très )?mal|étouffe|suffoque|"
            r"(devient|deviennent|est|sont) (tout |toutes? )?(bleu|bleue|bleus|grise?s?|violet)|"
            r"lèvres (bleues|grises|violettes)|manque d'air|plus d'air",
            "cardiac": r"douleur (\w+ )?(dans|à|a|de) la poitrine|mal (à|a) la poitrine|oppression (dans|à) la "
            r"poitrine|serrement (dans|à) la poitrine|crise cardiaque|infarctus|arrêt cardiaque|pas de pouls",
            "stroke": r"bouche (de travers|tordue|déviée)|visage (de travers|paralysé|qui tombe|affaissé)|"
            r"(arrive|peut) (plus|pas) à (parler|bouger|lever)|(peut|peux) (plus|pas) (parler|bouger|lever)|"
            r"parle (bizarrement|mal|de façon confuse)|\bavc\b|paralys|(bras|jambe) (engourdi|paralysé|inerte)",
            "unconscious": r"inconscient|(ne|n') ?(se )?réveille (pas|plus)|(ne|n') ?répond (plus|pas)|"
            r"(ne|n') ?réagit (plus|pas)|évanoui|perdu connaissance|effondré",
            "choking": r"s'étouffe|étouffe avec|avalé de travers|coincé dans (la|sa) gorge",
            "anaphylaxis": r"(gorge|langue|lèvres|visage) (qui )?(se )?(ferme|gonfle|enfle)|"
            r"(gorge|langue|lèvres|visage) (gonflée?s?|enflée?s?)|choc anaphylactique|"
            r"réaction allergique (grave|sévère|forte)",
            "overdose": r"overdose|surdose|(pris|avalé|ingéré)\b.{0,30}\b(\d{2,}|tous|toute la|toutes? les|une boîte|"
            r"un flacon|une plaquette|plein|trop de|vingt|trente|quarante|cinquante)\b|avalé (une |un )?(pile|batterie|"
            r"aimant)|(bu|avalé) .{0,20}(javel|"
            r"déboucheur|antigel|mort aux rats|poison|produit ménager)|empoisonn|intoxiqu",
            "bleeding": r"saigne (beaucoup|abondamment|énormément|sans arrêt)|(arrête|cesse) pas de saigner|"
            r"hémorragie|(vomit|crache|tousse|vomi) du sang|beaucoup de sang|poignard|coup de couteau|"
            r"(blessé|touché) par balle",
            "seizure": r"convuls|crise d'épilepsie|crise épileptique",
        },
        "self_harm": r"(je veux|je vais|envie de|pense à|penser à|j'ai décidé de) (mourir|me tuer|me suicider|"
        r"en finir|mettre fin à (mes jours|ma vie)|me faire du mal)|suicid|me tuer|en finir avec (la|ma) vie|"
        r"mettre fin à mes jours|(ne|n') ?veux plus vivre|(plus|pas) envie de vivre|me faire du mal|"
        r"me scarifier|me mutiler",
        "general": r"^(quels?|quelles?|qu'est-ce|c'est quoi|comment|pourquoi|quand|combien|est-ce que|est-ce qu|"
        r"peut-on|faut-il)\b(?!.*\b(je|j|mon|ma|mes|moi|me|m|nous|notre)\b)|\bsi (quelqu'un|une personne|"
        r"un enfant|un bébé|on)\b|que faire (si|quand|en cas)",
        "past": r"il y a (\d+|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|plusieurs|quelques) (ans?|mois)\b|"
        r"l'année dernière|"
        r"\ben (19|20)\d\d\b|quand j'étais (petit|enfant|jeune)|antécédents",
        "lethal": r"dose (létale|mortelle)|combien .{0,40}(pour mourir|tue|mortel|mortelle|létal)",
    },
    "de": {
        "stopwords": "der die das und ist ich mein meine meinen nicht ein eine einen mit zu von auf es er sie habe hat "
        "bin mir mich was wie sind den dem des kein keine bitte hilfe sohn tochter mutter vater aber wenn im noch"
        " ich nicht mein meine kein keine habe hat bin ist sind wie was warum wenn heute nacht seit kind"
        " sohn tochter mann frau vater mutter schmerzen sehr auch noch",
        "emergency": {
            "breathing": r"atmet (nicht|kaum)|kann (nicht |kaum )?(mehr )?atmen|(bekomme|bekommt|kriege|kriegt) "
            r"(keine|kaum) luft|ringt nach luft|schnappt nach luft|atemnot|erstick|(lippen|gesicht) "
            r"(werden|wird|sind|ist|läuft) blau|blau an",
            "cardiac": r"brustschmerz|schmerzen in der brust|druck auf der brust|enge in der brust|herzinfarkt|"
            r"herzstillstand|kein puls",
            "stroke": r"schlaganfall|(gesicht|mund|mundwinkel) (hängt|ist schief|verzogen)|hängende[rn]? mundwinkel|"
            r"(kann|können) (plötzlich |auf einmal )?(nicht mehr|nicht|kaum) (sprechen|reden|bewegen)|"
            r"(arm|bein|seite) (nicht mehr|nicht) (bewegen|heben)|spricht (ganz )?(verwaschen|undeutlich|lallend|"
            r"komisch)|lallt|(arm|bein|seite) (ist )?(gelähmt|taub|lahm)",
            "unconscious": r"bewusstlos|ohnmächtig|wacht nicht (mehr )?auf|nicht (mehr )?ansprechbar|"
            r"reagiert nicht|zusammengebrochen|kollabiert",
            "choking": r"verschluckt|steckt im hals|erstickt an",
            "anaphylaxis": r"(hals|rachen|zunge|gesicht|lippen) (schwillt|schwellen|ist geschwollen|sind geschwollen|"
            r"wird eng|geht zu)|schwillt an|schwellen an|anaphyla|allergischer schock|schwere allergische reaktion",
            "overdose": r"überdosis|(\d{2,}|alle|ganze|eine ganze packung|viele|zu viele)\b.{0,30}(tabletten|pillen|"
            r"kapseln)\b.{0,20}(genommen|geschluckt|eingenommen)|(genommen|geschluckt|eingenommen)\b.{0,20}"
            r"(\d{2,}|alle|ganze) (tabletten|pillen)|abflussreiniger|rohrreiniger|bleichmittel|frostschutz|"
            r"rattengift|vergiftet|vergiftung|(batterie|knopfzelle|magnet\w*) (verschluckt|geschluckt)",
            "bleeding": r"blutet (stark|sehr|viel|ununterbrochen|heftig)|hört nicht auf zu bluten|starke blutung|"
            r"(erbricht|spuckt|hustet|spucke|huste) blut|blut (erbrechen|spucken|husten)|niedergestochen|"
            r"messerstich|angeschossen",
            "seizure": r"krampfanfall|krampft|epileptischer anfall|zuckt am ganzen körper",
        },
        "self_harm": r"(mich|mir) (umbringen|umzubringen|das leben (zu )?nehmen|töten|etwas antun|was antun)|"
        r"umbringen|umzubringen|selbstmord|suizid|will (nicht mehr leben|sterben)|möchte (sterben|nicht mehr leben)|"
        r"nicht mehr leben (will|möchte)|ritze mich|mich (selbst )?(zu )?verletzen",
        "general": r"^(was|wie|welche|welcher|warum|wann|wieviel|wie viel|ist|sind|kann man|gibt es|ab welcher)\b"
        r"(?!.*\b(ich|mein|meine|meinem|meinen|meiner|mir|mich|wir|unser)\b)|\bwenn (jemand|man|ein kind)\b|"
        r"was tun (wenn|bei)",
        "past": r"\bvor (\d+|einem|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|vielen|einigen|ein paar) "
        r"(jahren|jahr|monaten)\b|letztes jahr|"
        r"\b(19|20)\d\d\b|als kind",
        "lethal": r"tödlich|letale dosis|tödliche dosis",
    },
    "it": {
        "stopwords": "il lo la gli le di del della e che non un una mio mia miei ho ha sono per con mi si ma come cosa "
        "sta sto aiuto figlio figlia madre padre quali perché più molto quante quanti possono giorno"
        " sono non il mio mia ho ha che per come cosa perché quando oggi notte da figlio figlia bambino"
        " marito moglie padre madre dolore molto anche",
        "emergency": {
            "breathing": r"non respira|non (riesce|riesco|riusciamo) a respirare|smesso di respirare|"
            r"respira (male|pochissimo|a fatica|poco)|fatica a respirare|mi manca l'aria|manca il respiro|soffoc|"
            r"(labbra|viso) (blu|viola|cianotic)|diventa(ndo|to)? (blu|viola)",
            "cardiac": r"dolore (forte |fortissimo |intenso )?al petto|male al petto|oppressione al petto|"
            r"peso sul petto|infarto|attacco di cuore|arresto cardiaco|senza polso",
            "stroke": r"(faccia|bocca|viso) (storta|storto|cadente|paralizzat)|non (riesce|riesco) (più )?a (parlare|"
            r"muovere|alzare)|parla (male|strano|in modo strano)|ictus|paralisi|(braccio|gamba) (paralizzat|"
            r"intorpidit|addormentat)",
            "unconscious": r"svenut|non si sveglia|non risponde|non reagisce|privo di sensi|priva di sensi|"
            r"incosciente|perso i sensi|collassat",
            "choking": r"sta soffocando|andato di traverso|andata di traverso|bloccato in gola",
            "anaphylaxis": r"(gola|lingua|labbra|faccia|viso) (si )?(sta )?(chiudendo|gonfiando|gonfia|chiude)|"
            r"si (sta )?(gonfiando|chiudendo) (la gola|la lingua|le labbra)|shock anafilattico|anafilassi|"
            r"reazione allergica (grave|forte)",
            "overdose": r"overdose|(preso|ingoiato|mandato giù|inghiottito)\b.{0,30}\b(\d{2,}|tutte|troppe|una scatola|"
            r"un flacone|un blister|venti|trenta|quaranta|cinquanta)\b|troppe (compresse|pastiglie|pasticche|pillole)|"
            r"avvelenat|intossicat|candeggina|varechina|antigelo|topicida|(ingoiato|inghiottito) (una |un )?(batteria|"
            r"pila|calamita|magnete|moneta)",
            "bleeding": r"sanguina (molto|tantissimo|tanto|senza sosta)|non smette di sanguinare|emorragia|"
            r"(vomita|sputa|tossisce) sangue|perde (molto|tanto) sangue|accoltellat|gli hanno sparato",
            "seizure": r"convulsion|crisi epilettica|attacco epilettico",
        },
        "self_harm": r"(voglio|vorrei|sto pensando di|penso di|ho deciso (come|di)) (morire|uccidermi|ammazzarmi|"
        r"suicidarmi|togliermi la vita|farla finita|farmi del male)|uccidermi|ammazzarmi|suicid|"
        r"togliermi la vita|farla finita|non voglio più vivere|farmi del male|autolesion",
        "general": r"^(quali|quale|cosa|che cos|come|perché|quando|quanto|quante|quanti|è|si può|si possono)\b"
        r"(?!.*\b(mi|mio|mia|miei|mie|io|ho|sto|noi|nostr[oa])\b)|\bse (qualcuno|una persona|un bambino)\b|"
        r"cosa fare se",
        "past": r"\b(\d+|un|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|molti|alcuni|qualche) (anni|anno|mesi) "
        r"fa\b|l'anno scorso|\bnel (19|20)\d\d\b|da bambin",
        "lethal": r"dose (letale|mortale)|quant[eio] .{0,40}(per morire|uccide|mortale|letale)",
    },
    "pt": {
        "stopwords": "o a os as de do da dos das e que não um uma meu minha eu tenho tem está estou com para por se me "
        "mas como muito filho filha mãe pai ajuda socorro quais são você posso quantos quero não vejo mais "
        "nenhuma minha avó ficou"
        " não eu meu minha estou está tenho tem para com como quando hoje noite desde filho filha bebê"
        " marido mulher pai mãe dor muito também vou",
        "emergency": {
            "breathing": r"não (consegue|consigo|conseguimos) respirar|não (está )?respira(ndo)?|parou de respirar|"
            r"falta de ar|sem ar|sufoc|dificuldade (para|de|em) respirar|(lábios|rosto) (roxos?|azu)|"
            r"ficou (roxo|roxa|azul)",
            "cardiac": r"dor (\w+ )?(\w+ )?(no|do) peito|aperto no peito|pressão no peito|infarto|ataque cardíaco|"
            r"ataque do coração|parada cardíaca|paragem cardíaca|sem pulso",
            "stroke": r"(boca|rosto|cara) (ficou )?(torta|caída|paralisad|entortou)|não (consegue|consigo) (falar|"
            r"mexer|levantar|mover)|fala (enrolada|arrastada|estranha)|\bavc\b|derrame|(braço|perna|lado) "
            r"(dormente|paralisad|sem força)",
            "unconscious": r"desmaiou|desmaiad|inconsciente|não acorda|não responde|não reage|perdeu (os sentidos|"
            r"a consciência)|desacordad",
            "choking": r"engasg|preso na garganta",
            "anaphylaxis": r"(garganta|língua|lábios|rosto) (está )?(fechando|inchando|inchad)|reação alérgica "
            r"(grave|forte)|anafila|choque anafilático",
            "overdose": r"overdose|(tomei|tomou|engoli|engoliu|ingeriu|ingeri)\b.{0,30}\b(\d{2,}|todos|todas|uma caixa|"
            r"um frasco|uma cartela|muitos|muitas|vinte|trinta|quarenta|cinquenta)\b|(bebeu|bebi|tomou) .{0,20}"
            r"(água sanitária|veneno|soda cáustica|chumbinho|anticongelante)|(engoliu|engoli) (uma |um )?"
            r"(bateria|pilha|ímã|moeda)|envenenad|intoxicad",
            "bleeding": r"sangr(a|ando) (muito|demais|sem parar)|não para de sangrar|hemorragia|(vomit|toss|cusp)\w* "
            r"sangue|muito sangue|esfaquead|baleado|levou um tiro|facada",
            "seizure": r"convuls|crise epiléptica|ataque epiléptico",
        },
        "self_harm": r"(quero|vou|penso em|pensando em|decidi) (morrer|me matar|matar-me|me suicidar|suicidar-me|"
        r"acabar com (a minha vida|tudo)|tirar (a )?minha (própria )?vida|me machucar)|me matar|matar-me|suicid|"
        r"não quero mais viver|quero morrer|tirar minha vida|me cortar|automutila|autolesão",
        "general": r"^(quais|qual|o que|como|por que|porque|quando|quanto|quantos|quantas|é|são|pode)\b"
        r"(?!.*\b(meu|minha|meus|minhas|eu|estou|tenho|nós|nosso)\b)|\bse (alguém|uma pessoa|uma criança)\b|"
        r"o que fazer (se|quando)",
        "past": r"\bhá (\d+|um|uma|dois|duas|três|quatro|cinco|seis|sete|oito|nove|dez|muitos|alguns|vários) "
        r"(anos?|meses)\b|\b(\d+|um|dois|três|quatro|cinco|dez) anos atrás\b|"
        r"no ano passado|\bem (19|20)\d\d\b|quando (eu )?era criança",
        "lethal": r"dose (letal|mortal)|quant[oa]s? .{0,40}(para morrer|mata|é letal|é mortal)",
    },
    "nl": {
        "stopwords": "de het een en is ik mijn niet van met op te zijn heeft heb hij zij ze wat hoe er maar ook al "
        "dat die voor aan naar bij nog mag kan hoeveel werkt"
        " ik mijn niet heb heeft het een de van wat hoe waarom vandaag nacht sinds kind zoon dochter man"
        " vrouw vader moeder pijn erg ook nog",
        "emergency": {
            "breathing": r"ademt niet|kan niet (meer )?ademen|(krijgt|krijg) geen lucht|stikt|ademnood|hapt naar lucht|"
            r"(lippen|gezicht) (worden|wordt|zijn) blauw|loopt blauw aan|erg benauwd",
            "cardiac": r"pijn op de borst|borstpijn|druk op de borst|hartaanval|hartinfarct|hartstilstand|"
            r"geen (hartslag|polsslag)",
            "stroke": r"beroerte|herseninfarct|(mondhoek|gezicht|mond) (hangt|scheef|zakt)|hangende mondhoek|"
            r"praat (ineens |plotseling )?(onduidelijk|raar|met dubbele tong)|kan (ineens |plotseling )?niet "
            r"(meer )?(praten|spreken|bewegen)|(arm|been) (is )?(verlamd|gevoelloos|slap)",
            "unconscious": r"bewusteloos|buiten bewustzijn|wordt niet (meer )?wakker|reageert niet|flauwgevallen|"
            r"in elkaar gezakt",
            "choking": r"verslikt|zit vast in (de|zijn|haar) keel",
            "anaphylaxis": r"(keel|tong|lippen|gezicht) (zwelt|zwellen|is opgezwollen|gaat dicht)|anafylact|"
            r"allergische shock|ernstige allergische reactie",
            "overdose": r"overdosis|\b(\d{2,}|alle|een hele (doos|strip|pot)|veel te veel)\b.{0,25}(pillen|tabletten|"
            r"slaappillen|capsules)\b.{0,20}(genomen|ingenomen|geslikt|op)|(genomen|geslikt|ingenomen) .{0,20}"
            r"(\d{2,}|alle) (pillen|tabletten)|vergiftig|bleekmiddel|ontstopper|antivries|rattengif|(batterij|magneet|"
            r"magneetjes) (ingeslikt|doorgeslikt)",
            "bleeding": r"bloedt (heel )?(erg|hevig|veel|flink)|stopt niet met bloeden|houdt niet op met bloeden|"
            r"ernstige bloeding|(spuugt|braakt|hoest) bloed|neergestoken|neergeschoten",
            "seizure": r"epileptische aanval|insult|stuipen|krampaanval",
        },
        "self_harm": r"(wil|ga) (niet meer leven|dood|doodgaan|sterven|er een eind(e)? aan maken)|zelfmoord|suïcid|"
        r"mezelf (van kant maken|doden|ombrengen|iets aandoen|pijn doen|snijden)|van kant maken|niet meer (willen )?"
        r"leven|een eind(e)? aan mijn leven",
        "general": r"^(wat|hoe|welke|waarom|wanneer|hoeveel|is|zijn|kan je|kun je)\b(?!.*\b(ik|mijn|me|mij|we|wij|"
        r"ons|onze)\b)|\bals (iemand|een kind)\b|wat te doen (als|bij)",
        "past": r"\b(\d+|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|paar|jaren) (jaar|jaren|maanden) "
        r"geleden\b|vorig jaar|\bin (19|20)\d\d\b",
        "lethal": r"dodelijke dosis|hoeveel .{0,40}(dodelijk|om dood te gaan)",
    },
    "pl": {
        "stopwords": "i w nie na się jest to że z do mój moja moje mam jak co czy ale po od mnie mi tak jestem "
        "juz już jakie ile tata mama dziś całe opakowanie tabletek nie"
        " nie jest mam moja mój moje się jak co dlaczego kiedy dzisiaj noc od syn córka dziecko mąż żona"
        " tata mama ból bardzo też",
        "emergency": {
            "breathing": r"nie oddycha|nie (może|mogę) oddychać|nie (może|mogę) złapać (tchu|powietrza)|dusi się|"
            r"duszę się|brak tchu|duszność|(sine|niebieskie) (usta|wargi)|sinieje|zsinia",
            "cardiac": r"ból w (klatce|piersi)|ból klatki piersiowej|ucisk w (klatce|piersi)|zawał|atak serca|"
            r"zatrzymanie (krążenia|akcji serca)|brak tętna",
            "stroke": r"udar|(opadnięty|opadł|opada|krzywy) (kącik|kąciki|usta|twarz)|kącik ust|opadnięt|bełkocze|"
            r"bełkot|nie (może|mogę) (mówić|ruszać|podnieść)|(ręka|noga) (bezwładna|sparaliżowana|drętwieje|"
            r"zdrętwiała)|mówi niewyraźnie",
            "unconscious": r"nieprzytomn|stracił(a)? przytomność|nie budzi się|nie reaguje|zemdlał|omdlał|zasłabł|"
            r"nie odpowiada",
            "choking": r"zakrztusił|krztusi się|utknęło w gardle",
            "anaphylaxis": r"puchnie mi|puchnie (gardło|język|twarz)|(gardło|język|usta|twarz) (puchnie|puchną|"
            r"spuchł|zamyka)|spuchnięt|wstrząs anafilaktyczny|anafilaks|ciężka reakcja alergiczna",
            "overdose": r"przedawkowa|(połknął|połknęła|połknąłem|połknęłam|wziął|wzięła|wziąłem|wzięłam|łyknął|"
            r"łyknęłam|łyknąłem)\b.{0,30}\b(\d{2,}|całe opakowanie|całą|wszystkie|dużo|opakowanie)|"
            r"zatru(ł|cie|ty|ta)|wybielacz|kret do rur|płyn do chłodnic|trutk|połknął (baterię|magnes|monetę)|"
            r"połknęła (baterię|magnes|monetę)",
            "bleeding": r"krwawi (mocno|bardzo|obficie)|nie przestaje krwawić|krwotok|(wymiotuje|kaszle|pluje) krwią|"
            r"dźgnięt|postrzel",
            "seizure": r"drgawki|napad (padaczki|padaczkowy|drgawek)|atak padaczki",
        },
        "self_harm": r"(chcę|chciałbym|chciałabym|zamierzam|myślę o|planuję) (umrzeć|się zabić|zabić się|"
        r"popełnić samobójstwo|skończyć ze sobą|odebrać sobie życie)|zabić się|się zabić|samobójst|"
        r"nie chcę (już )?żyć|odebrać sobie życie|skończyć ze sobą|samookalecz|tnę się",
        "general": r"^(jakie|jaki|jaka|co|czym|jak|dlaczego|kiedy|ile|czy)\b(?!.*\b(ja|mój|moja|moje|mojego|"
        r"mojej|mnie|mi|mam|jestem|nas|nasz)\b)|\bjeśli ktoś\b|co robić (gdy|jeśli)",
        "past": r"\b(\d+|dwa|trzy|cztery|pięć|sześć|siedem|osiem|dziewięć|dziesięć|kilka|wiele) (lat|lata|"
        r"miesięcy) temu\b|rok temu|w zeszłym roku|\bw (19|20)\d\d\b",
        "lethal": r"dawka śmiertelna|śmiertelna dawka|ile .{0,40}(zabija|śmiertel)",
    },
    "tr": {
        "stopwords": "ve bir bu da de mi çok ne için ile ben benim var yok ama gibi daha nasıl neden değil oldu "
        "nedir nelerdir edin yardım yapılır nasıl bu mı mi kalp"
        " ve bir bu çok ne için ben benim var yok ama gibi nasıl neden değil oldu bugün gece beri oğlum"
        " kızım bebeğim eşim babam annem ağrı",
        "emergency": {
            "breathing": r"nefes al(a)?m[ıi]yor|nefes al(a)?m[ıi]yorum|nefesi (durdu|kesildi|yok)|nefes darlığı|"
            r"boğuluyor|boğuluyorum|morardı|morarıyor|(dudakları|dudaklarım|yüzü) mor",
            "cardiac": r"göğsüm(de)? .{0,15}(ağrı|sıkışma|baskı)|göğüs ağrısı|kalp krizi|kalp durması|nabzı yok",
            "stroke": r"felç|yüzü (bir tarafa )?(kaydı|çarpıldı|düştü|sarktı)|ağzı (kaydı|çarpıldı)|konuşamıyor|"
            r"konuşamıyorum|kolunu (kaldıramıyor|oynatamıyor)|kolumu kaldıramıyorum|dili dolanıyor",
            "unconscious": r"bayıldı|bilinci (kapalı|yok|gitti)|uyanmıyor|tepki vermiyor|kendinde değil|yığıldı",
            "choking": r"boğazına .{0,12}kaçtı|boğazında .{0,12}takıldı|nefes borusuna kaçtı",
            "anaphylaxis": r"boğaz[ıi]m? (kapanıyor|şişiyor|şişti)|(dilim|dili|yüzüm|yüzü|dudaklarım|dudakları) "
            r"(şişiyor|şişti)|alerjik şok|anafilaksi",
            "overdose": r"aşırı doz|(\d{2,}|bütün|tüm|bir kutu|koca kutu|kutu) .{0,20}(hap|ilaç|tablet)\w* "
            r"(içtim|içti|yuttum|yuttu|aldım|aldı)|zehirlen|çamaşır suyu (içti|içtim)|pil yuttu|mıknatıs yuttu",
            "bleeding": r"kan(ama)? (durmuyor|dinmiyor)|çok kan kaybediyor|kan (kusuyor|kustu|tükürüyor|öksürüyor)|"
            r"bıçaklandı|vuruldu|şiddetli kanama",
            "seizure": r"nöbet geçiriyor|havale geçiriyor|kasılıyor|sara nöbeti",
        },
        "self_harm": r"intihar|kendimi öldür|kendimi (asacağım|keseceğim)|ölmek istiyorum|yaşamak istemiyorum|"
        r"canıma kıy|hayatıma son|kendime zarar",
        "general": r"\b(belirtileri|belirtiler|nelerdir|nedir|nasıl yapılır|kalıtsal mı|ne yapılır|ne yapılmalı)\b|"
        r"\bnasıl\b.{0,25}\b\w+(ilir|ılır|ulur|ülür|nir|nır)\b",  # an impersonal "how is it done"
        "past": r"(yıllar|\d+ yıl|bir yıl|iki yıl|üç yıl|on yıl) önce|geçen yıl|\b(19|20)\d\d\b",
        "lethal": r"öldürücü doz|ölümcül doz",
    },
    "ar": {
        "stopwords": "",
        "emergency": {
            "breathing": r"لا (ي|ت|ا|أ)?(تنفس|يتنفس|تتنفس|أتنفس)|لا (يستطيع|تستطيع|أستطيع|اقدر|أقدر) (ال)?تنفس|"
            r"توقف(ت)? عن التنفس|ضيق (في |ف)?(ال)?تنفس|صعوبة (في )?التنفس|يختنق|تختنق|أختنق|ازرق",
            "cardiac": r"ألم (شديد |قوي )?(في )?(صدري|الصدر|صدره|صدرها)|نوبة قلبية|أزمة قلبية|جلطة قلبية|"
            r"سكتة قلبية|توقف القلب|لا (يوجد )?نبض",
            "stroke": r"جلطة دماغية|سكتة دماغية|(وجهه|وجهها|فمه|فمها) (مائل|مال|ملتوي|معوج)|لا (يستطيع|تستطيع) "
            r"(الكلام|التحدث|تحريك)|كلامه (غير واضح|متلعثم|ثقيل)|شلل",
            "unconscious": r"فاقد الوعي|فاقدة الوعي|فقد(ت)? (ال)?وعي|مغمى عليه|مغمى عليها|أغمي عليه|أغمي عليها|"
            r"لا (يستجيب|تستجيب|يستيقظ|تستيقظ)|انهار",
            "choking": r"عالق في (حلقه|حلقها|حلقي)|شرق ب",
            "anaphylaxis": r"(حلقي|حلقه|حلقها) (ي|ت)?(نغلق|ينغلق|تورم|يتورم|منتفخ)|تورم (في )?(حلقي|الحلق|لساني|"
            r"اللسان|وجهي|الوجه|شفتي)|صدمة تحسسية|حساسية شديدة",
            "overdose": r"جرعة زائدة|(بلعت|بلع|ابتلعت|ابتلع|شربت|شرب|أخذت|أخذ|تناولت|تناول) .{0,20}(علبة|كاملة|كل|"
            r"\d\d)|(بلعت|بلع|ابتلعت|ابتلع|شربت|شرب) .{0,20}(كلور|مبيض|سم|مبيد|بطارية|مغناطيس)|تسمم|سم الفئران",
            "bleeding": r"نزيف (حاد|شديد|قوي|لا يتوقف)|(ينزف|تنزف) (بشدة|كثيرا|بغزارة)|الدم لا يتوقف|"
            r"(يتقيأ|تقيأ|أتقيأ|يسعل|يبصق) (ال)?دم|طعن|رصاصة",
            "seizure": r"تشنج|نوبة صرع|يتشنج|تتشنج",
        },
        "self_harm": r"انتحار|انتحر|أقتل نفسي|اقتل نفسي|أريد أن أموت|اريد ان اموت|أريد الموت|لا أريد أن أعيش|"
        r"لا اريد ان اعيش|لا أريد العيش|أنهي حياتي|سأنهي حياتي|سأقتل نفسي|أؤذي نفسي|إيذاء نفسي",
        "general": r"^(ما|ماهي|ما هي|ما هو|ماهو|كيف|لماذا|متى|هل|كم)\b|أعراض|علامات",
        "past": r"منذ (\d+ )?(سنوات|سنة|سنتين|عام|أعوام|شهور|أشهر)|قبل (\d+ )?(سنوات|سنة|سنتين|عام|أعوام)|"
        r"العام الماضي|السنة الماضية",
        "lethal": r"جرعة (قاتلة|مميتة)",
    },
    "zh": {
        "stopwords": "",
        "emergency": {
            "breathing": r"不能呼吸|无法呼吸|不呼吸|没有呼吸|没呼吸|停止呼吸|呼吸困难|喘不过气|喘不上气|透不过气|"
            r"上不来气|窒息|嘴唇发紫|脸发紫",
            "cardiac": r"胸口.{0,2}(剧痛|疼|痛|闷)|胸.{0,2}剧痛|胸痛|心脏病发作|心梗|心肌梗死|心脏骤停|没有脉搏|没脉搏",
            "stroke": r"中风了|脑梗|嘴歪|口角歪斜|脸歪|说话不清|口齿不清|说不出话|半边身体|一侧.{0,2}(无力|麻木)|"
            r"(胳膊|手臂|左臂|右臂).{0,3}(麻|无力|抬不起来|动不了)",
            "unconscious": r"昏迷|昏倒|晕倒|不省人事|叫不醒|没有反应|没反应|失去意识|昏过去",
            "choking": r"噎住|卡在喉咙|呛住",
            "anaphylaxis": r"喉咙.{0,2}(肿|发紧|收紧)|舌头肿|嘴唇肿|过敏性休克|严重过敏",
            "overdose": r"吃了.{0,6}(瓶|盒|把|\d\d|[二三四五六七八九]十).{0,6}(药|片|粒|颗)|服药过量|过量服用|"
            r"吞了.{0,6}(药|安眠药|电池|磁铁)|喝了.{0,3}(农药|漂白剂|消毒液|百草枯|老鼠药)|中毒",
            "bleeding": r"大出血|血流不止|止不住|流了很多血|吐血|咳血|被捅|被刺|中枪",
            "seizure": r"抽搐|癫痫发作|惊厥",
        },
        "self_harm": r"不想活|想死|自杀|轻生|结束(我的)?生命|结束这一切|了结自己|割腕|伤害自己|自残|活不下去|"
        r"跳楼|上吊",
        "general": r"有哪些|是什么|什么是|症状|原因|怎么做|如何|正常|会遗传|为什么",
        "past": r"(\d+|[一二三四五六七八九十几]+)年前|去年|以前|曾经|(19|20)\d\d年",
        "lethal": r"致死(剂)?量|吃多少.{0,6}会死",
    },
    "hi": {
        "stopwords": "hai hain ho raha rahi rahe mera meri mere ko ka ki ke se aur nahi nahin kya bahut mein "
        "hoon kar karo"
        " mera meri mere hai hain nahi nahin raha rahi kya kaise kyun aaj raat beta beti bachcha pati"
        " patni papa mummy dard bahut bhi",
        "emergency": {
            "breathing": r"सांस नहीं|साँस नहीं|सांस लेने में (तकलीफ|दिक्कत|परेशानी)|दम घुट|सांस रुक|साँस रुक|"
            r"saa?ns (nahi|nahin) (le|aa)|saa?ns lene (me|mein) (taklif|dikkat|pareshani)|dam ghut",
            "cardiac": r"(सीने|छाती) में .{0,12}दर्द|दिल का दौरा|हार्ट अटैक|"
            r"(seene|sine|chhati|chati) (me|mein|main) .{0,12}dard|dil ka daura|heart attack (aa|aaya|hua)",
            "stroke": r"लकवा|मुंह टेढ़ा|चेहरा (टेढ़ा|लटक)|बोल नहीं (पा|सक)|बोलने में (दिक्कत|तकलीफ)|"
            r"lakwa|laqwa|muh (tedha|terha)|bol (nahi|nahin) (pa|paa)",
            "unconscious": r"बेहोश|होश नहीं|जवाब नहीं दे|behosh|hosh (nahi|nahin)",
            "choking": r"गले में (फंस|अटक)|gale (me|mein) (phans|atak)",
            "anaphylaxis": r"गला (बंद|सूज)|जीभ सूज|gala (band|sooj)",
            "overdose": r"गोलियां (खा|निगल)|गोलियाँ (खा|निगल)|ज़हर|जहर|goliyan (kha|khaa)|zeher|jahar",
            "bleeding": r"बहुत खून|खून (बह|नहीं रुक)|खून की उल्टी|bahut khoon|khoon (nahi|nahin) ruk",
            "seizure": r"दौरा (पड़|आ)|मिर्गी|daura (pad|aa)|mirgi",
        },
        "self_harm": r"आत्महत्या|ख़ुदकुशी|खुदकुशी|मरना चाहत|जीना नहीं चाहत|खुद को (मार|खत्म)|अपनी जान|"
        r"suicide kar|aatmhatya|atmahatya|khudkushi|marna chaht|jeena (nahi|nahin) chaht|khud ko (maar|khatam)",
        "general": r"क्या होते|क्या है|क्या हैं|कैसे|लक्षण|कितनी .{0,20}सकते|kya hote|lakshan",
        "past": r"साल पहले|saal pehle",
        "lethal": r"घातक खुराक",
    },
}


# Broader words of the same concepts, OR-ed into each language's rules: the phrases above are how
# people usually say it, these catch the many other ways (checked on our own variants, not an eval set).
_BROAD: dict[str, dict[str, str]] = {
    "es": {
        "self_harm": r"matarme|suicidarme|suicidio|quitarme la vida|acabar con (todo|mi vida)|terminar con (todo|"
        r"mi vida)|no quiero (seguir )?(viviendo|vivir|estar aqu[íi])|quiero (morir|morirme|desaparecer)|"
        r"tirarme (de|del|por|al)|voy a tirar(me)? (de|del|por|al)|ahorcarme|colgarme|cortarme las venas|"
        r"no vale la pena vivir",
        "breathing": r"(no|apenas) (puede|puedo|consigue|consigo) respirar|(labios|boca|cara|beb[ée]|niñ[oa]).{0,15}"
        r"(morad|azul)|se (est[áa] )?(poniendo|puso|ha puesto) (morad|azul)|se ahog",
        "cardiac": r"(dolor|presi[óo]n|opresi[óo]n|peso).{0,20}pecho|pecho.{0,20}(duele|dolor|aprieta)",
        "stroke": r"(cara|boca).{0,15}(torcid|ca[íi]d|desviad|dormid)|habla (raro|arrastrad|con dificultad)",
        "unconscious": r"desmay|inconscient|no (se )?despierta|no reacciona|sin conocimiento",
        "trauma_other": r"fiebre.{0,40}(manchas|rigidez|cuello r[íi]gido|nuca r[íi]gida|no reacciona)|"
        r"(manchas|rigidez|nuca r[íi]gida).{0,40}fiebre",
        "overdose": r"(tom[óo]|tom[ée]|tomado|tragado|trag[óo]|trag[ée]|ingiri[óo]).{0,30}(bote|frasco|caja|blister|"
        r"todas las|much[ao]s|un mont[óo]n de)|(bote|frasco|caja|blister) entero",
    },
    "fr": {
        "self_harm": r"me tuer|me suicider|suicide|en finir|mettre fin à (mes jours|ma vie)|(ne|n') ?veux plus "
        r"(vivre|être là|être ici)|veux mourir|envie de mourir|sauter (du|d'un|par la)|me pendre|me jeter (sous|du|"
        r"d'un|par)|disparaître pour toujours",
        "breathing": r"(ne|n') ?respire (plus|pas)|(lèvres|bébé|visage).{0,15}(bleu|violet|gris)|étouff",
        "cardiac": r"(douleur|serre|oppression|poids).{0,25}poitrine|poitrine.{0,20}(fait mal|serre)",
        "stroke": r"(bouche|visage).{0,15}(travers|tordu|paralys|affaiss)|(ne|n') ?(peut|arrive) plus (à )?(parler|"
        r"bouger)",
        "unconscious": r"évanoui|inconscient|(ne|n') ?(se )?réveille (pas|plus)|(ne|n') ?répond (plus|pas)|"
        r"perdu connaissance|fait un malaise",
        "trauma_other": r"fièvre.{0,40}(nuque raide|raideur|taches|ne réagit)|nuque raide",
        "overdose": r"(avalé|pris) .{0,20}(toute la|tout le|toute une|une boîte|la boîte|le flacon|plein de)|"
        r"boîte entière",
    },
    "de": {
        "self_harm": r"umbringen|umzubringen|selbstmord|suizid|das leben nehmen|(nehme|nehmen) (ich )?mir das "
        r"leben|nicht mehr (leben|da sein|hier "
        r"sein)|will sterben|möchte sterben|von der brücke springen|mich (erhängen|aufhängen)|pulsadern",
        "breathing": r"(atmet|atme) (nicht|kaum)|keine luft|blaue lippen|(lippen|gesicht).{0,15}blau|erstick",
        "cardiac": r"(schmerz|druck|enge|stechen).{0,25}brust|brust.{0,25}(schmerz|druck|enge|tut weh)",
        "unconscious": r"bewusstlos|ohnmächtig|wacht nicht auf|reagiert nicht|nicht ansprechbar",
        "seizure": r"krampf|epilept",
        "trauma_other": r"fieber.{0,40}(nacken|flecken|ausschlag)|steifer nacken|nackensteif",
        "overdose": r"(ganze|eine ganze|die ganze|alle|viele|zu viele|eine handvoll) (packung|schachtel|tabletten|"
        r"pillen|schlaftabletten)",
    },
    "it": {
        "self_harm": r"uccidermi|ammazzarmi|mi voglio (ammazzare|uccidere|suicidare)|mi (ammazzo|uccido)|suicid|"
        r"togliermi la vita|farla finita|non voglio più (vivere|esserci|"
        r"stare qui)|voglio morire|buttarmi (dal|da|sotto)|impiccarmi|tagliarmi",
        "breathing": r"non respira|(labbra|viso|bambin[oa]).{0,15}(blu|viola|cianot)|soffoc",
        "cardiac": r"(dolore|peso|oppressione|fitta).{0,20}petto",
        "unconscious": r"svenut|non si sveglia|non risponde|non reagisce|incosciente|privo di sensi|priva di sensi",
        "seizure": r"convuls|crisi epilettica",
        "trauma_other": r"febbre.{0,40}(rigid|macchie|collo)|collo rigido",
        "overdose": r"(mangiato|ingoiato|inghiottito).{0,25}(pastiglie|pasticche|compresse|pillole|farmaci|"
        r"medicine)|(preso|prese).{0,20}(tutte|troppe|un sacco di|una scatola)",
    },
    "pt": {
        "self_harm": r"me matar|matar-me|suicid|tirar (a )?minha (própria )?vida|acabar com (tudo|a minha vida|"
        r"minha vida)|não quero mais (viver|estar aqui)|quero morrer|quero sumir|me jogar (da|de|do)|me enforcar|"
        r"me cortar",
        "breathing": r"não (consegue|consigo|está) respira|(lábios|bebê|rosto|boca).{0,15}(roxo|roxa|azul)|"
        r"(está|ficou|ficando) (roxo|roxa|azul)|sufoc",
        "cardiac": r"dor.{0,20}peito|aperto no peito",
        "unconscious": r"desmai|desacordad|inconsciente|não acorda|não responde|não reage",
        "trauma_other": r"febre.{0,40}(manchas|rigidez|nuca)|nuca rígida",
        "overdose": r"(tomou|tomei|engoliu|engoli).{0,25}(frasco|caixa|cartela|todos|todas|muitos|muitas|vários|"
        r"várias)|(frasco|caixa|cartela) inteir",
    },
    "nl": {
        "self_harm": r"zelfmoord|suïcid|mezelf (van kant|dood|iets aan)|(wil|ga) (dood|sterven)|niet meer (leven|"
        r"verder)|er niet meer (zijn|willen zijn)|einde aan mijn leven|een eind aan maken|springen (van|voor)",
        "breathing": r"ademt niet|(krijgt|krijg) geen (lucht|adem)|(lippen|baby|gezicht).{0,15}blauw|stikt",
        "cardiac": r"pijn.{0,15}borst|druk op (de|mijn) borst",
        "unconscious": r"bewusteloos|flauwgevallen|reageert niet|wordt niet wakker|niet aanspreekbaar",
        "seizure": r"(aanval|insult|stuip|epilepti).{0,30}(stopt niet|houdt niet op|blijft)|epileptische aanval",
        "overdose": r"(\d{2,}|alle|hele|veel) .{0,20}(pillen|tabletten|medicijnen)|(pillen|tabletten|medicijnen)"
        r".{0,20}(geslikt|opgegeten)",
    },
    "pl": {
        "self_harm": r"zabić się|zabiję się|się zabiję|się zabić|samobój|odebrać sobie życie|nie chcę (już )?(żyć|tu "
        r"być)|chcę umrzeć|skoczyć z|powiesić się|pociąć się",
        "breathing": r"nie (oddycha|może oddychać|mogę oddychać)|(sine|niebieskie) (usta|wargi)|sinieje|dusi się",
        "cardiac": r"ból.{0,20}(klatk|piersi)|(klatk|piersi).{0,20}ból",
        "unconscious": r"nieprzytomn|zemdlał|nie reaguje|nie budzi się|stracił(a)? przytomność",
        "seizure": r"drgawk|padaczk",
        "overdose": r"(połknął|połknęła|połknąłem|połknęłam|zjadł|zjadła).{0,25}(tabletk|pigułk|leki|leków|lekarstw)|"
        r"(wziął|wzięła|wziąłem|wzięłam).{0,15}(dużo|całe|wszystkie|\d\d)",
    },
    "tr": {
        "self_harm": r"intihar|kendimi (öldür|as|kes|at)|ölmek istiyorum|yaşamak istemiyorum|hayatıma son|canıma kıy|"
        r"köprüden atla",
        "breathing": r"nefes (alamıyor|alamıyorum|almıyor|yok)|morar|boğul",
        "cardiac": r"göğs\w* .{0,20}(ağrı|sıkışma|baskı)|göğüs ağrısı|kalp krizi",
        "unconscious": r"bayıldı|bilinci|uyanmıyor|tepki vermiyor",
        "seizure": r"nöbet|havale|kasıl",
        "overdose": r"(hap|ilaç)\w* .{0,20}(içtim|içti|yuttum|yuttu|aldım|aldı)|(bütün|tüm|çok) (hap|ilaç)",
    },
    "ar": {
        "self_harm": r"انتحار|انتحر|أقتل نفسي|أموت|أنهي حياتي|لا أريد أن أعيش|لا أريد العيش|أؤذي نفسي|أشنق نفسي|"
        r"أرمي نفسي",
        "breathing": r"لا (ي|ت)تنفس|ضيق (في )?التنفس|اختناق|يختنق|ازرق",
        "cardiac": r"ألم.{0,15}صدر|نوبة قلبية",
        "unconscious": r"فقد(ت)? الوعي|فاقد الوعي|مغمى|أغمي|لا (يستجيب|تستجيب|يرد|ترد)",
        "seizure": r"تشنج|صرع",
        "overdose": r"(حبوب|أقراص|أدوية|دواء) كثير|علبة كاملة|كل (الحبوب|الأقراص|الدواء)",
    },
    "zh": {
        "self_harm": r"想死|不想活|自杀|轻生|结束.{0,4}生命|跳楼|上吊|割腕|活着没意思|活着没有意义|去死",
        "breathing": r"不能呼吸|呼吸困难|喘不过气|没有呼吸|不呼吸|发紫|窒息",
        "cardiac": r"胸.{0,3}(痛|疼|闷)|心梗",
        "unconscious": r"昏迷|晕倒|昏倒|叫不醒|没反应|没有反应|不省人事|失去意识",
        "seizure": r"抽搐|癫痫|抽风",
        "overdose": r"吃了(很多|好多|一整|整|一大把|一把|大量).{0,4}(药|片)|吞了.{0,4}药|服药过量",
    },
    "hi": {
        "self_harm": r"आत्महत्या|खुदकुशी|मरना चाहत|मर जाना चाहत|जीना नहीं|खुद को (मार|खत्म)|जान दे|aatmhatya|"
        r"khudkushi|marna chaht|mar jana|jeena nahi|jina nahi|khud ko (maar|khatam)|jaan de",
        "breathing": r"सांस नहीं|साँस नहीं|saa?ns (nahi|nahin)",
        "cardiac": r"(सीने|छाती).{0,10}दर्द|(seene|sine|chhati|chati).{0,10}dard",
        "unconscious": r"बेहोश|behosh",
        "overdose": r"गोलियां|गोलियाँ|goliyan|goliya",
    },
}


@functools.lru_cache(maxsize=1)
def language_rules() -> dict[str, LanguageRules]:
    """The compiled rules of every language, by code."""
    rules = {}
    for code, spec in _RULES.items():
        emergency = spec["emergency"]
        assert isinstance(emergency, dict)
        broad = _BROAD.get(code, {})
        merged = {
            c: "|".join(p for p in (emergency.get(c), broad.get(c)) if p) for c in {*emergency, *broad} - {"self_harm"}
        }
        rules[code] = LanguageRules(
            code=code,
            stopwords=frozenset(fold(str(spec["stopwords"])).split()),
            emergency={category: _compile(pattern) for category, pattern in merged.items()},
            self_harm=_compile("|".join(p for p in (str(spec["self_harm"]), broad.get("self_harm")) if p)),
            general=_compile(str(spec["general"]) or _NEVER),
            past=_compile(str(spec["past"]) or _NEVER),
            lethal=_compile(str(spec["lethal"]) or _NEVER),
        )
    return rules


_ENGLISH_WORDS = (
    "the and is are i my you what how of to in it he she with have has for can this that not do does me was be "
    "an on at his her your we they should will after just im it can don why who when there into about from a as "
    "if or so by up out all any some please get make tell give write need want know help like good best time one"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_SCRIPTS = (  # (first, last code point, language); a message written mostly in one of these is that language
    ("\u0600", "\u06ff", "ar"),
    ("\u4e00", "\u9fff", "zh"),
    ("\u0900", "\u097f", "hi"),
    ("\u3040", "\u30ff", "ja"),
    ("\u0400", "\u04ff", "ru"),
    ("\uac00", "\ud7af", "ko"),
    ("\u0590", "\u05ff", "he"),
    ("\u0e00", "\u0e7f", "th"),
    ("\u0370", "\u03ff", "el"),
)


def detect_language(text: str) -> str:
    """The language of a normalized message: "en", a code of `language_rules()`, or another code we don't read.

    A script decides for non-Latin text (Japanese before Chinese, since it uses Chinese characters too);
    Latin text goes to the language with the most of its frequent words, English on a tie or when none
    is found in a short message ("chest pain!!"); "und" (undetermined) for a longer one with none.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    counts = {code: sum(1 for c in letters if lo <= c <= hi) for lo, hi, code in _SCRIPTS}
    if counts["ja"]:
        counts["ja"] += counts["zh"]
    script, count = max(counts.items(), key=lambda kv: kv[1])
    if count > len(letters) / 3:
        return script
    scores = latin_scores(text)
    best = max(scores, key=lambda code: (scores[code], code == "en"))
    if scores[best] > 0:
        return best
    # Four words or more, not one frequent word of any language we know, and mostly no English words
    # either ("ch3st p4in, c4nt br34th" is English): a language we cannot read.
    words = re.findall(r"[a-z]+", text)
    english = sum(w in vocabulary() for w in words)
    return "und" if len(words) >= 4 and english < len(words) / 2 else "en"


def latin_scores(text: str) -> dict[str, int]:
    """How many frequent words of each Latin-script language a normalized text has."""
    words = re.findall(r"[a-z]+", text)
    scores = {"en": sum(w in _ENGLISH for w in words)}
    for code, rules in language_rules().items():
        if rules.stopwords:
            scores[code] = sum(w in rules.stopwords for w in words)
    return scores
