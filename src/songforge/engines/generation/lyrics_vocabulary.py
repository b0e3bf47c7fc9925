"""Word lists and line templates for the offline lyrics writer.

Everything here is plain data, lower case and in CMUdict (a unit test checks), so syllable counts and
rhymes are exact. The English writer builds each line from a template whose slots are typed, and fills
each slot from the tables below, so that determiners, verb forms and prepositions always agree.
"""

from __future__ import annotations

# The tables are packed by hand, several entries a line; the formatter would put one a line.
# fmt: off

# Words a prompt uses to name a genre or mood rather than a topic.
GENRES: dict[str, str] = {
    "pop": "pop", "rock": "rock", "jazz": "jazz", "blues": "blues", "folk": "folk", "country": "country",
    "ballad": "ballad", "rap": "hip hop", "hip": "hip hop", "hop": "hip hop", "hiphop": "hip hop",
    "edm": "electronic", "electronic": "electronic", "house": "house", "techno": "techno", "disco": "disco",
    "funk": "funk", "soul": "soul", "rnb": "r&b", "metal": "metal", "punk": "punk", "indie": "indie",
    "lofi": "lo-fi", "reggae": "reggae", "gospel": "gospel", "acoustic": "acoustic", "synthwave": "synthwave",
    "ambient": "ambient", "orchestral": "orchestral", "classical": "classical", "kpop": "k-pop",
}

MOODS: dict[str, str] = {
    "sad": "melancholic", "melancholy": "melancholic", "melancholic": "melancholic", "lonely": "melancholic",
    "heartbroken": "melancholic", "blue": "melancholic", "dark": "dark", "moody": "dark",
    "happy": "upbeat", "upbeat": "upbeat", "joyful": "upbeat", "cheerful": "upbeat", "fun": "upbeat",
    "energetic": "energetic", "epic": "epic", "uplifting": "uplifting", "hopeful": "uplifting",
    "calm": "calm", "chill": "calm", "relaxing": "calm", "dreamy": "dreamy", "romantic": "romantic",
    "angry": "aggressive", "aggressive": "aggressive", "nostalgic": "nostalgic",
}

# Words that carry no topic ("a song about ...").
STOPWORDS: frozenset[str] = frozenset(
    """a an the and or but of to in on at by for with about from into over under up down out as is are was
    were be been being am it its this that these those my your our their his her me you we they i he she
    him them us song songs track tune music lyrics lyric write make create give want need please some any
    very really just so like feel feeling feels style vibe vibes type kind sort bpm beat beats tempo slow fast
    male female vocal vocals voice singer sung sing sings singing instrumental genre mood one two three
    something thing things let lets can could would should will shall may might must do does did have has had
    not no yes all more most less much many own same other such only than too also then there here when where
    who what which while how why if because until after before again once im ive youre dont cant wont
    anthem anthems hymn jingle named called titled""".split()
)

# --- English lexicon.
# Nouns by kind, then by the kind of place they are (which prepositions put you there; "" = not a place).
# count: "the road", "a road", "my road". plural: "the stars", "my friends". mass: "the rain", "this rain".
# abstract: bare or possessed ("love", "my love"), never "the love".
NOUNS: dict[str, dict[str, str]] = {
    "count": {
        "path": "road street highway river avenue",
        "edge": "shore coast beach",
        "surface": "island bridge floor rooftop",
        "area": "city town crowd garden valley forest park field meadow world room desert",
        "inside": "car house kitchen",
        "sky": "sky moon sun skyline",
        "weather": "night storm",
        "water": "sea ocean lake bay harbor",
        "ridge": "horizon mountain border line hill",
        "spot": "door window gate station fireplace doorway lighthouse",
        "": """heart name hand kiss song letter photograph promise key ghost wish prayer memory story picture
            melody secret smile face voice moment candle star rose flower feather stone bird wave tide
            engine trip friend heartbeat whisper lover stranger angel diamond season hour echo
            ember spark flame mirror radio guitar goodbye""",
    },
    "plural": {
        "sky": "stars lights clouds",
        "weather": "shadows waves",
        "area": "streets",
        "ridge": "hills mountains",
        "": "eyes hands arms dreams wings memories friends years flowers words songs roses letters headlights",
    },
    "mass": {
        "sky": "neon",
        "weather": """rain snow fire light smoke sunshine fog heat cold dark mist twilight moonlight sunlight wind
            starlight silence darkness summer winter autumn""",
        "water": "water",
        "clock": "dawn sunrise sunset",
        "": "gold dust music laughter sand distance",
    },
    "abstract": {
        "home": "home",
        "clock": "midnight",
        "": "love hope time freedom faith grace peace youth heaven glory courage tomorrow yesterday wonder",
    },
}

# The prepositions that put a noun of each kind of place into a place phrase. Homes and hours go bare:
# "far from home", "after midnight".
PLACE_PREPOSITIONS: dict[str, tuple[str, ...]] = {
    "path": ("down", "along", "on"), "edge": ("on", "along", "by"), "surface": ("on", "across"),
    "area": ("in", "through", "across"), "inside": ("in", "inside"), "sky": ("under", "beneath"),
    "weather": ("in", "through"), "water": ("over", "across", "by"), "ridge": ("over", "across", "beyond"),
    "spot": ("by", "at"), "home": ("far from", "close to", "back"), "clock": ("at", "after", "until"),
}
BARE_PLACES: frozenset[str] = frozenset({"home", "clock"})

# Adjectives that read well before a noun, by what the noun is ("the endless sky", "the empty street",
# "the faded letter", "my endless love"); then those a theme or the prompt brings to places and weather
# ("rainy"); then those that read after "is" and "feel so", of people and things alike ("alive").
ADJECTIVES: dict[str, str] = {
    "nature": "endless dark bright cold warm golden silver silent quiet pale wild deep heavy blue distant frozen white",
    "place": "empty quiet lonely old endless open restless silent dark golden familiar distant loud ancient",
    "thing": "old faded broken lost familiar sweet silent golden gentle distant",
    "abstract": "endless sweet broken lost young wild gentle restless quiet",
}
THEME_ADJECTIVES: str = """
rainy sunny snowy stormy starry misty hazy electric green grey lazy wide fearless tender burning shining
"""
STATE_ADJECTIVES: str = """
bright free cold wild blue true new slow high strong young lost clear sweet deep warm soft broken open
safe brave bold old kind gentle golden quiet empty restless heavy tender fearless hollow lonely pretty crazy
alive alone afraid awake near
"""

# Nouns that are only ever where a line happens ("by the door"), never what it is about.
SCENERY_NOUNS: str = """
floor rooftop room kitchen doorway door gate station fireplace window field meadow valley park desert house car
bridge island coast bay harbor lake lighthouse border line hill avenue shore beach
"""

# Nouns that may act as the subject of a line ("the city sleeps"), and those among them that are people.
SUBJECT_NOUNS: str = """
heart night city rain sun moon stars river fire light world sky snow storm summer winter love time road sea
ocean waves lights streets shadows friends lover stranger angel crowd music radio silence dawn midnight wind
heartbeat memories dreams
"""
PEOPLE_NOUNS: str = "friend friends lover stranger angel crowd"

# Verbs as "base third-person past -ing", "|" between them, then flags: "m" it moves, so it can go "away";
# "p" only people do it ("we drive", not "the city drives"); "e" only at the end of a line ("I believe");
# "t" only things do it ("the rain washes", not "we wash"); "c" its object is a thing ("we carry the light",
# not "we carry love"); "s" a state, not sung as "-ing" ("I need", not "I'm needing").
INTRANSITIVE_VERBS: str = """
shine shines shone shining | fall falls fell falling | burn burns burned burning | rise rises rose rising
fade fades faded fading m | glow glows glowed glowing | drift drifts drifted drifting m
wait waits waited waiting | run runs ran running m | dance dances danced dancing | sing sings sang singing
breathe breathes breathed breathing | shake shakes shook shaking | sleep sleeps slept sleeping
turn turns turned turning | move moves moved moving | fly flies flew flying m | cry cries cried crying
stay stays stayed staying | hide hides hid hiding | bloom blooms bloomed blooming t | grow grows grew growing
flow flows flowed flowing t | dream dreams dreamed dreaming p | wander wanders wandered wandering
roam roams roamed roaming | drive drives drove driving mp | ride rides rode riding mp | sail sails sailed sailing mp
climb climbs climbed climbing p | walk walks walked walking mp | play plays played playing p
pray prays prayed praying p | smile smiles smiled smiling p | go goes went going me
belong belongs belonged belonging pe | return returns returned returning p | swim swims swam swimming p
float floats floated floating m | soar soars soared soaring | freeze freezes froze freezing
wake wakes woke waking | heal heals healed healing pe
believe believes believed believing pe | try tries tried trying pe | fight fights fought fighting p
change changes changed changing | whisper whispers whispered whispering | sway sways swayed swaying
slip slips slipped slipping m | call calls called calling | begin begins began beginning t
survive survives survived surviving pe | sparkle sparkles sparkled sparkling t | wash washes washed washing mt
blow blows blew blowing mt | melt melts melted melting mt
"""

TRANSITIVE_VERBS: str = """
hold holds held holding | chase chases chased chasing p | follow follows followed following
find finds found finding p | remember remembers remembered remembering s
miss misses missed missing p | need needs needed needing ps | keep keeps kept keeping c
carry carries carried carrying c | feel feels felt feeling p | see sees saw seeing ps | take takes took taking c
leave leaves left leaving c | love loves loved loving ps | forget forgets forgot forgetting p
want wants wanted wanting ps | share shares shared sharing pc | watch watches watched watching pc
"""

# Verbs that leave their object in a state: "the winter leaves me cold".
RESULT_VERBS: str = "keep keeps kept keeping | leave leaves left leaving | make makes made making"

# Adverbs a line may end on: of time (after any clause), and of going ("we drift away").
TIME_ADVERBS: tuple[str, ...] = ("tonight", "today", "forever")
AWAY_ADVERBS: tuple[str, ...] = ("away",)

# Line templates. Slots: {S} subject (pronoun or noun phrase), {Sp} a pronoun (I, you, we), {Sn} a noun phrase;
# intransitive verb {V} agreeing with the subject, {Vd} past, {Vb} base, {Vg} -ing, {Vm}/{Vmg} one that
# moves; transitive {T} {Td} {Tb} {Tg}; {K} keep/leave/make agreeing; {be}/{was} agreeing; {O} object
# noun phrase, {Oa} one with "a"/"an"; {P} place phrase; {A} adjective; {X} adverb of time; {W} "away".
# The last slot is the rhyme slot.
TEMPLATES: tuple[str, ...] = (
    # ending on a noun
    "{S} {V} {P}", "{S} {Vd} {P}", "{S} {be} {Vg} {P}", "{Vg} {P}", "{S} {T} {O}", "{S} {Td} {O}",
    "{S} {be} {Tg} {O}", "{S} {was} {Tg} {O}", "{Tg} {O} {P}", "{S} {Td} {O} {P}", "{S} {T} {O} {P}",
    "take me {P}", "wait for me {P}", "find me {P}", "there's {Oa} {P}", "all I need is {O}", "I can't forget {O}",
    "I still remember {O}", "{S} {was} {A} {P}", "{S} {be} {A} {P}", "{S} will {Vb} {P}", "let's {Vb} {P}",
    "{Vb} with me {P}", "I can see {O} {P}",
    # ending on a verb's base form
    "{S} will never {Vb}", "{S} will always {Vb}", "you taught me how to {Vb}", "{S} {be} learning how to {Vb}",
    "don't be afraid to {Vb}", "{P}, {Sp} {V}", "when {S} {V}, {Sp} {V}", "{S} {V} and {Sp} {V}",
    "{S} {T} {O} and {V}", "let {Sn} {Vb}", "{Sp} {was} born to {Vb}", "I close my eyes and {Vb}",
    # ending on a past tense
    "{P}, {S} {Vd}", "{S} {Vd} and {Sp} {Vd}", "{S} {Td} {O} and {Vd}",
    # ending on an -ing form
    "{P}, {S} {be} {Vg}", "I can hear {Sn} {Vg}", "I can feel {Sn} {Vg}", "{S} {be} still {Vg}",
    # ending on an adjective
    "I never felt so {A}", "{S} {was} young and {A}", "{P}, {S} {be} {A}", "you make me feel so {A}",
    "{S} {K} me {A}", "tonight {S} {be} {A}", "{S} {be} {A} and {A}", "as long as {S} {be} {A}",
    "{S} {was} so {A}",
    # ending on an adverb
    "{S} {V} {X}", "{S} {be} {Vg} {X}", "{S} {V} {P} {X}", "{Sp} will {Tb} you {X}", "{S} {Vm} {W}",
    "{S} {be} {Vmg} {W}", "come and take me {W}",
)

# Words a line one syllable short may open with, to fit the tune.
LINE_OPENERS: tuple[str, ...] = ("and ", "oh, ")

# Theme -> words that trigger it in a prompt, and the imagery it brings (all from the lexicon above).
THEMES: dict[str, dict[str, list[str]]] = {
    "ocean": {
        "triggers": "ocean sea beach wave waves tide shore sail sailor harbor island coast surf sand salt".split(),
        "nouns": "ocean sea waves tide shore sand harbor coast horizon lighthouse island water".split(),
        "adjectives": "blue deep endless wide".split(),
        "verbs": "drift sail swim float wash".split(),
    },
    "night": {
        "triggers": "night midnight city neon street streets downtown lights moon dark late".split(),
        "nouns": "night midnight street neon moon city skyline shadows window lights".split(),
        "adjectives": "dark electric restless quiet bright".split(),
        "verbs": "glow shine wander hide wait".split(),
    },
    "love": {
        "triggers": "love lover romance romantic heart kiss darling baby valentine crush together".split(),
        "nouns": "heart love kiss promise arms lover".split(),
        "adjectives": "true sweet tender warm".split(),
        "verbs": "hold kiss love stay belong".split(),
    },
    "heartbreak": {
        "triggers": "heartbreak breakup goodbye tears cry crying lost leaving gone ex broken alone".split(),
        "nouns": "goodbye silence memory ghost distance letter rain".split(),
        "adjectives": "broken cold empty hollow".split(),
        "verbs": "cry fade forget leave".split(),
    },
    "summer": {
        "triggers": "summer sun sunny sunshine july holiday vacation heat warm beach".split(),
        "nouns": "summer sun sunshine heat highway sunset beach".split(),
        "adjectives": "golden warm young bright lazy".split(),
        "verbs": "shine dance ride burn play".split(),
    },
    "winter": {
        "triggers": "winter snow cold ice frozen christmas frost".split(),
        "nouns": "winter snow cold fireplace candle window".split(),
        "adjectives": "cold white frozen silent pale".split(),
        "verbs": "freeze fall glow wait".split(),
    },
    "rain": {
        "triggers": "rain rainy storm thunder cloud clouds weather lightning".split(),
        "nouns": "rain storm clouds window street wind".split(),
        "adjectives": "grey heavy stormy rainy".split(),
        "verbs": "fall wash drift".split(),
    },
    "road": {
        "triggers": "road travel journey trip drive driving highway car train miles wander runaway".split(),
        "nouns": "road highway car engine station horizon headlights".split(),
        "adjectives": "open free restless".split(),
        "verbs": "drive ride roam run".split(),
    },
    "home": {
        "triggers": "home hometown nostalgia nostalgic homesick family childhood mother father house".split(),
        "nouns": "home house kitchen doorway photograph letter fireplace".split(),
        "adjectives": "old familiar warm faded".split(),
        "verbs": "return remember belong stay".split(),
    },
    "freedom": {
        "triggers": "freedom free fly flying escape wings rebel wild".split(),
        "nouns": "freedom wings sky horizon mountain".split(),
        "adjectives": "free wild fearless".split(),
        "verbs": "fly rise run soar".split(),
    },
    "fire": {
        "triggers": "fire flame flames burn burning passion spark heat".split(),
        "nouns": "fire flame spark ember smoke".split(),
        "adjectives": "burning wild bright".split(),
        "verbs": "burn glow rise".split(),
    },
    "stars": {
        "triggers": "star stars space galaxy universe cosmic moon planet sky astronaut rocket".split(),
        "nouns": "stars sky moon heaven starlight".split(),
        "adjectives": "distant silver starry endless".split(),
        "verbs": "shine fly fall glow".split(),
    },
    "dance": {
        "triggers": "dance dancing party club disco groove floor weekend".split(),
        "nouns": "floor music lights crowd".split(),
        "adjectives": "loud electric wild".split(),
        "verbs": "dance move shake sway".split(),
    },
    "nature": {
        "triggers": "forest tree trees river mountain mountains nature garden flower flowers field spring".split(),
        "nouns": "forest river mountain meadow flower valley field".split(),
        "adjectives": "green wild quiet ancient".split(),
        "verbs": "grow bloom flow breathe climb".split(),
    },
    "morning": {
        "triggers": "morning dawn sunrise coffee wake day new beginning".split(),
        "nouns": "dawn sunrise sunlight window".split(),
        "adjectives": "new bright golden".split(),
        "verbs": "wake rise begin shine".split(),
    },
    "dreams": {
        "triggers": "dream dreams dreaming dreamer hope wish future ambition goal".split(),
        "nouns": "dreams wish tomorrow promise hope".split(),
        "adjectives": "bright endless brave".split(),
        "verbs": "dream believe climb fly".split(),
    },
    "time": {
        "triggers": "time memory memories remember past clock years old age forever youth".split(),
        "nouns": "time memories years photograph yesterday".split(),
        "adjectives": "old slow faded".split(),
        "verbs": "remember fade turn".split(),
    },
}

# --- Chinese: rhyme groups (十三辙) -> lines ending on a character of that group. {t} is the prompt's words;
# each group has short lines for it, so that a four-character topic still gives lines of at most nine.
ZH_RHYME_GROUPS: dict[str, list[str]] = {
    "江阳": [
        "月光洒满旧时窗", "一路风雨走四方", "晚风吹过稻花香", "梦里又见{t}的光",
        "{t}藏在心中央", "灯火照亮回家的方向", "老屋门前桂花香", "把{t}轻轻唱",
        "天边飘来一片霜", "长河落日映斜阳", "故人笑语在耳旁", "{t}伴我走远方", "{t}在远方",
    ],
    "言前": [
        "春风吹绿了江南", "思念写满信笺", "青石小巷到天边", "{t}停在我眼前",
        "炊烟升起在屋檐", "一盏灯火照无眠", "{t}化作满天星点", "走过千山与万川",
        "细雨落在旧窗前", "把心事说给明天", "{t}是不变的从前", "岁月流过掌心间", "{t}在心间", "又见{t}的脸",
    ],
    "由求": [
        "明月升上柳梢头", "小河静静向东流", "{t}留在心头", "一杯清茶到白头",
        "风吹落叶满山丘", "牵着你的手", "{t}陪我走过春秋", "往事如烟不回头",
        "夕阳染红了小楼", "{t}是我的温柔", "远方的歌声悠悠", "把思念轻轻收", "{t}随水流",
    ],
    "遥条": [
        "星光洒满小石桥", "晚风轻轻摇", "{t}在心里燃烧", "山路弯弯路迢迢",
        "窗外的雪花飘", "一声问候多美好", "{t}是我的依靠", "月下的柳梢",
        "故乡的炊烟袅袅", "{t}在梦里来找", "春天的燕子归巢", "笑容像晨光明耀", "{t}路迢迢",
    ],
}

ZH_TITLE_SUFFIXES: list[str] = ["", "之歌", "谣", "的夜晚", "的远方"]
# Phrases a Chinese prompt wraps around its topic ("写一首关于…的歌").
ZH_FILLER: list[str] = [
    "帮我", "请", "写一首", "写首", "一首", "关于", "有关", "的歌曲",
    "的歌", "歌曲", "歌词", "音乐", "风格", "主题", "我想要", "想要",
]

# --- Latin-script languages we have no rhyme dictionary for: line templates around the prompt's own
# phrases ({w}, kept with the article the prompt gave them: "el mar", "la nuit").
LATIN_LINES: dict[str, list[str]] = {
    "es": [
        "sueño con {w}", "bajo la luz de {w}", "canto por {w}", "{w} en mi corazón", "vuelvo a {w}",
        "no me dejes, {w}", "siempre {w}, siempre tú", "esta noche es {w}", "y en el silencio, {w}",
        "llévame a {w}",
    ],
    "fr": [
        "je rêve de {w}", "sous la lumière de {w}", "je chante pour {w}", "{w} dans mon cœur", "reviens vers {w}",
        "ne me quitte pas, {w}", "toujours {w}, toujours toi", "ce soir c'est {w}", "et dans le silence, {w}",
        "emmène-moi vers {w}",
    ],
    "pt": [
        "sonho com {w}", "sob a luz de {w}", "canto por {w}", "{w} no meu coração", "volto para {w}",
        "não me deixes, {w}", "sempre {w}, sempre tu", "esta noite é {w}", "e no silêncio, {w}",
        "leva-me a {w}",
    ],
    "it": [
        "sogno {w}", "sotto la luce di {w}", "canto per {w}", "{w} nel mio cuore", "ritorno a {w}",
        "non lasciarmi, {w}", "sempre {w}, sempre tu", "stanotte è {w}", "e nel silenzio, {w}",
        "portami da {w}",
    ],
    "de": [
        "ich träume von {w}", "im Licht von {w}", "ich singe für {w}", "{w} in meinem Herzen", "zurück zu {w}",
        "verlass mich nicht, {w}", "immer {w}, immer du", "heute Nacht ist {w}", "und in der Stille, {w}",
        "bring mich zu {w}",
    ],
}

# Articles that stay attached to the noun after them when a prompt's phrase is reused.
LATIN_ARTICLES: frozenset[str] = frozenset(
    "el la los las un una le les une des l o a os as um uma il lo gli der die das ein eine den dem".split()
)

# Japanese particles after which a prompt written without spaces may be cut into phrases.
JA_PARTICLES = "のとをにがはでもへや、。"
