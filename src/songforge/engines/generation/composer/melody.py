"""The sung melody: one note per syllable, stepwise in the singer's range, phrase ends on chord tones.

Each line's rhythm comes from `phrasing`; its pitches follow a seeded contour (arch, rise, fall or valley)
around the section's height (choruses sit higher than verses) with small steps, stressed syllables pulled
onto chord tones and the line's last syllable held on one (the tonic at a section's end when it fits).
The random stream is seeded by the section's kind and syllable counts, so a repeated chorus sings the
same tune. A cover is given its pitches instead: only the rhythm is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from songforge.engines.generation.composer.harmony import Chord, Key, fit_to_chord, nearest_chord_tone
from songforge.engines.generation.composer.phrasing import LineRhythm, phrase_rhythm
from songforge.engines.generation.composer.sketch import Section, Sketch, dynamics, rng_for
from songforge.engines.generation.score import LyricLine, SungNote, VoiceGender, Word

VOICE_RANGES: dict[VoiceGender, tuple[int, int]] = {"f": (57, 76), "m": (45, 64)}  # A3–E5, A2–E4
SECTION_HEIGHT = {"chorus": 0.62, "hook": 0.62, "bridge": 0.58, "pre_chorus": 0.5}  # of the range; verses 0.42
VERSE_HEIGHT = 0.42
SHAPES = ("arch", "rise", "fall", "valley")
LARGEST_STEP = 5  # scale steps: a sixth at most
LARGEST_LEAP = 9  # semitones: a major sixth
LEAP_CHANCE = 0.1
MELISMA_CHANCE = 0.35
MELISMA_BEATS = 1.5  # only a note at least this long is split into two


def sung_words(line: LyricLine) -> tuple[Word, ...]:
    """The words that have syllables to sing (a stray mark from the lyrics has none)."""
    return tuple(word for word in line.words if word.syllables)


def sing_section(
    section: Section,
    sketch: Sketch,
    *,
    pitch_range: tuple[int, int],
    first_word: int,
    topic: str = "melody",
    given: Sequence[int] = (),
) -> tuple[SungNote, ...]:
    """The section's melody; `first_word` is the index in the plan's words of the section's first word.
    `given` (a cover) holds one pitch per syllable of the section, sung as they are on the new rhythm."""
    rng = rng_for(sketch.seed, topic, section.kind, tuple(line.syllable_count for line in section.lines))
    low, high = pitch_range
    scale = sketch.key.scale_pitches(low - 12, high + 12)
    bounds = (scale.index(min(p for p in scale if p >= low)), scale.index(max(p for p in scale if p <= high)))
    height = SECTION_HEIGHT.get(section.kind, VERSE_HEIGHT)
    centre = int(np.argmin([abs(pitch - (low + height * (high - low))) for pitch in scale]))
    notes: list[SungNote] = []
    word = first_word
    previous: int | None = None
    syllables_before = 0
    for number, line in enumerate(section.lines):
        words = sung_words(line)
        syllables = [
            (text, stress, word + offset)
            for offset, sung in enumerate(words)
            for text, stress in zip(sung.syllables, sung.stresses, strict=True)
        ]
        stresses = [stress for _, stress, _ in syllables]
        rhythm = phrase_rhythm(stresses, section.line_bars, sketch.timeline, rng)
        first_bar = section.first_bar + number * section.line_bars
        if given:
            pitches = list(given[syllables_before : syllables_before + len(syllables)])
        else:
            chords = [chord_at(section, first_bar, beat, sketch) for beat in rhythm.starts]
            last_line = number == len(section.lines) - 1
            indices = line_contour(rhythm, stresses, chords, scale, bounds, centre, previous, rng)
            before = scale[indices[-2]] if len(indices) > 1 else None
            final = final_pitch(scale[indices[-1]], before, scale, bounds, chords[-1], sketch.key.tonic, last_line)
            pitches = fitted([scale[index] for index in indices[:-1]] + [final], chords, sketch.key, pitch_range)
            previous = int(np.argmin([abs(pitch - final) for pitch in scale]))
        notes += line_notes(
            sketch, section, first_bar, rhythm, syllables, pitches, scale, high, rng, ornament=not given
        )
        word += len(words)
        syllables_before += len(syllables)
    return tuple(notes)


def fitted(pitches: Sequence[int], chords: Sequence[Chord], key: Key, pitch_range: tuple[int, int]) -> list[int]:
    """Each pitch moved off a clash with a borrowed chord, unless that leaves the range or leaps past a sixth."""
    result: list[int] = []
    for number, (pitch, chord) in enumerate(zip(pitches, chords, strict=True)):
        moved = fit_to_chord(pitch, chord, key)
        neighbours = [*result[-1:], *pitches[number + 1 : number + 2]]
        smooth = all(abs(moved - neighbour) <= LARGEST_LEAP for neighbour in neighbours)
        result.append(moved if smooth and pitch_range[0] <= moved <= pitch_range[1] else pitch)
    return result


def chord_at(section: Section, first_bar: int, beat: float, sketch: Sketch) -> Chord:
    bar = first_bar + int(beat // sketch.timeline.beats_per_bar)
    return section.chords[min(bar - section.first_bar, len(section.chords) - 1)]


def contour_target(shape: str, progress: float, centre: int, amplitude: int) -> float:
    """Where the line wants to be (a scale index) at `progress` 0…1 through it."""
    if shape == "arch":
        return centre + amplitude * float(np.sin(np.pi * progress))
    if shape == "rise":
        return centre - amplitude / 2 + amplitude * progress
    if shape == "fall":
        return centre + amplitude / 2 - amplitude * progress
    return centre - amplitude * 0.7 * float(np.sin(np.pi * progress))


def line_contour(
    rhythm: LineRhythm,
    stresses: Sequence[int],
    chords: Sequence[Chord],
    scale: Sequence[int],
    bounds: tuple[int, int],
    centre: int,
    previous: int | None,
    rng: np.random.Generator,
) -> list[int]:
    """Scale indices for a line: small steps towards the contour, stressed syllables on chord tones."""
    shape = str(rng.choice(SHAPES))
    amplitude = int(rng.integers(2, 5))
    span = max(rhythm.ends[-1], 1e-6)
    start = centre + int(rng.integers(-1, 2))
    indices: list[int] = []
    for number, (beat, stress, chord) in enumerate(zip(rhythm.starts, stresses, chords, strict=True)):
        target = contour_target(shape, beat / span, start, amplitude)
        before = indices[-1] if indices else previous
        if before is None:
            index = round(target)
        else:
            pull = target - before
            if abs(pull) >= 1:
                step = int(np.sign(pull)) * (2 if abs(pull) >= 3 and rng.random() < 0.3 else 1)
            else:
                step = int(rng.choice((-1, 0, 1), p=(0.35, 0.3, 0.35)))
            if stress > 0 and rng.random() < LEAP_CHANCE:  # a leap lands on a stress, never on "a" or "the"
                step = (1 if step >= 0 else -1) * int(rng.integers(2, LARGEST_STEP))
            index = before + step
            if not bounds[0] <= index <= bounds[1]:
                index = before - step  # bounce off the edge of the range: the contour turns, it is not flattened
        if stress > 0 and number > 0:
            index = snapped_to_chord(index, chord, scale)
        if before is not None:
            index = before + int(np.clip(index - before, -LARGEST_STEP, LARGEST_STEP))
        indices.append(int(np.clip(index, *bounds)))
    return indices


def snapped_to_chord(index: int, chord: Chord, scale: Sequence[int]) -> int:
    for candidate in (index, index + 1, index - 1):
        if 0 <= candidate < len(scale) and scale[candidate] % 12 in chord.pitch_classes:
            return candidate
    return index


def final_pitch(
    pitch: int,
    before: int | None,
    scale: Sequence[int],
    bounds: tuple[int, int],
    chord: Chord,
    tonic: int,
    tonic_wanted: bool,
) -> int:
    """A chord tone near where the line arrived, a sixth at most from the note before; the tonic if the
    section ends here and the chord has it."""
    low, high = scale[bounds[0]], scale[bounds[1]]
    if before is not None:
        low, high = max(low, before - LARGEST_LEAP), min(high, before + LARGEST_LEAP)
    tones = [p for p in range(max(low, pitch - 7), min(high, pitch + 7) + 1) if p % 12 in chord.pitch_classes]
    if tonic_wanted and tonic in chord.pitch_classes:
        tonics = [p for p in tones if p % 12 == tonic]
        tones = tonics or tones
    if not tones:
        return int(np.clip(nearest_chord_tone(pitch, chord), low, high))
    return min(tones, key=lambda candidate: (abs(candidate - pitch), candidate))


def line_notes(
    sketch: Sketch,
    section: Section,
    first_bar: int,
    rhythm: LineRhythm,
    syllables: Sequence[tuple[str, int, int]],
    pitches: Sequence[int],
    scale: Sequence[int],
    top: int,
    rng: np.random.Generator,
    *,
    ornament: bool = True,
) -> list[SungNote]:
    """One note per syllable, the held last one sometimes a two-note melisma: from the scale step above when
    `ornament`, else (a cover's given pitch) the same pitch sung on."""
    beats = sketch.timeline.beats_per_bar

    def seconds(beat: float) -> float:
        return sketch.timeline.time_at(first_bar, beat)

    notes = []
    for number, ((text, stress, word), pitch) in enumerate(zip(syllables, pitches, strict=True)):
        start, end = rhythm.starts[number], rhythm.ends[number]
        velocity = dynamics(92 if stress > 0 else 80, section.energy)
        last = number == len(syllables) - 1
        middle = start + (end - start) / 2
        # Split only within one bar: the held chord tone must still be a tone of the chord under it.
        same_bar = middle // beats == start // beats
        # A two-note melisma: from the scale step above (below at the top of the range) onto the held chord tone.
        upper = [p for p in scale if pitch < p <= min(pitch + 2, top)]
        above = (upper[0] if upper else max(p for p in scale if p < pitch)) if ornament else pitch
        smooth = number == 0 or abs(above - pitches[number - 1]) <= LARGEST_LEAP
        if last and end - start >= MELISMA_BEATS and same_bar and smooth and rng.random() < MELISMA_CHANCE:
            notes.append(SungNote(seconds(start), seconds(middle), above, text, word, velocity))
            notes.append(SungNote(seconds(middle), seconds(end), pitch, text, word, velocity, slur=True))
            continue
        notes.append(SungNote(seconds(start), seconds(end), pitch, text, word, velocity))
    return notes
