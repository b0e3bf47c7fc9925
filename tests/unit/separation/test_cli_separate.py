"""`songforge separate FILE --stems two --out DIR`: files a user gets."""

from pathlib import Path

import numpy as np
import pytest
import soundfile

from songforge.cli_separate import separate_command, separate_file
from songforge.engines.separation import SeparationOptions, StemSet

SPLEETER_ONLY = SeparationOptions(prefer_demucs=False)


def small_song(sample_rate: int, channels: int, seconds: float = 3.0) -> np.ndarray:
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    f0 = 220 * 2 ** (0.3 / 12 * np.sin(2 * np.pi * 5.5 * t))
    phase = np.cumsum(f0 / sample_rate)
    voice = sum(np.sin(2 * np.pi * h * phase) / h for h in range(1, 20)) * 0.05
    pad = sum(np.sin(2 * np.pi * f * t) for f in (130.8, 164.8, 196.0)) * 0.05
    kick = np.zeros_like(t)
    for i in range(0, len(t), sample_rate // 2):
        n = min(len(t) - i, sample_rate // 5)
        kick[i : i + n] = np.sin(2 * np.pi * 60 * t[:n]) * np.exp(-t[:n] * 15) * 0.3
    left, right = voice + pad + kick, voice + 0.6 * pad + kick
    return np.stack([left, right][:channels]).astype(np.float32)


@pytest.mark.parametrize(("sample_rate", "channels"), [(48_000, 2), (22_050, 1)])
def test_writes_one_wav_per_stem_at_the_input_rate_and_channels(
    tmp_path: Path, sample_rate: int, channels: int
) -> None:
    mix = small_song(sample_rate, channels)
    source = tmp_path / "song.wav"
    soundfile.write(source, mix.T, sample_rate, subtype="FLOAT")
    written = separate_file(source, StemSet.TWO, tmp_path / "out", show_progress=False, options=SPLEETER_ONLY)
    assert written == [tmp_path / "out" / "vocals.wav", tmp_path / "out" / "instrumental.wav"]
    stems = []
    for path in written:
        info = soundfile.info(path)
        assert (info.samplerate, info.channels, info.frames) == (sample_rate, channels, mix.shape[1])
        data, _ = soundfile.read(path, dtype="float32", always_2d=True)
        stems.append(data.T)
    # the two 16-bit stems add back up to the mix (within quantisation)
    np.testing.assert_allclose(stems[0] + stems[1], mix, atol=2e-4)
    assert not np.allclose(stems[0], stems[1], atol=1e-3)


def test_progress_bar_path_and_typer_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SONGFORGE_MODEL_DIR", str(tmp_path / "no-models"))  # spleeter, no demucs
    source = tmp_path / "song.wav"
    soundfile.write(source, small_song(44_100, 2, 2.0).T, 44_100)
    written = separate_command(source, "two", tmp_path / "stems")
    assert [p.name for p in written] == ["vocals.wav", "instrumental.wav"]
    assert all(p.stat().st_size > 1000 for p in written)


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "broken.mp3"
    source.write_bytes(b"ID3" + bytes(range(256)) * 20)
    with pytest.raises(ValueError):
        separate_file(source, StemSet.TWO, tmp_path / "out", show_progress=False, options=SPLEETER_ONLY)
    assert not (tmp_path / "out").exists()


def test_stems_are_written_as_blocks_arrive_and_a_failure_leaves_no_half_written_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import songforge.cli_separate as cli

    mix = small_song(44_100, 2, 1.0)
    source = tmp_path / "song.wav"
    soundfile.write(source, mix.T, 44_100, subtype="FLOAT")
    out = tmp_path / "out"
    seen_on_disk: list[bool] = []

    def fails_after_one_block(samples, sample_rate, stem_set, sink, progress, options):  # type: ignore[no-untyped-def]
        half = samples.shape[1] // 2
        sink.write(0, {"Vocals": samples[:, :half], "Instrumental": 0 * samples[:, :half]})
        seen_on_disk.append((out / "vocals.wav").is_file())  # the file exists while the separation runs
        raise RuntimeError("the worker was stopped")

    monkeypatch.setattr(cli, "separate_stream", fails_after_one_block)
    with pytest.raises(RuntimeError):
        separate_file(source, StemSet.TWO, out, show_progress=False, options=SPLEETER_ONLY)
    assert seen_on_disk == [True]
    assert not out.exists()
