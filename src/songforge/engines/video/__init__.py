"""Music videos: `render_music_video()` turns a song's audio, cover and sung-word timings into an MP4.

The cover sits on a blurred copy of itself, a waveform moves with the audio, the title stays on top and the
current lyric line is shown at the bottom with each word filling in as it is sung (ASS karaoke via libass).
Rendering uses the static FFmpeg bundled with imageio-ffmpeg; nothing is downloaded.
"""

from songforge.engines.video.errors import VideoError
from songforge.engines.video.lyric_lines import TimedWord
from songforge.engines.video.render import render_music_video

__all__ = ["TimedWord", "VideoError", "render_music_video"]
