"""The composer: a request, its style and its lyric form in, a complete plan out (form, chords, every part's
notes, the sung melody and its words). Deterministic for a given seed; times in seconds.

Order of work: tempo and key → progressions → form (sections, bars, energy) → instrument parts → vocals.
Each choice draws from its own seeded stream (`sketch.rng_for`), so the stages vary independently by seed.
A request anchored to a source song (`SongRequest.anchor`) keeps what the anchor gives (tempo, key, meter,
voice, sung melody, no intro, an exact window) and chooses only the rest.
"""

from __future__ import annotations

from songforge.engines.generation.composer.arrangement import TAIL_S, arrange
from songforge.engines.generation.composer.harmony import choose_key
from songforge.engines.generation.composer.parts import band_of, write_parts
from songforge.engines.generation.composer.progressions import choose_harmony
from songforge.engines.generation.composer.sketch import Section, Sketch, rng_for
from songforge.engines.generation.composer.timeline import Timeline, choose_tempo, song_swing
from songforge.engines.generation.composer.vocals import Singer, Vocals, write_vocals
from songforge.engines.generation.composer.window import parts_until
from songforge.engines.generation.score import (
    LyricForm,
    MusicalAnchor,
    Plan,
    SectionPlan,
    SongRequest,
    Style,
)

__all__ = ["compose"]


def compose(request: SongRequest, style: Style, form: LyricForm | None, *, title: str, lyrics: str) -> Plan:
    """Plan the song. `form` None (or an instrumental request or style) gives an instrumental in a standard
    form sized to `request.duration_s` (about two minutes by default). `lyrics` is the text as written; the
    plan's lyrics are rebuilt from what is actually sung, which is less when the length cap drops lines."""
    seed = request.seed
    anchor = request.anchor or MusicalAnchor()
    sung = form is not None and wants_vocals(request, style, form)
    tempo = anchor.tempo if anchor.tempo is not None else choose_tempo(style, rng_for(seed, "tempo"))
    timeline = Timeline(tempo, anchor.time_signature or style.meter, song_swing(style))
    key = choose_key(
        style,
        rng_for(seed, "key", style.genre),
        guitar_led=style.guitar_drive >= 0.5,
        tonic=anchor.key,
        mode=anchor.mode,
    )
    harmony = choose_harmony(style.genre, key, rng_for(seed, "progressions"))
    sections = arrange(form if sung else None, request, style, timeline, harmony, rng_for(seed, "form"))
    sketch = Sketch(style=style, key=key, timeline=timeline, sections=sections, seed=seed, sung=sung)
    parts = write_parts(sketch, band_of(style.instruments, has_drums=style.has_drums))
    if anchor.exact_duration is None:
        duration = round(min(sketch.end + TAIL_S, request.max_duration_s), 3)
    else:
        duration = round(anchor.exact_duration, 3)
        parts = parts_until(parts, duration)
    language = form.language if form is not None else "en"
    vocals = write_vocals(sketch, singer_of(request, style, anchor), language) if sung else Vocals((), (), "")
    return Plan(
        title=title,
        seed=seed,
        tempo=timeline.tempo,
        key=key.name,
        mode=key.mode,
        time_signature=timeline.meter,
        language=language,
        style=style,
        sections=tuple(section_plan(section, sketch, duration) for section in sections),
        parts=parts,
        vocals=vocals.parts,
        words=vocals.words,
        duration=duration,
        lyrics=vocals.lyrics if sung else "",
    )


def wants_vocals(request: SongRequest, style: Style, form: LyricForm) -> bool:
    has_lines = any(line.syllable_count for section in form.sections for line in section.lines)
    return has_lines and not request.instrumental and style.has_vocals


def singer_of(request: SongRequest, style: Style, anchor: MusicalAnchor) -> Singer:
    """The source song's voice and timbre when the anchor keeps them; else the request's or style's voice, and a
    timbre by seed."""
    voice = anchor.voice or request.voice or style.vocal_gender
    timbre = request.seed % 2 if anchor.timbre is None else anchor.timbre
    return Singer(voice, timbre, anchor.melody)


def section_plan(section: Section, sketch: Sketch, duration: float) -> SectionPlan:
    """`duration` cuts the last section short when an exact window ends inside its last bar."""
    timeline = sketch.timeline
    return SectionPlan(
        kind=section.kind,
        label=section.label,
        start=timeline.bar_start(section.first_bar),
        end=min(timeline.bar_start(section.first_bar + section.bars), duration),
        bars=section.bars,
        energy=section.energy,
        chords=tuple(chord.symbol(sketch.key) for chord in section.chords),
    )
