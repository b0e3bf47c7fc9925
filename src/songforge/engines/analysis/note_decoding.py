"""basic-pitch's note decoding (note_creation.output_to_notes_polyphonic), re-written because importing it
needs mir_eval and resampy; pitch bends are left out.

Notes start where the onset activation peaks over a threshold (or the note activation jumps) and last while
the note activation stays up; then the "melodia trick" turns what is left of strong note activation into
notes that had no clear onset, strongest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from songforge.engines.analysis.basic_pitch_model import NoteActivations

LOWEST_KEY = 21  # MIDI key of the activations' first column (A0)
ONSET_THRESHOLD = 0.5
FRAME_THRESHOLD = 0.3
ENERGY_TOLERANCE = 11  # frames a note may dip under FRAME_THRESHOLD and still go on
ONSET_DIFFERENCES = 2  # inferred onsets: the note activation's rise over up to this many frames


@dataclass(frozen=True)
class FrameNote:
    start: int  # frame
    end: int  # frame, exclusive
    key: int  # MIDI
    amplitude: float  # mean note activation over the note, 0 … 1


def decode_notes(activations: NoteActivations, min_frames: int) -> list[FrameNote]:
    """The notes in the activations, each longer than `min_frames` frames."""
    notes = activations.notes
    onsets = inferred_onsets(activations.onsets, notes)
    remaining = notes.copy()
    found = notes_from_onsets(notes, onsets, remaining, min_frames)
    return found + notes_from_remaining_energy(notes, remaining, min_frames)


def inferred_onsets(onsets: np.ndarray, notes: np.ndarray) -> np.ndarray:
    """The onset activation, or where larger the note activation's rise rescaled to the onsets' peak."""
    padded = np.concatenate([np.zeros((ONSET_DIFFERENCES, notes.shape[1]), dtype=notes.dtype), notes])
    frame_count = notes.shape[0]
    rises = [
        padded[ONSET_DIFFERENCES:] - padded[ONSET_DIFFERENCES - lag : ONSET_DIFFERENCES - lag + frame_count]
        for lag in range(1, ONSET_DIFFERENCES + 1)
    ]
    rise = np.maximum(np.min(rises, axis=0), 0.0)
    rise[:ONSET_DIFFERENCES] = 0.0
    peak = float(rise.max())
    if peak > 0.0:
        rise = rise * (float(onsets.max()) / peak)
    return np.asarray(np.maximum(onsets, rise))


def notes_from_onsets(notes: np.ndarray, onsets: np.ndarray, remaining: np.ndarray, min_frames: int) -> list[FrameNote]:
    """A note at every onset peak over ONSET_THRESHOLD, latest first; their energy is taken out of `remaining`."""
    frame_count = notes.shape[0]
    peaks = np.zeros_like(onsets)
    at_peak = scipy.signal.argrelmax(onsets, axis=0)
    peaks[at_peak] = onsets[at_peak]
    starts, keys = np.nonzero(peaks >= ONSET_THRESHOLD)
    found = []
    for start, key in zip(starts[::-1], keys[::-1], strict=True):
        if start >= frame_count - 1:
            continue
        end = sounding_until(remaining[:, key], start + 1, step=1)
        if end - start <= min_frames:
            continue
        remaining[start:end, max(key - 1, 0) : key + 2] = 0.0
        found.append(FrameNote(int(start), int(end), int(key) + LOWEST_KEY, float(notes[start:end, key].mean())))
    return found


def notes_from_remaining_energy(notes: np.ndarray, remaining: np.ndarray, min_frames: int) -> list[FrameNote]:
    """basic-pitch's melodia trick: from the strongest cell left, follow the key forwards and backwards while it
    sounds, clearing it (and its neighbours) as it goes. Cells only ever get cleared, so visiting them in
    order of their value once is the same as taking the maximum again each time."""
    key_count = remaining.shape[1]
    order = np.argsort(-remaining, axis=None, kind="stable")
    order = order[remaining.ravel()[order] > FRAME_THRESHOLD]
    found = []
    for cell in order:
        middle, key = divmod(int(cell), key_count)
        if remaining[middle, key] <= FRAME_THRESHOLD:
            continue
        remaining[middle, key] = 0.0
        end = cleared_while_sounding(remaining, middle + 1, key, step=1)
        start = cleared_while_sounding(remaining, middle - 1, key, step=-1)
        if end - start <= min_frames:
            continue
        found.append(FrameNote(start, end, key + LOWEST_KEY, float(notes[start:end, key].mean())))
    return found


def sounding_until(energy: np.ndarray, frame: int, step: int) -> int:
    """The frame after the last one of a run (from `frame`, in direction `step`) that stays over FRAME_THRESHOLD
    with gaps shorter than ENERGY_TOLERANCE."""
    quiet = 0
    while 0 < frame < energy.size - 1 and quiet < ENERGY_TOLERANCE:
        quiet = quiet + 1 if energy[frame] < FRAME_THRESHOLD else 0
        frame += step
    return frame - step * quiet


def cleared_while_sounding(remaining: np.ndarray, frame: int, key: int, step: int) -> int:
    """Like `sounding_until`, clearing the key and its neighbours on every frame passed; returns the note's last
    frame going forwards (basic-pitch's melodia notes end one frame early), its first frame going backwards."""
    frame_count = remaining.shape[0]
    quiet = 0
    while 0 < frame < frame_count - 1 and quiet < ENERGY_TOLERANCE:
        quiet = quiet + 1 if remaining[frame, key] < FRAME_THRESHOLD else 0
        remaining[frame, max(key - 1, 0) : key + 2] = 0.0
        frame += step
    return frame - 1 - quiet if step > 0 else frame + 1 + quiet
