"""Master bus: loudness on target, no sample over the ceiling, stems still adding up to the mix, silence kept."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest

from songforge.engines.generation.mix import SILENCE_LUFS, master, silent

SR = 22050
SECONDS = 6.0
TRANSIENT_AT = 3.0
CEILING = 10.0 ** (-1.0 / 20.0)


def _time() -> np.ndarray:
    return np.arange(round(SECONDS * SR)) / SR


def _stereo(mono: np.ndarray, right_scale: float = 1.0) -> np.ndarray:
    return np.stack([mono, mono * right_scale]).astype(np.float32)


def _song_stems(scale: float = 1.0) -> dict[str, np.ndarray]:
    """A bass tone, a chord, noise-burst drums and one loud transient (a hit 12 dB over everything else)."""
    t = _time()
    rng = np.random.default_rng(7)
    bass = 0.3 * np.sin(2 * np.pi * 55.0 * t)
    chord = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    bursts = rng.standard_normal(t.size) * np.exp(-((t % 0.5) / 0.04)) * 0.15
    transient = np.zeros(t.size)
    transient[round(TRANSIENT_AT * SR) : round(TRANSIENT_AT * SR) + 40] = 3.0 * np.hanning(40)
    return {
        "Bass": _stereo(bass * scale),
        "Keyboard": _stereo(np.asarray(chord) * scale, 0.7),
        "Drums": _stereo(bursts * scale, 0.9),
        "FX": _stereo(transient * scale),
    }


def _measured_lufs(audio: np.ndarray) -> float:
    return float(pyloudnorm.Meter(SR).integrated_loudness(audio.T.astype(np.float64)))


@pytest.mark.parametrize("scale", [1.0, 0.01, 4.0], ids=["normal", "quiet", "clipping"])
def test_the_master_lands_on_minus_14_lufs_whatever_the_input_level(scale: float) -> None:
    mastered = master(_song_stems(scale), SR)

    assert abs(_measured_lufs(mastered.mix) - (-14.0)) <= 1.0
    assert abs(mastered.loudness_lufs - _measured_lufs(mastered.mix)) < 0.05


@pytest.mark.parametrize("scale", [1.0, 0.01, 4.0], ids=["normal", "quiet", "clipping"])
def test_no_sample_of_the_master_goes_over_the_ceiling(scale: float) -> None:
    mastered = master(_song_stems(scale), SR)

    assert np.abs(mastered.mix).max() < 1.0
    assert np.abs(mastered.mix).max() <= CEILING * (1.0 + 1e-6)
    assert mastered.peak_db <= -1.0 + 1e-5


def test_the_mastered_stems_add_up_to_the_mix() -> None:
    mastered = master(_song_stems(), SR)

    added = sum(stem.astype(np.float64) for stem in mastered.stems.values())
    assert set(mastered.stems) == {"Bass", "Keyboard", "Drums", "FX"}
    assert np.abs(added - mastered.mix).max() < 1e-4
    assert all(stem.shape == mastered.mix.shape and stem.dtype == np.float32 for stem in mastered.stems.values())


def _applied_gain_db(seconds: float) -> float:
    """The gain the master applied around a moment, read off a steady 1 kHz tone stem (mastered / original)."""
    stems = _song_stems()
    stems["Strings"] = _stereo(0.05 * np.sin(2 * np.pi * 1000.0 * _time()))
    mastered = master(stems, SR)
    window = slice(round((seconds - 0.0007) * SR), round((seconds + 0.0007) * SR))
    original, after = stems["Strings"][0, window], mastered.stems["Strings"][0, window]
    valid = np.abs(original) > 0.02  # away from zero crossings, where the ratio is well defined
    return float(20 * np.log10(np.mean(after[valid] / original[valid])))


def test_the_limiter_only_touches_the_music_around_the_transient() -> None:
    far_before, far_after, at_hit = _applied_gain_db(1.5), _applied_gain_db(4.5), _applied_gain_db(TRANSIENT_AT)

    assert abs(far_before - far_after) < 1.0  # the music either side sounds just as loud
    assert at_hit < far_before - 6.0  # while the hit itself is pulled down hard


def test_the_limiter_ramps_down_ahead_of_the_transient_instead_of_jumping() -> None:
    early, during_ramp, at_hit = (_applied_gain_db(TRANSIENT_AT + offset) for offset in (-0.03, -0.003, 0.0005))

    assert at_hit < during_ramp - 1.0 and during_ramp < early - 1.0


def test_mastering_moves_nothing_in_time() -> None:
    stems = _song_stems()
    before = sum(stem[0].astype(np.float64) for stem in stems.values())
    after = master(stems, SR).mix[0].astype(np.float64)

    lags = range(-50, 51)
    similarity = [float(np.dot(before[50:-50], after[50 + lag : after.size - 50 + lag])) for lag in lags]
    assert lags[int(np.argmax(similarity))] == 0


def test_silence_in_is_silence_out() -> None:
    zeros = {"Vocals": np.zeros((2, SR), dtype=np.float32), "Drums": np.zeros((2, SR), dtype=np.float32)}
    mastered = master(zeros, SR)

    assert not np.any(mastered.mix)
    assert all(not np.any(stem) for stem in mastered.stems.values())
    assert math.isfinite(mastered.loudness_lufs) and mastered.loudness_lufs == SILENCE_LUFS
    assert math.isfinite(mastered.peak_db)


def test_a_single_short_stem_is_mastered_too() -> None:
    t = np.arange(round(0.2 * SR)) / SR
    vocals = _stereo(0.05 * np.sin(2 * np.pi * 330.0 * t))
    mastered = master({"Vocals": vocals}, SR)

    assert set(mastered.stems) == {"Vocals"}
    assert np.all(np.isfinite(mastered.mix))
    assert np.abs(mastered.mix).max() <= CEILING * (1.0 + 1e-6)
    assert np.abs(mastered.mix).max() > np.abs(vocals).max()  # a quiet take is brought up


def test_mastering_leaves_the_callers_stems_alone() -> None:
    stems = _song_stems()
    before = {name: stem.copy() for name, stem in stems.items()}
    master(stems, SR)

    assert all(np.array_equal(stems[name], before[name]) for name in stems)


def test_stems_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        master({"Bass": np.zeros((2, 100), np.float32), "Drums": np.zeros((2, 101), np.float32)}, SR)


def test_silent_means_nothing_reaches_minus_60_dbfs() -> None:
    t = _time()
    assert silent(np.zeros((2, 100), dtype=np.float32))
    assert silent(_stereo(10 ** (-70 / 20) * np.sin(2 * np.pi * 440 * t)))
    assert not silent(_stereo(10 ** (-50 / 20) * np.sin(2 * np.pi * 440 * t)))
