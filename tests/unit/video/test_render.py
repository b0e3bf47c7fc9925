"""Rendered videos, measured the way a viewer meets them: streams, size, length, and what changes on screen."""

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from songforge.engines.video import TimedWord, VideoError, render_music_video

SAMPLE_RATE = 22_050
DURATION = 6.0
WIDTH, HEIGHT = 854, 480
LYRIC_BAND = slice(int(HEIGHT * 0.82), HEIGHT)  # below the waveform strip
WAVE_BAND = slice(int(HEIGHT * 0.66), int(HEIGHT * 0.79))
WORDS = [
    TimedWord("[Verse]\nWinter ", 0.5, 0.9),
    TimedWord("winds ", 1.0, 1.4),
    TimedWord("are ", 1.5, 1.8),
    TimedWord("blowing\n", 1.9, 2.6),
    TimedWord("Snow ", 3.0, 3.4),
    TimedWord("falls ", 3.5, 3.9),
    TimedWord("on ", 4.0, 4.2),
    TimedWord("rivers\n", 4.3, 5.0),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    time = np.arange(int(SAMPLE_RATE * DURATION)) / SAMPLE_RATE
    loud_halves = np.floor(time / 0.5) % 2 == 0  # loud and near-silent half seconds, in turn
    tone = np.where(loud_halves, 0.6, 0.01) * np.sin(2 * np.pi * 330 * time)
    audio = folder / "song.wav"
    sf.write(audio, np.stack([tone, tone], axis=1).astype(np.float32), SAMPLE_RATE)
    y, x = np.mgrid[0:400, 0:400]
    pixels = np.stack([x * 0.3, y * 0.2, 120 + x * 0.3], axis=-1).astype(np.uint8)  # blues and purples
    cover = folder / "cover.jpg"
    Image.fromarray(pixels, "RGB").save(cover, quality=90)
    return audio, cover


def _render(inputs: tuple[Path, Path], out: Path, words: list[TimedWord]) -> Path:
    audio, cover = inputs
    render_music_video(audio, cover, out, title="Winter Song", words=words, duration=DURATION)
    return out


@pytest.fixture(scope="module")
def with_words(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(inputs, tmp_path_factory.mktemp("out") / "lyrics.mp4", WORDS)


@pytest.fixture(scope="module")
def without_words(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(inputs, tmp_path_factory.mktemp("out") / "plain.mp4", [])


def _frames(video: Path) -> Iterator[tuple[float, np.ndarray]]:
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            assert frame.time is not None
            yield frame.time, frame.to_ndarray(format="rgb24").astype(np.int16)


def _frame_at(video: Path, seconds: float) -> np.ndarray:
    return next(pixels for time, pixels in _frames(video) if time >= seconds)


def _gold_pixels(region: np.ndarray) -> int:
    red, green, blue = region[..., 0], region[..., 1], region[..., 2]
    return int(((red > 200) & (green > 150) & (blue < 130)).sum())


def _white_pixels(region: np.ndarray) -> int:
    return int((region.min(axis=-1) > 215).sum())


def _assert_playable(video: Path) -> None:
    with av.open(str(video)) as container:
        assert container.duration is not None
        assert abs(container.duration / av.time_base - DURATION) <= 0.1
        [stream] = container.streams.video
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", WIDTH, HEIGHT)
        assert stream.average_rate == 24
        assert [audio.codec_context.name for audio in container.streams.audio] == ["aac"]


def test_video_is_h264_and_aac_at_the_audios_length(with_words: Path) -> None:
    _assert_playable(with_words)


def test_lyric_area_changes_from_one_line_to_the_next(with_words: Path) -> None:
    first_line = _frame_at(with_words, 2.0)[LYRIC_BAND]
    second_line = _frame_at(with_words, 4.5)[LYRIC_BAND]
    assert np.abs(first_line - second_line).mean() > 3.0


def test_sung_words_turn_gold_as_the_line_goes_on(with_words: Path) -> None:
    start_of_line = _gold_pixels(_frame_at(with_words, 0.55)[LYRIC_BAND])
    end_of_line = _gold_pixels(_frame_at(with_words, 2.55)[LYRIC_BAND])
    assert end_of_line > start_of_line + 500


def _waveform_rows(region: np.ndarray) -> int:
    """How many rows of the strip the drawn waveform reaches (it is near-white on the darkened backdrop)."""
    return int(((region.min(axis=-1) > 170).sum(axis=1) > 20).sum())


def test_waveform_grows_with_loudness(with_words: Path) -> None:
    loud = _waveform_rows(_frame_at(with_words, 1.2)[WAVE_BAND])
    quiet = _waveform_rows(_frame_at(with_words, 1.7)[WAVE_BAND])
    assert loud > 2 * quiet


def test_without_words_the_video_is_valid_and_shows_no_lyrics(with_words: Path, without_words: Path) -> None:
    _assert_playable(without_words)
    assert _white_pixels(_frame_at(without_words, 2.0)[LYRIC_BAND]) < 50
    assert _white_pixels(_frame_at(with_words, 2.0)[LYRIC_BAND]) > 300
    title_band = slice(0, int(HEIGHT * 0.12))
    assert _white_pixels(_frame_at(without_words, 2.0)[title_band]) > 500


def test_unreadable_audio_raises_a_sentence_and_leaves_no_file(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    garbage = tmp_path / "song.mp3"
    garbage.write_bytes(b"this is not audio\n" * 200)
    out = tmp_path / "video.mp4"
    with pytest.raises(VideoError, match="could not render the music video") as caught:
        render_music_video(garbage, inputs[1], out, title="x", words=WORDS, duration=DURATION)
    assert "\n" not in str(caught.value) and caught.value.detail
    assert list(tmp_path.iterdir()) == [garbage]


def test_unreadable_cover_raises(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"not a picture")
    with pytest.raises(VideoError, match="cover image"):
        render_music_video(inputs[0], cover, tmp_path / "v.mp4", title="x", words=[], duration=DURATION)


def test_progress_rises_to_one(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    reports: list[tuple[float, str]] = []
    audio, cover = inputs
    render_music_video(
        audio, cover, tmp_path / "v.mp4", title="x", words=[], duration=DURATION, progress=lambda *r: reports.append(r)
    )
    fractions = [fraction for fraction, _ in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert {stage for _, stage in reports} == {"video"}


def test_a_raising_progress_callback_cancels_the_render(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    class Cancelled(Exception):
        pass

    def cancel(fraction: float, stage: str) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        render_music_video(*inputs, tmp_path / "v.mp4", title="x", words=WORDS, duration=DURATION, progress=cancel)
    assert list(tmp_path.iterdir()) == []
