"""The clip publisher: blocks in, every clip's four files out; errors surface, memory stays bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from songforge.core.clip_files import ClipFiles
from songforge.engines import audio
from songforge.engines.audio import decode_file, probe_duration
from songforge.engines.separation import StemBlockSink
from songforge.storage.local import LocalBlobStore
from songforge.worker.publish import ClipPublisher, ClipToPublish, PublishError, publish_clip_audio

SR = 44_100


def stems(count: int, seconds: float, channels: int = 2) -> dict[str, np.ndarray]:
    t = np.arange(int(seconds * SR)) / SR
    return {
        f"stem{k}": np.stack(
            [0.3 * np.sin(2 * np.pi * (200 + 50 * k + 10 * c) * t) * np.exp(-(t % 0.5) * 4) for c in range(channels)]
        ).astype(np.float32)
        for k in range(count)
    }


def clips_for(audio_by_stem: dict[str, np.ndarray]) -> list[ClipToPublish]:
    return [ClipToPublish(f"clip{k:02d}", f"Song - {stem}", stem) for k, stem in enumerate(audio_by_stem)]


def feed(sink: StemBlockSink, audio_by_stem: dict[str, np.ndarray], block: int) -> None:
    n = next(iter(audio_by_stem.values())).shape[1]
    for start in range(0, n, block):
        sink.write(start, {stem: array[:, start : start + block] for stem, array in audio_by_stem.items()})


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_publishes_every_clip_decodable_with_the_right_duration(tmp_path: Path, blobs: LocalBlobStore) -> None:
    audio_by_stem = stems(3, 2.5)
    seen: list[float] = []
    publisher = ClipPublisher(
        blobs,
        tmp_path / "scratch",
        SR,
        clips_for(audio_by_stem),
        total_samples=int(2.5 * SR),
        progress=lambda fraction, stage: seen.append(fraction),
    )
    feed(publisher, audio_by_stem, block=10_000)
    files = publisher.finish()
    assert sorted(files) == ["clip00", "clip01", "clip02"]
    for clip, stem in zip(clips_for(audio_by_stem), audio_by_stem.values(), strict=True):
        published = files[clip.clip_id]
        assert isinstance(published, ClipFiles)
        assert published.duration == 2.5
        assert published.sample_rate == SR
        master = decode_file(blobs.local_path(published.master_key))
        assert master.samples.shape == stem.shape
        assert np.abs(master.samples - stem).max() < 2**-22  # 24-bit
        mp3 = decode_file(blobs.local_path(published.audio_key))
        assert mp3.samples.shape == stem.shape  # gapless: exactly as long
        assert probe_duration(blobs.local_path(published.audio_key)) == pytest.approx(2.5, abs=0.01)
        for key in (published.image_key, published.image_large_key):
            assert blobs.local_path(key).read_bytes()[:3] == b"\xff\xd8\xff"
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


def test_publish_clip_audio_gives_the_same_files_as_the_publisher(tmp_path: Path, blobs: LocalBlobStore) -> None:
    song = stems(1, 1.5)["stem0"]
    files = publish_clip_audio(blobs, tmp_path / "work", "upload1", song, SR, "Upload")
    assert files.duration == 1.5
    assert files.audio_key == "upload1.mp3"
    assert sf.info(str(blobs.local_path(files.master_key))).subtype == "PCM_24"
    assert decode_file(blobs.local_path(files.audio_key)).samples.shape == song.shape
    mono = publish_clip_audio(blobs, tmp_path / "work", "upload2", song[0], 22_050, "Mono")
    assert mono.duration == round(song.shape[1] / 22_050, 2)
    assert decode_file(blobs.local_path(mono.audio_key)).channels == 1


def test_blocks_are_copied_so_the_caller_may_reuse_its_buffer(tmp_path: Path, blobs: LocalBlobStore) -> None:
    audio_by_stem = stems(2, 1.0)
    buffers = {stem: np.empty((2, 4410), np.float32) for stem in audio_by_stem}
    publisher = ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem), total_samples=SR)
    for start in range(0, SR, 4410):
        for stem, array in audio_by_stem.items():
            buffers[stem][:] = array[:, start : start + 4410]
        publisher.write(start, buffers)
        for buffer in buffers.values():
            buffer.fill(7.0)  # scribble over the buffer the publisher was handed
    files = publisher.finish()
    master = decode_file(blobs.local_path(files["clip01"].master_key)).samples
    assert np.abs(master - audio_by_stem["stem1"]).max() < 2**-22


def test_blocks_must_be_contiguous_and_complete(tmp_path: Path, blobs: LocalBlobStore) -> None:
    audio_by_stem = stems(2, 0.5)
    with ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem)) as publisher:
        block = {stem: array[:, :1000] for stem, array in audio_by_stem.items()}
        publisher.write(0, block)
        with pytest.raises(ValueError, match="contiguous"):
            publisher.write(5000, block)
        with pytest.raises(ValueError, match="stem1"):
            publisher.write(1000, {"stem0": block["stem0"]})
        with pytest.raises(ValueError, match="same number"):
            publisher.write(1000, {"stem0": block["stem0"], "stem1": block["stem1"][:, :10]})
    with pytest.raises(ValueError, match="own stem"):
        ClipPublisher(blobs, tmp_path, SR, [ClipToPublish("a", "A", "x"), ClipToPublish("b", "B", "x")])


def test_an_encoder_error_surfaces_from_finish(
    tmp_path: Path, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real_write = audio.Mp3Encoder.write

    def failing_write(self: audio.Mp3Encoder, block: np.ndarray) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_write(self, block)

    monkeypatch.setattr(audio.Mp3Encoder, "write", failing_write)
    audio_by_stem = stems(2, 4.0)
    publisher = ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem), total_samples=4 * SR)
    started = time.monotonic()
    with pytest.raises(PublishError, match="disk full") as caught:
        feed(publisher, audio_by_stem, block=70_000)  # blocks too long to be joined; may raise from a write
        publisher.finish()
    assert isinstance(caught.value.__cause__, OSError)
    assert time.monotonic() - started < 30
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("publish")]
    with pytest.raises((PublishError, RuntimeError)):
        publisher.write(4 * SR, {stem: array[:, :10] for stem, array in audio_by_stem.items()})


def test_an_error_reaches_the_next_write(
    tmp_path: Path, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_write(self: audio.FlacEncoder, block: np.ndarray) -> None:
        raise RuntimeError("libsndfile says no")

    monkeypatch.setattr(audio.FlacEncoder, "write", failing_write)
    audio_by_stem = stems(1, 1.0)
    with ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem)) as publisher:
        publisher.write(0, {"stem0": audio_by_stem["stem0"][:, :1000]})
        deadline = time.monotonic() + 10
        with pytest.raises(PublishError, match="libsndfile says no"):
            start = 1000
            while time.monotonic() < deadline:
                publisher.write(start, {"stem0": audio_by_stem["stem0"][:, start : start + 10]})
                start += 10
                time.sleep(0.01)


def test_buffered_audio_stays_bounded_when_encoders_fall_behind(
    tmp_path: Path, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = audio.FlacEncoder.write

    def slow_write(self: audio.FlacEncoder, block: np.ndarray) -> None:
        time.sleep(0.01)
        real_write(self, block)

    monkeypatch.setattr(audio.FlacEncoder, "write", slow_write)
    audio_by_stem = stems(4, 3.0)
    block = 8192
    one_write = 4 * 2 * block * 4  # four stereo float32 blocks
    limit = 3 * one_write
    publisher = ClipPublisher(
        blobs, tmp_path, SR, clips_for(audio_by_stem), total_samples=3 * SR, max_buffered_bytes=limit
    )
    high = 0
    n = 3 * SR
    for start in range(0, n, block):
        publisher.write(start, {stem: array[:, start : start + block] for stem, array in audio_by_stem.items()})
        high = max(high, publisher.buffered_bytes)
    assert high <= limit
    files = publisher.finish()
    assert all(published.duration == 3.0 for published in files.values())


def test_aborting_on_an_exception_stops_the_pool(tmp_path: Path, blobs: LocalBlobStore) -> None:
    audio_by_stem = stems(2, 1.0)
    with pytest.raises(KeyError), ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem)) as publisher:
        feed(publisher, audio_by_stem, block=5000)
        raise KeyError("the separation failed")
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("publish")]
    with pytest.raises(ValueError, match="no audio"):
        ClipPublisher(blobs, tmp_path, SR, clips_for(audio_by_stem)).finish()
