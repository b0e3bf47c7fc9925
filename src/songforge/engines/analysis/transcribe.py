"""Notes from audio: basic-pitch's model (ONNX, CPU) and its note decoding, for songs songforge did not make."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.analysis.basic_pitch_model import FRAMES_PER_SECOND, MODEL_RATE, frame_times, note_activations
from songforge.engines.analysis.note_decoding import decode_notes
from songforge.engines.analysis.signal import mono_at
from songforge.engines.progress import ProgressCallback, no_progress

# Shorter notes are dropped (basic-pitch's own default is 128 ms, which loses sung sixteenths at 120 BPM).
MIN_NOTE_S = 0.07


@dataclass(frozen=True)
class TranscribedNote:
    start: float  # seconds
    end: float  # seconds
    pitch: int  # MIDI key
    velocity: float  # 0 … 1: how surely the model hears the note, on average over its length


def transcribe(
    audio: np.ndarray, sample_rate: int, progress: ProgressCallback = no_progress
) -> tuple[TranscribedNote, ...]:
    """Every note played or sung in (channels, samples) or mono audio, in order of start then pitch."""
    signal = mono_at(audio, sample_rate, MODEL_RATE)
    activations = note_activations(signal, progress)
    times = frame_times(activations.frame_count)
    found = decode_notes(activations, min_frames=round(MIN_NOTE_S * FRAMES_PER_SECOND))
    notes = (
        TranscribedNote(float(times[note.start]), float(times[note.end]), note.key, note.amplitude) for note in found
    )
    return tuple(sorted(notes, key=lambda note: (note.start, note.pitch)))
