"""The operator's separation choices as the engines take them: one builder for every job that separates and for
`songforge separate`."""

from songforge.config import Settings
from songforge.engines.separation import SeparationOptions


def separation_options(settings: Settings) -> SeparationOptions:
    """SONGFORGE_MODEL_DIR, SONGFORGE_ALLOW_MODEL_DOWNLOAD, SONGFORGE_PREFER_DEMUCS and SONGFORGE_LEARNED_TWELVE."""
    return SeparationOptions(
        model_dir=str(settings.resolved_model_dir),
        allow_download=settings.allow_model_download,
        prefer_demucs=settings.prefer_demucs,
        learned_twelve=settings.learned_twelve,
    )
