"""The long-lived pieces one process shares: settings, database, blob store, URL signer, dispatcher."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from songforge.config import Settings
from songforge.core.task_reader import TaskReader
from songforge.core.urls import UrlSigner
from songforge.db.session import Database
from songforge.queue.base import Dispatcher
from songforge.storage.base import BlobStore

if TYPE_CHECKING:
    from songforge.queue.local import Wakeups


@dataclass
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    signer: UrlSigner
    dispatcher: Dispatcher
    task_reader: TaskReader


def build_services(settings: Settings, *, wakeups: "Wakeups | None" = None) -> Services:
    """`wakeups`: the semaphore shared with a sibling worker process (`serve --processes N`)."""
    from songforge.queue.local import LocalDispatcher
    from songforge.storage.local import LocalBlobStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    signer = UrlSigner(settings.resolved_public_base_url, settings.resolved_secret_key)
    return Services(
        settings=settings,
        db=db,
        blobs=LocalBlobStore(settings.blob_dir),
        signer=signer,
        dispatcher=LocalDispatcher(db, signer, wakeups),
        task_reader=TaskReader(db, signer.base_url, settings.fetch_cache_mb * 1024 * 1024),
    )
