"""The optional demucs backend: loading path, integrity checks, inference shapes.

No real weights are used (never downloaded): a random-weight checkpoint of the real HTDemucs class
(small config) is written with demucs's own serialization into a temporary model directory.
"""

import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("demucs")

from songforge.engines.separation import SeparationOptions, StemSet, separate
from songforge.engines.separation import demucs_backend as db
from tests.demucs_checkpoints import FOUR_SOURCES, write_random_htdemucs

SOURCES = list(FOUR_SOURCES)


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    write_random_htdemucs(tmp_path / "models")
    return tmp_path / "models"


def test_random_checkpoint_loads_through_the_real_loading_path_and_separates(model_dir: Path) -> None:
    options = SeparationOptions(model_dir=str(model_dir))
    assert db.demucs_available(options, "htdemucs")
    model = db.load_demucs_model(options, "htdemucs")
    assert db.load_demucs_model(options, "htdemucs") is model  # loaded once
    rng = np.random.default_rng(0)
    mix = (0.1 * rng.standard_normal((2, 72_000))).astype(np.float32)
    seen: list[float] = []
    out = db.separate_with_demucs(mix, 48_000, "htdemucs", options, lambda f, s: seen.append(f))
    assert sorted(out) == sorted(SOURCES)
    for stem in out.values():
        assert stem.shape == mix.shape and stem.dtype == np.float32 and np.isfinite(stem).all()
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)

    mono = mix[:1, :22_050]
    out = db.separate_with_demucs(mono, 22_050, "htdemucs", options)
    assert all(stem.shape == mono.shape for stem in out.values())


def test_checksum_mismatch_in_the_file_name_is_refused(model_dir: Path) -> None:
    (path,) = model_dir.glob("955717e8-*.th")
    path.rename(model_dir / "955717e8-00000000.th")
    options = SeparationOptions(model_dir=str(model_dir))
    with pytest.raises(db.DemucsChecksumError, match="sha256"):
        db.load_demucs_model(options, "htdemucs")


def test_a_file_named_like_the_official_weights_must_have_their_full_sha256(tmp_path: Path) -> None:
    path = write_random_htdemucs(tmp_path)
    path.rename(tmp_path / "955717e8-8726e21a.th")  # the official name, other content
    options = SeparationOptions(model_dir=str(tmp_path))
    with pytest.raises(db.DemucsChecksumError, match="8726e21a993978c7"):
        db.load_demucs_model(options, "htdemucs")


def test_not_available_without_weights_or_model_dir(tmp_path: Path) -> None:
    assert not db.demucs_available(SeparationOptions(model_dir=str(tmp_path)), "htdemucs")
    assert not db.demucs_available(SeparationOptions(model_dir=None), "htdemucs")
    assert not db.demucs_available(SeparationOptions(model_dir=str(tmp_path)), "htdemucs_6s")
    with pytest.raises(db.DemucsUnavailableError, match="not in"):
        db.load_demucs_model(SeparationOptions(model_dir=str(tmp_path)), "htdemucs_6s")


def test_download_is_checked_before_use_and_a_bad_download_is_discarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With allow_download, a missing official file is fetched (faked here: no network in tests);
    content that does not match the pinned sha256 is refused and not left in the model dir."""
    requested: list[str] = []

    def fake_urlopen(url: str, timeout: float = 0) -> io.BytesIO:
        requested.append(url)
        return io.BytesIO(b"definitely not the htdemucs weights")

    monkeypatch.setattr(db.urllib.request, "urlopen", fake_urlopen)
    options = SeparationOptions(model_dir=str(tmp_path / "models"), allow_download=True)
    assert db.demucs_available(options, "htdemucs")
    with pytest.raises(db.DemucsChecksumError, match="Refusing downloaded"):
        db.load_demucs_model(options, "htdemucs")
    assert requested == ["https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/955717e8-8726e21a.th"]
    assert list((tmp_path / "models").iterdir()) == []


def test_two_stems_use_demucs_vocals_when_preferred_and_present(model_dir: Path) -> None:
    rng = np.random.default_rng(1)
    mix = (0.1 * rng.standard_normal((2, 44_100))).astype(np.float32)
    stems = separate(mix, 44_100, StemSet.TWO, options=SeparationOptions(model_dir=str(model_dir)))
    assert [s.method for s in stems] == ["demucs-htdemucs", "demucs-htdemucs"]
    np.testing.assert_allclose(stems[0].audio + stems[1].audio, mix, atol=1e-5)
    stems = separate(mix, 44_100, StemSet.TWO, options=SeparationOptions(model_dir=str(model_dir), prefer_demucs=False))
    assert stems[0].method == "spleeter-2stems"
