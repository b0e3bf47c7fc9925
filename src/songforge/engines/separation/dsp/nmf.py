"""Supervised NMF: the dictionary W is fixed (learned from a soundfont), only activations H are fitted.

With W fixed every frame is independent, so chunked processing gives the same result as a whole-file
pass. Divergence: generalised Kullback-Leibler (multiplicative updates, Lee & Seung 2001).
"""

from __future__ import annotations

import numpy as np

EPS = np.float32(1e-9)


def nmf_activations(V: np.ndarray, W: np.ndarray, n_iter: int = 30) -> np.ndarray:
    """V: (bands, frames) ≥ 0, W: (bands, K) ≥ 0 → H: (K, frames) ≥ 0 minimising KL(V | WH)."""
    V = np.ascontiguousarray(V, dtype=np.float32)
    W = np.ascontiguousarray(W, dtype=np.float32)
    Wt = np.ascontiguousarray(W.T)
    denom = W.sum(axis=0)[:, None]
    # a flat start scaled to the frame energy
    H = np.repeat((V.sum(axis=0, keepdims=True) / W.shape[1]).astype(np.float32), W.shape[1], axis=0) + EPS
    for _ in range(n_iter):
        WH = W @ H
        WH += EPS
        np.divide(V, WH, out=WH)
        H *= (Wt @ WH) / denom
    return H
