"""A phrase as WORLD frames: each output frame takes its spectrum from a time-warped frame of the syllable's
speech, its pitch from the melody; then WORLD renders the phrase in one go."""

from __future__ import annotations

import math

import numpy as np

from songforge.engines.generation.voice.espeak import SPEECH_RATE
from songforge.engines.generation.voice.melody import pitch_contour
from songforge.engines.generation.voice.placement import Placement
from songforge.engines.generation.voice.timbre import Timbre, add_breath, shift_formants, tilt
from songforge.engines.generation.voice.world import FRAME_PERIOD_S, SILENT_LOG_ENVELOPE, synthesise

# A long vowel holds the steady part of the speech vowel: its first 20 % and last 40 % (a diphthong's glide)
# keep their speed, the part between stretches to fill the note.
_HOLD_FROM = 0.2
_HOLD_UNTIL = 0.6
_EDGE_FADE_S = 0.015  # gain ramps where the voice starts or stops, so frames do not click on and off
_VELOCITY_REFERENCE = 96
_ONSET_GAIN = 0.6  # sung consonants are softer than spoken ones; the vowel carries the beat


def render_phrase(phrase: tuple[Placement, ...], timbre: Timbre, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    """The phrase sung: (first sample at SPEECH_RATE, float64 samples)."""
    first_frame = math.floor(phrase[0].onset_start / FRAME_PERIOD_S)
    frame_count = math.ceil(phrase[-1].coda_end / FRAME_PERIOD_S) - first_frame + 2
    bins = phrase[0].sound.analysis.log_envelope.shape[1]
    log_envelope = np.full((frame_count, bins), SILENT_LOG_ENVELOPE, dtype=np.float32)
    aperiodicity = np.ones((frame_count, bins), dtype=np.float32)
    voiced = np.zeros(frame_count, dtype=bool)
    gain = np.zeros(frame_count)
    for placement in phrase:
        frames, sources, in_nucleus = _frame_map(placement, first_frame, frame_count)
        analysis = placement.sound.analysis
        lower = np.clip(np.floor(sources).astype(int), 0, analysis.frame_count - 1)
        upper = np.minimum(lower + 1, analysis.frame_count - 1)
        weight = (sources - lower).clip(0.0, 1.0)[:, None].astype(np.float32)
        log_envelope[frames] = analysis.log_envelope[lower] * (1 - weight) + analysis.log_envelope[upper] * weight
        aperiodicity[frames] = analysis.aperiodicity[lower] * (1 - weight) + analysis.aperiodicity[upper] * weight
        voiced[frames] = in_nucleus | analysis.voiced[np.rint(sources).astype(int).clip(0, analysis.frame_count - 1)]
        in_onset = (first_frame + frames) * FRAME_PERIOD_S < placement.nucleus_start
        gain[frames] = placement.syllable.notes[0].velocity / _VELOCITY_REFERENCE * np.where(in_onset, _ONSET_GAIN, 1.0)
    f0 = np.where(voiced, pitch_contour(phrase, first_frame, frame_count, rng), 0.0)
    shaped = tilt(shift_formants(log_envelope, timbre.formant_shift), timbre.tilt_db_per_octave)
    envelope = np.exp(shaped) * _faded(gain)[:, None] ** 2
    samples = synthesise(f0, envelope, add_breath(aperiodicity, timbre.breathiness), SPEECH_RATE)
    return round(first_frame * FRAME_PERIOD_S * SPEECH_RATE), samples


def _frame_map(placement: Placement, first_frame: int, frame_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The phrase frames the syllable covers, the (fractional) speech frame each plays, and which are vowel."""
    sound = placement.sound
    start = max(0, math.ceil(placement.onset_start / FRAME_PERIOD_S) - first_frame)
    stop = min(frame_count, math.ceil(placement.coda_end / FRAME_PERIOD_S) - first_frame)
    frames = np.arange(start, stop)
    times = (first_frame + frames) * FRAME_PERIOD_S
    sung = placement.nucleus_end - placement.nucleus_start
    spoken = (sound.nucleus_end - sound.nucleus_start) * FRAME_PERIOD_S
    if sung > spoken:
        held = sung - spoken * (1.0 - (_HOLD_UNTIL - _HOLD_FROM))
        vowel_times = [0.0, spoken * _HOLD_FROM, spoken * _HOLD_FROM + held, sung]
        vowel_sources = [0.0, spoken * _HOLD_FROM, spoken * _HOLD_UNTIL, spoken]
    else:
        vowel_times, vowel_sources = [0.0, sung], [0.0, spoken]
    out_knots = [
        placement.onset_start,
        *(placement.nucleus_start + np.asarray(vowel_times)),
        placement.coda_end,
    ]
    source_knots = [
        sound.onset_start,
        *(sound.nucleus_start + np.asarray(vowel_sources) / FRAME_PERIOD_S),
        sound.coda_end,
    ]
    sources = np.interp(times, out_knots, source_knots)
    in_nucleus = (times >= placement.nucleus_start) & (times < placement.nucleus_end)
    return frames, sources, in_nucleus


def _faded(gain: np.ndarray) -> np.ndarray:
    width = max(1, round(_EDGE_FADE_S / FRAME_PERIOD_S))
    kernel = np.ones(2 * width + 1) / (2 * width + 1)
    return np.convolve(gain, kernel, mode="same")
