"""DSP building blocks for the Twelve pipeline: no pretrained weights needed (the STFT is the
separation package's one, `separation/stft.py`).

- `render`: in-process SoundFont rendering (tinysoundfont).
- `bands`: log-linear frequency bands for cheap NMF.
- `dictionaries`: per-family spectral templates learned from the GM soundfont TimGM6mb.
- `hpss`: harmonic / percussive soft masks (median filtering).
- `nmf`: supervised NMF (fixed dictionary, KL multiplicative updates) → per-family ratio masks.
- `spatial`: lead (centre) vs backing (side) vocal masks from inter-channel level and phase.
- `noise`: sustained noise textures (most sound effects) by morphological opening → FX's share per bin.
"""
