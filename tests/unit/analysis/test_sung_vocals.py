"""The singing of a whole mix, for a cover of an upload: a song whose low male voice the plain Two separation
all but loses still gives most of its tune back, in order."""

from functools import cache

import numpy as np
import pytest

from songforge.engines.analysis.basic_pitch_model import MODEL_RATE
from songforge.engines.analysis.melody import sung_melody
from songforge.engines.analysis.sung_vocals import sung_vocals
from songforge.engines.generation.score import Song, SongRequest
from songforge.engines.generation.song import generate_song
from songforge.engines.separation import SeparationOptions, StemSet, separate

pytestmark = pytest.mark.slow

LYRICS = """[Verse]
Dusty boots beside the kitchen door
Nobody dances on this wooden floor

[Chorus]
Sing it louder let the neighbours hear
We were golden for a single year
"""
PLAIN_SEPARATION = SeparationOptions(prefer_demucs=False)


@cache
def rock_song() -> Song:
    """A rock song sung low by a male voice, which Spleeter's vocal model hears as hardly any singing."""
    return generate_song(SongRequest(lyrics=LYRICS, tags="rock", seed=301, max_duration_s=60.0))


def recall_in_order(wanted: list[int], heard: list[int]) -> float:
    """Longest common subsequence of pitch classes over the wanted tune's length."""
    table = np.zeros((len(wanted) + 1, len(heard) + 1), dtype=int)
    for i, a in enumerate(wanted):
        for j, b in enumerate(heard):
            table[i + 1, j + 1] = table[i, j] + 1 if a == b else max(table[i, j + 1], table[i + 1, j])
    return float(table[-1, -1]) / len(wanted)


def test_a_voice_the_plain_separation_loses_still_sings_its_tune() -> None:
    song = rock_song()
    tune = [note.pitch % 12 for note in song.plan.vocals[0].notes if not note.slur]
    vocals = sung_vocals(song.mix, song.sample_rate, PLAIN_SEPARATION)
    assert vocals.dtype == np.float32 and vocals.ndim == 1
    assert abs(vocals.size / MODEL_RATE - song.mix.shape[1] / song.sample_rate) < 0.01
    heard = [note.pitch % 12 for note in sung_melody(vocals, MODEL_RATE)]
    plain = separate(song.mix, song.sample_rate, StemSet.TWO, options=PLAIN_SEPARATION)[0].audio
    heard_plainly = [note.pitch % 12 for note in sung_melody(plain, song.sample_rate)]
    assert recall_in_order(tune, heard) >= 0.6
    assert recall_in_order(tune, heard_plainly) < 0.5  # else this song no longer tests what it is here for
    assert len(heard) <= 1.3 * len(tune)  # the tune, not every bleed of the instruments
