"""The line one voice sings, read from vocals that are not one clean voice: the singer's tune comes back over a
quieter harmony (even one above it), without its overtones, a held note with vibrato stays one note and a note
struck again on the same pitch is two."""

import numpy as np

from songforge.engines.analysis import transcribe
from songforge.engines.analysis.melody import sung_melody
from tests.unit.analysis.skyline import skyline

SR = 22050
TUNE = (64, 67, 69, 67, 64, 62, 60, 62, 64, 64, 62, 60)  # E G A G E D C D E E D C
THIRD_ABOVE = (67, 71, 72, 71, 67, 65, 64, 65, 67, 67, 65, 64)  # the same tune a diatonic third higher
NOTE_S = 0.4


def voice(
    pitches: tuple[int, ...], level: float, *, note_s: float = NOTE_S, vibrato: float = 0.0, gap_s: float = 0.03
) -> np.ndarray:
    """A buzzy tone (eight harmonics falling 1/k) singing `pitches` back to back, each note `note_s` long with a
    short breath before the next; `vibrato` semitones deep at 5.5 Hz."""
    note_samples = round(note_s * SR)
    t = np.arange(note_samples - round(gap_s * SR)) / SR
    bend = 2.0 ** (vibrato * np.sin(2 * np.pi * 5.5 * t) / 12)
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    audio = np.zeros(len(pitches) * note_samples + SR // 2)
    for index, pitch in enumerate(pitches):
        phase = 2 * np.pi * np.cumsum(440.0 * 2 ** ((pitch - 69) / 12) * bend) / SR
        tone = sum(np.sin(k * phase) / k for k in range(1, 9))
        start = SR // 4 + index * note_samples
        audio[start : start + t.size] += level * ramp * tone
    return audio.astype(np.float32)


def test_the_tune_comes_back_over_a_quieter_harmony_a_third_above_it() -> None:
    backing = voice(THIRD_ABOVE, 0.1)  # about 10 dB under the lead, as a backing singer sits
    sung = voice(TUNE, 0.3) + backing
    assert [note.pitch for note in sung_melody(sung, SR)] == list(TUNE)
    # The skyline of every note heard would sing the harmony instead: the test tells the two apart.
    assert [note.pitch for note in skyline(transcribe(sung, SR))] != list(TUNE)


def test_a_held_note_with_vibrato_stays_one_note_and_one_struck_again_is_a_new_note() -> None:
    held = sung_melody(voice((67,), 0.3, note_s=2.5, vibrato=0.3), SR)
    assert [note.pitch for note in held] == [67]
    assert held[0].end - held[0].start > 2.0
    again = sung_melody(voice((67, 67, 67), 0.3), SR)  # a breath between, not a rest
    assert [note.pitch for note in again] == [67, 67, 67]
    assert all(note.end - note.start > 0.3 for note in again)  # three whole notes, not slivers


def test_silence_sings_nothing() -> None:
    assert sung_melody(np.zeros((2, 3 * SR), dtype=np.float32), SR) == ()
