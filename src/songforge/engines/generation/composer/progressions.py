"""Chord progressions by genre, as roman numerals: a few variants per section role, chosen by the seed.

Each string is one chord per bar and loops over a section. Upper case numerals are major chords, lower case
minor; "b" lowers the root a semitone; "/3" and "/5" are inversions (a ballad's walking bass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.composer.harmony import Chord, Key, parse_progression, tonic_chord
from songforge.engines.generation.score import Mode


@dataclass(frozen=True)
class Progressions:
    verse: tuple[str, ...]
    chorus: tuple[str, ...]
    bridge: tuple[str, ...]


@dataclass(frozen=True)
class GenreHarmony:
    major: Progressions
    minor: Progressions
    power: bool = False  # every chord a power chord (root and fifth), as distorted guitars play them

    def in_mode(self, mode: Mode) -> Progressions:
        return self.major if mode == "major" else self.minor


POP = GenreHarmony(
    major=Progressions(
        verse=("I V vi IV", "vi IV I V", "I vi IV V", "I IV vi V", "I I/3 IV V"),
        chorus=("IV I V vi", "I V vi IV", "vi IV I V", "IV V iii vi", "I V IV V"),
        bridge=("vi IV I V", "ii IV vi V", "IV V vi vi", "iii vi IV V"),
    ),
    minor=Progressions(
        verse=("i bVI bIII bVII", "i iv bVI bVII", "i bVII bVI bVII", "i i bVI bVII"),
        chorus=("bVI bVII i i", "bVI bIII bVII i", "i bVI bIII bVII", "iv bVI bVII i"),
        bridge=("bVI bVII bIII bIII", "iv v bVI bVII", "bIII bVII iv v"),
    ),
)
ROCK = GenreHarmony(
    major=Progressions(
        verse=("I bVII IV I", "I IV V IV", "I I bVII IV", "I V IV IV"),
        chorus=("IV I V V", "I V vi IV", "IV V I I", "bVI bVII I I"),
        bridge=("vi IV V V", "bVI bVII IV IV", "ii IV V V"),
    ),
    minor=Progressions(
        verse=("i bVI bVII i", "i iv bVII i", "i i bVII bVI", "i bVII bVI bVII"),
        chorus=("bVI bVII i i", "i bVI bIII bVII", "iv bVI bVII i", "bIII bVII iv iv"),
        bridge=("bVI bVII bVI bVII", "iv v bVI bVII", "bII bII i i"),
    ),
    power=True,
)
METAL = GenreHarmony(
    major=ROCK.major,
    minor=Progressions(
        verse=("i i bVI bVII", "i bII i bVII", "i iv bVII i", "i bVI i bVII"),
        chorus=("bVI bVII i i", "i bVI bVII bVII", "bVI bIII bVII i", "iv bVI bVII i"),
        bridge=("bII bII i i", "bVI bVI bVII bVII", "iv iv v v"),
    ),
    power=True,
)
JAZZ = GenreHarmony(
    major=Progressions(
        verse=("ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7", "iii7 vi7 ii7 V7", "Imaj7 IV7 iii7 VI7"),
        chorus=("IVmaj7 iii7 ii7 V7", "ii7 V7 iii7 vi7", "Imaj7 I7 IVmaj7 iv7", "vi7 II7 ii7 V7"),
        bridge=("iii7 VI7 ii7 V7", "IVmaj7 IVmaj7 iii7 VI7", "II7 II7 ii7 V7"),
    ),
    minor=Progressions(
        verse=("iiø7 V7 i6 i6", "i7 iv7 iiø7 V7", "i6 bVImaj7 iiø7 V7"),
        chorus=("iv7 bVII7 bIIImaj7 bVImaj7", "i7 iv7 bVII7 bIIImaj7", "bVImaj7 iiø7 V7 i6"),
        bridge=("iv7 iv7 bVII7 bVII7", "bIIImaj7 bVImaj7 iiø7 V7"),
    ),
)
BLUES = GenreHarmony(
    major=Progressions(
        verse=("I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"),
        chorus=("IV7 IV7 I7 I7 V7 IV7 I7 V7", "IV7 IV7 I7 I7 V7 V7 I7 I7"),
        bridge=("IV7 IV7 I7 I7", "V7 IV7 I7 I7"),
    ),
    minor=Progressions(
        verse=("i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7", "i7 iv7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 i7"),
        chorus=("iv7 iv7 i7 i7 bVI7 V7 i7 i7", "iv7 iv7 i7 i7 V7 V7 i7 i7"),
        bridge=("iv7 iv7 i7 i7", "bVI7 V7 i7 i7"),
    ),
)
BALLAD = GenreHarmony(
    major=Progressions(
        verse=("I V/3 vi I/5 IV I/3 ii V", "I iii/5 IV V", "I V/3 vi IV", "I IV/3 I/5 V"),
        chorus=("IV V/3 vi I/5 IV V I I", "IV I/3 ii V", "vi IV I V", "IV V iii vi ii IV V V"),
        bridge=("vi iii/5 IV I/3 ii I/3 IV V", "ii iii IV V", "vi V/3 IV I/3"),
    ),
    minor=Progressions(
        verse=("i bVII/3 bVI V", "i v/3 iv bIII/5", "i bIII/5 bVI bVII"),
        chorus=("bVI bVII i i", "bVI bIII/5 bVII i", "iv bVII bIII bVI"),
        bridge=("bIII bVII/3 iv bVI", "bVI V iv bVII"),
    ),
)
ELECTRONIC = GenreHarmony(
    major=Progressions(
        verse=("vi IV I V", "I V vi IV", "IV I V vi"),
        chorus=("I V vi IV", "IV V vi vi", "vi IV I V"),
        bridge=("IV IV V V", "ii IV vi V"),
    ),
    minor=Progressions(
        verse=("i bVI bIII bVII", "i bVII bVI bVII", "i i bVI bVI"),
        chorus=("bVI bIII bVII i", "i bVI bIII bVII", "bVI bVII i i", "iv bVI bIII bVII"),
        bridge=("bVI bVI bVII bVII", "iv iv bVI bVII"),
    ),
)
HIPHOP = GenreHarmony(
    major=Progressions(
        verse=("ii7 V7 Imaj7 vi7", "Imaj7 Imaj7 IVmaj7 IVmaj7", "vi7 ii7 V7 Imaj7"),
        chorus=("IVmaj7 iii7 vi7 Imaj7", "ii7 V7 Imaj7 Imaj7", "IVmaj7 V7 iii7 vi7"),
        bridge=("IVmaj7 IVmaj7 iii7 vi7", "ii7 ii7 V7 V7"),
    ),
    minor=Progressions(
        verse=("i bVI i bVI", "i i iv iv", "i bVI bIII bVII"),
        chorus=("i bVI bVII bVII", "bVI bVI i i", "i iv bVI bVII"),
        bridge=("iv iv bVI bVII", "bVI bVII bVI V"),
    ),
)
SOUL = GenreHarmony(
    major=Progressions(
        verse=("Imaj7 vi7 ii7 V7", "Imaj7 IVmaj7 iii7 vi7", "ii7 V7 Imaj7 IVmaj7"),
        chorus=("IVmaj7 V7 iii7 vi7", "ii7 V7 iii7 vi7", "IVmaj7 iii7 ii7 Imaj7"),
        bridge=("IVmaj7 IVmaj7 iii7 VI7", "ii7 iii7 IVmaj7 V7"),
    ),
    minor=Progressions(
        verse=("i7 iv7 bVII7 bIIImaj7", "i7 i7 iv7 iv7", "i7 bVImaj7 iv7 V7"),
        chorus=("bVImaj7 bVII7 i7 i7", "iv7 bVII7 bIIImaj7 bVImaj7", "iv7 V7 i7 i7"),
        bridge=("bIIImaj7 bVImaj7 iv7 V7", "iv7 iv7 bVII7 bVII7"),
    ),
)
FUNK = GenreHarmony(
    major=Progressions(
        verse=("I7 I7 IV7 IV7", "I9 I9 I9 IV9", "I7 bVII7 I7 bVII7"),
        chorus=("IV9 IV9 I9 I9", "ii7 V7 ii7 V7", "IV7 V7 I7 I7"),
        bridge=("bVII7 bVII7 IV7 IV7", "ii7 iii7 IV7 V7"),
    ),
    minor=Progressions(
        verse=("i7 i7 IV7 IV7", "i7 iv7 i7 iv7", "i9 i9 bVII7 bVII7"),
        chorus=("iv7 bVII7 i7 i7", "bVI7 V7 i7 i7", "i7 IV7 i7 IV7"),
        bridge=("bVI7 bVI7 bVII7 bVII7", "iv7 iv7 V7 V7"),
    ),
)
REGGAE = GenreHarmony(
    major=Progressions(
        verse=("I IV I V", "I I IV IV", "I V vi IV"),
        chorus=("IV V I I", "I V IV I", "IV I V I"),
        bridge=("vi IV V V", "ii V I I"),
    ),
    minor=Progressions(
        verse=("i iv i v", "i bVII i bVII", "i i iv iv"),
        chorus=("iv bVII i i", "bVI bVII i i", "i iv v i"),
        bridge=("bVI bVI bVII bVII", "iv iv v v"),
    ),
)
BOSSA = GenreHarmony(
    major=Progressions(
        verse=("Imaj7 Imaj7 II7 II7 ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7", "Imaj7 II7 ii7 V7"),
        chorus=("IVmaj7 iv6 iii7 VI7 ii7 V7 Imaj7 Imaj7", "ii7 V7 Imaj7 VI7", "IVmaj7 iii7 ii7 V7"),
        bridge=("iii7 VI7 ii7 V7", "IVmaj7 IVmaj7 iii7 VI7"),
    ),
    minor=Progressions(
        verse=("i7 i7 iv7 iv7 iiø7 V7 i7 i7", "i6 iv7 iiø7 V7", "i7 iv7 bVII7 bIIImaj7"),
        chorus=("iv7 bVII7 bIIImaj7 bVImaj7 iiø7 V7 i6 i6", "bVImaj7 iiø7 V7 i6", "iv7 V7 i7 i7"),
        bridge=("bIIImaj7 bVImaj7 iiø7 V7", "iv7 iv7 V7 V7"),
    ),
)
COUNTRY = GenreHarmony(
    major=Progressions(
        verse=("I I IV I", "I IV I V", "I IV V I", "I V IV I"),
        chorus=("IV I V I", "I V vi IV", "IV IV I I V V I I", "vi IV I V"),
        bridge=("vi IV I V", "IV V vi vi", "ii ii V V"),
    ),
    minor=Progressions(
        verse=("i bVII i bVII", "i iv bVII i", "i bVI bVII i"),
        chorus=("bVI bVII i i", "bIII bVII i i", "iv i bVII i"),
        bridge=("bVI bVI bVII bVII", "iv iv v v"),
    ),
)
GOSPEL = GenreHarmony(
    major=Progressions(
        verse=("Imaj7 I7 IVmaj7 iv6", "I iii vi IV", "I I/3 IV V"),
        chorus=("IV V iii vi ii7 V7 I I", "IV I/3 ii7 V7", "vi7 ii7 V7 Imaj7"),
        bridge=("ii7 iii7 IVmaj7 V7", "IV IV/3 I/5 V"),
    ),
    minor=SOUL.minor,
)
CINEMATIC = GenreHarmony(
    major=Progressions(
        verse=("I V/3 vi iii IV I/3 ii V", "I IV vi V", "I bVI bVII I"),
        chorus=("IV V vi I", "vi IV I V", "I V vi IV"),
        bridge=("bVI bVII I I", "ii IV vi V"),
    ),
    minor=Progressions(
        verse=("i bVI bIII bVII", "i iv bVI V", "i bVI iv V"),
        chorus=("bVI bIII bVII i", "bVI bVII i i", "iv bVI bIII bVII"),
        bridge=("bII bII i i", "bVI bVI bVII V"),
    ),
)
AMBIENT = GenreHarmony(
    major=Progressions(
        verse=("Imaj7 Imaj7 IVmaj7 IVmaj7", "Iadd9 vi7 IVmaj7 IVmaj7", "Imaj7 iii7 IVmaj7 Imaj7"),
        chorus=("IVmaj7 IVmaj7 vi7 vi7", "vi7 IVmaj7 Imaj7 V", "IVmaj7 V vi7 vi7"),
        bridge=("ii7 ii7 IVmaj7 IVmaj7", "vi7 vi7 IVmaj7 V"),
    ),
    minor=Progressions(
        verse=("i9 i9 bVImaj7 bVImaj7", "i7 iv7 i7 iv7", "i9 bVII i9 bVImaj7"),
        chorus=("bVImaj7 bIIImaj7 bVII i9", "iv7 iv7 bVImaj7 bVImaj7", "bVImaj7 bVII i9 i9"),
        bridge=("bIIImaj7 bIIImaj7 iv7 iv7", "bVImaj7 bVImaj7 bVII bVII"),
    ),
)
LOFI = GenreHarmony(major=HIPHOP.major, minor=SOUL.minor)
JPOP = GenreHarmony(
    major=Progressions(
        verse=("I V vi iii IV I IV V", "vi IV V I", "I iii IV V"),
        chorus=("IVmaj7 V7 iii7 vi", "IV V iii vi", "IV V vi I"),
        bridge=("ii iii IV V", "vi V IV V"),
    ),
    minor=POP.minor,
)
FOLK = GenreHarmony(
    major=COUNTRY.major,
    minor=Progressions(
        verse=("i bVII bVI bVII", "i bIII bVII i", "i iv i bVII"),
        chorus=("bIII bVII i i", "bVI bIII bVII i", "i bVII bVI V"),
        bridge=("bVI bVI bVII bVII", "iv iv i i"),
    ),
)
PUNK = GenreHarmony(
    major=Progressions(
        verse=("I IV V IV", "I V vi IV", "I I IV V"),
        chorus=("IV V I I", "I V IV IV", "vi IV I V"),
        bridge=("IV IV V V", "vi vi IV V"),
    ),
    minor=ROCK.minor,
    power=True,
)

GENRES: dict[str, GenreHarmony] = {
    "pop": POP, "kpop": POP, "dancepop": POP, "synthpop": POP, "indie": POP, "acoustic": POP,
    "rock": ROCK, "hardrock": ROCK, "grunge": ROCK, "alternative": ROCK,
    "metal": METAL, "heavymetal": METAL,
    "punk": PUNK, "poppunk": PUNK,
    "jazz": JAZZ, "swing": JAZZ,
    "blues": BLUES,
    "ballad": BALLAD, "pianoballad": BALLAD,
    "edm": ELECTRONIC, "house": ELECTRONIC, "techno": ELECTRONIC, "trance": ELECTRONIC, "dubstep": ELECTRONIC,
    "dnb": ELECTRONIC, "drumandbass": ELECTRONIC, "synthwave": ELECTRONIC, "disco": ELECTRONIC,
    "electronic": ELECTRONIC, "dance": ELECTRONIC,
    "trap": HIPHOP, "hiphop": HIPHOP, "rap": HIPHOP,
    "rnb": SOUL, "soul": SOUL,
    "funk": FUNK,
    "reggae": REGGAE, "ska": REGGAE, "dancehall": REGGAE,
    "bossa": BOSSA, "bossanova": BOSSA, "latin": BOSSA, "samba": BOSSA,
    "country": COUNTRY, "folk": FOLK,
    "gospel": GOSPEL,
    "cinematic": CINEMATIC, "orchestral": CINEMATIC, "classical": CINEMATIC, "epic": CINEMATIC,
    "ambient": AMBIENT, "chill": AMBIENT, "newage": AMBIENT,
    "lofi": LOFI,
    "jpop": JPOP, "anime": JPOP,
}  # fmt: skip

# A pre-chorus climbs to the dominant (or its minor-key stand-in), whatever the genre.
PRE_CHORUS: dict[Mode, tuple[str, ...]] = {
    "major": ("IV V IV V", "ii iii IV V", "vi V IV V"),
    "minor": ("bVI bVII bVI bVII", "iv bVI bVII bVII", "iv v bVI bVII"),
}


def genre_key(genre: str) -> str:
    """ "Hip-Hop", "hip hop" and "hiphop" all read "hiphop"."""
    return re.sub(r"[^a-z0-9]", "", genre.lower())


def genre_harmony(genre: str) -> GenreHarmony:
    return GENRES.get(genre_key(genre), POP)


@dataclass(frozen=True)
class SongHarmony:
    """The progressions one song uses, one per section role: verse and chorus always differ."""

    key: Key
    verse: tuple[Chord, ...]
    chorus: tuple[Chord, ...]
    bridge: tuple[Chord, ...]
    pre_chorus: tuple[Chord, ...]
    intro: tuple[Chord, ...]
    power: bool

    def loop_for(self, kind: str) -> tuple[Chord, ...]:
        return {
            "chorus": self.chorus,
            "hook": self.chorus,
            "instrumental": self.chorus,
            "bridge": self.bridge,
            "pre_chorus": self.pre_chorus,
            "intro": self.intro,
            "outro": self.intro,
        }.get(kind, self.verse)

    def chords_for(self, kind: str, bars: int, *, last: bool) -> tuple[Chord, ...]:
        """One chord per bar for a section of `kind`; the song's last section resolves to the tonic."""
        loop = self.loop_for(kind)
        chords = [loop[bar % len(loop)] for bar in range(bars)]
        if last and chords:
            chords[-1] = tonic_chord(self.key, power=self.power)
        return tuple(chords)


def choose_harmony(genre: str, key: Key, rng: np.random.Generator) -> SongHarmony:
    harmony = genre_harmony(genre)
    table = harmony.in_mode(key.mode)
    verse = str(rng.choice(table.verse))
    choruses = [numerals for numerals in table.chorus if numerals != verse]
    chorus = str(rng.choice(choruses))
    bridge = str(rng.choice(table.bridge))
    pre_chorus = str(rng.choice(PRE_CHORUS[key.mode]))
    intro = chorus if rng.random() < 0.5 else verse

    def chords(numerals: str) -> tuple[Chord, ...]:
        return parse_progression(numerals, key, power=harmony.power)

    return SongHarmony(
        key=key,
        verse=chords(verse),
        chorus=chords(chorus),
        bridge=chords(bridge),
        pre_chorus=chords(pre_chorus),
        intro=chords(intro),
        power=harmony.power,
    )
