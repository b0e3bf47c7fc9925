"""Running the static FFmpeg that imageio-ffmpeg ships (it has libass and libx264; PyAV's build lacks libass).

Progress comes from `-progress pipe:1` (its `out_time_us` against the expected length). Errors go to a
temporary file, so a chatty FFmpeg can never block on a full pipe; on failure only its last line is kept.
"""

import logging
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import imageio_ffmpeg

from songforge.engines.progress import ProgressCallback
from songforge.engines.video.errors import VideoError

log = logging.getLogger(__name__)

PROGRESS_STAGE = "video"
# What FFmpeg prints when an input cannot be opened or parsed as media.
_UNREADABLE_INPUT_MARKERS = ("Error opening input", "Invalid data found", "No such file", "matches no streams")


def ffmpeg_executable() -> str:
    """Path of the bundled FFmpeg binary."""
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as error:
        raise VideoError("no FFmpeg binary is available to render videos") from error


def run_ffmpeg(arguments: Sequence[str], *, cwd: Path, duration: float, job: str, progress: ProgressCallback) -> None:
    """Run FFmpeg with `arguments`, reporting 0–1 over `duration` seconds of output; `job` names the work in
    error messages ("render the music video"). A callback that raises stops FFmpeg and the error propagates."""
    command = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"]
    command += ["-progress", "pipe:1", *arguments]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            assert process.stdout is not None
            _follow_progress(process.stdout, duration, progress)
            status = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if status != 0:
            errors.seek(0)
            _raise_failure(job, status, errors.read().decode("utf-8", "replace"))
    progress(1.0, PROGRESS_STAGE)


def _follow_progress(report: Iterable[str], duration: float, progress: ProgressCallback) -> None:
    reported = 0.0
    progress(reported, PROGRESS_STAGE)
    for line in report:
        key, _, value = line.strip().partition("=")
        if key != "out_time_us" or not value.lstrip("-").isdigit():
            continue  # "N/A" until the first frame is written
        fraction = min(1.0, max(0.0, int(value) / 1e6 / duration))
        if fraction > reported:
            reported = fraction
            progress(fraction, PROGRESS_STAGE)


def _raise_failure(job: str, status: int, stderr: str) -> None:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last_line = lines[-1] if lines else ""
    log.warning("ffmpeg could not %s (exit status %d): %s", job, status, last_line)
    if any(marker in line for line in lines for marker in _UNREADABLE_INPUT_MARKERS):
        raise VideoError(f"could not {job}: FFmpeg cannot read one of its input files as media", detail=last_line)
    raise VideoError(f"could not {job}: FFmpeg stopped with exit status {status}", detail=last_line)
