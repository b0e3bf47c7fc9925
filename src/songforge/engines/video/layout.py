"""Where each part of the frame goes, scaled from a 854×480 design so every size looks the same."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Layout:
    """Title on top, the cover below it, the moving waveform under the cover, the lyric line at the bottom."""

    width: int
    height: int
    cover: Box
    waveform: Box
    side_margin: int
    title_size: int
    title_margin: int
    lyric_size: int
    lyric_margin: int


def _even(value: float) -> int:
    # yuv420p and the overlay positions want even sizes.
    return max(2, round(value / 2) * 2)


def layout_for(width: int, height: int) -> Layout:
    """The layout of a width×height frame."""
    cover_size = _even(min(0.5 * height, 0.9 * width))
    wave_width = _even(0.8 * width)
    wave_height = _even(0.13 * height)
    return Layout(
        width=width,
        height=height,
        cover=Box((width - cover_size) // 2, round(0.13 * height), cover_size, cover_size),
        waveform=Box((width - wave_width) // 2, round(0.66 * height), wave_width, wave_height),
        side_margin=round(0.04 * width),
        title_size=round(0.0625 * height),
        title_margin=round(0.035 * height),
        lyric_size=round(0.07 * height),
        lyric_margin=round(0.06 * height),
    )
