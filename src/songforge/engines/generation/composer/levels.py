"""How each part sits in the mix: the main harmonic instrument on top, rhythm section close under it, pads and
effects further back; parts spread across the stereo field; driven guitars as the style asks."""

from __future__ import annotations

from dataclasses import dataclass

from songforge.engines.generation.score import InstrumentChoice, Style

MAIN_GAIN_DB = 0.0
ROLE_GAIN_DB = {
    "drums": -2.0,
    "bass": -3.0,
    "lead": -3.0,
    "chords": -4.5,
    "comp": -6.0,
    "pad": -7.0,
    "arp": -8.0,
    "percussion": -9.0,
    "riser": -10.0,
    "texture": -12.0,
}
# Reverb send relative to the style's: a dry low end, wet pads and effects.
ROLE_REVERB = {"drums": 0.5, "bass": 0.15, "percussion": 0.7, "chords": 0.8, "comp": 0.7, "lead": 0.9}
ROLE_REVERB |= {"arp": 1.0, "pad": 1.3, "riser": 1.4, "texture": 1.5}
CENTRED_ROLES = frozenset({"drums", "bass"})
# A calm style (a ballad, energy 0.35) keeps the kit back: dB less per unit of energy below 0.6.
CALM_KIT_DB_PER_ENERGY = 24.0
CALM_ENERGY = 0.6
LEAD_PAN = 0.1
PAN_SLOTS = (-0.3, 0.3, -0.5, 0.5, -0.15, 0.15, -0.4, 0.4)


@dataclass(frozen=True)
class Levels:
    gain_db: float
    pan: float
    drive: float
    reverb: float
    compress: bool


def levels_of(instrument: InstrumentChoice, role: str, style: Style, *, main: bool, slot: int, side: int) -> Levels:
    """`slot` counts the off-centre parts so far; `side` (±1, from the seed) mirrors the whole stereo picture."""
    if role in CENTRED_ROLES:
        pan = 0.0
    elif role == "lead":
        pan = LEAD_PAN * side
    else:
        pan = PAN_SLOTS[slot % len(PAN_SLOTS)] * side
    gain_db = MAIN_GAIN_DB if main else ROLE_GAIN_DB.get(role, ROLE_GAIN_DB["pad"])
    if role in ("drums", "percussion"):
        gain_db -= CALM_KIT_DB_PER_ENERGY * max(CALM_ENERGY - style.energy, 0.0)
    return Levels(
        gain_db=round(gain_db, 2),
        pan=pan,
        drive=style.guitar_drive if instrument.stem == "Guitar" else 0.0,
        reverb=round(min(style.reverb * ROLE_REVERB.get(role, 1.0), 1.0), 3),
        compress=role in ("drums", "bass"),
    )
