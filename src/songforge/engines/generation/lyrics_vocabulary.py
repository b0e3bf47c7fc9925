"""Word lists and line templates for the offline lyrics writer.

Everything here is plain data. Words are lower case and in CMUdict (a unit test checks), so syllable
counts and rhymes are exact. Nouns are singular and read well after "the"; verbs are base forms that
work after "I", "we", "to" and "let it"; adjectives work after "so" and "is".

Template slots: {n} noun, {a} adjective, {v} verb, {T} the topic with its article ("the ocean",
"love"), {t} the bare topic word. A slot at the very end of a template is the rhyme slot.
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
    who what which while how why if because until after before again once im ive youre dont cant wont""".split()
)

# Abstract or mass nouns read without "the" ("love", "hope" — not "the love").
ABSTRACT: frozenset[str] = frozenset(
    """love hope time freedom memory home heaven summer winter spring autumn youth faith grace peace pride
    gold silver rain snow fire water music money glory danger trouble wonder silence forever tomorrow
    yesterday tonight midnight nostalgia romance heartbreak loneliness happiness sorrow courage war""".split()
)

# Theme -> words that trigger it in a prompt, and imagery it brings.
THEMES: dict[str, dict[str, list[str]]] = {
    "ocean": {
        "triggers": "ocean sea beach wave waves tide shore sail sailor harbor island coast surf sand salt".split(),
        "nouns": "ocean sea wave tide shore sand sail harbor coast horizon lighthouse current island".split(),
        "adjectives": "blue deep salty endless wide".split(),
        "verbs": "drift sail swim float wash".split(),
    },
    "night": {
        "triggers": "night midnight city neon street streets downtown lights moon dark late".split(),
        "nouns": "night midnight street neon moon city skyline shadow window corner light".split(),
        "adjectives": "dark electric restless quiet bright".split(),
        "verbs": "glow shine wander hide wait".split(),
    },
    "love": {
        "triggers": "love lover romance romantic heart kiss darling baby valentine crush together".split(),
        "nouns": "heart love kiss embrace touch promise devotion emotion arms lover".split(),
        "adjectives": "true sweet tender warm close".split(),
        "verbs": "hold kiss love stay belong".split(),
    },
    "heartbreak": {
        "triggers": "heartbreak breakup goodbye tears cry crying lost leaving gone ex broken alone".split(),
        "nouns": "goodbye tear silence memory ghost distance letter ashes rain".split(),
        "adjectives": "broken alone cold gone empty".split(),
        "verbs": "cry leave fade break forget".split(),
    },
    "summer": {
        "triggers": "summer sun sunny sunshine july holiday vacation heat warm beach".split(),
        "nouns": "summer sun sunshine heat highway sunset daylight breeze".split(),
        "adjectives": "golden warm young bright lazy".split(),
        "verbs": "shine dance ride burn play".split(),
    },
    "winter": {
        "triggers": "winter snow cold ice frozen christmas frost".split(),
        "nouns": "winter snow frost ice fireplace candle window".split(),
        "adjectives": "cold white frozen silent pale".split(),
        "verbs": "freeze fall glow wait".split(),
    },
    "rain": {
        "triggers": "rain rainy storm thunder cloud clouds weather lightning".split(),
        "nouns": "rain storm thunder cloud puddle umbrella lightning window".split(),
        "adjectives": "grey wet heavy stormy".split(),
        "verbs": "pour fall wash roll".split(),
    },
    "road": {
        "triggers": "road travel journey trip drive driving highway car train miles wander runaway".split(),
        "nouns": "road highway mile engine wheel map station train border horizon".split(),
        "adjectives": "open long free restless".split(),
        "verbs": "drive ride roam run leave".split(),
    },
    "home": {
        "triggers": "home hometown nostalgia nostalgic homesick family childhood mother father house".split(),
        "nouns": "home porch garden kitchen doorway hometown childhood photograph letter mother".split(),
        "adjectives": "old familiar warm faded".split(),
        "verbs": "return remember belong stay".split(),
    },
    "freedom": {
        "triggers": "freedom free fly flying escape wings rebel wild".split(),
        "nouns": "freedom wing sky wind eagle mountain horizon".split(),
        "adjectives": "free wild high fearless".split(),
        "verbs": "fly rise run soar break".split(),
    },
    "fire": {
        "triggers": "fire flame flames burn burning passion spark heat".split(),
        "nouns": "fire flame spark ember smoke desire passion".split(),
        "adjectives": "burning wild bright hot".split(),
        "verbs": "burn ignite glow rise".split(),
    },
    "stars": {
        "triggers": "star stars space galaxy universe cosmic moon planet sky astronaut rocket".split(),
        "nouns": "star galaxy planet comet satellite heaven universe orbit sky".split(),
        "adjectives": "distant silver cosmic infinite".split(),
        "verbs": "shine orbit fly fall glow".split(),
    },
    "dance": {
        "triggers": "dance dancing party club disco groove floor weekend".split(),
        "nouns": "rhythm floor bass music party weekend spotlight".split(),
        "adjectives": "loud electric alive free".split(),
        "verbs": "dance move jump shake spin".split(),
    },
    "nature": {
        "triggers": "forest tree trees river mountain mountains nature garden flower flowers field spring".split(),
        "nouns": "forest river mountain meadow flower valley willow field stone".split(),
        "adjectives": "green wild quiet ancient".split(),
        "verbs": "grow bloom flow breathe climb".split(),
    },
    "morning": {
        "triggers": "morning dawn sunrise coffee wake day new beginning".split(),
        "nouns": "morning dawn sunrise daylight coffee window".split(),
        "adjectives": "new bright early golden".split(),
        "verbs": "wake rise begin shine".split(),
    },
    "dreams": {
        "triggers": "dream dreams dreaming dreamer hope wish future ambition goal".split(),
        "nouns": "dream wish future tomorrow promise ladder".split(),
        "adjectives": "bright bold endless brave".split(),
        "verbs": "dream believe climb reach fly".split(),
    },
    "time": {
        "triggers": "time memory memories remember past clock years old age forever youth".split(),
        "nouns": "time memory clock hour season yesterday photograph".split(),
        "adjectives": "old slow gone faded".split(),
        "verbs": "remember fade turn pass".split(),
    },
}

# Shared imagery every song may use; also the pool rhyme partners are drawn from.
NOUNS: list[str] = """
light night fire rain heart sky road home sea star stone dream door time day line sign sound ground
town crown flame name rose snow shore song dawn moon tune storm floor room wall river morning window
shadow street heat beat tide side ride pride blue glow gold soul world wind space place grace face
fame chain train pain flight height kite rhyme chime mountain fountain ocean motion emotion devotion
notion sand breath chest west nest rest quest heaven spark dark park art bay ray eve leaf grief
belief tree breeze sun care air hair prayer stair fear year tear ear cheer pier hour tower flower
power fall hall call ball sigh cry throne cold rhythm kiss wish bliss fight cloud crowd past
glass grass dust trust gust border shoulder smile mile style island silence distance garden word
bird summer winter thunder wonder ember danger stranger angel candle shelter letter weather
feather leather""".split()

ADJECTIVES: list[str] = """
bright free cold wild blue true new slow low high alive alone strong young lost gone near clear
sweet deep warm kind real whole still far gold golden silver soft loud quiet broken open endless
restless fearless tender electric gentle hollow heavy empty brave bold proud pure sure wrong long
strange right tight light white dark green grey red fine divine shy dry fair rare bare aware late
great safe""".split()

VERBS: list[str] = """
shine fly run fall stay go burn cry try rise breathe dance sing wait hide fade glow dream drift pray
break shake wake sleep stand call change climb fight play sail roam soar bloom grow flow turn learn
move prove lose choose win begin believe leave grieve remember belong return heal feel kneel steal
bleed lead need hold fold know show cross pass ride decide survive arrive drive strive thrive dive
love live give forgive forget let""".split()

# --- English line templates, by the part of speech of the rhyme slot at the end. ---

NOUN_END: list[str] = [
    "I keep on running to the {n}",
    "we were dancing in the {n}",
    "hold me closer to the {n}",
    "and I can feel the {n}",
    "all I ever wanted was the {n}",
    "underneath the {a} {n}",
    "we wrote our names upon the {n}",
    "I found you waiting by the {n}",
    "my heart is beating like the {n}",
    "you and I against the {n}",
    "we chased the {a} {n}",
    "there's a {a} light across the {n}",
    "I carry you beyond the {n}",
    "every step I take toward the {n}",
    "and we were singing to the {n}",
    "nothing ever moves the {n}",
    "I still remember the {n}",
    "you left a {a} {n}",
    "we're only shadows on the {n}",
    "lead me gently through the {n}",
]

VERB_END: list[str] = [
    "and I will never let it {v}",
    "tonight we {v}",
    "under the {a} {n} we {v}",
    "I know that we can {v}",
    "you showed me how to {v}",
    "the {n} is teaching me to {v}",
    "I just want to {v}",
    "don't be afraid to {v}",
    "hand in hand we {v}",
    "until the {n} we {v}",
    "this is the night we {v}",
    "I close my eyes and {v}",
    "and all the {a} hearts {v}",
    "together we will {v}",
    "one more chance to {v}",
    "with every {n} we {v}",
]

ADJ_END: list[str] = [
    "and I feel {a}",
    "the {n} is {a}",
    "we were young and {a}",
    "your love keeps me {a}",
    "I never felt so {a}",
    "every {n} is {a}",
    "and the world is {a}",
    "tonight the {n} is {a}",
    "my {a} heart is {a}",
    "for a moment we were {a}",
    "I will stay {a}",
    "and the sky is {a}",
]

# Lines that carry the topic; the rhyme slot works as for the lists above.
TOPIC_NOUN_END: list[str] = [
    "{T} is calling through the {n}",
    "I hear {T} in the {n}",
    "{T} and the {n}",
    "somewhere between {T} and the {n}",
    "I followed {T} to the {n}",
    "{T} is all I have tonight, my {n}",
    "we gave {T} to the {n}",
    "lost in {T} and the {n}",
]

TOPIC_VERB_END: list[str] = [
    "with {T} in our hearts we {v}",
    "{T} taught me how to {v}",
    "in the arms of {T} we {v}",
    "for {T} I will always {v}",
    "we let {T} and the {n} {v}",
]

TOPIC_ADJ_END: list[str] = [
    "and I know {T} is {a}",
    "{T} always makes me {a}",
    "under the {n}, {T} was {a}",
    "oh, {T}, we were young and {a}",
    "in the {n}, {T} is {a}",
]

TOPIC_AT_END: list[str] = [
    "I give my heart to {T}",
    "we're dancing in {T}",
    "all we ever had was {T}",
    "take me back to {T}",
    "and I still dream of {T}",
    "oh, I'm lost in {T}",
]

TITLE_PATTERNS: list[str] = ["{t}", "{t} {n}", "{a} {t}", "{n} of {t}", "the {t} {n}", "{t} tonight"]

# --- Chinese: rhyme groups (十三辙) -> lines ending on a character of that group. {t} is the prompt's words.
ZH_RHYME_GROUPS: dict[str, list[str]] = {
    "江阳": [
        "月光洒满旧时窗", "一路风雨走四方", "晚风吹过稻花香", "梦里又见{t}的光",
        "{t}藏在心中央", "灯火照亮回家的方向", "老屋门前桂花香", "把{t}轻轻唱",
        "天边飘来一片霜", "长河落日映斜阳", "故人笑语在耳旁", "{t}伴我走远方",
    ],
    "言前": [
        "春风吹绿了江南", "思念写满信笺", "青石小巷到天边", "{t}停在我眼前",
        "炊烟升起在屋檐", "一盏灯火照无眠", "{t}化作满天星点", "走过千山与万川",
        "细雨落在旧窗前", "把心事说给明天", "{t}是不变的从前", "岁月流过掌心间",
    ],
    "由求": [
        "明月升上柳梢头", "小河静静向东流", "{t}留在心头", "一杯清茶到白头",
        "风吹落叶满山丘", "牵着你的手", "{t}陪我走过春秋", "往事如烟不回头",
        "夕阳染红了小楼", "{t}是我的温柔", "远方的歌声悠悠", "把思念轻轻收",
    ],
    "遥条": [
        "星光洒满小石桥", "晚风轻轻摇", "{t}在心里燃烧", "山路弯弯路迢迢",
        "窗外的雪花飘", "一声问候多美好", "{t}是我的依靠", "月下的柳梢",
        "故乡的炊烟袅袅", "{t}在梦里来找", "春天的燕子归巢", "笑容像晨光明耀",
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
