"""Lyric form reader: sections from tags (or from repeated blocks), words, syllables and stresses."""

# Chinese lyrics use fullwidth punctuation; it is the input under test.
# ruff: noqa: RUF001

from __future__ import annotations

from songforge.engines.generation.form import read_lyric_form
from songforge.engines.generation.score import LyricForm, LyricSection, Word

TAGGED = """\
[Intro]

[Verse]
Walking down the empty road tonight
Every light is fading out of sight

[Pre-Chorus]
Hold on (hold on)

[Chorus]
Tomorrow we will fly (x2)
Into the open sky

[Verse 2]
Little candle in the window

[Instrumental]

(Bridge)
(oh yeah)
We were singing in the rain

[Outro]
Fly
"""


def kinds(form: LyricForm) -> list[str]:
    return [section.kind for section in form.sections]


def texts(section: LyricSection) -> list[list[str]]:
    return [[word.text for word in line.words] for line in section.lines]


def word(form: LyricForm, text: str) -> Word:
    return next(w for s in form.sections for line in s.lines for w in line.words if w.text == text)


def test_tags_make_sections_in_order() -> None:
    form = read_lyric_form(TAGGED)
    assert kinds(form) == ["intro", "verse", "pre_chorus", "chorus", "verse", "instrumental", "bridge", "outro"]
    assert [s.label for s in form.sections][:5] == ["[Intro]", "[Verse]", "[Pre-Chorus]", "[Chorus]", "[Verse 2]"]
    assert form.language == "en"


def test_sections_without_lines_are_kept_empty() -> None:
    form = read_lyric_form(TAGGED)
    assert form.sections[0].lines == ()
    assert form.sections[5].kind == "instrumental" and form.sections[5].lines == ()


def test_ad_libs_and_repeat_marks_are_not_sung() -> None:
    form = read_lyric_form(TAGGED)
    assert texts(form.sections[2]) == [["Hold", "on"]]
    assert texts(form.sections[3])[0] == ["Tomorrow", "we", "will", "fly"]
    assert texts(form.sections[6]) == [["We", "were", "singing", "in", "the", "rain"]]


def test_words_lose_their_punctuation() -> None:
    form = read_lyric_form('[Verse]\nHello, world! Don\'t "stop"...\n')
    assert texts(form.sections[0]) == [["Hello", "world", "Don't", "stop"]]


def test_tag_spellings_are_normalised() -> None:
    lyrics = "[PRE CHORUS]\na\n[chorus 2]\nb\n[Hook]\nc\n[Break]\nd\n[Guitar Solo]\n[Refrain]\ne\n[Post-Chorus]\nf\n"
    form = read_lyric_form(lyrics)
    assert kinds(form) == ["pre_chorus", "chorus", "hook", "break", "instrumental", "chorus", "hook"]


def test_chinese_tags() -> None:
    form = read_lyric_form("【主歌】\n我爱你\n[副歌]\n世界\n（前奏）\n")
    assert kinds(form) == ["verse", "chorus", "intro"]


def test_lines_before_the_first_tag_are_a_verse() -> None:
    form = read_lyric_form("First line here\n[Chorus]\nSecond line\n")
    assert kinds(form) == ["verse", "chorus"]
    assert texts(form.sections[0]) == [["First", "line", "here"]]


def test_unknown_bracket_tags_are_directions_not_sections() -> None:
    form = read_lyric_form("[Verse]\nOne line\n[Whispered]\nTwo line\n")
    assert kinds(form) == ["verse"]
    assert len(form.sections[0].lines) == 2


def test_untagged_lyrics_find_the_chorus_by_repetition() -> None:
    chorus = "We are the light\nShining so bright"
    verses = ["Morning comes slow\nOver the hill", "Noon is so hot\nOn the hill", "Evening comes fast\nUnder the sea"]
    lyrics = "\n\n".join([verses[0], verses[1], chorus, verses[2], chorus])
    form = read_lyric_form(lyrics)
    assert kinds(form) == ["verse", "verse", "chorus", "verse", "chorus"]
    assert [s.label for s in form.sections] == ["[Verse]", "[Verse 2]", "[Chorus]", "[Verse 3]", "[Chorus]"]


def test_untagged_lyrics_without_repeats_alternate() -> None:
    form = read_lyric_form("one line\n\ntwo line\n\nthree line\n")
    assert kinds(form) == ["verse", "chorus", "verse"]


def test_a_long_untagged_block_is_split() -> None:
    form = read_lyric_form("\n".join(f"line number {i}" for i in range(12)))
    assert len(form.sections) == 3
    assert all(len(section.lines) == 4 for section in form.sections)


def test_english_syllables_and_stresses_come_from_cmudict() -> None:
    form = read_lyric_form(TAGGED)
    tomorrow = word(form, "Tomorrow")
    assert tomorrow.syllables == ("To", "mor", "row")
    assert tomorrow.stresses == (0, 1, 2)
    assert word(form, "Walking").stresses == (1, 0)
    assert word(form, "Every").stresses.count(1) == 1
    assert word(form, "singing").syllables == ("sing", "ing")
    assert word(form, "road").syllables == ("road",)


def test_syllable_spellings_join_to_the_word() -> None:
    form = read_lyric_form(TAGGED + "\nFlorbinating zquartlepoxy idea\n")
    for section in form.sections:
        for line in section.lines:
            for w in line.words:
                assert "".join(w.syllables) == w.text
                assert len(w.syllables) == len(w.stresses) >= 1
                assert all(w.syllables)


def test_unknown_english_words_are_stressed_first() -> None:
    form = read_lyric_form("Florbinating zquartlepoxy\n")
    florbinating = word(form, "Florbinating")
    assert len(florbinating.syllables) == 4
    assert florbinating.stresses == (1, 0, 0, 0)


def test_line_syllable_counts_match_what_is_sung() -> None:
    form = read_lyric_form("Walking down the empty road tonight\n")
    assert form.sections[0].lines[0].syllable_count == 9


def test_chinese_is_one_syllable_per_character() -> None:
    form = read_lyric_form("[主歌]\n我爱你，中国！\n月亮 love 太阳\n")
    assert form.language == "zh"
    first, second = form.sections[0].lines
    assert [w.text for w in first.words] == ["我", "爱", "你", "中", "国"]
    assert all(w.syllables == (w.text,) and w.stresses == (1,) for w in first.words)
    assert [w.text for w in second.words] == ["月", "亮", "love", "太", "阳"]
    assert second.syllable_count == 5


def test_japanese_kana_is_one_syllable_per_mora() -> None:
    form = read_lyric_form("きょうは とうきょう\n")
    assert form.language == "ja"
    kyouwa, toukyou = form.sections[0].lines[0].words
    assert kyouwa.syllables == ("きょ", "う", "は")
    assert toukyou.syllables == ("と", "う", "きょ", "う")


def test_spanish_stress_is_on_the_penultimate_or_the_accent() -> None:
    form = read_lyric_form("Canto la canción de mi corazón, la luna\n")
    assert form.language == "es"
    assert word(form, "Canto").stresses == (1, 0)
    assert word(form, "luna").stresses == (1, 0)
    assert word(form, "corazón").stresses == (0, 0, 1)
    assert word(form, "canción").syllables == ("can", "ción")


def test_french_stress_is_last_and_german_first() -> None:
    french = read_lyric_form("Je chante avec mon amour dans la nuit et le jardin pour toujours\n")
    assert french.language == "fr"
    assert word(french, "jardin").stresses == (0, 1)
    assert word(french, "toujours").stresses == (0, 1)
    german = read_lyric_form("Ich singe das Lied und die Sonne ist mein Leben\n")
    assert german.language == "de"
    assert word(german, "Leben").stresses == (1, 0)
    assert word(german, "Sonne").syllables == ("Son", "ne")


def test_empty_lyrics_have_no_sections() -> None:
    assert read_lyric_form("").sections == ()
    assert read_lyric_form("\n\n  \n").sections == ()
