"""Analysis of songs songforge did not make (uploads): tempo, beats, bars, key and loudness, and their notes.

`analyse` reads the rhythm, key and loudness; `transcribe` hears the notes (basic-pitch's model through
onnxruntime); `melody.sung_melody` reads the line a voice sings.
"""

from songforge.engines.analysis.summary import AudioAnalysis, analyse, next_downbeat
from songforge.engines.analysis.transcribe import TranscribedNote, transcribe

__all__ = ["AudioAnalysis", "TranscribedNote", "analyse", "next_downbeat", "transcribe"]
