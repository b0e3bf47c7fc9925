"""Engine and session factory: SQLite in WAL mode by default, PostgreSQL by URL."""

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# How long a SQLite writer waits for the write lock before its statement fails with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30


@dataclass(frozen=True)
class PoolSettings:
    """Connections one process keeps open to a database server (SQLite keeps its own fixed pool)."""

    size: int = 10
    max_overflow: int = 20
    # Reopen connections older than this: servers and proxies drop idle ones (0: never).
    recycle_seconds: int = 1800


def make_engine(database_url: str, *, for_writes: bool = True, pool: PoolSettings | None = None) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=20,
            max_overflow=40,
        )
        event.listen(engine, "connect", _configure_sqlite)
        # Writers take the write lock at BEGIN so that compare-and-swap updates never fail on a
        # lock upgrade; readers use a deferred BEGIN so that WAL lets them run side by side.
        begin = "BEGIN IMMEDIATE" if for_writes else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    pool = pool or PoolSettings()
    return create_engine(
        database_url,
        pool_pre_ping=True,  # a connection the server closed (restart, failover) is replaced, not handed out
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_recycle=pool.recycle_seconds or -1,
    )


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


class WriterTurns:
    """The order in which the threads of this process write to one SQLite database (one writer at a time).

    A writer that finds SQLite's lock taken polls for it with growing sleeps (up to 100 ms), so under load a
    request could wait seconds while others kept taking the lock. Here writers wait in one line, first come
    first served, each woken when its turn comes; background threads (job runners, webhook delivery, the
    sweeper) stand in that line one at a time, so a request waits behind at most one of them and they still
    get their turns. A thread that waited SQLITE_BUSY_TIMEOUT_S in line goes on to SQLite's own busy timeout
    (a session opened inside another thread's turn fails as it did before the line, instead of waiting for
    ever). Reentrant. Other processes still meet SQLite's busy handler.
    """

    def __init__(self, give_up_after_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
        self.give_up_after_s = give_up_after_s
        self._one_background_writer = threading.RLock()
        self._changed = threading.Condition()
        self._line: deque[int] = deque()  # the waiting threads, in arrival order
        self._writer: int | None = None
        self._depth = 0
        self._local = threading.local()

    def mark_background(self) -> None:
        self._local.background = True

    @contextmanager
    def turn(self) -> Iterator[None]:
        background = getattr(self._local, "background", False)
        with self._one_background_writer if background else nullcontext():
            mine = self._wait_for_turn()
            try:
                yield
            finally:
                if mine:
                    self._end_turn()

    def _wait_for_turn(self) -> bool:
        """True once it is this thread's turn; False after `give_up_after_s` in line."""
        me = threading.get_ident()
        with self._changed:
            if self._writer == me:
                self._depth += 1
                return True
            self._line.append(me)
            give_up_at = time.monotonic() + self.give_up_after_s
            while self._writer is not None or self._line[0] != me:
                left = give_up_at - time.monotonic()
                if left <= 0:
                    self._line.remove(me)
                    self._changed.notify_all()  # the next in line may be first now
                    return False
                self._changed.wait(left)
            self._line.popleft()
            self._writer, self._depth = me, 1
            return True

    def _end_turn(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._writer = None
                self._changed.notify_all()


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, database_url: str, *, pool: PoolSettings | None = None) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, pool=pool)
        self.read_engine = (
            make_engine(database_url, for_writes=False) if database_url.startswith("sqlite") else self.engine
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer_turns = WriterTurns() if database_url.startswith("sqlite") else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        turn = self._writer_turns.turn() if self._writer_turns is not None else nullcontext()
        with turn, self.sessions() as session, session.begin():
            yield session

    def mark_background_thread(self) -> None:
        """The calling thread does background work: its writes give way to requests (see WriterTurns)."""
        if self._writer_turns is not None:
            self._writer_turns.mark_background()

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
