"""`songforge generate`: make a song without a server — the mix, its exact stems, MIDI, word timing and plan."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import orjson

from songforge.cli_progress import progress_bar
from songforge.engines.audio import encode_mp3, encode_wav
from songforge.engines.generation.export import plan_as_dict, plan_to_midi
from songforge.engines.generation.score import SongRequest
from songforge.engines.generation.song import GenerationOptions, generate_song, lyrics_for, timing_as_dict
from songforge.engines.separation.stems import stem_file_stem


@dataclass(frozen=True)
class GeneratedFiles:
    song_wav: Path
    song_mp3: Path
    stems: tuple[Path, ...]
    midi: Path
    timing: Path
    plan: Path

    def all(self) -> tuple[Path, ...]:
        return (self.song_wav, self.song_mp3, *self.stems, self.midi, self.timing, self.plan)


def generate_files(
    request: SongRequest,
    out_dir: Path,
    *,
    options: GenerationOptions | None = None,
    show_progress: bool = True,
) -> GeneratedFiles:
    """Write song.wav, song.mp3, stems/<stem>.wav, song.mid, timing.json and plan.json into `out_dir`.

    With a description and no lyrics (and not instrumental) the lyrics writer writes the words first."""
    if request.description.strip() and not request.lyrics.strip() and not request.instrumental:
        written = lyrics_for(request.description, seed=request.seed)
        request = dataclasses.replace(request, lyrics=written.text, title=request.title or written.title)
    with progress_bar("generating", "generated", show=show_progress) as progress:
        song = generate_song(request, options, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    stems_dir = out_dir / "stems"
    stems_dir.mkdir(exist_ok=True)
    files = GeneratedFiles(
        song_wav=out_dir / "song.wav",
        song_mp3=out_dir / "song.mp3",
        stems=tuple(stems_dir / f"{stem_file_stem(name)}.wav" for name in song.stems),
        midi=out_dir / "song.mid",
        timing=out_dir / "timing.json",
        plan=out_dir / "plan.json",
    )
    encode_wav(song.mix, song.sample_rate, files.song_wav, bit_depth=24)
    encode_mp3(song.mix, song.sample_rate, files.song_mp3)
    for path, audio in zip(files.stems, song.stems.values(), strict=True):
        encode_wav(audio, song.sample_rate, path, bit_depth=24)
    files.midi.write_bytes(plan_to_midi(song.plan))
    sung = song.stems["Vocals"] + song.stems["Backing Vocals"]
    files.timing.write_bytes(
        orjson.dumps(timing_as_dict(song.plan, sung, song.sample_rate), option=orjson.OPT_INDENT_2)
    )
    files.plan.write_bytes(orjson.dumps(plan_as_dict(song.plan), option=orjson.OPT_INDENT_2))
    return files
