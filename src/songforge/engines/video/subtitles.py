"""The video's text as an ASS script: the title throughout, and karaoke lyric lines.

Each lyric line is one Dialogue from its first word's start until just after its last word (never into the
next line, so lines replace each other instead of stacking). Every word is a `\\kf` span that fills with the
highlight colour while it is sung; pauses between words are empty `\\k` spans, so the fill waits for the voice.
"""

from collections.abc import Sequence

from songforge.engines.video.layout import Layout
from songforge.engines.video.lyric_lines import LyricLine

# ASS colours are &HAABBGGRR: warm gold for sung text, white for text still to come.
SUNG_COLOUR = "&H0033CCFF"
UNSUNG_COLOUR = "&H00FFFFFF"
OUTLINE_COLOUR = "&H00000000"
SHADOW_COLOUR = "&H80000000"
# How long a finished line stays up when the next one is not due yet.
LINGER_S = 0.6
# Average advance of a bold Latin glyph in ems: a title longer than fits is cut rather than wrapped over the cover.
_GLYPH_EMS = 0.62

_STYLE_FIELDS = (
    "Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, "
    "StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, "
    "Encoding"
)
# Numpad alignment: 8 is top centre, 2 bottom centre.
_TOP_CENTRE = 8
_BOTTOM_CENTRE = 2


def subtitle_script(
    lines: Sequence[LyricLine], *, title: str, layout: Layout, font_family: str, duration: float
) -> str:
    """The whole ASS script for a video `duration` seconds long."""
    events = [_title_event(title, layout, duration)] if title.strip() else []
    for index, line in enumerate(lines):
        next_start = lines[index + 1].start if index + 1 < len(lines) else duration
        end = min(line.end + LINGER_S, max(next_start, line.end), duration)
        if line.start < end:
            events.append(_dialogue("Lyric", line.start, end, _karaoke_text(line)))
    return "\n".join([*_header(layout, font_family), *events, ""])


def _header(layout: Layout, font_family: str) -> list[str]:
    outline = max(1, round(layout.height / 240))
    margin = layout.side_margin
    title_style = (
        f"Title,{font_family},{layout.title_size},{UNSUNG_COLOUR},{UNSUNG_COLOUR},{OUTLINE_COLOUR},{SHADOW_COLOUR},"
        f"-1,0,0,0,100,100,0,0,1,{outline},1,{_TOP_CENTRE},{margin},{margin},{layout.title_margin},1"
    )
    lyric_style = (
        f"Lyric,{font_family},{layout.lyric_size},{SUNG_COLOUR},{UNSUNG_COLOUR},{OUTLINE_COLOUR},{SHADOW_COLOUR},"
        f"-1,0,0,0,100,100,0,0,1,{outline},1,{_BOTTOM_CENTRE},{margin},{margin},{layout.lyric_margin},1"
    )
    return [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {layout.width}",
        f"PlayResY: {layout.height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        f"Format: {_STYLE_FIELDS}",
        f"Style: {title_style}",
        f"Style: {lyric_style}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]


def _title_event(title: str, layout: Layout, duration: float) -> str:
    text = " ".join(title.split())
    fits = int((layout.width - 2 * layout.side_margin) / (layout.title_size * _GLYPH_EMS))
    if len(text) > fits:
        text = text[: max(1, fits - 3)].rstrip() + "..."
    return _dialogue("Title", 0.0, duration, _plain(text))


def _karaoke_text(line: LyricLine) -> str:
    """`{\\kf}` spans per word, in centiseconds from the line's start, with empty `{\\k}` spans for pauses."""
    origin = line.start
    spans = []
    cursor = 0
    for index, word in enumerate(line.words):
        start = max(_centiseconds(word.start - origin), cursor)
        end = max(_centiseconds(word.end - origin), start)
        if index + 1 < len(line.words):
            end = max(start, min(end, _centiseconds(line.words[index + 1].start - origin)))
        if start > cursor:
            spans.append(f"{{\\k{start - cursor}}}")
        spans.append(f"{{\\kf{end - start}}}{_plain(word.text)}")
        cursor = end
    return "".join(spans)


def _plain(text: str) -> str:
    # Braces open override blocks and backslashes start tags in ASS; lyrics mean them literally.
    return text.replace("\\", "/").replace("{", "(").replace("}", ")").replace("\n", " ")


def _centiseconds(seconds: float) -> int:
    return max(0, round(seconds * 100))


def _timestamp(seconds: float) -> str:
    total = _centiseconds(seconds)
    hours, rest = divmod(total, 360_000)
    minutes, rest = divmod(rest, 6_000)
    whole, fraction = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{whole:02d}.{fraction:02d}"


def _dialogue(style: str, start: float, end: float, text: str) -> str:
    return f"Dialogue: 0,{_timestamp(start)},{_timestamp(end)},{style},,0,0,0,,{text}"
