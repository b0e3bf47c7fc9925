"""songforge.net: the outbound URL guard and the capped fetcher, against a real local HTTP server."""

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from songforge.net import (
    FetchFailed,
    UrlRefused,
    check_target,
    describe_size,
    download_to_file,
    guard,
    post_json,
    validate_url_syntax,
)
from songforge.net import fetch as fetch_module

release = threading.Event()  # lets stalled handlers finish when the server stops


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.seen.append({"path": self.path, "host": self.headers.get("Host")})
        path = self.path
        if path == "/song.mp3":
            self._send(200, b"ID3" + b"a" * 997, {"Content-Type": "audio/mpeg; charset=binary"})
        elif path == "/named":
            self._send(
                200,
                b"RIFF" + b"w" * 96,
                {"Content-Type": "audio/wav", "Content-Disposition": 'attachment; filename="../../etc/My Song.wav"'},
            )
        elif path == "/endless":
            # No Content-Length: the size is only known by reading, so the cap must stop the read itself.
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"z" * 4096)
            except OSError:
                pass
            self.close_connection = True
        elif path == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            self.close_connection = True
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/song.mp3" if left == 0 else f"/hop/{left - 1}"
            self._send(302, headers={"Location": target})
        elif path == "/to-metadata":
            self._send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/to-ftp":
            self._send(301, headers={"Location": "ftp://example.com/song.mp3"})
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x")
            self.wfile.flush()
            release.wait(10)
            self.close_connection = True
        elif path == "/stall-headers":
            release.wait(10)
            self.close_connection = True
        elif path == "/trickle":
            # One byte every 0.1 s: each read succeeds at once, so only an overall deadline stops it.
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self._trickle(b"x" * 100000)
        elif path == "/trickle-headers":
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 100000)
        elif path == "/trickle-redirects":
            self._send(302, headers={"Location": "/trickle"})
        else:
            self._send(404, b"not here")

    def _trickle(self, data: bytes) -> None:
        try:
            for index in range(len(data)):
                if release.wait(0.1):
                    break
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
        except OSError:  # the client hung up: what the deadline should make it do
            pass
        self.close_connection = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Handler.seen.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if self.path == "/hook":
            self._send(204)
        elif self.path == "/hook-moved":
            self._send(307, headers={"Location": "/hook"})
        elif self.path == "/hook-slow":
            release.wait(10)
            self.close_connection = True
        else:
            self._send(500, b"broken")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_counts_as_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend 127.0.0.1 is a public address, so the local server can stand in for an internet host."""
    real = guard.address_problem
    monkeypatch.setattr(
        guard, "address_problem", lambda address: None if str(address) == "127.0.0.1" else real(address)
    )


def fetch(url: str, dest: Path, **overrides: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "max_bytes": 1_000_000,
        "timeout_s": 5.0,
        "max_redirects": 3,
        "allow_private": True,
    }
    options.update(overrides)
    return download_to_file(url, dest, **options)  # type: ignore[arg-type]


# --- addresses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "shown"),
    [
        ("http://10.0.0.5/a.mp3", "a private address", "10.0.0.5"),
        ("http://192.168.1.10/", "a private address", "192.168.1.10"),
        ("http://172.16.0.1/", "a private address", "172.16.0.1"),
        ("http://127.0.0.1:8000/", "a loopback address", "127.0.0.1"),
        ("http://0.0.0.0/", "an unspecified address", "0.0.0.0"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address", "169.254.169.254"),
        ("http://224.0.0.1/", "a multicast address", "224.0.0.1"),
        ("http://240.0.0.1/", "a reserved address", "240.0.0.1"),
        ("http://100.100.100.200/", "a non-public address", "100.100.100.200"),  # CGNAT / Alibaba metadata
        ("http://[::1]/", "a loopback address", "::1"),
        ("http://[::]/", "an unspecified address", "::"),
        ("http://[fe80::1]/", "a link-local address", "fe80::1"),
        ("http://[fc00::1]/", "a private address", "fc00::1"),
        ("http://[fd00:ec2::254]/", "a private address", "fd00:ec2::254"),  # AWS IPv6 metadata
        ("http://[ff02::1]/", "a multicast address", "ff02::1"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address", "::ffff:7f00:1"),
        ("http://[::ffff:10.0.0.5]/", "a private address", "::ffff:a00:5"),
        ("http://[::ffff:169.254.169.254]/", "a link-local address", "::ffff:a9fe:a9fe"),
        ("http://[2002:a00:5::1]/", "a private address", "2002:a00:5::1"),  # 6to4 around 10.0.0.5
        ("http://[64:ff9b::7f00:1]/", "a loopback address", "64:ff9b::7f00:1"),  # NAT64 around 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused_with_a_sentence(url: str, kind: str, shown: str) -> None:
    with pytest.raises(UrlRefused) as caught:
        check_target(url, allow_private=False)
    message = str(caught.value)
    assert f"points to {kind} ({shown})" in message
    assert "SONGFORGE_ALLOW_PRIVATE_URLS" in message


def test_a_host_name_is_refused_when_it_resolves_to_loopback() -> None:
    with pytest.raises(UrlRefused, match=r"host localhost resolves to a loopback address"):
        check_target("http://localhost:8000/x", allow_private=False)


def test_any_non_public_address_among_several_refuses_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_answers(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(guard.socket, "getaddrinfo", two_answers)
    with pytest.raises(UrlRefused, match=r"resolves to a private address \(10\.1\.2\.3\)"):
        check_target("https://mixed.example/song.mp3", allow_private=False)


@pytest.mark.parametrize("url", ["http://8.8.8.8/a.mp3", "https://[2606:4700:4700::1111]/"])
def test_public_addresses_pass(url: str) -> None:
    check_target(url, allow_private=False)


def test_allow_private_skips_the_address_check() -> None:
    check_target("http://10.0.0.5/a.mp3", allow_private=True)


# --- syntax ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://example.com/a.mp3", "only http and https URLs are accepted"),
        ("file:///etc/passwd", "only http and https URLs are accepted"),
        ("javascript:alert(1)", "only http and https URLs are accepted"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https URLs are accepted"),
        ("", "the URL is empty"),
        ("http:///nohost", "no host name"),
        ("https://example.com/" + "a" * 3000, "at most 2048 are accepted"),
        ("http://example.com/a b.mp3", "spaces or control characters"),
        ("http://example.com:99999/", "not a valid port number"),
    ],
)
def test_bad_urls_are_refused_before_any_network(url: str, expected: str) -> None:
    with pytest.raises(UrlRefused, match=expected):
        validate_url_syntax(url)


def test_good_url_syntax_is_returned_stripped() -> None:
    assert validate_url_syntax("  https://cdn.example.com/a.mp3?x=1 ") == "https://cdn.example.com/a.mp3?x=1"


def test_download_refuses_a_non_http_scheme(tmp_path: Path) -> None:
    with pytest.raises(UrlRefused, match="only http and https URLs are accepted"):
        fetch("file:///etc/passwd", tmp_path / "out")


# --- downloads -------------------------------------------------------------------------------------


def test_private_server_is_refused_by_default(server: str, tmp_path: Path) -> None:
    with pytest.raises(UrlRefused, match=r"loopback address \(127\.0\.0\.1\)"):
        fetch(f"{server}/song.mp3", tmp_path / "out", allow_private=False)
    assert not (tmp_path / "out").exists()


def test_allow_private_lets_a_local_server_through(server: str, tmp_path: Path) -> None:
    result = fetch(f"{server}/song.mp3", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"ID3" + b"a" * 997
    assert result.size == 1000
    assert result.content_type == "audio/mpeg"
    assert result.filename == "song.mp3"
    assert result.final_url == f"{server}/song.mp3"


def test_filename_comes_from_content_disposition_without_its_path(server: str, tmp_path: Path) -> None:
    result = fetch(f"{server}/named", tmp_path / "out")
    assert result.filename == "My Song.wav"
    assert result.content_type == "audio/wav"


def test_size_cap_stops_a_stream_longer_than_the_cap(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"the file is larger than the 64 KB limit"):
        fetch(f"{server}/endless", tmp_path / "out", max_bytes=64 * 1024)
    assert not (tmp_path / "out").exists()


def test_size_cap_refuses_a_declared_length_over_the_cap(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"the file is larger than the 1 MB limit"):
        fetch(f"{server}/declared-big", tmp_path / "out", max_bytes=1024 * 1024)


def test_describe_size_reads_like_the_setting() -> None:
    assert describe_size(200 * 1024 * 1024) == "200 MB"
    assert describe_size(1536) == "1.5 KB"
    assert describe_size(10) == "10 bytes"


def test_an_http_error_is_named(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"^the server answered 404$"):
        fetch(f"{server}/missing", tmp_path / "out")


def test_redirects_are_followed_up_to_the_cap(server: str, tmp_path: Path) -> None:
    result = fetch(f"{server}/hop/2", tmp_path / "out", max_redirects=3)
    assert result.final_url == f"{server}/song.mp3"
    assert result.size == 1000


def test_too_many_redirects(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"too many redirects \(more than 3\)"):
        fetch(f"{server}/hop/5", tmp_path / "out", max_redirects=3)


def test_redirect_to_a_non_http_scheme_is_refused(server: str, tmp_path: Path) -> None:
    with pytest.raises(UrlRefused, match="only http and https URLs are accepted"):
        fetch(f"{server}/to-ftp", tmp_path / "out")


def test_redirect_from_an_allowed_host_to_a_private_one_is_refused(
    server: str, tmp_path: Path, loopback_counts_as_public: None
) -> None:
    # The first hop is allowed (loopback stands in for a public host); the redirect is checked again.
    fetch(f"{server}/song.mp3", tmp_path / "ok", allow_private=False)
    with pytest.raises(UrlRefused, match=r"link-local address \(169\.254\.169\.254\)"):
        fetch(f"{server}/to-metadata", tmp_path / "out", allow_private=False)


def test_connection_goes_to_the_checked_address_with_the_original_host_name(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_counts_as_public: None
) -> None:
    # "songs.example" resolves (once, in the guard) to the checked address; the fetch must connect to that
    # address, not resolve the name again, and still present the name in the Host header.
    port = int(server.rsplit(":", 1)[1])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port_: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        lookups.append(host)
        if host == "songs.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]
        if host == "127.0.0.1":
            return real_getaddrinfo(host, port_, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(guard.socket, "getaddrinfo", fake_getaddrinfo)
    Handler.seen.clear()
    result = fetch(f"http://songs.example:{port}/song.mp3", tmp_path / "out", allow_private=False)
    assert result.final_url == f"http://songs.example:{port}/song.mp3"
    assert lookups.count("songs.example") == 1  # checked once, never resolved again to connect
    assert Handler.seen[-1]["host"] == f"songs.example:{port}"


def test_unknown_host_is_a_fetch_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(guard.socket, "getaddrinfo", no_such_host)
    with pytest.raises(FetchFailed, match=r"the host nowhere\.example could not be found"):
        fetch("https://nowhere.example/a.mp3", tmp_path / "out", allow_private=False)


def test_a_stalled_body_times_out(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"timed out after 0\.5 s"):
        fetch(f"{server}/stall", tmp_path / "out", timeout_s=0.5)
    assert not (tmp_path / "out").exists()


def test_stalled_headers_time_out(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match=r"timed out after 0\.5 s"):
        fetch(f"{server}/stall-headers", tmp_path / "out", timeout_s=0.5)


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers", "/trickle-redirects"])
def test_a_trickling_server_is_cut_at_the_deadline(server: str, tmp_path: Path, path: str) -> None:
    """The timeout is a deadline for the whole download (issue 10, F2: one byte every 0.5 s held a job
    thread for 67 s with an 8 s timeout)."""
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"timed out after 1\.5 s"):
        fetch(f"{server}{path}", tmp_path / "out", timeout_s=1.5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.5, f"the download took {elapsed:.1f} s with a 1.5 s deadline"
    assert not (tmp_path / "out").exists()


def test_a_stalled_read_is_cut_at_the_deadline_not_after_it(server: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="timed out"):
        fetch(f"{server}/stall", tmp_path / "out", timeout_s=1.0)
    assert time.monotonic() - started < 1.5


# --- post_json -------------------------------------------------------------------------------------


def test_post_json_sends_the_body_and_headers(server: str) -> None:
    Handler.seen.clear()
    status = post_json(f"{server}/hook", b'{"a":1}', {"X-Test": "yes"}, timeout_s=5, allow_private=True)
    assert status == 204
    seen = Handler.seen[-1]
    assert seen["body"] == b'{"a":1}'
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-test"] == "yes"


def test_post_json_does_not_follow_redirects(server: str) -> None:
    Handler.seen.clear()
    assert post_json(f"{server}/hook-moved", b"{}", {}, timeout_s=5, allow_private=True) == 307
    assert [s["path"] for s in Handler.seen] == ["/hook-moved"]


def test_post_json_refuses_private_targets(server: str) -> None:
    with pytest.raises(UrlRefused, match="loopback address"):
        post_json(f"{server}/hook", b"{}", {}, timeout_s=5, allow_private=False)


def test_post_json_times_out(server: str) -> None:
    with pytest.raises(FetchFailed, match=r"timed out after 0\.3 s"):
        post_json(f"{server}/hook-slow", b"{}", {}, timeout_s=0.3, allow_private=True)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_https_to_a_pinned_address_still_checks_the_certificate_for_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_counts_as_public: None
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=songs.example",
            "-addext",
            "subjectAltName=DNS:songs.example",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = httpd.server_address[1]
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port_: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host in ("songs.example", "other.example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]
        return real_getaddrinfo(host, port_, *args, **kwargs)

    monkeypatch.setattr(guard.socket, "getaddrinfo", fake_getaddrinfo)
    client_context = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(
        fetch_module,
        "_client",
        lambda: httpx.Client(follow_redirects=False, trust_env=False, verify=client_context),
    )
    try:
        result = fetch(f"https://songs.example:{port}/song.mp3", tmp_path / "out", allow_private=False)
        assert result.size == 1000
        # Same address, a name the certificate does not cover: the pinned connection must still refuse it.
        with pytest.raises(FetchFailed, match=r"could not connect to other\.example \(.*certificate"):
            fetch(f"https://other.example:{port}/song.mp3", tmp_path / "out2", allow_private=False)
    finally:
        httpd.shutdown()
        httpd.server_close()
