"""The song's form: which sections, how many bars each, how intense, and the length the request asks for.

A piece made from a source song may start at once without an intro (a continuation) or fill an exact window
of it (an infill: no outro, the sections cut or stretched to the window's bars).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from songforge.engines.generation.composer.phrasing import bars_for_line
from songforge.engines.generation.composer.progressions import SongHarmony
from songforge.engines.generation.composer.sketch import Section
from songforge.engines.generation.composer.timeline import Timeline
from songforge.engines.generation.score import LyricForm, MusicalAnchor, SongRequest, Style

TAIL_S = 2.0  # after the last bar: the final chord and the reverb ring out
DEFAULT_INSTRUMENTAL_S = 120.0
OPENING_BARS = (2, 4)  # an intro or outro the lyrics did not ask for
SECTION_BARS = 8  # an instrumental body section
EMPTY_SECTION_BARS = {"intro": 4, "outro": 4, "break": 4}  # a tagged section without lines
MOST_EXTRA_SECTIONS = 12
BASE_ENERGY = {
    "intro": 0.3,
    "outro": 0.28,
    "break": 0.4,
    "verse": 0.5,
    "bridge": 0.6,
    "pre_chorus": 0.62,
    "instrumental": 0.7,
    "hook": 0.8,
    "chorus": 0.82,
}
LATER_CHORUS_LIFT = 0.04  # each chorus a little bigger than the one before
# Kinds a length fit may drop without losing lyrics or the song's shape.
DISPOSABLE_KINDS = frozenset({"instrumental", "break", "bridge"})
INSTRUMENTAL_FORM = ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro")


@dataclass(frozen=True)
class Ends:
    """Whether the composer adds an intro and an outro the lyrics did not ask for."""

    intro: bool = True
    outro: bool = True


def arrange(
    form: LyricForm | None,
    request: SongRequest,
    style: Style,
    timeline: Timeline,
    harmony: SongHarmony,
    rng: np.random.Generator,
) -> tuple[Section, ...]:
    """Sections with bars, chords and energy; `form` None means an instrumental in a standard form."""
    anchor = request.anchor or MusicalAnchor()
    window = anchor.exact_duration
    ends = Ends(intro=anchor.intro, outro=window is None)
    music_s: float | None  # the length wanted before the tail
    if form is None:
        sections = instrumental_form(ends)
        music_s = window if window is not None else (request.duration_s or DEFAULT_INSTRUMENTAL_S) - TAIL_S
    else:
        sections = sung_form(form, timeline, rng, ends)
        # A window is filled with the lyrics given, not with repeated choruses.
        music_s = None if window is not None or request.duration_s is None else request.duration_s - TAIL_S
    sections = [whole_loops(section, harmony) for section in sections]
    if music_s is not None:
        # Again after the fit: the sections it adds or halves must also last whole loops.
        sections = [whole_loops(section, harmony) for section in fit_length(sections, timeline, music_s)]
    if window is not None:
        return place(fill_window(sections, timeline, window), harmony, style)
    limit = request.max_duration_s
    if request.duration_s is not None:
        # "About this long": a little over is fine, much over is not what was asked.
        limit = min(limit, request.duration_s * 1.15)
    return place(truncate(sections, bars_within(limit - TAIL_S, timeline)), harmony, style)


def label_of(kind: str) -> str:
    return "[" + kind.replace("_", "-").title() + "]"


def instrumental_form(ends: Ends) -> list[Section]:
    kinds = [kind for kind in INSTRUMENTAL_FORM if (kind != "intro" or ends.intro) and (kind != "outro" or ends.outro)]
    return [
        Section(kind, label_of(kind), OPENING_BARS[-1] if kind in ("intro", "outro") else SECTION_BARS)
        for kind in kinds
    ]


def sung_form(form: LyricForm, timeline: Timeline, rng: np.random.Generator, ends: Ends) -> list[Section]:
    """The lyrics' sections in order, each sung line given 2 or 4 bars; a short intro and outro when missing
    (and `ends` wants them)."""
    sections: list[Section] = []
    kinds = {section.kind for section in form.sections}
    if ends.intro and "intro" not in kinds:
        sections.append(Section("intro", label_of("intro"), int(rng.choice(OPENING_BARS))))
    for lyric in form.sections:
        label = lyric.label or label_of(lyric.kind)
        lines = tuple(line for line in lyric.lines if line.syllable_count > 0)
        if not lines:
            sections.append(Section(lyric.kind, label, EMPTY_SECTION_BARS.get(lyric.kind, SECTION_BARS)))
            continue
        # One line length per section, from its longest line: phrases of a section should match.
        line_bars = bars_for_line(max(line.syllable_count for line in lines), timeline)
        sections.append(Section(lyric.kind, label, line_bars * len(lines), lines=lines, line_bars=line_bars))
    if ends.outro and "outro" not in kinds:
        sections.append(Section("outro", label_of("outro"), int(rng.choice(OPENING_BARS))))
    return sections


def whole_loops(section: Section, harmony: SongHarmony) -> Section:
    """A body section lasts whole turns of its chord loop (a blues verse is twelve bars): sung lines first,
    then instrumental bars to finish the turn."""
    if section.kind in ("intro", "outro"):
        return section
    loop = len(harmony.loop_for(section.kind))
    return replace(section, bars=-(-section.bars // loop) * loop)


def total_bars(sections: Sequence[Section]) -> int:
    return sum(section.bars for section in sections)


def fit_length(sections: list[Section], timeline: Timeline, music_s: float) -> list[Section]:
    """Repeat or drop choruses and instrumental sections (and halve instrumental ones) towards `music_s`."""
    target = music_s / timeline.bar_seconds

    def closer(candidate: list[Section], current: list[Section]) -> bool:
        return abs(total_bars(candidate) - target) < abs(total_bars(current) - target)

    for _ in range(MOST_EXTRA_SECTIONS):
        longer = with_extra_section(sections)
        if not closer(longer, sections):
            break
        sections = longer
    while (index := last_disposable(sections)) is not None:
        shorter = sections[:index] + sections[index + 1 :]
        if not closer(shorter, sections):
            break
        sections = shorter
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section.lines or section.kind in ("intro", "outro") or section.bars < SECTION_BARS:
            continue
        halved = [*sections[:index], replace(section, bars=section.bars // 2), *sections[index + 1 :]]
        if closer(halved, sections):
            sections = halved
    return sections


def with_extra_section(sections: list[Section]) -> list[Section]:
    """One more section: an instrumental break before the last chorus, or when one is already there, a repeat
    of that chorus (so breaks and choruses alternate); before the outro in a song without a chorus."""
    extra = Section("instrumental", label_of("instrumental"), SECTION_BARS)
    choruses = [index for index, section in enumerate(sections) if section.is_chorus]
    if not choruses:
        ending = len(sections) - 1 if sections and sections[-1].kind == "outro" else len(sections)
        return [*sections[:ending], extra, *sections[ending:]]
    last = choruses[-1]
    if last > 0 and sections[last - 1].kind == "instrumental":
        return [*sections[: last + 1], sections[last], *sections[last + 1 :]]
    return [*sections[:last], extra, *sections[last:]]


def last_disposable(sections: list[Section]) -> int | None:
    """The last section that can go: an instrumental or bridge section, or a repeat of an earlier one."""
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section.kind in ("intro", "outro"):
            continue
        repeat = any(earlier.kind == section.kind and earlier.lines == section.lines for earlier in sections[:index])
        if repeat or (not section.lines and section.kind in DISPOSABLE_KINDS):
            return index
    return None


def bars_within(seconds: float, timeline: Timeline) -> int:
    """The whole bars that fit in `seconds` (at least one)."""
    return max(int(seconds / timeline.bar_seconds + 1e-9), 1)


def fill_window(sections: list[Section], timeline: Timeline, window_s: float) -> list[Section]:
    """Sections lasting exactly `window_s`: cut (by whole lines) to the whole bars inside it, then stretched with
    instrumental bars, the last one cut short by the window's end when it falls inside a bar."""
    kept = truncate(sections, bars_within(window_s, timeline))
    # Less than half a millisecond past a bar line is rounding, not a bar more.
    covering = max(math.ceil((window_s - 0.0005) / timeline.bar_seconds), 1)
    missing = covering - total_bars(kept)
    if missing >= SECTION_BARS:
        # A long stretch gets a section of its own: a fill and a crash into it, the lead instrument plays.
        return [*kept, Section("instrumental", label_of("instrumental"), missing)]
    return [*kept[:-1], replace(kept[-1], bars=kept[-1].bars + missing)]


def truncate(sections: list[Section], room: int) -> list[Section]:
    """Drop or shorten (by whole lines or bars) the sections that would last more than `room` bars."""
    kept: list[Section] = []
    for section in sections:
        if section.bars <= room:
            kept.append(section)
            room -= section.bars
            continue
        if section.lines and room >= section.line_bars:
            lines = section.lines[: room // section.line_bars]
            kept.append(replace(section, lines=lines, bars=len(lines) * section.line_bars))
        elif not section.lines and room > 0:
            kept.append(replace(section, bars=room))
        elif not kept:
            kept.append(replace(section, lines=(), line_bars=0, bars=room))
        break
    return kept


def place(sections: list[Section], harmony: SongHarmony, style: Style) -> tuple[Section, ...]:
    """Give each section its first bar, its chords and its energy."""
    placed: list[Section] = []
    first_bar = 0
    choruses = 0
    for index, section in enumerate(sections):
        energy = BASE_ENERGY.get(section.kind, 0.5) * (0.75 + 0.4 * style.energy)
        if section.is_chorus:
            energy += LATER_CHORUS_LIFT * choruses
            choruses += 1
        chords = harmony.chords_for(section.kind, section.bars, last=index == len(sections) - 1)
        placed.append(replace(section, first_bar=first_bar, energy=round(min(energy, 1.0), 3), chords=chords))
        first_bar += section.bars
    return tuple(placed)
