"""Moved to songforge.worker.publish; kept until every job imports it from there."""

from songforge.worker.publish import load_master, publish_clip_audio

__all__ = ["load_master", "publish_clip_audio"]
