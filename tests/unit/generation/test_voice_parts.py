# ruff: noqa: RUF001 - IPA phoneme labels are the input under test
"""The singing voice's parts: which voice reads a language, how words split into syllables, where consonants go,
the pitch line, the timbres and the breaths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from songforge.engines.generation.errors import UnsupportedLanguage
from songforge.engines.generation.score import VOCALS, SungNote, VocalPart
from songforge.engines.generation.voice import sing
from songforge.engines.generation.voice.espeak import Phone, Speaker, has_voice, speak
from songforge.engines.generation.voice.languages import CLOSEST_LANGUAGE, ESPEAK_LANGUAGE_NAMES, espeak_language
from songforge.engines.generation.voice.library import word_sounds
from songforge.engines.generation.voice.melody import VIBRATO_DEPTH_SEMITONES, pitch_contour
from songforge.engines.generation.voice.placement import MAX_ONSET_S, phrases, place, sung_syllables, words_of
from songforge.engines.generation.voice.syllables import is_vowel, split_into_syllables
from songforge.engines.generation.voice.timbre import shift_formants, timbre_of
from songforge.engines.generation.voice.world import FRAME_PERIOD_S

ENGLISH = Speaker("English (America)", "Male2", 1.5)


def test_every_language_in_the_table_is_a_voice_espeak_has() -> None:
    missing = [name for name in set(ESPEAK_LANGUAGE_NAMES.values()) if not has_voice(Speaker(name, "Female1"))]
    assert missing == []
    assert all(target in ESPEAK_LANGUAGE_NAMES for target in CLOSEST_LANGUAGE.values())


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("en", "English (America)"),
        ("en-GB", "English (Great Britain)"),
        ("EN_us", "English (America)"),
        ("zh", "Chinese (Mandarin)"),
        ("zh-CN", "Chinese (Mandarin)"),
        ("zh-HK", "Chinese (Cantonese)"),
        ("es-MX", "Spanish (Latin America)"),
        ("pt-BR", "Portuguese (Brazil)"),
        ("Spanish", "Spanish (Spain)"),
        ("uk", "Russian"),
        ("tl", "Indonesian"),
    ],
)
def test_a_language_finds_its_voice_or_the_closest(language: str, voice: str) -> None:
    assert espeak_language(language).name == voice


def test_han_and_kana_are_spoken_a_syllable_at_a_time() -> None:
    assert espeak_language("zh").speaks_syllables_alone
    assert espeak_language("ja").speaks_syllables_alone
    assert not espeak_language("en").speaks_syllables_alone


@pytest.mark.parametrize("language", ["he", "th", "xx", "", "klingon"])
def test_a_language_nobody_reads_is_unsupported(language: str) -> None:
    with pytest.raises(UnsupportedLanguage) as refused:
        espeak_language(language)
    assert refused.value.language == language


def test_espeak_reports_where_each_phoneme_is() -> None:
    speech = speak("friend", ENGLISH)
    labels = [phone.label for phone in speech.phones]
    assert labels[0] == "f" and any(is_vowel(label) for label in labels)
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(speech.phones))
    assert speech.phones[-1].end <= len(speech.samples) / 16000


@pytest.mark.parametrize("label", ["a", "əʊ", "aɪɚ", "onɡ", "uo", "ᵻ", "n̩"])
def test_vowels_diphthongs_and_pinyin_finals_are_vowels(label: str) -> None:
    assert is_vowel(label)


@pytest.mark.parametrize("label", ["h", "ɹ", "ts.", "ŋ", "ʔ"])
def test_consonants_are_not_vowels(label: str) -> None:
    assert not is_vowel(label)


def phones(*spans: tuple[str, float]) -> tuple[Phone, ...]:
    """Phonemes back to back, each (label, duration)."""
    result = []
    time = 0.0
    for label, length in spans:
        result.append(Phone(label, time, time + length))
        time += length
    return tuple(result)


def test_a_lone_consonant_between_vowels_starts_the_next_syllable() -> None:
    hello = phones(("h", 0.06), ("ə", 0.06), ("l", 0.13), ("əʊ", 0.3))
    first, second = split_into_syllables(hello, 2)  # type: ignore[misc]
    assert (first.onset_start, first.nucleus_start, first.coda_end) == pytest.approx((0.0, 0.06, 0.12))
    assert (second.onset_start, second.nucleus_start) == pytest.approx((0.12, 0.25))


def test_a_cluster_is_shared_between_the_syllables() -> None:
    mister = phones(("m", 0.1), ("ɪ", 0.1), ("s", 0.1), ("t", 0.05), ("ɚ", 0.2))
    first, second = split_into_syllables(mister, 2)  # type: ignore[misc]
    assert first.coda_end == pytest.approx(0.3)  # "mis"
    assert second.onset_start == pytest.approx(0.3)  # "ter"


def test_a_word_with_fewer_vowels_than_syllables_cannot_be_split() -> None:
    assert split_into_syllables(phones(("ɛ", 0.2), ("v", 0.1), ("ɹ", 0.1), ("i", 0.1)), 3) is None


def test_extra_vowels_join_one_nucleus() -> None:
    (fire,) = split_into_syllables(phones(("f", 0.1), ("aɪ", 0.2), ("ɚ", 0.2)), 1)  # type: ignore[misc]
    assert (fire.nucleus_start, fire.nucleus_end) == pytest.approx((0.1, 0.5))


def test_a_word_split_into_syllables_is_spoken_whole() -> None:
    hel, lo = word_sounds(("hel", "lo"), ENGLISH, speak_syllables_alone=False)
    assert hel.analysis is lo.analysis  # one utterance, coarticulated
    assert hel.coda_end <= lo.onset_start + 1e-6 and lo.nucleus_end > lo.nucleus_start


def note(start: float, end: float, syllable: str, word: int, pitch: int = 60, slur: bool = False) -> SungNote:
    return SungNote(start, end, pitch, syllable, word, slur=slur)


def test_consonants_come_before_the_beat_and_the_vowel_on_it() -> None:
    syllables = sung_syllables((note(1.0, 1.5, "friend", 0), note(1.5, 2.0, "stay", 1)), 3.0)
    sounds = tuple(sound for word in words_of(syllables) for sound in word_sounds((word[0].text,), ENGLISH, False))
    friend, stay = place(syllables, sounds)
    assert friend.nucleus_start == 1.0
    assert 1.0 - MAX_ONSET_S - 1e-9 <= friend.onset_start < 1.0
    assert friend.nucleus_end < friend.coda_end == stay.onset_start  # "nd" closes friend as "st" begins
    assert stay.onset_start >= 1.5 - MAX_ONSET_S - 1e-9


def test_slurred_notes_join_their_syllable_and_words_group_syllables() -> None:
    syllables = sung_syllables(
        (note(0, 0.5, "hel", 0), note(0.5, 1, "lo", 0), note(1, 1.5, "", 0, slur=True), note(1.5, 2, "you", 1)), 3.0
    )
    assert [len(syllable.notes) for syllable in syllables] == [1, 2, 1]
    assert [len(word) for word in words_of(syllables)] == [2, 1]


def test_notes_are_clipped_to_the_song_and_overlaps_trimmed() -> None:
    syllables = sung_syllables(
        (note(-1, 0.5, "a", 0), note(0.4, 1, "b", 1), note(1.8, 3, "c", 2), note(2, 3, "d", 3)), 2.0
    )
    assert [(s.start, s.end) for s in syllables] == [(0.0, 0.4), (0.4, 1.0), (1.8, 2.0)]


def test_a_rest_of_a_breath_or_more_starts_a_new_phrase() -> None:
    notes = (note(0, 0.5, "la", 0), note(0.55, 1.0, "la", 1), note(1.6, 2.0, "la", 2))
    syllables = sung_syllables(notes, 3.0)
    sounds = tuple(word_sounds(("la",), ENGLISH, False)[0] for _ in syllables)
    assert [len(phrase) for phrase in phrases(place(syllables, sounds))] == [2, 1]


def contour_of(notes: tuple[SungNote, ...]) -> tuple[np.ndarray, np.ndarray]:
    syllables = sung_syllables(notes, 10.0)
    sounds = tuple(word_sounds(("la",), ENGLISH, False)[0] for _ in syllables)
    (phrase,) = phrases(place(syllables, sounds))
    count = round(notes[-1].end / FRAME_PERIOD_S)
    semitones = 69 + 12 * np.log2(pitch_contour(phrase, 0, count, np.random.default_rng(0)) / 440)
    return np.arange(count) * FRAME_PERIOD_S, semitones


def test_long_notes_get_vibrato_short_ones_stay_straight() -> None:
    times, semitones = contour_of((note(0.0, 0.3, "la", 0, 60), note(0.3, 1.5, "la", 1, 64)))
    short = semitones[(times > 0.06) & (times < 0.3 - MAX_ONSET_S - 0.04)] - 60  # before the glide to 64
    held = semitones[(times > 0.9) & (times < 1.45)] - 64
    assert np.ptp(short) < 0.2  # only the slow drift
    assert 1.2 * VIBRATO_DEPTH_SEMITONES < np.ptp(held) < 2.8 * VIBRATO_DEPTH_SEMITONES
    wobbles = np.sum(np.diff(np.sign(held - held.mean())) != 0) / 2 / 0.55
    assert 4.5 < wobbles < 6.5  # about 5.5 Hz


def test_legato_notes_glide_quickly_into_the_next_pitch() -> None:
    times, semitones = contour_of((note(0.0, 0.5, "la", 0, 60), note(0.5, 1.0, "la", 1, 67)))
    onset = 0.5 - MAX_ONSET_S
    assert abs(semitones[np.searchsorted(times, onset - 0.06)] - 60) < 0.2  # still on the old note
    assert abs(semitones[np.searchsorted(times, 0.5)] - 67) < 0.2  # the vowel lands on the new one
    middle = semitones[np.searchsorted(times, onset)]
    assert 61 < middle < 66  # and between them it slides, not jumps


def test_a_formant_shift_moves_spectral_peaks_by_its_factor() -> None:
    bins = np.arange(257)
    envelope = -((bins - 50.0) ** 2) / 50.0  # one formant at bin 50
    shifted = shift_formants(envelope[None, :], 1.2)
    assert int(np.argmax(shifted[0])) == 60


def test_male_and_female_timbres_differ_and_timbre_numbers_wrap() -> None:
    assert timbre_of("m", 0) != timbre_of("m", 1) != timbre_of("f", 0) != timbre_of("f", 1)
    assert timbre_of("f", 0).formant_shift > timbre_of("m", 0).formant_shift
    assert timbre_of("m", 2) == timbre_of("m", 0)


def test_a_breath_is_heard_before_a_phrase_after_a_rest_but_not_between_words() -> None:
    notes = (
        note(0.1, 0.6, "la", 0),
        note(0.62, 1.2, "la", 1),  # legato: no room for a breath
        note(2.2, 2.8, "la", 2),  # after a one-second rest: a breath
    )
    rate = 22050
    part = VocalPart(VOCALS, "f", 0, notes, reverb=0.0)
    audio = sing(part, language="en", duration=3.2, sample_rate=rate, seed=3).audio

    def level(start: float, end: float) -> float:
        return float(np.sqrt(np.mean(audio[0, int(start * rate) : int(end * rate)] ** 2)))

    sung = level(0.2, 0.5)
    silence = level(1.3, 1.6)
    breath = level(1.9, 2.1)
    assert silence < 1e-3 * sung
    assert 0.005 * sung < breath < 0.1 * sung
