"""The Twelve stem set's DSP path (the fallback when no trained weights load; `test_twelve_learned.py`
covers the trained model): a small multitrack rendered through TimGM6mb (pretty_midi's wheel) with known
stems — a bass line, a drum pattern, a string pad — is separated into the twelve stems.

What a user notices: twelve stems in spec order, each shaped like the mix, adding up to the mix; the Bass
stem is the bass (beats silence and a naive mix/12 baseline), the Drums stem is mostly the drums; a sound
effect (the sea) lands in the FX stem, and without one the FX stem is quiet; silence gives twelve silent
stems; mono / 22.05 kHz input works; long input is chunked and can live on disk.
"""

import dataclasses
import functools
from collections.abc import Iterable

import numpy as np
import pytest

from songforge.engines.progress import ProgressCallback
from songforge.engines.separation import (
    SeparatedStem,
    SeparationOptions,
    StemSet,
    chunking,
    collect,
    separate,
    twelve,
)
from songforge.engines.separation.dsp.render import (
    Note,
    SoundFontRenderer,
    timgm6mb_path,
)
from songforge.engines.separation.stems import TWELVE_STEMS, energy

SR = 44100
OPTIONS = SeparationOptions(prefer_demucs=False, learned_twelve=False)


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """MDX SDR: silence scores 0 dB."""
    reference = reference.astype(np.float64)
    num = np.sum(reference**2) + 1e-7
    return float(10 * np.log10(num / (np.sum((reference - estimate) ** 2) + 1e-7)))


def mix_of(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The builtin sum of `parts` (typed as an array: it is 0 only for no parts)."""
    total = sum(parts)
    assert isinstance(total, np.ndarray)
    return total


def residual_db(mix: np.ndarray, stems: list[SeparatedStem]) -> float:
    total = sum(np.asarray(s.audio, dtype=np.float64) for s in stems)
    err = np.sum((total - mix.astype(np.float64)) ** 2)
    return float(10 * np.log10(err / np.sum(mix.astype(np.float64) ** 2) + 1e-30))


@functools.lru_cache(maxsize=2)
def multitrack(seconds: float = 6.0) -> dict[str, np.ndarray]:
    """{'Bass', 'Drums', 'Strings'} stereo float32 stems at 44.1 kHz (TimGM6mb), 110 bpm, A minor."""
    r = SoundFontRenderer(timgm6mb_path(), SR)
    beat = 60 / 110
    n_beats = int(seconds / beat)
    roots = [33, 29, 36, 31]  # A1 F1 C2 G1
    bass = [
        Note(i * beat, i * beat + 0.9 * beat, roots[(i // 4) % 4] + (12 if i % 4 == 3 else 0), 105)
        for i in range(n_beats)
    ]
    drums = []
    for i in range(n_beats * 2):
        t = i * beat / 2
        drums.append(Note(t, t + 0.05, 42, 70))
        if i % 4 == 0:
            drums.append(Note(t, t + 0.1, 36, 115))
        if i % 4 == 2:
            drums.append(Note(t, t + 0.1, 38, 105))
    chords = [(57, 60, 64), (53, 57, 60), (55, 60, 64), (55, 59, 62)]
    pad = [Note(b * 4 * beat, (b + 1) * 4 * beat - 0.05, p, 80) for b in range(n_beats // 4 + 1) for p in chords[b % 4]]
    stems = {
        "Bass": r.render(bass, 33, duration=seconds),  # fingered electric bass (GM 34)
        "Drums": r.render(drums, 0, is_drum=True, duration=seconds, pan=0.0),
        "Strings": r.render(pad, 48, duration=seconds, pan=-0.3),  # string ensemble (GM 49)
    }
    gains = {"Bass": 0.35, "Drums": 0.35, "Strings": 0.15}
    for k, v in stems.items():
        v *= np.float32(gains[k] / (np.sqrt(np.mean(v.astype(np.float64) ** 2)) + 1e-9))
    return stems


@functools.lru_cache(maxsize=1)
def separated() -> tuple[np.ndarray, list[SeparatedStem]]:
    stems = multitrack()
    mix = mix_of(stems.values()).astype(np.float32)
    return mix, separate(mix, SR, StemSet.TWELVE, options=OPTIONS)


def test_twelve_stems_in_spec_order_shaped_like_the_mix_with_methods() -> None:
    mix, out = separated()
    assert [s.name for s in out] == list(TWELVE_STEMS)
    for s in out:
        assert s.audio.shape == mix.shape
        assert s.audio.dtype == np.float32
        assert isinstance(s.method, str) and s.method
    methods = {s.name: s.method for s in out}
    assert methods["Vocals"].startswith("spleeter-2stems")
    assert "nmf-gm-dictionary:TimGM6mb" in methods["Bass"]
    assert "hpss" in methods["Drums"]
    assert methods["FX"].endswith("residual")


def test_stems_add_up_to_the_mix() -> None:
    mix, out = separated()
    assert residual_db(mix, out) < -60


def test_bass_stem_is_the_bass() -> None:
    mix, out = separated()
    truth = multitrack()["Bass"]
    est = {s.name: s.audio for s in out}
    got = sdr(truth, est["Bass"])
    assert got > 0.0, f"Bass SDR {got:.2f} dB is no better than silence"
    assert got > sdr(truth, mix / 12) + 1.0, "Bass stem no better than the naive mix/12 baseline"


def test_drums_stem_is_mostly_the_drums() -> None:
    _, out = separated()
    truth = multitrack()
    drums = {s.name: s.audio for s in out}["Drums"]
    assert sdr(truth["Drums"], drums) > 0.0
    # of the Drums stem's energy, most is explained by the true drums (projection onto each source)
    d = drums.astype(np.float64).ravel()
    shares = {}
    for name, src in truth.items():
        s = src.astype(np.float64).ravel()
        shares[name] = np.dot(d, s) ** 2 / (np.dot(s, s) * np.dot(d, d))
    assert shares["Drums"] > max(shares["Bass"], shares["Strings"])
    assert shares["Drums"] > 0.3


@functools.lru_cache(maxsize=1)
def with_seashore() -> tuple[np.ndarray, np.ndarray, list[SeparatedStem]]:
    """(the sea sound effect, the multitrack + it, the separation): GM 123 "Seashore" from TimGM6mb, two
    swells, ~10 dB below the bass."""
    r = SoundFontRenderer(timgm6mb_path(), SR)
    sea = r.render([Note(0.3, 2.8, 60, 100), Note(3.3, 5.8, 60, 100)], 122, duration=6.0, pan=0.2)
    sea *= np.float32(0.1 / np.sqrt(np.mean(sea.astype(np.float64) ** 2)))
    mix = (sum(multitrack().values()) + sea).astype(np.float32)
    return sea, mix, separate(mix, SR, StemSet.TWELVE, options=OPTIONS)


def test_a_sound_effect_lands_in_the_fx_stem() -> None:
    sea, mix, out = with_seashore()
    est = {s.name: s.audio for s in out}
    got = sdr(sea, est["FX"])
    assert got > 1.5, f"FX SDR {got:.2f} dB: the sea did not go to the FX stem"
    assert residual_db(mix, out) < -60
    # the other stems still hold their parts
    truth = multitrack()
    assert sdr(truth["Bass"], est["Bass"]) > sdr(truth["Bass"], mix / 12) + 1.0
    assert sdr(truth["Drums"], est["Drums"]) > 0.0


def test_fx_stem_is_quiet_without_sound_effects() -> None:
    mix, out = separated()  # bass, drums and strings only
    fx = {s.name: s for s in out}["FX"]
    ratio_db = 10 * np.log10(np.sum(fx.audio.astype(np.float64) ** 2) / np.sum(mix.astype(np.float64) ** 2))
    assert ratio_db < -30.0, f"FX holds {ratio_db:.1f} dB of a mix without effects"
    energy_db = fx.extra["energy_db_vs_mix"]
    assert isinstance(energy_db, float) and energy_db < -30.0


def test_silent_input_gives_twelve_silent_stems() -> None:
    mix = np.zeros((2, SR), dtype=np.float32)
    out = separate(mix, SR, StemSet.TWELVE, options=OPTIONS)
    assert [s.name for s in out] == list(TWELVE_STEMS)
    assert all(s.silent for s in out)
    assert all(s.audio.shape == mix.shape and not np.any(s.audio) for s in out)


def test_quiet_parts_are_flagged_silent_and_present_parts_are_not() -> None:
    _, out = separated()
    flags = {s.name: s.silent for s in out}
    assert not flags["Bass"] and not flags["Drums"]


def test_mono_22k_input() -> None:
    stems = multitrack()
    from scipy.signal import resample_poly

    mix = resample_poly(mix_of(stems.values()).mean(axis=0), 1, 2).astype(np.float32)[None, : 22050 * 3]
    progress_calls: list[tuple[float, str]] = []
    out = separate(mix, 22050, StemSet.TWELVE, progress=lambda f, s: progress_calls.append((f, s)), options=OPTIONS)
    assert [s.name for s in out] == list(TWELVE_STEMS)
    assert all(s.audio.shape == mix.shape for s in out)
    assert residual_db(mix, out) < -60
    assert progress_calls and progress_calls[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in progress_calls)
    fractions = [f for f, _ in progress_calls]
    assert fractions == sorted(fractions)


def test_one_dimensional_input_is_treated_as_mono() -> None:
    mix = multitrack()["Bass"].mean(axis=0)[: SR * 2]
    out = twelve.separate_twelve_stems(mix, SR, options=OPTIONS)
    assert all(s.audio.shape == (1, mix.shape[0]) for s in out)


def test_invalid_input_raises() -> None:
    with pytest.raises(ValueError):
        twelve.separate_twelve_stems(np.full((2, 100), np.nan, dtype=np.float32), SR, options=OPTIONS)
    with pytest.raises(ValueError):
        twelve.separate_twelve_stems(np.zeros((2, 100), dtype=np.float32), 0, options=OPTIONS)


def test_twelve_params_are_typed_and_frozen() -> None:
    params = twelve.DEFAULT_TWELVE_PARAMS
    assert params.harmonic_median_frames == 17 and params.midrange_split_power == 0.6
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.nmf_iterations = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        params.family_priors["Bass"] = 1.0  # type: ignore[index]


def test_soften_group_resplits_only_the_group_share() -> None:
    rng = np.random.default_rng(5)
    w = {f: rng.random((4, 3)).astype(np.float32) + 0.01 for f in ("Drums", "Bass", "Guitar", "Strings", "Synth")}
    total = sum(w.values())
    r = {f: x / total for f, x in w.items()}
    group = ("Guitar", "Strings", "Synth")
    out = twelve._soften_group(r, w, group, 0.5)
    assert np.allclose(sum(out.values()), 1.0, atol=1e-5)  # still a partition of each band
    for f in ("Drums", "Bass"):
        assert np.array_equal(out[f], r[f])
    assert np.allclose(sum(out[f] for f in group), sum(r[f] for f in group), atol=1e-6)
    # a softer split: the group's shares are closer to each other than before

    def spread(shares: dict[str, np.ndarray]) -> float:
        return float(np.ptp(np.stack([shares[f] for f in group]), axis=0).mean())

    assert spread(out) < spread(r)
    assert twelve._soften_group(r, w, group, 1.0)["Guitar"] == pytest.approx(r["Guitar"], rel=1e-5)


def test_energy_is_summed_blockwise_over_every_sample() -> None:
    x = np.random.default_rng(4).standard_normal((2, 1003)).astype(np.float32)
    want = float(np.sum(x.astype(np.float64) ** 2))
    assert energy(x, block=7) == pytest.approx(want, rel=1e-12)
    strided = x[:, ::2]  # a non-contiguous view is summed without a copy of the whole input
    assert energy(strided, block=10) == pytest.approx(float(np.sum(strided.astype(np.float64) ** 2)), rel=1e-12)


def test_long_input_is_chunked_and_stored_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks (2 s + 0.5 s margins) and a zero RAM limit: the same checks hold, stems are memmaps."""
    monkeypatch.setattr(chunking, "CHUNK_SECONDS", 2.0)
    monkeypatch.setattr(chunking, "MARGIN_SECONDS", 0.5)
    monkeypatch.setattr(collect, "IN_MEMORY_LIMIT_BYTES", 0)
    stems = multitrack()
    mix = mix_of(stems.values()).astype(np.float32)
    out = twelve.separate_twelve_stems(mix, SR, options=OPTIONS)
    assert all(isinstance(s.audio, np.memmap) for s in out)
    assert all(s.extra["storage"] == "memmap" for s in out)
    assert residual_db(mix, out) < -60
    est = {s.name: np.asarray(s.audio) for s in out}
    assert sdr(stems["Bass"], est["Bass"]) > 0.0
    # the chunked Bass is close to the whole-file Bass
    _, whole = separated()
    whole_bass = {s.name: s.audio for s in whole}["Bass"]
    assert sdr(whole_bass, est["Bass"]) > 10.0


def test_demucs_path_when_weights_are_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """With htdemucs_6s available, Drums/Bass/Guitar/Keyboard come from demucs and the DSP path only splits
    demucs' "other" among the families it lacks; the stems still add up to the mix. (demucs itself is
    faked here: the real weights are optional and not downloaded in tests.)"""
    from songforge.engines.separation import demucs_backend

    calls: list[str] = []

    def fake_separate(
        mix: np.ndarray,
        sample_rate: int,
        model_name: str,
        options: SeparationOptions,
        progress: ProgressCallback,
    ) -> dict[str, np.ndarray]:
        calls.append(model_name)
        parts = {"vocals": 0.1, "drums": 0.3, "bass": 0.2, "guitar": 0.1, "piano": 0.1}
        out = {k: (g * mix).astype(np.float32) for k, g in parts.items()}
        out["other"] = (mix - sum(out.values())).astype(np.float32)
        return out

    monkeypatch.setattr(demucs_backend, "demucs_available", lambda options, model_name="htdemucs": True)
    monkeypatch.setattr(demucs_backend, "separate_with_demucs", fake_separate)
    mix = mix_of(multitrack().values()).astype(np.float32)[:, : SR * 2]
    out = twelve.separate_twelve_stems(mix, SR, options=SeparationOptions(prefer_demucs=True, learned_twelve=False))
    assert calls and set(calls) == {"htdemucs_6s"}
    methods = {s.name: s.method for s in out}
    for name in ("Drums", "Bass", "Guitar", "Keyboard"):
        assert methods[name] == "demucs-htdemucs_6s"
    assert methods["Vocals"].startswith("demucs-htdemucs_6s")
    assert "nmf-gm-dictionary" in methods["Strings"]
    est = {s.name: s.audio for s in out}
    assert np.allclose(est["Drums"], 0.3 * mix, atol=1e-6)
    assert residual_db(mix, out) < -60
