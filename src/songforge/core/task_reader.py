"""What fetch serves: tasks' stored wire JSON, finished tasks from a per-process cache, the rest in one query.

A task's status never changes once it is SUCCESS or FAILURE (every later transition is a compare-and-swap
from an active status), so each process may keep finished tasks' bytes, with the public base URL already in
place, and answer polls of them without touching the database. Entries carry their account, and a hit for
another account counts as a miss: the query, scoped by account, then finds nothing.

One thing does change a finished task later: a video rendered for one of its clips (`is_video_pending`, then
`video_url`). Every such change moves the one-row wire epoch, which each process reads at most every
EPOCH_CHECK_S seconds; when it moved, the process forgets every finished task it kept.
"""

import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from songforge.core.clock import is_id
from songforge.core.queries import load_stored_tasks, read_wire_epoch
from songforge.core.status import TaskStatus
from songforge.core.wire import with_base_url
from songforge.db.session import Database

_FINISHED = frozenset((TaskStatus.SUCCESS.value, TaskStatus.FAILURE.value))
# How stale a kept finished task may get after a video changed it.
EPOCH_CHECK_S = 0.5


class _Finished(NamedTuple):
    account_id: str
    action: str
    body: bytes


class TaskReader:
    def __init__(self, db: Database, base_url: str, cache_bytes: int) -> None:
        self._db = db
        self._base_url = base_url
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._finished: OrderedDict[str, _Finished] = OrderedDict()  # least recently read first
        self._lock = threading.Lock()
        self._epoch: int | None = None
        self._epoch_checked = -EPOCH_CHECK_S

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes

    def read(self, account_id: str, task_ids: list[str], action: str | None = None) -> list[bytes]:
        """The caller's tasks in request order; unknown/foreign ids dropped, duplicates answered once."""
        self._forget_if_changed()
        wanted = list(dict.fromkeys(task_ids))
        found: dict[str, bytes] = {}
        missing: list[str] = []
        with self._lock:
            for task_id in wanted:
                hit = self._finished.get(task_id)
                if hit is None or hit.account_id != account_id:
                    # Only ids of our shape can exist; checked here, off the cache-hit path.
                    if is_id(task_id):
                        missing.append(task_id)
                    continue
                self._finished.move_to_end(task_id)
                if action is None or hit.action == action:
                    found[task_id] = hit.body
        if missing:
            with self._db.read_engine.connect() as connection:
                stored = load_stored_tasks(connection, account_id, missing)
            for task in stored:
                body = with_base_url(task.wire_json, self._base_url)
                if task.status in _FINISHED:
                    self._remember(task.id, _Finished(account_id, task.action, body))
                if action is None or task.action == action:
                    found[task.id] = body
        return [found[task_id] for task_id in wanted if task_id in found]

    def _forget_if_changed(self) -> None:
        moment = time.monotonic()
        if moment - self._epoch_checked < EPOCH_CHECK_S:
            return
        self._epoch_checked = moment
        with self._db.read_engine.connect() as connection:
            epoch = read_wire_epoch(connection)
        with self._lock:
            if epoch != self._epoch:
                self._finished.clear()
                self._cached_bytes = 0
                self._epoch = epoch

    def _remember(self, task_id: str, entry: _Finished) -> None:
        if len(entry.body) > self._cache_bytes:
            return
        with self._lock:
            previous = self._finished.pop(task_id, None)
            if previous is not None:
                self._cached_bytes -= len(previous.body)
            self._finished[task_id] = entry
            self._cached_bytes += len(entry.body)
            while self._cached_bytes > self._cache_bytes:
                _, evicted = self._finished.popitem(last=False)
                self._cached_bytes -= len(evicted.body)
