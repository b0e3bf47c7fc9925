"""The ASS script: the title all along, one karaoke Dialogue per lyric line timed to the voice."""

import re

from songforge.engines.video.layout import layout_for
from songforge.engines.video.lyric_lines import TimedWord, lyric_lines
from songforge.engines.video.subtitles import LINGER_S, subtitle_script

WORDS = [
    TimedWord("[Verse]\nWinter ", 1.0, 1.5),
    TimedWord("winds ", 1.6, 2.2),
    TimedWord("blow\n", 2.6, 3.0),
    TimedWord("Snow ", 3.2, 3.6),
    TimedWord("falls\n", 3.7, 4.2),
]


def _script(words: list[TimedWord], title: str = "Winter Song", duration: float = 10.0) -> str:
    return subtitle_script(
        lyric_lines(words), title=title, layout=layout_for(854, 480), font_family="DejaVu Sans", duration=duration
    )


def _dialogues(script: str, style: str) -> list[list[str]]:
    return [
        line.split(",", 9) for line in script.splitlines() if line.startswith("Dialogue: 0,") and f",{style}," in line
    ]


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_title_shows_for_the_whole_video() -> None:
    [title] = _dialogues(_script(WORDS), "Title")
    assert (_seconds(title[1]), _seconds(title[2])) == (0.0, 10.0)
    assert title[9] == "Winter Song"


def test_one_dialogue_per_line_from_first_word_until_the_next_line() -> None:
    lines = _dialogues(_script(WORDS), "Lyric")
    assert len(lines) == 2
    assert _seconds(lines[0][1]) == 1.0
    assert _seconds(lines[0][2]) == 3.2  # cut where the next line starts, so lines never stack
    assert _seconds(lines[1][1]) == 3.2
    assert _seconds(lines[1][2]) == round(4.2 + LINGER_S, 2)


def test_each_word_fills_while_it_is_sung_and_pauses_wait() -> None:
    first = _dialogues(_script(WORDS), "Lyric")[0][9]
    assert first == r"{\kf50}Winter {\k10}{\kf60}winds {\k40}{\kf40}blow"
    spans = [int(value) for value in re.findall(r"\\kf?(\d+)", first)]
    assert sum(spans) == 200  # the fill reaches the last word's end (3.0 s) exactly


def test_braces_and_backslashes_in_lyrics_are_shown_not_parsed() -> None:
    text = _dialogues(_script([TimedWord(r"{\b1}loud\N", 0.0, 1.0)]), "Lyric")[0][9]
    assert text == r"{\kf100}(/b1)loud/N"


def test_long_title_is_shortened_to_one_line() -> None:
    [title] = _dialogues(_script([], title="A very long title " * 6), "Title")
    assert title[9].endswith("...") and len(title[9]) < 50


def test_no_words_and_no_title_give_an_empty_event_list() -> None:
    script = _script([], title="  ")
    assert "[Events]" in script and "Dialogue:" not in script
