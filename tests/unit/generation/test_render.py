"""Instrument renderer: stems of the right length, drums on the beat, drive that sounds driven, pan, level,
a played (but reproducible) feel, and fast enough for a whole song."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from songforge.engines.generation.effects import channel_strip, reverb_send
from songforge.engines.generation.humanise import DRUM_FEEL, PLAYED_FEEL, Feel, humanise
from songforge.engines.generation.render import render_instruments, soundfont_path
from songforge.engines.generation.score import InstrumentChoice, Note, Part
from songforge.engines.generation.synth import DRUM_RING_S, note_events

SR = 22050
DURATION = 4.5
BEAT = 0.5  # 120 BPM
SOUNDFONT = soundfont_path(None)

DRUM_KIT = InstrumentChoice(stem="Drums", program=0, role="drums", is_drum=True)
KICK = Part("Kick", DRUM_KIT, tuple(Note(i * BEAT, i * BEAT + 0.1, 36, 110) for i in range(8)))
BASS = Part(
    "Fingered Bass",
    InstrumentChoice(stem="Bass", program=33, role="bass"),
    tuple(Note(i * BEAT, (i + 1) * BEAT, 28 + (i % 2) * 7, 100) for i in range(8)),
)
# Power chords (root, fifth, octave) on a clean electric guitar, so only the drive differs.
GUITAR = Part(
    "Electric Guitar",
    InstrumentChoice(stem="Guitar", program=27, role="chords"),
    tuple(Note(0.5 + i * BEAT, 0.5 + i * BEAT + 0.45, pitch, 100) for i in range(7) for pitch in (40, 47, 52)),
)
PIANO = Part(
    "Piano",
    InstrumentChoice(stem="Keyboard", program=0, role="chords"),
    tuple(Note(i * BEAT, i * BEAT + 0.4, 60 + i, 100) for i in range(8)),
)


def _render(*parts: Part, seed: int = 1) -> dict[str, np.ndarray]:
    return render_instruments(parts, duration=DURATION, sample_rate=SR, soundfont=SOUNDFONT, seed=seed)


def _onsets(audio: np.ndarray, *, threshold: float = 0.25, gap_s: float = 0.2) -> list[float]:
    """Times where the level first rises over `threshold` × the peak, at least `gap_s` after the last one."""
    level = np.abs(audio).max(axis=0)
    above = np.flatnonzero(level > threshold * level.max())
    onsets = [int(above[0])]
    for index in above[1:]:
        if index - onsets[-1] > gap_s * SR and level[index - 1] <= threshold * level.max():
            onsets.append(int(index))
    return [index / SR for index in onsets]


def _energy_above(audio: np.ndarray, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio.mean(axis=0))) ** 2
    return float(spectrum[np.fft.rfftfreq(audio.shape[1], 1 / SR) > hz].sum() / spectrum.sum())


def _crest(audio: np.ndarray) -> float:
    mono = audio.mean(axis=0)
    return float(np.abs(mono).max() / np.sqrt(np.mean(mono**2)))


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def test_each_stem_with_parts_comes_back_stereo_float32_at_the_songs_length() -> None:
    stems = _render(KICK, BASS, GUITAR)

    assert set(stems) == {"Drums", "Bass", "Guitar"}
    for audio in stems.values():
        assert audio.shape == (2, round(DURATION * SR))
        assert audio.dtype == np.float32
        assert np.all(np.isfinite(audio))
        assert np.abs(audio).max() > 0.01  # audible


def test_parts_of_one_stem_are_summed_into_it() -> None:
    hats = Part("Hi-hat", DRUM_KIT, tuple(Note(i * BEAT / 2, i * BEAT / 2 + 0.05, 42, 90) for i in range(16)))
    together = _render(KICK, hats)["Drums"]
    # Seeds follow a part's place in the list, so rendering alone with the same places gives the same parts.
    kick_alone = _render(KICK)["Drums"]
    hats_alone = _render(replace(KICK, notes=()), hats)["Drums"]

    assert np.allclose(together, kick_alone + hats_alone, atol=1e-5)


def test_a_part_never_hears_the_part_rendered_before_it() -> None:
    ringing = Part("Pad", InstrumentChoice("Strings", 48, "pad"), (Note(0.0, DURATION + 5.0, 48, 127),), reverb=0.0)
    after_pad = _render(ringing, PIANO)["Keyboard"]
    after_nothing = _render(replace(ringing, notes=()), PIANO)["Keyboard"]

    assert np.array_equal(after_pad, after_nothing)


def test_a_four_on_the_floor_kick_lands_on_every_beat() -> None:
    drums = _render(KICK)["Drums"]

    onsets = _onsets(drums)
    assert len(onsets) == 8
    assert np.abs(np.array(onsets) - BEAT * np.arange(8)).max() <= 0.02


def test_a_driven_guitar_is_brighter_and_denser_than_a_clean_one() -> None:
    clean = _render(GUITAR)["Guitar"]
    driven = _render(replace(GUITAR, drive=0.9))["Guitar"]

    # Distortion adds harmonics above the notes, and the saturated amp sustains: peaks no longer tower over
    # the body of the sound.
    assert _energy_above(driven, 1000.0) > 1.5 * _energy_above(clean, 1000.0)
    assert _crest(driven) < 0.5 * _crest(clean)
    assert 0.7 < _rms(driven) / _rms(clean) < 1.4  # drive changes the tone, not the level


def test_the_channel_strip_and_reverb_keep_a_note_on_the_beat() -> None:
    # A plucked 220 Hz note starting at exactly 0.5 s, through the heaviest strip there is.
    t = np.arange(SR) / SR
    note = np.where(t >= 0.5, np.sin(2 * np.pi * 220.0 * (t - 0.5)) * np.exp(-(t - 0.5) / 0.1), 0.0)
    audio = np.stack([note, note]).astype(np.float32)
    channel_strip(audio, replace(GUITAR, drive=1.0, compress=True, pan=0.5, gain_db=-3.0), SR)
    reverb_send(audio, 1.0, SR)

    level = np.abs(audio).max(axis=0)
    first_audible = int(np.argmax(level > 0.01 * level.max()))
    assert not np.any(audio[:, : SR // 2])  # nothing before the note
    assert first_audible - SR // 2 <= SR // 1000  # and it speaks within a millisecond


@pytest.mark.parametrize("side", [-1.0, 1.0])
def test_pan_moves_the_part_to_one_side(side: float) -> None:
    keys = _render(replace(PIANO, pan=side))["Keyboard"]

    near, far = (keys[0], keys[1]) if side < 0 else (keys[1], keys[0])
    assert np.sum(near.astype(np.float64) ** 2) > 20 * np.sum(far.astype(np.float64) ** 2)


def test_an_unpanned_part_sits_in_the_middle() -> None:
    keys = _render(PIANO)["Keyboard"]

    assert 0.7 < np.sum(keys[0].astype(np.float64) ** 2) / np.sum(keys[1].astype(np.float64) ** 2) < 1.4


def test_gain_db_changes_the_level_by_that_much() -> None:
    loud = _render(PIANO)["Keyboard"]
    quiet = _render(replace(PIANO, gain_db=-6.0))["Keyboard"]

    assert _rms(quiet) / _rms(loud) == pytest.approx(10 ** (-6 / 20), rel=0.01)


def test_the_same_seed_gives_the_same_audio_and_another_seed_another_performance() -> None:
    first = _render(KICK, BASS, PIANO, seed=5)
    again = _render(KICK, BASS, PIANO, seed=5)
    other = _render(KICK, BASS, PIANO, seed=6)

    assert all(np.array_equal(first[stem], again[stem]) for stem in first)
    assert not np.array_equal(first["Keyboard"], other["Keyboard"])


def test_notes_after_the_end_are_dropped_and_a_part_without_notes_is_a_silent_stem() -> None:
    late = replace(PIANO, notes=(Note(DURATION + 1.0, DURATION + 2.0, 60),))
    stems = _render(late, replace(BASS, notes=()))

    assert set(stems) == {"Keyboard", "Bass"}
    assert not np.any(stems["Keyboard"]) and not np.any(stems["Bass"])


def test_progress_is_reported_per_part_up_to_done() -> None:
    reports: list[tuple[float, str]] = []
    render_instruments(
        [KICK, BASS, PIANO],
        duration=1.0,
        sample_rate=SR,
        soundfont=SOUNDFONT,
        seed=0,
        progress=lambda *r: reports.append(r),
    )

    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and len(fractions) == 3 and fractions[-1] == 1.0


def test_humanised_notes_move_a_few_ms_keep_their_order_and_length() -> None:
    rng = np.random.default_rng(0)
    written = tuple(Note(i * 0.125, i * 0.125 + 0.1, 60 + i % 12, 100) for i in range(400))
    played = humanise(written, rng, PLAYED_FEEL)

    shifts = np.array([p.start - w.start for p, w in zip(played, written, strict=True)])
    assert 0.002 < shifts.std() < 0.006 and np.abs(shifts).max() <= 0.0101
    assert all(b.start >= a.start for a, b in itertools.pairwise(played))
    assert all(abs((p.end - p.start) - (w.end - w.start)) < 1e-9 for p, w in zip(played, written, strict=True))
    velocities = np.array([p.velocity for p in played])
    assert velocities.min() >= 92 and velocities.max() <= 108 and velocities.std() > 2


def test_drums_are_held_tighter_than_the_other_players() -> None:
    written = tuple(Note(i * 0.25, i * 0.25 + 0.05, 38) for i in range(400))

    def shifts(feel: Feel) -> np.ndarray:
        played = humanise(written, np.random.default_rng(0), feel)
        return np.array([p.start - w.start for p, w in zip(played, written, strict=True)])

    drum_shifts, band_shifts = shifts(DRUM_FEEL), shifts(PLAYED_FEEL)

    assert np.std(drum_shifts) < 0.5 * np.std(band_shifts)
    assert np.abs(drum_shifts).max() <= 0.004


def test_a_re_struck_key_is_released_before_it_sounds_again() -> None:
    events = note_events([Note(0.0, 1.0, 60), Note(0.5, 0.9, 60)], SR, is_drum=False)

    assert [(frame, order) for frame, order, _, _ in events] == [
        (0, 1),
        (SR // 2, 0),
        (SR // 2, 1),
        (round(0.9 * SR), 0),
    ]


def test_a_short_drum_hit_rings_out_instead_of_being_choked() -> None:
    events = note_events([Note(0.0, 0.01, 49)], SR, is_drum=True)

    assert events[-1][0] == round(DRUM_RING_S * SR)


def test_the_configured_soundfont_is_used_when_it_exists(tmp_path: Path) -> None:
    configured = tmp_path / "mine.sf2"
    configured.write_bytes(b"RIFF")

    assert soundfont_path(configured) == configured
    assert soundfont_path(tmp_path / "missing.sf2").name == "TimGM6mb.sf2"
    assert soundfont_path(None).is_file()


@pytest.mark.slow
def test_a_two_minute_song_renders_in_a_few_seconds() -> None:
    seconds, bpm_beat = 120.0, 0.5

    def every(step: float, pitches: tuple[int, ...], length: float) -> tuple[Note, ...]:
        return tuple(Note(t, t + length, p, 96) for t in np.arange(0.0, seconds, step) for p in pitches)

    parts = [
        Part("Kick", DRUM_KIT, every(bpm_beat, (36,), 0.1)),
        Part("Hats", DRUM_KIT, every(bpm_beat / 2, (42,), 0.05)),
        Part("Snare", DRUM_KIT, every(2 * bpm_beat, (38,), 0.1), reverb=0.3),
        replace(BASS, notes=every(bpm_beat / 2, (40,), bpm_beat / 2), compress=True),
        replace(GUITAR, notes=every(bpm_beat / 2, (52, 59, 64), bpm_beat / 2), drive=0.8, pan=-0.5),
        replace(PIANO, notes=every(2 * bpm_beat, (60, 64, 67, 72), 2 * bpm_beat), pan=0.3),
        Part(
            "Pad",
            InstrumentChoice("Strings", 48, "pad"),
            every(8 * bpm_beat, (48, 55, 60, 64), 8 * bpm_beat),
            reverb=0.6,
        ),
        Part("Lead", InstrumentChoice("Synth", 81, "lead"), every(bpm_beat / 4, (72,), bpm_beat / 4), reverb=0.4),
    ]
    assert sum(len(part.notes) for part in parts) > 4000

    started = time.perf_counter()
    stems = render_instruments(parts, duration=seconds, sample_rate=44100, soundfont=SOUNDFONT, seed=3)
    elapsed = time.perf_counter() - started

    assert len(stems) == 6
    # The budget is 6 s on an idle core; a shared test machine gets twice that.
    assert elapsed < 12.0
