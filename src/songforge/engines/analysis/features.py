"""What the rhythm and key readers measure once per song: onset strength (all bands and the low band) and chroma."""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

ANALYSIS_RATE = 22050
N_FFT = 2048
ONSET_HOP = 256  # 11.6 ms frames: beat phases are read to well under the 50 ms a listener hears as late
CHROMA_HOP = 512
ONSET_RATE = ANALYSIS_RATE / ONSET_HOP
CHROMA_RATE = ANALYSIS_RATE / CHROMA_HOP
MEL_BANDS = 64
MEL_TOP_HZ = 8000.0
LOW_BAND_HZ = 150.0  # kick drums and bass notes: what marks the first beat of a bar
# Shorter audio is padded with silence: the CQT's lowest octaves are read from a signal decimated 64 times.
MIN_SAMPLES = 4 * ANALYSIS_RATE


@dataclass(frozen=True)
class Features:
    onset: np.ndarray  # onset strength, one value every ONSET_HOP samples
    low_onset: np.ndarray  # the same, measured below LOW_BAND_HZ only
    chroma: np.ndarray  # (12, frames) CQT chroma, C first, one frame every CHROMA_HOP samples
    duration: float  # seconds


def features_of(signal: np.ndarray) -> Features:
    """The features of mono float32 audio at ANALYSIS_RATE."""
    duration = signal.size / ANALYSIS_RATE
    signal = np.pad(signal, (0, max(0, MIN_SAMPLES - signal.size)))
    power = np.abs(librosa.stft(signal, n_fft=N_FFT, hop_length=ONSET_HOP)) ** 2
    mel_db = librosa.power_to_db(
        librosa.feature.melspectrogram(S=power, sr=ANALYSIS_RATE, n_mels=MEL_BANDS, fmax=MEL_TOP_HZ)
    )
    low_bands = librosa.mel_frequencies(n_mels=MEL_BANDS, fmax=MEL_TOP_HZ) < LOW_BAND_HZ
    return Features(
        onset=onset_strength(mel_db),
        low_onset=onset_strength(mel_db[low_bands]),
        # The tuning is estimated (a band off A440 is read right), except from silence, which has none.
        chroma=librosa.feature.chroma_cqt(
            y=signal, sr=ANALYSIS_RATE, hop_length=CHROMA_HOP, tuning=None if np.any(signal) else 0.0
        ),
        duration=duration,
    )


def onset_strength(mel_db: np.ndarray) -> np.ndarray:
    # n_fft is passed so librosa's centring shift matches the STFT these frames came from.
    return np.asarray(
        librosa.onset.onset_strength(S=mel_db, sr=ANALYSIS_RATE, hop_length=ONSET_HOP, n_fft=N_FFT), dtype=np.float64
    )
