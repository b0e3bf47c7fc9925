"""What a new piece keeps of the song it is made from (extend, infill, cover, persona): the source's tempo, key,
meter, bar grid and voice, read from the plan songforge stored with it, or measured from an upload's audio."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from songforge.engines.generation.score import VOCALS, Mode, MusicalAnchor, VoiceGender

DEFAULT_METER = (4, 4)


@dataclass(frozen=True)
class SourceSong:
    tempo: float
    key: str | None
    mode: Mode | None
    time_signature: tuple[int, int]
    duration: float
    first_downbeat: float = 0.0  # where the bar grid starts (0 for songs songforge made)
    voice: VoiceGender | None = None
    timbre: int | None = None

    @classmethod
    def from_plan(cls, plan: Mapping[str, Any]) -> SourceSong:
        """From the plan JSON a generated clip keeps (export.plan_as_dict)."""
        numerator, _, denominator = str(plan.get("time_signature", "4/4")).partition("/")
        lead = next((vocal for vocal in plan.get("vocals", []) if vocal.get("stem") == VOCALS), None)
        mode = plan.get("mode")
        return cls(
            tempo=float(plan["tempo"]),
            key=str(plan["key"]) if plan.get("key") else None,
            mode="minor" if mode == "minor" else "major" if mode == "major" else None,
            time_signature=(int(numerator or 4), int(denominator or 4)),
            duration=float(plan.get("duration", 0.0)),
            voice=_voice(lead.get("voice")) if lead else None,
            timbre=int(lead["timbre"]) if lead and lead.get("timbre") is not None else None,
        )

    @property
    def bar_seconds(self) -> float:
        numerator, denominator = self.time_signature
        return numerator * (4.0 / denominator) * 60.0 / self.tempo

    def downbeat_at_or_after(self, at: float) -> float:
        """The first bar start at or after `at` (1 ms of slack); the last one before the end when none is left."""
        bar = self.bar_seconds
        bars = math.ceil((at - self.first_downbeat - 1e-3) / bar)
        moment = self.first_downbeat + max(bars, 0) * bar
        if self.duration and moment >= self.duration:
            moment = self.first_downbeat + max(math.floor((at - self.first_downbeat) / bar), 0) * bar
        return round(moment, 3)

    def anchor(
        self, *, intro: bool = False, exact_duration: float | None = None, melody: Sequence[int] = ()
    ) -> MusicalAnchor:
        return MusicalAnchor(
            tempo=self.tempo,
            key=self.key,
            mode=self.mode,
            time_signature=self.time_signature,
            voice=self.voice,
            timbre=self.timbre,
            melody=tuple(melody),
            intro=intro,
            exact_duration=exact_duration,
        )


def lead_pitches(plan: Mapping[str, Any]) -> tuple[int, ...]:
    """The sung melody, one pitch per syllable in order, from the plan JSON a generated clip keeps."""
    lead = next((vocal for vocal in plan.get("vocals", []) if vocal.get("stem") == VOCALS), None)
    return tuple(int(pitch) for pitch in (lead or {}).get("melody", []))


def _voice(value: Any) -> VoiceGender | None:
    return "m" if value == "m" else "f" if value == "f" else None
