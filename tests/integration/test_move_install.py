"""`songforge move`: a single-machine install (SQLite + files on disk) copied to PostgreSQL and S3 (real servers on
loopback), after which a node on the printed settings answers the same task JSON and serves the same file bytes."""

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app
from tests.api.helpers import local_path_of
from tests.conftest import auth, key_maker, test_settings, upload_wav, wait_for_task, write_wav
from tests.integration.moto_server import MotoServer
from tests.integration.postgres_cluster import PostgresCluster
from tests.integration.server_process import SONGFORGE

pytestmark = pytest.mark.integration

FILE_FIELDS = ("audio_url", "image_url", "image_large_url")


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A stopped single-machine install with a finished lyrics task and an uploaded clip, and what a client saw."""
    data_dir = tmp_path_factory.mktemp("single") / "data"
    song = write_wav(tmp_path_factory.mktemp("audio") / "moving song.wav", seconds=1.5)
    with TestClient(create_app(test_settings(data_dir))) as client:
        key = key_maker(client)(50.0)
        submitted = client.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "moving house"})
        lyrics = wait_for_task(client, key, submitted.json()["data"])
        upload = upload_wav(client, key, song)
        assert lyrics["status"] == upload["status"] == "SUCCESS", (lyrics["fail_reason"], upload["fail_reason"])
        files = {field: client.get(local_path_of(upload["data"][0][field])).content for field in FILE_FIELDS}
    assert all(len(content) > 100 for content in files.values())
    return {"data_dir": data_dir, "key": key, "tasks": [lyrics, upload], "files": files}


def run_move(install: dict[str, Any], moto: MotoServer, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **moto.credentials,
        "SONGFORGE_DATA_DIR": str(install["data_dir"]),
        "SONGFORGE_PUBLIC_BASE_URL": "http://testserver",
        "SONGFORGE_S3_ENDPOINT_URL": moto.endpoint_url,
    }
    return subprocess.run(
        [SONGFORGE, "move", *arguments], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def printed_settings(stdout: str) -> dict[str, str]:
    settings = {}
    for line in stdout.splitlines():
        name, equals, value = line.partition("=")
        if equals:
            settings[name] = value.split("  # ", 1)[0]
    return settings


def test_a_moved_install_answers_the_same_tasks_and_files(
    install: dict[str, Any], pg_cluster: PostgresCluster, moto: MotoServer, tmp_path: Path
) -> None:
    database_url = pg_cluster.create_database(f"moved_{uuid.uuid4().hex[:8]}")
    storage_url = moto.storage_url("moved")
    moved = run_move(install, moto, "--to-database", database_url, "--to-storage", storage_url)
    assert moved.returncode == 0, moved.stderr
    assert "counted in both" in moved.stderr
    local_files = [path for path in (install["data_dir"] / "blobs").glob("*/*") if not path.name.startswith(".")]
    assert f"files: {len(local_files)} in {storage_url} ({len(local_files)} uploaded now" in moved.stderr
    printed = printed_settings(moved.stdout)
    assert printed["SONGFORGE_DATABASE_URL"] == database_url  # no password to hide here
    assert printed["SONGFORGE_STORAGE_URL"] == storage_url
    assert printed["SONGFORGE_S3_ENDPOINT_URL"] == moto.endpoint_url
    assert printed["SONGFORGE_PUBLIC_BASE_URL"] == "http://testserver"
    assert str(install["data_dir"] / "secret.key") in printed["SONGFORGE_SECRET_KEY"]

    # A fresh node: nothing of the old data dir but the secret the move told us to carry over.
    settings = test_settings(
        tmp_path / "node",
        database_url=printed["SONGFORGE_DATABASE_URL"],
        storage_url=printed["SONGFORGE_STORAGE_URL"],
        s3_endpoint_url=printed["SONGFORGE_S3_ENDPOINT_URL"],
        public_base_url=printed["SONGFORGE_PUBLIC_BASE_URL"],
        secret_key=(install["data_dir"] / "secret.key").read_text().strip(),
    )
    key = install["key"]
    with TestClient(create_app(settings)) as node:
        for before in install["tasks"]:
            after = node.get(f"/suno/fetch/{before['task_id']}", headers=auth(key))
            assert after.status_code == 200, after.text
            assert after.json()["data"] == before
        clip = install["tasks"][1]["data"][0]
        for field in FILE_FIELDS:
            served = node.get(local_path_of(clip[field]))
            assert served.status_code == 200, (field, served.text)
            assert served.content == install["files"][field], field
        # New rows continue after the copied ones (the ledger's ids come from a PostgreSQL sequence).
        submitted = node.post("/suno/submit/lyrics", headers=auth(key), json={"prompt": "new home"})
        assert submitted.status_code == 200, submitted.text
        new_task = submitted.json()["data"]
        assert wait_for_task(node, key, new_task)["status"] == "SUCCESS"
    assert not (tmp_path / "node" / "songforge.db").exists()
    with psycopg.connect(pg_cluster.dsn(database_url.rsplit("/", 1)[1])) as connection:
        charged = connection.execute("select count(*) from ledger where task_id = %s", (new_task,)).fetchone()
    assert charged == (1,)

    again = run_move(install, moto, "--to-database", database_url)
    assert again.returncode == 1
    assert "already has 1 accounts and 3 tasks" in again.stderr and "empty database only" in again.stderr


def test_a_file_copy_resumes_and_skips_what_is_there(install: dict[str, Any], moto: MotoServer) -> None:
    storage_url = moto.storage_url(f"resume-{uuid.uuid4().hex[:6]}")
    local_files = sorted(p for p in (install["data_dir"] / "blobs").glob("*/*") if not p.name.startswith("."))
    _, prefix = storage_url.removeprefix("s3://").split("/", 1)
    # As if a first run stopped after one file, and another file was left half-written by a crash.
    client = moto.client()
    client.put_object(Bucket=moto.bucket, Key=f"{prefix}/{local_files[0].name}", Body=local_files[0].read_bytes())
    client.put_object(Bucket=moto.bucket, Key=f"{prefix}/{local_files[1].name}", Body=b"half")

    resumed = run_move(install, moto, "--to-storage", storage_url)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(local_files) - 1} uploaded now, 1 already there)" in resumed.stderr
    assert "SONGFORGE_DATABASE_URL" not in resumed.stdout
    for path in local_files:
        stored = client.get_object(Bucket=moto.bucket, Key=f"{prefix}/{path.name}")["Body"].read()
        assert stored == path.read_bytes(), path.name


def test_a_move_without_destination_or_into_a_missing_bucket_says_why(
    install: dict[str, Any], moto: MotoServer
) -> None:
    nowhere = run_move(install, moto)
    assert nowhere.returncode == 1 and "name a destination" in nowhere.stderr
    missing = run_move(install, moto, "--to-storage", "s3://not-a-bucket/x")
    assert missing.returncode == 1
    assert "'not-a-bucket' does not exist" in missing.stderr and "Traceback" not in missing.stderr
