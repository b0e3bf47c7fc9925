"""The font the video's text is set in, gathered into one folder FFmpeg's subtitle renderer reads.

DejaVu Sans when the system has it (wide Latin, Greek and Cyrillic coverage); otherwise the Aileron face that
Pillow embeds, written out as a TrueType file, so rendering never depends on installed fonts or a download.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from songforge.engines.video.errors import VideoError

DEJAVU_FAMILY = "DejaVu Sans"
DEJAVU_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


@dataclass(frozen=True)
class VideoFont:
    """A folder of font files (libass `fontsdir`) and the family name the subtitles ask for."""

    directory: Path
    family: str


def prepare_fonts(directory: Path) -> VideoFont:
    """Put the video's font files into `directory` (created) and name their family."""
    directory.mkdir(parents=True, exist_ok=True)
    system_files = [path for path in DEJAVU_FILES if path.is_file()]
    if system_files:
        for path in system_files:
            shutil.copyfile(path, directory / path.name)
        return VideoFont(directory, DEJAVU_FAMILY)
    return _write_pillow_font(directory)


def _write_pillow_font(directory: Path) -> VideoFont:
    font = ImageFont.load_default(size=16)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise VideoError("no font is available to draw the video's text (Pillow was built without FreeType)")
    family = font.getname()[0] or "Aileron"
    (directory / f"{family}.ttf").write_bytes(font.font_bytes)
    return VideoFont(directory, family)
