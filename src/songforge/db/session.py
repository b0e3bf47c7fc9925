"""Engine and session factory: SQLite in WAL mode by default, PostgreSQL by URL."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


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
            connect_args={"check_same_thread": False, "timeout": 30},
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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, database_url: str, *, pool: PoolSettings | None = None) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, pool=pool)
        self.read_engine = (
            make_engine(database_url, for_writes=False) if database_url.startswith("sqlite") else self.engine
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
