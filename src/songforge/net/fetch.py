"""Outbound HTTP for upload-by-URL and webhooks, with the guard of guard.py applied to every hop.

Redirects are followed by hand so that each hop's host is resolved and checked again, and every
connection goes to the address that was checked (the Host header and TLS SNI/certificate check still use
the name in the URL). Time is bounded by one overall deadline, not only per read.

Residual risks, documented rather than hidden:
- A server that trickles bytes can hold a download for up to twice ``timeout_s``: each read may wait
  the time that was left when the request started, and the deadline is checked between reads.
- Environment proxies (HTTP_PROXY, …) are ignored on purpose: a proxy would resolve names itself,
  out of the guard's sight.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import unquote

import httpx

from songforge.net.guard import FetchFailed, Target, resolve_target

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "songforge/0.1"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    final_url: str  # the URL the body came from, after redirects (host name, not the pinned address)
    content_type: str  # media type without parameters, lower case; "" when the server sent none
    size: int
    filename: str  # from Content-Disposition, else the URL path; never contains a path separator


def download_to_file(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout_s: float,
    max_redirects: int,
    allow_private: bool,
) -> FetchResult:
    """Download ``url`` into ``dest``. Raises UrlRefused (bad or non-public URL) or FetchFailed.

    ``dest`` is removed again when the download fails part-way.
    """
    deadline = time.monotonic() + timeout_s
    current = url
    redirects = 0
    try:
        with _client() as client:
            while True:
                target = resolve_target(current, allow_private, _remaining(deadline, timeout_s))
                with _exchange(client, "GET", target, deadline=deadline, timeout_s=timeout_s) as response:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_STATUSES and location:
                        redirects += 1
                        if redirects > max_redirects:
                            raise FetchFailed(f"too many redirects (more than {max_redirects})")
                        current = str(target.url.join(location))
                        continue
                    if not 200 <= response.status_code < 300:
                        raise FetchFailed(f"the server answered {response.status_code}")
                    size = _stream_to_file(response, dest, max_bytes, deadline, timeout_s)
                    return FetchResult(
                        final_url=str(target.url),
                        content_type=_media_type(response.headers.get("content-type", "")),
                        size=size,
                        filename=_filename(response.headers.get("content-disposition", ""), target.url),
                    )
    except httpx.TimeoutException:
        raise FetchFailed(f"timed out after {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the download failed ({_reason(exc)})") from None


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout_s: float,
    allow_private: bool,
) -> int:
    """POST ``body`` as JSON and return the status code; redirects are not followed (a 3xx is returned).

    Raises UrlRefused for a URL that is refused, FetchFailed when no answer came. The response body is
    never read, so a receiver cannot make songforge hold a large answer in memory.
    """
    deadline = time.monotonic() + timeout_s
    request_headers = {"Content-Type": "application/json", **headers}
    try:
        target = resolve_target(url, allow_private, _remaining(deadline, timeout_s))
        with (
            _client() as client,
            _exchange(
                client,
                "POST",
                target,
                deadline=deadline,
                timeout_s=timeout_s,
                headers=request_headers,
                content=body,
            ) as response,
        ):
            return response.status_code
    except httpx.TimeoutException:
        raise FetchFailed(f"timed out after {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the request failed ({_reason(exc)})") from None


def describe_size(n: int) -> str:
    """200 * 1024 * 1024 → "200 MB" (binary multiples, as operators set them)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{round(n / scale, 1):g} {unit}"
    return f"{n} bytes"


def _client() -> httpx.Client:
    return httpx.Client(
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


@contextmanager
def _exchange(
    client: httpx.Client,
    method: str,
    target: Target,
    *,
    deadline: float,
    timeout_s: float,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Iterator[httpx.Response]:
    """Send one request to the checked addresses in turn (pinned), yielding the streaming response."""
    last_error: Exception | None = None
    for address in target.addresses or (None,):
        request_headers = dict(headers or {})
        extensions: dict[str, object] = {}
        url = target.url
        if address is not None:
            url = target.url.copy_with(host=str(address))
            request_headers["Host"] = _host_header(target)
            if target.url.scheme == "https":
                extensions["sni_hostname"] = target.host
        request = client.build_request(
            method,
            url,
            headers=request_headers,
            content=content,
            timeout=httpx.Timeout(_remaining(deadline, timeout_s)),
            extensions=extensions,
        )
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectError as exc:  # try the host's next address
            last_error = exc
            continue
        try:
            yield response
        finally:
            response.close()
        return
    raise FetchFailed(f"could not connect to {target.host} ({_reason(last_error)})")


def _stream_to_file(response: httpx.Response, dest: Path, max_bytes: int, deadline: float, timeout_s: float) -> int:
    too_big = FetchFailed(f"the file is larger than the {describe_size(max_bytes)} limit")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    dest.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with dest.open("wb") as handle:
            for chunk in response.iter_bytes(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise too_big
                handle.write(chunk)
                _remaining(deadline, timeout_s)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size


def _remaining(deadline: float, timeout_s: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(f"timed out after {timeout_s:g} s")
    return left


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default_port = 443 if target.url.scheme == "https" else 80
    return host if target.port == default_port else f"{host}:{target.port}"


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _filename(content_disposition: str, url: httpx.URL) -> str:
    name = ""
    if content_disposition:
        message = Message()
        message["content-disposition"] = content_disposition
        name = message.get_filename() or ""  # handles filename*=UTF-8''… (RFC 2231/5987)
    if not name:
        name = unquote(url.path.rstrip("/").rsplit("/", 1)[-1])
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name[:200] or "download"


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "no address to connect to"
    return str(exc) or type(exc).__name__
