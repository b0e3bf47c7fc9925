"""Streaming encoders (MP3, FLAC) and the running peak envelope: block by block equals whole-array."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from songforge.engines import audio
from songforge.engines.audio import (
    FlacEncoder,
    Mp3Encoder,
    PeakEnvelope,
    decode_file,
    encode_flac,
    encode_mp3,
    mp3_sample_rate,
    peak_envelope,
    probe_duration,
)
from songforge.engines.images import CoverPair, render_cover_pair

SR = 44_100
# Odd block sizes on purpose: edges land mid-frame for both codecs and the resampler.
BLOCKS = (1000, 4410, 17, 30_011, 1, 65_536)


def tones(seconds: float, rate: int, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rows = [0.5 * np.sin(2 * np.pi * 1000 * t), 0.4 * np.sin(2 * np.pi * 1500 * t)]
    rows += [0.3 * np.sin(2 * np.pi * (400 + 100 * k) * t) for k in range(channels - 2)]
    return np.stack(rows[:channels]).astype(np.float32)


def feed(encoder: Mp3Encoder | FlacEncoder | PeakEnvelope, samples: np.ndarray) -> None:
    start = index = 0
    while start < samples.shape[1]:
        size = BLOCKS[index % len(BLOCKS)]
        block = samples[:, start : start + size]
        if isinstance(encoder, PeakEnvelope):
            encoder.add(block)
        else:
            encoder.write(block)
        start += size
        index += 1


def test_streamed_flac_decodes_bit_exact_to_the_whole_array_encode(tmp_path: Path) -> None:
    samples = tones(3.0, SR) * np.linspace(0, 2.2, int(3.0 * SR), dtype=np.float32)  # clips at the end
    encode_flac(samples, SR, tmp_path / "whole.flac")
    with FlacEncoder(tmp_path / "streamed.flac", SR, 2) as encoder:
        feed(encoder, samples)
    whole, rate = sf.read(str(tmp_path / "whole.flac"), dtype="int32")
    streamed, _ = sf.read(str(tmp_path / "streamed.flac"), dtype="int32")
    assert rate == SR
    assert sf.info(str(tmp_path / "streamed.flac")).subtype == "PCM_24"
    assert np.array_equal(whole, streamed)
    decoded = decode_file(tmp_path / "streamed.flac").samples
    assert np.abs(decoded - np.clip(samples, -1, 1)).max() < 2**-22


@pytest.mark.parametrize("rate", [44_100, 37_800])
def test_streamed_mp3_equals_the_whole_array_encode(tmp_path: Path, rate: int) -> None:
    samples = tones(3.0, rate)
    encode_mp3(samples, rate, tmp_path / "whole.mp3")
    with Mp3Encoder(tmp_path / "streamed.mp3", rate, 2) as encoder:
        feed(encoder, samples)
    # LAME and the resampler keep their state across blocks: the same bytes however the audio was cut
    assert (tmp_path / "whole.mp3").read_bytes() == (tmp_path / "streamed.mp3").read_bytes()
    decoded = decode_file(tmp_path / "streamed.mp3")
    assert decoded.sample_rate == mp3_sample_rate(rate)
    assert abs(decoded.samples.shape[1] - round(samples.shape[1] * decoded.sample_rate / rate)) <= 2


@pytest.mark.parametrize(("rate", "channels"), [(44_100, 2), (48_000, 1), (22_050, 2), (32_000, 1)])
def test_mp3_is_gapless_at_native_rates(tmp_path: Path, rate: int, channels: int) -> None:
    """The Info frame's delay/padding trim LAME's priming and padding: same length, same first sample."""
    samples = tones(2.0, rate, channels)
    with Mp3Encoder(tmp_path / "x.mp3", rate, channels) as encoder:
        feed(encoder, samples)
    decoded = decode_file(tmp_path / "x.mp3")
    assert decoded.sample_rate == rate
    assert decoded.channels == channels
    assert decoded.samples.shape[1] == samples.shape[1]
    assert probe_duration(tmp_path / "x.mp3") == pytest.approx(2.0, abs=1e-3)
    assert np.corrcoef(decoded.samples[0], samples[0])[0, 1] > 0.99


@pytest.mark.parametrize(("rate", "target"), [(37_800, 32_000), (96_000, 48_000), (11_000, 11_025)])
def test_resampled_mp3_has_no_clicks_at_block_edges(tmp_path: Path, rate: int, target: int) -> None:
    seconds = 2.0
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[np.newaxis]
    with Mp3Encoder(tmp_path / "x.mp3", rate, 1) as encoder:
        feed(encoder, samples)
    decoded = decode_file(tmp_path / "x.mp3")
    assert decoded.sample_rate == target
    assert abs(decoded.samples.shape[1] - round(seconds * target)) <= 2
    ideal = 0.5 * np.sin(2 * np.pi * 440 * np.arange(decoded.samples.shape[1]) / target)
    error = np.abs(decoded.samples[0] - ideal)[target // 20 : -target // 20]
    # a seam in the resampled stream would be a spike far above the codec's steady error
    assert error.max() < 0.05
    assert error.max() < 4 * np.percentile(error, 99) + 1e-3


def test_mp3_clips_folds_wide_input_and_keeps_mono(tmp_path: Path) -> None:
    wide = tones(1.0, SR, channels=6) * 3.0  # far over full scale
    with Mp3Encoder(tmp_path / "wide.mp3", SR, 6) as encoder:
        feed(encoder, wide)
    decoded = decode_file(tmp_path / "wide.mp3")
    assert decoded.channels == 2
    assert np.abs(decoded.samples).max() < 1.1
    with Mp3Encoder(tmp_path / "mono.mp3", SR, 1) as encoder:
        encoder.write(tones(1.0, SR, channels=1)[0])  # 1-D is one channel
    assert decode_file(tmp_path / "mono.mp3").channels == 1
    with pytest.raises(ValueError, match="channels"), Mp3Encoder(tmp_path / "bad.mp3", SR, 2) as encoder:
        encoder.write(np.zeros((1, 100), np.float32))


def test_empty_mp3_still_closes_into_a_valid_file(tmp_path: Path) -> None:
    Mp3Encoder(tmp_path / "empty.mp3", SR, 2).close()
    assert (tmp_path / "empty.mp3").stat().st_size > 0


def test_lame_tag_crcs_match_a_bitwise_crc16() -> None:
    def slow(data: bytes) -> int:
        crc = 0
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        return crc

    rng = np.random.default_rng(7)
    for size in (0, 1, 190, 20_000, 100_003):
        data = rng.integers(0, 256, size).astype(np.uint8).tobytes()
        assert audio._crc16(data) == slow(data)


def test_streamed_peak_envelope_matches_the_whole_array() -> None:
    rng = np.random.default_rng(1)
    n = 200_003
    samples = (rng.standard_normal((2, n)) * np.linspace(0.01, 1, n)).astype(np.float32)
    samples[1, 123_456] = 3.0  # one spike, right channel
    exact = PeakEnvelope(length=n, points=(80, 63, 7))
    fine = PeakEnvelope()
    feed(exact, samples)
    feed(fine, samples)
    for points in (80, 63, 7):
        assert exact.peaks(points) == peak_envelope(samples, points)
    for points in (80, 200):
        # without the length, bucket edges snap to the 64-sample hops: the same bars, rarely a neighbour's peak
        got, want = np.array(fine.peaks(points)), np.array(peak_envelope(samples, points))
        assert np.isclose(got, want, atol=1e-5).mean() > 0.9
        assert np.abs(got - want).max() < 0.1
    assert exact.peaks(500) == fine.peaks(500)  # a count not announced falls back to the fine envelope
    short = PeakEnvelope(length=50, points=(80,))
    feed(short, samples[:, :50])
    assert short.peaks(80) == peak_envelope(samples[:, :50], 80)
    assert PeakEnvelope().peaks(4) == [0.0] * 4


def test_covers_from_a_streamed_envelope_are_the_same_pictures(tmp_path: Path) -> None:
    n = 5 * SR
    t = np.arange(n) / SR
    song = (0.8 * np.sin(2 * np.pi * 220 * t) * np.exp(-(t % 0.5) * 6)).astype(np.float32)[np.newaxis]
    render_cover_pair(song, SR, tmp_path / "a.jpg", tmp_path / "a_large.jpg", "Harbour Nights")
    cover = CoverPair("Harbour Nights")
    envelope = PeakEnvelope(length=n, points=cover.bar_counts)
    feed(envelope, song)
    cover.render(envelope, tmp_path / "b.jpg", tmp_path / "b_large.jpg")
    assert (tmp_path / "a.jpg").read_bytes() == (tmp_path / "b.jpg").read_bytes()
    assert (tmp_path / "a_large.jpg").read_bytes() == (tmp_path / "b_large.jpg").read_bytes()


def test_mp3_is_192k_cbr_behind_a_lame_info_frame(tmp_path: Path) -> None:
    with Mp3Encoder(tmp_path / "x.mp3", SR, 2) as encoder:
        encoder.write(tones(1.0, SR))
    data = (tmp_path / "x.mp3").read_bytes()
    assert data[:3] == b"ID3"
    data = data[10 + int.from_bytes(data[6:10], "big") :]  # tag size < 128: syncsafe reads as plain
    assert data[:2] == b"\xff\xfb"  # MPEG-1 layer III, no CRC
    assert data[36:40] == b"Info"
    assert data[156:165] == b"LAME3.100"
    first_audio = data[626:630]  # the Info frame is one 192 kbps frame at 44.1 kHz: 626 bytes
    assert first_audio[:2] == b"\xff\xfb"
    assert first_audio[2] >> 4 == audio._MPEG1_KBPS.index(audio.MP3_BITRATE // 1000)
