"""basic-pitch's note model (Spotify, ICASSP 2022) run through onnxruntime on the CPU.

The basic-pitch wheel ships the model as saved_models/icassp_2022/nmp.onnx. It is located without importing the
basic_pitch package: that import probes for TensorFlow, CoreML and TFLite and logs a warning for each one
missing, and its note_creation module needs mir_eval and resampy. The windowing and unwrapping here follow
basic_pitch/inference.py (2 s windows overlapping by 30 frames, half the overlap dropped from each side).
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime

from songforge.engines.progress import ProgressCallback

MODEL_RATE = 22050
FFT_HOP = 256
FRAMES_PER_SECOND = MODEL_RATE // FFT_HOP  # 86, as basic-pitch counts its output frames
WINDOW_SAMPLES = 2 * MODEL_RATE - FFT_HOP  # what the model reads at once
WINDOW_FRAMES = 2 * FRAMES_PER_SECOND  # what it writes for one window
OVERLAP_FRAMES = 30
OVERLAP_SAMPLES = OVERLAP_FRAMES * FFT_HOP
WINDOW_HOP = WINDOW_SAMPLES - OVERLAP_SAMPLES
KEPT_EDGE_FRAMES = OVERLAP_FRAMES // 2  # dropped from each end of a window's output
KEPT_FRAMES = WINDOW_FRAMES - OVERLAP_FRAMES
BATCH_WINDOWS = 8  # ~13 s of audio per model call
INPUT_NAME = "serving_default_input_2:0"
NOTE_OUTPUT = "StatefulPartitionedCall:1"
ONSET_OUTPUT = "StatefulPartitionedCall:2"
MODEL_FILE = Path("saved_models") / "icassp_2022" / "nmp.onnx"


@dataclass(frozen=True)
class NoteActivations:
    """The model's output for a whole signal, one row per frame (FFT_HOP samples), one column per piano key
    (MIDI 21 … 108)."""

    notes: np.ndarray  # (frames, 88) how surely each key sounds
    onsets: np.ndarray  # (frames, 88) how surely each key starts

    @property
    def frame_count(self) -> int:
        return int(self.notes.shape[0])


def model_path() -> Path:
    spec = importlib.util.find_spec("basic_pitch")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("basic-pitch is not installed (pip install --no-deps basic-pitch==0.4.0)")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


@functools.cache
def model_session() -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(model_path()), providers=["CPUExecutionProvider"])


def note_activations(signal: np.ndarray, progress: ProgressCallback) -> NoteActivations:
    """Run the model over mono float32 audio at MODEL_RATE, a batch of windows at a time."""
    padded = np.concatenate([np.zeros(OVERLAP_SAMPLES // 2, dtype=np.float32), signal])
    starts = range(0, padded.size, WINDOW_HOP)
    notes: list[np.ndarray] = []
    onsets: list[np.ndarray] = []
    for first in range(0, len(starts), BATCH_WINDOWS):
        batch = np.stack([window_at(padded, start) for start in starts[first : first + BATCH_WINDOWS]])
        note, onset = model_session().run([NOTE_OUTPUT, ONSET_OUTPUT], {INPUT_NAME: batch[..., np.newaxis]})
        notes.append(kept_frames(note))
        onsets.append(kept_frames(onset))
        progress(min(1.0, (first + BATCH_WINDOWS) / len(starts)), "transcription")
    frames = int(signal.size * FRAMES_PER_SECOND / MODEL_RATE)
    return NoteActivations(np.concatenate(notes)[:frames], np.concatenate(onsets)[:frames])


def window_at(padded: np.ndarray, start: int) -> np.ndarray:
    window = padded[start : start + WINDOW_SAMPLES]
    return np.pad(window, (0, WINDOW_SAMPLES - window.size)) if window.size < WINDOW_SAMPLES else window


def kept_frames(output: np.ndarray) -> np.ndarray:
    """(windows, frames, keys) → (kept frames of all windows in order, keys)."""
    kept = output[:, KEPT_EDGE_FRAMES:-KEPT_EDGE_FRAMES, :]
    return np.asarray(kept.reshape(-1, kept.shape[-1]), dtype=np.float32)


def frame_times(frame_count: int) -> np.ndarray:
    """Seconds of each unwrapped frame in the original signal. A window advances WINDOW_HOP samples but keeps
    a few more frames' worth, so the frames of each later window sit slightly earlier than a plain frame count
    says (basic-pitch corrects the same drift with a fitted constant)."""
    windows, within = np.divmod(np.arange(frame_count), KEPT_FRAMES)
    samples = windows * WINDOW_HOP - OVERLAP_SAMPLES // 2 + (KEPT_EDGE_FRAMES + within) * FFT_HOP
    return np.asarray(samples / MODEL_RATE, dtype=np.float64)
