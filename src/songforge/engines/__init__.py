"""Engines: pure functions from audio arrays + typed parameters to audio arrays + metadata.

Engines know nothing about HTTP, SQL or tasks. Audio arrays are float32 numpy arrays shaped
(channels, samples) in [-1, 1].
"""
