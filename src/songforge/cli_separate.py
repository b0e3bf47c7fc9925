"""`songforge separate FILE --stems two|twelve --out DIR`: one WAV per stem, at the input's rate."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import soundfile

from songforge.cli_progress import progress_bar
from songforge.engines.progress import ProgressCallback
from songforge.engines.separation import SeparationOptions, StemSet, separate_stream, stem_file_stem


def options_from_settings() -> SeparationOptions:
    """The operator's separation choices (SONGFORGE_MODEL_DIR, …), as the worker uses them."""
    try:
        from songforge.config import Settings
        from songforge.worker.separation_options import separation_options

        return separation_options(Settings())
    except Exception:  # noqa: BLE001 - invalid environment: fall back to the bundled models
        return SeparationOptions()


class WavStemWriter:
    """A `StemBlockSink` writing each stem to `<out_dir>/<stem>.wav` (16-bit PCM) as its blocks arrive.

    The files are opened at the first block (so unusable input, rejected before any block, leaves no
    files); `discard()` removes what a failed separation left half-written."""

    def __init__(self, out_dir: Path, names: tuple[str, ...], sample_rate: int, channels: int) -> None:
        self.out_dir = out_dir
        self.paths = [out_dir / f"{stem_file_stem(name)}.wav" for name in names]
        self.names, self.sample_rate, self.channels = names, sample_rate, channels
        self._files: dict[str, soundfile.SoundFile] = {}
        self._made_dir = False

    def write(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        if not self._files:
            self._made_dir = not self.out_dir.exists()
            self.out_dir.mkdir(parents=True, exist_ok=True)
            for name, path in zip(self.names, self.paths, strict=True):
                self._files[name] = soundfile.SoundFile(
                    path, "w", samplerate=self.sample_rate, channels=self.channels, subtype="PCM_16", format="WAV"
                )
        for name in self.names:
            # integer PCM would wrap around: clip as encode_wav does
            self._files[name].write(np.clip(blocks[name], -1.0, 1.0).T)

    def close(self) -> None:
        for file in self._files.values():
            file.close()

    def discard(self) -> None:
        self.close()
        if self._files:
            for path in self.paths:
                path.unlink(missing_ok=True)
            if self._made_dir and not any(self.out_dir.iterdir()):
                self.out_dir.rmdir()


def separate_file(
    input_path: Path,
    stems: StemSet,
    out_dir: Path,
    show_progress: bool = True,
    options: SeparationOptions | None = None,
) -> list[Path]:
    """Decode `input_path`, split it into the stems of `stems` and write `<out_dir>/<stem>.wav`
    (16-bit PCM at the input's sample rate and channel count), each written block by block as the
    separation finishes it. Returns the written paths in spec order. Unusable input raises ValueError
    (AudioDecodeError is one) with a readable sentence."""
    from songforge.engines.audio import decode_file

    input_path = Path(input_path)
    out_dir = Path(out_dir)
    stems = StemSet(stems)
    options = options or options_from_settings()
    decoded = decode_file(input_path)
    samples = decoded.samples if decoded.samples.ndim == 2 else decoded.samples[None, :]
    writer = WavStemWriter(out_dir, stems.stem_names, decoded.sample_rate, samples.shape[0])

    def run(progress: ProgressCallback) -> None:
        try:
            separate_stream(samples, decoded.sample_rate, stems, writer, progress, options)
        except BaseException:
            writer.discard()
            raise
        writer.close()

    with progress_bar(f"separating ({stems.value})", "separated", show=show_progress) as progress:
        run(progress)
    return writer.paths


def separate_command(file: Path, stems: str = "two", out: Path = Path("stems")) -> list[Path]:
    """Typer-compatible entry point (the `separate` command in cli.py does the same)."""
    return separate_file(Path(file), StemSet(stems), Path(out))
