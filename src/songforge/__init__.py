"""songforge: a self-hosted music API server speaking the Suno task API."""

__version__ = "0.1.0"
