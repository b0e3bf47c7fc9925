"""Hand percussion on the Percussion stem: a shaker from the verses on, tambourine (and the genre's cowbell
or congas) in the loud sections, nothing in a quiet intro or outro."""

from __future__ import annotations

from songforge.engines.generation.composer.drums import hit
from songforge.engines.generation.composer.progressions import genre_key
from songforge.engines.generation.composer.sketch import LOUD_ENERGY, QUIET_ENERGY, Sketch, dynamics, rng_for
from songforge.engines.generation.score import Note

SHAKER, TAMBOURINE, COWBELL, MUTE_CONGA, OPEN_CONGA, LOW_CONGA = 70, 54, 56, 62, 63, 64
CONGA_GENRES = frozenset({"latin", "bossa", "bossanova", "samba", "reggae", "dancehall", "ska"})
COWBELL_GENRES = frozenset({"funk", "disco", "latin", "samba"})
# One 4/4 bar of sixteenths per instrument, as in drums.py.
SHAKER_PATTERNS = ("x.x.x.x.x.x.x.x.", "xxxxxxxxxxxxxxxx", "x.xxx.xxx.xxx.xx")
TAMBOURINE_PATTERN = "....x.......x..."
COWBELL_PATTERN = "x...x...x...x..."
CONGA_PATTERN = ((MUTE_CONGA, "..x...x...x...x."), (OPEN_CONGA, ".......x.x......"), (LOW_CONGA, "x.........x....."))


def write_percussion(sketch: Sketch) -> tuple[Note, ...]:
    if not sketch.style.has_drums or sketch.style.drum_feel == "none":
        return ()
    rng = rng_for(sketch.seed, "percussion")
    genre = genre_key(sketch.style.genre)
    shaker = SHAKER_PATTERNS[int(rng.integers(len(SHAKER_PATTERNS)))]
    per_beat = 4 if sketch.timeline.meter[1] == 4 else 2
    steps = sketch.timeline.beats_per_bar * per_beat
    notes: list[Note] = []
    for section in sketch.sections:
        if section.energy < QUIET_ENERGY:
            continue
        lines: list[tuple[int, str]] = [(SHAKER, shaker)]
        if section.energy >= LOUD_ENERGY:
            lines.append((TAMBOURINE, TAMBOURINE_PATTERN))
            if genre in COWBELL_GENRES:
                lines.append((COWBELL, COWBELL_PATTERN))
        if genre in CONGA_GENRES:
            lines += CONGA_PATTERN
        for bar in range(section.first_bar, section.first_bar + section.bars):
            for key, pattern in lines:
                for step in range(steps):
                    if pattern[step % len(pattern)] == "x":
                        velocity = dynamics(80 if step % per_beat == 0 else 62, section.energy)
                        notes.append(hit(sketch.timeline, bar, step / per_beat, key, velocity))
    return tuple(sorted(notes, key=lambda note: (note.start, note.pitch)))
