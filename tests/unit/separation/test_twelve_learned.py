"""The Twelve pipeline with its trained family mask model (`learned.py`, `masknet.py`).

What a user notices: each stem of a TimGM6mb multitrack (bass, drums, string pad) names the method that
made it (its `method` becomes the stem clip's `metadata.engine`): the trained model for the families routed
to it, the DSP path for the others; the Bass stem is the bass and the Drums stem the drums, with the model
alone too, and the stems still add up to the mix however the families are split between the two methods.
The committed weights are the ones their manifest describes; weights that do not match it are refused and
the DSP path answers; with htdemucs_6s weights present, demucs gives the stems it knows and the trained
model and the DSP path the rest.
"""

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from songforge.engines.separation import SeparationOptions, StemSet, learned, separate, twelve
from songforge.engines.separation.masknet import FAMILIES, MaskNet, MaskNetConfig
from songforge.engines.separation.stems import TWELVE_STEMS
from tests.unit.separation.test_twelve import SR, mix_of, multitrack, residual_db, sdr

OPTIONS = SeparationOptions(prefer_demucs=False)
MAX_COMMITTED_BYTES = 20 * 1024 * 1024


def separated_with(options: SeparationOptions, seconds: float = 6.0) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
    stems = multitrack(seconds)
    mix = mix_of(stems.values()).astype(np.float32)
    out = separate(mix, SR, StemSet.TWELVE, options=options)
    return mix, {s.name: np.asarray(s.audio) for s in out}, {s.name: s.method for s in out}


def test_the_committed_weights_are_what_their_manifest_says() -> None:
    manifest = json.loads(learned.PACKAGED_WEIGHTS.with_suffix(".json").read_text())
    assert learned.verified_digest(learned.PACKAGED_WEIGHTS) == manifest["sha256"]
    assert learned.PACKAGED_WEIGHTS.stat().st_size == manifest["bytes"] <= MAX_COMMITTED_BYTES
    assert manifest["command"].startswith("python bench/train_twelve.py")
    assert manifest["model"] == json.loads(json.dumps(MaskNetConfig().__dict__))


def test_masks_are_a_partition_of_every_band_and_frame() -> None:
    masks = learned.load_learned_masks(OPTIONS)
    assert masks is not None
    band_magnitude = np.abs(np.random.default_rng(0).standard_normal((MaskNetConfig().n_bands, 50))).astype(np.float32)
    out = masks.band_masks(band_magnitude)
    assert list(out) == list(FAMILIES)
    total = sum(out.values())
    assert np.allclose(total, 1.0, atol=1e-5)
    assert all(m.shape == band_magnitude.shape and m.min() >= 0 for m in out.values())


def test_each_stem_names_the_method_that_made_it_and_the_stems_add_up_to_the_mix() -> None:
    mix, est, methods = separated_with(OPTIONS)
    model = learned.load_learned_masks(OPTIONS)
    assert model is not None and model.method.startswith("masknet-")
    for name in TWELVE_STEMS[2:]:
        assert names_its_blend(methods[name], model.method, model_share(name)), name
    assert methods["Vocals"].startswith("spleeter-2stems")
    total = sum(est.values())
    assert 10 * np.log10(np.sum((total - mix) ** 2) / np.sum(mix**2) + 1e-30) < -60


def model_share(stem: str) -> float:
    return twelve.DEFAULT_TWELVE_PARAMS.model_shares.get(stem, 0.0)


def names_its_blend(method: str, model_method: str, share: float) -> bool:
    """A stem's method names the model alone, the DSP path alone, or the model's share and the DSP path."""
    if share >= 1.0:
        return method == model_method
    if share > 0.0:
        return method.startswith(f"{model_method}×{share:g}+") and "nmf-gm-dictionary" in method
    return "nmf-gm-dictionary" in method or method == "noise-texture+residual"


def accompaniment_split(
    shares: tuple[tuple[str, float], ...],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict]:
    """The true instrument stems and the separator's split of their sum, with the model's `shares` of the
    stems' masks (`SeparationOptions.model_shares`; the rest from the DSP path)."""
    truth = multitrack()
    accompaniment = mix_of(truth.values()).astype(np.float32)
    separator = twelve._ChunkSeparator(dataclasses.replace(OPTIONS, model_shares=shares))
    return truth, separator.accompaniment(accompaniment), separator.methods()


def test_the_trained_model_alone_finds_the_drums_and_the_bass() -> None:
    truth, est, methods = accompaniment_split(tuple((stem, 1.0) for stem in twelve.ACCOMPANIMENT_STEMS))
    model = learned.load_learned_masks(OPTIONS)
    assert model is not None
    assert {methods[f] for f in twelve.ACCOMPANIMENT_STEMS} == {model.method}
    accompaniment = mix_of(truth.values())
    for name in ("Drums", "Bass"):
        assert sdr(truth[name], est[name]) > sdr(truth[name], accompaniment / 10) + 3.0, name


def test_families_split_between_the_model_and_the_dsp_path_still_partition_the_mix() -> None:
    truth, est, methods = accompaniment_split((("Strings", 1.0), ("Brass", 1.0), ("Drums", 0.5), ("FX", 1.0)))
    model = learned.load_learned_masks(OPTIONS)
    assert model is not None
    assert methods["Strings"] == methods["FX"] == model.method
    assert names_its_blend(methods["Drums"], model.method, 0.5)
    assert names_its_blend(methods["Bass"], model.method, 0.0)
    accompaniment = mix_of(truth.values())
    total = sum(est.values())
    assert np.sum((total - accompaniment) ** 2) < 1e-9 * np.sum(accompaniment**2)
    assert sdr(truth["Bass"], est["Bass"]) > sdr(truth["Bass"], accompaniment / 10) + 1.0


def test_bass_and_drums_stems_hold_the_bass_and_the_drums() -> None:
    truth = multitrack()
    mix, est, _ = separated_with(OPTIONS)
    assert sdr(truth["Bass"], est["Bass"]) > sdr(truth["Bass"], mix / 12) + 3.0
    assert sdr(truth["Drums"], est["Drums"]) > sdr(truth["Drums"], mix / 12) + 3.0


def test_tampered_weights_are_refused_and_the_dsp_path_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    weights = model_dir / learned.WEIGHTS_NAME
    shutil.copy(learned.PACKAGED_WEIGHTS, weights)
    shutil.copy(learned.PACKAGED_WEIGHTS.with_suffix(".json"), weights.with_suffix(".json"))
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR):
        _, _, methods = separated_with(SeparationOptions(model_dir=str(model_dir), prefer_demucs=False), 2.0)
    assert all("nmf-gm-dictionary" in methods[name] for name in twelve.PITCHED)  # the routed ones too
    assert any("sha256" in record.getMessage() or record.exc_info for record in caplog.records)


def test_retrained_weights_in_the_model_directory_are_used(tmp_path: Path) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    torch.manual_seed(1)
    weights = model_dir / learned.WEIGHTS_NAME
    torch.save(MaskNet(MaskNetConfig()).eval().state_dict(), weights)
    digest = learned.hashlib.sha256(weights.read_bytes()).hexdigest()
    weights.with_suffix(".json").write_text(json.dumps({"sha256": digest}))
    _, _, methods = separated_with(SeparationOptions(model_dir=str(model_dir), prefer_demucs=False), 2.0)
    blended = [stem for stem in twelve.ACCOMPANIMENT_STEMS if model_share(stem) > 0.0]
    assert blended and all(methods[stem].startswith(f"masknet-{digest[:8]}") for stem in blended)


def test_learned_twelve_off_uses_the_dsp_path() -> None:
    _, _, methods = separated_with(SeparationOptions(prefer_demucs=False, learned_twelve=False), 2.0)
    assert all("nmf-gm-dictionary:TimGM6mb" in methods[name] for name in twelve.PITCHED)


def test_with_htdemucs_6s_weights_demucs_gives_its_stems_and_the_model_the_rest(tmp_path: Path) -> None:
    pytest.importorskip("demucs")
    from tests.demucs_checkpoints import SIX_SOURCES, write_random_htdemucs

    model_dir = tmp_path / "models"
    write_random_htdemucs(model_dir, signature="0123abcd", name=twelve.DEMUCS_MODEL, sources=SIX_SOURCES)
    mix = mix_of(multitrack().values()).astype(np.float32)[:, : SR * 2]
    out = separate(mix, SR, StemSet.TWELVE, options=SeparationOptions(model_dir=str(model_dir)))
    methods = {s.name: s.method for s in out}
    for name in ("Drums", "Bass", "Guitar", "Keyboard"):
        assert methods[name] == f"demucs-{twelve.DEMUCS_MODEL}"
    assert methods["Vocals"].startswith(f"demucs-{twelve.DEMUCS_MODEL}")
    model = learned.load_learned_masks(SeparationOptions())
    assert model is not None
    for name in ("Strings", "Brass", "Woodwinds", "Percussion", "Synth", "FX"):
        assert names_its_blend(methods[name], model.method, model_share(name)), name
    assert residual_db(mix, out) < -60


def test_unreadable_weights_with_a_matching_manifest_fall_back_to_the_dsp_path(tmp_path: Path) -> None:
    weights = tmp_path / learned.WEIGHTS_NAME
    weights.write_bytes(b"not a torch file" * 64)
    digest = learned.hashlib.sha256(weights.read_bytes()).hexdigest()
    weights.with_suffix(".json").write_text(json.dumps({"sha256": digest}))
    assert learned.load_learned_masks(SeparationOptions(model_dir=str(tmp_path))) is None
