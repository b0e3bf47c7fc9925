"""Lyrics writer: structure, rhyme and metre by CMUdict, determinism, topic, language."""

from __future__ import annotations

import re

import pronouncing
import pytest

from songforge.engines.generation import lyrics_vocabulary as vocab
from songforge.engines.generation.lyrics import (
    SYLLABLE_RANGE,
    Lyrics,
    detect_language,
    line_syllables,
    write_lyrics,
)

PROMPTS = [
    "a sad pop song about the ocean",
    "summer love in the city, upbeat disco",
    "a rock anthem about freedom and the open road",
    "winter snow",
    "Kubernetes deployment pipelines",  # a topic no theme knows
]


def sections(lyrics: Lyrics) -> list[tuple[str, list[str]]]:
    parts = re.split(r"^\[([^\]]+)\]\n", lyrics.text, flags=re.MULTILINE)[1:]
    pairs = zip(parts[::2], parts[1::2], strict=True)
    return [(name, [line for line in body.strip().splitlines() if line]) for name, body in pairs]


def last_word(line: str) -> str:
    words: list[str] = re.findall(r"[a-z']+", line.lower())
    return words[-1]


def test_sections_in_song_order_with_four_lines_each() -> None:
    song = write_lyrics("a sad pop song about the ocean", seed=1)
    names = [name for name, _ in sections(song)]
    assert names == ["Verse", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus"]
    assert all(len(lines) == 4 for _, lines in sections(song))
    choruses = [lines for name, lines in sections(song) if name == "Chorus"]
    assert choruses[0] == choruses[1] == choruses[2]
    assert song.title and "english" in song.tags and "pop" in song.tags


def test_same_seed_same_song_and_other_seeds_differ() -> None:
    first = write_lyrics("a sad pop song about the ocean", seed=42)
    assert write_lyrics("a sad pop song about the ocean", seed=42) == first
    others = {write_lyrics("a sad pop song about the ocean", seed=s).text for s in range(43, 48)}
    assert first.text not in others
    assert len(others) == 5


@pytest.mark.parametrize("prompt", PROMPTS)
def test_topic_appears_in_lyrics_title_and_tags(prompt: str) -> None:
    song = write_lyrics(prompt, seed=3)
    topic = next(tag.split(":", 1)[1] for tag in song.tags if tag.startswith("topic:"))
    assert topic in prompt.lower()
    assert topic in song.text.lower()
    assert topic in song.title.lower()


def test_theme_brings_related_imagery() -> None:
    related = set(vocab.THEMES["ocean"]["nouns"]) - {"ocean"}
    for seed in range(5):
        words = set(re.findall(r"[a-z]+", write_lyrics("the ocean", seed=seed).text.lower()))
        assert words & related


def rhyme_pairs(lines: list[str]) -> list[tuple[str, str]] | None:
    """The scheme's pairs if the section is AABB or ABAB by CMUdict, else None."""
    ends = [last_word(line) for line in lines]

    def rhymes(a: str, b: str) -> bool:
        return a != b and b in pronouncing.rhymes(a)

    if rhymes(ends[0], ends[1]) and rhymes(ends[2], ends[3]):
        return [(ends[0], ends[1]), (ends[2], ends[3])]
    if rhymes(ends[0], ends[2]) and rhymes(ends[1], ends[3]):
        return [(ends[0], ends[2]), (ends[1], ends[3])]
    return None


@pytest.mark.parametrize("prompt", PROMPTS)
def test_every_section_rhymes_aabb_or_abab(prompt: str) -> None:
    for seed in range(4):
        for name, lines in sections(write_lyrics(prompt, seed=seed)):
            assert rhyme_pairs(lines), f"{name} does not rhyme: {lines}"


@pytest.mark.parametrize("prompt", PROMPTS)
def test_syllable_counts_stay_in_range(prompt: str) -> None:
    low, high = SYLLABLE_RANGE
    counts = [
        line_syllables(line)
        for seed in range(4)
        for _, lines in sections(write_lyrics(prompt, seed=seed))
        for line in lines
    ]
    in_range = sum(low <= c <= high for c in counts)
    assert in_range / len(counts) >= 0.95, counts
    assert all(low - 2 <= c <= high + 2 for c in counts)


def lexicon_words() -> set[str]:
    words = {w for places in vocab.NOUNS.values() for listed in places.values() for w in listed.split()}
    words |= set(" ".join([*vocab.ADJECTIVES.values(), vocab.THEME_ADJECTIVES, vocab.STATE_ADJECTIVES]).split())
    words |= verb_forms() | set(vocab.TIME_ADVERBS) | set(vocab.AWAY_ADVERBS)
    return words


def verb_forms() -> set[str]:
    tables = " | ".join((vocab.INTRANSITIVE_VERBS, vocab.TRANSITIVE_VERBS, vocab.RESULT_VERBS))
    return {w for entry in tables.replace("\n", "|").split("|") for w in entry.split()[:4]}


def test_vocabulary_is_all_in_cmudict() -> None:
    words = lexicon_words()
    for theme in vocab.THEMES.values():
        assert set(theme["nouns"]) | set(theme["adjectives"]) | set(theme["verbs"]) <= words
    template_words = {w.lower() for t in vocab.TEMPLATES for w in re.findall(r"[A-Za-z']+", re.sub(r"\{\w+\}", "", t))}
    assert not [w for w in sorted(words | template_words) if not pronouncing.phones_for_word(w)]


def test_chinese_prompt_gives_chinese_lyrics() -> None:
    song = write_lyrics("写一首关于乡愁的歌", seed=1)
    body = "".join(lines for _, ls in sections(song) for lines in ls)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in body)
    assert han / len(body) > 0.9
    assert "乡愁" in song.text and "乡愁" in song.title
    assert "chinese" in song.tags
    assert [name for name, _ in sections(song)] == ["Verse", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus"]
    assert write_lyrics("写一首关于乡愁的歌", seed=1) == song
    assert write_lyrics("写一首关于乡愁的歌", seed=2) != song


def test_other_languages_use_the_prompts_words_not_english() -> None:
    spanish = write_lyrics("una canción sobre el mar y la noche", seed=1)
    assert "spanish" in spanish.tags
    assert "mar" in spanish.text and "noche" in spanish.text
    assert not re.search(r"\b(the|and|heart)\b", spanish.text)

    russian = write_lyrics("песня о зимней дороге", seed=1)
    assert "russian" in russian.tags
    assert "дороге" in russian.text
    assert not re.search(r"[a-z]", russian.text.replace("Verse", "").replace("Chorus", "").replace("Bridge", ""))


def test_detect_language() -> None:
    assert detect_language("a song about the sea") == "en"
    assert detect_language("乡愁") == "zh"
    assert detect_language("夏の海と花火") == "ja"
    assert detect_language("바다의 노래") == "ko"
    assert detect_language("песня о море") == "ru"
    assert detect_language("une chanson sur la mer") == "fr"
    assert detect_language("una canción sobre el mar") == "es"


def test_explicit_language_wins() -> None:
    assert "chinese" in write_lyrics("乡愁", seed=1, language="zh").tags
    assert "english" in write_lyrics("the ocean at night", seed=1, language="english").tags


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_empty_prompt_is_refused(prompt: str) -> None:
    with pytest.raises(ValueError, match="prompt is empty"):
        write_lyrics(prompt, seed=1)


def test_long_prompt_uses_its_first_words() -> None:
    prompt = "ocean " + " ".join(f"word{i}" for i in range(500)) + " volcano"
    song = write_lyrics(prompt, seed=1)
    assert "ocean" in song.text.lower()
    assert "volcano" not in song.text.lower()


def test_job_threads_writing_lyrics_while_cmudict_loads_all_get_the_same_song(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Job threads share the process; the first lyrics jobs after start-up must not see a half-loaded CMUdict."""
    import threading
    import time

    from songforge.engines.generation import lyrics as lyrics_module

    prompt = "a sad pop song about the ocean"
    expected = write_lyrics(prompt, seed=11)
    for name in ("pronunciations", "lookup", "rhyme_lookup"):
        monkeypatch.setattr(pronouncing, name, None)
    lyrics_module.syllables.cache_clear()
    lyrics_module.rhyme_partners.cache_clear()
    results: list[Lyrics | BaseException] = []

    def write() -> None:
        try:
            results.append(write_lyrics(prompt, seed=11))
        except BaseException as error:  # noqa: BLE001 - collected and asserted on below
            results.append(error)

    threads = []
    for _ in range(8):  # staggered, so some arrive while the first is still building the tables
        thread = threading.Thread(target=write)
        thread.start()
        threads.append(thread)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    lyrics_module.syllables.cache_clear()
    lyrics_module.rhyme_partners.cache_clear()
    assert results == [expected] * 8


# --- singable English: grammar, topic, rhyme and metre over many seeds

SEEDS = range(30)
# prompt -> the content words a listener should hear in the song
SINGABLE = {
    "love in the city": {"love", "city"},
    "a rainy night": {"rainy", "night"},
    "summer road trip with friends": {"summer", "road", "trip", "friends"},
    "winter": {"winter"},
    "missing home": {"missing", "home"},
}
DETERMINERS = {"the", "a", "an", "my", "your", "our", "this", "these"}
PREPOSITIONS = {w for preps in vocab.PLACE_PREPOSITIONS.values() for p in preps for w in p.split()} | {
    "like",
    "with",
    "to",
    "of",
}
BE_FORMS = {"am", "is", "are", "was", "were", "i'm", "you're", "we're", "there's"}
THIRD_PERSON = {entry.split()[1] for entry in vocab.INTRANSITIVE_VERBS.replace("\n", "|").split("|") if entry.split()}


@pytest.fixture(scope="module")
def english_songs() -> dict[str, list[Lyrics]]:
    return {prompt: [write_lyrics(prompt, seed=seed) for seed in SEEDS] for prompt in SINGABLE}


def grammar_problems(line: str, topic_words: frozenset[str] = frozenset()) -> list[str]:
    """What a reader would stumble on: no verb, a dangling article or adjective, a/an, I/you with "is"."""
    words = re.findall(r"[a-z']+", line.lower())
    nouns = {w for places in vocab.NOUNS.values() for listed in places.values() for w in listed.split()}
    attributive = set(" ".join([*vocab.ADJECTIVES.values(), vocab.THEME_ADJECTIVES]).split())
    verbs_only = verb_forms() - nouns - attributive
    problems = []
    if not set(words) & (verb_forms() | BE_FORMS):
        problems.append("no verb")
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        if word in DETERMINERS and (following is None or following in PREPOSITIONS or following in verbs_only):
            problems.append(f"'{word}' before {following!r}")
        after_article = index > 0 and words[index - 1] in DETERMINERS
        if after_article and word not in nouns | attributive | topic_words:
            problems.append(f"'{words[index - 1]} {word}': not a noun or an adjective that goes before one")
        described = after_article and word in attributive - nouns
        if described and (following is None or following not in nouns | attributive | topic_words):
            problems.append(f"adjective '{word}' before {following!r}")
        if word in ("a", "an") and following:
            phones = pronouncing.phones_for_word(following)
            vowel = phones[0][0] in "AEIOU" if phones else following[0] in "aeiou"
            if (word == "an") != vowel:
                problems.append(f"'{word} {following}'")
        disagreeing = {"i": {"is", "are", "were"}, "you": {"am", "is", "was"}, "we": {"am", "is", "was"}}
        if word in disagreeing and following in THIRD_PERSON | disagreeing[word]:
            problems.append(f"'{word} {following}'")
    return problems


def test_every_english_line_is_grammatical(english_songs: dict[str, list[Lyrics]]) -> None:
    bad = [
        (line, problems)
        for songs in english_songs.values()
        for song in songs
        for _, lines in sections(song)
        for line in lines
        if (problems := grammar_problems(line))
    ]
    assert not bad, bad[:10]


def test_the_grammar_check_catches_the_old_writers_lines() -> None:
    assert grammar_problems("The along and the tide")
    assert grammar_problems("You left an aware fame")
    assert grammar_problems("I is waiting by a hour")
    assert grammar_problems("We was waiting")
    assert grammar_problems("I shines in the rain")
    assert not grammar_problems("We danced in the endless rain for an hour")


def test_the_prompts_content_words_are_sung(english_songs: dict[str, list[Lyrics]]) -> None:
    for prompt, songs in english_songs.items():
        for song in songs:
            heard = set(re.findall(r"[a-z]+", song.text.lower()))
            assert SINGABLE[prompt] <= heard, (prompt, SINGABLE[prompt] - heard, song.text)


def test_line_pairs_rhyme_by_cmudict(english_songs: dict[str, list[Lyrics]]) -> None:
    def rhymes(a: str, b: str) -> bool:
        return a != b and b in pronouncing.rhymes(a)

    rhymed = total = 0
    for songs in english_songs.values():
        for song in songs:
            for _, lines in sections(song):
                ends = [last_word(line) for line in lines]
                schemes = (((0, 1), (2, 3)), ((0, 2), (1, 3)))
                rhymed += max(sum(rhymes(ends[a], ends[b]) for a, b in pairs) for pairs in schemes)
                total += 2
    assert rhymed / total >= 0.95, rhymed / total


def test_lines_fit_a_melody(english_songs: dict[str, list[Lyrics]]) -> None:
    low, high = SYLLABLE_RANGE
    for songs in english_songs.values():
        for song in songs:
            for name, lines in sections(song):
                counts = [line_syllables(line) for line in lines]
                assert all(low <= c <= high for c in counts), (name, lines, counts)
                assert max(counts) - min(counts) <= 2, (name, lines, counts)


def test_songs_are_whole_repeatable_and_differ_by_seed(english_songs: dict[str, list[Lyrics]]) -> None:
    for prompt, songs in english_songs.items():
        assert len({song.text for song in songs}) == len(songs), prompt
        assert write_lyrics(prompt, seed=7) == songs[7]
        for song in songs:
            parts = sections(song)
            assert [name for name, _ in parts] == ["Verse", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus"]
            assert all(len(lines) == 4 and all(lines) for _, lines in parts)
            choruses = [lines for name, lines in parts if name == "Chorus"]
            assert choruses[0] == choruses[1] == choruses[2]


def test_a_song_is_written_fast() -> None:
    import time

    write_lyrics("warm up the dictionary", seed=0)
    started = time.perf_counter()
    for seed in range(20):
        write_lyrics("summer road trip with friends", seed=seed)
    assert (time.perf_counter() - started) / 20 < 0.05


def test_chinese_lines_are_short_and_each_section_rhymes_on_one_group() -> None:
    finals = {group: {line[-1] for line in lines} for group, lines in vocab.ZH_RHYME_GROUPS.items()}
    for prompt in ("乡愁", "写一首关于故乡的月亮的歌"):  # a two- and a four-character topic
        songs = [write_lyrics(prompt, seed=seed) for seed in SEEDS]
        assert len({song.text for song in songs}) > len(songs) * 0.9
        assert write_lyrics(prompt, seed=3) == songs[3]
        for song in songs:
            choruses = [lines for name, lines in sections(song) if name == "Chorus"]
            assert choruses[0] == choruses[1] == choruses[2]
            for _, lines in sections(song):
                assert all(5 <= len(line) <= 9 for line in lines), lines
                assert any({line[-1] for line in lines} <= ends for ends in finals.values()), lines
