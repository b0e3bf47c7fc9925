"""songforge on a real PostgreSQL server (no mocks): migrations, the user path, credits and the claim CAS.

A throw-away cluster is started once per test session (tests/integration/postgres_cluster.py); each test
gets its own database. Without PostgreSQL installed these tests FAIL (they never skip): `make test`
installs it.
"""

import io
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import soundfile
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from songforge.api.app import create_app
from songforge.api.errors import task_error_of
from songforge.config import Settings, credits_to_micros
from songforge.core import jobs
from songforge.core.accounts import Caller, create_account, find_caller, issue_key
from songforge.core.errors import CoreError
from songforge.core.jobs import LyricsParams
from songforge.core.lifecycle import claim_task
from songforge.core.services import Services, build_services
from songforge.core.submission import submit_task
from songforge.db.migrate import alembic_config
from songforge.db.models import Account, LedgerEntry, Task, WebhookDelivery
from songforge.db.session import Database
from tests.conftest import auth, test_settings, upload_wav, wait_for_task, write_wav
from tests.integration.postgres_cluster import PostgresCluster
from tests.integration.server_process import ServerProcess
from tests.task_factory import create_lyrics_task

pytestmark = pytest.mark.integration

SONGFORGE_TABLES = {"accounts", "api_keys", "tasks", "clips", "ledger", "webhook_deliveries", "alembic_version"}
LYRICS_PRICE = credits_to_micros(0.02)


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> str:
    """A fresh, empty database of its own for one test."""
    return pg_cluster.create_database(f"sf_{uuid.uuid4().hex[:12]}")


def pg_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    return test_settings(data_dir, **{"database_url": database_url, "workers": 2, **overrides})


@pytest.fixture(scope="module")
def pg_client(pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app with its embedded workers on one PostgreSQL database, shared by this module's API tests."""
    url = pg_cluster.create_database(f"sf_app_{uuid.uuid4().hex[:8]}")
    data_dir = tmp_path_factory.mktemp("pg-app") / "data"
    with TestClient(create_app(pg_settings(url, data_dir))) as client:
        yield client
    assert not (data_dir / "songforge.db").exists(), "the app wrote a SQLite database despite database_url"


def services_of(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined,no-any-return]


def new_key(services: Services, credits: float) -> str:
    with services.db.session() as session:
        account = create_account(session, "pg-test", credits_to_micros(credits))
        return issue_key(session, account, "pg-test").key


def caller_of(services: Services, key: str) -> Caller:
    with services.db.session() as session:
        caller = find_caller(session, key.removeprefix("sk-"))
    assert caller is not None
    return caller


def account_state(services: Services, key: str) -> tuple[int, list[tuple[str, str | None, int, int]]]:
    """(balance, [(kind, task_id, amount, balance_after)] in insertion order) of the key's account."""
    account_id = caller_of(services, key).account_id
    with services.db.session() as session:
        balance = session.execute(select(Account.balance_micros).where(Account.id == account_id)).scalar_one()
        ledger = session.execute(
            select(LedgerEntry.kind, LedgerEntry.task_id, LedgerEntry.amount_micros, LedgerEntry.balance_after_micros)
            .where(LedgerEntry.account_id == account_id)
            .order_by(LedgerEntry.id)
        ).all()
    return balance, [tuple(row) for row in ledger]  # type: ignore[misc]


def sql(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """A query through a plain psycopg connection: what is really in PostgreSQL, not what the app says."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        return connection.execute(query, params).fetchall()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
    assert head
    return head


def submit_lyrics(client: TestClient, key: str, prompt: str) -> str:
    response = client.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": prompt})
    assert response.status_code == 200, response.text
    return str(response.json()["data"])


# ------------------------------------------------------------------------------- 1. migrations


@pytest.fixture(scope="module")
def pg_server(pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """`songforge serve` as a real process on a new, empty database (SONGFORGE_DATABASE_URL)."""
    url = pg_cluster.create_database(f"sf_serve_{uuid.uuid4().hex[:8]}")
    assert sql(url, "select count(*) from information_schema.tables where table_schema = 'public'") == [(0,)]
    server = ServerProcess(
        tmp_path_factory.mktemp("pg-serve") / "data",
        SONGFORGE_DATABASE_URL=url,
        SONGFORGE_WORKERS="2",
        SONGFORGE_POLL_INTERVAL_SECONDS="0.1",
        SONGFORGE_RATE_LIMIT="100000/minute",
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_migrations_apply_on_start_and_a_second_start_is_a_no_op(pg_server: ServerProcess, tmp_path: Path) -> None:
    server = pg_server
    url = server.env["SONGFORGE_DATABASE_URL"]
    public = sql(url, "select table_name from information_schema.tables where table_schema = 'public'")
    tables = {name for (name,) in public}
    assert tables >= SONGFORGE_TABLES, f"missing tables: {SONGFORGE_TABLES - tables}"
    assert sql(url, "select version_num from alembic_version") == [(head_revision(),)]
    assert server.admin_key and server.admin_key.startswith("sk-"), "the first start must print the admin key"
    assert sql(url, "select count(*) from accounts where is_admin") == [(1,)]

    # The real process serves from PostgreSQL: a task submitted over HTTP is a row there.
    headers = auth(server.admin_key)
    response = httpx.post(f"{server.base_url}/suno/submit/lyrics", headers=headers, json={"prompt": "harbour lights"})
    assert response.status_code == 200, response.text
    task_id = response.json()["data"]
    deadline = time.monotonic() + 30
    while (status := sql(url, "select status from tasks where id = %s", task_id)[0][0]) != "SUCCESS":
        assert status != "FAILURE" and time.monotonic() < deadline, f"the lyrics task ended {status}"
        time.sleep(0.1)
    assert not (server.data_dir / "songforge.db").exists(), "songforge serve used SQLite despite SONGFORGE_DATABASE_URL"

    # Second start on the migrated database: no migration error, no second admin account, data kept.
    server.stop()
    server.admin_key = None
    server.start()
    assert server.admin_key is None, "a second start must not create another admin key"
    assert sql(url, "select count(*) from accounts where is_admin") == [(1,)]
    assert sql(url, "select version_num from alembic_version") == [(head_revision(),)]
    response = httpx.get(f"{server.base_url}/suno/fetch/{task_id}", headers=headers)
    assert response.status_code == 200 and response.json()["data"]["status"] == "SUCCESS", response.text

    # A third start, in-process (create_app migrates too), while the server runs: still one row at head.
    create_app(pg_settings(url, tmp_path / "data", workers=0)).state.services.db.dispose()
    assert sql(url, "select version_num from alembic_version") == [(head_revision(),)]


MIGRATE_SCRIPT = """
import pathlib, sys, time
from alembic.script import ScriptDirectory
from sqlalchemy import event
import songforge.db.models
from songforge.db.migrate import alembic_config, upgrade_database
from songforge.db.session import Database

database = Database(sys.argv[1])
ScriptDirectory.from_config(alembic_config(sys.argv[1])).get_current_head()  # load the scripts before the go


@event.listens_for(database.engine, "after_cursor_execute")
def hold_the_race_window_open(conn, cursor, statement, parameters, context, executemany):
    # Real starts overlap by chance; this makes the overlap certain: the first migrator keeps its
    # transaction open a moment after creating alembic_version, so the other one meets it there.
    if "CREATE TABLE alembic_version" in statement:
        time.sleep(1.0)


with database.engine.connect():
    pass  # connected before the go, so both upgrades really start together
pathlib.Path(sys.argv[2]).touch()
go = pathlib.Path(sys.argv[3])
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
upgrade_database(database.engine)
database.dispose()
"""


def test_two_processes_starting_at_once_both_migrate(pg_url: str, tmp_path: Path) -> None:
    """`songforge serve` + `songforge worker` (or two nodes) started together on one new database."""
    go = tmp_path / "go"
    processes = []
    for index in range(2):
        ready = tmp_path / f"ready-{index}"
        command = [sys.executable, "-c", MIGRATE_SCRIPT, pg_url, str(ready), str(go)]
        processes.append((ready, subprocess.Popen(command, stderr=subprocess.PIPE, text=True)))
    try:
        deadline = time.monotonic() + 30
        while not all(ready.exists() for ready, _ in processes):
            alive = all(process.poll() is None for _, process in processes)
            assert alive and time.monotonic() < deadline, "the migrating processes did not start"
            time.sleep(0.01)
        go.touch()
        results = [(process.wait(60), process.stderr.read()) for _, process in processes]  # type: ignore[union-attr]
    finally:
        for _, process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for returncode, stderr in results:
        assert returncode == 0, f"a concurrent start failed to migrate:\n{stderr[-2000:]}"
    assert sql(pg_url, "select version_num from alembic_version") == [(head_revision(),)]


# ------------------------------------------------------------------------------- 2–4. user path


def test_upload_wav_succeeds_with_clip_fields_and_a_wav_rendering(pg_client: TestClient, tmp_path: Path) -> None:
    services = services_of(pg_client)
    key = new_key(services, 10.0)
    task = upload_wav(pg_client, key, write_wav(tmp_path / "pg upload.wav", seconds=2.0, sample_rate=44100))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "MUSIC" and task["progress"] == "100%" and task["fail_reason"] == ""
    assert task["start_time"] >= task["submit_time"] > 0 and task["finish_time"] >= task["start_time"]
    [clip] = task["data"]
    assert clip["status"] == "complete" and clip["title"] == "pg upload"
    assert clip["metadata"]["type"] == "upload" and abs(clip["metadata"]["duration"] - 2.0) < 0.05
    for field in ("audio_url", "image_url", "image_large_url"):
        assert clip[field].startswith("http://testserver/files/"), (field, clip[field])
    mp3 = pg_client.get(clip["audio_url"])
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg" and len(mp3.content) > 1000

    wav_url = ""
    deadline = time.monotonic() + 30
    while not wav_url:
        response = pg_client.get(f"/suno/act/wav/{clip['id']}", headers=auth(key))
        assert response.status_code == 200, response.text
        wav_url = response.json()["data"]["wav_file_url"]
        assert wav_url or time.monotonic() < deadline, "the WAV was never rendered"
        time.sleep(0 if wav_url else 0.1)
    wav = pg_client.get(wav_url)
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(wav.content))
    assert rate == 44100 and abs(len(samples) / rate - 2.0) < 0.01

    url = services.settings.resolved_database_url
    assert sql(url, "select status, kind from tasks where id = %s", task["task_id"]) == [("SUCCESS", "upload")]
    assert sql(url, "select status, wav_key is not null from clips where id = %s", clip["id"]) == [("complete", True)]
    assert account_state(services, key)[0] == credits_to_micros(10.0)  # uploads and WAVs are free


def test_lyrics_task_succeeds_and_is_charged_once(pg_client: TestClient) -> None:
    services = services_of(pg_client)
    key = new_key(services, 1.0)
    task = wait_for_task(pg_client, key, submit_lyrics(pg_client, key, "neon rain over the harbour"))
    assert task["status"] == "SUCCESS", task["fail_reason"]
    assert task["action"] == "LYRICS" and "[Verse" in task["data"]["text"] and task["data"]["title"]
    balance, ledger = account_state(services, key)
    assert balance == credits_to_micros(0.98)
    assert [(kind, amount) for kind, _, amount, _ in ledger] == [
        ("grant", credits_to_micros(1.0)),
        ("charge", -LYRICS_PRICE),
    ]


def test_batch_fetch_keeps_request_order_and_drops_unknown_ids(pg_client: TestClient) -> None:
    services = services_of(pg_client)
    key, stranger = new_key(services, 1.0), new_key(services, 1.0)
    first, second, third = (submit_lyrics(pg_client, key, f"song {n}") for n in range(3))
    foreign = submit_lyrics(pg_client, stranger, "not yours")
    unknown = str(uuid.uuid4())
    ids = [third, unknown, first, foreign, third, second, "not-a-uuid"]
    response = pg_client.post("/suno/fetch", headers=auth(key), json={"ids": ids})
    assert response.status_code == 200, response.text
    assert [task["task_id"] for task in response.json()["data"]] == [third, first, second]
    response = pg_client.post("/suno/fetch", headers=auth(key), json={"ids": ids, "action": "MUSIC"})
    assert response.status_code == 200 and response.json()["data"] == []
    assert pg_client.get(f"/suno/fetch/{foreign}", headers=auth(key)).json()["code"] == "task_not_exist"


def test_ids_with_a_nul_character_are_unknown_ids_not_server_errors(pg_client: TestClient) -> None:
    key = new_key(services_of(pg_client), 1.0)
    client = TestClient(pg_client.app, raise_server_exceptions=False)  # a 500 is an answer here, not a raise
    nul_id = "task\u0000id"
    answers = {
        "GET /suno/fetch/{id}": client.get("/suno/fetch/task%00id", headers=auth(key)),
        "POST /suno/fetch": client.post("/suno/fetch", headers=auth(key), json={"ids": [nul_id]}),
        "GET /suno/act/wav/{id}": client.get("/suno/act/wav/task%00id", headers=auth(key)),
        "POST /suno/submit/concat": client.post("/suno/submit/concat", headers=auth(key), json={"clip_id": nul_id}),
    }
    codes = {route: (response.status_code, response.json()["code"]) for route, response in answers.items()}
    assert codes == {  # what the same requests get on SQLite
        "GET /suno/fetch/{id}": (400, "task_not_exist"),
        "POST /suno/fetch": (200, "success"),
        "GET /suno/act/wav/{id}": (400, "task_not_exist"),
        "POST /suno/submit/concat": (400, "task_not_exist"),
    }


# ------------------------------------------------------------------------------------ 5. credits


def test_zero_credits_lyrics_is_403_quota_not_enough(pg_client: TestClient) -> None:
    services = services_of(pg_client)
    key = new_key(services, 0.0)
    response = pg_client.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "x"})
    assert response.status_code == 403, response.text
    assert response.json() == {"code": "quota_not_enough", "message": response.json()["message"], "data": None}
    account_id = caller_of(services, key).account_id
    with services.db.session() as session:
        tasks = session.execute(select(func.count()).select_from(Task).where(Task.account_id == account_id))
        assert tasks.scalar_one() == 0
    assert account_state(services, key) == (0, [])


def test_upload_of_a_non_audio_file_fails_with_a_reason_and_costs_nothing(
    pg_client: TestClient, tmp_path: Path
) -> None:
    services = services_of(pg_client)
    key = new_key(services, 0.0)
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio at all\n" * 200)
    task = upload_wav(pg_client, key, bogus)
    assert task["status"] == "FAILURE" and task["fail_reason"].strip(), task
    [clip] = task["data"]
    assert clip["status"] == "error" and clip["metadata"]["error_message"] == task["fail_reason"]
    assert account_state(services, key) == (0, [])  # no charge, so no refund either


def test_concurrent_lyrics_submits_never_overdraw(pg_client: TestClient) -> None:
    """20 submits at once on 0.1 credits at 0.02 each: exactly 5 pass, the balance never goes below 0."""
    services = services_of(pg_client)
    key = new_key(services, 0.1)
    caller = caller_of(services, key)
    url = services.settings.resolved_database_url
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lowest = [credits_to_micros(0.1)]
    storm_over = threading.Event()

    def one_submit(index: int) -> None:
        barrier.wait()
        try:
            task_id = submit_task(
                services,
                caller,
                jobs.LYRICS,
                LyricsParams(prompt=f"storm {index}"),
                request_body={"prompt": f"storm {index}"},
                notify_hook="",
                clips=[],
            )
            outcomes.append(task_id)
        except CoreError as error:
            outcomes.append(task_error_of(error).code)

    def watch_balance() -> None:
        while not storm_over.is_set():
            [(balance,)] = sql(url, "select balance_micros from accounts where id = %s", caller.account_id)
            lowest[0] = min(lowest[0], balance)

    watcher = threading.Thread(target=watch_balance)
    watcher.start()
    threads = [threading.Thread(target=one_submit, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    storm_over.set()
    watcher.join(10)

    refused = [outcome for outcome in outcomes if outcome == "quota_not_enough"]
    accepted = [outcome for outcome in outcomes if outcome != "quota_not_enough"]
    assert len(outcomes) == 20 and len(accepted) == 5 and len(refused) == 15, outcomes
    assert lowest[0] >= 0
    for task_id in accepted:
        assert wait_for_task(pg_client, key, task_id)["status"] == "SUCCESS"
    balance, ledger = account_state(services, key)
    assert balance == 0
    charges = [(task_id, amount, after) for kind, task_id, amount, after in ledger if kind == "charge"]
    assert sorted(str(task_id) for task_id, _, _ in charges) == sorted(accepted)
    assert {amount for _, amount, _ in charges} == {-LYRICS_PRICE}
    assert sorted(after for _, _, after in charges) == [n * LYRICS_PRICE for n in range(5)]
    assert [kind for kind, *_ in ledger].count("refund") == 0


def test_concurrent_http_submits_on_a_real_server_never_overdraw(pg_server: ServerProcess) -> None:
    """The same storm over HTTP against `songforge serve` (uvicorn's thread pool, one pooled engine)."""
    url = pg_server.env["SONGFORGE_DATABASE_URL"]
    database = Database(url)
    try:
        with database.session() as session:
            account = create_account(session, "storm", credits_to_micros(0.1))
            key = issue_key(session, account, "storm").key
            account_id = account.id
    finally:
        database.dispose()
    barrier = threading.Barrier(20)
    codes: list[tuple[int, str]] = []

    def one_post(index: int) -> None:
        with httpx.Client(base_url=pg_server.base_url, timeout=30) as http:
            barrier.wait()
            response = http.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": f"storm {index}"})
            codes.append((response.status_code, response.json()["code"]))

    threads = [threading.Thread(target=one_post, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(codes) == [(200, "success")] * 5 + [(403, "quota_not_enough")] * 15, codes
    assert sql(url, "select balance_micros from accounts where id = %s", account_id) == [(0,)]
    assert sql(url, "select count(*) from tasks where account_id = %s", account_id) == [(5,)]
    charges = "select count(*), sum(amount_micros) from ledger where account_id = %s and kind = 'charge'"
    assert sql(url, charges, account_id) == [(5, -5 * LYRICS_PRICE)]


# ---------------------------------------------------------------------------------- 6. claim CAS


@pytest.fixture
def bare_services(pg_url: str, tmp_path: Path) -> Iterator[Services]:
    """Services on a fresh database with no worker pool: nothing claims tasks but the test."""
    services = build_services(pg_settings(pg_url, tmp_path / "data", workers=0))
    yield services
    services.db.dispose()


def queued_lyrics_task(services: Services, caller: Caller) -> str:
    # the hook's deliveries stay pending: no sender runs here
    return create_lyrics_task(services, caller, hook="http://127.0.0.1:9/hook", deadline_seconds=3600)


def race_claims(services: Services, task_id: str, workers: list[str], lease_seconds: float = 30.0) -> dict[str, bool]:
    """Every worker calls claim_task on the task at once, each in its own session and thread."""
    barrier = threading.Barrier(len(workers))
    won: dict[str, bool] = {}

    def claim(worker: str) -> None:
        with services.db.sessions() as session, session.begin():
            barrier.wait()
            won[worker] = claim_task(session, task_id, worker, lease_seconds, services.signer)

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == len(workers), f"a claim did not return: {won}"
    return won


def test_two_workers_claiming_one_task_exactly_one_wins(bare_services: Services) -> None:
    services = bare_services
    caller = caller_of(services, new_key(services, 10.0))
    for _ in range(15):
        task_id = queued_lyrics_task(services, caller)
        won = race_claims(services, task_id, ["worker-a", "worker-b"])
        assert sorted(won.values()) == [False, True], won
        winner = next(worker for worker, claimed in won.items() if claimed)
        with services.db.session() as session:
            task = session.get(Task, task_id)
            assert task is not None
            assert (task.status, task.lease_owner, task.attempts) == ("IN_PROGRESS", winner, 1)
            events = (
                session.execute(
                    select(WebhookDelivery.event)
                    .where(WebhookDelivery.task_id == task_id)
                    .order_by(WebhookDelivery.created_at)
                )
                .scalars()
                .all()
            )
        assert events == ["QUEUED", "IN_PROGRESS"]  # one visible IN_PROGRESS change, not two


def test_a_claim_waits_for_a_concurrent_open_claim_and_then_loses(bare_services: Services) -> None:
    """The loser really meets the winner's row lock (PostgreSQL re-checks the WHERE after the wait)."""
    services = bare_services
    caller = caller_of(services, new_key(services, 10.0))
    task_id = queued_lyrics_task(services, caller)
    claimed = threading.Event()
    moments: dict[str, float] = {}
    results: dict[str, bool] = {}

    def slow_winner() -> None:
        with services.db.session() as session:
            results["a"] = claim_task(session, task_id, "worker-a", 30.0, services.signer)
            claimed.set()
            time.sleep(1.0)  # keep the transaction (and the row lock) open
            moments["a_commits"] = time.monotonic()

    def late_claimer() -> None:
        claimed.wait(10)
        moments["b_starts"] = time.monotonic()
        with services.db.session() as session:
            results["b"] = claim_task(session, task_id, "worker-b", 30.0, services.signer)
            moments["b_claimed"] = time.monotonic()

    threads = [threading.Thread(target=slow_winner), threading.Thread(target=late_claimer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"a": True, "b": False}
    assert moments["b_starts"] < moments["a_commits"], "the second claim started too late to overlap the first"
    assert moments["b_claimed"] >= moments["a_commits"], "the second claim did not wait for the first one's lock"


def test_an_expired_lease_is_reclaimed_by_exactly_one_worker(bare_services: Services) -> None:
    services = bare_services
    caller = caller_of(services, new_key(services, 10.0))
    for _ in range(5):
        task_id = queued_lyrics_task(services, caller)
        with services.db.session() as session:
            assert claim_task(session, task_id, "dead-worker", -1.0, services.signer)  # lease already expired
        won = race_claims(services, task_id, ["worker-a", "worker-b", "worker-c"])
        assert sorted(won.values()) == [False, False, True], won
        with services.db.session() as session:
            task = session.get(Task, task_id)
            assert task is not None and task.attempts == 2 and task.lease_owner in won and won[task.lease_owner]
