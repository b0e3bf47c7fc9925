"""In-process dispatcher for the embedded default: workers are threads of this process."""

import threading

from songforge.core.lifecycle import mark_queued
from songforge.core.urls import UrlSigner
from songforge.db.session import Database


class LocalDispatcher:
    def __init__(self, db: Database, signer: UrlSigner) -> None:
        self._db = db
        self._signer = signer
        self._work = threading.Condition()
        self._pending = 0

    def enqueue(self, task_id: str) -> None:
        with self._db.session() as session:
            mark_queued(session, task_id, self._signer)
        with self._work:
            self._pending += 1
            self._work.notify()

    def wait_for_work(self, timeout: float) -> None:
        with self._work:
            if self._pending == 0:
                self._work.wait(timeout)
            self._pending = max(0, self._pending - 1)

    def wake_all(self) -> None:
        with self._work:
            self._work.notify_all()
