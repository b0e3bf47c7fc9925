"""The still part of every frame, drawn once: the cover on a blurred, darkened full-frame copy of itself.

Drawing it once in Pillow and letting FFmpeg repeat the single decoded frame costs almost nothing per frame
(decoding a looped picture for every frame took most of the render time).
"""

from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter, ImageOps, UnidentifiedImageError

from songforge.engines.video.errors import VideoError
from songforge.engines.video.layout import Layout

# Dark enough that white text and the waveform stand out on any cover, light enough to keep its colours.
BACKGROUND_BRIGHTNESS = 0.42
# Blur radius as a fraction of the frame height: the copy reads as colour, not as a second picture.
BLUR_FRACTION = 1 / 24


def render_background(cover_path: Path, layout: Layout, out_path: Path) -> None:
    """Write the background frame (PNG, layout-sized) for `cover_path`."""
    cover = _open_cover(cover_path)
    size = (layout.width, layout.height)
    backdrop = ImageOps.fit(cover, size, Image.Resampling.BILINEAR)
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(radius=layout.height * BLUR_FRACTION))
    backdrop = ImageEnhance.Brightness(backdrop).enhance(BACKGROUND_BRIGHTNESS)
    box = layout.cover
    backdrop.paste(ImageOps.fit(cover, (box.width, box.height), Image.Resampling.LANCZOS), (box.x, box.y))
    backdrop.save(out_path, format="PNG")


def _open_cover(cover_path: Path) -> Image.Image:
    try:
        with Image.open(cover_path) as image:
            return image.convert("RGB")
    except FileNotFoundError as error:
        raise VideoError(f"the cover image {cover_path.name!r} does not exist") from error
    except (UnidentifiedImageError, OSError) as error:
        raise VideoError(f"the cover image {cover_path.name!r} is not a readable picture") from error
