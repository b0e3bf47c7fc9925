"""`songforge separate FILE --stems two|twelve --out DIR`: one WAV per stem, at the input's rate."""

from __future__ import annotations

from pathlib import Path

from songforge.engines.separation import SeparationOptions, StemSet, separate, stem_file_stem


def options_from_settings() -> SeparationOptions:
    """The operator's separation choices (SONGFORGE_MODEL_DIR, …), as the worker uses them."""
    try:
        from songforge.config import Settings

        settings = Settings()
        return SeparationOptions(
            model_dir=str(settings.resolved_model_dir),
            allow_download=settings.allow_model_download,
            prefer_demucs=settings.prefer_demucs,
        )
    except Exception:  # noqa: BLE001 - invalid environment: fall back to the bundled models
        return SeparationOptions()


def separate_file(
    input_path: Path,
    stems: StemSet,
    out_dir: Path,
    show_progress: bool = True,
    options: SeparationOptions | None = None,
) -> list[Path]:
    """Decode `input_path`, split it into the stems of `stems` and write `<out_dir>/<stem>.wav`
    (16-bit PCM at the input's sample rate and channel count). Returns the written paths in spec
    order. Unusable input raises ValueError (AudioDecodeError is one) with a readable sentence."""
    from songforge.engines.audio import decode_file, encode_wav

    input_path = Path(input_path)
    out_dir = Path(out_dir)
    stems = StemSet(stems)
    options = options or options_from_settings()
    decoded = decode_file(input_path)

    if show_progress:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(f"separating ({stems.value})", total=1.0)

            def progress(fraction: float, stage: str) -> None:
                bar.update(task, completed=max(0.0, min(1.0, fraction)), description=f"separating: {stage}")

            result = separate(decoded.samples, decoded.sample_rate, stems, progress, options)
            bar.update(task, completed=1.0, description="separated")
    else:
        result = separate(decoded.samples, decoded.sample_rate, stems, options=options)

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in result:
        path = out_dir / f"{stem_file_stem(stem.name)}.wav"
        encode_wav(stem.audio, decoded.sample_rate, path)
        written.append(path)
    return written


def separate_command(file: Path, stems: str = "two", out: Path = Path("stems")) -> list[Path]:
    """Typer-compatible entry point (the `separate` command in cli.py does the same)."""
    return separate_file(Path(file), StemSet(stems), Path(out))
