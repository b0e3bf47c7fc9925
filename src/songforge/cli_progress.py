"""One progress bar for the CLI's long commands (separate, generate), fed by an engine's progress callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from songforge.engines.progress import ProgressCallback, no_progress


@contextmanager
def progress_bar(doing: str, done: str, *, show: bool = True) -> Iterator[ProgressCallback]:
    """A callback that moves a bar labelled "`doing`: <stage>"; the bar reads `done` when the block ends."""
    if not show:
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    # On stderr: stdout carries what the command made (file paths), one per line, for scripts.
    with Progress(*columns, transient=False, console=Console(stderr=True)) as bar:
        task = bar.add_task(doing, total=1.0)

        def progress(fraction: float, stage: str) -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)), description=f"{doing}: {stage}")

        yield progress
        bar.update(task, completed=1.0, description=done)
