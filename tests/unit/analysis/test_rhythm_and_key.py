"""Reading an upload's tempo, bars, key and loudness: a groove with known bars and chords is read back, and the
next bar line is found even past the end of the song."""

from functools import cache

import numpy as np
import pytest

from songforge.engines.analysis import AudioAnalysis, analyse, next_downbeat
from songforge.engines.generation.score import InstrumentChoice, Mode, Note
from songforge.engines.generation.synth import SoundFontSynth
from songforge.engines.separation.dsp.render import timgm6mb_path

SR = 22050
KICK, SNARE, HAT = 36, 38, 42
DRUMS = InstrumentChoice("Drums", 0, "drums", is_drum=True)
BASS = InstrumentChoice("Bass", 33, "bass")
PIANO = InstrumentChoice("Keyboard", 0, "chords")
MAJOR_TRIAD, MINOR_TRIAD = (0, 4, 7), (0, 3, 7)
# (root above the tonic, triad) per bar: I–IV–V–I and i–VI–VII–i.
MAJOR_BARS = ((0, MAJOR_TRIAD), (5, MAJOR_TRIAD), (7, MAJOR_TRIAD), (0, MAJOR_TRIAD))
MINOR_BARS = ((0, MINOR_TRIAD), (8, MAJOR_TRIAD), (10, MAJOR_TRIAD), (0, MINOR_TRIAD))
TOLERANCE_S = 0.05


@cache
def groove(tempo: float, tonic: int, mode: Mode, first_bar: float, bars: int = 12) -> np.ndarray:
    """Stereo drums (kick 1 and 3, snare 2 and 4, eighth hats), a bass root on each bar's first beat and a
    piano chord per bar, the first bar starting `first_bar` seconds in; `tonic` is a MIDI key in octave 3."""
    beat = 60.0 / tempo
    drums, bass, chords = [], [], []
    for bar in range(bars):
        start = first_bar + 4 * bar * beat
        for eighth in range(8):
            drums.append(Note(start + eighth * beat / 2, start + eighth * beat / 2 + 0.1, HAT, 70))
        for hit, drum in enumerate((KICK, SNARE, KICK, SNARE)):
            drums.append(Note(start + hit * beat, start + hit * beat + 0.1, drum, 100))
        root, triad = (MAJOR_BARS if mode == "major" else MINOR_BARS)[bar % 4]
        bass.append(Note(start, start + 3.5 * beat, tonic + root - 12, 100))
        chords += [Note(start, start + 3.9 * beat, tonic + root + step, 70) for step in triad]
    frames = round((first_bar + 4 * bars * beat + 1.0) * SR)
    synth = SoundFontSynth(timgm6mb_path(), SR)
    mix = np.zeros((2, frames), dtype=np.float32)
    for notes, instrument in ((drums, DRUMS), (bass, BASS), (chords, PIANO)):
        mix += synth.render(notes, instrument, frames)
    return mix


def bar_starts(tempo: float, first_bar: float, bars: int = 12) -> np.ndarray:
    return first_bar + 4 * 60.0 / tempo * np.arange(bars)


def nearest_miss(expected: np.ndarray, found: tuple[float, ...]) -> float:
    """The largest distance from an expected time to the nearest time found."""
    return float(np.max(np.min(np.abs(expected[:, None] - np.array(found)[None, :]), axis=1)))


@pytest.mark.parametrize(
    ("tempo", "tonic", "mode", "first_bar", "key"),
    [(100.0, 51, "major", 0.37, "Eb"), (128.0, 54, "minor", 0.0, "F#"), (84.0, 48, "major", 1.1, "C")],
)
def test_a_groove_reads_back_its_tempo_bars_and_key(
    tempo: float, tonic: int, mode: Mode, first_bar: float, key: str
) -> None:
    analysis = analyse(groove(tempo, tonic, mode, first_bar), SR)
    assert analysis.tempo == pytest.approx(tempo, rel=0.02)
    assert nearest_miss(bar_starts(tempo, first_bar), analysis.downbeat_times) < TOLERANCE_S
    beats = first_bar + 60.0 / tempo * np.arange(48)
    assert nearest_miss(beats, analysis.beat_times) < TOLERANCE_S
    assert (analysis.key, analysis.mode) == (key, mode)


def test_every_fourth_beat_is_a_downbeat_and_beats_before_the_first_bar_are_kept() -> None:
    analysis = analyse(groove(100.0, 51, "major", 1.1), SR)
    first = analysis.beat_times.index(analysis.downbeat_times[0])
    assert analysis.beat_times[first::4] == analysis.downbeat_times
    assert first == 1 and analysis.beat_times[0] == pytest.approx(0.5, abs=TOLERANCE_S)


def test_loudness_follows_the_level_and_silence_reads_the_gate() -> None:
    audio = groove(100.0, 51, "major", 0.37)
    loud, quiet = analyse(audio, SR), analyse(audio * 10 ** (-6 / 20), SR)
    assert -30.0 < loud.loudness_lufs < -5.0
    assert loud.loudness_lufs - quiet.loudness_lufs == pytest.approx(6.0, abs=0.1)
    silent = analyse(np.zeros((2, 3 * SR), dtype=np.float32), SR)
    assert silent.loudness_lufs == -70.0 and silent.duration == pytest.approx(3.0)


def grid_analysis() -> AudioAnalysis:
    """120 BPM (two-second bars) with bars starting at 0.5 s, over ten seconds."""
    downbeats = (0.5, 2.5, 4.5, 6.5, 8.5)
    beats = tuple(0.5 * index for index in range(20))
    return AudioAnalysis(120.0, beats, downbeats, "C", "major", -14.0, 10.0)


@pytest.mark.parametrize(
    ("at", "bar_line"), [(0.0, 0.5), (0.5, 0.5), (0.51, 2.5), (8.6, 10.5), (10.5, 10.5), (31.0, 32.5)]
)
def test_the_next_bar_line_is_at_or_after_the_time_and_goes_on_past_the_end(at: float, bar_line: float) -> None:
    assert next_downbeat(grid_analysis(), at) == pytest.approx(bar_line)
