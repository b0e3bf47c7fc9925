"""Render notes through a SoundFont in-process (tinysoundfont), no audio device, no system libraries.

Used to learn the per-family spectral dictionaries (from the TimGM6mb soundfont that pretty_midi's
wheel ships) and by the benchmark's test-set builder (FluidR3_GM, a different soundfont).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DEBIAN_FLUIDR3 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
DRUM_CHANNEL = 9


def timgm6mb_path() -> Path:
    """The TimGM6mb.sf2 soundfont inside pretty_midi's installed package."""
    import pretty_midi

    path = Path(os.path.dirname(pretty_midi.__file__)) / "TimGM6mb.sf2"
    if not path.is_file():  # pragma: no cover - depends on the wheel
        raise FileNotFoundError(f"TimGM6mb.sf2 not found in pretty_midi ({path})")
    return path


@dataclass(frozen=True)
class Note:
    start: float  # seconds
    end: float  # seconds (note-off)
    pitch: int  # MIDI key
    velocity: int = 100


@lru_cache(maxsize=4)
def _soundfont_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _new_synth(sf2_path: str | os.PathLike[str], sample_rate: int) -> tuple[Any, int]:
    try:
        import tinysoundfont
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The Twelve stem pipeline renders its instrument dictionaries with the 'tinysoundfont' package; "
            "install it (pip install --no-deps tinysoundfont: its optional pyaudio dependency is not needed)."
        ) from exc

    synth = tinysoundfont.Synth(samplerate=sample_rate)
    sfid = synth.sfload(_soundfont_bytes(str(sf2_path)), max_voices=256)
    return synth, sfid


class SoundFontRenderer:
    """One loaded soundfont; renders one instrument (program or drum kit) at a time to stereo float32."""

    def __init__(self, sf2_path: str | os.PathLike[str], sample_rate: int = 44100) -> None:
        self.sf2_path = str(sf2_path)
        self.sample_rate = sample_rate
        self._synth, self._sfid = _new_synth(self.sf2_path, sample_rate)

    def render(
        self,
        notes: Iterable[Note],
        program: int,
        *,
        is_drum: bool = False,
        duration: float | None = None,
        pan: float = 0.0,
        volume: int = 100,
        tail: float = 1.0,
    ) -> np.ndarray:
        """Render `notes` with GM `program` (0-based; ignored for drums) → float32 (2, samples).

        pan in [-1, 1] (MIDI CC10), volume MIDI CC7. `duration` fixes the length (else last note-off + tail).
        """
        synth, sr = self._synth, self.sample_rate
        chan = DRUM_CHANNEL if is_drum else 0
        synth.sounds_off()
        if is_drum:
            synth.program_select(chan, self._sfid, 128, 0, True)
        else:
            synth.program_select(chan, self._sfid, 0, int(program), False)
        synth.control_change(chan, 7, int(np.clip(volume, 0, 127)))
        synth.control_change(chan, 10, int(np.clip(round(64 + pan * 63), 0, 127)))
        synth.control_change(chan, 91, 0)  # no reverb send
        synth.control_change(chan, 93, 0)  # no chorus send
        events: list[tuple[int, int, int, int]] = []  # (sample, order, key, velocity) ; order 0 = off first
        last = 0.0
        for n in notes:
            s = max(0, round(n.start * sr))
            e = max(s + 1, round(n.end * sr))
            events.append((s, 1, n.pitch, n.velocity))
            events.append((e, 0, n.pitch, 0))
            last = max(last, n.end)
        events.sort()
        total = round((duration if duration is not None else last + tail) * sr)
        out = np.zeros((total, 2), dtype=np.float32)
        pos = 0
        for sample, order, key, vel in events:
            sample = min(sample, total)
            if sample > pos:
                buf = synth.generate(sample - pos)
                out[pos:sample] = np.frombuffer(buf, dtype=np.float32).reshape(-1, 2)
                pos = sample
            if sample >= total:
                break
            if order == 1:
                synth.noteon(chan, key, vel)
            else:
                synth.noteoff(chan, key)
        if pos < total:
            buf = synth.generate(total - pos)
            out[pos:] = np.frombuffer(buf, dtype=np.float32).reshape(-1, 2)
        synth.sounds_off()
        # flush voices so the next render starts silent
        synth.generate(1024)
        return np.ascontiguousarray(out.T)
