"""The separation benchmark's held-out songs: timbres, voices, mixes and effects the engine never saw.

`SEEN` is the one place that lists what the Twelve engine was built, tuned or trained on: the soundfont
families of its dictionaries (TimGM6mb) and of its tuning songs (bench/testset.py, FluidR3_GM), their GM
programs and drum kits, the testset's eSpeak voices, language, vibrato, harmony, tempi and lyrics, the seeds,
and the mask model's training songs (bench/train_twelve.py: the same fonts, programs and composer, and a
smooth random equaliser).
`HELD_OUT` lists what the held-out songs are made of, and shares none of it (tests/unit/test_bench_heldout.py
checks): the FM-synthesis OPL3 soundfont and the AVL acoustic drum kits (Debian `opl3-soundfont`,
`avldrums.lv2-soundfont`), GM programs the engine never rendered, other eSpeak voices and accents with
formant shifts, modes, progressions, tempi, swing and grooves the testset never writes, other levels and
pans, and pedalboard effects on the stems (the seen songs are dry). One exception: GM has eight bass
programs and the dictionary learned all eight, so held-out Bass uses the two no seen song ever played.

A held-out song need not hold all twelve stems: `plan_song` leaves two of the eleven stems other than the
lead vocal out (a different two per seed), so over any ten consecutive seeds each stem sounds in at least
eight songs. Absent stems are silent arrays (the benchmark scores only the stems a song has). The mix is
exactly the sum of the stems (effects go on the stems, nothing on the master but one gain).

Seeds 9000-9009 are the benchmark's held-out songs; 9050-9059 are held-out *validation* songs, the only
held-out songs any choice of the engine was made on (the trained mask model's share of each Twelve stem's
mask, `TwelveParams.model_shares`); nothing is chosen on the benchmark's.

eSpeak inside Praat carries state from one utterance to the next (the same word comes out differently the
second time in a process), so each song is rendered in a fresh process with Praat's random seed fixed:
that makes a song a function of its seed alone. Rendered songs are cached under bench/.cache/.

    python bench/heldout.py --seed 9000 --seconds 22   # write its stems as wav for listening
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from hashlib import sha1
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # testset is a sibling script, not a package
    sys.path.insert(0, str(HERE))

import testset
from songforge.engines.separation.dsp.dictionaries import LEARN_SPEC
from songforge.engines.separation.dsp.render import Note, SoundFontRenderer
from songforge.engines.separation.stems import TWELVE_STEMS
from testset import SAMPLE_RATE, Composer, Singer, Song, chord_voicing, pan_gains, place, rms

HELD_OUT_VERSION = 1
HELD_OUT_BASE_SEED = 9000
# Held-out songs the engine's choices were validated on (see the module docstring), never scored as the benchmark.
VALIDATION_SEEDS = range(9050, 9060)
SF2_DIR = Path("/usr/share/sounds/sf2")
INSTRUMENT_STEMS: tuple[str, ...] = TWELVE_STEMS[3:]  # the pitched families, after Vocals, Backing, Drums


# --------------------------------------------------------------------------------------------------
# The split


@dataclass(frozen=True)
class SoundFontFamily:
    """Soundfont files that share samples (derived from one another): one timbre source, seen or not."""

    name: str
    files: tuple[str, ...]  # file names, wherever installed
    provenance: str


@dataclass(frozen=True)
class DrumKit:
    """A drum kit and the keys of its pieces (the held-out grooves are written per piece, not per GM key)."""

    name: str
    font: str  # file name under SF2_DIR
    gm_drum_bank: bool  # True: bank 128 on channel 10; False: a kit on preset 0 of the melodic bank
    kick: int
    snare: int
    rim: int
    clap: int
    hat_closed: int
    hat_pedal: int
    hat_open: int
    crash: int
    ride: int
    toms: tuple[int, ...]  # high to low


@dataclass(frozen=True)
class Exposure:
    """What one side of the split is made of (SEEN: what the engine was built or tuned on)."""

    font_families: tuple[SoundFontFamily, ...]
    drum_kits: tuple[str, ...]  # "<font file> <kit>"
    programs: Mapping[str, tuple[int, ...]]  # Twelve stem → GM programs (1-based)
    voices: tuple[str, ...]  # eSpeak voice variants
    languages: tuple[str, ...]  # eSpeak languages (accents)
    formant_shifts: tuple[float, ...]
    vibrato_hz: tuple[float, float]  # range
    effects: tuple[str, ...]  # pedalboard plug-ins on the stems
    tempo_bpm: tuple[tuple[float, float], ...]  # ranges
    scales: tuple[tuple[int, ...], ...]
    progressions: tuple[tuple[int, ...], ...]  # scale degrees of the four chords
    lyrics: tuple[str, ...]
    seeds: tuple[range, ...]

    def font_files(self) -> frozenset[str]:
        return frozenset(f for fam in self.font_families for f in fam.files)

    def summary(self) -> dict[str, object]:
        """JSON-ready, for the benchmark's report."""
        return {
            "font_families": {f.name: list(f.files) for f in self.font_families},
            "drum_kits": list(self.drum_kits),
            "programs": {k: list(v) for k, v in self.programs.items()},
            "voices": list(self.voices),
            "languages": list(self.languages),
            "formant_shifts": list(self.formant_shifts),
            "vibrato_hz": list(self.vibrato_hz),
            "effects": list(self.effects),
            "tempo_bpm": [list(r) for r in self.tempo_bpm],
            "scales": [list(x) for x in self.scales],
            "progressions": [list(x) for x in self.progressions],
            "lyrics": len(self.lyrics),
            "seeds": [f"{r.start}-{r.stop - 1}" for r in self.seeds],
        }


TIMGM6MB = SoundFontFamily(
    "TimGM6mb",
    ("TimGM6mb.sf2", "sf_GMbank.sf2"),
    "the separation dictionaries are learned from TimGM6mb.sf2 (pretty_midi's copy; Debian packages it as "
    "timgm6mb-soundfont); Debian csound-soundfont's sf_GMbank.sf2 holds 329 of TimGM6mb's samples byte for byte",
)
FLUIDR3 = SoundFontFamily(
    "FluidR3",
    (
        "FluidR3_GM.sf2",
        "FluidR3_GS.sf2",
        "FluidR3Mono_GM.sf3",
        "MuseScore_General.sf3",
        "MuseScore_General.sf2",
        "MuseScore_General-HQ.sf3",
    ),
    "bench/testset.py renders the tuning songs (seeds 2000-2005, 3000-3011, 4000-4015) and the seen benchmark "
    "songs with FluidR3_GM.sf2; FluidR3Mono and MuseScore_General are built from FluidR3",
)
OPL3 = SoundFontFamily(
    "OPL3 FM",
    ("OPL-3_FM_128M.sf2",),
    "Debian opl3-soundfont: recordings of an OPL3 FM-synthesis chip, no sampled instruments",
)
AVL_DRUMS = SoundFontFamily(
    "AVL Drumkits",
    ("Black_Pearl_4_LV2.sf2", "Red_Zeppelin_4_LV2.sf2"),
    "Debian avldrums.lv2-soundfont: multi-sampled acoustic kits (Glen MacArthur), drums only",
)

# The GM drum map for the OPL3 kit; the AVL kits follow it except above 47 (48: hi-hat swish, 50: crash choke).
_PIECES = {"kick": 36, "rim": 37, "clap": 39, "hat_closed": 42, "hat_pedal": 44, "hat_open": 46, "ride": 51}
OPL3_KIT = DrumKit("OPL3 FM kit", OPL3.files[0], gm_drum_bank=True, snare=40, crash=57, toms=(50, 47, 43), **_PIECES)
BLACK_PEARL = DrumKit(
    "AVL Black Pearl", AVL_DRUMS.files[0], gm_drum_bank=False, snare=38, crash=49, toms=(45, 43, 41), **_PIECES
)
RED_ZEPPELIN = DrumKit(
    "AVL Red Zeppelin", AVL_DRUMS.files[1], gm_drum_bank=False, snare=38, crash=57, toms=(45, 43, 41), **_PIECES
)
HELD_OUT_KITS: tuple[DrumKit, ...] = (BLACK_PEARL, RED_ZEPPELIN, OPL3_KIT)


def _seen_programs() -> Mapping[str, tuple[int, ...]]:
    """Programs the testset renders (benchmark and tuning songs) and the dictionary learns, per stem."""
    learned = {stem: spec[0] for stem, spec in LEARN_SPEC.items()}
    out = {
        stem: tuple(sorted({*testset.TEST_PROGRAMS.get(stem, ()), *learned.get(stem, ())})) for stem in INSTRUMENT_STEMS
    }
    return MappingProxyType(out)


SEEN = Exposure(
    font_families=(TIMGM6MB, FLUIDR3),
    drum_kits=("TimGM6mb.sf2 GM kit", "sf_GMbank.sf2 GM kit", "FluidR3_GM.sf2 GM kit"),
    programs=_seen_programs(),
    voices=tuple(sorted({v for trio in testset.VOICES.values() for v in trio})),
    languages=(testset.LANGUAGE,),
    formant_shifts=(1.0,),
    vibrato_hz=(testset.VIBRATO_HZ, testset.VIBRATO_HZ),
    # dry: the renderer turns the soundfont's reverb and chorus sends off, no plug-ins; the mask model's
    # training (bench/train_twelve.py) colours stems with smooth random ±4 dB curves, no filter cut-offs
    effects=("Equaliser",),
    tempo_bpm=(testset.TEMPO_BPM,),
    scales=(testset.MAJOR, testset.MINOR),
    progressions=testset.PROGRESSIONS,
    lyrics=testset.LYRIC_WORDS,
    # benchmark, tuning songs, and the mask model's training songs (bench/train_twelve.py)
    seeds=(range(1000, 1004), range(2000, 2006), range(3000, 3012), range(4000, 4016), range(20000, 20400)),
)

LEAD_VOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"female": ("Female4", "Female5", "Linda", "Steph"), "male": ("Male4", "Male5", "Male6", "Robert")}
)
BACKING_VOICES: tuple[str, ...] = ("Annie", "Steph3", "Max", "Michael", "Andy", "Lee")  # no Klatt: 17 ms clicks here
BACKING_WORDS: tuple[str, ...] = ("oh", "la", "yeah", "whoa")
FORMANT_SHIFTS: tuple[float, ...] = (0.88, 0.93, 1.1, 1.16)

HELD_OUT = Exposure(
    font_families=(OPL3, AVL_DRUMS),
    drum_kits=tuple(f"{k.font} {k.name}" for k in HELD_OUT_KITS),
    programs=MappingProxyType(
        {
            "Bass": (37, 40),  # all eight bass programs are seen; these two only by the dictionary
            "Guitar": (29, 31, 106, 107, 108),
            "Keyboard": (4, 8, 20, 21, 22),
            "Strings": (42, 44, 45, 52, 111),
            "Brass": (59, 64),
            "Woodwinds": (68, 70, 71, 73, 76, 80),
            "Percussion": (11, 16, 109, 113, 114),
            "Synth": (83, 84, 87, 88, 93, 94, 95, 96),
            "FX": (97, 99, 101, 104, 122, 125),
        }
    ),
    voices=(*LEAD_VOICES["female"], *LEAD_VOICES["male"], *BACKING_VOICES),
    languages=("English (Great Britain)", "English (Scotland)", "English (Caribbean)"),
    formant_shifts=FORMANT_SHIFTS,
    vibrato_hz=(6.0, 7.0),
    effects=("Reverb", "Chorus", "Delay", "Phaser", "Distortion", "Compressor", "HighpassFilter", "LowpassFilter"),
    tempo_bpm=((66.0, 84.0), (134.0, 152.0)),
    scales=(
        (0, 2, 3, 5, 7, 9, 10),  # dorian
        (0, 2, 4, 5, 7, 9, 10),  # mixolydian
        (0, 1, 3, 5, 7, 8, 10),  # phrygian
        (0, 2, 3, 5, 7, 8, 11),  # harmonic minor
        (0, 2, 4, 6, 7, 9, 11),  # lydian
    ),
    progressions=((0, 6, 3, 4), (0, 2, 5, 4), (5, 1, 4, 0), (3, 4, 2, 5), (0, 1, 3, 0)),
    lyrics=(
        *("ocean", "silver", "morning", "river", "golden", "whisper", "forever", "falling", "open", "window"),
        *("summer", "wonder", "echo", "thunder", "shadow", "dancing", "alone", "tonight", "believe", "over"),
        *("city", "flying", "burning", "yesterday", "tomorrow", "maybe", "lonely", "again"),
    ),
    seeds=(range(HELD_OUT_BASE_SEED, HELD_OUT_BASE_SEED + 100),),
)

# Levels relative to the lead vocal (dB, ± LEVEL_JITTER_DB per song): louder bass and strings, quieter
# keys and synths than the seen songs' table (testset.LEVELS_DB, ± 2 dB).
LEVELS_DB: Mapping[str, float] = MappingProxyType(
    {
        "Vocals": 0.0,
        "Backing Vocals": -5.0,
        "Drums": -2.5,
        "Bass": -1.5,
        "Guitar": -5.0,
        "Keyboard": -9.0,
        "Strings": -6.0,
        "Brass": -11.0,
        "Woodwinds": -8.0,
        "Percussion": -9.0,
        "Synth": -11.0,
        "FX": -11.0,
    }
)
LEVEL_JITTER_DB = 3.5
# Pans are drawn per song within ± this (0.8 for the stems not named; the seen songs use testset.PANS).
PAN_SPREAD: Mapping[str, float] = MappingProxyType(
    {"Vocals": 0.0, "Backing Vocals": 0.0, "Bass": 0.1, "Drums": 0.15}  # backing singers carry their own pans
)
GROOVES: tuple[str, ...] = ("sixteenths", "halftime", "four_on_the_floor")  # the held-out drum parts
OPTIONAL_STEMS: tuple[str, ...] = TWELVE_STEMS[1:]  # every song has a lead vocal (Two's reference needs one)
STEMS_LEFT_OUT = 2


# --------------------------------------------------------------------------------------------------
# Effects


@dataclass(frozen=True)
class Effect:
    """One pedalboard plug-in with its parameters."""

    kind: str  # pedalboard class name
    params: tuple[tuple[str, float], ...]

    def plugin(self) -> Any:  # a pedalboard.Plugin (the native classes are built by name)
        import pedalboard

        return getattr(pedalboard, self.kind)(**dict(self.params))

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(f'{k}={v:g}' for k, v in self.params)})"


@dataclass(frozen=True)
class EffectDraw:
    """A plug-in whose parameters are drawn uniformly from ranges, used with some probability."""

    kind: str
    ranges: tuple[tuple[str, float, float], ...]
    probability: float = 1.0

    def draw(self, rng: np.random.Generator) -> Effect | None:
        used = rng.random() < self.probability
        params = tuple((name, round(float(rng.uniform(lo, hi)), 3)) for name, lo, hi in self.ranges)
        return Effect(self.kind, params) if used else None


def _reverb(room: tuple[float, float], wet: tuple[float, float], p: float = 1.0) -> EffectDraw:
    return EffectDraw("Reverb", (("room_size", *room), ("wet_level", *wet), ("dry_level", 0.8, 1.0)), p)


_COMPRESS = EffectDraw("Compressor", (("threshold_db", -22.0, -12.0), ("ratio", 2.0, 5.0), ("attack_ms", 2.0, 15.0)))
_CHORUS = EffectDraw("Chorus", (("rate_hz", 0.5, 1.8), ("depth", 0.15, 0.4), ("mix", 0.3, 0.5)))
_PHASER = EffectDraw("Phaser", (("rate_hz", 0.2, 1.2), ("depth", 0.4, 0.8), ("mix", 0.3, 0.5)))
_DELAY = EffectDraw("Delay", (("delay_seconds", 0.18, 0.42), ("feedback", 0.15, 0.35), ("mix", 0.1, 0.25)))

STEM_EFFECTS: Mapping[str, tuple[EffectDraw, ...]] = MappingProxyType(
    {
        "Vocals": (
            EffectDraw("HighpassFilter", (("cutoff_frequency_hz", 90.0, 160.0),)),
            _COMPRESS,
            EffectDraw("Delay", (("delay_seconds", 0.2, 0.4), ("feedback", 0.1, 0.3), ("mix", 0.08, 0.18)), 0.5),
            _reverb((0.3, 0.6), (0.12, 0.22)),
        ),
        "Backing Vocals": (
            EffectDraw("HighpassFilter", (("cutoff_frequency_hz", 180.0, 320.0),)),
            _CHORUS,
            _reverb((0.6, 0.9), (0.25, 0.4)),
        ),
        "Drums": (_COMPRESS, _reverb((0.1, 0.3), (0.05, 0.15))),
        "Bass": (
            _COMPRESS,
            EffectDraw("Distortion", (("drive_db", 4.0, 10.0),), 0.4),
            EffectDraw("LowpassFilter", (("cutoff_frequency_hz", 1500.0, 4000.0),)),
        ),
        "Guitar": (
            EffectDraw("Distortion", (("drive_db", 12.0, 24.0),), 0.5),
            EffectDraw("Chorus", _CHORUS.ranges, 0.5),
            _reverb((0.3, 0.6), (0.1, 0.25)),
        ),
        "Keyboard": (EffectDraw("Phaser", _PHASER.ranges, 0.5), _reverb((0.4, 0.7), (0.1, 0.25))),
        "Strings": (_reverb((0.7, 0.95), (0.25, 0.4)),),
        "Brass": (_COMPRESS, _reverb((0.4, 0.7), (0.15, 0.3))),
        "Woodwinds": (EffectDraw("Delay", _DELAY.ranges, 0.6), _reverb((0.5, 0.8), (0.15, 0.3))),
        "Percussion": (_DELAY, _reverb((0.3, 0.6), (0.1, 0.2))),
        "Synth": (EffectDraw("Chorus", _CHORUS.ranges, 0.5), EffectDraw("Phaser", _PHASER.ranges, 0.5), _DELAY),
        "FX": (
            _reverb((0.8, 0.98), (0.3, 0.5)),
            EffectDraw("LowpassFilter", (("cutoff_frequency_hz", 3e3, 9e3),), 0.5),
        ),
    }
)


def apply_effects(audio: np.ndarray, effects: tuple[Effect, ...]) -> np.ndarray:
    """The stem through its chain (fresh plug-ins: nothing carries over from another stem)."""
    if not effects:
        return audio
    from pedalboard import Pedalboard

    out: np.ndarray = Pedalboard([e.plugin() for e in effects])(audio, SAMPLE_RATE)
    return out.astype(np.float32)


# --------------------------------------------------------------------------------------------------
# The plan of one song (everything but the notes), drawn from its seed


@dataclass(frozen=True)
class PartPlan:
    stem: str
    program: int  # GM, 1-based (0: the drum kit)
    pan: float
    level_db: float
    effects: tuple[Effect, ...]


@dataclass(frozen=True)
class VoicePlan:
    voice: str  # eSpeak variant
    formant_shift: float
    pan: float
    vibrato_semitones: float
    vibrato_hz: float


@dataclass(frozen=True)
class SongPlan:
    seed: int
    present: tuple[str, ...]  # stems that sound, in TWELVE_STEMS order
    kit: DrumKit
    groove: str
    language: str
    female_lead: bool
    lead: VoicePlan
    backing: tuple[VoicePlan, ...]
    parts: tuple[PartPlan, ...]  # one per present stem, vocals included (program 0)

    def part(self, stem: str) -> PartPlan:
        return next(p for p in self.parts if p.stem == stem)


def left_out(seed: int) -> tuple[str, ...]:
    """The stems a song leaves out: a different pair per seed, each stem twice in any 11 consecutive seeds."""
    n = len(OPTIONAL_STEMS)
    return tuple(OPTIONAL_STEMS[(seed + k * 5) % n] for k in range(STEMS_LEFT_OUT))


def _voice_plan(rng: np.random.Generator, voice: str, pan: float, vibrato: tuple[float, float]) -> VoicePlan:
    return VoicePlan(
        voice,
        float(rng.choice(HELD_OUT.formant_shifts)),
        pan,
        round(float(rng.uniform(*vibrato)), 3),
        round(float(rng.uniform(*HELD_OUT.vibrato_hz)), 3),
    )


def _pan(rng: np.random.Generator, stem: str) -> float:
    spread = PAN_SPREAD.get(stem, 0.8)
    return round(float(rng.uniform(-spread, spread)), 3)


def plan_song(seed: int) -> SongPlan:
    """Fonts, programs, voices, pans, levels and effects of held-out song `seed` (no rendering)."""
    rng = np.random.default_rng([seed, 1])  # its own stream: the composer draws from default_rng(seed)
    absent = set(left_out(seed))
    present = tuple(s for s in TWELVE_STEMS if s not in absent)
    female = bool(rng.random() < 0.5)
    lead_voice = str(rng.choice(LEAD_VOICES["female" if female else "male"]))
    lead = _voice_plan(rng, lead_voice, 0.0, (0.3, 0.55))
    n_backing = int(rng.integers(2, 4))
    first = float(rng.choice([-1.0, 1.0]))
    sides = (first, -first, float(rng.choice([-1.0, 1.0])))[:n_backing]  # never all on one side
    backing = tuple(
        _voice_plan(rng, str(v), round(float(side * rng.uniform(0.45, 0.95)), 3), (0.05, 0.15))
        for v, side in zip(rng.choice(BACKING_VOICES, n_backing, replace=False), sides, strict=True)
    )
    parts = []
    for stem in present:
        program = int(rng.choice(HELD_OUT.programs[stem])) if stem in HELD_OUT.programs else 0
        level = round(LEVELS_DB[stem] + float(rng.uniform(-LEVEL_JITTER_DB, LEVEL_JITTER_DB)), 2)
        effects = tuple(e for e in (d.draw(rng) for d in STEM_EFFECTS[stem]) if e is not None)
        parts.append(PartPlan(stem, program, _pan(rng, stem), level, effects))
    return SongPlan(
        seed,
        present,
        HELD_OUT_KITS[seed % len(HELD_OUT_KITS)],  # kits and grooves in turn: every pairing in nine seeds
        GROOVES[seed // len(HELD_OUT_KITS) % len(GROOVES)],
        str(rng.choice(HELD_OUT.languages)),
        female,
        lead,
        backing,
        tuple(parts),
    )


# --------------------------------------------------------------------------------------------------
# Composition: testset's parts on held-out harmony, swing and grooves


class HeldOutComposer(Composer):
    """The testset's parts on modes, progressions and tempi it never writes, with swing, and drum grooves
    written for the held-out kit's pieces."""

    def __init__(self, seed: int, seconds: float, kit: DrumKit, groove: str) -> None:
        self.kit = kit
        self.groove = groove
        self.swing = 0.0
        super().__init__(seed, seconds)

    def draw_harmony(self) -> tuple[float, int, tuple[int, ...], tuple[int, ...]]:
        rng = self.rng
        lo, hi = HELD_OUT.tempo_bpm[int(rng.integers(len(HELD_OUT.tempo_bpm)))]
        tempo = float(rng.uniform(lo, hi))
        key = int(rng.integers(0, 12))
        scale = HELD_OUT.scales[int(rng.integers(len(HELD_OUT.scales)))]
        progression = HELD_OUT.progressions[int(rng.integers(len(HELD_OUT.progressions)))]
        self.swing = float(rng.uniform(0.08, 0.2)) if rng.random() < 0.5 else 0.0
        return tempo, key, scale, progression

    def t(self, bar: int, beat: float) -> float:
        if self.swing and abs(beat % 1 - 0.5) < 1e-9:  # swung: each off-beat eighth comes late
            beat += self.swing
        return super().t(bar, beat)

    def drums(self) -> list[Note]:
        k, rng = self.kit, self.rng
        notes: list[Note] = []

        def hit(bar: int, beat: float, key: int, lo: int, hi: int, length: float = 0.12) -> None:
            st = self.t(bar, beat)
            notes.append(Note(st, st + length, key, int(rng.integers(lo, hi))))

        for b in range(self.n_bars):
            if b % 4 == 0:
                hit(b, 0, k.crash, 95, 120, 1.0)
            if self.groove == "sixteenths":
                for s in range(16):
                    hit(b, s / 4, k.hat_closed, *((75, 100) if s % 2 == 0 else (40, 65)))
                kicks = [0.0, 2.0] + [x for x, p in ((2.5, 0.5), (1.75, 0.3)) if rng.random() < p]
                for beat in kicks:
                    hit(b, beat, k.kick, 95, 125)
                for beat in (1.0, 3.0):
                    hit(b, beat, k.snare, 95, 120)
                if b % 2 == 1:
                    hit(b, 3.5, k.hat_open, 70, 95, 0.3)
            elif self.groove == "halftime":
                for e in range(8):
                    hit(b, e / 2, k.ride, 60, 95, 0.4)
                for beat in [0.0] + [x for x, p in ((0.75, 0.5), (2.5, 0.4)) if rng.random() < p]:
                    hit(b, beat, k.kick, 95, 125)
                hit(b, 2.0, k.snare, 100, 125)
                for beat in (1.0, 3.0):
                    hit(b, beat, k.hat_pedal, 50, 80)
                if rng.random() < 0.3:
                    hit(b, 3.75, k.rim, 50, 80)
            else:  # four on the floor
                for beat in range(4):
                    hit(b, float(beat), k.kick, 100, 125)
                    hit(b, beat + 0.5, k.hat_open, 60, 90, 0.2)
                for beat in (1.0, 3.0):
                    hit(b, beat, k.clap, 90, 115)
                    hit(b, beat, k.snare, 70, 95)
            if b % 4 == 3 and rng.random() < 0.6:  # tom fill on the last beat
                for i, key in enumerate(k.toms + k.toms[-1:]):
                    hit(b, 3 + i / 4, key, 90, 120)
        return notes

    def fx(self) -> list[Note]:
        notes = super().fx()
        if not notes:  # a planned stem must sound, even in a short song
            notes.append(Note(self.t(0, 1), self.t(0, 1) + 2.0, 60, 100))
        return notes

    def part(self, stem: str, program: int) -> list[Note]:
        makers: dict[str, Callable[[], list[Note]]] = {
            "Drums": self.drums,
            "Bass": self.bass,
            "Guitar": self.guitar,
            "Keyboard": self.keyboard,
            "Strings": self.strings,
            "Brass": self.brass,
            "Woodwinds": self.woodwinds,
            "Percussion": self.percussion,
            "Synth": partial(self.synth, program),
            "FX": self.fx,
        }
        return makers[stem]()


# --------------------------------------------------------------------------------------------------
# Rendering


def font_path(name: str) -> Path:
    path = SF2_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: install Debian's opl3-soundfont and avldrums.lv2-soundfont (`make bench` does, "
            "they are in BENCH_APT_PACKAGES); the held-out songs use soundfonts the engine never saw."
        )
    return path


def _render_instruments(comp: HeldOutComposer, plan: SongPlan, seconds: float) -> dict[str, np.ndarray]:
    opl3 = SoundFontRenderer(font_path(OPL3.files[0]), SAMPLE_RATE)
    kit_font = opl3 if plan.kit.font == OPL3.files[0] else SoundFontRenderer(font_path(plan.kit.font), SAMPLE_RATE)
    out: dict[str, np.ndarray] = {}
    for stem in ("Drums", *INSTRUMENT_STEMS):  # every part is composed, so absent ones leave the rest as they are
        program = plan.part(stem).program if stem in plan.present else HELD_OUT.programs.get(stem, (1,))[0]
        notes = [n for n in comp.part(stem, program) if n.start < seconds]
        if stem not in plan.present:
            continue
        pan = plan.part(stem).pan
        if stem == "Drums":
            drum_bank = plan.kit.gm_drum_bank
            out[stem] = kit_font.render(notes, 0, is_drum=drum_bank, duration=seconds, pan=pan)
        else:
            out[stem] = opl3.render(notes, program - 1, duration=seconds, pan=pan)
    return out


def _sing_lead(comp: HeldOutComposer, plan: SongPlan, n: int) -> tuple[np.ndarray, list[str]]:
    v = plan.lead
    singer = Singer(v.voice, plan.language, v.formant_shift)
    low, high = (63, 79) if plan.female_lead else (45, 60)
    melody = comp.melody_line(low, high, 0.8, {b for b in range(comp.n_bars) if b % 4 != 1})
    lead = np.zeros(n, dtype=np.float32)
    words = []
    for nt in melody:
        w = str(comp.rng.choice(HELD_OUT.lyrics))
        words.append(w)
        f0 = 440.0 * 2 ** ((nt.pitch - 69) / 12)
        y = singer.sing(w, f0, nt.end - nt.start, v.vibrato_semitones, v.vibrato_hz)
        place(lead, y * (nt.velocity / 100), nt.start)
    return np.stack([lead, lead]), words


def _sing_backing(comp: HeldOutComposer, plan: SongPlan, n: int) -> np.ndarray:
    low, high = (58, 76) if plan.female_lead else (50, 67)
    halves = comp.rng.random() < 0.5  # two shorter chords per bar, or one long one
    back = np.zeros((2, n), dtype=np.float32)
    for v, voice in enumerate(plan.backing):
        singer = Singer(voice.voice, plan.language, voice.formant_shift)
        gains = pan_gains(voice.pan)[:, None]
        for b in range(0, comp.n_bars, 2):  # even bars (the seen songs' backing sings on odd ones)
            for beat in (0.0, 2.0) if halves else (0.0,):
                cands = chord_voicing(comp.chords[b], low, high, 6)
                p = cands[(v * 2 + b + int(beat)) % len(cands)]
                word = BACKING_WORDS[(b // 2 + int(beat)) % len(BACKING_WORDS)]
                dur = comp.bar * (0.45 if halves else 0.9)
                f0 = 440.0 * 2 ** ((p - 69) / 12)
                y = singer.sing(word, f0, dur, voice.vibrato_semitones, voice.vibrato_hz)
                place(back, gains * y[None, :], comp.t(b, beat))
    return back


def render_held_out_song(seed: int, seconds: float) -> Song:
    """Compose and render held-out song `seed` in this process (`load_held_out_song` isolates it)."""
    from parselmouth.praat import run

    run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")  # Praat's PSOLA draws random numbers
    plan = plan_song(seed)
    comp = HeldOutComposer(seed, seconds, plan.kit, plan.groove)
    n = round(seconds * SAMPLE_RATE)
    stems = _render_instruments(comp, plan, seconds)
    stems["Vocals"], lyrics = _sing_lead(comp, plan, n)
    if "Backing Vocals" in plan.present:
        stems["Backing Vocals"] = _sing_backing(comp, plan, n)
    ref = 0.1
    for stem in plan.present:
        wet = apply_effects(stems[stem], plan.part(stem).effects)[:, :n]
        if rms(wet) < 1e-6:
            raise RuntimeError(f"held-out song {seed}: planned stem {stem} is silent")
        stems[stem] = wet * np.float32(ref * 10 ** (plan.part(stem).level_db / 20) / rms(wet))
    mix = sum(stems.values())
    gain = np.float32(0.9 / max(1e-9, float(np.max(np.abs(mix)))))
    silence = np.zeros((2, n), dtype=np.float32)
    out = {k: (stems[k] * gain).astype(np.float32) if k in stems else silence.copy() for k in TWELVE_STEMS}
    return Song(seed, SAMPLE_RATE, out, _meta(plan, comp, seconds, lyrics))


def _meta(plan: SongPlan, comp: HeldOutComposer, seconds: float, lyrics: list[str]) -> dict[str, object]:
    return {
        "seed": plan.seed,
        "seconds": seconds,
        "held_out": True,
        "tempo": round(comp.tempo, 2),
        "key": comp.key,
        "scale": list(comp.scale),
        "swing": round(comp.swing, 3),
        "groove": comp.groove,
        "present": list(plan.present),
        "soundfont": OPL3.files[0],
        "drum_kit": plan.kit.name,
        "programs": {p.stem: p.program for p in plan.parts if p.program},
        "language": plan.language,
        "female_lead": plan.female_lead,
        "lead_voice": f"{plan.lead.voice} formant×{plan.lead.formant_shift:g}",
        "backing_voices": [f"{v.voice} formant×{v.formant_shift:g} pan {v.pan:+.2f}" for v in plan.backing],
        "levels_db": {p.stem: p.level_db for p in plan.parts},
        "effects": {p.stem: [str(e) for e in p.effects] for p in plan.parts},
        "lyrics": " ".join(lyrics),
    }


_CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [{bench!r}, {src!r}]
import heldout, testset
testset.write_song(heldout.render_held_out_song({seed}, {seconds}), Path({path!r}), exact=True)
"""


def render_isolated(seed: int, seconds: float) -> Song:
    """`render_held_out_song` in a fresh interpreter: eSpeak's state then depends on nothing but the seed."""
    with tempfile.TemporaryDirectory(prefix="held-out-") as tmp:
        path = Path(tmp) / "song.npz"
        code = _CHILD.format(bench=str(HERE), src=str(HERE.parent / "src"), seed=seed, seconds=seconds, path=str(path))
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"rendering held-out song {seed} failed:\n{proc.stderr[-3000:]}")
        return testset.read_song(path)


def load_held_out_song(seed: int, seconds: float, cache_dir: Path | None = testset.CACHE_DIR) -> Song:
    """A held-out song, from bench/.cache/ when there (float16 stems), else rendered and cached."""
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"held-out-v{HELD_OUT_VERSION}-seed{seed}-{seconds:g}s.npz"
    return testset.cached_song(path, lambda: render_isolated(seed, seconds))


def build_held_out_set(
    n_songs: int = 10,
    seconds: float = 22.0,
    base_seed: int = HELD_OUT_BASE_SEED,
    cache_dir: Path | None = testset.CACHE_DIR,
) -> list[Song]:
    return [load_held_out_song(base_seed + i, seconds, cache_dir) for i in range(n_songs)]


# --------------------------------------------------------------------------------------------------
# Which fonts share samples (the family check of tests/unit/test_bench_heldout.py)


def sample_fingerprints(path: str | os.PathLike[str], head: int = 4000) -> frozenset[str]:
    """A hash of the first `head` frames of every sample in a .sf2: fonts that share any are one family."""
    with open(path, "rb") as f:
        smpl, shdr = _sf2_chunks(f)
        f.seek(shdr[0])
        headers = f.read(shdr[1])
        out = set()
        for i in range(len(headers) // 46 - 1):  # the last header is the terminal "EOS" record
            start, end = struct.unpack_from("<II", headers, 46 * i + 20)
            f.seek(smpl[0] + 2 * start)
            out.add(sha1(f.read(2 * min(end - start, head)), usedforsecurity=False).hexdigest())
    return frozenset(out)


def _sf2_chunks(f: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """(offset, size) of the sample data (smpl) and sample headers (shdr) of an open .sf2."""
    found: dict[bytes, tuple[int, int]] = {}
    f.seek(12)
    while len(found) < 2:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError("not a SoundFont 2 file (no smpl/shdr chunks)")
        cid, size = head[:4], struct.unpack("<I", head[4:])[0]
        if cid == b"LIST":
            f.read(4)  # the list type; its sub-chunks follow
            continue
        if cid in (b"smpl", b"shdr"):
            found[cid] = (f.tell(), size)
        f.seek(size + (size & 1), os.SEEK_CUR)
    return found[b"smpl"], found[b"shdr"]


if __name__ == "__main__":  # render one held-out song and write its stems as wav for listening
    import argparse
    import json

    import soundfile as sf

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=HELD_OUT_BASE_SEED)
    ap.add_argument("--seconds", type=float, default=22.0)
    ap.add_argument("--out", default=str(testset.CACHE_DIR / "wav"))
    a = ap.parse_args()
    song = load_held_out_song(a.seed, a.seconds)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sf.write(out / f"held-out-mix-{a.seed}.wav", song.mix.T, SAMPLE_RATE)
    for name in song.present:
        sf.write(out / f"held-out-{name.replace(' ', '_').lower()}-{a.seed}.wav", song.stems[name].T, SAMPLE_RATE)
    print(json.dumps(song.meta, indent=1))
