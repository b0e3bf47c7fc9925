"""The `mv` names clients send (spec B §6.1) and what clips report back (B §6.2)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelFamily:
    model_name: str
    major_model_version: str


_V3 = ModelFamily("chirp-v3", "v3")
_V4 = ModelFamily("chirp-v4", "v4")
_AUK = ModelFamily("chirp-auk", "v4.5")

# Canonical hyphen spelling → family. Dot spellings and GoAmz aliases are normalised below.
MODEL_FAMILIES: dict[str, ModelFamily] = {
    "chirp-fenix": ModelFamily("chirp-fenix", "v5.5"),
    "chirp-crow": ModelFamily("chirp-crow", "v5"),
    "chirp-bluejay": ModelFamily("chirp-bluejay", "v4.5+"),
    "chirp-auk-turbo": ModelFamily("chirp-auk-turbo", "v4.5-all"),
    "chirp-auk": _AUK,
    "chirp-auk-upload": _AUK,
    "chirp-v4": _V4,
    "chirp-v4-tau": _V4,
    "chirp-v4-upload": _V4,
    "chirp-v3-5": _V3,
    "chirp-v3-5-tau": _V3,
    "chirp-v3-5-upload": _V3,
    "chirp-v3-0": _V3,
}

_ALIASES: dict[str, str] = {
    "mv-v3.0": "chirp-v3-0",
    "mv-v3.5": "chirp-v3-5",
    "mv-v4": "chirp-v4",
    "mv-auk": "chirp-auk",
    "mv-bluejay": "chirp-bluejay",
    "mv-crow": "chirp-crow",
    "mv-fenix": "chirp-fenix",
}


def canonical_mv(mv: str) -> str | None:
    """`chirp-v3.5` → `chirp-v3-5`; None for names songforge does not know."""
    name = mv.strip().lower()
    name = _ALIASES.get(name, name)
    name = name.replace(".", "-")
    return name if name in MODEL_FAMILIES else None


def accepted_mv_names() -> list[str]:
    dotted = [name.replace("v3-", "v3.") for name in MODEL_FAMILIES if "-v3-" in name]
    return sorted(set(MODEL_FAMILIES) | set(dotted) | set(_ALIASES))
