"""The separation benchmark's held-out songs (bench/heldout.py) share nothing with what the engine saw."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.bench_modules import load_bench

# A failure, never a skip: `make test` installs these Debian packages (the Makefile's APT_PACKAGES).
FONTS_MISSING = (
    "the benchmark's soundfonts are not installed: run `make test`, or "
    "`apt-get install opl3-soundfont avldrums.lv2-soundfont csound-soundfont`"
)


heldout = load_bench("heldout")
testset = load_bench("testset")
SEEN, HELD_OUT = heldout.SEEN, heldout.HELD_OUT
DEFAULT_SEEDS = range(heldout.HELD_OUT_BASE_SEED, heldout.HELD_OUT_BASE_SEED + 10)


def _installed(files: frozenset[str]) -> list[Path]:
    """Where those soundfont files are on this machine (Debian's folders and pretty_midi's package)."""
    import pretty_midi

    folders = (heldout.SF2_DIR, Path("/usr/share/samples"), Path(os.path.dirname(pretty_midi.__file__)))
    return [folder / f for folder in folders for f in sorted(files) if (folder / f).is_file()]


def test_no_soundfont_file_or_family_is_shared() -> None:
    assert not SEEN.font_files() & HELD_OUT.font_files()
    assert not {f.name for f in SEEN.font_families} & {f.name for f in HELD_OUT.font_families}
    assert not set(SEEN.drum_kits) & set(HELD_OUT.drum_kits)
    seen_paths = {p.resolve() for p in _installed(SEEN.font_files())}
    assert not seen_paths & {p.resolve() for p in _installed(HELD_OUT.font_files())}  # default-GM.sf2 links


def test_held_out_fonts_share_no_samples_with_seen_fonts() -> None:
    held = _installed(HELD_OUT.font_files())
    if not held:
        pytest.fail(FONTS_MISSING, pytrace=False)
    seen_prints = set().union(*(heldout.sample_fingerprints(p) for p in _installed(SEEN.font_files())))
    for path in held:
        assert not heldout.sample_fingerprints(path) & seen_prints, path


def test_the_sample_check_finds_a_derived_font() -> None:
    """csound's GM bank is filed under TimGM6mb because it carries TimGM6mb's samples: the check sees that."""
    fonts = {p.name: p for p in _installed(frozenset({"TimGM6mb.sf2", "sf_GMbank.sf2"}))}
    if len(fonts) < 2:
        pytest.fail(FONTS_MISSING, pytrace=False)
    shared = heldout.sample_fingerprints(fonts["TimGM6mb.sf2"]) & heldout.sample_fingerprints(fonts["sf_GMbank.sf2"])
    assert len(shared) > 100


def test_no_voice_program_or_composition_choice_is_shared() -> None:
    assert not set(SEEN.voices) & set(HELD_OUT.voices)
    assert not set(SEEN.languages) & set(HELD_OUT.languages)
    assert not set(SEEN.formant_shifts) & set(HELD_OUT.formant_shifts)
    assert SEEN.vibrato_hz[1] < HELD_OUT.vibrato_hz[0]
    assert HELD_OUT.effects and not set(SEEN.effects) & set(HELD_OUT.effects)
    for stem, programs in HELD_OUT.programs.items():
        if stem == "Bass":  # GM's eight bass programs are all learned: held out from every seen song only
            assert not set(programs) & set(testset.TEST_PROGRAMS["Bass"])
        else:
            assert not set(programs) & set(SEEN.programs[stem]), stem
    for lo, hi in HELD_OUT.tempo_bpm:
        assert all(hi < s_lo or lo > s_hi for s_lo, s_hi in SEEN.tempo_bpm)
    assert not set(SEEN.scales) & set(HELD_OUT.scales)
    assert not set(SEEN.progressions) & set(HELD_OUT.progressions)
    assert not set(SEEN.lyrics) & set(HELD_OUT.lyrics)
    assert not {s for r in SEEN.seeds for s in r} & {s for r in HELD_OUT.seeds for s in r}


def test_every_stem_is_in_at_least_eight_default_held_out_songs() -> None:
    counts = Counter(stem for seed in DEFAULT_SEEDS for stem in heldout.plan_song(seed).present)
    assert set(counts) == set(testset.TWELVE_STEMS)
    assert min(counts.values()) >= 8
    assert counts["Vocals"] == len(DEFAULT_SEEDS)


def test_plans_draw_only_held_out_choices() -> None:
    for seed in DEFAULT_SEEDS:
        plan = heldout.plan_song(seed)
        assert {plan.lead.voice, *(v.voice for v in plan.backing)} <= set(HELD_OUT.voices)
        assert {plan.lead.formant_shift, *(v.formant_shift for v in plan.backing)} <= set(HELD_OUT.formant_shifts)
        assert plan.language in HELD_OUT.languages
        assert plan.kit.font in HELD_OUT.font_files()
        assert {p.program for p in plan.parts if p.program} <= {p for v in HELD_OUT.programs.values() for p in v}
        assert {e.kind for p in plan.parts for e in p.effects} <= set(HELD_OUT.effects)
        sides = {np.sign(v.pan) for v in plan.backing}
        assert sides == {-1.0, 1.0}  # the backing singers are spread, never all on one side


def test_a_rendered_song_sums_to_its_mix_and_depends_only_on_its_seed() -> None:
    if not _installed(HELD_OUT.font_files()):
        pytest.fail(FONTS_MISSING, pytrace=False)
    seed = heldout.HELD_OUT_BASE_SEED + 4
    first = heldout.render_isolated(seed, 6.0)
    again = heldout.render_isolated(seed, 6.0)
    for name in testset.TWELVE_STEMS:
        assert np.array_equal(first.stems[name], again.stems[name]), name
    plan = heldout.plan_song(seed)
    assert first.present == plan.present
    assert not any(np.any(first.stems[k]) for k in heldout.left_out(seed))
    total = np.sum([first.stems[k].astype(np.float64) for k in testset.TWELVE_STEMS], axis=0)
    assert np.allclose(first.mix, total, atol=1e-6)
    assert 0.5 < float(np.max(np.abs(first.mix))) <= 0.9 + 1e-6
    assert any(lo <= float(first.meta["tempo"]) <= hi for lo, hi in HELD_OUT.tempo_bpm)


def test_stems_are_scored_over_the_songs_that_have_them() -> None:
    separation = load_bench("separation")
    agg = separation.aggregate([{"Vocals": {"sdr": 1.0}, "Bass": {"sdr": 3.0}}, {"Vocals": {"sdr": 3.0}}], [7, 8])
    assert list(agg) == ["Vocals", "Bass"]
    assert agg["Vocals"]["sdr"] == 2.0 and agg["Vocals"]["n_songs"] == 2
    assert agg["Bass"] == {"sdr": 3.0, "sdr_per_song": [3.0], "n_songs": 1, "seeds": [7]}


def test_held_out_targets() -> None:
    separation = load_bench("separation")
    per_stem = {k: {"sdr": 5.0, "n_songs": 8} for k in testset.TWELVE_STEMS}
    held = {
        "two": {"per_stem": {"Vocals": {"sdr": 9.0, "sdr_vs_lead": 4.0}}},
        "twelve": {"per_stem": per_stem, "residual_db_worst": -120.0},
    }
    rows = {k: {"gap_db": 1.5} for k in testset.TWELVE_STEMS}
    assert all(separation.held_out_checks(held, rows).values())
    per_stem["FX"] = {"sdr": 0.5, "n_songs": 7}
    rows["Bass"] = {"gap_db": 2.5}
    missed = {k for k, ok in separation.held_out_checks(held, rows).items() if not ok}
    assert missed == {"fx_sdr", "bass_gap", "songs_per_stem"}
