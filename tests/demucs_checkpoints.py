"""Random-weight demucs checkpoints in the layout demucs itself saves and reads (no weights downloaded)."""

from pathlib import Path

import torch
from demucs.htdemucs import HTDemucs
from demucs.states import get_state, save_with_checksum

FOUR_SOURCES = ("drums", "bass", "other", "vocals")
SIX_SOURCES = ("drums", "bass", "other", "vocals", "guitar", "piano")


def write_random_htdemucs(
    model_dir: Path, signature: str = "955717e8", name: str = "htdemucs", sources: tuple[str, ...] = FOUR_SOURCES
) -> Path:
    """A random small HTDemucs saved as demucs saves its checkpoints ("<sig>-<sha256[:8]>.th") plus the
    bag file `<name>.yaml`, exactly the layout `demucs.repo.LocalRepo` reads."""
    torch.manual_seed(0)
    model = HTDemucs(list(sources), channels=8, depth=3, t_layers=1, t_heads=2, nfft=1024, segment=1)
    args, kwargs = model._init_args_kwargs
    package = {
        "klass": HTDemucs,
        "args": args,
        "kwargs": kwargs,
        "state": get_state(model, None, half=False),
        "training_args": {},
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    save_with_checksum(package, model_dir / f"{signature}.th")
    (model_dir / f"{name}.yaml").write_text(f"models: ['{signature}']\n")
    (path,) = model_dir.glob(f"{signature}-*.th")
    return path
