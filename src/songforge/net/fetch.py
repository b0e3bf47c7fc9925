"""Outbound HTTP for upload-by-URL and webhooks, with the guard of guard.py applied to every hop.

Redirects are followed by hand so that each hop's host is resolved and checked again, and every
connection goes to the address that was checked (the Host header and TLS SNI/certificate check still use
the name in the URL).

Time is bounded by one overall deadline (`timeout_s`) for the whole exchange — name resolution, connects,
redirects, headers and body: it is checked after every chunk the server sends, and a timer shuts the
connection's socket down when it passes, so a server that trickles bytes (or stalls mid-read) cannot hold
a download past it.

Residual risk, documented rather than hidden: environment proxies (HTTP_PROXY, …) are ignored on purpose:
a proxy would resolve names itself, out of the guard's sight.
"""

import contextlib
import functools
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import unquote

import httpx

from songforge.net.guard import FetchFailed, Target, resolve_target

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "songforge/0.1"


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
    current = url
    redirects = 0
    with _Deadline(timeout_s) as deadline:
        try:
            with _client() as client:
                while True:
                    target = resolve_target(current, allow_private, deadline.remaining())
                    with _exchange(client, "GET", target, deadline) as response:
                        location = response.headers.get("location")
                        if response.status_code in REDIRECT_STATUSES and location:
                            redirects += 1
                            if redirects > max_redirects:
                                raise FetchFailed(f"too many redirects (more than {max_redirects})")
                            current = str(target.url.join(location))
                            continue
                        if not 200 <= response.status_code < 300:
                            raise FetchFailed(f"the server answered {response.status_code}")
                        size = _stream_to_file(response, dest, max_bytes, deadline)
                        return FetchResult(
                            final_url=str(target.url),
                            content_type=_media_type(response.headers.get("content-type", "")),
                            size=size,
                            filename=_filename(response.headers.get("content-disposition", ""), target.url),
                        )
        except httpx.TimeoutException:
            raise deadline.failure() from None
        except (httpx.HTTPError, FetchFailed) as exc:
            if deadline.expired:  # the timer cut the connection: whatever broke, the cause is the deadline
                raise deadline.failure() from None
            if isinstance(exc, FetchFailed):
                raise
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
    request_headers = {"Content-Type": "application/json", **headers}
    with _Deadline(timeout_s) as deadline:
        try:
            target = resolve_target(url, allow_private, deadline.remaining())
            with (
                _client() as client,
                _exchange(client, "POST", target, deadline, headers=request_headers, content=body) as response,
            ):
                return response.status_code
        except httpx.TimeoutException:
            raise deadline.failure() from None
        except (httpx.HTTPError, FetchFailed) as exc:
            if deadline.expired:
                raise deadline.failure() from None
            if isinstance(exc, FetchFailed):
                raise
            raise FetchFailed(f"the request failed ({_reason(exc)})") from None


def describe_size(n: int) -> str:
    """200 * 1024 * 1024 → "200 MB" (binary multiples, as operators set them)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{round(n / scale, 1):g} {unit}"
    return f"{n} bytes"


def _client() -> httpx.Client:
    return httpx.Client(
        verify=_tls_context(),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Made once: loading the CA bundle costs milliseconds of CPU per client (webhooks make one per delivery),
    and one context is safe to share between threads."""
    return httpx.create_ssl_context(trust_env=False)


class _Deadline:
    """One overall deadline for an outbound exchange.

    `remaining()` raises the timeout once it has passed (checked between steps and after every chunk read);
    a timer shuts down the sockets of the exchange's connections when it passes, which wakes a read or
    handshake that is blocked waiting for the server, so no single read can outlive the deadline either.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.at = time.monotonic() + timeout_s
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(timeout_s, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def failure(self) -> FetchFailed:
        return FetchFailed(f"timed out after {self.timeout_s:g} s")

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0 or self.expired:
            raise self.failure()
        return left

    def trace(self, event_name: str, info: Mapping[str, object]) -> None:
        """httpcore's `trace` extension: note each new connection's socket, to cut it at the deadline."""
        if not event_name.endswith((".connect_tcp.complete", ".start_tls.complete")):
            return
        stream = info.get("return_value")
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if get_extra_info is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _cut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def _exchange(
    client: httpx.Client,
    method: str,
    target: Target,
    deadline: _Deadline,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Iterator[httpx.Response]:
    """Send one request to the checked addresses in turn (pinned), yielding the streaming response."""
    last_error: Exception | None = None
    for address in target.addresses or (None,):
        request_headers = dict(headers or {})
        extensions: dict[str, object] = {"trace": deadline.trace}
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
            timeout=httpx.Timeout(deadline.remaining()),
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


def _stream_to_file(response: httpx.Response, dest: Path, max_bytes: int, deadline: _Deadline) -> int:
    too_big = FetchFailed(f"the file is larger than the {describe_size(max_bytes)} limit")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    dest.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with dest.open("wb") as handle:
            for chunk in response.iter_bytes():  # each chunk as it arrives: the deadline is checked per read
                size += len(chunk)
                if size > max_bytes:
                    raise too_big
                handle.write(chunk)
                deadline.remaining()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size


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
