"""The long-lived pieces one process shares: settings, database, blob store, URL signer, dispatcher."""

from dataclasses import dataclass

from songforge.config import Settings
from songforge.core.task_reader import TaskReader
from songforge.core.urls import UrlSigner
from songforge.db.migrate import upgrade_database
from songforge.db.session import Database, PoolSettings
from songforge.queue.base import Dispatcher
from songforge.queue.local import LocalDispatcher, Wakeups
from songforge.storage.base import BlobStore
from songforge.storage.local import LocalBlobStore


@dataclass
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    signer: UrlSigner
    dispatcher: Dispatcher
    task_reader: TaskReader

    def close(self) -> None:
        self.db.dispose()


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the code's schema (every start does this; it is idempotent)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pool = PoolSettings(settings.db_pool_size, settings.db_max_overflow, settings.db_pool_recycle_seconds)
    db = Database(settings.resolved_database_url, pool=pool)
    upgrade_database(db.engine)
    return db


def open_blob_store(settings: Settings) -> BlobStore:
    """S3 when `storage_url` is s3://bucket/prefix, else the local disk under the data dir."""
    if settings.storage_url:
        from songforge.storage.s3 import S3BlobStore

        return S3BlobStore.from_settings(settings)
    return LocalBlobStore(settings.blob_dir)


def open_dispatcher(settings: Settings, wakeups: Wakeups | None) -> Dispatcher:
    """Celery on the configured broker, else wake-ups within this machine's process tree."""
    if settings.broker_url:
        from songforge.queue.celery_dispatcher import CeleryDispatcher

        return CeleryDispatcher(settings)
    return LocalDispatcher(wakeups)


def build_services(settings: Settings, *, wakeups: Wakeups | None = None) -> Services:
    """`wakeups`: the semaphore shared with a sibling worker process (`serve --processes N`)."""
    db = open_database(settings)
    signer = UrlSigner(settings.resolved_public_base_url, settings.resolved_secret_key)
    return Services(
        settings=settings,
        db=db,
        blobs=open_blob_store(settings),
        signer=signer,
        dispatcher=open_dispatcher(settings, wakeups),
        task_reader=TaskReader(db, signer.base_url, settings.fetch_cache_mb * 1024 * 1024),
    )
