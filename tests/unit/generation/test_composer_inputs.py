"""Hand-built inputs for the composer tests (styles, lyric forms, requests); this module holds no tests."""

from __future__ import annotations

from songforge.engines.generation.composer import compose
from songforge.engines.generation.score import (
    InstrumentChoice,
    LyricForm,
    LyricLine,
    LyricSection,
    Plan,
    SongRequest,
    Style,
    Word,
)

DRUMS = InstrumentChoice("Drums", 0, "drums", is_drum=True)
PERCUSSION = InstrumentChoice("Percussion", 0, "percussion", is_drum=True)
RISER = InstrumentChoice("FX", 119, "riser")

POP = Style(
    genre="pop",
    tempo_range=(100.0, 120.0),
    instruments=(
        DRUMS,
        InstrumentChoice("Bass", 33, "bass"),
        InstrumentChoice("Keyboard", 0, "chords"),
        InstrumentChoice("Guitar", 25, "comp"),
        InstrumentChoice("Strings", 48, "pad"),
        InstrumentChoice("Synth", 81, "lead"),
        PERCUSSION,
        RISER,
    ),
)
ROCK = Style(
    genre="rock",
    tempo_range=(130.0, 150.0),
    drum_feel="backbeat",
    guitar_drive=0.8,
    vocal_gender="m",
    instruments=(
        DRUMS,
        InstrumentChoice("Bass", 34, "bass"),
        InstrumentChoice("Guitar", 30, "chords"),
        InstrumentChoice("Keyboard", 16, "pad"),
        RISER,
    ),
)
BALLAD = Style(
    genre="ballad",
    mood="sad",
    tempo_range=(66.0, 80.0),
    drum_feel="half_time",
    reverb=0.6,
    energy=0.35,
    instruments=(
        DRUMS,
        InstrumentChoice("Bass", 32, "bass"),
        InstrumentChoice("Keyboard", 0, "chords"),
        InstrumentChoice("Strings", 49, "pad"),
        InstrumentChoice("FX", 95, "riser"),
    ),
)
EDM = Style(
    genre="edm",
    tempo_range=(124.0, 128.0),
    drum_feel="four_on_the_floor",
    prefer_minor=True,
    instruments=(
        DRUMS,
        InstrumentChoice("Bass", 38, "bass"),
        InstrumentChoice("Synth", 81, "arp"),
        InstrumentChoice("Synth", 89, "pad"),
        InstrumentChoice("Keyboard", 4, "chords"),
        RISER,
    ),
)
AMBIENT = Style(
    genre="ambient",
    tempo_range=(70.0, 80.0),
    drum_feel="none",
    has_drums=False,
    instruments=(InstrumentChoice("Synth", 89, "pad"), InstrumentChoice("FX", 122, "texture")),
)


def line(text: str) -> LyricLine:
    """ "the WIN-ter COMES" → words split at spaces, syllables at hyphens; upper case syllables are stressed."""
    words = []
    for written in text.split():
        syllables = tuple(written.split("-"))
        stresses = tuple(1 if syllable.isupper() else 0 for syllable in syllables)
        words.append(Word("".join(syllables).lower(), tuple(s.lower() for s in syllables), stresses))
    return LyricLine(tuple(words))


def chinese_line(text: str) -> LyricLine:
    return LyricLine(tuple(Word(character, (character,), (1,)) for character in text))


VERSE = LyricSection(
    "verse",
    "[Verse]",
    (
        line("the WIN-ter WIND is CALL-ing OUT my NAME"),
        line("i WALK a-LONE be-NEATH the STREET-light GLOW"),
        line("the CI-ty SLEEPS but I am STILL a-WAKE"),
        line("and EV-ery WIN-dow SHOWS a DIF-ferent SHOW"),
    ),
)
VERSE_2 = LyricSection(
    "verse",
    "[Verse 2]",
    (
        line("the MORN-ing COMES and PAINTS the ROOF-tops GOLD"),
        line("i HOLD the MEM-o-ries we USED to SHARE"),
        line("the STO-ries THAT we NEV-er GOT to TELL"),
        line("are WRIT-ten IN the COLD De-CEM-ber AIR"),
    ),
)
CHORUS = LyricSection(
    "chorus",
    "[Chorus]",
    (
        line("SO come HOME to-NIGHT"),
        line("LET the CANDLE BURN"),
        line("ALL the ROADS lead BACK to YOU"),
        line("AND i WAIT for YOUR re-TURN"),
    ),
)
BRIDGE = LyricSection(
    "bridge",
    "[Bridge]",
    (line("and IF the SNOW should FALL for-EV-er"), line("i will FIND my WAY to YOU")),
)
ENGLISH = LyricForm((VERSE, CHORUS, VERSE_2, CHORUS, BRIDGE, CHORUS), "en")
CHINESE = LyricForm(
    (
        LyricSection("verse", "[主歌]", (chinese_line("月亮代表我的心"), chinese_line("你问我爱你有多深"))),
        LyricSection("chorus", "[副歌]", (chinese_line("我爱你中国"), chinese_line("我的家乡在远方"))),
    ),
    "zh",
)


def song(style: Style = POP, form: LyricForm | None = ENGLISH, **request: object) -> Plan:
    return compose(SongRequest(**request), style, form, title="Winter Wind", lyrics="")  # type: ignore[arg-type]
