"""Deterministic multitrack test songs with known stems, for the separation benchmark and tests.

Each song (seeded) has a key, a tempo, a four-chord progression and twelve parts, one per Twelve stem:

- instruments: MIDI written with pretty_midi, one instrument per family, GM programs drawn per seed
  from the family (see songforge.engines.separation.dsp.dictionaries.FAMILY_PROGRAMS), rendered through
  **FluidR3_GM.sf2** (Debian `fluid-soundfont-gm`) with tinysoundfont — a different soundfont from the
  TimGM6mb the separation dictionaries are learned from. Drums: the GM kit (channel 10).
- Vocals: a sung lead — eSpeak words (Praat's SpeechSynthesizer via praat-parselmouth), one word per
  note, PSOLA-stretched to the note length and pitched to the melody with vibrato; panned centre.
- Backing Vocals: two eSpeak "ooh"/"aah" voices on chord tones (and a doubled phrase a third above the
  lead), panned wide left/right.
- FX: sparse GM sound/synth effects (seashore, applause, echoes, ...).

Every part plays through the whole song (with some rests), so every stem is present in every song (the
MDX SDR of an absent stem is undefined). Mixed at 44.1 kHz stereo; the mix is exactly the sum of the
stems. Rendered songs are cached under bench/.cache/ (float16 stems; the mix is re-summed on load).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from songforge.engines.separation.dsp.render import (
    DEBIAN_FLUIDR3,
    Note,
    SoundFontRenderer,
)
from songforge.engines.separation.stems import TWELVE_STEMS

if TYPE_CHECKING:
    import parselmouth

SAMPLE_RATE = 44100
CACHE_DIR = ROOT / "bench" / ".cache"
TESTSET_VERSION = 2

# Programs (1-based GM) the test songs draw from, per family.
TEST_PROGRAMS: dict[str, tuple[int, ...]] = {
    "Bass": (33, 34, 35, 36, 38, 39),
    "Guitar": (25, 26, 27, 28, 30),
    "Keyboard": (1, 2, 3, 5, 6, 17, 18, 19),
    "Strings": (41, 43, 49, 50, 51),
    "Brass": (57, 58, 60, 61, 62, 63),
    "Woodwinds": (66, 67, 69, 72, 74, 75),
    "Percussion": (9, 10, 12, 13, 14, 15, 115),
    "Synth": (81, 82, 85, 89, 90, 92),
    "FX": (98, 100, 102, 103, 123, 124, 126, 127),
}
# Level of each stem relative to the lead vocal, dB (randomised ±2 dB per song).
LEVELS_DB: dict[str, float] = {
    "Vocals": 0.0,
    "Backing Vocals": -7.0,
    "Drums": -1.0,
    "Bass": -3.0,
    "Guitar": -7.0,
    "Keyboard": -7.0,
    "Strings": -9.0,
    "Brass": -9.0,
    "Woodwinds": -10.0,
    "Percussion": -11.0,
    "Synth": -9.0,
    "FX": -14.0,
}
PANS: dict[str, float] = {
    "Bass": 0.0,
    "Guitar": -0.45,
    "Keyboard": 0.3,
    "Strings": -0.2,
    "Brass": 0.4,
    "Woodwinds": -0.35,
    "Percussion": 0.55,
    "Synth": -0.25,
    "FX": 0.2,
}
TEMPO_BPM = (88.0, 128.0)
PROGRESSIONS = ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (1, 4, 0, 5), (0, 3, 4, 3), (3, 0, 4, 5))
# eSpeak voices of the songs (lead, then two backing singers, per lead gender) and how they sing.
LANGUAGE = "English (America)"
VOICES: dict[str, tuple[str, str, str]] = {
    "female": ("Female1", "Female2", "Male3"),
    "male": ("Male1", "Male2", "Female3"),
}
VIBRATO_HZ = 5.5
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
LYRIC_WORDS = (
    "love",
    "heart",
    "night",
    "fire",
    "light",
    "dream",
    "rain",
    "home",
    "stay",
    "run",
    "time",
    "sky",
    "hold",
    "me",
    "now",
    "you",
    "and",
    "I",
    "we",
    "go",
    "down",
    "the",
    "road",
    "shine",
    "free",
    "say",
    "my",
    "name",
    "all",
    "way",
    "call",
    "soul",
)


@dataclass
class Song:
    seed: int
    sample_rate: int
    stems: dict[str, np.ndarray]  # float32 (2, n) keyed by the 12 Twelve names
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def present(self) -> tuple[str, ...]:
        """The stems that sound in this song (a held-out song may leave some out; they are then silent)."""
        return tuple(k for k, v in self.stems.items() if np.any(v))

    @property
    def mix(self) -> np.ndarray:
        out = np.zeros_like(next(iter(self.stems.values())))
        for s in self.stems.values():
            out += s
        return out


def pan_gains(pan: float) -> np.ndarray:
    theta = (pan + 1.0) * np.pi / 4.0
    return np.array([np.cos(theta), np.sin(theta)], dtype=np.float32) * np.float32(np.sqrt(2.0))


def _chord(root_pc: int, scale: tuple[int, ...], degree: int) -> list[int]:
    """Pitch classes (relative to C) of the diatonic triad on `degree`."""
    return [(root_pc + scale[(degree + k) % 7] + 12 * ((degree + k) // 7)) % 12 for k in (0, 2, 4)]


def chord_voicing(pcs: list[int], low: int, high: int, n: int) -> list[int]:
    """`n` pitches of the chord pitch classes, ascending from `low`, kept under `high`."""
    out: list[int] = []
    p = low
    while len(out) < n and p <= high:
        if p % 12 in pcs:
            out.append(p)
        p += 1
    return out


class Composer:
    """The parts of one song, drawn from its seed (bench/heldout.py subclasses it for the held-out songs)."""

    def __init__(self, seed: int, seconds: float):
        self.rng = np.random.default_rng(seed)
        self.tempo, self.key, self.scale, prog = self.draw_harmony()
        self.beat = 60.0 / self.tempo
        self.bar = 4 * self.beat
        self.n_bars = int(np.ceil(seconds / self.bar))
        self.chords = [_chord(self.key, self.scale, prog[b % 4]) for b in range(self.n_bars)]
        self.roots = [self.chords[b][0] for b in range(self.n_bars)]
        self.seconds = seconds

    def draw_harmony(self) -> tuple[float, int, tuple[int, ...], tuple[int, ...]]:
        """Tempo (bpm), key (pitch class), scale and four-chord progression (scale degrees)."""
        rng = self.rng
        tempo = float(rng.uniform(*TEMPO_BPM))
        key = int(rng.integers(0, 12))
        scale = MAJOR if rng.random() < 0.6 else MINOR
        return tempo, key, scale, PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]

    def t(self, bar: int, beat: float) -> float:
        return bar * self.bar + beat * self.beat

    def drums(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            for eighth in range(8):
                tb = eighth / 2
                if eighth in (0, 4) or (eighth == 5 and rng.random() < 0.4) or (eighth == 7 and rng.random() < 0.2):
                    notes.append(Note(self.t(b, tb), self.t(b, tb) + 0.1, 36, int(rng.integers(95, 120))))
                if eighth in (2, 6):
                    notes.append(Note(self.t(b, tb), self.t(b, tb) + 0.1, 38, int(rng.integers(90, 115))))
                hat = 46 if (eighth == 7 and b % 2 == 1) else 42
                notes.append(Note(self.t(b, tb), self.t(b, tb) + 0.05, hat, int(rng.integers(60, 90))))
            if b % 4 == 0:
                notes.append(Note(self.t(b, 0), self.t(b, 0) + 0.5, 49, 100))
            if b % 4 == 3 and rng.random() < 0.7:  # tom fill
                for k, key in enumerate((50, 47, 45, 43)):
                    notes.append(Note(self.t(b, 3 + k / 4), self.t(b, 3 + k / 4) + 0.1, key, 100))
        return notes

    def bass(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            root = 28 + (self.roots[b] - 4) % 12  # E1..D#2
            pattern = rng.choice(4)
            steps = [(0, 1.5), (1.5, 0.5), (2, 1.5), (3.5, 0.5)] if pattern < 2 else [(i, 0.9) for i in range(4)]
            for k, (start, dur) in enumerate(steps):
                p = root + (7 if (k == 3 and rng.random() < 0.4) else 0) + (12 if rng.random() < 0.15 else 0)
                notes.append(Note(self.t(b, start), self.t(b, start + dur * 0.95), int(p), int(rng.integers(90, 115))))
        return notes

    def guitar(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            chord = chord_voicing(self.chords[b], 52, 76, 5)
            for beat in (0, 1, 1.5, 2.5, 3) if rng.random() < 0.5 else (0, 2):
                vel = int(rng.integers(70, 100))
                for k, p in enumerate(chord):
                    st = self.t(b, beat) + 0.012 * k
                    notes.append(Note(st, self.t(b, beat) + 0.45 * self.beat * 2, p, vel))
        return notes

    def keyboard(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            chord = chord_voicing(self.chords[b], 55, 79, 4)
            for half in (0, 2):
                if rng.random() < 0.15:
                    continue
                for p in chord:
                    notes.append(Note(self.t(b, half), self.t(b, half + 1.8), p, int(rng.integers(70, 95))))
            notes.append(Note(self.t(b, 0), self.t(b, 3.8), 43 + (self.roots[b] - 7) % 12, 70))
        return notes

    def strings(self) -> list[Note]:
        notes = []
        for b in range(self.n_bars):
            chord = chord_voicing(self.chords[b], 60, 84, 3)
            for p in chord:
                notes.append(Note(self.t(b, 0), self.t(b, 4) - 0.02, p, 80))
        return notes

    def melody_line(self, low: int, high: int, density: float, bars_on: set[int]) -> list[Note]:
        rng, notes = self.rng, []
        prev = None
        for b in range(self.n_bars):
            if b not in bars_on:
                continue
            beat = 0.0
            while beat < 4:
                dur = float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))
                dur = min(dur, 4 - beat)
                if rng.random() < density:
                    cands = chord_voicing(self.chords[b], low, high, 12)
                    scale_pcs = [(self.key + s) % 12 for s in self.scale]
                    cands += [p for p in range(low, high + 1) if p % 12 in scale_pcs and rng.random() < 0.3]
                    if prev is not None:
                        last: int = prev
                        cands = sorted(cands, key=lambda p: abs(p - last))[:4]
                    p = int(rng.choice(cands))
                    prev = p
                    notes.append(Note(self.t(b, beat), self.t(b, beat + dur) - 0.03, p, int(rng.integers(80, 105))))
                beat += dur
        return notes

    def brass(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            if b % 2 == 1:
                chord = chord_voicing(self.chords[b], 55, 74, 3)
                for beat in (0, 2.5):
                    for p in chord:
                        notes.append(Note(self.t(b, beat), self.t(b, beat + 0.7), p, int(rng.integers(85, 110))))
            else:
                notes.extend(self.melody_line(58, 74, 0.6, {b}))
        return notes

    def woodwinds(self) -> list[Note]:
        return self.melody_line(67, 88, 0.75, set(range(self.n_bars)))

    def percussion(self) -> list[Note]:
        rng, notes = self.rng, []
        for b in range(self.n_bars):
            chord = chord_voicing(self.chords[b], 72, 96, 8)
            for eighth in range(8):
                if rng.random() < 0.7:
                    p = int(rng.choice(chord))
                    st = self.t(b, eighth / 2)
                    notes.append(Note(st, st + self.beat * 0.45, p, int(rng.integers(75, 105))))
        return notes

    def synth(self, program: int) -> list[Note]:
        rng = self.rng
        if program >= 89:  # pads: sustained chords
            notes = []
            for b in range(self.n_bars):
                for p in chord_voicing(self.chords[b], 48, 72, 4):
                    notes.append(Note(self.t(b, 0), self.t(b, 4) - 0.02, p, 85))
            return notes
        notes = []  # leads: a riff on alternate bars
        for b in range(self.n_bars):
            if b % 2 == 0:
                chord = chord_voicing(self.chords[b], 60, 84, 6)
                for q in range(8):
                    if rng.random() < 0.6:
                        st = self.t(b, q / 2)
                        notes.append(Note(st, st + self.beat * 0.4, int(rng.choice(chord)), 90))
        return notes

    def fx(self) -> list[Note]:
        rng, notes = self.rng, []
        every = 2
        for b in range(0, self.n_bars, every):
            if rng.random() < 0.85:
                st = self.t(b, float(rng.choice([0, 1, 2])))
                notes.append(Note(st, st + float(rng.uniform(1.5, 3.5)), int(rng.integers(55, 72)), 100))
        return notes


class Singer:
    """eSpeak (Praat SpeechSynthesizer) words, PSOLA-stretched and pitched to notes."""

    def __init__(self, voice: str, language: str = LANGUAGE, formant_shift: float = 1.0):
        from parselmouth.praat import call

        self.call = call
        self.synth = call("Create SpeechSynthesizer", language, voice)
        self.formant_shift = formant_shift
        self._words: dict[str, parselmouth.Sound] = {}

    def _word(self, word: str) -> parselmouth.Sound:
        if word not in self._words:
            _tg, snd = self.call(self.synth, "To Sound", word, "yes")
            x = snd.values[0]
            idx = np.flatnonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))
            if len(idx):
                snd = self.call(
                    snd,
                    "Extract part",
                    float(idx[0] / snd.sampling_frequency) - 0.01,
                    float(idx[-1] / snd.sampling_frequency) + 0.01,
                    "rectangular",
                    1.0,
                    "no",
                )
            if self.formant_shift != 1.0:  # Praat's "Change gender": formants only, pitch and length kept
                floor = max(75.0, 4.0 / snd.duration)  # its pitch analysis needs a few periods in the word
                snd = self.call(snd, "Change gender", floor, 600, self.formant_shift, 0, 1, 1)
            self._words[word] = snd
        return self._words[word]

    def sing(
        self, word: str, f0: float, duration: float, vibrato: float = 0.25, vibrato_hz: float = VIBRATO_HZ
    ) -> np.ndarray:
        call = self.call
        snd = self._word(word)
        d = snd.duration
        man = call(snd, "To Manipulation", 0.01, 70, 700)
        pt = call("Create PitchTier", "p", 0, d)
        n_pts = max(2, int(d / 0.02))
        for i in range(n_pts):
            tt = d * i / (n_pts - 1)
            real_t = tt / d * duration
            depth = vibrato * min(1.0, real_t / 0.3)
            call(pt, "Add point", tt, f0 * 2 ** (depth * np.sin(2 * np.pi * vibrato_hz * real_t) / 12))
        call([pt, man], "Replace pitch tier")
        dt = call("Create DurationTier", "d", 0, d)
        call(dt, "Add point", 0.0, max(0.3, duration / d))
        call([dt, man], "Replace duration tier")
        out = call(man, "Get resynthesis (overlap-add)")
        y: np.ndarray = out.values[0].astype(np.float32)
        sr = int(out.sampling_frequency)
        if sr != SAMPLE_RATE:
            from scipy.signal import resample_poly

            y = resample_poly(y, SAMPLE_RATE, sr).astype(np.float32)
        n_fade = min(len(y) // 4, int(0.02 * SAMPLE_RATE))
        if n_fade > 0:
            y[-n_fade:] *= np.linspace(1, 0, n_fade, dtype=np.float32)
        return y


def place(track: np.ndarray, y: np.ndarray, start: float) -> None:
    s = round(start * SAMPLE_RATE)
    n = min(y.shape[-1], track.shape[-1] - s)
    if n > 0:
        track[..., s : s + n] += y[..., :n]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


def render_song(seed: int, seconds: float, soundfont: str = DEBIAN_FLUIDR3) -> Song:
    """Compose and render one song (deterministic in `seed`)."""
    import pretty_midi

    if not os.path.isfile(soundfont):
        raise FileNotFoundError(
            f"{soundfont} is missing: install Debian's fluid-soundfont-gm (`make apt-deps`); the benchmark "
            "renders its songs with a soundfont other than the TimGM6mb the dictionaries learn from."
        )
    comp = Composer(seed, seconds)
    rng = comp.rng
    n = round(seconds * SAMPLE_RATE)
    renderer = SoundFontRenderer(soundfont, SAMPLE_RATE)
    pm = pretty_midi.PrettyMIDI(initial_tempo=comp.tempo)
    stems: dict[str, np.ndarray] = {}
    programs: dict[str, int] = {}

    def add_inst(name: str, notes: list[Note], program: int, is_drum: bool = False) -> None:
        inst = pretty_midi.Instrument(program=max(0, program - 1), is_drum=is_drum, name=name)
        for nt in notes:
            if nt.start < seconds:
                inst.notes.append(pretty_midi.Note(nt.velocity, nt.pitch, nt.start, min(nt.end, seconds)))
        pm.instruments.append(inst)
        pan = PANS.get(name, 0.0) * (1 if seed % 2 == 0 else -1)
        audio = renderer.render(
            [Note(x.start, x.end, x.pitch, x.velocity) for x in inst.notes],
            max(0, program - 1),
            is_drum=is_drum,
            duration=seconds,
            pan=pan,
        )
        stems[name] = audio
        programs[name] = program

    add_inst("Drums", comp.drums(), 0, is_drum=True)
    for fam in ("Bass", "Guitar", "Keyboard", "Strings", "Brass", "Woodwinds", "Percussion", "Synth", "FX"):
        prog = int(rng.choice(TEST_PROGRAMS[fam]))
        makers: dict[str, Callable[[], list[Note]]] = {
            "Bass": comp.bass,
            "Guitar": comp.guitar,
            "Keyboard": comp.keyboard,
            "Strings": comp.strings,
            "Brass": comp.brass,
            "Woodwinds": comp.woodwinds,
            "Percussion": comp.percussion,
            "Synth": functools.partial(comp.synth, prog),
            "FX": comp.fx,
        }
        notes = makers[fam]()
        add_inst(fam, notes, prog)

    # --- vocals
    female = rng.random() < 0.5
    voices = VOICES["female" if female else "male"]
    lead_singer = Singer(voices[0])
    low, high = (60, 76) if female else (50, 67)
    lead_bars = {b for b in range(comp.n_bars) if b % 4 != 3}
    melody = comp.melody_line(low, high, 0.85, lead_bars)
    lead = np.zeros(n, dtype=np.float32)
    lyrics = []
    for nt in melody:
        w = str(rng.choice(LYRIC_WORDS))
        lyrics.append(w)
        y = lead_singer.sing(w, 440.0 * 2 ** ((nt.pitch - 69) / 12), nt.end - nt.start)
        place(lead, y * (nt.velocity / 100), nt.start)
    stems["Vocals"] = np.stack([lead, lead])  # centre
    backing_voices = [Singer(voices[1]), Singer(voices[2])]
    back = np.zeros((2, n), dtype=np.float32)
    for b in range(comp.n_bars):
        if b % 2 == 1 or b % 4 == 3:
            pcs = comp.chords[b]
            for v, (singer, pan) in enumerate(zip(backing_voices, (-0.75, 0.75), strict=True)):
                cands = chord_voicing(pcs, low - 5, high, 6)
                p = cands[(v * 2 + b) % len(cands)]
                word = ("ooh", "aah")[(b // 2) % 2]
                y = singer.sing(word, 440.0 * 2 ** ((p - 69) / 12), comp.bar * 0.95, vibrato=0.15)
                g = pan_gains(pan * (1 if seed % 2 == 0 else -1))
                place(back, g[:, None] * y[None, :], comp.t(b, 0))
    stems["Backing Vocals"] = back

    # --- levels: each stem to its relative RMS (± 2 dB), then one master gain (peak 0.9)
    ref = 0.1
    for name, st in stems.items():
        target = ref * 10 ** ((LEVELS_DB[name] + rng.uniform(-2, 2)) / 20)
        st *= np.float32(target / rms(st))
    mix = sum(stems.values())
    master_gain = np.float32(0.9 / max(1e-9, float(np.max(np.abs(mix)))))
    stems = {k: (stems[k] * master_gain).astype(np.float32) for k in TWELVE_STEMS}
    meta = {
        "seed": seed,
        "seconds": seconds,
        "tempo": round(comp.tempo, 2),
        "key": comp.key,
        "programs": programs,
        "female_lead": bool(female),
        "lyrics": " ".join(lyrics),
        "soundfont": os.path.basename(soundfont),
    }
    return Song(seed, SAMPLE_RATE, stems, meta)


def load_song(seed: int, seconds: float, cache_dir: Path | None = CACHE_DIR) -> Song:
    """A rendered song, from bench/.cache/ when there (float16 stems), else rendered and cached."""
    path = None if cache_dir is None else Path(cache_dir) / f"song-v{TESTSET_VERSION}-seed{seed}-{seconds:g}s.npz"
    return cached_song(path, lambda: render_song(seed, seconds))


def cached_song(path: Path | None, render: Callable[[], Song]) -> Song:
    """The song stored at `path`, else `render()` stored there first (None: render, store nothing)."""
    if path is None:
        return render()
    if not path.is_file():
        write_song(render(), path)
    return read_song(path)  # the same float16-rounded stems every time


def read_song(path: Path) -> Song:
    with np.load(path, allow_pickle=False) as z:
        stems = {name: z[f"stem{i}"].astype(np.float32) for i, name in enumerate(TWELVE_STEMS)}
        meta = json.loads(str(z["meta"]))
    return Song(int(meta["seed"]), SAMPLE_RATE, stems, meta)


def write_song(song: Song, path: Path, exact: bool = False) -> None:
    """Store a song: float16 stems, compressed (the cache), or `exact` float32 ones, uncompressed (a hand-over)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    dtype = np.float32 if exact else np.float16
    # Any-typed values: numpy's stub can't tell these names apart from savez_compressed's allow_pickle.
    arrays: dict[str, Any] = {
        "meta": json.dumps(song.meta),
        **{f"stem{i}": song.stems[nm].astype(dtype) for i, nm in enumerate(TWELVE_STEMS)},
    }
    (np.savez if exact else np.savez_compressed)(tmp, **arrays)
    os.replace(tmp, path)


def build_testset(
    n_songs: int = 4, seconds: float = 30.0, base_seed: int = 1000, cache_dir: Path | None = CACHE_DIR
) -> list[Song]:
    return [load_song(base_seed + i, seconds, cache_dir) for i in range(n_songs)]


if __name__ == "__main__":  # render and write the stems as wav for listening
    import argparse

    import soundfile as sf

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--out", default=str(CACHE_DIR / "wav"))
    a = ap.parse_args()
    s = load_song(a.seed, a.seconds)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sf.write(out / f"mix-{a.seed}.wav", s.mix.T, SAMPLE_RATE)
    for k, v in s.stems.items():
        sf.write(out / f"{k.replace(' ', '_').lower()}-{a.seed}.wav", v.T, SAMPLE_RATE)
    print(s.meta)
