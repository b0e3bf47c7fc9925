"""Fixtures for tests that need a real PostgreSQL or S3-compatible server (registered in tests/conftest.py)."""

from collections.abc import Iterator

import pytest

from tests.integration.moto_server import MotoServer, moto_with_credentials
from tests.integration.postgres_cluster import PostgresCluster, PostgresMissing


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL cluster for the whole run; tests create databases of their own in it."""
    try:
        cluster = PostgresCluster()
    except PostgresMissing as error:
        missing = str(error)
    else:
        missing = ""
    if missing:  # a failure, never a skip: `make test` installs PostgreSQL
        pytest.fail(missing, pytrace=False)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()  # raises if any process of the cluster is still alive afterwards


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    """A moto S3 server for the module, its test credentials in this process's environment (boto3 reads them)."""
    with moto_with_credentials() as server:
        yield server
