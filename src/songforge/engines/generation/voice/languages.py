"""Which eSpeak voice sings which language: ISO codes to the language names Praat's SpeechSynthesizer knows.

Languages eSpeak lacks are sung by the closest voice that reads the same script (Ukrainian by Russian, Galician by
Portuguese, …); a language with no such neighbour raises `UnsupportedLanguage`.
"""

from __future__ import annotations

from dataclasses import dataclass

from songforge.engines.generation.errors import UnsupportedLanguage

# ISO 639 code (or code-region) → Praat's eSpeak language name. Regions are listed only where eSpeak differs.
ESPEAK_LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans",
    "am": "Amharic",
    "an": "Aragonese",
    "ar": "Arabic",
    "as": "Assamese",
    "az": "Azerbaijani",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "bs": "Bosnian",
    "ca": "Catalan",
    "cmn": "Chinese (Mandarin)",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English (America)",
    "en-gb": "English (Great Britain)",
    "en-uk": "English (Great Britain)",
    "en-scotland": "English (Scotland)",
    "eo": "Esperanto",
    "es": "Spanish (Spain)",
    "es-419": "Spanish (Latin America)",
    "es-mx": "Spanish (Latin America)",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French (France)",
    "fr-be": "French (Belgium)",
    "fr-ch": "French (Switzerland)",
    "ga": "Gaelic (Irish)",
    "gd": "Gaelic (Scottish)",
    "gn": "Guarani",
    "grc": "Greek (Ancient)",
    "gu": "Gujarati",
    "hak": "Hakka Chinese",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian (East Armenia)",
    "ia": "Interlingua",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ka": "Georgian",
    "kl": "Greenlandic",
    "kn": "Kannada",
    "ko": "Korean",
    "ku": "Kurdish",
    "ky": "Kyrgyz",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mr": "Marathi",
    "ms": "Malay",
    "mt": "Maltese",
    "my": "Myanmar (Burmese)",
    "nb": "Norwegian Bokmål",
    "ne": "Nepali",
    "nl": "Dutch",
    "om": "Oromo",
    "or": "Oriya",
    "pa": "Punjabi",
    "pap": "Papiamento",
    "pl": "Polish",
    "pt": "Portuguese (Portugal)",
    "pt-br": "Portuguese (Brazil)",
    "ro": "Romanian",
    "ru": "Russian",
    "sd": "Sindhi",
    "si": "Sinhala",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "tn": "Setswana",
    "tr": "Turkish",
    "tt": "Tatar",
    "ur": "Urdu",
    "vi": "Vietnamese (Northern)",
    "yue": "Chinese (Cantonese)",
    "zh": "Chinese (Mandarin)",
    "zh-yue": "Chinese (Cantonese)",
}

# Languages eSpeak has no voice for → the supported language whose voice reads their text most closely.
CLOSEST_LANGUAGE: dict[str, str] = {
    "be": "ru",  # Belarusian: Cyrillic, East Slavic
    "fil": "id",  # Filipino: Latin script, near-phonetic spelling
    "fy": "nl",  # West Frisian
    "gl": "pt",  # Galician
    "jv": "id",  # Javanese
    "kk": "ky",  # Kazakh: Cyrillic, Turkic
    "lb": "de",  # Luxembourgish
    "mn": "ru",  # Mongolian: Cyrillic
    "no": "nb",
    "nn": "nb",
    "oc": "ca",  # Occitan
    "su": "id",  # Sundanese
    "tg": "ru",  # Tajik: Cyrillic
    "tl": "id",  # Tagalog
    "uk": "ru",  # Ukrainian: Cyrillic, East Slavic
    "uz": "tr",  # Uzbek: Latin script, Turkic
}

# Plain language names a caller may pass instead of a code.
_NAMES_TO_CODES: dict[str, str] = {
    "english": "en",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "yue",
    "japanese": "ja",
    "korean": "ko",
    "spanish": "es",
    "french": "fr",
    "german": "de",
    "portuguese": "pt",
    "italian": "it",
    "russian": "ru",
    "ukrainian": "uk",
    "arabic": "ar",
    "hindi": "hi",
    "greek": "el",
}

# Scripts written without spaces between syllables: each syllable is spoken on its own (one Han character, kana).
_SYLLABLE_SCRIPTS = frozenset({"Chinese (Mandarin)", "Chinese (Cantonese)", "Hakka Chinese", "Japanese"})


@dataclass(frozen=True)
class EspeakLanguage:
    name: str  # Praat's eSpeak language name, e.g. "English (America)"
    speaks_syllables_alone: bool  # True: synthesise each syllable on its own rather than the whole word


def espeak_language(language: str) -> EspeakLanguage:
    """The eSpeak voice for a language code like "en", "pt-BR", "zh_CN" or a name like "Spanish"."""
    name = _espeak_name(language)
    if name is None:
        raise UnsupportedLanguage(language)
    return EspeakLanguage(name=name, speaks_syllables_alone=name in _SYLLABLE_SCRIPTS)


def _espeak_name(language: str) -> str | None:
    tag = language.strip().lower().replace("_", "-")
    if tag in ESPEAK_LANGUAGE_NAMES:
        return ESPEAK_LANGUAGE_NAMES[tag]
    primary = _NAMES_TO_CODES.get(tag, tag.split("-")[0])
    if primary == "zh" and tag.endswith(("-hk", "-mo")):
        return ESPEAK_LANGUAGE_NAMES["yue"]
    if primary == "en" and tag.endswith(("-gb", "-ie")):
        return ESPEAK_LANGUAGE_NAMES["en-gb"]
    if primary == "es" and tag != "es-es" and "-" in tag:
        return ESPEAK_LANGUAGE_NAMES["es-419"]
    primary = CLOSEST_LANGUAGE.get(primary, primary)
    return ESPEAK_LANGUAGE_NAMES.get(primary)
