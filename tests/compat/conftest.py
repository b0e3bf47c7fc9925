"""Replaying real clients' requests byte for byte: the fixtures, and the apps they are replayed against.

The payloads live in tests/compat/fixtures/*.json (copied from new-api's Suno relay, the DeerAPI pages and
spec Part B); a test fills in the `{{…}}` placeholders with real ids and sends the bytes as they are.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.api.app import create_app

# One app per module, a worker thread, a finished upload to work on (tests/api/conftest.py).
from tests.api.conftest import mclient, mkey, mmake_key, model_dir, source  # noqa: F401
from tests.api.helpers import Response
from tests.conftest import auth, key_maker, test_settings

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[str, Any]:
    fixtures: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return fixtures


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text, f"unfilled placeholder in {text[:200]!r}"
    return text


def replay(client: TestClient, request: dict[str, Any], key: str, **values: str) -> Response:
    """Send a fixture request: its method, path, headers and body bytes, plus the caller's key."""
    body = fill(request["body"], values).encode("utf-8")
    headers = {**request["headers"], **auth(key)}
    return client.request(request["method"], fill(request["path"], values), content=body, headers=headers)


def source_ids(upload: dict[str, Any]) -> dict[str, str]:
    return {"source_task_id": upload["task"]["task_id"], "source_clip_id": upload["clip"]["id"]}


@pytest.fixture(scope="module")
def idle_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app without job threads, so submitted tasks stay unfinished (what new-api's poller asks about)."""
    data_dir = tmp_path_factory.mktemp("idle-app") / "data"
    settings = test_settings(data_dir, workers=0, max_concurrent_tasks_per_key=5000, max_queued_tasks=5000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def idle_key(idle_client: TestClient) -> str:
    return key_maker(idle_client)(1000.0)
