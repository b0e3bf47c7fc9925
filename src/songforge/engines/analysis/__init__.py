"""Analysis of songs songforge did not make (uploads): tempo, beats, bars, key and loudness, and their notes.

`analyse` reads the rhythm, key and loudness; `transcribe` hears the notes (basic-pitch's model through
onnxruntime); `melody_of` keeps the tune.
"""

from songforge.engines.analysis.melody import melody_of
from songforge.engines.analysis.summary import AudioAnalysis, analyse, next_downbeat
from songforge.engines.analysis.transcribe import TranscribedNote, transcribe

__all__ = ["AudioAnalysis", "TranscribedNote", "analyse", "melody_of", "next_downbeat", "transcribe"]
