"""Which language a text is in: a two-letter code from its script, then from accents and function words."""

from __future__ import annotations

import re

from songforge.engines.generation import lyrics_vocabulary as vocab

LANGUAGE_NAMES = {
    "en": "english",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "ru": "russian",
    "uk": "ukrainian",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "ar": "arabic",
    "he": "hebrew",
    "el": "greek",
    "hi": "hindi",
    "th": "thai",
}

# Function words of Latin-script languages we can recognise (and leave out of echoed lyrics).
LATIN_STOPWORDS: dict[str, frozenset[str]] = {
    "es": frozenset("el la los las una un de del y que canción cancion sobre con por para mi tu en es muy".split()),
    "fr": frozenset("le la les une un des du et que chanson sur avec pour mon ma dans est très de".split()),
    "de": frozenset("der die das und ein eine lied über mit für mein ist nicht von zu im".split()),
    "pt": frozenset("o a os as uma um do da e que canção cancao sobre com para meu em é muito".split()),
    "it": frozenset("il lo la gli le una un di e che canzone su con per mio è molto del".split()),
}
_ACCENT_HINTS = {"es": "ñ¿¡", "fr": "çœèêëîïôûù", "pt": "ãõ", "de": "äöüß"}


def detect_language(text: str) -> str:
    """A two-letter code from the script, then (for Latin script) from accents and function words."""
    counts: dict[str, int] = {}
    for ch in text:
        script = _script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if counts.get("kana"):
        return "ja"
    if counts.get("hangul"):
        return "ko"
    if counts:
        script = max(counts, key=counts.__getitem__)
        if script == "han":
            return "zh"
        if script == "cyrillic":
            return "uk" if re.search(r"[іїєґІЇЄҐ]", text) else "ru"
        return script
    lowered = text.lower()
    words = re.findall(r"[^\W\d_]+", lowered)
    scores = {code: sum(w in stop for w in words) for code, stop in LATIN_STOPWORDS.items()}
    for code, accents in _ACCENT_HINTS.items():
        scores[code] += 2 * sum(ch in accents for ch in lowered)
    english = sum(w in vocab.STOPWORDS for w in words)
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 2 and scores[best] > english else "en"


def _script(ch: str) -> str | None:
    cp = ord(ch)
    if 0x3040 <= cp <= 0x30FF:
        return "kana"
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF:
        return "hangul"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
        return "han"
    if 0x0400 <= cp <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= cp <= 0x06FF:
        return "ar"
    if 0x0590 <= cp <= 0x05FF:
        return "he"
    if 0x0370 <= cp <= 0x03FF:
        return "el"
    if 0x0900 <= cp <= 0x097F:
        return "hi"
    if 0x0E00 <= cp <= 0x0E7F:
        return "th"
    return None


def language_code(language: str) -> str:
    value = language.strip().lower().replace("_", "-").split("-")[0]
    if value in LANGUAGE_NAMES:
        return value
    for code, name in LANGUAGE_NAMES.items():
        if name == value:
            return code
    return value or "en"


def language_tag(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
