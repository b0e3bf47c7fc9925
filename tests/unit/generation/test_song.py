"""Whole songs from the engine: the style is audible, the master is loud and clean, the tempo is trackable, the
stems are exact, and bad or unusual requests still make songs (or say why not)."""

import itertools
from functools import cache

import librosa
import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from songforge.engines.generation.score import BACKING_VOCALS, INSTRUMENT_STEMS, VOCALS, Song, SongRequest
from songforge.engines.generation.song import SONG_STEMS, generate_song

pytestmark = pytest.mark.slow

LYRICS = """[Verse]
Walking down the empty road tonight
Counting every window full of light

[Chorus]
Hold on, hold on to me
Hold on and let it be
"""


@cache
def song(tags: str, *, lyrics: str = LYRICS, instrumental: bool = False, seed: int = 1, seconds: float = 40.0) -> Song:
    request = SongRequest(
        lyrics=lyrics, tags=tags, title="Test", instrumental=instrumental, seed=seed, max_duration_s=seconds
    )
    return generate_song(request)


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def loudest_instrument(made: Song) -> str:
    return max(INSTRUMENT_STEMS, key=lambda stem: rms(made.stems[stem]))


def test_slow_piano_ballad_is_slow_and_led_by_the_piano() -> None:
    made = song("slow piano ballad")
    assert made.plan.tempo < 90
    assert loudest_instrument(made) == "Keyboard"


def test_heavy_metal_is_fast_with_driven_guitars_and_drums() -> None:
    made = song("heavy metal")
    assert made.plan.tempo > 120
    guitars = [part for part in made.plan.parts if part.stem == "Guitar"]
    assert guitars and max(part.drive for part in guitars) >= 0.7
    assert rms(made.stems["Guitar"]) > 0.01 and rms(made.stems["Drums"]) > 0.01


def test_ambient_has_no_drums() -> None:
    made = song("ambient", instrumental=True, seconds=20.0)
    assert not [part for part in made.plan.parts if part.stem == "Drums"]
    assert float(np.abs(made.stems["Drums"]).max()) == 0.0


@pytest.mark.parametrize("tags", ["edm", "house"])
def test_edm_and_house_kick_on_every_beat(tags: str) -> None:
    made = song(tags, instrumental=True, seconds=20.0)
    beat = 60.0 / made.plan.tempo
    chorus = max(made.plan.sections, key=lambda section: section.energy)
    kicks = sorted(
        note.start
        for part in made.plan.parts
        if part.stem == "Drums"
        for note in part.notes
        if note.pitch in (35, 36) and chorus.start <= note.start < chorus.end - beat
    )
    beats = np.arange(chorus.start, chorus.end - beat, beat)
    assert len(beats) >= 8
    # Every beat has a kick within 30 ms (humanised) in the plan …
    assert all(min(abs(kick - moment) for kick in kicks) < 0.03 for moment in beats)
    # … and in the audio: the drums' low end (under 120 Hz: the kick) peaks on the beats, not between them.
    low = scipy.signal.sosfilt(
        scipy.signal.butter(4, 120.0, fs=made.sample_rate, output="sos"), np.mean(made.stems["Drums"], axis=0)
    )

    def level_near(moment: float) -> float:
        start = int((moment - 0.01) * made.sample_rate)
        return float(np.abs(low[start : start + int(0.06 * made.sample_rate)]).max())

    on_beats = np.median([level_near(moment) for moment in beats])
    between = np.median([level_near(moment + beat / 2) for moment in beats])
    assert on_beats > 3 * between


def test_instrumental_leaves_the_vocal_stems_silent() -> None:
    made = song("pop", instrumental=True, seconds=20.0)
    assert not made.plan.vocals and not made.plan.words
    assert float(np.abs(made.stems[VOCALS]).max()) == 0.0
    assert float(np.abs(made.stems[BACKING_VOCALS]).max()) == 0.0


@pytest.mark.parametrize("tags", ["pop", "heavy metal", "slow piano ballad", "house"])
def test_master_is_about_minus_14_lufs_without_clipping_and_its_tempo_is_trackable(tags: str) -> None:
    made = song(tags)
    loudness = pyloudnorm.Meter(made.sample_rate).integrated_loudness(made.mix.T)
    assert -16.0 <= loudness <= -12.0
    assert float(np.abs(made.mix).max()) < 1.0
    tracked, _ = librosa.beat.beat_track(y=np.mean(made.mix, axis=0), sr=made.sample_rate)
    found = float(np.atleast_1d(tracked)[0])
    assert any(abs(found * factor / made.plan.tempo - 1.0) <= 0.04 for factor in (1.0, 0.5, 2.0)), (
        found,
        made.plan.tempo,
    )


def test_stems_are_exact_and_add_up_to_the_mix() -> None:
    made = song("pop")
    assert list(made.stems) == list(SONG_STEMS)
    total = np.sum(list(made.stems.values()), axis=0)
    assert np.max(np.abs(total - made.mix)) < 1e-4
    assert rms(made.stems[VOCALS]) > 0.01 and rms(made.stems[BACKING_VOCALS]) > 0.001


def test_the_words_are_timed_in_order_inside_the_song() -> None:
    made = song("pop")
    words = made.plan.words
    assert [word.text.split("\n")[-1].strip() or word.text.strip() for word in words][:3] == [
        "Walking",
        "down",
        "the",
    ]
    assert words[0].text.startswith("[Verse]\n")
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    assert words[0].start > 0.0 and words[-1].end <= made.plan.duration


def test_two_seeds_make_two_different_songs() -> None:
    first, second = song("pop", seed=1), song("pop", seed=2)
    lead = [tuple((n.pitch, round(n.end - n.start, 3)) for n in s.plan.vocals[0].notes) for s in (first, second)]
    assert lead[0] != lead[1]
    parts = [tuple((p.instrument.program, len(p.notes)) for p in s.plan.parts) for s in (first, second)]
    assert parts[0] != parts[1] or first.plan.sections[0].chords != second.plan.sections[0].chords


def test_chinese_lyrics_are_sung_one_syllable_per_character() -> None:
    made = song("pop", lyrics="[Verse]\n月亮照在山上\n我想回家\n", seconds=30.0)
    assert made.plan.language == "zh"
    lead = made.plan.vocals[0].notes
    assert len([note for note in lead if not note.slur]) == 10
    assert rms(made.stems[VOCALS]) > 0.01


def test_a_style_of_only_unknown_words_still_makes_a_song() -> None:
    made = song("zorblax quintessential flumph", seconds=20.0)
    assert made.plan.parts and rms(made.mix) > 0.01
