"""Style reader: what the tags, description and negative tags decide about a song."""

from __future__ import annotations

import pytest

from songforge.core.styles import read_style
from songforge.core.styles import words as style_words
from songforge.engines.generation.score import INSTRUMENT_STEMS, Style

GM_PIANOS = range(8)


def stems(style: Style) -> set[str]:
    return {instrument.stem for instrument in style.instruments}


def chords_player(style: Style) -> tuple[str, int]:
    (chords,) = [instrument for instrument in style.instruments if instrument.role == "chords"]
    return chords.stem, chords.program


def test_a_slow_piano_ballad_is_slow_and_led_by_the_piano() -> None:
    style = read_style("slow piano ballad")
    assert style.genre == "ballad"
    assert style.tempo_range[1] < 90
    assert chords_player(style) == ("Keyboard", 0)


def test_heavy_metal_is_fast_loud_and_distorted() -> None:
    style = read_style("heavy metal")
    assert style.tempo_range[0] > 120
    assert style.guitar_drive >= 0.7
    assert style.has_drums and "Drums" in stems(style)
    assert any(i.stem == "Guitar" and i.program in (29, 30) for i in style.instruments)


def test_ambient_has_no_drums() -> None:
    style = read_style("ambient")
    assert not style.has_drums
    assert style.drum_feel == "none"
    assert not any(instrument.is_drum for instrument in style.instruments)


@pytest.mark.parametrize(
    ("tags", "feel"),
    [
        ("edm", "four_on_the_floor"),
        ("house", "four_on_the_floor"),
        ("bossa nova", "bossa"),
        ("reggae", "one_drop"),
        ("trap", "trap"),
        ("blues", "shuffle"),
    ],
)
def test_each_genre_has_its_groove(tags: str, feel: str) -> None:
    assert read_style(tags).drum_feel == feel


@pytest.mark.parametrize("tags", ["jazz", "blues"])
def test_jazz_and_blues_swing(tags: str) -> None:
    assert read_style(tags).swing > 0


def test_drum_and_bass_is_faster_than_160() -> None:
    for spelling in ("drum and bass", "dnb", "D&B", "drum & bass", "drum'n'bass"):
        style = read_style(spelling)
        assert style.genre == "drum and bass", spelling
        assert style.tempo_range[0] > 160


@pytest.mark.parametrize(
    ("spellings", "genre"),
    [
        (("hip hop", "Hip-Hop", "hiphop", "HIP HOP"), "hip hop"),
        (("r&b", "RnB", "R & B", "rhythm and blues"), "r&b"),
        (("lo-fi", "lofi", "Lo Fi"), "lo-fi"),
        (("k-pop", "kpop", "K-Pop"), "k-pop"),
        (("j-pop", "jpop"), "j-pop"),
        (("bossa nova", "Bossa-Nova"), "bossa nova"),
        (("heavy metal", "metal", "Metal!"), "metal"),
    ],
)
def test_spellings_of_one_genre_read_alike(spellings: tuple[str, ...], genre: str) -> None:
    assert {read_style(spelling).genre for spelling in spellings} == {genre}


def test_every_listed_spelling_reads_as_its_own_word() -> None:
    for word, spellings in style_words.SPELLINGS.items():
        for spelling in (word, *spellings):
            assert read_style(spelling).words == (word,), spelling


def test_the_vocabulary_is_large() -> None:
    assert len(style_words.GENRES) + len(style_words.MODIFIERS) >= 40
    assert sum(len(spellings) for spellings in style_words.SPELLINGS.values()) >= 150


def test_description_words_count_too() -> None:
    style = read_style("", "a slow sad piano ballad about rain")
    assert {"ballad", "piano", "slow", "sad"} <= set(style.words)
    assert style.genre == "ballad"
    assert style.mood == "sad" and style.prefer_minor


def test_genre_words_in_the_topic_are_not_the_style() -> None:
    style = read_style("", "an upbeat song about my country house")
    assert style.genre == "pop"
    assert "upbeat" in style.words


def test_the_first_genre_word_leads() -> None:
    assert read_style("jazz, rock").genre == "jazz"
    assert read_style("rock, jazz").genre == "rock"


def test_unknown_words_give_pop() -> None:
    style = read_style("zxqv florbish, 12345")
    assert style.genre == "pop"
    assert style.words == ()
    assert style.tempo_range == Style().tempo_range
    assert read_style("") == style


def test_tempo_words_move_the_tempo() -> None:
    pop = read_style("pop").tempo_range
    slow = read_style("slow pop").tempo_range
    fast = read_style("fast pop").tempo_range
    upbeat = read_style("upbeat pop").tempo_range
    assert slow[1] < pop[1] < fast[1]
    assert upbeat[0] > pop[0]
    assert read_style("slow, slow pop, slow").tempo_range == slow  # saying it twice does not halve it


def test_mood_words_move_energy_and_key() -> None:
    pop = read_style("pop")
    sad, dark, chill, epic = (read_style(f"{mood} pop") for mood in ("sad", "dark", "chill", "epic"))
    assert sad.prefer_minor and dark.prefer_minor and not pop.prefer_minor
    assert sad.energy < pop.energy < epic.energy
    assert chill.energy < pop.energy
    assert epic.reverb > pop.reverb
    assert not read_style("happy metal").prefer_minor


def test_instrument_words_join_the_arrangement() -> None:
    rock = read_style("rock")
    assert "Woodwinds" not in stems(rock)
    sax_rock = read_style("rock, saxophone")
    (lead,) = [i for i in sax_rock.instruments if i.role == "lead"]
    assert (lead.stem, lead.program) == ("Woodwinds", 65)
    assert "Strings" in stems(read_style("hip hop with violin"))
    assert chords_player(read_style("rock piano")) == ("Keyboard", 0)


def test_a_word_for_an_instrument_already_there_adds_nothing() -> None:
    metal = read_style("metal")
    assert read_style("metal guitar").instruments == metal.instruments


def test_808_brings_the_808_kit_and_bass() -> None:
    style = read_style("pop, 808")
    kits = [i for i in style.instruments if i.role == "drums"]
    basses = [i for i in style.instruments if i.role == "bass"]
    assert [kit.program for kit in kits] == [style_words.TR808_KIT]
    assert [bass.program for bass in basses] == [style_words.SYNTH_BASS]


def test_acoustic_unplugs_the_band() -> None:
    style = read_style("acoustic rock")
    assert "Synth" not in stems(style)
    assert style.guitar_drive == 0
    assert all(i.program in (24, 25) for i in style.instruments if i.stem == "Guitar")


def test_negative_drums_remove_drums_and_percussion() -> None:
    style = read_style("pop", negative_tags="drums")
    assert not style.has_drums
    assert style.drum_feel == "none"
    assert not {"Drums", "Percussion"} & stems(style)
    assert not any(instrument.is_drum for instrument in style.instruments)


def test_no_x_in_the_tags_is_a_negative_tag() -> None:
    assert read_style("pop, no drums") == read_style("pop", negative_tags="drums")
    assert not read_style("lofi without vocals").has_vocals


def test_negative_guitar_and_piano_remove_them_but_keep_the_chords() -> None:
    metal = read_style("heavy metal", negative_tags="guitar")
    assert "Guitar" not in stems(metal)
    assert chords_player(metal)  # someone still plays the chords
    ballad = read_style("piano ballad", negative_tags="piano")
    assert not any(i.stem == "Keyboard" and i.program in GM_PIANOS for i in ballad.instruments)
    assert chords_player(ballad)[0] != "Keyboard"


def test_negative_voices_choose_the_other_voice() -> None:
    assert read_style("pop", negative_tags="male vocals").vocal_gender == "f"
    assert read_style("metal", negative_tags="male vocals").vocal_gender == "f"
    assert read_style("pop", negative_tags="female vocals").vocal_gender == "m"


def test_voice_words_choose_the_voice_and_the_argument_wins() -> None:
    assert read_style("metal, female vocals").vocal_gender == "f"
    assert read_style("pop, male vocals").vocal_gender == "m"
    assert read_style("pop, man").vocal_gender == "m"
    assert read_style("rock, woman").vocal_gender == "f"
    assert read_style("pop, male vocals", voice="f").vocal_gender == "f"
    assert read_style("pop", negative_tags="female vocals", voice="f").vocal_gender == "f"


def test_voice_words_in_prose_are_the_topic() -> None:
    assert read_style("metal", "a song about a woman").vocal_gender == "m"


def test_instrumental_has_no_vocals() -> None:
    assert not read_style("instrumental hip hop").has_vocals
    assert not read_style("pop", instrumental=True).has_vocals
    assert not read_style("pop", negative_tags="vocals").has_vocals
    assert read_style("pop").has_vocals


@pytest.mark.parametrize("genre", sorted(style_words.GENRES))
def test_every_genre_is_a_playable_arrangement(genre: str) -> None:
    style = read_style(genre)
    assert style.genre == genre
    assert 4 <= len(style.instruments) <= 8
    assert stems(style) <= set(INSTRUMENT_STEMS)
    assert all(0 <= instrument.program <= 127 for instrument in style.instruments)
    assert [i.role for i in style.instruments].count("chords") == 1
    assert [i.role for i in style.instruments].count("bass") == 1
    assert style.has_drums == any(instrument.is_drum for instrument in style.instruments)
    assert (style.drum_feel == "none") != style.has_drums
    assert all(i.stem in ("Drums", "Percussion") for i in style.instruments if i.is_drum)
    assert style.tempo_range[0] < style.tempo_range[1]


def test_most_genres_use_the_fx_and_percussion_stems() -> None:
    styles = [read_style(genre) for genre in style_words.GENRES]
    with_fx = sum("FX" in stems(style) for style in styles)
    with_percussion = sum("Percussion" in stems(style) for style in styles)
    assert with_fx >= 0.75 * len(styles)
    assert with_percussion >= 0.5 * len(styles)


def test_many_words_never_overflow_the_arrangement() -> None:
    style = read_style("pop, saxophone, violin, trumpet, harp, organ, banjo, bells, cello, flute, strings")
    assert len(style.instruments) <= 8
    assert chords_player(style)
    assert {"Drums", "Bass"} <= stems(style)
