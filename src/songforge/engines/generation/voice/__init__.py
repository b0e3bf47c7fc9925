"""The singing voice: `sing` turns a VocalPart's syllables and notes into a vocal stem."""

from songforge.engines.generation.voice.singer import SungPart, sing

__all__ = ["SungPart", "sing"]
