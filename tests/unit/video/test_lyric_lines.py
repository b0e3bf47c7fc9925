"""Sung words become the lines a viewer reads: tags gone, one line per lyric line, times kept."""

from songforge.engines.video.lyric_lines import TimedWord, lyric_lines


def _texts(words: list[TimedWord]) -> list[str]:
    return ["".join(word.text for word in line.words) for line in lyric_lines(words)]


def test_section_tags_are_dropped_and_newlines_end_lines() -> None:
    words = [
        TimedWord("[Verse]\nWinter ", 1.0, 1.4),
        TimedWord("winds\n", 1.5, 2.0),
        TimedWord("Snow ", 2.5, 2.9),
        TimedWord("falls\n", 3.0, 3.5),
        TimedWord("[Chorus]\nSing\n", 4.0, 4.5),
    ]
    assert _texts(words) == ["Winter winds", "Snow falls", "Sing"]


def test_lines_span_their_words_times() -> None:
    lines = lyric_lines([TimedWord("[Verse]\nOne ", 1.0, 1.4), TimedWord("two\n", 1.5, 2.25)])
    assert (lines[0].start, lines[0].end) == (1.0, 2.25)


def test_words_without_spaces_stay_joined() -> None:
    words = [TimedWord("[Verse]\n雪", 0.0, 0.5), TimedWord("が", 0.5, 1.0), TimedWord("降る\n", 1.0, 1.5)]
    assert _texts(words) == ["雪が降る"]


def test_tag_only_and_blank_words_show_nothing() -> None:
    assert lyric_lines([TimedWord("[Instrumental]\n", 0.0, 4.0), TimedWord("  \n", 4.0, 5.0)]) == []


def test_last_line_without_newline_is_kept() -> None:
    assert _texts([TimedWord("Last ", 1.0, 1.5), TimedWord("words", 1.6, 2.0)]) == ["Last words"]
