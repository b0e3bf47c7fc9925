"""The trained family mask model's weights: where they are, that they are intact, and loading them once.

The weights ship in the package (`data/twelve-masknet.pt`, trained by bench/train_twelve.py) with a
manifest beside them (`twelve-masknet.json`: sha256, the command that made them, the data recipe). An
operator may put retrained weights and their manifest in the model directory instead; those win. Weights
whose sha256 does not match their manifest are refused (logged), and the Twelve pipeline falls back to
its DSP path, as it does when no weights are found or `SeparationOptions.learned_twelve` is off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from songforge.engines.separation import SeparationOptions
from songforge.engines.separation.masknet import FAMILIES, MaskNet, MaskNetConfig

log = logging.getLogger(__name__)

WEIGHTS_NAME = "twelve-masknet.pt"
PACKAGED_WEIGHTS = Path(__file__).resolve().parent / "data" / WEIGHTS_NAME


@dataclass(frozen=True)
class LearnedMasks:
    """A loaded mask model and the name its stems are labelled with (`metadata.engine`)."""

    model: MaskNet
    method: str  # "masknet-<sha256[:8]>"

    def band_masks(self, band_magnitude: np.ndarray) -> dict[str, np.ndarray]:
        """Per family, a (bands, frames) float32 mask of the accompaniment's band magnitude (bands,
        frames); the masks sum to one in every band and frame."""
        with torch.inference_mode():
            masks = self.model(torch.from_numpy(np.ascontiguousarray(band_magnitude, dtype=np.float32))[None])[0]
        return {family: masks[index].numpy() for index, family in enumerate(FAMILIES)}


def weights_path(options: SeparationOptions) -> Path | None:
    """The weights to use: the model directory's, else the packaged ones; None when neither exists."""
    if options.model_dir:
        candidate = Path(options.model_dir) / WEIGHTS_NAME
        if candidate.is_file():
            return candidate
    return PACKAGED_WEIGHTS if PACKAGED_WEIGHTS.is_file() else None


class WeightsRejected(ValueError):
    """The weights file has no readable manifest, or its sha256 does not match the manifest's."""


def verified_digest(path: Path) -> str:
    """The weights' sha256, after checking it against the manifest beside them."""
    manifest_path = path.with_suffix(".json")
    try:
        expected = str(json.loads(manifest_path.read_text())["sha256"])
    except (OSError, ValueError, KeyError) as exc:
        raise WeightsRejected(f"{manifest_path} is missing or has no sha256") from exc
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise WeightsRejected(f"{path} has sha256 {digest}, its manifest says {expected}")
    return digest


_cache: dict[Path, LearnedMasks | None] = {}
_lock = threading.Lock()


def load_learned_masks(options: SeparationOptions) -> LearnedMasks | None:
    """The mask model for these options, loaded once per process and path; None: use the DSP path."""
    if not options.learned_twelve:
        return None
    path = weights_path(options)
    if path is None:
        log.warning("no %s found; the Twelve stems use the DSP path", WEIGHTS_NAME)
        return None
    with _lock:
        if path not in _cache:
            _cache[path] = _load(path)
        return _cache[path]


def _load(path: Path) -> LearnedMasks | None:
    try:
        digest = verified_digest(path)
        model = MaskNet(MaskNetConfig())
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except (ValueError, OSError, RuntimeError, pickle.UnpicklingError):  # ValueError: WeightsRejected too
        log.error("cannot use the Twelve mask weights %s; the Twelve stems use the DSP path", path, exc_info=True)
        return None
    model.eval()
    return LearnedMasks(model, f"masknet-{digest[:8]}")
