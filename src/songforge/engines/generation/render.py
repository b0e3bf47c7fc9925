"""Render a plan's instrument parts to audio stems: soundfont synthesis, a played feel, each part's channel strip."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from songforge.engines.generation.effects import channel_strip, reverb_send
from songforge.engines.generation.humanise import DRUM_FEEL, PLAYED_FEEL, humanise
from songforge.engines.generation.score import Part
from songforge.engines.generation.synth import SoundFontSynth
from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation.dsp.render import timgm6mb_path


def soundfont_path(configured: Path | None) -> Path:
    """The configured General MIDI soundfont when it exists, else the TimGM6mb.sf2 that pretty_midi ships."""
    if configured is not None and configured.is_file():
        return configured
    return timgm6mb_path()


def render_instruments(
    parts: Sequence[Part],
    *,
    duration: float,
    sample_rate: int,
    soundfont: Path,
    seed: int,
    progress: ProgressCallback = no_progress,
) -> dict[str, np.ndarray]:
    """Every part played through the soundfont and its channel strip, summed per stem.

    Returns {stem name: float32 (2, round(duration · sample_rate))} for the stems that have parts.
    The same seed gives the same audio; each part's feel depends only on the seed and its place in `parts`.
    """
    frames = round(duration * sample_rate)
    synth = SoundFontSynth(soundfont, sample_rate)
    stems: dict[str, np.ndarray] = {}
    done = 0
    # One bus at a time (not one per part) keeps a long song's memory to the stems plus a few buffers.
    for (stem, reverb), members in reverb_buses(parts).items():
        bus: np.ndarray | None = None
        for index, part in members:
            feel = DRUM_FEEL if part.instrument.is_drum else PLAYED_FEEL
            played = humanise(part.notes, part_rng(seed, index), feel)
            audio = synth.render(played, part.instrument, frames)
            channel_strip(audio, part, sample_rate)
            if bus is None:
                bus = audio
            else:
                bus += audio
            done += 1
            progress(done / len(parts), "instruments")
        assert bus is not None  # every bus has at least one part
        reverb_send(bus, reverb, sample_rate)
        if stem in stems:
            stems[stem] += bus
        else:
            stems[stem] = bus
    return stems


def reverb_buses(parts: Sequence[Part]) -> dict[tuple[str, float], list[tuple[int, Part]]]:
    """The parts (with their index in `parts`) grouped by stem and reverb send: the reverb is linear, so a
    group shares one reverb instead of running one per part, the slowest effect in the strip."""
    buses: dict[tuple[str, float], list[tuple[int, Part]]] = {}
    for index, part in enumerate(parts):
        buses.setdefault((part.stem, part.reverb), []).append((index, part))
    return buses


def part_rng(seed: int, index: int) -> np.random.Generator:
    """The random stream of one part: independent of the other parts, so adding a part changes no other part."""
    return np.random.default_rng([seed % 2**64, index])
