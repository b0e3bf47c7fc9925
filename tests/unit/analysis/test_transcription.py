"""Transcription of uploads: the notes of a known tune come back, in order, with the tune picked out of the chords;
and basic-pitch's model runs without its package (or TensorFlow) being imported."""

import logging
import sys
from functools import cache

import numpy as np
import pytest

from songforge.engines.analysis import TranscribedNote, transcribe
from songforge.engines.generation.score import InstrumentChoice, Note
from songforge.engines.generation.synth import SoundFontSynth
from songforge.engines.separation.dsp.render import timgm6mb_path
from tests.unit.analysis.skyline import skyline

SR = 22050
C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72, 74, 76)
MIN_RECALL = 0.7


@cache
def tune(seed: int = 3, notes: int = 24) -> tuple[Note, ...]:
    """A random C-major tune of quarters, eighths and dotted eighths, a little detached."""
    rng = np.random.default_rng(seed)
    start, written = 0.3, []
    for _ in range(notes):
        length = float(rng.choice([0.25, 0.5, 0.5, 0.75]))
        written.append(Note(start, start + 0.95 * length, int(rng.choice(C_MAJOR)), 100))
        start += length
    return tuple(written)


def seconds_of(notes: tuple[Note, ...]) -> float:
    return max(note.end for note in notes) + 1.0


def played(notes: tuple[Note, ...], program: int, seconds: float) -> np.ndarray:
    synth = SoundFontSynth(timgm6mb_path(), SR)
    return synth.render(notes, InstrumentChoice("Keyboard", program, "lead"), round(seconds * SR))


def chords_under(notes: tuple[Note, ...]) -> tuple[Note, ...]:
    """A C-major triad an octave and more below the tune, struck every two seconds while the tune plays."""
    last = max(note.end for note in notes)
    starts = np.arange(notes[0].start, last, 2.0)
    return tuple(Note(start, min(start + 2.0, last), pitch, 60) for start in starts for pitch in (48, 52, 55))


def sine_tune(notes: tuple[Note, ...]) -> np.ndarray:
    t = np.arange(round(seconds_of(notes) * SR)) / SR
    audio = np.zeros_like(t)
    for note in notes:
        span = (t >= note.start) & (t < note.end)
        local = t[span] - note.start
        ramp = np.minimum(1.0, np.minimum(local, note.end - note.start - local) / 0.01)
        audio[span] += 0.3 * ramp * np.sin(2 * np.pi * 440.0 * 2 ** ((note.pitch - 69) / 12) * local)
    return audio.astype(np.float32)


def common_in_order(wanted: list[int], heard: list[int]) -> int:
    """Length of the longest common subsequence: notes recovered in the right order."""
    table = np.zeros((len(wanted) + 1, len(heard) + 1), dtype=int)
    for i, a in enumerate(wanted):
        for j, b in enumerate(heard):
            table[i + 1, j + 1] = table[i, j] + 1 if a == b else max(table[i, j + 1], table[i + 1, j])
    return int(table[-1, -1])


def recall_of_pitch_classes(written: tuple[Note, ...], heard: tuple[TranscribedNote, ...]) -> float:
    wanted = [note.pitch % 12 for note in written]
    return common_in_order(wanted, [note.pitch % 12 for note in heard]) / len(wanted)


def test_a_sine_tune_comes_back_note_for_note_and_on_time() -> None:
    written = tune()
    heard = skyline(transcribe(sine_tune(written), SR))
    assert [note.pitch for note in heard] == [note.pitch for note in written]
    starts = np.array([note.start for note in heard]) - np.array([note.start for note in written])
    assert np.max(np.abs(starts)) < 0.03
    assert all(0.0 < note.velocity <= 1.0 for note in heard)


@pytest.mark.parametrize(("program", "instrument"), [(73, "flute"), (80, "square lead"), (0, "piano")])
def test_a_soundfont_tune_over_chords_is_recovered_in_order(program: int, instrument: str) -> None:
    written = tune()
    seconds = seconds_of(written)
    audio = played(written, program, seconds) + played(chords_under(written), 0, seconds)
    notes = transcribe(audio, SR)
    heard = skyline(notes)
    assert len(notes) > len(heard)  # the chords were heard too, and left out of the tune
    assert recall_of_pitch_classes(written, heard) >= MIN_RECALL, instrument
    # Chord tones (C3–G3) surface only where a decaying tune note was heard ending early.
    chord_seconds = sum(note.end - note.start for note in heard if note.pitch < min(C_MAJOR))
    assert chord_seconds < 0.15 * sum(note.end - note.start for note in heard)


def test_stereo_at_the_song_rate_reads_like_mono_at_the_model_rate() -> None:
    written = tune(seed=5, notes=10)
    mono = sine_tune(written)
    t_song = np.arange(round(mono.size * 44100 / SR)) / 44100
    stereo = np.stack([np.interp(t_song, np.arange(mono.size) / SR, mono)] * 2).astype(np.float32)
    assert [note.pitch for note in transcribe(stereo, 44100)] == [note.pitch for note in transcribe(mono, SR)]


def test_silence_has_no_notes_and_progress_reaches_the_end() -> None:
    reports: list[float] = []
    assert transcribe(np.zeros((2, 5 * SR), dtype=np.float32), SR, lambda done, _stage: reports.append(done)) == ()
    assert reports and reports[-1] == 1.0 and reports == sorted(reports)


def test_the_model_runs_without_importing_basic_pitch_or_tensorflow(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        transcribe(sine_tune(tune(notes=4)), SR)
    assert "basic_pitch" not in sys.modules and "tensorflow" not in sys.modules
    assert not caplog.records


def note(start: float, end: float, pitch: int) -> TranscribedNote:
    return TranscribedNote(start, end, pitch, 0.8)


def test_the_tune_is_the_top_line_and_chord_tones_under_it_are_left_out() -> None:
    notes = [note(0.0, 1.0, 72), note(0.0, 2.0, 60), note(0.0, 2.0, 64), note(1.0, 2.0, 71), note(1.01, 2.0, 55)]
    assert [(n.start, n.end, n.pitch) for n in skyline(notes)] == [(0.0, 1.0, 72), (1.0, 2.0, 71)]


def test_a_higher_note_cuts_the_one_under_it_which_comes_back_while_it_still_sounds() -> None:
    notes = [note(0.0, 1.0, 67), note(0.5, 0.8, 72), note(0.78, 1.3, 65)]
    heard = [(n.start, n.end, n.pitch) for n in skyline(notes)]
    assert heard == [(0.0, 0.5, 67), (0.5, 0.8, 72), (0.8, 1.0, 67), (1.0, 1.3, 65)]


def test_a_note_struck_again_at_the_same_pitch_is_a_new_note() -> None:
    notes = [note(0.0, 0.6, 67), note(0.5, 1.0, 67)]
    assert [(n.start, n.end) for n in skyline(notes)] == [(0.0, 0.5), (0.5, 1.0)]


def test_blips_shorter_than_80_ms_are_not_part_of_the_tune() -> None:
    notes = [note(0.0, 0.05, 90), note(0.0, 0.5, 60), note(0.5, 0.56, 62), note(0.56, 1.0, 64), note(0.98, 1.5, 80)]
    assert [n.pitch for n in skyline(notes)] == [60, 64, 80]
