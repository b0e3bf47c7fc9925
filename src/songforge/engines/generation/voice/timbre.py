"""The four singers: two timbres per voice gender. Both timbres of a gender share one eSpeak speaker, so a
backing voice (the lead's other timbre) reuses the lead's analysed speech; they differ by formant shift, spectral
tilt and breathiness, applied to the envelope and aperiodicity at singing time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from songforge.engines.generation.score import VoiceGender
from songforge.engines.generation.voice.espeak import SPEECH_RATE


@dataclass(frozen=True)
class Timbre:
    espeak_variant: str  # the eSpeak speaker whose speech is analysed
    speaking_pitch: float  # eSpeak pitch multiplier: low male speech is raised so the analysis resolves it
    formant_shift: float  # scales the spectral envelope's frequency axis: >1 a smaller vocal tract, brighter
    tilt_db_per_octave: float  # spectral tilt around 1 kHz: negative darker, positive brighter
    breathiness: float  # 0 … 1: how much of the upper spectrum turns to air


_TIMBRES: dict[tuple[VoiceGender, int], Timbre] = {
    # A clear, forward tenor and a darker, breathier baritone.
    ("m", 0): Timbre("Male2", 1.5, formant_shift=1.0, tilt_db_per_octave=0.0, breathiness=0.0),
    ("m", 1): Timbre("Male2", 1.5, formant_shift=0.9, tilt_db_per_octave=-2.0, breathiness=0.2),
    # A bright pop soprano and a soft, airy alto.
    ("f", 0): Timbre("Female1", 1.0, formant_shift=1.08, tilt_db_per_octave=1.0, breathiness=0.05),
    ("f", 1): Timbre("Female1", 1.0, formant_shift=0.97, tilt_db_per_octave=-1.5, breathiness=0.35),
}
_BREATH_FROM_HZ = 1000.0  # air sits above the first formants; below it the voice stays clear
_TILT_PIVOT_HZ = 1000.0
_TILT_FLOOR_HZ = 100.0  # the tilt stops growing below this, so the lowest bins are not boosted without limit


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
    shifted: np.ndarray = log_envelope[:, lower] * (1.0 - weight) + log_envelope[:, upper] * weight
    return shifted


def tilt(log_envelope: np.ndarray, db_per_octave: float) -> np.ndarray:
    """Tilt the (natural-log power) envelope by `db_per_octave` around 1 kHz."""
    if db_per_octave == 0.0:
        return log_envelope
    frequencies = np.maximum(np.linspace(0.0, SPEECH_RATE / 2, log_envelope.shape[1]), _TILT_FLOOR_HZ)
    tilted: np.ndarray = log_envelope + db_per_octave / 10.0 * np.log(10.0) * np.log2(frequencies / _TILT_PIVOT_HZ)
    return tilted


def add_breath(aperiodicity: np.ndarray, breathiness: float) -> np.ndarray:
    """Blend the upper spectrum towards noise, more the higher the frequency."""
    if breathiness <= 0.0:
        return aperiodicity
    bins = aperiodicity.shape[1]
    frequencies = np.linspace(0.0, SPEECH_RATE / 2, bins)
    amount = breathiness * np.clip((frequencies - _BREATH_FROM_HZ) / (SPEECH_RATE / 2 - _BREATH_FROM_HZ), 0.0, 1.0)
    return aperiodicity + (1.0 - aperiodicity) * amount
