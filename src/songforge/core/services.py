"""The long-lived pieces one process shares: settings, database, blob store, URL signer, dispatcher."""

from dataclasses import dataclass

from songforge.config import Settings
from songforge.core.urls import UrlSigner
from songforge.db.session import Database
from songforge.queue.base import Dispatcher
from songforge.storage.base import BlobStore


@dataclass
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    signer: UrlSigner
    dispatcher: Dispatcher


def build_services(settings: Settings) -> Services:
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
        dispatcher=LocalDispatcher(db, signer),
    )
