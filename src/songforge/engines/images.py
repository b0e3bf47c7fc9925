"""Cover art and waveform pictures for clips, drawn from the audio itself (Pillow, no downloads).

The palette comes from a hash of the title, so one song always gets the same colours and two songs
rarely share them. Titles are drawn only when the bundled font can show every character (Latin
scripts); other scripts are left off rather than drawn as empty boxes.
"""

from __future__ import annotations

import colorsys
import hashlib
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from songforge.engines.audio import peak_envelope

__all__ = ["CoverPair", "Peaks", "cover_bar_counts", "render_cover_pair", "render_waveform_image"]

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]


class Peaks(Protocol):
    """Where the bars come from: `peak_envelope` of the audio, or a `PeakEnvelope` fed while streaming."""

    def peaks(self, points: int) -> list[float]: ...


class _SamplePeaks:
    """The peaks of audio held whole (what the pictures were always drawn from)."""

    def __init__(self, samples: np.ndarray) -> None:
        self._samples = _mono(samples)

    def peaks(self, points: int) -> list[float]:
        return peak_envelope(self._samples, points) if self._samples.size else [0.0] * points


def _palette(seed_text: str) -> tuple[RGB, RGB, RGB]:
    """Two gradient colours a pleasant hue-step apart, plus a light accent for the bars."""
    digest = hashlib.sha256(seed_text.encode("utf-8")).digest()
    hue = digest[0] / 255.0
    step = 0.08 + digest[1] / 255.0 * 0.22  # analogous-to-split hues read as one palette
    sat = 0.55 + digest[2] / 255.0 * 0.3

    def rgb(h: float, s: float, v: float) -> RGB:
        r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
        return int(r * 255), int(g * 255), int(b * 255)

    return rgb(hue, sat, 0.32), rgb(hue + step, sat, 0.78), rgb(hue + step / 2, 0.18, 1.0)


def _gradient(width: int, height: int, top: RGB, bottom: RGB) -> Image.Image:
    """Diagonal gradient, top-left to bottom-right."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (x / max(width - 1, 1) * 0.35 + y / max(height - 1, 1) * 0.65)[..., np.newaxis]
    pixels = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


def _bar_layout(box: Box, bar_px: int) -> tuple[int, int]:
    """(bars, gap) that fit in box for bars `bar_px` wide."""
    left, _, right, _ = box
    gap = max(1, bar_px // 2)
    return max(1, (right - left + gap) // (bar_px + gap)), gap


def _draw_bars(image: Image.Image, source: Peaks, box: Box, colour: RGB, bar_px: int) -> None:
    """Mirrored waveform bars in box (left, top, right, bottom), with a soft glow under them."""
    left, top, right, bottom = box
    count, gap = _bar_layout(box, bar_px)
    peaks = source.peaks(count)
    middle = (top + bottom) / 2
    half = (bottom - top) / 2
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    span = count * (bar_px + gap) - gap
    x = left + (right - left - span) // 2
    for peak in peaks:
        reach = max(1.0, (0.04 + 0.96 * peak**0.8) * half)  # gamma lifts quiet passages into view
        draw.rounded_rectangle(
            (x, middle - reach, x + bar_px - 1, middle + reach), radius=bar_px // 2, fill=(*colour, 235)
        )
        x += bar_px + gap
    glow = layer.filter(ImageFilter.GaussianBlur(radius=max(2, bar_px * 2)))
    image.paste(glow, (0, 0), glow)
    image.paste(layer, (0, 0), layer)


def _drawable(title: str | None) -> str | None:
    if not title or not title.strip():
        return None
    text = " ".join(title.split())
    return text if all(ord(ch) < 0x250 for ch in text) else None


def _draw_title(image: Image.Image, title: str, box: tuple[int, int, int, int], colour: RGB) -> None:
    """Largest font size that fits the box, centred, with a faint shadow for contrast."""
    left, top, right, bottom = box
    draw = ImageDraw.Draw(image)
    size = max(8, bottom - top)
    while True:
        font = ImageFont.load_default(size=size)
        x0, y0, x1, y1 = draw.textbbox((0, 0), title, font=font)
        if x1 - x0 <= right - left or size <= 10:
            break
        size = int(size * 0.9)
    if x1 - x0 > right - left:
        while title and draw.textbbox((0, 0), title + "…", font=font)[2] > right - left:
            title = title[:-1]
        title = title.rstrip() + "…"
        x0, y0, x1, y1 = draw.textbbox((0, 0), title, font=font)
    x = left + (right - left - (x1 - x0)) // 2 - x0
    y = top + (bottom - top - (y1 - y0)) // 2 - y0
    shadow = max(1, size // 20)
    draw.text((x + shadow, y + shadow), title, font=font, fill=(0, 0, 0))
    draw.text((x, y), title, font=font, fill=colour)


def _mono(samples: np.ndarray) -> np.ndarray:
    array = np.asarray(samples, dtype=np.float32)
    return array if array.ndim == 1 else array.reshape(-1, array.shape[-1])


def render_waveform_image(
    samples: np.ndarray,
    sample_rate: int,
    path: str | Path,
    *,
    width: int = 1024,
    height: int = 256,
    title: str | None = None,
) -> None:
    """A wide JPEG of the clip's waveform on its palette; the title, when given, sits above the bars."""
    if width < 16 or height < 16:
        raise ValueError("the image must be at least 16x16 pixels")
    dark, light, accent = _palette(title or f"{sample_rate}:{np.asarray(samples).size}")
    image = _gradient(width, height, dark, light)
    margin = max(4, height // 12)
    text = _drawable(title)
    bars_top = margin
    if text:
        title_h = height // 5
        _draw_title(image, text, (margin * 2, margin, width - margin * 2, margin + title_h), accent)
        bars_top = margin * 2 + title_h
    bar_px = max(2, width // 256)
    _draw_bars(image, _SamplePeaks(samples), (margin, bars_top, width - margin, height - margin), accent, bar_px)
    image.save(str(path), "JPEG", quality=90, optimize=True)


def _cover_bars(size: int) -> tuple[Box, int]:
    """Where a cover of `size` pixels draws its bars, and how wide each is."""
    margin = size // 10
    return (margin, int(size * 0.38), size - margin, int(size * 0.86)), max(2, size // 110)


def _cover_seed(title: str | None, style: str) -> str:
    """What a cover's colours come from: the title, and the style when there is one (two songs of one title
    in different styles look different too)."""
    return f"{title or 'untitled'}\n{style}" if style else title or "untitled"


def _cover_background(size: int, title: str | None, style: str = "") -> Image.Image:
    """Everything on a cover but the bars: gradient, soft disc, title and style."""
    dark, light, accent = _palette(_cover_seed(title, style))
    image = _gradient(size, size, dark, light)
    # a soft disc behind the waveform gives the square a focal point
    disc = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    radius = size * 0.42
    ImageDraw.Draw(disc).ellipse(
        (size / 2 - radius, size * 0.56 - radius, size / 2 + radius, size * 0.56 + radius),
        fill=(*light, 90),
    )
    disc = disc.filter(ImageFilter.GaussianBlur(radius=size / 40))
    image.paste(disc, (0, 0), disc)
    margin = size // 10
    text = _drawable(title)
    if text:
        _draw_title(image, text, (margin, margin, size - margin, margin + size // 9), accent)
    subtitle = _drawable(style)
    if subtitle:
        top = margin + size // 9 + size // 60
        _draw_title(image, subtitle, (margin, top, size - margin, top + size // 20), light)
    return image


def cover_bar_counts(small_size: int = 400, large_size: int = 1024) -> tuple[int, int]:
    """How many bars the small and the large cover draw: the point counts their peaks are asked for."""
    small = _bar_layout(*_cover_bars(small_size))[0]
    large = _bar_layout(*_cover_bars(large_size))[0]
    return small, large


class CoverPair:
    """A clip's two square covers, `image` (small) and `image_large`, in two steps: `CoverPair(title)`
    draws everything the title decides (possibly early, e.g. while the audio is still being made), and
    `render(peaks, ...)` adds the waveform bars once the audio's peaks are known and saves the JPEGs."""

    def __init__(self, title: str | None, *, style: str = "", small_size: int = 400, large_size: int = 1024) -> None:
        self.title = title
        self.style = style
        self.sizes = (small_size, large_size)
        self._backgrounds = [_cover_background(size, title, style) for size in self.sizes]

    @property
    def bar_counts(self) -> tuple[int, int]:
        return cover_bar_counts(*self.sizes)

    def render(self, source: Peaks, small_path: str | Path, large_path: str | Path) -> None:
        _, _, accent = _palette(_cover_seed(self.title, self.style))
        for size, background, path in zip(self.sizes, self._backgrounds, (small_path, large_path), strict=True):
            image = background.copy()
            box, bar_px = _cover_bars(size)
            _draw_bars(image, source, box, accent, bar_px)
            image.save(str(path), "JPEG", quality=90, optimize=True)


def render_cover_pair(
    samples: np.ndarray,
    sample_rate: int,
    small_path: str | Path,
    large_path: str | Path,
    title: str | None,
    *,
    style: str = "",
    small_size: int = 400,
    large_size: int = 1024,
) -> None:
    """Square cover JPEGs for a clip: `image` (small) and `image_large`, drawn once each at full detail."""
    cover = CoverPair(title, style=style, small_size=small_size, large_size=large_size)
    cover.render(_SamplePeaks(samples), small_path, large_path)
