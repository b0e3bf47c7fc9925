"""DSP building blocks of the Twelve pipeline: bands, HPSS, supervised NMF, spatial masks, dictionaries,
noise-texture masks."""

from pathlib import Path

import numpy as np

from songforge.engines.separation.dsp import bands
from songforge.engines.separation.dsp.dictionaries import (
    FAMILY_PROGRAMS,
    family_of_program,
    get_dictionary,
)
from songforge.engines.separation.dsp.hpss import hpss_masks
from songforge.engines.separation.dsp.nmf import nmf_activations
from songforge.engines.separation.dsp.noise import texture_mask
from songforge.engines.separation.dsp.spatial import centre_mask
from songforge.engines.separation.stft import HOP, N_FFT, istft, stft


def test_band_maps_are_normalised() -> None:
    fb = bands.band_matrix()
    sp = bands.spread_matrix()
    assert fb.shape[1] == N_FFT // 2 + 1 and sp.shape == fb.T.shape
    assert np.allclose(fb.sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(sp.sum(axis=1), 1.0, atol=1e-5)
    assert 150 < fb.shape[0] < 400
    assert np.all(np.diff(bands.band_centres()) > 0)


def test_stft_round_trip() -> None:
    x = np.random.default_rng(0).standard_normal((2, 20_000)).astype(np.float32)
    y = istft(stft(x), x.shape[1])
    assert np.max(np.abs(x - y)) < 1e-4


def test_hpss_separates_a_tone_from_clicks() -> None:
    frames, bins = 200, 120
    mag = np.zeros((bins, frames), dtype=np.float32)
    mag[30, :] = 1.0  # a steady tone
    mag[:, ::25] += 1.0  # broadband clicks
    mh, mp = hpss_masks(mag)
    assert np.allclose(mh + mp, 1.0)
    assert mh[30, 10] > 0.9
    assert mp[80, 25] > 0.9


def test_nmf_recovers_known_activations() -> None:
    rng = np.random.default_rng(1)
    W = rng.random((60, 4)).astype(np.float32)
    W /= W.sum(axis=0)
    H_true = rng.random((4, 50)).astype(np.float32) * (rng.random((4, 50)) > 0.5)
    V = W @ H_true
    H = nmf_activations(V, W, n_iter=500)
    assert np.abs(W @ H - V).sum() / V.sum() < 0.05


def test_centre_mask_keeps_centre_and_rejects_side() -> None:
    rng = np.random.default_rng(2)
    n = 44100
    centre = rng.standard_normal(n).astype(np.float32)
    side = rng.standard_normal(n).astype(np.float32)
    c_spec = stft(np.stack([centre, centre]))
    s_spec = stft(np.stack([side, 0.1 * side]))  # panned hard left
    assert centre_mask(c_spec).mean() > 0.95
    assert centre_mask(s_spec).mean() < 0.1
    assert np.all(centre_mask(stft(centre[None])) == 1.0)  # mono: everything is centre


def test_family_table_covers_all_gm_programs_once() -> None:
    seen = [p for progs in FAMILY_PROGRAMS.values() for p in progs]
    assert sorted(seen) == list(range(1, 129))
    assert family_of_program(34) == "Bass" and family_of_program(1) == "Keyboard"
    assert family_of_program(74) == "Woodwinds" and family_of_program(127) == "FX"


def test_dictionary_is_learned_deterministically_and_cached_on_disk(tmp_path: Path) -> None:
    d = get_dictionary(tmp_path)
    families = set(d.families)
    assert families == {"Bass", "Guitar", "Keyboard", "Strings", "Brass", "Woodwinds", "Synth", "Percussion", "Drums"}
    assert d.W.shape == (bands.band_matrix().shape[0], len(d.families))
    assert np.allclose(d.W.sum(axis=0), 1.0, atol=1e-4)
    assert d.source == "TimGM6mb.sf2"
    files = list(tmp_path.glob("gm-dictionary-*.npz"))
    assert len(files) == 1
    # a fresh process would read the file: simulate by clearing the in-memory cache
    from songforge.engines.separation.dsp import dictionaries

    dictionaries._memory_cache.clear()
    d2 = get_dictionary(tmp_path)
    assert np.array_equal(d.W, d2.W) and d.families == d2.families


def _tone_clicks_and_noise(seconds: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """(a 220 Hz harmonic tone + a noise click every 0.25 s, a 1-6 kHz noise texture from 2 s to 4 s)."""
    from scipy.signal import butter, sosfilt

    sr = 44100
    n = int(seconds * sr)
    rng = np.random.default_rng(3)
    t = np.arange(n) / sr
    tone = sum(0.3 / k * np.sin(2 * np.pi * 220 * k * t) for k in range(1, 11))
    hits = np.zeros(n)
    hits[:: sr // 4] = 1.0
    clicks = 0.3 * np.convolve(hits, np.exp(-np.arange(2000) / 200.0) * rng.standard_normal(2000), mode="same")
    texture = sosfilt(butter(4, [1000, 6000], "bandpass", fs=sr, output="sos"), rng.standard_normal(n))
    texture *= np.clip((t - 2.0) / 0.2, 0, 1) * np.clip((4.0 - t) / 0.2, 0, 1)
    return (tone + clicks).astype(np.float32), (0.05 * texture).astype(np.float32)


def _apply(mask_of: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The texture mask of `mask_of` (mono) applied to `x` (mono)."""
    spec = stft(np.stack([mask_of, mask_of]))
    m = texture_mask((np.abs(spec) ** 2).mean(axis=0), 44100, N_FFT, HOP)
    assert m.shape == spec.shape[1:] and m.min() >= 0.0 and m.max() <= 1.0
    out: np.ndarray = istft(stft(x[None]) * m[None], x.shape[0])[0]
    return out


def test_texture_mask_takes_a_noise_texture_and_leaves_tones_and_clicks() -> None:
    music, texture = _tone_clicks_and_noise()
    mix = music + texture  # the texture is ~26 dB below the rest
    got = _apply(mix, mix)
    sdr = 10 * np.log10(np.sum(texture.astype(np.float64) ** 2) / np.sum((texture - got).astype(np.float64) ** 2))
    assert sdr > 3.0, f"texture recovered at only {sdr:.2f} dB"
    leak = _apply(mix, music)  # the mask's share of the tone and the clicks
    assert np.sum(leak.astype(np.float64) ** 2) < 1e-3 * np.sum(music.astype(np.float64) ** 2)
    # no texture: (almost) nothing is taken
    alone = _apply(music, music)
    assert np.sum(alone.astype(np.float64) ** 2) < 1e-3 * np.sum(music.astype(np.float64) ** 2)


def test_texture_mask_of_silence_is_zero() -> None:
    m = texture_mask(np.zeros((N_FFT // 2 + 1, 50), dtype=np.float32), 44100, N_FFT, HOP)
    assert np.all(m == 0.0)
