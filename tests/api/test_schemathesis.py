"""Property-based fuzzing of every route in the app's own OpenAPI schema: whatever a client sends, the
answer is never a 5xx (spec Part A §2: "never a 500 for bad input")."""

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from songforge.api.app import create_app
from tests.conftest import auth, key_maker, test_settings

MAX_EXAMPLES = 15

# The schema is loaded at collection time (`schemathesis.pytest.from_fixture` does not work with this
# pytest: it reads the removed `Function._nodeid`), so the app lives in a temp dir made here and removed by
# the module fixture below. Its lifespan (the worker pool) starts on the first generated request.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="songforge-fuzz-"))
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)  # also when the module is only collected
APP = create_app(test_settings(_DATA_DIR / "data"))
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,  # the same cases every run: a failure here is reproducible, never flaky
)


class _AppHolder:  # key_maker only needs `.app`
    app = APP


@pytest.fixture(scope="module")
def fuzz_key() -> Iterator[str]:
    yield key_maker(_AppHolder)(1000.0)  # type: ignore[arg-type]
    asgi.shutdown_lifespans()  # stop the worker pool before its files go
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case, fuzz_key: str) -> None:
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", auth(fuzz_key)["Authorization"])
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), (response.status_code, response.text[:200])
