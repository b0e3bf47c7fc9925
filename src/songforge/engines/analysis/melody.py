"""The tune of a singer's (separated) vocals: the one line a voice sings through basic-pitch's note activations.

Separated vocals are not one clean voice: a harmony a third or sixth away, overtones an octave up, instruments
bleeding through and consonants all light up notes of their own, and every extra note shifts the tune a cover
sings syllable by syllable. `sung_melody` therefore reads the activations as a single voice (a Viterbi path over
the keys and silence) that prefers the strongest key and changes key only when the new one earns it; a held key
is split into repeated notes only where the onset activation says the singer struck it again.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.signal

from songforge.engines.analysis.basic_pitch_model import (
    FRAMES_PER_SECOND,
    MODEL_RATE,
    NoteActivations,
    frame_times,
    note_activations,
)
from songforge.engines.analysis.note_decoding import LOWEST_KEY
from songforge.engines.analysis.signal import mono_at
from songforge.engines.analysis.transcribe import TranscribedNote
from songforge.engines.progress import ProgressCallback, no_progress

# Notes shorter than this are ornaments or transcription noise, not the tune.
MIN_MELODY_NOTE_S = 0.08
# The keys a lead singer's notes can be on (E2 … C6): below is the bass, above are overtones.
LOWEST_SUNG_KEY = 40
HIGHEST_SUNG_KEY = 84
# The note activation at which "this key is sung" and "nobody sings" are as likely.
SILENCE_LEVEL = 0.2
# Log-likelihood a key change must earn over the key held: a wobble into a neighbour seldom pays it, a new
# sung note does.
KEY_CHANGE_COST = 1.0
LEAP_COST_PER_SEMITONE = 0.05  # a near note is likelier than a far one
VOICING_COST = 0.5  # to start or stop singing
# Onset activation over which a held key was struck again: a new syllable on the same pitch.
RESTRIKE_ONSET = 0.65
# Each part of a re-struck note lasts at least this long (vibrato stirs the onsets of a long note too).
MIN_RESTRIKE_S = 0.12
ACTIVATION_FLOOR = 1e-4  # keeps the log of a silent key finite


def sung_melody(
    audio: np.ndarray, sample_rate: int, progress: ProgressCallback = no_progress
) -> tuple[TranscribedNote, ...]:
    """The one line a voice sings in (channels, samples) or mono vocals, in order; see `sung_line`."""
    return sung_line(note_activations(mono_at(audio, sample_rate, MODEL_RATE), progress))


def sung_line(activations: NoteActivations) -> tuple[TranscribedNote, ...]:
    """The activations read as one voice: a note wherever the Viterbi path holds a key, split where that key is
    struck again; notes shorter than MIN_MELODY_NOTE_S are dropped."""
    first = LOWEST_SUNG_KEY - LOWEST_KEY
    levels = activations.notes[:, first : HIGHEST_SUNG_KEY - LOWEST_KEY + 1]
    onsets = activations.onsets[:, first : HIGHEST_SUNG_KEY - LOWEST_KEY + 1]
    path = voice_path(levels)
    times = frame_times(path.size + 1)
    shortest = round(MIN_MELODY_NOTE_S * FRAMES_PER_SECOND)
    notes = []
    for start, end in runs_of(path):
        column = int(path[start])
        if column == levels.shape[1]:  # silence
            continue
        bounds = [start, *(start + restrikes(onsets[start:end, column])), end]
        for left, right in itertools.pairwise(bounds):
            if right - left >= shortest:
                level = float(levels[left:right, column].mean())
                notes.append(TranscribedNote(float(times[left]), float(times[right]), column + LOWEST_SUNG_KEY, level))
    return tuple(notes)


def voice_path(levels: np.ndarray) -> np.ndarray:
    """Viterbi over (frames, keys) note activations: per frame the column of the key sung, or `keys` (one past
    the last column) for silence."""
    frame_count, key_count = levels.shape
    if frame_count == 0:
        return np.zeros(0, dtype=np.int64)
    silence = np.full((frame_count, 1), np.log(SILENCE_LEVEL))
    likelihood = np.concatenate([np.log(np.maximum(levels, ACTIVATION_FLOOR)), silence], axis=1)
    costs = transition_costs(key_count)
    states = np.arange(key_count + 1)
    total = likelihood[0].copy()
    came_from = np.zeros((frame_count, key_count + 1), dtype=np.int64)
    for frame in range(1, frame_count):
        through = total[:, None] - costs
        came_from[frame] = np.argmax(through, axis=0)
        total = through[came_from[frame], states] + likelihood[frame]
    path = np.empty(frame_count, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for frame in range(frame_count - 1, 0, -1):
        path[frame - 1] = came_from[frame, path[frame]]
    return path


def transition_costs(key_count: int) -> np.ndarray:
    """(from, to) costs among `key_count` keys and silence (the last state)."""
    keys = np.arange(key_count)
    costs = np.full((key_count + 1, key_count + 1), VOICING_COST)
    costs[:key_count, :key_count] = KEY_CHANGE_COST + LEAP_COST_PER_SEMITONE * np.abs(keys[:, None] - keys[None, :])
    np.fill_diagonal(costs, 0.0)
    return costs


def runs_of(path: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frames of every stretch of one state."""
    changes = (np.flatnonzero(np.diff(path)) + 1).tolist()
    return list(itertools.pairwise([0, *changes, int(path.size)]))


def restrikes(onsets: np.ndarray) -> np.ndarray:
    """Frames into a held key's run where it is struck again: onset peaks over RESTRIKE_ONSET that leave at
    least MIN_RESTRIKE_S on both sides."""
    spacing = max(round(MIN_RESTRIKE_S * FRAMES_PER_SECOND), 1)
    peaks, _ = scipy.signal.find_peaks(onsets, height=RESTRIKE_ONSET, distance=spacing)
    return np.asarray(peaks[(peaks >= spacing) & (peaks <= onsets.size - spacing)], dtype=np.int64)
