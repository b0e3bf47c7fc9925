"""Audio I/O: decode anything FFmpeg reads, resample, encode wav/flac/mp3, summarise for waveforms.

Arrays are float32, shaped (channels, samples), nominally in [-1, 1]. Decoding keeps mono as one
channel and folds anything wider than stereo down to stereo (FFmpeg's downmix matrix).

Truncation policy (what a user expects from an upload):
- garbage, empty files, text, files with no audio stream, and files that decode to no samples fail
  with an `AudioDecodeError` whose message is a sentence saying what was wrong;
- a file whose header states its length exactly (WAV, FLAC, AIFF, MP4/M4A, MP3 with a Xing/Info/VBRI
  header) but that decodes to clearly less than that (over 0.5 s and 5 % short) is reported as truncated —
  silently working on half a song is worse than a clear failure;
- a file that carries no trustworthy length (a plain CBR MP3, a raw ADTS stream) and simply ends early
  is accepted as the audio it holds: nothing in it says it was meant to be longer;
- a few corrupt packets mid-stream are skipped (FFmpeg conceals them); a stream where more than a
  quarter of the packets fail to decode is reported as corrupt.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

__all__ = [
    "AudioDecodeError",
    "DecodedAudio",
    "decode_bytes",
    "decode_file",
    "encode_audio",
    "encode_flac",
    "encode_mp3",
    "encode_wav",
    "peak_envelope",
    "probe_duration",
    "resample",
]

# Container formats whose header states the exact length, so a shortfall means the file was cut.
_EXACT_LENGTH_FORMATS = {"wav", "w64", "flac", "aiff", "caf", "mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
# MP3 encoder rates; anything else is resampled to the nearest one before encoding.
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
# Tolerated shortfall before a declared length counts as truncation (codec padding is milliseconds).
_TRUNCATION_MIN_S = 0.5
_TRUNCATION_FRACTION = 0.05
_MAX_BAD_PACKET_FRACTION = 0.25


class AudioDecodeError(ValueError):
    """The input is not usable audio; the message is a sentence fit to show the user."""


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32 (channels, samples)
    sample_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.sample_rate if self.sample_rate else 0.0


# ---------------------------------------------------------------------------------------------- decode


def decode_file(
    path: str | Path,
    *,
    max_seconds: float | None = None,
    target_sample_rate: int | None = None,
) -> DecodedAudio:
    """Decode an audio file from disk (any format FFmpeg reads)."""
    path = Path(path)
    if not path.is_file():
        raise AudioDecodeError(f"the file {path.name!r} does not exist")
    if path.stat().st_size == 0:
        raise AudioDecodeError("the file is empty")
    with path.open("rb") as handle:
        return _decode(handle, max_seconds=max_seconds, target_sample_rate=target_sample_rate)


def decode_bytes(
    data: bytes,
    *,
    max_seconds: float | None = None,
    target_sample_rate: int | None = None,
) -> DecodedAudio:
    """Decode audio held in memory (an upload body, a blob read from storage)."""
    if not data:
        raise AudioDecodeError("the file is empty")
    return _decode(io.BytesIO(data), max_seconds=max_seconds, target_sample_rate=target_sample_rate)


def _open_input(source: BinaryIO) -> av.container.InputContainer:
    try:
        return av.open(source, mode="r")
    except (av.FFmpegError, UnicodeDecodeError, OSError) as exc:
        kind = _sniff_kind(source)
        if kind:
            raise AudioDecodeError(
                f"the file is truncated or damaged: it starts like {kind} but FFmpeg cannot read it"
            ) from exc
        raise AudioDecodeError("the file is not audio that FFmpeg can decode") from exc


def _sniff_kind(source: BinaryIO) -> str | None:
    """Name the format a file's magic bytes claim, to tell a broken song from something else entirely."""
    try:
        source.seek(0)
        head = source.read(12)
    except (OSError, ValueError):
        return None
    if head[4:8] == b"ftyp":
        return "an MP4/M4A file"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "a WAV file"
    if head[:4] == b"fLaC":
        return "a FLAC file"
    if head[:4] == b"OggS":
        return "an Ogg file"
    if head[:3] == b"ID3":
        return "an MP3 file"
    return None


def _audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        # FFmpeg opens text as ANSI art ("tty") and pictures as video; to a user that is "not audio".
        if container.format.name in {"tty", "image2", "png_pipe", "jpeg_pipe"} or not container.streams:
            raise AudioDecodeError("the file is not audio that FFmpeg can decode")
        raise AudioDecodeError("the file has no audio stream")
    return container.streams.audio[0]


def _decode(
    source: BinaryIO,
    *,
    max_seconds: float | None,
    target_sample_rate: int | None,
) -> DecodedAudio:
    if target_sample_rate is not None and target_sample_rate <= 0:
        raise ValueError("target_sample_rate must be positive")
    with _open_input(source) as container:
        stream = _audio_stream(container)
        native_rate = stream.codec_context.sample_rate or stream.rate
        if not native_rate:
            raise AudioDecodeError("the file's audio stream has no sample rate")
        channels = stream.codec_context.channels or 1
        layout = "mono" if channels == 1 else "stereo"
        rate = target_sample_rate or native_rate
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        limit = None if max_seconds is None else int(math.floor(max_seconds * rate)) + 1
        chunks: list[np.ndarray] = []
        total = 0
        packets = bad_packets = 0

        def take(frames: list[av.AudioFrame]) -> None:
            nonlocal total
            for out in frames:
                array = out.to_ndarray().reshape(out.layout.nb_channels, -1)
                chunks.append(array.astype(np.float32, copy=False))
                total += array.shape[1]
            if limit is not None and total > limit:
                raise AudioDecodeError(f"the audio is longer than the {_seconds(max_seconds)} s limit")

        try:
            for packet in container.demux(stream):
                packets += packet.size > 0  # the last, empty packet only flushes the decoder
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    bad_packets += 1
                    continue
                for frame in frames:
                    take(resampler.resample(frame))
            take(resampler.resample(None))
        except AudioDecodeError:
            raise
        except av.FFmpegError as exc:
            if total == 0:
                raise AudioDecodeError("the file is not audio that FFmpeg can decode") from exc
            raise AudioDecodeError(
                f"the file is truncated or corrupt: decoding stopped after {total / rate:.1f} s ({exc})"
            ) from exc

        if total == 0:
            raise AudioDecodeError("the file contains no decodable audio (it is empty or truncated)")
        if packets and bad_packets / packets > _MAX_BAD_PACKET_FRACTION:
            raise AudioDecodeError(
                f"the file is corrupt: {bad_packets} of {packets} audio packets could not be decoded"
            )
        decoded_s = total / rate
        declared_s = _declared_duration(container, stream, source)
        if declared_s is not None:
            shortfall = declared_s - decoded_s
            if shortfall > max(_TRUNCATION_MIN_S, _TRUNCATION_FRACTION * declared_s):
                raise AudioDecodeError(
                    f"the file is truncated: its header says {declared_s:.1f} s "
                    f"but only {decoded_s:.1f} s of audio could be decoded"
                )

    samples = np.concatenate(chunks, axis=1) if len(chunks) > 1 else chunks[0]
    return DecodedAudio(samples=np.ascontiguousarray(samples, dtype=np.float32), sample_rate=int(rate))


def _declared_duration(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream, source: BinaryIO
) -> float | None:
    """The length the header states, only for formats where it is exact rather than a bitrate guess."""
    names = set(container.format.name.split(","))
    if "wav" in names:
        # FFmpeg clamps a WAV's data size to the bytes present, so read the header's own claim.
        return _wav_declared_duration(source)
    exact = bool(names & _EXACT_LENGTH_FORMATS) or ("mp3" in names and _has_mp3_length_header(source))
    if not exact:
        return None
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / av.time_base
    else:
        return None
    # Streamed WAVs carry a placeholder size; a length over ~12 h is no real statement.
    return seconds if 0 < seconds < 12 * 3600 else None


def _wav_declared_duration(source: BinaryIO) -> float | None:
    """Seconds the RIFF header's data chunk claims; None for streamed/RF64 placeholders."""
    try:
        position = source.tell()
        source.seek(0)
        head = source.read(1 << 16)
        source.seek(position)
    except (OSError, ValueError):
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, block_align, rate = 12, 0, 0
    while offset + 8 <= len(head):
        chunk_id = head[offset : offset + 4]
        size = int.from_bytes(head[offset + 4 : offset + 8], "little")
        if chunk_id == b"fmt " and offset + 24 <= len(head):
            rate = int.from_bytes(head[offset + 12 : offset + 16], "little")
            block_align = int.from_bytes(head[offset + 20 : offset + 22], "little")
        elif chunk_id == b"data":
            if not (block_align and rate) or size in (0, 0xFFFFFFFF):
                return None
            return size / block_align / rate
        offset += 8 + size + (size & 1)  # chunks are word-aligned
    return None


def _has_mp3_length_header(source: BinaryIO) -> bool:
    """True when an MP3 has a Xing/Info/VBRI frame, i.e. its frame count is written down."""
    try:
        position = source.tell()
        source.seek(0)
        head = source.read(10)
        skip = 0
        if head[:3] == b"ID3" and len(head) == 10:
            # ID3v2 size is four 7-bit bytes
            skip = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
        source.seek(skip)
        first_frame = source.read(4096)
        source.seek(position)
    except (OSError, ValueError):
        return False
    return any(tag in first_frame for tag in (b"Xing", b"Info", b"VBRI"))


def _seconds(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


def probe_duration(path: str | Path) -> float:
    """Length in seconds from the header when it has one, else by decoding."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise AudioDecodeError("the file is empty" if path.is_file() else f"the file {path.name!r} does not exist")
    with path.open("rb") as handle, _open_input(handle) as container:
        stream = _audio_stream(container)
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / av.time_base
    return decode_file(path).duration_s


# -------------------------------------------------------------------------------------------- resample


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling along the last axis (scipy), float32 out."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError("sample rates must be positive")
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float32)
    ratio = Fraction(to_rate, from_rate)  # already gcd-reduced
    out = resample_poly(np.asarray(samples, dtype=np.float32), ratio.numerator, ratio.denominator, axis=-1)
    return out.astype(np.float32, copy=False)


# ---------------------------------------------------------------------------------------------- encode


def as_channels_first(samples: np.ndarray) -> np.ndarray:
    """`samples` as float32 (channels, samples), a 1-D array being one channel; ValueError on another shape."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"Expected audio shaped (channels, samples), got {array.shape}.")
    return array


def _to_stereo_at_most(array: np.ndarray) -> np.ndarray:
    """Lossy codecs here take mono or stereo; fold wider input with an equal-power mix."""
    if array.shape[0] <= 2:
        return array
    left = array[0::2].mean(axis=0)
    right = array[1::2].mean(axis=0)
    return np.stack([left, right])


def encode_wav(samples: np.ndarray, sample_rate: int, path: str | Path, *, bit_depth: int = 16) -> None:
    """PCM WAV; 16 or 24-bit integer, or 32 for float."""
    subtypes = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}
    if bit_depth not in subtypes:
        raise ValueError("bit_depth must be 16, 24 or 32")
    array = as_channels_first(samples)
    if bit_depth != 32:
        array = np.clip(array, -1.0, 1.0)  # integer PCM would wrap around
    sf.write(str(path), array.T, int(sample_rate), subtype=subtypes[bit_depth], format="WAV")


def encode_flac(samples: np.ndarray, sample_rate: int, path: str | Path, *, bit_depth: int = 24) -> None:
    """Lossless FLAC master copy (24-bit by default so nothing a float mix holds is lost audibly)."""
    subtypes = {16: "PCM_16", 24: "PCM_24"}
    if bit_depth not in subtypes:
        raise ValueError("bit_depth must be 16 or 24")
    array = np.clip(as_channels_first(samples), -1.0, 1.0)
    sf.write(str(path), array.T, int(sample_rate), subtype=subtypes[bit_depth], format="FLAC")


def encode_mp3(samples: np.ndarray, sample_rate: int, path: str | Path, *, bitrate: int = 192_000) -> None:
    """MP3 via libmp3lame; rates the format lacks are resampled to the nearest one it has."""
    target = min(_MP3_RATES, key=lambda r: (abs(r - sample_rate), -r))
    array = as_channels_first(samples)
    if target != sample_rate:
        array = resample(array, sample_rate, target)
    encode_audio(array, target, path, codec="libmp3lame", container_format="mp3", bitrate=bitrate)


def encode_audio(
    samples: np.ndarray,
    sample_rate: int,
    path: str | Path,
    *,
    codec: str,
    container_format: str | None = None,
    bitrate: int | None = None,
) -> None:
    """Encode with any FFmpeg audio encoder PyAV ships (libmp3lame, aac, vorbis, libopus, flac, …)."""
    array = np.clip(_to_stereo_at_most(as_channels_first(samples)), -1.0, 1.0)
    layout = "mono" if array.shape[0] == 1 else "stereo"
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=int(sample_rate), layout=layout)
        if bitrate:
            stream.bit_rate = int(bitrate)
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}  # FFmpeg's native vorbis encoder
        block = 1 << 14
        for start in range(0, array.shape[1], block):
            chunk = np.ascontiguousarray(array[:, start : start + block])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = int(sample_rate)
            frame.pts = start
            frame.time_base = Fraction(1, int(sample_rate))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


# -------------------------------------------------------------------------------------------- envelope


def peak_envelope(samples: np.ndarray, points: int) -> list[float]:
    """Max-abs per bucket over all channels, normalised to 0..1, rounded to 5 decimals."""
    if points <= 0:
        return []
    array = np.abs(as_channels_first(samples)).max(axis=0)
    count = array.shape[0]
    if count == 0:
        return [0.0] * points
    starts = np.minimum(np.linspace(0, count, points + 1)[:-1].astype(np.int64), count - 1)
    # reduceat yields a[start] for an empty bucket, which is the right answer when points > samples
    peaks = np.maximum.reduceat(array, starts)
    top = float(peaks.max())
    if top <= 0.0:
        return [0.0] * points
    return [round(float(v), 5) for v in peaks / top]
