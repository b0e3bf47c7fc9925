"""The mask model's training recipe (bench/train_twelve.py): made only of what the benchmark's `SEEN` side
lists, validated on held-out songs other than the benchmark's, and its band-domain loss is the error of the
masks the engine applies."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from songforge.engines.separation.dsp import bands
from songforge.engines.separation.masknet import FAMILIES
from tests.bench_modules import load_bench

heldout = load_bench("heldout")
train_twelve = load_bench("train_twelve")


def test_training_songs_use_only_seen_seeds_fonts_and_effects() -> None:
    seen_seeds = {seed for seeds in heldout.SEEN.seeds for seed in seeds}
    held_out_seeds = {seed for seeds in heldout.HELD_OUT.seeds for seed in seeds}
    assert set(train_twelve.TRAINING_SEEDS) <= seen_seeds
    assert not set(train_twelve.TRAINING_SEEDS) & held_out_seeds
    fonts = {name.rsplit("/", 1)[-1] for name in train_twelve.SEEN_FONTS}
    assert {f if f.endswith(".sf2") else f"{f}.sf2" for f in fonts} <= heldout.SEEN.font_files()
    assert "Equaliser" in heldout.SEEN.effects


def test_the_validation_songs_are_held_out_and_not_the_benchmarks() -> None:
    held_out_seeds = {seed for seeds in heldout.HELD_OUT.seeds for seed in seeds}
    benchmark = range(heldout.HELD_OUT_BASE_SEED, heldout.HELD_OUT_BASE_SEED + 10)
    assert set(heldout.VALIDATION_SEEDS) <= held_out_seeds
    assert not set(heldout.VALIDATION_SEEDS) & set(benchmark)


def test_a_training_song_has_the_ten_instrument_stems_at_unit_level() -> None:
    stems = train_twelve.render_training_song(train_twelve.TRAINING_SEEDS.start)
    assert stems.shape == (len(FAMILIES), round(train_twelve.SONG_SECONDS * train_twelve.SAMPLE_RATE))
    levels = np.sqrt(np.mean(stems.astype(np.float64) ** 2, axis=1))
    assert np.all((np.abs(levels - 1.0) < 0.01) | (levels < 1e-6))
    assert np.count_nonzero(levels > 0.5) >= 8


def test_examples_drop_stems_and_stay_below_full_scale() -> None:
    rng = np.random.default_rng(0)
    songs = [rng.standard_normal((len(FAMILIES), 4 * 44100)).astype(np.float16) for _ in range(3)]
    batch = train_twelve.Examples(songs, rng).batch(16)
    present = np.any(batch != 0, axis=2)
    assert present.sum(axis=1).min() >= 2
    assert not present.all()  # some stems were dropped
    assert np.abs(batch.sum(axis=1)).max() <= 0.95 + 1e-6


def test_band_domain_error_is_the_error_of_the_spread_masks() -> None:
    torch.manual_seed(0)
    n_bins, n_bands = bands.spread_matrix().shape
    stems = torch.randn(2, 3, n_bins, 5, dtype=torch.complex64)
    mix = stems.sum(dim=1)
    masks = torch.softmax(torch.randn(2, 3, n_bands, 5), dim=1)
    spread = torch.from_numpy(bands.spread_matrix())
    direct = (torch.einsum("kb,nfbt->nfkt", spread, masks) * mix[:, None] - stems).abs().square().sum(dim=(2, 3))
    masked = train_twelve.MaskedError()
    got = masked.error(masks, masked.terms(mix, stems))
    assert got.detach().numpy() == pytest.approx(direct.numpy(), rel=1e-4)
