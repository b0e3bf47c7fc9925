"""The long-lived pieces one process shares: settings, database, blob store, URL signer, dispatcher."""

from dataclasses import dataclass

from songforge.config import Settings
from songforge.core.task_reader import TaskReader
from songforge.core.urls import UrlSigner
from songforge.db.migrate import upgrade_database
from songforge.db.session import Database
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
    db = Database(settings.resolved_database_url)
    upgrade_database(db.engine)
    return db


def build_services(settings: Settings, *, wakeups: Wakeups | None = None) -> Services:
    """`wakeups`: the semaphore shared with a sibling worker process (`serve --processes N`)."""
    db = open_database(settings)
    signer = UrlSigner(settings.resolved_public_base_url, settings.resolved_secret_key)
    return Services(
        settings=settings,
        db=db,
        blobs=LocalBlobStore(settings.blob_dir),
        signer=signer,
        dispatcher=LocalDispatcher(wakeups),
        task_reader=TaskReader(db, signer.base_url, settings.fetch_cache_mb * 1024 * 1024),
    )
