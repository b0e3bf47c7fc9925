"""The tempo a listener would count: librosa's beat tracker, sharpened, on the right metrical level.

The tracker's beats give a first tempo; the onset envelope's spectrum (the pulse and its 2nd and 4th
harmonics) sharpens it to a small fraction of a BPM. Then the octave: the tempo, half and double it each score
how well their 4-beat bars line the chord changes up (chords change on bar lines: at the right tempo the
changes fall on one phase of the bar and not also half a bar later) less their distance in octaves from the
middle of 70–180 BPM, where most music is counted. Harmony decides the clear cases (a ballad in half time,
drum and bass counted at half speed); the prior decides the rest. Tuned on 160 songs of 30 styles from the
song engine; songs whose feel contradicts their written tempo (trap written at 140 in half time) can still read
at half or double.
"""

from __future__ import annotations

import math

import librosa
import numpy as np

from songforge.engines.analysis.chord_changes import chord_change_curve
from songforge.engines.analysis.features import ANALYSIS_RATE, CHROMA_RATE, ONSET_HOP, ONSET_RATE, Features
from songforge.engines.analysis.pulse import comb

BEATS_PER_BAR = 4  # 4/4 is assumed throughout
DEFAULT_TEMPO = 120.0  # what a song without any pulse (silence, a drone) is counted in
PREFERRED_BPM = (70.0, 180.0)
PRIOR_CENTRE_BPM = math.sqrt(PREFERRED_BPM[0] * PREFERRED_BPM[1])
PLAUSIBLE_BPM = (55.0, 210.0)  # half or double the preferred tempo is considered only inside this range
REFINE_SPAN = 0.04  # the tracker's tempo is good to a few percent: its beats sit on whole frames
REFINE_STEPS = 161
PULSE_HARMONICS = (1, 2, 4)  # the higher harmonics' peaks are narrower, so they pin the tempo down
CHORD_WINDOW_BEATS = 2.0
# Chord-change contrasts (in units of the curve's mean, about 2 at the right tempo) are compared as logs, softened
# by this much so that songs whose chords hardly change leave the choice to the prior.
CONTRAST_FLOOR = 0.1
PRIOR_WEIGHT = 1.0  # per octave from PRIOR_CENTRE_BPM, against the log of the contrast


def estimate_tempo(features: Features) -> float:
    """Beats per minute (quarter notes in 4/4)."""
    tracked = tracked_tempo(features.onset)
    if tracked is None:
        return DEFAULT_TEMPO
    preferred = folded_into(refined_tempo(features.onset, tracked), PREFERRED_BPM)
    return octave_by_harmony(features, preferred)


def tracked_tempo(onset: np.ndarray) -> float | None:
    """The tempo of librosa's beat tracker, from the median spacing of its beats; None when it finds no pulse."""
    _, beats = librosa.beat.beat_track(onset_envelope=onset, sr=ANALYSIS_RATE, hop_length=ONSET_HOP, units="time")
    if beats.size < 3:
        return None
    return 60.0 / float(np.median(np.diff(beats)))


def refined_tempo(onset: np.ndarray, tracked: float) -> float:
    """The tempo near `tracked` at which the onset envelope's spectrum (pulse and harmonics) is strongest."""
    times = np.arange(onset.size) / ONSET_RATE
    centred = onset - onset.mean()
    candidates = tracked * np.linspace(1.0 - REFINE_SPAN, 1.0 + REFINE_SPAN, REFINE_STEPS)
    salience = [
        sum(abs(np.dot(centred, np.exp(-2j * np.pi * harmonic * bpm / 60.0 * times))) for harmonic in PULSE_HARMONICS)
        for bpm in candidates
    ]
    return float(candidates[int(np.argmax(salience))])


def folded_into(bpm: float, bounds: tuple[float, float]) -> float:
    """The tempo doubled or halved until it lies within `bounds` (which must span at least an octave)."""
    low, high = bounds
    while bpm < low:
        bpm *= 2.0
    while bpm > high:
        bpm /= 2.0
    return bpm


def octave_by_harmony(features: Features, preferred: float) -> float:
    """`preferred`, half or double it (within PLAUSIBLE_BPM): whichever scores best on harmony and the prior."""
    curve = chord_change_curve(features.chroma, CHROMA_RATE, CHORD_WINDOW_BEATS * 60.0 / preferred)
    candidates = [
        bpm
        for bpm in (preferred / 2.0, preferred, preferred * 2.0)
        if bpm == preferred or PLAUSIBLE_BPM[0] <= bpm <= PLAUSIBLE_BPM[1]
    ]
    scores = [
        math.log(chord_contrast(curve, bpm, features.duration) + CONTRAST_FLOOR)
        - PRIOR_WEIGHT * abs(math.log2(bpm / PRIOR_CENTRE_BPM))
        for bpm in candidates
    ]
    return candidates[int(np.argmax(scores))]


def chord_contrast(curve: np.ndarray, bpm: float, duration: float) -> float:
    """How much more the harmony changes on the busiest phase of a bar at `bpm` than half a bar later, in
    units of the curve's mean: high when bars of that length carry one chord each."""
    mean = float(curve.mean())
    if mean <= 0.0:
        return 0.0
    _, strengths = comb(curve, CHROMA_RATE, BEATS_PER_BAR * 60.0 / bpm, duration)
    peak = int(np.argmax(strengths))
    opposite = strengths[(peak + strengths.size // 2) % strengths.size]
    return float(strengths[peak] - opposite) / mean
