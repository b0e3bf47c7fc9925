"""A music video from a song: its cover on a blurred backdrop, a moving waveform, the title and karaoke lyrics.

The still parts are drawn once (background.py); FFmpeg repeats that frame, overlays the waveform it draws from
the audio, burns in the ASS subtitles with libass, and encodes H.264 + AAC. A 3-minute song took about 19 CPU
seconds (x264 veryfast is most of it): 0.07–0.09× real time on two shared cores.
"""

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.video.background import render_background
from songforge.engines.video.errors import VideoError
from songforge.engines.video.ffmpeg import run_ffmpeg
from songforge.engines.video.fonts import prepare_fonts
from songforge.engines.video.layout import Layout, layout_for
from songforge.engines.video.lyric_lines import TimedWord, lyric_lines
from songforge.engines.video.subtitles import subtitle_script

# Names inside the scratch folder FFmpeg runs in: relative names need no filtergraph escaping.
_BACKGROUND = "background.png"
_SUBTITLES = "lyrics.ass"
_FONTS = "fonts"
# Near-white, slightly see-through: reads on any darkened cover without hiding it.
WAVEFORM_COLOUR = "0xF0F0F0@0.85"
_MIN_SIDE = 64
_MAX_FPS = 60


@dataclass(frozen=True)
class Encoding:
    """H.264 and AAC settings: small files for a mostly still picture, fast enough for real-time-ish renders."""

    preset: str = "veryfast"
    crf: int = 28
    audio_bitrate: str = "192k"


ENCODING = Encoding()


def render_music_video(
    audio_path: Path,
    cover_path: Path,
    out_path: Path,
    *,
    title: str,
    words: Sequence[TimedWord],
    duration: float,
    progress: ProgressCallback = no_progress,
    width: int = 854,
    height: int = 480,
    fps: int = 24,
) -> None:
    """Write an MP4 of `duration` seconds (the audio's length) to `out_path`; lyrics appear when `words` are given."""
    _check_request(audio_path, out_path, duration, width, height, fps)
    layout = layout_for(width, height)
    out_path = out_path.resolve()
    partial = out_path.with_name(f".{out_path.stem}.partial.mp4")
    with tempfile.TemporaryDirectory(prefix="songforge-video-") as scratch_name:
        scratch = Path(scratch_name)
        render_background(cover_path, layout, scratch / _BACKGROUND)
        font = prepare_fonts(scratch / _FONTS)
        script = subtitle_script(
            lyric_lines(words), title=title, layout=layout, font_family=font.family, duration=duration
        )
        (scratch / _SUBTITLES).write_text(script, encoding="utf-8")
        try:
            run_ffmpeg(
                _arguments(audio_path.resolve(), partial, layout, duration, fps),
                cwd=scratch,
                duration=duration,
                job="render the music video",
                progress=progress,
            )
            os.replace(partial, out_path)
        finally:
            partial.unlink(missing_ok=True)


def _check_request(audio_path: Path, out_path: Path, duration: float, width: int, height: int, fps: int) -> None:
    if not audio_path.is_file():
        raise VideoError(f"the audio file {audio_path.name!r} does not exist")
    if not out_path.parent.is_dir():
        raise VideoError(f"the folder for the video {out_path.name!r} does not exist")
    if not duration > 0:
        raise VideoError("the video needs a positive duration")
    if width < _MIN_SIDE or height < _MIN_SIDE or width % 2 or height % 2:
        raise VideoError(f"the video size must be even and at least {_MIN_SIDE}×{_MIN_SIDE} pixels")
    if not 1 <= fps <= _MAX_FPS:
        raise VideoError(f"the frame rate must be between 1 and {_MAX_FPS}")


def _filter_graph(layout: Layout, fps: int) -> str:
    wave = layout.waveform
    return ";".join(
        [
            # One decoded frame, repeated: the still picture costs nothing per frame.
            "[0:v]format=yuv420p,loop=loop=-1:size=1,setpts=N/FRAME_RATE/TB[still]",
            f"[1:a]showwaves=s={wave.width}x{wave.height}:mode=cline:rate={fps}:draw=full:scale=sqrt"
            f":colors={WAVEFORM_COLOUR}[wave]",
            f"[still][wave]overlay={wave.x}:{wave.y}:format=yuv420,ass={_SUBTITLES}:fontsdir={_FONTS}[video]",
        ]
    )


def _arguments(audio_path: Path, out_path: Path, layout: Layout, duration: float, fps: int) -> list[str]:
    # "file:" keeps a path with a colon from being read as a protocol name. "-tune stillimage" gave the smallest
    # file at the same speed as no tune or "animation" (the backdrop never moves).
    return [
        "-y",
        *("-framerate", str(fps), "-i", _BACKGROUND),
        *("-i", f"file:{audio_path}"),
        *("-filter_complex", _filter_graph(layout, fps)),
        *("-map", "[video]", "-map", "1:a:0", "-t", f"{duration:.3f}"),
        *("-c:v", "libx264", "-preset", ENCODING.preset, "-tune", "stillimage", "-crf", str(ENCODING.crf)),
        *("-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", ENCODING.audio_bitrate),
        *("-movflags", "+faststart", "-f", "mp4", f"file:{out_path}"),
    ]
