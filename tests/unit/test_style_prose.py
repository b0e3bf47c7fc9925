"""Tags to prose: a reader of the description learns the genre, tempo, instruments, mood and voice the tags ask
for; it is the same every time, never empty or too long, and read back as tags it is the same style."""

from __future__ import annotations

import re

import pytest

from songforge.core.styles import read_style, upsample_tags

SOME_TAGS = (
    "heavy metal",
    "student",
    "lofi hip hop, chill",
    "jazz, saxophone",
    "trap",
    "r&b, male vocals",
    "ambient",
    "acoustic folk, sad",
    "deep house",
    "pop, no drums",
    "techno, no vocals",
    "epic orchestral",
    "waltz",
)


def test_the_same_tags_always_give_the_same_description() -> None:
    for tags in SOME_TAGS:
        assert upsample_tags(tags) == upsample_tags(tags)
    assert len({upsample_tags(tags) for tags in SOME_TAGS}) == len(SOME_TAGS)


@pytest.mark.parametrize(
    ("tags", "hallmarks"),
    [
        ("heavy metal", ("Heavy metal", "distorted rhythm guitars", "double-kick drums", "pick bass", "dark")),
        ("jazz", ("sax", "upright bass", "shuffle")),
        ("country", ("fiddle", "banjo", "acoustic guitar")),
        ("edm", ("EDM", "four-on-the-floor", "synth")),
        ("bossa nova", ("nylon guitar", "bossa")),
        ("trap", ("808", "hi-hats")),
        ("reggae", ("one-drop", "organ")),
        ("lofi hip hop", ("Lo-fi", "electric piano", "swung")),
    ],
)
def test_each_genre_names_its_hallmark_instruments_and_feel(tags: str, hallmarks: tuple[str, ...]) -> None:
    text = upsample_tags(tags)
    for hallmark in hallmarks:
        assert hallmark in text, f"{tags!r}: {text!r} lacks {hallmark!r}"


def test_the_tempo_is_given_in_words_and_as_the_styles_bpm_range() -> None:
    metal = upsample_tags("heavy metal")
    low, high = (round(bpm) for bpm in read_style("heavy metal").tempo_range)
    assert f"{low}–{high} BPM" in metal and "rapid" in metal
    assert "unhurried" in upsample_tags("slow sad ballad")


def test_unknown_words_still_give_a_pop_sentence_never_empty_never_too_long() -> None:
    for tags in ("student", "", "!!!", "xyzzy 42", "流行歌曲"):
        text = upsample_tags(tags)
        assert text.startswith("Pop at") and "BPM" in text and "female vocals" in text
    crowded = "heavy metal, dark, aggressive, slow, epic, dreamy, chill, sad, happy, groovy, heavy, fast, upbeat"
    assert all(0 < len(upsample_tags(tags)) <= 300 for tags in (*SOME_TAGS, crowded, crowded * 5))


def test_the_voice_is_named_or_the_piece_said_to_be_instrumental() -> None:
    assert "male vocals" in upsample_tags("rock") and "female" not in upsample_tags("rock")
    assert "female vocals" in upsample_tags("rock, female vocals")
    instrumental = upsample_tags("pop", instrumental=True)
    assert "instrumental" in instrumental and "no vocals" in instrumental
    assert not re.search(r"(?<!no )vocals", instrumental), "no voice is named"
    assert "no vocals" in upsample_tags("techno, no vocals")


def test_what_the_tags_rule_out_is_not_described() -> None:
    no_drums = upsample_tags("pop, no drums")
    assert "no drums" in no_drums and not re.search(r"(?<!no )drums|kick|hi-hats", no_drums)
    assert "guitar" in upsample_tags("rock") and "guitar" not in upsample_tags("rock, no guitar")


@pytest.mark.parametrize("tags", SOME_TAGS)
def test_read_back_as_tags_the_description_is_the_same_style(tags: str) -> None:
    wanted, described = read_style(tags), read_style(upsample_tags(tags))
    assert described.genre == wanted.genre
    assert described.mood == wanted.mood
    assert (described.has_drums, described.has_vocals, described.vocal_gender) == (
        wanted.has_drums,
        wanted.has_vocals,
        wanted.vocal_gender,
    )
