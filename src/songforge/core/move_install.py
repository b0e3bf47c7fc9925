"""`songforge move`: copy a single-machine install (its SQLite database, its files on the local disk) to
PostgreSQL and S3, so that a fleet of nodes can take over with the same tasks, accounts, keys and file URLs.

The database goes in one transaction into an empty, freshly migrated database: it lands whole or not at all.
Files go first and one by one, skipping those already there with the same size, so running the same command
again after a failure resumes where it stopped. Both copies are counted again at the end.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from songforge.config import Settings
from songforge.core.errors import CoreError
from songforge.core.services import open_database
from songforge.db.migrate import upgrade_database
from songforge.db.models import Account, Base, Task
from songforge.db.session import Database
from songforge.storage.local import LocalBlobStore
from songforge.storage.s3 import S3BlobStore

# Rows read and written per statement, and files uploaded at once.
BATCH_ROWS = 1000
UPLOAD_THREADS = 8
_FILES_PER_REPORT = 200


class MoveRefused(CoreError):
    """The move cannot start, or could not finish (the sentence says what to do)."""


@dataclass(frozen=True)
class MoveTargets:
    database_url: str = ""  # an SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/songforge
    storage_url: str = ""  # s3://bucket/prefix


@dataclass(frozen=True)
class SettingToSet:
    name: str
    value: str
    note: str = ""


@dataclass
class MoveReport:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows, the same in both databases
    files: int = 0  # local files, all now in the target store with the same size
    files_uploaded: int = 0
    files_already_there: int = 0
    settings: list[SettingToSet] = field(default_factory=list)


def move_install(settings: Settings, targets: MoveTargets, progress: Callable[[str], None]) -> MoveReport:
    """Copy the install `settings` describe to `targets` (either may be empty); `progress` hears what happens."""
    if not targets.database_url and not targets.storage_url:
        raise MoveRefused("name a destination: --to-database, --to-storage or both")
    if targets.storage_url and settings.storage_url:
        raise MoveRefused(
            f"this install already keeps its files in {settings.storage_url}; "
            "--to-storage moves files from the local disk"
        )
    report = MoveReport()
    source = open_database(settings)  # migrated to the code's schema, as every start does
    target: Database | None = None
    try:
        if targets.database_url:
            target = _open_target(settings, targets.database_url)
            with target.engine.connect() as connection:
                _refuse_unless_empty(connection)
        if targets.storage_url:  # first: a failed file copy is resumed by the next run, the database is not
            _copy_files(settings, targets.storage_url, report, progress)
        if target is not None:
            report.rows = _copy_database(source, target, progress)
    finally:
        source.dispose()
        if target is not None:
            target.dispose()
    report.settings = settings_to_set(settings, targets)
    return report


def settings_to_set(settings: Settings, targets: MoveTargets) -> list[SettingToSet]:
    """What every node of the moved install needs, so that it serves the same data under the same URLs."""
    wanted: list[SettingToSet] = []
    if targets.database_url:
        shown = make_url(targets.database_url).render_as_string(hide_password=True)
        wanted.append(SettingToSet("SONGFORGE_DATABASE_URL", shown, "with the password you gave"))
    if targets.storage_url:
        wanted.append(SettingToSet("SONGFORGE_STORAGE_URL", targets.storage_url))
        if settings.s3_endpoint_url:
            wanted.append(SettingToSet("SONGFORGE_S3_ENDPOINT_URL", settings.s3_endpoint_url))
        wanted.append(
            SettingToSet("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION", "(as for this command)")
        )
    secret = (
        "(the value you set here)" if settings.secret_key else f"(the contents of {settings.data_dir / 'secret.key'})"
    )
    wanted.append(SettingToSet("SONGFORGE_SECRET_KEY", secret, "file URLs already handed out stay valid"))
    wanted.append(
        SettingToSet("SONGFORGE_PUBLIC_BASE_URL", settings.resolved_public_base_url, "clients keep the same URLs")
    )
    return wanted


# ------------------------------------------------------------------------------------ database


def _open_target(settings: Settings, url: str) -> Database:
    if url == settings.resolved_database_url:
        raise MoveRefused("the target database is the one this install already uses")
    try:
        target = Database(url)
        upgrade_database(target.engine)
    except (SQLAlchemyError, ValueError, ImportError) as error:  # ImportError: a driver that is not installed
        raise MoveRefused(f"cannot open the target database: {_first_line(error)}") from None
    return target


def _refuse_unless_empty(connection: Connection) -> None:
    accounts = connection.execute(select(func.count()).select_from(Account)).scalar_one()
    tasks = connection.execute(select(func.count()).select_from(Task)).scalar_one()
    if accounts or tasks:
        raise MoveRefused(
            f"the target database already has {accounts} accounts and {tasks} tasks; "
            "songforge move copies into an empty database only"
        )


def _copy_database(source: Database, target: Database, progress: Callable[[str], None]) -> dict[str, int]:
    tables = Base.metadata.sorted_tables  # parents before children, so every foreign key finds its row
    copied: dict[str, int] = {}
    # One read transaction is one snapshot of the source; one write transaction lands the copy whole or not at all.
    with source.read_engine.connect() as reading, reading.begin():
        try:
            with target.engine.begin() as writing:
                _refuse_unless_empty(writing)  # again: another move may have filled it meanwhile
                for table in reversed(tables):  # rows the migrations seed (wire_epoch) give way to the copies
                    writing.execute(table.delete())
                for table in tables:
                    copied[table.name] = _copy_table(reading, writing, table.name)
                    progress(f"{table.name}: {copied[table.name]} rows")
                if writing.dialect.name == "postgresql":
                    _continue_sequences(writing)
        except SQLAlchemyError as error:
            raise MoveRefused(f"copying the database failed, nothing was kept: {_first_line(error)}") from None
        expected = {table.name: _count(reading, table.name) for table in tables}
    with target.engine.connect() as checking:
        found = {table.name: _count(checking, table.name) for table in tables}
    if not (expected == found == copied):
        differ = sorted(name for name in expected if not (expected[name] == found[name] == copied[name]))
        raise MoveRefused(f"the copied database does not match the source in tables {', '.join(differ)}")
    return copied


def _copy_table(reading: Connection, writing: Connection, name: str) -> int:
    table = Base.metadata.tables[name]
    rows = reading.execution_options(yield_per=BATCH_ROWS).execute(select(table).order_by(*table.primary_key))
    count = 0
    for batch in rows.mappings().partitions():
        writing.execute(table.insert(), [dict(row) for row in batch])
        count += len(batch)
    return count


def _continue_sequences(writing: Connection) -> None:
    """PostgreSQL numbers new rows from a sequence the copy did not move: start each after the copied ids."""
    for table in Base.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        following = func.coalesce(select(func.max(column)).scalar_subquery(), 0) + 1
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        writing.execute(select(func.setval(sequence, following, False)))


def _count(connection: Connection, name: str) -> int:
    return int(connection.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one())


def _first_line(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


# ------------------------------------------------------------------------------------ files


def _copy_files(settings: Settings, storage_url: str, report: MoveReport, progress: Callable[[str], None]) -> None:
    local = LocalBlobStore(settings.blob_dir)
    try:
        remote = S3BlobStore.from_settings(settings.model_copy(update={"storage_url": storage_url}))
        there = remote.sizes()
    except (OSError, ValueError) as error:
        raise MoveRefused(f"cannot use {storage_url}: {_reason(error)}") from None
    sizes = {name: local.stat(name).size for name in local.names()}
    missing = [name for name, size in sizes.items() if there.get(name) != size]
    report.files = len(sizes)
    report.files_already_there = len(sizes) - len(missing)
    progress(f"files: {len(sizes)} here, {report.files_already_there} already in {storage_url}")

    def upload(name: str) -> None:
        remote.put_file(name, local.local_path(name))

    try:
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for done, _ in enumerate(pool.map(upload, missing), start=1):
                report.files_uploaded = done
                if done % _FILES_PER_REPORT == 0:
                    progress(f"files: {done} of {len(missing)} uploaded")
    except OSError as error:
        raise MoveRefused(
            f"uploading the files stopped after {report.files_uploaded} of {len(missing)}: {_reason(error)}; "
            "run the same command again to go on"
        ) from None
    progress(f"files: {report.files_uploaded} uploaded")
    there = remote.sizes()
    differ = [name for name, size in sizes.items() if there.get(name) != size]
    if differ:
        raise MoveRefused(f"{len(differ)} files are not in {storage_url} with their size (e.g. {differ[0]})")


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)
