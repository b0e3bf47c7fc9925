"""Every instrument of the style gets its part, written by the role it plays, named and placed in the mix."""

from __future__ import annotations

from collections.abc import Sequence

import pretty_midi

from songforge.engines.generation.composer.accompaniment import (
    write_arp,
    write_chords,
    write_comp,
    write_pad,
    write_riser,
    write_texture,
)
from songforge.engines.generation.composer.bass import write_bass
from songforge.engines.generation.composer.drums import feel_of, write_drums
from songforge.engines.generation.composer.lead import write_lead
from songforge.engines.generation.composer.levels import CENTRED_ROLES, levels_of
from songforge.engines.generation.composer.percussion import write_percussion
from songforge.engines.generation.composer.sketch import Sketch, rng_for
from songforge.engines.generation.score import InstrumentChoice, Note, Part

ROLES = frozenset({"drums", "percussion", "bass", "chords", "comp", "pad", "lead", "arp", "riser", "texture"})
HARMONY_ROLES = ("chords", "pad", "comp")  # in order of preference for the main harmonic instrument
# A style that names no instruments (an unknown one) still gets a band.
DEFAULT_INSTRUMENTS = (
    InstrumentChoice("Drums", 0, "drums", is_drum=True),
    InstrumentChoice("Bass", 33, "bass"),
    InstrumentChoice("Keyboard", 0, "chords"),
    InstrumentChoice("Strings", 48, "pad"),
    InstrumentChoice("FX", 95, "riser"),
)


def role_of(instrument: InstrumentChoice) -> str:
    return instrument.role if instrument.role in ROLES else "pad"


def band_of(instruments: Sequence[InstrumentChoice], *, has_drums: bool) -> tuple[InstrumentChoice, ...]:
    band = tuple(instruments) or DEFAULT_INSTRUMENTS
    if not has_drums:
        band = tuple(choice for choice in band if role_of(choice) not in ("drums", "percussion"))
    return band


def main_harmony(band: Sequence[InstrumentChoice]) -> InstrumentChoice | None:
    """The instrument that carries the chords: it sits on top of the mix."""
    for role in HARMONY_ROLES:
        for instrument in band:
            if role_of(instrument) == role:
                return instrument
    return None


def write_parts(sketch: Sketch, band: Sequence[InstrumentChoice]) -> tuple[Part, ...]:
    main = main_harmony(band)
    side = 1 if rng_for(sketch.seed, "stereo").random() < 0.5 else -1
    parts = []
    slot = 0
    for instrument in band:
        role = role_of(instrument)
        notes = notes_of(sketch, instrument, role, band, main=instrument is main)
        if not notes:
            continue
        levels = levels_of(instrument, role, sketch.style, main=instrument is main, slot=slot, side=side)
        slot += role not in CENTRED_ROLES and role != "lead"
        parts.append(
            Part(
                name=name_of(sketch, instrument, role),
                instrument=instrument,
                notes=notes,
                gain_db=levels.gain_db,
                pan=levels.pan,
                drive=levels.drive,
                reverb=levels.reverb,
                compress=levels.compress,
            )
        )
    return tuple(parts)


def notes_of(
    sketch: Sketch, instrument: InstrumentChoice, role: str, band: Sequence[InstrumentChoice], *, main: bool
) -> tuple[Note, ...]:
    if role == "drums":
        return write_drums(sketch)
    if role == "percussion":
        return write_percussion(sketch)
    if role == "bass":
        return write_bass(sketch)
    if role == "chords":
        return write_chords(sketch, instrument, main=main)
    if role == "comp":
        return write_comp(sketch, instrument)
    if role == "arp":
        return write_arp(sketch, instrument)
    if role == "lead":
        return write_lead(sketch, instrument)
    if role == "riser":
        return write_riser(sketch)
    if role == "texture":
        return write_texture(sketch)
    alone = not any(role_of(other) in ("chords", "comp") for other in band)
    return write_pad(sketch, instrument, alone=alone)


def name_of(sketch: Sketch, instrument: InstrumentChoice, role: str) -> str:
    if role == "drums":
        return f"Drum Kit ({feel_of(sketch).replace('_', ' ')})"
    if instrument.is_drum:
        return f"{instrument.stem} ({role})"
    return f"{pretty_midi.program_to_instrument_name(instrument.program)} ({role})"
