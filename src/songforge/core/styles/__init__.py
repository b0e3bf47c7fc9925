"""The style vocabulary: style words and their spellings, what they decide (read_style → Style), and the
prose they expand to (POST /suno/act/tags). Pure Python with no engine behind it, so the API answers style
questions itself and the composer builds on the same words."""

from songforge.core.styles.prose import upsample_tags
from songforge.core.styles.reader import read_style
from songforge.core.styles.types import InstrumentChoice, Style, VoiceGender

__all__ = ["InstrumentChoice", "Style", "VoiceGender", "read_style", "upsample_tags"]
