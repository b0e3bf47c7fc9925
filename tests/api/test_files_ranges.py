"""Range headers on /files of every shape answer 200, 206 or 416 in songforge's envelope — never 5xx, never
text/plain (issue 10, F1); 405 names the allowed methods; the OpenAPI document lists 429 and HEAD's 404."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from songforge.api.routes.files import MAX_RANGES, plan_range
from tests.api.helpers import assert_task_error, local_path_of
from tests.conftest import auth

HUGE = "9" * 5000

# Malformed or absurd: the header is ignored and the whole file comes back (RFC 9110 §14.2).
IGNORED = [
    "",
    "bytes=",
    "bytes",
    "bytes=,",
    "bytes= , ,",
    "bytes=-",
    "bytes=abc",
    "bytes=a-b",
    "bytes=0x10-0x20",
    "bytes=5-2",
    "bytes=-5-10",
    "bytes=--5",
    "bytes=0--5",
    "bytes=1e3-2e3",
    "bytes=\u0660-\u0669",  # Arabic-Indic digits: int() accepts them, HTTP does not
    "items=0-5",
    "bytes=0-1," * (MAX_RANGES + 1),
    "bytes=" + ",".join(f"{n}-{n}" for n in range(1000)),
    "bytes=" + "," * 5000,
    f"bytes={HUGE}-1",
    "bytes=0-99;bytes=0-1",
    "bytes=0-99\t x",
]


@pytest.fixture(scope="module")
def audio(mclient: TestClient, source: dict[str, Any]) -> tuple[str, bytes]:
    path = local_path_of(source["clip"]["audio_url"])
    whole = mclient.get(path)
    assert whole.status_code == 200
    return path, whole.content


def assert_range_answer(response: Any, whole: bytes) -> None:
    assert response.status_code in (200, 206, 416), (response.status_code, response.text[:200])
    assert not response.headers.get("content-type", "").startswith("text/plain"), response.headers
    if response.status_code == 200:
        assert response.content == whole
    elif response.status_code == 416:
        assert_task_error(response, 416, "range_not_satisfiable")
        assert response.headers["content-range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("value", IGNORED, ids=range(len(IGNORED)))
def test_malformed_ranges_send_the_whole_file(mclient: TestClient, audio: tuple[str, bytes], value: str) -> None:
    path, whole = audio
    response = mclient.get(path, headers=[(b"Range", value.encode("utf-8"))])
    assert_range_answer(response, whole)
    assert response.status_code == 200


def test_huge_last_position_is_the_rest_of_the_file(mclient: TestClient, audio: tuple[str, bytes]) -> None:
    """`bytes=0-999…` (5,000 digits) was a 500 (Python's int() digit limit): now it means "to the end"."""
    path, whole = audio
    for value in (f"bytes=0-{HUGE}", f"bytes=10-{HUGE}", f"bytes=0-{'0' * 4000}9"):
        response = mclient.get(path, headers={"Range": value})
        assert_range_answer(response, whole)
        assert response.status_code == 206, value
    assert mclient.get(path, headers={"Range": f"bytes=10-{HUGE}"}).content == whole[10:]
    suffix = mclient.get(path, headers={"Range": f"bytes=-{HUGE}"})
    assert suffix.status_code == 206 and suffix.content == whole


@pytest.mark.parametrize(
    "value", [f"bytes={HUGE}-", f"bytes={HUGE}-{HUGE}", "bytes=-0", "bytes=99999999-", "bytes=99999999-,-0"]
)
def test_ranges_past_the_end_are_416_in_the_envelope(mclient: TestClient, audio: tuple[str, bytes], value: str) -> None:
    path, whole = audio
    response = mclient.get(path, headers={"Range": value})
    assert_range_answer(response, whole)
    assert response.status_code == 416
    head = mclient.head(path, headers={"Range": value})
    assert head.status_code == 416 and not head.headers["content-type"].startswith("text/plain")


def test_valid_ranges_still_work(mclient: TestClient, audio: tuple[str, bytes]) -> None:
    path, whole = audio
    size = len(whole)
    one = mclient.get(path, headers={"Range": "bytes = 5 - 9"})
    assert one.status_code == 206 and one.content == whole[5:10]
    assert one.headers["content-range"] == f"bytes 5-9/{size}"
    clamped = mclient.get(path, headers={"Range": f"bytes=100-{size * 10}"})
    assert clamped.status_code == 206 and clamped.content == whole[100:]
    # One range past the end among good ones: the good ones are served.
    mixed = mclient.get(path, headers={"Range": f"bytes={size + 5}-,0-9"})
    assert mixed.status_code == 206 and mixed.content == whole[:10]
    many = mclient.get(path, headers={"Range": "bytes=0-9,20-29,-5"})
    assert many.status_code == 206
    assert many.headers["content-type"].startswith("multipart/byteranges")
    for part in (whole[:10], whole[20:30], whole[-5:]):
        assert part in many.content
    # Overlapping ranges are merged, not repeated.
    overlapping = mclient.get(path, headers={"Range": "bytes=0-9,5-14"})
    assert overlapping.status_code == 206 and whole[:15] in overlapping.content
    # A stale If-Range: the whole file, as before.
    stale = mclient.get(path, headers={"Range": "bytes=0-9", "If-Range": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.content == whole


def test_plan_range_never_converts_huge_numbers() -> None:
    assert plan_range(f"bytes=0-{HUGE}", 100) == [(0, 99)]
    assert plan_range(f"bytes={HUGE}-", 100) == []
    assert plan_range("bytes=-0", 100) == []
    assert plan_range("bytes=-10", 0) == []
    assert plan_range("bytes=-200", 100) == [(0, 99)]
    assert plan_range("Bytes=1-2, 4-", 10) == [(1, 2), (4, 9)]
    assert plan_range("bytes=2-1", 10) is None
    assert plan_range("bytes=" + "0-1," * 17, 10) is None


# --------------------------------------------------------------------------------- 405 and OpenAPI


def test_405_names_the_allowed_methods(mclient: TestClient, mkey: str) -> None:
    response = mclient.delete("/suno/fetch", headers=auth(mkey))
    assert_task_error(response, 405, "method_not_allowed", "POST")
    assert response.headers["allow"] == "POST"
    response = mclient.put("/suno/fetch/some-id", headers=auth(mkey))
    assert_task_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"].split(", ")
    files = mclient.post("/files/x.mp3")
    assert_task_error(files, 405, "method_not_allowed")
    assert set(files.headers["allow"].split(", ")) >= {"GET", "HEAD"}


def test_openapi_lists_429_and_head_404(mclient: TestClient) -> None:
    paths = mclient.get("/openapi.json").json()["paths"]
    for path, item in paths.items():
        if not path.startswith("/suno/"):
            continue
        for method, operation in item.items():
            assert "429" in operation["responses"], (method, path)
    files = paths["/files/{name}"]
    assert "404" in files["head"]["responses"] and "404" in files["get"]["responses"]
    assert "416" in files["get"]["responses"]
