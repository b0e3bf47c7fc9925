"""SQLAlchemy 2 models: the database row is the truth for every task, clip and credit."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Integer millionths of a credit (see config.credits_to_micros).
    balance_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # sha256 of the secret part; the key itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    # Signs webhook bodies (X-Songforge-Signature); shown with the key.
    webhook_secret: Mapped[str] = mapped_column(String(80))
    rate_limit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    max_concurrent_tasks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_claim", "status", "next_run_at"),
        Index("ix_tasks_account_status", "account_id", "status"),
        Index("ix_tasks_source_clip", "source_clip_id", "kind", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    api_key_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(16))  # MUSIC | LYRICS
    kind: Mapped[str] = mapped_column(String(32))  # job kind: lyrics, upload, wav, gen_stem, …
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    fail_reason: Mapped[str] = mapped_column(Text, default="")
    submit_time: Mapped[int] = mapped_column(BigInteger)
    start_time: Mapped[int] = mapped_column(BigInteger, default=0)
    finish_time: Mapped[int] = mapped_column(BigInteger, default=0)
    notify_hook: Mapped[str] = mapped_column(Text, default="")
    request_json: Mapped[str] = mapped_column(Text)  # the request body, verbatim (Part A §8)
    params_json: Mapped[str] = mapped_column(Text, default="{}")  # validated job parameters
    # The existing clip the task works on (a WAV render, a stem split), for indexed lookups.
    source_clip_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # lyrics object
    # The task's wire object as served by fetch, re-rendered on every change (see core/wire.py).
    wire_json: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    price_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    next_run_at: Mapped[float] = mapped_column(Float, default=0.0)
    # When the task was last sent to the broker (0: never); the sweeper sends it again if nobody claimed it.
    dispatched_at: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    deadline_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Clip(Base):
    __tablename__ = "clips"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # The Suno clip object without its URL fields (those are derived from the blob keys below).
    data_json: Mapped[str] = mapped_column(Text)
    audio_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    wav_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    master_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    image_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    image_large_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    video_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    sample_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ClipAsset(Base):
    """A file a generated song keeps beside its audio (an exact stem, its MIDI, word timing, plan)."""

    __tablename__ = "clip_assets"

    clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # see core.clip_files.SongAsset
    blob_key: Mapped[str] = mapped_column(String(200))


class WireEpoch(Base):
    """One row whose value moves whenever a finished task's wire object changes (core/task_reader.py)."""

    __tablename__ = "wire_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Persona(Base):
    """A singer made from a clip songforge generated: its voice (gender, timbre) and style (tags)."""

    __tablename__ = "personas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    root_clip_id: Mapped[str] = mapped_column(ForeignKey("clips.id"))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean)
    voice: Mapped[str] = mapped_column(String(1))
    timbre: Mapped[int] = mapped_column(Integer)
    tags: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class LedgerEntry(Base):
    __tablename__ = "ledger"
    # One charge and at most one refund per task: the database enforces "refunded exactly once".
    __table_args__ = (UniqueConstraint("task_id", "kind", name="uq_ledger_task_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # grant | charge | refund
    amount_micros: Mapped[int] = mapped_column(BigInteger)  # signed: charges are negative
    balance_after_micros: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # X-Songforge-Delivery
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[str] = mapped_column(String(36))
    api_key_id: Mapped[str] = mapped_column(String(36))
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(16))  # the task status that fired it
    payload: Mapped[str] = mapped_column(Text)  # the bare task object, JSON
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class WorkerProcess(Base):
    """A worker process's heartbeat: written every few seconds while it runs (fleet metrics)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid:random, as on leases
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[str] = mapped_column(String(64))  # "cpu,gpu"
    started_at: Mapped[float] = mapped_column(Float)
    last_seen_at: Mapped[float] = mapped_column(Float)
    jobs_running: Mapped[int] = mapped_column(Integer)


class UploadSession(Base):
    """One six-step file upload (spec B §14.2): its signed target, the staged file and the clip it became."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the upload id
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    api_key_id: Mapped[str] = mapped_column(String(36))
    extension: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | complete | error
    staged_blob: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the file the target received
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    filename: Mapped[str] = mapped_column(Text, default="")  # upload-finish's `upload_filename`
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Chosen at step 1 (the status step's `s3_id` is `m_<clip_id>`); the clip initialize-clip creates.
    clip_id: Mapped[str] = mapped_column(String(36))
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)  # the upload target's expiry (also signed into it)
    uploaded_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
