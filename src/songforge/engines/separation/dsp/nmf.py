"""Supervised NMF: the dictionary W is fixed (learned from a soundfont), only activations H are fitted.

With W fixed every frame is independent, so chunked processing gives the same result as a whole-file
pass. Divergence: generalised Kullback-Leibler (multiplicative updates, Lee & Seung 2001), with an
optional L1 sparsity weight on H.
"""

from __future__ import annotations

import numpy as np

EPS = np.float32(1e-9)


def nmf_activations(
    V: np.ndarray, W: np.ndarray, n_iter: int = 30, sparsity: float = 0.0, H0: np.ndarray | None = None
) -> np.ndarray:
    """V: (bands, frames) ≥ 0, W: (bands, K) ≥ 0 → H: (K, frames) ≥ 0 minimising KL(V | WH) + sparsity·|H|₁."""
    V = np.ascontiguousarray(V, dtype=np.float32)
    W = np.ascontiguousarray(W, dtype=np.float32)
    Wt = np.ascontiguousarray(W.T)
    denom = W.sum(axis=0)[:, None] + np.float32(sparsity)
    if H0 is None:
        # a flat start scaled to the frame energy
        H = np.repeat((V.sum(axis=0, keepdims=True) / W.shape[1]).astype(np.float32), W.shape[1], axis=0) + EPS
    else:
        H = np.ascontiguousarray(H0, dtype=np.float32)
    for _ in range(n_iter):
        WH = W @ H
        WH += EPS
        np.divide(V, WH, out=WH)
        H *= (Wt @ WH) / denom
    return H


def family_shares(
    W: np.ndarray, H: np.ndarray, groups: list[np.ndarray], floor: float = 1e-9
) -> np.ndarray:
    """Per-group model estimates W_g H_g: (groups, bands, frames) float32."""
    out = np.empty((len(groups), W.shape[0], H.shape[1]), dtype=np.float32)
    for i, cols in enumerate(groups):
        if len(cols) == 0:
            out[i] = floor
        else:
            np.matmul(W[:, cols], H[cols], out=out[i])
    return out
