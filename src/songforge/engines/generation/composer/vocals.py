"""The singers: the lead vocal, a backing harmony in the choruses, and the words as the timing route reports
them (section tag on a section's first word, a newline after each line's last word). A cover's lead sings the
source's pitches, syllable by syllable, on the new song's rhythm."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from songforge.engines.generation.composer.cover import cover_melody, cycled
from songforge.engines.generation.composer.harmony import Chord, Key
from songforge.engines.generation.composer.melody import VOICE_RANGES, sing_section, sung_words
from songforge.engines.generation.composer.sketch import Section, Sketch, rng_for
from songforge.engines.generation.score import BACKING_VOCALS, VOCALS, SungNote, SungWord, VocalPart, VoiceGender

BACKING_GAIN_DB = -6.0
BACKING_PAN = 0.35
UNSPACED_LANGUAGES = frozenset({"zh", "ja"})
HARMONY_STEPS = (-2, -5, 2)  # scale steps from the lead: a third below, a sixth below, a third above


@dataclass(frozen=True)
class Singer:
    """Who sings the lead: voice and timbre (the backing singer takes the other timbre), and for a cover the
    source's sung pitches, one per syllable in order."""

    voice: VoiceGender
    timbre: int
    melody: tuple[int, ...] = ()


@dataclass(frozen=True)
class Vocals:
    parts: tuple[VocalPart, ...]
    words: tuple[SungWord, ...]
    lyrics: str


def write_vocals(sketch: Sketch, singer: Singer, language: str) -> Vocals:
    """`language` decides the spacing: Chinese and Japanese words follow each other without one."""
    gap = "" if language in UNSPACED_LANGUAGES else " "
    voice, timbre = singer.voice, singer.timbre
    # A cover's tune runs on across sections, from its start again when the lyrics outlast it.
    tune = cover_melody(singer.melody, VOICE_RANGES[voice])
    notes: list[SungNote] = []
    texts: list[str] = []
    syllables = 0
    for section in sketch.sections:
        if section.lines:
            count = sum(line.syllable_count for line in section.lines)
            given = cycled(tune, syllables, count) if tune else ()
            notes += sing_section(section, sketch, pitch_range=VOICE_RANGES[voice], first_word=len(texts), given=given)
            texts += word_texts(section, gap)
            syllables += count
    reverb = min(sketch.style.reverb, 1.0)
    parts = [VocalPart(VOCALS, voice, timbre, tuple(notes), reverb=reverb)]
    backing = backing_notes(sketch, notes, voice)
    if backing:
        rng = rng_for(sketch.seed, "backing pan")
        pan = BACKING_PAN if rng.random() < 0.5 else -BACKING_PAN
        wetter = min(reverb + 0.1, 1.0)
        parts.append(VocalPart(BACKING_VOCALS, voice, 1 - timbre, backing, BACKING_GAIN_DB, pan, wetter))
    return Vocals(tuple(parts), timed_words(texts, notes), sung_lyrics(sketch.sections, gap))


def word_texts(section: Section, gap: str) -> list[str]:
    """Each word as the timing route shows it: "[Verse]\\nWinter " … "night\\n"."""
    texts: list[str] = []
    for line in section.lines:
        words = sung_words(line)
        for number, word in enumerate(words):
            prefix = f"{section.label}\n" if not texts else ""
            texts.append(prefix + word.text + ("\n" if number == len(words) - 1 else gap))
    return texts


def timed_words(texts: Sequence[str], notes: Sequence[SungNote]) -> tuple[SungWord, ...]:
    """Each word from its first note's start to its last note's end."""
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    for note in notes:
        starts.setdefault(note.word_index, note.start)
        ends[note.word_index] = note.end
    return tuple(SungWord(text, starts[index], ends[index]) for index, text in enumerate(texts))


def sung_lyrics(sections: Sequence[Section], gap: str) -> str:
    blocks = []
    for section in sections:
        if section.lines:
            lines = [gap.join(word.text for word in sung_words(line)) for line in section.lines]
            blocks.append("\n".join([section.label, *lines]))
    return "\n\n".join(blocks)


def backing_notes(sketch: Sketch, lead: Sequence[SungNote], voice: VoiceGender) -> tuple[SungNote, ...]:
    """The chorus lines again, a third or sixth from the lead, on the chord's tones, same words and timing."""
    steps = HARMONY_STEPS[int(rng_for(sketch.seed, "harmony").integers(len(HARMONY_STEPS)))]
    choruses = [section for section in sketch.sections if section.is_chorus and section.lines]
    bar_seconds = sketch.timeline.bar_seconds
    harmony = []
    for note in lead:
        bar = int(note.start / bar_seconds + 1e-6)
        if any(section.first_bar <= bar <= section.last_bar for section in choruses):
            pitch = harmony_pitch(note.pitch, steps, sketch, note.start, VOICE_RANGES[voice])
            harmony.append(replace(note, pitch=pitch))
    return tuple(harmony)


def harmony_pitch(lead: int, steps: int, sketch: Sketch, seconds: float, pitch_range: tuple[int, int]) -> int:
    """The harmony note; where it would leave the voice's range, a third on the other side of the tune."""
    chord = sketch.chord_at(seconds)
    for tried in (steps, 2 if steps < 0 else -2):
        pitch = interval_on_chord(lead, tried, sketch.key, chord)
        if pitch_range[0] <= pitch <= pitch_range[1]:
            return pitch
    return min(max(pitch, pitch_range[0]), pitch_range[1])


def interval_on_chord(lead: int, steps: int, key: Key, chord: Chord) -> int:
    """`steps` scale steps from the lead, moved to the nearest chord tone on the same side of it."""
    scale = key.scale_pitches(lead - 24, lead + 24)
    here = min(range(len(scale)), key=lambda index: abs(scale[index] - lead))
    wanted = scale[here + steps]
    same_side = [
        pitch
        for pitch in range(wanted - 2, wanted + 3)
        if pitch % 12 in chord.pitch_classes and (pitch < lead if steps < 0 else pitch > lead)
    ]
    return min(same_side, key=lambda candidate: abs(candidate - wanted)) if same_side else wanted
