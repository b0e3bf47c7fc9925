"""A part's channel strip (amp drive and cabinet, compression, level, pan) and reverb send, with pedalboard.

Every function works in place on a (2, n) float32 array the caller hands over: a four-minute part is 85 MB,
and a song has several. Every pedalboard plugin used here reports zero latency, so a processed part stays on
the beat. Drive and compression change tone and dynamics but not loudness (the result is matched to the dry
RMS): level is what `Part.gain_db` says. The reverb is linear, so parts sending the same amount can share one.
"""

from __future__ import annotations

import math

import numpy as np
from pedalboard import Compressor, Distortion, HighpassFilter, LowpassFilter, PeakFilter, Pedalboard, Reverb

from songforge.engines.generation.score import Part

# Distortion is tanh(gain · x): the amp is fed a fixed peak so `drive` means the same whatever the part's level.
AMP_INPUT_PEAK = 0.5
MIN_DRIVE_DB = 6.0
MAX_DRIVE_DB = 40.0
# Cutting the lows before the amp keeps heavy palm-muted chords tight instead of flubby.
AMP_TIGHTEN_HZ = 120.0
# A 4×12 guitar cabinet passes roughly 80 Hz – 5 kHz; the fizz above it is what makes raw distortion harsh.
CABINET_LOW_HZ = 80.0
CABINET_HIGH_HZ = 5000.0
# The compressor works relative to the part's own peak, since soundfont levels vary by instrument.
COMPRESSOR_DEPTH_DB = 12.0
# JUCE's reverb scales its dry path by 2, so 0.5 passes the dry signal at unity.
REVERB_UNITY_DRY = 0.5
MAX_REVERB_WET = 0.3
STREAM_BLOCK_FRAMES = 1 << 16
# Every part is brought to this RMS where it plays before `gain_db` sets its place in the mix.
PART_REFERENCE_RMS = 0.1
LEVEL_WINDOW_S = 0.4
LEVEL_STRIDE = 8
LEVEL_GATE = 10.0 ** (-30.0 / 10.0)  # windows 30 dB under the loudest one are pauses, not playing


def channel_strip(audio: np.ndarray, part: Part, sample_rate: int) -> None:
    """Drive, compress, level and pan the part's audio as the part says. The reverb send comes after."""
    if part.drive > 0.0:
        overdrive(audio, part.drive, sample_rate)
    if part.compress:
        compress(audio, sample_rate)
    level_to_reference(audio, sample_rate)
    audio *= np.float32(10.0 ** (part.gain_db / 20.0))
    pan(audio, part.pan)


def overdrive(audio: np.ndarray, drive: float, sample_rate: int) -> None:
    """A driven amp into a cabinet: tanh distortion whose gain grows with `drive` (0 … 1), band-limited like a
    guitar speaker, at the dry part's loudness."""
    peak = _peak(audio)
    if peak == 0.0:
        return
    drive_db = MIN_DRIVE_DB + (MAX_DRIVE_DB - MIN_DRIVE_DB) * min(drive, 1.0)
    amp_and_cabinet = Pedalboard(
        [
            HighpassFilter(cutoff_frequency_hz=AMP_TIGHTEN_HZ),
            Distortion(drive_db=drive_db),
            HighpassFilter(cutoff_frequency_hz=CABINET_LOW_HZ),
            # Two first-order stages: a speaker rolls off more steeply than one.
            LowpassFilter(cutoff_frequency_hz=CABINET_HIGH_HZ),
            LowpassFilter(cutoff_frequency_hz=CABINET_HIGH_HZ),
            # The cabinet's presence bump, where a rock guitar cuts through a mix.
            PeakFilter(cutoff_frequency_hz=1800.0, gain_db=3.0, q=0.8),
        ]
    )
    dry_rms = _rms(audio)
    audio *= np.float32(AMP_INPUT_PEAK / peak)
    _process_in_place(amp_and_cabinet, audio, sample_rate)
    _scale_to_rms(audio, dry_rms)


def compress(audio: np.ndarray, sample_rate: int) -> None:
    """Even out the part's dynamics (the loudest notes pulled toward the rest), at the dry part's loudness."""
    peak = _peak(audio)
    if peak == 0.0:
        return
    threshold_db = 20.0 * math.log10(peak) - COMPRESSOR_DEPTH_DB
    compressor = Pedalboard([Compressor(threshold_db=threshold_db, ratio=3.0, attack_ms=8.0, release_ms=120.0)])
    dry_rms = _rms(audio)
    _process_in_place(compressor, audio, sample_rate)
    _scale_to_rms(audio, dry_rms)


def level_to_reference(audio: np.ndarray, sample_rate: int) -> None:
    """Scale the part so that where it plays it sits at PART_REFERENCE_RMS: soundfont instruments differ by
    10–20 dB (a GM bass is far louder than a GM piano), so `gain_db` alone could not put the piano of a ballad
    on top. Loudness is the RMS of the 400 ms windows within 30 dB of the loudest one (silence does not count),
    a simple gated measure in the spirit of ITU-R BS.1770."""
    # Every LEVEL_STRIDE-th sample is plenty for a level and spares a song-length temporary.
    sampled = audio[:, ::LEVEL_STRIDE]
    window = max(1, int(LEVEL_WINDOW_S * sample_rate) // LEVEL_STRIDE)
    count = sampled.shape[1] // window
    if count == 0:
        return
    power = np.square(sampled[:, : count * window].reshape(2, count, window), dtype=np.float32).mean(axis=(0, 2))
    loudest = float(power.max())
    if loudest <= 0.0:
        return
    active = power[power >= loudest * LEVEL_GATE]
    audio *= np.float32(PART_REFERENCE_RMS / math.sqrt(float(active.mean())))


def pan(audio: np.ndarray, position: float) -> None:
    """Equal-power pan: −1 left … 1 right. The centre keeps both sides at unity (a −3 dB pan law with the
    centre compensated), so an unpanned part is untouched."""
    angle = (min(max(position, -1.0), 1.0) + 1.0) * math.pi / 4.0
    audio[0] *= np.float32(math.sqrt(2.0) * math.cos(angle))
    audio[1] *= np.float32(math.sqrt(2.0) * math.sin(angle))


def reverb_send(audio: np.ndarray, amount: float, sample_rate: int) -> None:
    """Add the audio's reverb return: more send (0 … 1) means both a louder and a larger room."""
    if amount <= 0.0:
        return
    amount = min(amount, 1.0)
    room = Reverb(
        room_size=0.3 + 0.6 * amount,
        damping=0.5,
        wet_level=MAX_REVERB_WET * amount,
        dry_level=REVERB_UNITY_DRY,
        width=1.0,
    )
    _process_in_place(Pedalboard([room]), audio, sample_rate)


def _process_in_place(board: Pedalboard, audio: np.ndarray, sample_rate: int) -> None:
    # Streaming a block at a time (state carried over, so the result is identical to one call) spares
    # pedalboard's whole-song input and output copies.
    board.reset()
    for start in range(0, audio.shape[1], STREAM_BLOCK_FRAMES):
        block = audio[:, start : start + STREAM_BLOCK_FRAMES]
        block[:] = board(block, sample_rate, reset=False)


def _scale_to_rms(audio: np.ndarray, rms: float) -> None:
    now = _rms(audio)
    if now > 0.0:
        audio *= np.float32(rms / now)


def _peak(audio: np.ndarray) -> float:
    return max(float(np.max(audio, initial=0.0)), -float(np.min(audio, initial=0.0)))


def _rms(audio: np.ndarray) -> float:
    # A dot product instead of squaring: no song-length temporary.
    flat = audio.ravel()
    return math.sqrt(float(np.dot(flat, flat)) / max(flat.size, 1))
