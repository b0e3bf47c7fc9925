"""Audio I/O: every upload format round-trips, bad files fail with a sentence, limits hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from songforge.engines.audio import (
    AudioDecodeError,
    DecodedAudio,
    decode_bytes,
    decode_file,
    encode_audio,
    encode_flac,
    encode_mp3,
    encode_wav,
    peak_envelope,
    probe_duration,
    resample,
)

SR = 44_100
SECONDS = 2.0


def tone(seconds: float = SECONDS, sr: int = SR, channels: int = 2) -> np.ndarray:
    """A chirp on the left and a steady tone on the right, so channel order and content are checkable."""
    t = np.arange(int(seconds * sr)) / sr
    chirp = 0.4 * np.sin(2 * np.pi * (200 * t + 300 * t**2))
    steady = 0.4 * np.sin(2 * np.pi * 660 * t)
    out = np.stack([chirp, steady][:channels]) if channels <= 2 else np.stack([steady] * channels)
    return out.astype(np.float32)


def dominant_hz(signal: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(signal.size)))
    return float(np.fft.rfftfreq(signal.size, 1 / sr)[np.argmax(spectrum)])


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


ENCODERS = {
    "wav": lambda x, p: encode_wav(x, SR, p),
    "flac": lambda x, p: encode_flac(x, SR, p),
    "mp3": lambda x, p: encode_mp3(x, SR, p),
    "ogg": lambda x, p: encode_audio(x, SR, p, codec="vorbis", container_format="ogg"),
    "m4a": lambda x, p: encode_audio(x, SR, p, codec="aac", container_format="ipod"),
}


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("encoded")
    paths = {}
    for ext, encode in ENCODERS.items():
        paths[ext] = folder / f"tone.{ext}"
        encode(tone(), paths[ext])
    return paths


@pytest.mark.parametrize("ext", list(ENCODERS))
def test_round_trip_keeps_length_rate_and_channels(encoded: dict[str, Path], ext: str) -> None:
    decoded = decode_file(encoded[ext])
    assert isinstance(decoded, DecodedAudio)
    assert decoded.sample_rate == SR
    assert decoded.channels == 2
    assert decoded.samples.dtype == np.float32
    # lossy codecs add at most a couple of frames of padding
    assert abs(decoded.duration_s - SECONDS) < 2 * 2048 / SR
    assert abs(probe_duration(encoded[ext]) - SECONDS) < 2 * 2048 / SR
    # right channel is still the steady 660 Hz tone, left is not (channel order kept)
    assert abs(dominant_hz(decoded.samples[1], SR) - 660) < 5
    assert abs(dominant_hz(decoded.samples[0], SR) - 660) > 50


@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_lossless_formats_reproduce_the_signal(encoded: dict[str, Path], ext: str) -> None:
    decoded = decode_file(encoded[ext])
    original = tone()
    assert decoded.samples.shape == original.shape
    assert np.max(np.abs(decoded.samples - original)) < 1e-3
    assert correlation(decoded.samples[0], original[0]) > 0.9999


def test_decode_bytes_matches_decode_file(encoded: dict[str, Path]) -> None:
    from_bytes = decode_bytes(encoded["mp3"].read_bytes())
    from_file = decode_file(encoded["mp3"])
    np.testing.assert_array_equal(from_bytes.samples, from_file.samples)


def test_mp3_resembles_the_source(encoded: dict[str, Path]) -> None:
    decoded = decode_file(encoded["mp3"])
    original = tone()
    # LAME's delay is trimmed through the Info header, so the signals line up sample for sample
    assert correlation(decoded.samples[1], original[1]) > 0.99


def test_mono_stays_mono_and_wide_input_folds_to_stereo(tmp_path: Path) -> None:
    mono = tmp_path / "mono.wav"
    encode_wav(tone(channels=1), SR, mono)
    assert decode_file(mono).channels == 1

    surround = tmp_path / "six.wav"
    sf.write(str(surround), tone(channels=6).T, SR, subtype="PCM_16")
    decoded = decode_file(surround)
    assert decoded.channels == 2
    assert np.max(np.abs(decoded.samples)) > 0.1


def test_target_sample_rate_resamples_while_decoding(encoded: dict[str, Path]) -> None:
    decoded = decode_file(encoded["wav"], target_sample_rate=16_000)
    assert decoded.sample_rate == 16_000
    assert abs(decoded.duration_s - SECONDS) < 0.01
    assert abs(dominant_hz(decoded.samples[1], 16_000) - 660) < 5


def test_max_seconds_rejects_long_audio_without_decoding_it_all(tmp_path: Path) -> None:
    path = tmp_path / "long.flac"
    encode_flac(tone(seconds=30, channels=1), SR, path)
    with pytest.raises(AudioDecodeError, match="longer than the 5 s limit"):
        decode_file(path, max_seconds=5)
    assert decode_file(path, max_seconds=31).duration_s == pytest.approx(30, abs=0.01)


@pytest.mark.parametrize("ext", ["mp3", "wav", "flac", "m4a"])
def test_file_cut_in_half_is_reported_as_truncated(encoded: dict[str, Path], ext: str) -> None:
    data = encoded[ext].read_bytes()
    with pytest.raises(AudioDecodeError, match="truncated"):
        decode_bytes(data[: len(data) // 2])


def test_garbage_inputs_fail_with_a_sentence(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(AudioDecodeError, match="empty"):
        decode_file(empty)
    with pytest.raises(AudioDecodeError, match="empty"):
        decode_bytes(b"")

    text = tmp_path / "notes.txt"
    text.write_text("These are my lyrics, not a song file.\n" * 40)
    with pytest.raises(AudioDecodeError, match="not audio"):
        decode_file(text)
    with pytest.raises(AudioDecodeError, match="not audio"):
        decode_bytes(text.read_bytes())

    noise = np.random.default_rng(7).bytes(50_000)
    with pytest.raises(AudioDecodeError, match="not audio"):
        decode_bytes(noise)

    with pytest.raises(AudioDecodeError, match="does not exist"):
        decode_file(tmp_path / "missing.wav")


def test_file_without_audio_stream_is_named(tmp_path: Path) -> None:
    import av

    path = tmp_path / "silent_video.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with pytest.raises(AudioDecodeError, match="no audio stream"):
        decode_file(path)


def test_resample_keeps_a_1khz_tone_at_1khz() -> None:
    t = np.arange(SR) / SR
    signal = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[np.newaxis]
    out = resample(signal, SR, 48_000)
    assert out.dtype == np.float32
    assert out.shape == (1, 48_000)
    assert abs(dominant_hz(out[0], 48_000) - 1000) < 2
    assert resample(signal, SR, SR) is not None


def test_mp3_at_an_unsupported_rate_is_resampled(tmp_path: Path) -> None:
    path = tmp_path / "hi.mp3"
    encode_mp3(tone(seconds=1, sr=96_000), 96_000, path)
    decoded = decode_file(path)
    assert decoded.sample_rate == 48_000
    assert abs(decoded.duration_s - 1.0) < 0.1


def test_wav_bit_depths(tmp_path: Path) -> None:
    for depth, subtype in [(16, "PCM_16"), (24, "PCM_24")]:
        path = tmp_path / f"x{depth}.wav"
        encode_wav(tone(seconds=0.2), SR, path, bit_depth=depth)
        assert sf.info(str(path)).subtype == subtype
    with pytest.raises(ValueError):
        encode_wav(tone(seconds=0.2), SR, tmp_path / "bad.wav", bit_depth=12)


def test_peak_envelope_is_normalised_and_shaped() -> None:
    ramp = np.linspace(0, 0.5, 1000, dtype=np.float32)[np.newaxis]
    env = peak_envelope(ramp, 10)
    assert len(env) == 10
    assert env[-1] == 1.0
    assert env == sorted(env)
    assert all(0.0 <= v <= 1.0 for v in env)
    assert peak_envelope(np.zeros((2, 100), np.float32), 4) == [0.0] * 4
    assert len(peak_envelope(ramp[:, :3], 8)) == 8  # more points than samples still works
