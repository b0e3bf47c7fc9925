"""Per-family spectral dictionaries learned from a General MIDI soundfont (TimGM6mb by default).

Which GM programs (1-based, as printed in the GM table) belong to which Twelve stem:

| stem        | GM programs                                                                  |
|-------------|------------------------------------------------------------------------------|
| Keyboard    | 1-8 pianos/EP/harpsichord/clavinet, 17-24 organs/accordion/harmonica         |
| Percussion  | 9-16 chromatic percussion, 48 timpani, 109 kalimba, 113-120 percussive        |
| Guitar      | 25-32 guitars, 105-108 sitar/banjo/shamisen/koto                             |
| Bass        | 33-40                                                                        |
| Strings     | 41-47, 49-55 (solo strings, ensembles, choir/voice pads), 111 fiddle         |
| Brass       | 57-64                                                                        |
| Woodwinds   | 65-80 reeds and pipes, 110 bagpipe, 112 shanai                               |
| Synth       | 81-96 synth leads and pads                                                   |
| FX          | 97-104 synth effects, 121-128 sound effects, 56 orchestra hit                |
| Drums       | the channel-10 GM kit                                                        |

Learning renders a handful of representative programs per family, one note per semitone of the
family's range, and keeps the mean power spectrum of each note (in the log-linear bands of
`bands.py`) as one template. It is deterministic, takes ~1-3 s, and the result is cached in memory
per process and (optionally) as a .npz in a cache directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from songforge.engines.separation.dsp import bands
from songforge.engines.separation.dsp.render import (
    Note,
    SoundFontRenderer,
    timgm6mb_path,
)
from songforge.engines.separation.stft import HOP, MODEL_SAMPLE_RATE, N_FFT, stft

log = logging.getLogger(__name__)

DICTIONARY_VERSION = 3

# GM program → Twelve stem (1-based program numbers, see the module docstring).
FAMILY_PROGRAMS: dict[str, tuple[int, ...]] = {
    "Keyboard": (*range(1, 9), *range(17, 25)),
    "Percussion": (*range(9, 17), 48, 109, *range(113, 121)),
    "Guitar": (*range(25, 33), *range(105, 109)),
    "Bass": tuple(range(33, 41)),
    "Strings": (*range(41, 48), *range(49, 56), 111),
    "Brass": tuple(range(57, 65)),
    "Woodwinds": (*range(65, 81), 110, 112),
    "Synth": tuple(range(81, 97)),
    "FX": (*range(97, 105), *range(121, 129), 56),
}


def family_of_program(program_1based: int) -> str:
    for fam, progs in FAMILY_PROGRAMS.items():
        if program_1based in progs:
            return fam
    raise ValueError(f"GM program {program_1based} out of range")


# What the dictionary learns from: representative programs (1-based) and the MIDI pitch range.
LEARN_SPEC: dict[str, tuple[tuple[int, ...], tuple[int, int], int]] = {
    # family: (programs, (low, high) pitch, pitch step)
    "Bass": ((33, 34, 35, 36, 37, 38, 39, 40), (28, 50), 1),
    "Guitar": ((25, 26, 28, 30), (40, 81), 1),
    "Keyboard": ((1, 5, 7, 17, 19), (36, 88), 1),
    "Strings": ((41, 43, 49, 46, 53), (36, 91), 1),
    "Brass": ((57, 58, 61, 62, 63), (40, 82), 1),
    "Woodwinds": ((69, 72, 74, 65, 66), (50, 93), 1),
    "Synth": ((81, 82, 89, 90, 91), (36, 88), 1),
    "Percussion": ((10, 12, 13, 14, 115), (53, 96), 1),
}  # no FX templates: GM effects are pitched pads as close to the other families as those are to each
# other, so their NMF share was mostly other instruments' energy (Twelve finds FX as noise textures)

# GM drum keys used for the drum dictionary (kick, snares, toms, hats, cymbals, hand percussion).
DRUM_KEYS: tuple[int, ...] = (35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 55, 57, 59)

PITCHED_FAMILIES: tuple[str, ...] = (
    "Bass",
    "Guitar",
    "Keyboard",
    "Strings",
    "Brass",
    "Woodwinds",
    "Synth",
    "Percussion",
)

NOTE_SECONDS = 0.5
RELEASE_SECONDS = 0.15


@dataclass(frozen=True)
class Dictionary:
    """Templates as columns of `W` ((bands, K), each column sums to 1) with a family label each."""

    W: np.ndarray  # float32 (bands, K)
    families: tuple[str, ...]  # family per column
    pitches: np.ndarray  # int (K,) MIDI pitch (0 for drums)
    source: str  # soundfont file name the templates came from

    def columns(self, family: str) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.families) == family)


_lock = threading.Lock()
_memory_cache: dict[str, Dictionary] = {}


def _note_power_spectrum(audio: np.ndarray) -> np.ndarray:
    """Mean power spectrum over the frames of a mono signal (frames from its first sample on, not
    centred; at least one) → (N_BINS,)."""
    if len(audio) < N_FFT:
        audio = np.pad(audio, (0, N_FFT - len(audio)))
    power: np.ndarray = (np.abs(stft(audio[None], center=False)[0]) ** 2).mean(axis=1)
    return power


def learn_dictionary(sf2_path: str | os.PathLike[str] | None = None) -> Dictionary:
    """Render the LEARN_SPEC notes and drum keys through the soundfont and build templates."""
    sf2 = Path(sf2_path) if sf2_path else timgm6mb_path()
    sr = MODEL_SAMPLE_RATE
    renderer = SoundFontRenderer(sf2, sr)
    fb = bands.band_matrix()
    cols: list[np.ndarray] = []
    fams: list[str] = []
    pitches: list[int] = []
    dur = NOTE_SECONDS + RELEASE_SECONDS
    for fam in PITCHED_FAMILIES:
        programs, (lo, hi), step = LEARN_SPEC[fam]
        keys = list(range(lo, hi + 1, step))
        for prog in programs:
            # one render per program: all notes one after another, then cut per note
            notes = [Note(i * dur, i * dur + NOTE_SECONDS, k, 100) for i, k in enumerate(keys)]
            audio = renderer.render(notes, prog - 1, duration=len(keys) * dur).mean(axis=0)
            seg = int(dur * sr)
            for i, k in enumerate(keys):
                x = audio[i * seg : (i + 1) * seg]
                if np.max(np.abs(x)) < 1e-5:
                    continue  # the soundfont has no sample there
                cols.append(_note_power_spectrum(x).astype(np.float32))
                fams.append(fam)
                pitches.append(k)
    dseg = 0.6
    notes = [Note(i * dseg, i * dseg + 0.3, k, 100) for i, k in enumerate(DRUM_KEYS)]
    audio = renderer.render(notes, 0, is_drum=True, duration=len(DRUM_KEYS) * dseg).mean(axis=0)
    seg = int(dseg * sr)
    for i in range(len(DRUM_KEYS)):
        x = audio[i * seg : (i + 1) * seg]
        if np.max(np.abs(x)) < 1e-5:
            continue
        # drums: the first 0.2 s (the hit) matters most
        cols.append(_note_power_spectrum(x[: int(0.25 * sr)]).astype(np.float32))
        fams.append("Drums")
        pitches.append(0)
    W = fb @ np.stack(cols, axis=1)  # (bands, K): one batched product
    # magnitude-like templates (sqrt of power), normalised to unit sum
    W = np.sqrt(np.maximum(W, 0.0))
    W /= np.maximum(W.sum(axis=0, keepdims=True), 1e-12)
    return Dictionary(W.astype(np.float32), tuple(fams), np.asarray(pitches), sf2.name)


def _cache_key(sf2: Path) -> str:
    st = sf2.stat()
    h = hashlib.sha256(f"{DICTIONARY_VERSION}|{sf2.name}|{st.st_size}|{N_FFT}|{HOP}".encode())
    h.update(repr(sorted(LEARN_SPEC.items())).encode())
    h.update(repr(DRUM_KEYS).encode())
    return h.hexdigest()[:16]


def get_dictionary(cache_dir: str | os.PathLike[str] | None = None, sf2_path: str | None = None) -> Dictionary:
    """The learned dictionary: from memory, else from `cache_dir`, else learned now (then cached in
    memory, and in `cache_dir` when given — the Twelve pipeline passes `<model_dir>/dsp-cache`)."""
    sf2 = Path(sf2_path) if sf2_path else timgm6mb_path()
    key = _cache_key(sf2)
    with _lock:
        path = Path(cache_dir) / f"gm-dictionary-{key}.npz" if cache_dir is not None else None
        d = _memory_cache.get(key)
        if d is None and path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as z:
                    d = Dictionary(
                        z["W"].astype(np.float32),
                        tuple(str(f) for f in z["families"]),
                        z["pitches"],
                        str(z["source"]),
                    )
            except Exception:  # noqa: BLE001 - a corrupt cache file is relearned
                log.warning("ignoring unreadable dictionary cache %s", path)
                d = None
        if d is None:
            d = learn_dictionary(sf2)
        _memory_cache[key] = d
        if path is not None and not path.is_file():
            _save(d, path)
        return d


def _save(d: Dictionary, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(fd)
        np.savez(tmp, W=d.W, families=np.asarray(d.families), pitches=d.pitches, source=d.source)
        os.replace(tmp, path)
    except OSError:
        log.warning("could not write dictionary cache to %s", path)
