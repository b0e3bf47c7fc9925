"""Cover art and waveform images: valid JPEGs, right sizes, not blank, stable per title."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from songforge.engines.images import render_cover_pair, render_waveform_image

SR = 22_050


@pytest.fixture(scope="module")
def song() -> np.ndarray:
    t = np.arange(SR * 3) / SR
    envelope = np.exp(-(t % 0.5) * 6)  # a beat every half second, so the waveform has shape
    return (0.8 * np.sin(2 * np.pi * 220 * t) * envelope).astype(np.float32)[np.newaxis]


def assert_jpeg(path: Path, size: tuple[int, int]) -> np.ndarray:
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == size
        pixels = np.asarray(image.convert("L"), dtype=np.float32)
    assert pixels.std() > 10, "image is blank"
    return pixels


def test_waveform_image(tmp_path: Path, song: np.ndarray) -> None:
    path = tmp_path / "wave.jpg"
    render_waveform_image(song, SR, path, width=800, height=200, title="Ocean Lights")
    pixels = assert_jpeg(path, (800, 200))
    # the bars are bright against the gradient: the middle row holds the brightest pixels
    assert pixels[100].max() > pixels[:, :5].max()


def test_waveform_image_of_silence_and_stereo(tmp_path: Path, song: np.ndarray) -> None:
    render_waveform_image(np.zeros((2, SR), np.float32), SR, tmp_path / "silent.jpg")
    with Image.open(tmp_path / "silent.jpg") as image:
        assert image.size == (1024, 256)
    render_waveform_image(np.vstack([song, song]), SR, tmp_path / "stereo.jpg")
    assert_jpeg(tmp_path / "stereo.jpg", (1024, 256))


def test_cover_pair_sizes_and_determinism(tmp_path: Path, song: np.ndarray) -> None:
    render_cover_pair(song, SR, tmp_path / "a.jpg", tmp_path / "a_large.jpg", "Harbour Nights")
    small = assert_jpeg(tmp_path / "a.jpg", (400, 400))
    assert_jpeg(tmp_path / "a_large.jpg", (1024, 1024))

    render_cover_pair(song, SR, tmp_path / "b.jpg", tmp_path / "b_large.jpg", "Harbour Nights")
    assert (tmp_path / "a.jpg").read_bytes() == (tmp_path / "b.jpg").read_bytes()

    render_cover_pair(song, SR, tmp_path / "c.jpg", tmp_path / "c_large.jpg", "Desert Rain")
    other = np.asarray(Image.open(tmp_path / "c.jpg").convert("RGB"), dtype=np.float32)
    first = np.asarray(Image.open(tmp_path / "a.jpg").convert("RGB"), dtype=np.float32)
    assert np.abs(other - first).mean() > 5, "different titles should get different palettes"
    assert small.shape == (400, 400)


def test_a_songs_style_changes_its_cover(tmp_path: Path, song: np.ndarray) -> None:
    """A generated song's cover comes from its title and style: same title, another style, another cover."""
    covers = []
    for style in ("", "heavy metal", "slow piano ballad"):
        small = tmp_path / f"{style or 'none'}.jpg"
        render_cover_pair(song, SR, small, tmp_path / f"{style or 'none'}_large.jpg", "Harbour Nights", style=style)
        covers.append(np.asarray(Image.open(small).convert("RGB"), dtype=np.float32))
    assert np.abs(covers[0] - covers[1]).mean() > 5 and np.abs(covers[1] - covers[2]).mean() > 5


def test_cover_with_non_latin_title(tmp_path: Path, song: np.ndarray) -> None:
    render_cover_pair(song, SR, tmp_path / "s.jpg", tmp_path / "l.jpg", "乡愁")
    assert_jpeg(tmp_path / "s.jpg", (400, 400))
