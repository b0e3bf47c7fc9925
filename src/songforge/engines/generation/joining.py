"""Joining pieces of songs into one (concat): the audio cut and butted together with short fades (no click at a
join, no overlap, so the length is the sum of the pieces), and the pieces' words and notes moved to where their
stretch of audio lands. Every stem is joined exactly like the mix, so joined stems still add up to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Long enough to hide a waveform step at a join, short enough to keep a downbeat's attack.
JOIN_FADE_S = 0.005


@dataclass(frozen=True)
class Span:
    """The stretch [start, end) of one piece's own timeline, landing at `at` in the joined song."""

    start: float
    end: float
    at: float

    @property
    def length(self) -> float:
        return self.end - self.start


def spans_of(cuts: Sequence[tuple[float, float]]) -> tuple[Span, ...]:
    """Spans laid end to end from each piece's (start, end)."""
    spans: list[Span] = []
    at = 0.0
    for start, end in cuts:
        spans.append(Span(start, end, at))
        at += end - start
    return tuple(spans)


def join_audio(pieces: Sequence[np.ndarray], spans: Sequence[Span], sample_rate: int) -> np.ndarray:
    """The spans of the pieces ((2, n) float32 each, one sample rate) back to back, faded in and out at the joins."""
    fade = max(1, round(JOIN_FADE_S * sample_rate))
    parts: list[np.ndarray] = []
    for index, (audio, span) in enumerate(zip(pieces, spans, strict=True)):
        first = round(span.start * sample_rate)
        last = first + round(span.length * sample_rate)
        part = np.zeros((2, last - first), dtype=np.float32)
        available = audio[:, first : min(last, audio.shape[1])]
        part[:, : available.shape[1]] = available
        ramp = np.linspace(0.0, 1.0, min(fade, part.shape[1]), dtype=np.float32)
        if index > 0:
            part[:, : ramp.size] *= ramp
        if index < len(pieces) - 1:
            part[:, part.shape[1] - ramp.size :] *= ramp[::-1]
        parts.append(part)
    return np.concatenate(parts, axis=1) if parts else np.zeros((2, 0), dtype=np.float32)


def join_words(timings: Sequence[Mapping[str, Any]], spans: Sequence[Span]) -> list[dict[str, Any]]:
    """The aligned words (timing route entries) whose start falls in each span, moved to the joined timeline."""
    joined: list[dict[str, Any]] = []
    for timing, span in zip(timings, spans, strict=True):
        for word in timing.get("aligned_words", []):
            start, end = float(word["start_s"]), float(word["end_s"])
            if span.start <= start < span.end:
                shift = span.at - span.start
                joined.append(
                    {**word, "start_s": round(start + shift, 3), "end_s": round(min(end, span.end) + shift, 3)}
                )
    return joined


def join_notes(midis: Sequence[Mapping[str, Any]], spans: Sequence[Span]) -> dict[str, Any]:
    """The MIDI route's body of the joined song: each instrument's notes that start in a span, moved and cut."""
    instruments: dict[str, list[dict[str, Any]]] = {}
    for midi, span in zip(midis, spans, strict=True):
        shift = span.at - span.start
        for instrument in midi.get("instruments", []):
            notes = instruments.setdefault(str(instrument["name"]), [])
            for note in instrument.get("notes", []):
                start, end = float(note["start"]), float(note["end"])
                if span.start <= start < span.end:
                    notes.append(
                        {**note, "start": round(start + shift, 3), "end": round(min(end, span.end) + shift, 3)}
                    )
    return {
        "state": "complete",
        "instruments": [{"name": name, "notes": notes} for name, notes in instruments.items() if notes],
    }
