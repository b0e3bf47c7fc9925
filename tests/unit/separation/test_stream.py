"""`separate_stream`: every stem's finished blocks reach the sink in order, contiguous, as chunks finish,
and they are exactly what `separate()` returns."""

from collections.abc import Mapping

import numpy as np
import pytest

from songforge.engines.separation import (
    SeparationOptions,
    StemBlockSink,
    StemInfo,
    StemSet,
    chunking,
    separate,
    separate_stream,
    spleeter,
)

OPTIONS = SeparationOptions(prefer_demucs=False)


class RecordingSink:
    def __init__(self, names: tuple[str, ...], channels: int) -> None:
        self.names, self.channels = names, channels
        self.calls: list[tuple[int, int]] = []
        self.blocks: dict[str, list[np.ndarray]] = {name: [] for name in names}

    def write(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        assert tuple(blocks) == self.names, "every stem of the set, in spec order"
        expected = sum(size for _, size in self.calls)
        assert start == expected, "contiguous, in order"
        sizes = set()
        for name, block in blocks.items():
            assert block.dtype == np.float32 and block.ndim == 2 and block.shape[0] == self.channels
            sizes.add(block.shape[1])
            self.blocks[name].append(block.copy())
        assert len(sizes) == 1 and sizes.pop() > 0
        self.calls.append((start, block.shape[1]))

    def whole(self, name: str) -> np.ndarray:
        return np.concatenate(self.blocks[name], axis=1)


def song(sample_rate: int, seconds: float, channels: int = 2, seed: int = 0) -> np.ndarray:
    """A voice-like harmonic tone with vibrato over a chord and clicks."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    f0 = 220 * 2 ** (0.3 / 12 * np.sin(2 * np.pi * 5.5 * t))
    phase = np.cumsum(f0 / sample_rate)
    voice = sum(np.sin(2 * np.pi * h * phase) / h for h in range(1, 15)) * 0.05
    pad = sum(np.sin(2 * np.pi * f * t) for f in (130.8, 164.8, 196.0)) * 0.05
    clicks = np.zeros_like(t)
    clicks[:: sample_rate // 2] = 0.5
    noise = 0.003 * rng.standard_normal(t.shape)
    left, right = voice + pad + clicks + noise, voice + 0.6 * pad + clicks - noise
    return np.stack([left, right][:channels]).astype(np.float32)


def assert_stream_equals_separate(mix: np.ndarray, sample_rate: int, stem_set: StemSet) -> RecordingSink:
    sink = RecordingSink(stem_set.stem_names, mix.shape[0])
    infos = separate_stream(mix, sample_rate, stem_set, sink, options=OPTIONS)
    assert sum(size for _, size in sink.calls) == mix.shape[1]
    assert all(isinstance(info, StemInfo) for info in infos)
    whole = separate(mix, sample_rate, stem_set, options=OPTIONS)
    assert [info.name for info in infos] == [stem.name for stem in whole] == list(stem_set.stem_names)
    for info, stem in zip(infos, whole, strict=True):
        assert (info.method, info.silent) == (stem.method, stem.silent)
        np.testing.assert_array_equal(sink.whole(info.name), np.asarray(stem.audio))
    return sink


def test_two_stems_come_out_block_by_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spleeter, "PATCH_FRAMES", 64)  # 5 s: 216 frames, 4 blocks
    mix = song(44_100, 5.0)
    sink = assert_stream_equals_separate(mix, 44_100, StemSet.TWO)
    assert len(sink.calls) == 4
    np.testing.assert_allclose(sink.whole("Vocals") + sink.whole("Instrumental"), mix, atol=1e-6)


def test_two_stems_at_another_rate_come_out_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    mix = song(48_000, 6.0, channels=1)
    whole_file = separate(mix, 48_000, StemSet.TWO, options=OPTIONS)[0].audio
    monkeypatch.setattr(chunking, "CHUNK_SECONDS", 2.0)
    monkeypatch.setattr(chunking, "MARGIN_SECONDS", 0.5)
    sink = assert_stream_equals_separate(mix, 48_000, StemSet.TWO)
    assert len(sink.calls) == 3
    vocals = sink.whole("Vocals")
    # cross-faded chunks, each on its own frame grid (3 s chunks in 12 s patches: the most different
    # from a whole-file pass they get): still much the same vocals
    error = np.sum((vocals - whole_file).astype(np.float64) ** 2) / np.sum(whole_file.astype(np.float64) ** 2)
    assert 10 * np.log10(error) < -10


def test_twelve_stems_come_out_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunking, "CHUNK_SECONDS", 2.0)
    monkeypatch.setattr(chunking, "MARGIN_SECONDS", 0.5)
    mix = song(44_100, 5.0)
    sink = assert_stream_equals_separate(mix, 44_100, StemSet.TWELVE)
    assert len(sink.calls) == 2
    total = sum(sink.whole(name).astype(np.float64) for name in StemSet.TWELVE.stem_names)
    np.testing.assert_allclose(total, mix, atol=1e-5)


@pytest.mark.parametrize("stem_set", list(StemSet))
def test_silence_streams_silent_stems(stem_set: StemSet) -> None:
    mix = np.zeros((2, 44_100), dtype=np.float32)
    sink = RecordingSink(stem_set.stem_names, 2)
    infos = separate_stream(mix, 44_100, stem_set, sink, options=OPTIONS)
    assert all(info.silent and info.method == "silence" for info in infos)
    assert all(not np.any(sink.whole(name)) and sink.whole(name).shape == mix.shape for name in stem_set.stem_names)


@pytest.mark.parametrize("stem_set", list(StemSet))
def test_unusable_input_is_refused_before_any_block(stem_set: StemSet) -> None:
    sink = RecordingSink(stem_set.stem_names, 2)
    with pytest.raises(ValueError, match="NaN"):
        separate_stream(np.full((2, 1000), np.nan, dtype=np.float32), 44_100, stem_set, sink, options=OPTIONS)
    with pytest.raises(ValueError, match="empty"):
        separate_stream(np.zeros((2, 0), dtype=np.float32), 44_100, stem_set, sink, options=OPTIONS)
    assert sink.calls == []


def test_the_recording_sink_is_a_stem_block_sink() -> None:
    sink: StemBlockSink = RecordingSink(("Vocals", "Instrumental"), 1)
    sink.write(0, {"Vocals": np.zeros((1, 3), np.float32), "Instrumental": np.zeros((1, 3), np.float32)})
