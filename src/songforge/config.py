"""One Settings object for the whole service (environment prefix SONGFORGE_)."""

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SONGFORGE_", env_file=None, extra="ignore")

    # Where every piece of state lives: SQLite file, blobs, secrets, models.
    data_dir: Path = Path("./songforge-data")
    # Empty means SQLite (WAL) inside data_dir; e.g. postgresql+psycopg://user:pw@host/db.
    database_url: str = ""

    host: str = "127.0.0.1"
    port: int = 8000
    # Base of every absolute URL handed to clients; empty means http://{host}:{port}.
    public_base_url: str = ""
    # API processes. 1: one process with the job threads inside (embedded default). N > 1 (Linux):
    # N HTTP processes share the port (SO_REUSEPORT) and jobs run in one separate worker process.
    http_processes: int = Field(default=1, ge=1, le=64)

    # Embedded worker pool (threads inside `songforge serve`); 0 runs an API-only node. With a broker the
    # default is 0 (jobs run on `songforge worker` nodes); set it to also run jobs inside the API process.
    workers: int | None = None
    lease_seconds: float = 30.0
    max_attempts: int = 3
    poll_interval_seconds: float = 1.0
    job_deadline_seconds: float = 3600.0

    # Billing (credits per task; Part A §14).
    price_music: float = 1.0
    price_lyrics: float = 0.02
    price_stem_two: float = 1.0
    price_stem_twelve: float = 5.0
    price_concat: float = 1.0
    price_persona: float = 1.0
    price_upload: float = 0.0
    price_wav: float = 0.0
    price_mp4: float = 0.0
    price_midi: float = 0.0
    admin_initial_credits: float = 1000.0

    # Limits (Part A §15); a key may override the first two.
    rate_limit: str = "600/minute"
    max_concurrent_tasks_per_key: int = 16
    max_queued_tasks: int = 2000
    auth_cache_seconds: float = 5.0
    # Finished tasks' JSON kept in memory per API process, so polling them skips the database.
    fetch_cache_mb: int = 64

    # Input caps.
    max_upload_bytes: int = 200 * 1024 * 1024
    max_audio_seconds: float = 900.0
    max_prompt_chars: int = 5000
    max_tags_chars: int = 1000
    max_title_chars: int = 200
    # new-api polls all of a channel's unfinished tasks in one POST /suno/fetch, up to its TASK_QUERY_LIMIT
    # (default 1000), without chunking (Part A §1).
    max_batch_ids: int = 1000

    # Outbound HTTP (upload-by-URL and webhooks).
    allow_private_urls: bool = False
    # The deadline of a whole download (resolve, connect, redirects, headers and body), not of one read.
    url_fetch_timeout_seconds: float = 30.0
    # Upload-by-URL jobs run on their own threads, at most this many at once, so slow remote servers never
    # hold the job threads (when all are busy, the next URL job runs on its job thread, bounded by the
    # deadline above). 0: run them all on the job threads.
    url_fetch_concurrency: int = Field(default=4, ge=0)
    url_max_redirects: int = 3
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 5
    webhook_backoff_seconds: float = 2.0

    # Engines.
    default_mv: str = "chirp-v4"
    model_dir: Path | None = None
    allow_model_download: bool = False
    prefer_demucs: bool = True
    # Twelve stems: the trained family mask model (false: the DSP/NMF path only).
    learned_twelve: bool = True
    # Song generation: the longest song made (inspiration songs last about two minutes; custom lyrics as long as
    # they need, up to this), and a General MIDI soundfont to render with (e.g. Debian's
    # /usr/share/sounds/sf2/FluidR3_GM.sf2); unset or missing: TimGM6mb, which pretty_midi ships.
    max_song_seconds: float = Field(default=240.0, gt=0)
    soundfont: Path | None = None

    # HMAC key for signed file URLs; empty means generated once into data_dir/secret.key. Every node of a
    # fleet must be given the same one.
    secret_key: str = Field(default="", repr=False)

    # Running on several machines (README). redis://host:6379/0: jobs are sent to Celery workers
    # (`songforge worker`) through Redis, and API nodes share rate limits and request metrics there.
    # Empty: the embedded dispatcher (jobs run in this server's own process tree).
    broker_url: str = Field(default="", repr=False)
    # Send separation and generation jobs to the `gpu` queue (served by `songforge worker --queues gpu`).
    gpu_queue: bool = False
    # A queued job no worker claimed this long after it was sent is sent again (a message lost with Redis).
    requeue_after_seconds: float = Field(default=60.0, gt=0)
    # Where files live: empty → data_dir/blobs on local disk; s3://bucket/prefix → an S3-compatible store
    # (credentials from the standard AWS_* variables; endpoint below for MinIO, Ceph, moto, …).
    storage_url: str = ""
    s3_endpoint_url: str = ""
    # Serve S3 files by redirecting to a presigned S3 URL made at request time (valid this long) instead of
    # streaming them through songforge.
    s3_redirect: bool = False
    s3_presign_seconds: int = Field(default=300, gt=0)
    # Files older than this many days are deleted by the store (an S3 lifecycle rule on the prefix); 0: kept.
    file_retention_days: int = Field(default=0, ge=0)
    # Local copies of S3 files that workers read, kept up to this size.
    s3_cache_mb: int = Field(default=2048, ge=0)
    # PostgreSQL connection pool per process.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    db_pool_recycle_seconds: int = Field(default=1800, ge=0)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'songforge.db').resolve()}"

    @cached_property
    def job_threads(self) -> int:
        """Job threads in the API process: 2 by default, none when a broker sends jobs to worker nodes."""
        if self.workers is not None:
            return self.workers
        return 0 if self.broker_url else 2

    @cached_property
    def resolved_public_base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        # A wildcard bind is reached on loopback.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @cached_property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @cached_property
    def scratch_dir(self) -> Path:
        """Jobs' working files; beside the blobs, so publishing a finished file is a link, not a copy."""
        return self.data_dir / "scratch"

    @cached_property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @cached_property
    def resolved_secret_key(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        return _load_or_create_secret(self.data_dir / "secret.key")


def _load_or_create_secret(path: Path) -> bytes:
    import os
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_hex(32).encode()
    # O_EXCL: two processes starting at once agree on one secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value


def credits_to_micros(credits: float) -> int:
    """Credits are stored as integer millionths so that sums never drift."""
    return round(credits * 1_000_000)


def micros_to_credits(micros: int) -> float:
    return micros / 1_000_000
