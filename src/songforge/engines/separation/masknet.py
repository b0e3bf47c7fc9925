"""The learned family mask model: a small dilated 2-D convolution network over the log-linear bands.

It reads the magnitude of an accompaniment in the bands of `dsp/bands.py` (bands × frames) and answers,
for every band and frame, how the energy divides among the ten instrument stems (softmax masks that sum
to one, so the stems still add up to the accompaniment). Convolutions along the log-frequency axis see
a note and its harmonics the same way at any pitch; the blocks run at half the band resolution, and
their dilations give each output about 2.9 s of context in time and three octaves in frequency. A second
input channel says where in frequency a band is (the conv layers alone cannot know that low energy is
usually the bass).

This module is the model only; `learned.py` loads the committed weights and `bench/train_twelve.py`
trains them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from songforge.engines.separation.stems import ACCOMPANIMENT_STEMS

# The stems the model splits the accompaniment into, in its output order.
FAMILIES: tuple[str, ...] = ACCOMPANIMENT_STEMS
LOG_FLOOR = 1e-2  # magnitude floor before the log (an STFT magnitude of a full-scale tone is ~1000)


@dataclass(frozen=True)
class MaskNetConfig:
    n_bands: int = 232
    channels: int = 32
    # (frequency, time) dilation of each residual block's 3×3 convolution
    dilations: tuple[tuple[int, int], ...] = (
        (1, 1),
        (2, 2),
        (4, 4),
        (8, 8),
        (16, 16),
        (1, 1),
        (2, 2),
        (4, 4),
        (8, 8),
        (12, 16),
    )
    n_outputs: int = len(FAMILIES)


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int, dilation: tuple[int, int]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.norm = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.relu(self.norm(self.conv(x)))


class MaskNet(nn.Module):
    def __init__(self, config: MaskNetConfig = MaskNetConfig()) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        self.entry = nn.Conv2d(2, channels, 3, padding=1)
        # the blocks run at half the band resolution (half the cost); the head is back at full resolution
        self.down = nn.Conv2d(channels, channels, (4, 1), stride=(2, 1), padding=(1, 0))
        self.blocks = nn.Sequential(*(_ResidualBlock(channels, d) for d in config.dilations))
        self.up = nn.ConvTranspose2d(channels, channels, (4, 1), stride=(2, 1), padding=(1, 0))
        self.head = nn.Conv2d(channels, config.n_outputs, 3, padding=1)

    def forward(self, band_magnitude: torch.Tensor) -> torch.Tensor:
        """(batch, bands, frames) non-negative magnitudes → (batch, outputs, bands, frames) masks that sum
        to one over the outputs. Level-invariant: the log magnitude is centred per input."""
        batch, n_bands, frames = band_magnitude.shape
        level = torch.log(band_magnitude + LOG_FLOOR)
        level = level - level.mean(dim=(1, 2), keepdim=True)
        position = torch.linspace(-1.0, 1.0, n_bands, dtype=level.dtype, device=level.device)
        position = position[None, :, None].expand(batch, n_bands, frames)
        x = torch.stack([level, position], dim=1)
        fine = torch.relu(self.entry(x))
        coarse = self.blocks(torch.relu(self.down(fine)))
        hidden = torch.relu(fine + self.up(coarse, output_size=fine.shape[2:]))
        return torch.softmax(self.head(hidden), dim=1)
