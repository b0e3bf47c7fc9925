"""Optional demucs backend (`htdemucs`: drums, bass, other, vocals; `htdemucs_6s`: + guitar, piano).

Weights are never required: they are used when present in `SeparationOptions.model_dir`, laid out
the way demucs's own local repository (`demucs.repo.LocalRepo` + `BagOnlyRepo`) expects:

    <model_dir>/htdemucs.yaml            optional bag file, e.g. "models: ['955717e8']"
    <model_dir>/955717e8-8726e21a.th     "<signature>-<sha256 prefix>.th" (or "<signature>.th")

A torch-hub cache folder works too (`<model_dir>/checkpoints/955717e8-8726e21a.th`, or `<model_dir>`
pointing at it): without a yaml the bag of the official model name is used.

Integrity: the official files are checked against their full sha256 (table below); any other
"<sig>-<prefix>.th" file against the sha256 prefix in its name (demucs's own convention); a mismatch
is refused before the file is unpickled. With `allow_download`, a missing official file is fetched
from demucs's URL into the model directory, checked, then moved into place.

Models are loaded once per process per file set (thread-safe) and applied with
`demucs.apply.apply_model` in overlapping segments (memory bounded by the segment, not the song).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import urllib.request
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation import SeparationOptions
from songforge.engines.separation.stems import validate_mix

log = logging.getLogger(__name__)

DEMUCS_URL_ROOT = "https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/"


@dataclass(frozen=True)
class OfficialWeights:
    filename: str  # "<signature>-<sha256[:8]>.th", as in demucs/remote/files.txt
    sha256: str
    size: int

    @property
    def signature(self) -> str:
        return self.filename.split("-", 1)[0]

    @property
    def url(self) -> str:
        return DEMUCS_URL_ROOT + self.filename


# Official checkpoints (demucs 4 `remote/files.txt`, root "hybrid_transformer/"). The full sha256 and
# sizes are those published for these files; each is consistent with the 8-hex prefix that demucs
# itself embeds in the file name and checks.
OFFICIAL_WEIGHTS: dict[str, OfficialWeights] = {
    "955717e8": OfficialWeights(
        "955717e8-8726e21a.th", "8726e21a993978c7ba086d3872e7608d7d5bfca646ca4aca459ffda844faa8b4", 84_141_911
    ),
    "5c90dfd2": OfficialWeights(
        "5c90dfd2-34c22ccb.th", "34c22ccb381c6f9fdbf324f04e1e2fe21aaaf293f5ded163a162697ff9a02ddd", 54_996_327
    ),
}

# Bags of models (demucs/remote/<name>.yaml) and the sources they produce.
MODELS: dict[str, tuple[str, ...]] = {"htdemucs": ("955717e8",), "htdemucs_6s": ("5c90dfd2",)}
MODEL_SOURCES: dict[str, tuple[str, ...]] = {
    "htdemucs": ("drums", "bass", "other", "vocals"),
    "htdemucs_6s": ("drums", "bass", "other", "vocals", "guitar", "piano"),
}


class DemucsUnavailableError(RuntimeError):
    """demucs (the package or the weights) cannot be used; callers fall back to other backends."""


class DemucsChecksumError(DemucsUnavailableError):
    """A weights file does not match its expected sha256; it is never loaded."""


# --------------------------------------------------------------------------------------------------
# Locating and verifying weights


@dataclass(frozen=True)
class _Bag:
    name: str
    files: tuple[Path, ...]
    weights: list | None = None
    segment: float | None = None


def _search_dirs(model_dir: Path) -> list[Path]:
    dirs = [model_dir, model_dir / "checkpoints", model_dir / "hub" / "checkpoints"]
    return [d for d in dirs if d.is_dir()]


def _find_signature(model_dir: Path, signature: str) -> Path | None:
    for folder in _search_dirs(model_dir):
        matches = sorted(p for p in folder.iterdir() if p.suffix == ".th" and p.stem.rsplit("-", 1)[0] == signature)
        if len(matches) > 1:
            raise DemucsUnavailableError(
                f"Several demucs weights files for signature {signature} in {folder}: "
                f"{', '.join(p.name for p in matches)}; keep only one."
            )
        if matches:
            return matches[0]
    return None


def _read_bag_yaml(model_dir: Path, name: str) -> dict | None:
    for folder in _search_dirs(model_dir):
        path = folder / f"{name}.yaml"
        if path.is_file():
            import yaml

            with open(path, encoding="utf-8") as file:
                bag = yaml.safe_load(file)
            if not isinstance(bag, dict) or not isinstance(bag.get("models"), list) or not bag["models"]:
                raise DemucsUnavailableError(f"{path} is not a demucs bag of models (no 'models' list).")
            return bag
    return None


def _bag_signatures(model_dir: Path | None, name: str) -> tuple[tuple[str, ...], dict]:
    bag = _read_bag_yaml(model_dir, name) if model_dir is not None else None
    if bag is not None:
        return tuple(str(s) for s in bag["models"]), bag
    if name in MODELS:
        return MODELS[name], {}
    raise DemucsUnavailableError(f"Unknown demucs model {name!r} (known: {', '.join(MODELS)}).")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(path: Path) -> None:
    """Raise DemucsChecksumError unless `path` matches its expected sha256 (full for the official
    file names, the name's prefix otherwise; a bare "<sig>.th" carries no checksum to verify)."""
    official = OFFICIAL_WEIGHTS.get(path.stem.split("-", 1)[0])
    if official is not None and path.name == official.filename:
        actual = sha256_of(path)
        if actual != official.sha256:
            raise DemucsChecksumError(
                f"Refusing demucs weights {path}: sha256 is {actual}, expected {official.sha256} "
                "(corrupt or tampered file; delete it and fetch it again)."
            )
        return
    if "-" in path.stem:
        expected = path.stem.rsplit("-", 1)[1].lower()
        actual = sha256_of(path)
        if not expected or not actual.startswith(expected):
            raise DemucsChecksumError(
                f"Refusing demucs weights {path}: its name says sha256 starts with {expected!r} "
                f"but the file's sha256 is {actual} (corrupt or tampered file)."
            )


def _download(official: OfficialWeights, model_dir: Path) -> Path:
    """Fetch an official file into `model_dir`, verified before it gets its final name."""
    model_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir / official.filename
    log.info("downloading demucs weights %s", official.url)
    fd, tmp_name = tempfile.mkstemp(prefix=official.filename + ".", suffix=".part", dir=model_dir)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(official.url, timeout=60) as response:  # noqa: S310
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != official.sha256:
            raise DemucsChecksumError(
                f"Refusing downloaded demucs weights {official.url}: sha256 is {digest.hexdigest()}, "
                f"expected {official.sha256}."
            )
        os.replace(tmp_name, target)
    except DemucsChecksumError:
        raise
    except OSError as exc:
        raise DemucsUnavailableError(f"Could not download demucs weights {official.url}: {exc}") from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _resolve(options: SeparationOptions, name: str, *, download: bool) -> _Bag:
    model_dir = Path(options.model_dir).expanduser() if options.model_dir else None
    signatures, bag = _bag_signatures(model_dir, name)
    files = []
    for sig in signatures:
        path = _find_signature(model_dir, sig) if model_dir is not None and model_dir.is_dir() else None
        if path is None:
            official = OFFICIAL_WEIGHTS.get(sig)
            if download and options.allow_download and official is not None and model_dir is not None:
                path = _download(official, model_dir)
            else:
                where = str(model_dir) if model_dir is not None else "(no model directory configured)"
                raise DemucsUnavailableError(f"demucs weights for {name} ({sig}) are not in {where}.")
        files.append(path)
    return _Bag(name, tuple(files), bag.get("weights"), bag.get("segment"))


def demucs_available(options: SeparationOptions, model_name: str = "htdemucs") -> bool:
    """True when the demucs package is installed and the model's weights are present (or may be
    downloaded on first use). Cheap: checksums are verified when the model is loaded."""
    try:
        import demucs  # noqa: F401
    except ImportError:
        return False
    try:
        _resolve(options, model_name, download=False)
        return True
    except DemucsUnavailableError:
        if not options.allow_download or not options.model_dir:
            return False
        try:
            signatures, _ = _bag_signatures(Path(options.model_dir).expanduser(), model_name)
        except DemucsUnavailableError:
            return False
        return all(sig in OFFICIAL_WEIGHTS for sig in signatures)


# --------------------------------------------------------------------------------------------------
# Loading (once per process per file set)

_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()


def load_demucs_model(options: SeparationOptions, model_name: str = "htdemucs") -> Any:
    """The model (a `demucs.apply.BagOfModels`), verified and loaded once per process."""
    try:
        from demucs.apply import BagOfModels
        from demucs.states import load_model
    except ImportError as exc:
        raise DemucsUnavailableError("The demucs package is not installed (pip install demucs).") from exc
    with _cache_lock:
        bag = _resolve(options, model_name, download=True)
        key = (model_name, tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in bag.files))
        model = _cache.get(key)
        if model is None:
            models = []
            for path in bag.files:
                verify_weights(path)  # before unpickling anything
                try:
                    models.append(load_model(path))
                except Exception as exc:
                    raise DemucsUnavailableError(f"Could not load demucs weights {path}: {exc}") from exc
            segment = Fraction(bag.segment) if bag.segment is not None else None
            model = BagOfModels(models, bag.weights, segment)  # type: ignore[arg-type]  # demucs takes Fractions
            model.eval()
            _cache[key] = model
        return model


# --------------------------------------------------------------------------------------------------
# Inference


def separate_with_demucs(
    mix: np.ndarray,
    sample_rate: int,
    model_name: str,
    options: SeparationOptions,
    progress: ProgressCallback = no_progress,
) -> dict[str, np.ndarray]:
    """{source name: float32 array shaped like `mix`} for the sources of `model_name`.

    Channels: stereo as is; mono duplicated (outputs averaged back to mono); more than two channels
    processed as consecutive pairs (an odd last channel as dual mono)."""
    import torch
    from demucs.apply import apply_model

    from songforge.engines.audio import resample

    model = load_demucs_model(options, model_name)
    mix = validate_mix(mix, sample_rate)
    n_channels, n = mix.shape
    pairs = [(c, min(c + 1, n_channels - 1)) for c in range(0, n_channels, 2)]
    outputs = {name: np.zeros_like(mix) for name in model.sources}
    device = torch.device(options.device if options.device else "cpu")

    for pi, (a, b) in enumerate(pairs):
        stereo = resample(mix[[a, b]], sample_rate, model.samplerate)
        wav = torch.from_numpy(np.ascontiguousarray(stereo))
        ref = wav.mean(0)
        mean, std = ref.mean(), ref.std() + 1e-8  # demucs's own input normalisation
        wav = (wav - mean) / std

        def callback(info: dict, pi: int = pi, length: int = wav.shape[-1]) -> None:
            if info.get("state") != "end":
                return
            models = max(int(info.get("models", 1)), 1)
            index = min(int(info.get("model_idx_in_bag", 0)), len(model.models) - 1)
            segment_samples = float(model.models[index].segment) * model.samplerate
            done_in_model = min(1.0, (info.get("segment_offset", 0) + segment_samples) / length)
            fraction = (index + done_in_model) / models
            progress(min(1.0, (pi + fraction) / len(pairs)), "demucs")

        with torch.inference_mode():
            sources = apply_model(
                model, wav[None], shifts=0, split=True, overlap=0.25, device=device, callback=callback
            )[0]
        source_audio = (sources * std + mean).cpu().numpy()
        for si, name in enumerate(model.sources):
            est = resample(source_audio[si], model.samplerate, sample_rate)
            est = np.pad(est, ((0, 0), (0, max(0, n - est.shape[1]))))[:, :n]
            if a == b:
                outputs[name][a] = est.mean(axis=0)
            else:
                outputs[name][a] = est[0]
                outputs[name][b] = est[1]
    progress(1.0, "demucs")
    return outputs
