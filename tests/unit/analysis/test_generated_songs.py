"""The engine's own instrumentals read back: the planned tempo (not half or double it), every planned bar line,
and the planned key for most songs (the relative major or minor for the rest)."""

from functools import cache

import numpy as np
import pytest

from songforge.engines.analysis import AudioAnalysis, analyse
from songforge.engines.generation.score import Plan, SongRequest
from songforge.engines.generation.song import generate_song

pytestmark = pytest.mark.slow

# Straight pop, a half-time ballad (76 BPM, which a beat tracker counts at 152), drum and bass (168, which it
# counts at 84), a reggae one-drop, hip hop, and four-on-the-floor EDM in a major key that sounds minor.
SONGS = (("pop", 1), ("ballad", 7), ("drum and bass", 15), ("reggae", 9), ("hip hop", 4), ("edm", 5))
TOLERANCE_S = 0.05
PITCH_CLASSES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7}
PITCH_CLASSES |= {"G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}


@cache
def read_back(tags: str, seed: int) -> tuple[Plan, AudioAnalysis]:
    song = generate_song(SongRequest(tags=tags, instrumental=True, duration_s=30, seed=seed))
    return song.plan, analyse(song.mix, song.sample_rate)


def planned_bar_starts(plan: Plan, until: float) -> np.ndarray:
    bar = plan.time_signature[0] * 60.0 / plan.tempo
    starts = [section.start + bar * index for section in plan.sections for index in range(section.bars)]
    return np.array([start for start in starts if start < until])


def key_of(tonic: str, mode: str) -> tuple[int, str]:
    return PITCH_CLASSES[tonic], mode


def relative_of(tonic: str, mode: str) -> tuple[int, str]:
    pitch_class = PITCH_CLASSES[tonic]
    return ((pitch_class + 9) % 12, "minor") if mode == "major" else ((pitch_class + 3) % 12, "major")


@pytest.mark.parametrize(("tags", "seed"), SONGS)
def test_the_planned_tempo_is_read_on_its_own_octave(tags: str, seed: int) -> None:
    plan, analysis = read_back(tags, seed)
    assert analysis.tempo == pytest.approx(plan.tempo, rel=0.02)


@pytest.mark.parametrize(("tags", "seed"), SONGS)
def test_every_planned_bar_line_has_a_downbeat_within_50_ms(tags: str, seed: int) -> None:
    plan, analysis = read_back(tags, seed)
    planned = planned_bar_starts(plan, analysis.duration)
    found = np.array(analysis.downbeat_times)
    misses = np.min(np.abs(planned[:, None] - found[None, :]), axis=1)
    assert np.max(misses) < TOLERANCE_S
    # … and no downbeat where the plan has none (the grid goes on through the tail after the last bar).
    assert np.sum(found < plan.sections[-1].end - TOLERANCE_S) == planned.size


def test_the_planned_key_is_read_for_most_songs_and_its_relative_for_the_rest() -> None:
    readings = [read_back(tags, seed) for tags, seed in SONGS]
    exact = [key_of(plan.key, plan.mode) == key_of(found.key, found.mode) for plan, found in readings]
    relative = [relative_of(plan.key, plan.mode) == key_of(found.key, found.mode) for plan, found in readings]
    assert sum(exact) >= 4
    assert all(e or r for e, r in zip(exact, relative, strict=True))
