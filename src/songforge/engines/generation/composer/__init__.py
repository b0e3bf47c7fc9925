"""The composer: a request, its style and its lyric form in, a complete plan out (form, chords, every part's
notes, the sung melody and its words). Deterministic for a given seed; times in seconds.

Order of work: tempo and key → progressions → form (sections, bars, energy) → instrument parts → vocals.
Each choice draws from its own seeded stream (`sketch.rng_for`), so the stages vary independently by seed.
"""

from __future__ import annotations

from songforge.engines.generation.composer.arrangement import TAIL_S, arrange
from songforge.engines.generation.composer.harmony import choose_key
from songforge.engines.generation.composer.parts import band_of, write_parts
from songforge.engines.generation.composer.progressions import choose_harmony
from songforge.engines.generation.composer.sketch import Section, Sketch, rng_for
from songforge.engines.generation.composer.timeline import Timeline, choose_tempo, song_swing
from songforge.engines.generation.composer.vocals import Vocals, write_vocals
from songforge.engines.generation.score import LyricForm, Plan, SectionPlan, SongRequest, Style

__all__ = ["compose"]


def compose(request: SongRequest, style: Style, form: LyricForm | None, *, title: str, lyrics: str) -> Plan:
    """Plan the song. `form` None (or an instrumental request or style) gives an instrumental in a standard
    form sized to `request.duration_s` (about two minutes by default). `lyrics` is the text as written; the
    plan's lyrics are rebuilt from what is actually sung, which is less when the length cap drops lines."""
    seed = request.seed
    sung = form is not None and wants_vocals(request, style, form)
    timeline = Timeline(choose_tempo(style, rng_for(seed, "tempo")), style.meter, song_swing(style))
    key = choose_key(style, rng_for(seed, "key", style.genre), guitar_led=style.guitar_drive >= 0.5)
    harmony = choose_harmony(style.genre, key, rng_for(seed, "progressions"))
    sections = arrange(form if sung else None, request, style, timeline, harmony, rng_for(seed, "form"))
    sketch = Sketch(style=style, key=key, timeline=timeline, sections=sections, seed=seed, sung=sung)
    parts = write_parts(sketch, band_of(style.instruments, has_drums=style.has_drums))
    language = form.language if form is not None else "en"
    vocals = write_vocals(sketch, request.voice or style.vocal_gender, language) if sung else Vocals((), (), "")
    return Plan(
        title=title,
        seed=seed,
        tempo=timeline.tempo,
        key=key.name,
        mode=key.mode,
        time_signature=style.meter,
        language=language,
        style=style,
        sections=tuple(section_plan(section, sketch) for section in sections),
        parts=parts,
        vocals=vocals.parts,
        words=vocals.words,
        duration=round(min(sketch.end + TAIL_S, request.max_duration_s), 3),
        lyrics=vocals.lyrics if sung else "",
    )


def wants_vocals(request: SongRequest, style: Style, form: LyricForm) -> bool:
    has_lines = any(line.syllable_count for section in form.sections for line in section.lines)
    return has_lines and not request.instrumental and style.has_vocals


def section_plan(section: Section, sketch: Sketch) -> SectionPlan:
    timeline = sketch.timeline
    return SectionPlan(
        kind=section.kind,
        label=section.label,
        start=timeline.bar_start(section.first_bar),
        end=timeline.bar_start(section.first_bar + section.bars),
        bars=section.bars,
        energy=section.energy,
        chords=tuple(chord.symbol(sketch.key) for chord in section.chords),
    )
