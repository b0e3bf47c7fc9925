"""The four singers: two timbres per voice gender, each an eSpeak speaker plus a formant shift and breathiness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import VoiceGender
from songforge.engines.generation.voice.espeak import SPEECH_RATE


@dataclass(frozen=True)
class Timbre:
    espeak_variant: str  # the eSpeak speaker whose speech is analysed
    formant_shift: float  # scales the spectral envelope's frequency axis: >1 a smaller vocal tract, brighter
    breathiness: float  # 0 … 1: how much of the upper spectrum turns to air


_TIMBRES: dict[tuple[VoiceGender, int], Timbre] = {
    ("m", 0): Timbre(espeak_variant="Male2", formant_shift=1.0, breathiness=0.0),
    ("m", 1): Timbre(espeak_variant="Male6", formant_shift=0.93, breathiness=0.15),
    ("f", 0): Timbre(espeak_variant="Female1", formant_shift=1.06, breathiness=0.05),
    ("f", 1): Timbre(espeak_variant="Linda", formant_shift=1.14, breathiness=0.3),
}
_BREATH_FROM_HZ = 1000.0  # air sits above the first formants; below it the voice stays clear


def timbre_of(voice: VoiceGender, index: int) -> Timbre:
    """The timbre for a voice gender and timbre number (any integer; it wraps to the two there are)."""
    return _TIMBRES[(voice if voice == "m" else "f", index % 2)]


def shift_formants(log_envelope: np.ndarray, factor: float) -> np.ndarray:
    """Move the envelope's formants by `factor` (frames × bins), keeping the frame count."""
    if factor == 1.0:
        return log_envelope
    bins = log_envelope.shape[1]
    source = np.minimum(np.arange(bins) / factor, bins - 1)
    lower = np.floor(source).astype(int)
    upper = np.minimum(lower + 1, bins - 1)
    weight = source - lower
    return log_envelope[:, lower] * (1.0 - weight) + log_envelope[:, upper] * weight


def add_breath(aperiodicity: np.ndarray, breathiness: float) -> np.ndarray:
    """Blend the upper spectrum towards noise, more the higher the frequency."""
    if breathiness <= 0.0:
        return aperiodicity
    bins = aperiodicity.shape[1]
    frequencies = np.linspace(0.0, SPEECH_RATE / 2, bins)
    amount = breathiness * np.clip((frequencies - _BREATH_FROM_HZ) / (SPEECH_RATE / 2 - _BREATH_FROM_HZ), 0.0, 1.0)
    return aperiodicity + (1.0 - aperiodicity) * amount
