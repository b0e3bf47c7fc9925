"""Where each sung syllable's sounds go in time: consonants before the beat, the vowel on the note, the coda at
its end; and which syllables form a phrase (sung in one breath)."""

from __future__ import annotations

from dataclasses import dataclass

from songforge.engines.generation.score import SungNote
from songforge.engines.generation.voice.library import SyllableSound
from songforge.engines.generation.voice.world import FRAME_PERIOD_S

MAX_ONSET_S = 0.08  # longest consonant lead-in before a note; longer eSpeak onsets are sung faster
MAX_CODA_S = 0.16
_CODA_SHARE = 0.35  # a coda takes at most this share of the note, the vowel keeps the rest
_KEPT_NOTE_SHARE = 0.5  # the next syllable's onset may cut the previous note down to this share
BREATH_GAP_S = 0.3  # silence at least this long between syllables starts a new phrase (a breath)


@dataclass(frozen=True)
class SungSyllable:
    """A syllable and its notes: the first note, then any slurred notes that continue its vowel (a melisma)."""

    notes: tuple[SungNote, ...]

    @property
    def text(self) -> str:
        return self.notes[0].syllable

    @property
    def word_index(self) -> int:
        return self.notes[0].word_index

    @property
    def start(self) -> float:
        return self.notes[0].start

    @property
    def end(self) -> float:
        return self.notes[-1].end


@dataclass(frozen=True)
class Placement:
    """A syllable placed in the song (seconds): onset consonants end on the note start, where the vowel begins."""

    syllable: SungSyllable
    sound: SyllableSound
    onset_start: float
    nucleus_end: float
    coda_end: float

    @property
    def nucleus_start(self) -> float:
        return self.syllable.start


def sung_syllables(notes: tuple[SungNote, ...], duration: float) -> tuple[SungSyllable, ...]:
    """The part's notes as syllables, in time order; notes past `duration` are clipped and overlaps trimmed."""
    ordered = sorted((note for note in notes if note.start < duration and note.end > 0.0), key=lambda note: note.start)
    kept: list[SungNote] = []
    for index, note in enumerate(ordered):
        start = max(0.0, note.start)
        next_start = ordered[index + 1].start if index + 1 < len(ordered) else duration
        end = min(note.end, next_start, duration)
        if end - start >= FRAME_PERIOD_S:
            kept.append(SungNote(start, end, note.pitch, note.syllable, note.word_index, note.velocity, note.slur))
    syllables: list[list[SungNote]] = []
    for note in kept:
        if note.slur and syllables:
            syllables[-1].append(note)
        else:
            syllables.append([note])
    return tuple(SungSyllable(tuple(group)) for group in syllables)


def words_of(syllables: tuple[SungSyllable, ...]) -> list[tuple[SungSyllable, ...]]:
    """Consecutive syllables of the same word, grouped."""
    words: list[list[SungSyllable]] = []
    for syllable in syllables:
        if words and words[-1][-1].word_index == syllable.word_index:
            words[-1].append(syllable)
        else:
            words.append([syllable])
    return [tuple(word) for word in words]


def place(syllables: tuple[SungSyllable, ...], sounds: tuple[SyllableSound, ...]) -> tuple[Placement, ...]:
    """Time every syllable's onset, vowel and coda. An onset borrows time from the previous note's end (never
    more than half the note); the coda closes the note (or the time left before the next onset)."""
    wanted_onsets = [
        min(sound.onset_frames * FRAME_PERIOD_S, MAX_ONSET_S, syllable.start)
        for syllable, sound in zip(syllables, sounds, strict=True)
    ]
    placements: list[Placement] = []
    previous_end = 0.0
    for index, (syllable, sound) in enumerate(zip(syllables, sounds, strict=True)):
        onset_start = max(syllable.start - wanted_onsets[index], previous_end)
        end = syllable.end
        if index + 1 < len(syllables):
            next_onset_start = syllables[index + 1].start - wanted_onsets[index + 1]
            shortest = syllable.start + _KEPT_NOTE_SHARE * (syllable.end - syllable.start)
            end = min(end, max(next_onset_start, shortest))
        coda = min(sound.coda_frames * FRAME_PERIOD_S, MAX_CODA_S, _CODA_SHARE * (end - syllable.start))
        placements.append(Placement(syllable, sound, onset_start, nucleus_end=end - coda, coda_end=end))
        previous_end = end
    return tuple(placements)


def phrases(placements: tuple[Placement, ...]) -> list[tuple[Placement, ...]]:
    """Runs of syllables with no gap of BREATH_GAP_S or more between them."""
    runs: list[list[Placement]] = []
    for placement in placements:
        if runs and placement.onset_start - runs[-1][-1].coda_end < BREATH_GAP_S:
            runs[-1].append(placement)
        else:
            runs.append([placement])
    return [tuple(run) for run in runs]
