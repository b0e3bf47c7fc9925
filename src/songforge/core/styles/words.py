"""The style vocabulary: which words a tag line may use, how they are spelled, and what each one means.

Genre words pick a whole profile (a `Style` without words); every other word is a `Modifier` applied on
top of it. Spellings are written the way people type them; `style.py` normalises case, hyphens, "&"
and apostrophes before it looks them up, so "Hip-Hop", "hip hop" and "hiphop" need one entry each at most.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from songforge.core.styles.types import InstrumentChoice, Style, VoiceGender

# General MIDI programs (0-based) the profiles use.
PIANO = 0
ELECTRIC_PIANO = 4
CLAVINET = 7
GLOCKENSPIEL = 9
VIBRAPHONE = 11
MARIMBA = 12
ORGAN = 16
ROCK_ORGAN = 18
ACCORDION = 21
HARMONICA = 22
NYLON_GUITAR = 24
STEEL_GUITAR = 25
JAZZ_GUITAR = 26
CLEAN_GUITAR = 27
OVERDRIVEN_GUITAR = 29
DISTORTION_GUITAR = 30
ACOUSTIC_BASS = 32
FINGER_BASS = 33
PICK_BASS = 34
SLAP_BASS = 36
SYNTH_BASS = 38
VIOLIN = 40
CELLO = 42
CONTRABASS = 43
HARP = 46
STRING_ENSEMBLE = 48
SLOW_STRINGS = 49
TRUMPET = 56
FRENCH_HORN = 60
BRASS_SECTION = 61
ALTO_SAX = 65
TENOR_SAX = 66
CLARINET = 71
FLUTE = 73
SQUARE_LEAD = 80
SAW_LEAD = 81
NEW_AGE_PAD = 88
WARM_PAD = 89
POLYSYNTH = 90
SWEEP_PAD = 95
ECHOES = 102
BANJO = 105
FIDDLE = 110
REVERSE_CYMBAL = 119
SEASHORE = 122

# GM drum kits (the program a drum channel selects).
STANDARD_KIT = 0
POWER_KIT = 16
ELECTRONIC_KIT = 24
TR808_KIT = 25
JAZZ_KIT = 32
BRUSH_KIT = 40
ORCHESTRA_KIT = 48

ELECTRIC_PIANOS = range(4, 6)
ELECTRIC_GUITARS = range(26, 32)
ELECTRIC_BASSES = range(33, 40)
ELECTRONIC_KITS = range(24, 26)


def _plays(stem: str, program: int, role: str) -> InstrumentChoice:
    return InstrumentChoice(stem=stem, program=program, role=role)


def _kit(program: int = STANDARD_KIT) -> InstrumentChoice:
    return InstrumentChoice(stem="Drums", program=program, role="drums", is_drum=True)


def _percussion(program: int = STANDARD_KIT) -> InstrumentChoice:
    return InstrumentChoice(stem="Percussion", program=program, role="percussion", is_drum=True)


RISER = _plays("FX", REVERSE_CYMBAL, "riser")

# ------------------------------------------------------------------------------------------ genres

POP = Style(
    genre="pop",
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Synth", WARM_PAD, "pad"),
        _plays("Synth", SQUARE_LEAD, "lead"),
        RISER,
    ),
)
ROCK = Style(
    genre="rock",
    tempo_range=(110.0, 140.0),
    instruments=(
        _kit(),
        _plays("Bass", PICK_BASS, "bass"),
        _plays("Guitar", OVERDRIVEN_GUITAR, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Keyboard", ROCK_ORGAN, "pad"),
        RISER,
    ),
    guitar_drive=0.55,
    reverb=0.25,
    energy=0.75,
    vocal_gender="m",
)
METAL = Style(
    genre="metal",
    mood="dark",
    tempo_range=(130.0, 176.0),
    instruments=(
        _kit(POWER_KIT),
        _plays("Bass", PICK_BASS, "bass"),
        _plays("Guitar", DISTORTION_GUITAR, "chords"),
        _plays("Guitar", OVERDRIVEN_GUITAR, "lead"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        RISER,
    ),
    drum_feel="double_kick",
    guitar_drive=0.9,
    reverb=0.25,
    energy=0.95,
    prefer_minor=True,
    vocal_gender="m",
)
PUNK = Style(
    genre="punk",
    tempo_range=(160.0, 196.0),
    instruments=(
        _kit(),
        _plays("Bass", PICK_BASS, "bass"),
        _plays("Guitar", DISTORTION_GUITAR, "chords"),
        _plays("Guitar", OVERDRIVEN_GUITAR, "comp"),
        RISER,
    ),
    guitar_drive=0.75,
    reverb=0.15,
    energy=0.9,
    vocal_gender="m",
)
INDIE = Style(
    genre="indie",
    tempo_range=(100.0, 130.0),
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Guitar", CLEAN_GUITAR, "chords"),
        _plays("Guitar", STEEL_GUITAR, "comp"),
        _plays("Synth", WARM_PAD, "pad"),
        RISER,
    ),
    guitar_drive=0.2,
    reverb=0.35,
    energy=0.6,
    vocal_gender="m",
)
HIP_HOP = Style(
    genre="hip hop",
    tempo_range=(82.0, 98.0),
    swing=0.1,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Keyboard", ELECTRIC_PIANO, "chords"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        RISER,
    ),
    reverb=0.2,
    energy=0.65,
    vocal_gender="m",
)
TRAP = Style(
    genre="trap",
    mood="dark",
    tempo_range=(130.0, 160.0),
    instruments=(
        _kit(TR808_KIT),
        _percussion(TR808_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Strings", SLOW_STRINGS, "pad"),
        RISER,
    ),
    drum_feel="trap",
    reverb=0.3,
    energy=0.75,
    prefer_minor=True,
    vocal_gender="m",
)
RNB = Style(
    genre="r&b",
    mood="romantic",
    tempo_range=(64.0, 92.0),
    swing=0.1,
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ELECTRIC_PIANO, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Synth", WARM_PAD, "pad"),
        RISER,
    ),
    reverb=0.35,
    energy=0.5,
)
SOUL = Style(
    genre="soul",
    tempo_range=(70.0, 108.0),
    swing=0.08,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ORGAN, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Brass", BRASS_SECTION, "comp"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        RISER,
    ),
    reverb=0.3,
    energy=0.6,
)
FUNK = Style(
    genre="funk",
    tempo_range=(96.0, 118.0),
    swing=0.05,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", SLAP_BASS, "bass"),
        _plays("Keyboard", CLAVINET, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Brass", BRASS_SECTION, "lead"),
        RISER,
    ),
    reverb=0.2,
    energy=0.8,
    vocal_gender="m",
)
DISCO = Style(
    genre="disco",
    mood="happy",
    tempo_range=(112.0, 128.0),
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ELECTRIC_PIANO, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        _plays("Brass", BRASS_SECTION, "lead"),
        RISER,
    ),
    drum_feel="four_on_the_floor",
    reverb=0.3,
    energy=0.8,
)
EDM = Style(
    genre="edm",
    tempo_range=(120.0, 130.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(TR808_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Synth", WARM_PAD, "pad"),
        _plays("Keyboard", PIANO, "comp"),
        RISER,
    ),
    drum_feel="four_on_the_floor",
    reverb=0.4,
    energy=0.9,
)
HOUSE = Style(
    genre="house",
    tempo_range=(120.0, 128.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Synth", WARM_PAD, "pad"),
        _plays("Synth", SAW_LEAD, "arp"),
        RISER,
    ),
    drum_feel="four_on_the_floor",
    reverb=0.35,
    energy=0.8,
)
TECHNO = Style(
    genre="techno",
    mood="dark",
    tempo_range=(125.0, 140.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(TR808_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "arp"),
        _plays("Synth", SWEEP_PAD, "pad"),
        _plays("FX", ECHOES, "texture"),
        RISER,
    ),
    drum_feel="four_on_the_floor",
    reverb=0.4,
    energy=0.85,
    prefer_minor=True,
)
DUBSTEP = Style(
    genre="dubstep",
    mood="dark",
    tempo_range=(136.0, 150.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Synth", WARM_PAD, "pad"),
        RISER,
    ),
    drum_feel="half_time",
    reverb=0.35,
    energy=0.95,
    prefer_minor=True,
)
DRUM_AND_BASS = Style(
    genre="drum and bass",
    tempo_range=(165.0, 178.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Strings", SLOW_STRINGS, "pad"),
        RISER,
    ),
    drum_feel="breakbeat",
    reverb=0.35,
    energy=0.9,
    prefer_minor=True,
)
SYNTHWAVE = Style(
    genre="synthwave",
    tempo_range=(84.0, 118.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Synth", SQUARE_LEAD, "arp"),
        _plays("Synth", WARM_PAD, "pad"),
        RISER,
    ),
    reverb=0.5,
    energy=0.7,
    prefer_minor=True,
)
LOFI = Style(
    genre="lo-fi",
    mood="chill",
    tempo_range=(70.0, 90.0),
    swing=0.18,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ELECTRIC_PIANO, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        _plays("Synth", WARM_PAD, "pad"),
        _plays("FX", SEASHORE, "texture"),  # the tape and vinyl hiss lo-fi is named for
    ),
    reverb=0.3,
    energy=0.35,
)
CHIPTUNE = Style(
    genre="chiptune",
    mood="happy",
    tempo_range=(120.0, 150.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", SQUARE_LEAD, "chords"),
        _plays("Synth", SQUARE_LEAD, "lead"),
        _plays("Synth", SAW_LEAD, "arp"),
    ),
    reverb=0.1,
    energy=0.8,
)
JAZZ = Style(
    genre="jazz",
    tempo_range=(96.0, 160.0),
    swing=0.3,
    instruments=(
        _kit(JAZZ_KIT),
        _plays("Bass", ACOUSTIC_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Guitar", JAZZ_GUITAR, "comp"),
        _plays("Woodwinds", TENOR_SAX, "lead"),
        _plays("Brass", TRUMPET, "comp"),
    ),
    drum_feel="shuffle",
    reverb=0.3,
    energy=0.5,
)
BLUES = Style(
    genre="blues",
    tempo_range=(70.0, 110.0),
    swing=0.28,
    instruments=(
        _kit(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Guitar", CLEAN_GUITAR, "chords"),
        _plays("Guitar", OVERDRIVEN_GUITAR, "lead"),
        _plays("Keyboard", PIANO, "comp"),
        _plays("Keyboard", ORGAN, "pad"),
        RISER,
    ),
    drum_feel="shuffle",
    guitar_drive=0.3,
    reverb=0.3,
    energy=0.55,
    vocal_gender="m",
)
BOSSA_NOVA = Style(
    genre="bossa nova",
    mood="chill",
    tempo_range=(118.0, 140.0),
    instruments=(
        _kit(BRUSH_KIT),
        _percussion(),
        _plays("Bass", ACOUSTIC_BASS, "bass"),
        _plays("Guitar", NYLON_GUITAR, "chords"),
        _plays("Keyboard", PIANO, "comp"),
        _plays("Woodwinds", FLUTE, "lead"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
    ),
    drum_feel="bossa",
    reverb=0.3,
    energy=0.4,
)
LATIN = Style(
    genre="latin",
    tempo_range=(92.0, 120.0),
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Guitar", NYLON_GUITAR, "chords"),
        _plays("Keyboard", PIANO, "arp"),
        _plays("Brass", BRASS_SECTION, "comp"),
        RISER,
    ),
    reverb=0.25,
    energy=0.8,
)
REGGAETON = Style(
    genre="reggaeton",
    tempo_range=(88.0, 100.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(TR808_KIT),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Guitar", NYLON_GUITAR, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Synth", WARM_PAD, "pad"),
        RISER,
    ),
    drum_feel="four_on_the_floor",
    reverb=0.25,
    energy=0.85,
    vocal_gender="m",
)
REGGAE = Style(
    genre="reggae",
    tempo_range=(70.0, 95.0),
    swing=0.12,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ORGAN, "chords"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),  # the off-beat skank
        _plays("Brass", BRASS_SECTION, "lead"),
        _plays("FX", ECHOES, "texture"),
        RISER,
    ),
    drum_feel="one_drop",
    reverb=0.35,
    energy=0.55,
    vocal_gender="m",
)
COUNTRY = Style(
    genre="country",
    tempo_range=(90.0, 128.0),
    instruments=(
        _kit(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Guitar", STEEL_GUITAR, "chords"),
        _plays("Guitar", BANJO, "comp"),
        _plays("Strings", FIDDLE, "lead"),
        _plays("Keyboard", PIANO, "comp"),
        RISER,
    ),
    drum_feel="train",
    reverb=0.25,
    energy=0.65,
    vocal_gender="m",
)
FOLK = Style(
    genre="folk",
    tempo_range=(84.0, 116.0),
    instruments=(
        _kit(BRUSH_KIT),
        _percussion(),
        _plays("Bass", ACOUSTIC_BASS, "bass"),
        _plays("Guitar", STEEL_GUITAR, "chords"),
        _plays("Strings", VIOLIN, "lead"),
        _plays("Woodwinds", FLUTE, "comp"),
        _plays("FX", REVERSE_CYMBAL, "riser"),
    ),
    reverb=0.3,
    energy=0.45,
    vocal_gender="m",
)
BALLAD = Style(
    genre="ballad",
    tempo_range=(62.0, 84.0),
    instruments=(
        _kit(BRUSH_KIT),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Strings", SLOW_STRINGS, "pad"),
        _plays("Guitar", STEEL_GUITAR, "comp"),
        RISER,
    ),
    drum_feel="half_time",
    reverb=0.45,
    energy=0.35,
)
GOSPEL = Style(
    genre="gospel",
    mood="happy",
    tempo_range=(70.0, 110.0),
    swing=0.1,
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", FINGER_BASS, "bass"),
        _plays("Keyboard", ORGAN, "chords"),
        _plays("Keyboard", PIANO, "comp"),
        _plays("Brass", BRASS_SECTION, "lead"),
        RISER,
    ),
    reverb=0.45,
    energy=0.7,
)
CLASSICAL = Style(
    genre="classical",
    tempo_range=(66.0, 108.0),
    instruments=(
        _plays("Keyboard", PIANO, "chords"),
        _plays("Bass", CONTRABASS, "bass"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        _plays("Strings", VIOLIN, "lead"),
        _plays("Woodwinds", CLARINET, "comp"),
        _plays("Brass", FRENCH_HORN, "comp"),
    ),
    drum_feel="none",
    reverb=0.55,
    energy=0.4,
    has_drums=False,
)
ORCHESTRAL = Style(
    genre="orchestral",
    mood="epic",
    tempo_range=(70.0, 120.0),
    instruments=(
        _kit(ORCHESTRA_KIT),
        _percussion(ORCHESTRA_KIT),
        _plays("Strings", STRING_ENSEMBLE, "chords"),
        _plays("Bass", CONTRABASS, "bass"),
        _plays("Brass", FRENCH_HORN, "pad"),
        _plays("Brass", BRASS_SECTION, "comp"),
        _plays("Woodwinds", FLUTE, "lead"),
        RISER,
    ),
    drum_feel="half_time",
    reverb=0.6,
    energy=0.7,
)
CINEMATIC = Style(
    genre="cinematic",
    mood="epic",
    tempo_range=(70.0, 110.0),
    instruments=(
        _kit(ORCHESTRA_KIT),
        _percussion(ORCHESTRA_KIT),
        _plays("Strings", STRING_ENSEMBLE, "chords"),
        _plays("Bass", CONTRABASS, "bass"),
        _plays("Brass", BRASS_SECTION, "comp"),
        _plays("Keyboard", PIANO, "arp"),  # the ostinato trailers are built on
        _plays("Synth", SWEEP_PAD, "pad"),
        RISER,
    ),
    drum_feel="half_time",
    reverb=0.65,
    energy=0.75,
    prefer_minor=True,
)
AMBIENT = Style(
    genre="ambient",
    mood="chill",
    tempo_range=(60.0, 90.0),
    instruments=(
        _plays("Synth", WARM_PAD, "chords"),
        _plays("Strings", SLOW_STRINGS, "pad"),
        _plays("Keyboard", ELECTRIC_PIANO, "lead"),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("FX", SEASHORE, "texture"),
        RISER,
    ),
    drum_feel="none",
    reverb=0.8,
    energy=0.2,
    has_drums=False,
)
KPOP = Style(
    genre="k-pop",
    tempo_range=(100.0, 128.0),
    instruments=(
        _kit(ELECTRONIC_KIT),
        _percussion(),
        _plays("Bass", SYNTH_BASS, "bass"),
        _plays("Synth", POLYSYNTH, "chords"),
        _plays("Synth", SAW_LEAD, "lead"),
        _plays("Keyboard", PIANO, "comp"),
        _plays("Guitar", CLEAN_GUITAR, "comp"),
        RISER,
    ),
    reverb=0.3,
    energy=0.85,
)
JPOP = Style(
    genre="j-pop",
    tempo_range=(110.0, 150.0),
    instruments=(
        _kit(),
        _percussion(),
        _plays("Bass", PICK_BASS, "bass"),
        _plays("Guitar", OVERDRIVEN_GUITAR, "chords"),
        _plays("Keyboard", PIANO, "comp"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        _plays("Synth", SQUARE_LEAD, "lead"),
        RISER,
    ),
    guitar_drive=0.35,
    reverb=0.3,
    energy=0.8,
)
WALTZ = Style(
    genre="waltz",
    tempo_range=(84.0, 150.0),
    meter=(3, 4),
    instruments=(
        _kit(BRUSH_KIT),
        _plays("Bass", ACOUSTIC_BASS, "bass"),
        _plays("Keyboard", PIANO, "chords"),
        _plays("Strings", STRING_ENSEMBLE, "pad"),
        _plays("Strings", VIOLIN, "lead"),
        RISER,
    ),
    reverb=0.45,
    energy=0.45,
)

GENRES: dict[str, Style] = {
    profile.genre: profile
    for profile in (
        POP,
        ROCK,
        METAL,
        PUNK,
        INDIE,
        HIP_HOP,
        TRAP,
        RNB,
        SOUL,
        FUNK,
        DISCO,
        EDM,
        replace(EDM, genre="trance", tempo_range=(132.0, 140.0), prefer_minor=True),
        HOUSE,
        TECHNO,
        DUBSTEP,
        DRUM_AND_BASS,
        SYNTHWAVE,
        LOFI,
        CHIPTUNE,
        JAZZ,
        BLUES,
        BOSSA_NOVA,
        LATIN,
        REGGAETON,
        REGGAE,
        COUNTRY,
        FOLK,
        BALLAD,
        GOSPEL,
        CLASSICAL,
        ORCHESTRAL,
        CINEMATIC,
        AMBIENT,
        KPOP,
        JPOP,
        WALTZ,
        replace(ROCK, genre="grunge", guitar_drive=0.7, prefer_minor=True, mood="dark"),
    )
}

# ------------------------------------------------------------------------------------------ modifiers


@dataclass(frozen=True)
class Modifier:
    """What a non-genre word changes. Shifts add to the profile's value; `tempo_scale` multiplies its range."""

    tempo_scale: float = 1.0
    energy: float = 0.0
    reverb: float = 0.0
    guitar_drive: float = 0.0
    swing: float = 0.0
    mood: str | None = None
    prefer_minor: bool | None = None
    instruments: tuple[InstrumentChoice, ...] = ()  # added, or promoted to their role
    # Programs of the instrument's stem that already count as this word (a negative tag removes them);
    # None means exactly the programs in `instruments`.
    covers: range | None = None
    acoustic: bool = False  # electric and synth sounds give way to acoustic ones
    voice: VoiceGender | None = None
    vocals: bool | None = None  # False: no singing ("instrumental")
    drums: bool = False  # the kit word: as a negative tag it silences every drum and percussion part


ANY_PROGRAM = range(128)

MODIFIERS: dict[str, Modifier] = {
    # tempo and mood
    "slow": Modifier(tempo_scale=0.82, energy=-0.15),
    "fast": Modifier(tempo_scale=1.2, energy=0.15),
    "upbeat": Modifier(tempo_scale=1.1, energy=0.15, mood="happy", prefer_minor=False),
    "energetic": Modifier(tempo_scale=1.08, energy=0.2),
    "happy": Modifier(energy=0.1, mood="happy", prefer_minor=False),
    "sad": Modifier(tempo_scale=0.9, energy=-0.1, reverb=0.1, mood="sad", prefer_minor=True),
    "dark": Modifier(reverb=0.1, mood="dark", prefer_minor=True),
    "epic": Modifier(
        energy=0.2,
        reverb=0.15,
        mood="epic",
        instruments=(_plays("Strings", STRING_ENSEMBLE, "pad"),),
        covers=ANY_PROGRAM,
    ),
    "romantic": Modifier(tempo_scale=0.92, energy=-0.1, reverb=0.05, mood="romantic", prefer_minor=False),
    "chill": Modifier(tempo_scale=0.9, energy=-0.2, reverb=0.1, mood="chill"),
    "dreamy": Modifier(energy=-0.1, reverb=0.25, mood="chill"),
    "aggressive": Modifier(energy=0.2, guitar_drive=0.2, mood="dark"),
    "heavy": Modifier(energy=0.15, guitar_drive=0.3),
    "groovy": Modifier(swing=0.1, energy=0.05),
    "acoustic": Modifier(energy=-0.1, acoustic=True),
    # instruments
    "piano": Modifier(instruments=(_plays("Keyboard", PIANO, "chords"),), covers=range(8)),
    "electric piano": Modifier(instruments=(_plays("Keyboard", ELECTRIC_PIANO, "chords"),), covers=ELECTRIC_PIANOS),
    "organ": Modifier(instruments=(_plays("Keyboard", ORGAN, "pad"),), covers=range(16, 24)),
    "accordion": Modifier(instruments=(_plays("Keyboard", ACCORDION, "comp"),)),
    "bells": Modifier(instruments=(_plays("Keyboard", GLOCKENSPIEL, "arp"),), covers=range(8, 16)),
    "vibraphone": Modifier(instruments=(_plays("Keyboard", VIBRAPHONE, "comp"),)),
    "marimba": Modifier(instruments=(_plays("Keyboard", MARIMBA, "arp"),)),
    "guitar": Modifier(instruments=(_plays("Guitar", STEEL_GUITAR, "comp"),), covers=ANY_PROGRAM),
    "acoustic guitar": Modifier(instruments=(_plays("Guitar", STEEL_GUITAR, "comp"),), covers=range(24, 26)),
    "nylon guitar": Modifier(instruments=(_plays("Guitar", NYLON_GUITAR, "chords"),)),
    "electric guitar": Modifier(instruments=(_plays("Guitar", CLEAN_GUITAR, "comp"),), covers=ELECTRIC_GUITARS),
    "distorted guitar": Modifier(
        guitar_drive=0.4, instruments=(_plays("Guitar", DISTORTION_GUITAR, "chords"),), covers=range(29, 32)
    ),
    "banjo": Modifier(instruments=(_plays("Guitar", BANJO, "comp"),)),
    "bass": Modifier(instruments=(_plays("Bass", FINGER_BASS, "bass"),), covers=ANY_PROGRAM),
    "synth bass": Modifier(instruments=(_plays("Bass", SYNTH_BASS, "bass"),), covers=range(38, 40)),
    "808": Modifier(instruments=(_kit(TR808_KIT), _plays("Bass", SYNTH_BASS, "bass"))),
    "strings": Modifier(instruments=(_plays("Strings", STRING_ENSEMBLE, "pad"),), covers=ANY_PROGRAM),
    "violin": Modifier(instruments=(_plays("Strings", VIOLIN, "lead"),), covers=range(40, 42)),
    "cello": Modifier(instruments=(_plays("Strings", CELLO, "comp"),)),
    "harp": Modifier(instruments=(_plays("Strings", HARP, "arp"),)),
    "saxophone": Modifier(instruments=(_plays("Woodwinds", ALTO_SAX, "lead"),), covers=range(64, 68)),
    "flute": Modifier(instruments=(_plays("Woodwinds", FLUTE, "lead"),), covers=range(72, 76)),
    "clarinet": Modifier(instruments=(_plays("Woodwinds", CLARINET, "lead"),)),
    "harmonica": Modifier(instruments=(_plays("Woodwinds", HARMONICA, "lead"),)),
    "trumpet": Modifier(instruments=(_plays("Brass", TRUMPET, "lead"),), covers=range(56, 58)),
    "brass": Modifier(instruments=(_plays("Brass", BRASS_SECTION, "comp"),), covers=ANY_PROGRAM),
    "synth": Modifier(instruments=(_plays("Synth", SAW_LEAD, "lead"),), covers=ANY_PROGRAM),
    "pad": Modifier(instruments=(_plays("Synth", WARM_PAD, "pad"),), covers=range(88, 96)),
    "drums": Modifier(instruments=(_kit(),), covers=ANY_PROGRAM, drums=True),
    "percussion": Modifier(instruments=(_percussion(),), covers=ANY_PROGRAM),
    "fx": Modifier(instruments=(RISER,), covers=ANY_PROGRAM),
    # voices
    "female vocals": Modifier(voice="f"),
    "male vocals": Modifier(voice="m"),
    "vocals": Modifier(vocals=True),
    "instrumental": Modifier(vocals=False),
}

# --------------------------------------------------------------------------------------- spellings

# Every canonical word is also its own spelling; these are the other ways people write it.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "pop": ("pop music", "dance pop", "synthpop", "synth pop", "electropop"),
    "rock": ("rock n roll", "rocknroll", "hard rock", "alt rock", "alternative", "alternative rock", "pop rock"),
    "metal": ("heavy metal", "metalcore", "thrash", "thrash metal", "death metal", "nu metal", "hardcore"),
    "punk": ("punk rock", "pop punk", "emo"),
    "indie": ("indie pop", "indie rock", "dream pop", "shoegaze"),
    "hip hop": ("hiphop", "hip hop music", "rap", "boom bap", "boombap"),
    "trap": ("drill", "trap beat"),
    "r&b": ("rnb", "r n b", "r and b", "rhythm and blues", "contemporary r&b"),
    "soul": ("neo soul", "neosoul", "motown"),
    "funk": ("funky",),
    "disco": ("nu disco", "nudisco"),
    "edm": ("electronic", "electronic dance music", "dance", "big room", "electro", "future bass"),
    "house": ("deep house", "tech house", "progressive house"),
    "drum and bass": ("dnb", "d&b", "d n b", "drum n bass", "drumnbass", "jungle", "liquid dnb"),
    "synthwave": ("synth wave", "retrowave", "outrun", "vaporwave"),
    "lo-fi": ("lofi", "lo fi", "lofi hip hop", "lo fi hip hop", "chillhop"),
    "chiptune": ("8 bit", "8bit", "chip tune"),
    "jazz": ("swing", "smooth jazz", "bebop", "big band", "jazzy"),
    "blues": ("bluesy", "blues rock"),
    "bossa nova": ("bossa", "bossanova"),
    "latin": ("salsa", "samba", "latin pop", "cumbia", "bachata"),
    "reggaeton": ("regueton", "dembow"),
    "reggae": ("dub", "ska", "dancehall"),
    "country": ("country music", "americana", "bluegrass", "western"),
    "folk": ("singer songwriter", "folk rock", "indie folk", "celtic"),
    "ballad": ("power ballad", "ballads"),
    "gospel": ("worship", "praise", "spiritual"),
    "classical": ("baroque", "chamber", "neoclassical", "neo classical"),
    "orchestral": ("orchestra", "symphonic", "symphony"),
    "cinematic": ("soundtrack", "film score", "movie score", "trailer", "epic orchestral"),
    "ambient": ("drone", "new age", "meditation", "soundscape"),
    "k-pop": ("kpop", "k pop", "korean pop"),
    "j-pop": ("jpop", "j pop", "japanese pop", "city pop", "anime", "j rock", "jrock"),
    "waltz": ("3 4",),
    "slow": ("slow tempo", "downtempo", "slowly"),
    "fast": ("fast tempo", "uptempo", "up tempo", "quick", "high tempo"),
    "upbeat": ("up beat", "feel good", "feelgood", "party"),
    "energetic": ("high energy", "powerful", "driving", "intense"),
    "happy": ("joyful", "cheerful", "uplifting", "bright", "fun", "playful", "hopeful", "summer", "sunny"),
    "sad": ("melancholic", "melancholy", "sorrowful", "heartbreak", "heartbroken", "somber", "sombre", "emotional"),
    "dark": ("moody", "ominous", "sinister", "gloomy", "haunting", "eerie", "mysterious"),
    "epic": ("anthemic", "anthem", "grand", "heroic", "majestic", "triumphant"),
    "romantic": ("love", "sensual", "tender", "intimate", "love song"),
    "chill": (
        "chillout",
        "chill out",
        "chilled",
        "relaxing",
        "relaxed",
        "calm",
        "mellow",
        "peaceful",
        "laid back",
        "laidback",
        "soft",
        "smooth",
        "gentle",
    ),
    "dreamy": ("ethereal", "atmospheric", "spacey", "spacy", "lush"),
    "aggressive": ("angry", "raw", "hard hitting", "fierce"),
    "groovy": ("groove",),
    "acoustic": ("unplugged",),
    "piano": ("grand piano", "keys", "keyboard", "keyboards"),
    "electric piano": ("e piano", "epiano", "rhodes", "wurlitzer"),
    "organ": ("hammond", "hammond organ", "church organ"),
    "bells": ("glockenspiel", "chimes", "music box"),
    "vibraphone": ("vibes",),
    "guitar": ("guitars",),
    "acoustic guitar": ("steel guitar", "folk guitar"),
    "nylon guitar": ("classical guitar", "spanish guitar", "flamenco guitar"),
    "electric guitar": ("clean guitar", "electric guitars"),
    "distorted guitar": ("distortion", "distorted guitars", "power chords", "overdrive", "guitar riffs", "riffs"),
    "bass": ("bass guitar", "electric bass", "bassline", "bass line", "slap bass"),
    "synth bass": ("synthbass", "sub bass", "wobble bass"),
    "808": ("808s", "tr 808", "808 bass"),
    "strings": ("string", "string section", "string ensemble", "orchestral strings"),
    "violin": ("violins", "fiddle", "viola"),
    "cello": ("cellos",),
    "saxophone": ("sax", "saxophones", "alto sax", "tenor sax"),
    "trumpet": ("trumpets",),
    "brass": ("horns", "horn section", "brass section"),
    "synth": ("synths", "synthesizer", "synthesizers", "synthesiser", "analog synth", "synth lead"),
    "pad": ("pads", "synth pad", "synth pads"),
    "drums": ("drum", "drum kit", "beat", "beats", "live drums"),
    "percussion": ("congas", "bongos", "shaker", "shakers", "tambourine", "hand percussion"),
    "fx": ("sfx", "effects", "sound effects", "risers"),
    "female vocals": (
        "female vocal",
        "female voice",
        "female singer",
        "female vocalist",
        "woman vocals",
        "female",
        "woman",
        "women",
        "girl",
    ),
    "male vocals": ("male vocal", "male voice", "male singer", "male vocalist", "man vocals", "male", "man", "boy"),
    "vocals": ("vocal", "voice", "voices", "singing", "singer", "vocalist", "lyrics"),
    "instrumental": ("instrumental only", "instrumentals", "instrumental music"),
}

# Spellings that are style words only in a tag line; in prose ("a song about a girl in love") they are the topic.
TAG_ONLY_SPELLINGS: frozenset[str] = frozenset({"female", "woman", "women", "girl", "male", "man", "boy", "love"})

# Words before a style word that turn it into a negative tag ("no drums", "without guitar").
NEGATIONS: frozenset[str] = frozenset({"no", "without", "non", "not"})


# General MIDI program names (0-based program → name, lower case, without the parenthesised variant), as the
# style prose names instruments; one "|"-separated string keeps the 128 names on a few lines.
GM_PROGRAM_NAMES: tuple[str, ...] = tuple(
    "acoustic grand piano|bright acoustic piano|electric grand piano|honky-tonk piano|electric piano 1|"
    "electric piano 2|harpsichord|clavinet|celesta|glockenspiel|music box|vibraphone|marimba|xylophone|"
    "tubular bells|dulcimer|drawbar organ|percussive organ|rock organ|church organ|reed organ|accordion|"
    "harmonica|tango accordion|acoustic guitar|acoustic guitar|electric guitar|electric guitar|"
    "electric guitar|overdriven guitar|distortion guitar|guitar harmonics|acoustic bass|electric bass|"
    "electric bass|fretless bass|slap bass 1|slap bass 2|synth bass 1|synth bass 2|violin|viola|cello|"
    "contrabass|tremolo strings|pizzicato strings|orchestral harp|timpani|string ensemble 1|"
    "string ensemble 2|synth strings 1|synth strings 2|choir aahs|voice oohs|synth choir|orchestra hit|"
    "trumpet|trombone|tuba|muted trumpet|french horn|brass section|synth brass 1|synth brass 2|"
    "soprano sax|alto sax|tenor sax|baritone sax|oboe|english horn|bassoon|clarinet|piccolo|flute|"
    "recorder|pan flute|blown bottle|shakuhachi|whistle|ocarina|lead 1|lead 2|lead 3|lead 4 chiff|lead 5|"
    "lead 6|lead 7|lead 8|pad 1|pad 2|pad 3|pad 4|pad 5|pad 6|pad 7|pad 8|fx 1|fx 2|fx 3|fx 4|fx 5|fx 6|"
    "fx 7|fx 8|sitar|banjo|shamisen|koto|kalimba|bagpipe|fiddle|shanai|tinkle bell|agogo|steel drums|"
    "woodblock|taiko drum|melodic tom|synth drum|reverse cymbal|guitar fret noise|breath noise|seashore|"
    "bird tweet|telephone ring|helicopter|applause|gunshot".split("|")
)
