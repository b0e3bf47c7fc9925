"""Play one part's notes through a General MIDI soundfont, in-process with tinysoundfont (no audio device)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tinysoundfont

from songforge.engines.generation.score import InstrumentChoice, Note

DRUM_CHANNEL = 9
MELODIC_CHANNEL = 0
DRUM_BANK = 128  # where soundfonts keep their GM drum kits
BYTES_PER_FRAME = 8  # stereo float32
# GM drum sounds are one-shots: a short written note must not choke a cymbal, so a hit rings at least this long
# (or until the same drum is struck again).
DRUM_RING_S = 2.0
# Voices left sounding after a part (long releases) must not leak into the next part rendered on the same synth.
FLUSH_FRAMES = 8192
SCRATCH_FRAMES = 16384

# (frame, order, key, velocity): order 0 is a note-off, so at equal frames a re-struck key is released first.
Event = tuple[int, int, int, int]


class SoundFontSynth:
    """One loaded soundfont that renders parts one at a time to stereo float32 (2, frames)."""

    def __init__(self, soundfont: Path, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._synth = tinysoundfont.Synth(samplerate=sample_rate)
        self._soundfont_id = self._synth.sfload(str(soundfont), max_voices=256)
        self._scratch = np.empty((SCRATCH_FRAMES, 2), dtype=np.float32)
        self._scratch_bytes = self._scratch.data.cast("B")

    def render(self, notes: Sequence[Note], instrument: InstrumentChoice, frames: int) -> np.ndarray:
        """The notes played by `instrument` (its GM program, or the drum kit) over exactly `frames` samples."""
        channel = self._select(instrument)
        audio = np.empty((2, frames), dtype=np.float32)
        position = 0
        for frame, order, key, velocity in note_events(notes, self.sample_rate, is_drum=instrument.is_drum):
            if frame >= frames:
                break
            if frame > position:
                self._fill(audio, position, frame)
                position = frame
            if order == 1:
                self._synth.noteon(channel, key, velocity)
            else:
                self._synth.noteoff(channel, key)
        if position < frames:
            self._fill(audio, position, frames)
        self._silence()
        return audio

    def _fill(self, audio: np.ndarray, start: int, stop: int) -> None:
        # tinysoundfont writes interleaved frames, as many as the buffer holds; going through a small scratch
        # buffer saves a second song-length copy for the (2, n) layout.
        for chunk_start in range(start, stop, SCRATCH_FRAMES):
            chunk = min(SCRATCH_FRAMES, stop - chunk_start)
            self._synth.generate_simple(chunk, buffer=self._scratch_bytes[: chunk * BYTES_PER_FRAME])
            audio[:, chunk_start : chunk_start + chunk] = self._scratch[:chunk].T

    def _select(self, instrument: InstrumentChoice) -> int:
        if instrument.is_drum:
            self._synth.program_select(DRUM_CHANNEL, self._soundfont_id, DRUM_BANK, 0, True)
            channel = DRUM_CHANNEL
        else:
            try:
                self._synth.program_select(MELODIC_CHANNEL, self._soundfont_id, 0, instrument.program, False)
            except RuntimeError:  # a soundfont without this program: a piano is better than silence
                self._synth.program_select(MELODIC_CHANNEL, self._soundfont_id, 0, 0, False)
            channel = MELODIC_CHANNEL
        # Level and pan are the mixer's job (effects.py): keep the synth's channel neutral.
        self._synth.control_change(channel, 7, 100)
        self._synth.control_change(channel, 10, 64)
        return channel

    def _silence(self) -> None:
        self._synth.sounds_off()
        self._synth.generate_simple(FLUSH_FRAMES)


def note_events(notes: Sequence[Note], sample_rate: int, *, is_drum: bool) -> list[Event]:
    """Note-on/off events in frame order. A key struck again is released just before (never cut by the
    earlier note's late note-off), and drum hits ring for DRUM_RING_S unless struck again."""
    last_start_of_key: dict[int, int] = {}
    spans: list[tuple[int, int, int, int]] = []  # (start, end, key, velocity), reversed in time
    for note in sorted(notes, key=lambda n: n.start, reverse=True):
        key = min(max(note.pitch, 0), 127)
        start = max(0, round(note.start * sample_rate))
        end_s = max(note.end, note.start + DRUM_RING_S) if is_drum else note.end
        end = max(start + 1, round(end_s * sample_rate))
        if key in last_start_of_key:
            end = max(start + 1, min(end, last_start_of_key[key]))
        last_start_of_key[key] = start
        spans.append((start, end, key, min(max(note.velocity, 1), 127)))
    events: list[Event] = []
    for start, end, key, velocity in spans:
        events.append((start, 1, key, velocity))
        events.append((end, 0, key, 0))
    events.sort()
    return events
