"""A throw-away S3 server for tests: moto's standalone server on 127.0.0.1, a free port, one bucket.

    moto = MotoServer().start()
    settings = test_settings(data_dir, storage_url=moto.storage_url("clips"), s3_endpoint_url=moto.endpoint_url)
    # boto3 inside this process needs the credentials: monkeypatch.setenv(name, value) for moto.credentials
    # a subprocess gets them all: env={**os.environ, **moto.env("clips")}
    moto.stop()

Everything lives in the server's memory, so nothing is left behind once it stops; it gets SIGTERM from the
kernel if the test process dies first.
"""

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import boto3
import httpx
import pytest

from tests.integration.server_process import free_port

MOTO_SERVER = str(Path(sys.executable).parent / "moto_server")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


class MotoServer:
    def __init__(self, bucket: str = "songforge-test") -> None:
        self.bucket = bucket
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.credentials = dict(CREDENTIALS)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def storage_url(self, prefix: str = "") -> str:
        """SONGFORGE_STORAGE_URL of this server's bucket (under `prefix`, when given)."""
        return f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}"

    def env(self, prefix: str = "") -> dict[str, str]:
        """What a songforge subprocess needs to keep its files here: AWS_* and SONGFORGE_STORAGE_URL/S3_ENDPOINT_URL."""
        return {
            **self.credentials,
            "SONGFORGE_STORAGE_URL": self.storage_url(prefix),
            "SONGFORGE_S3_ENDPOINT_URL": self.endpoint_url,
        }

    def client(self) -> Any:
        """A boto3 S3 client of this server (for a test's own checks)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.credentials["AWS_DEFAULT_REGION"],
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
        )

    def start(self, timeout: float = 30.0) -> "MotoServer":
        """Run the server, wait until it answers and create the bucket; returns self."""
        for _ in range(3):  # another process may take the free port before the server binds it
            self.port = free_port()
            if self._run(timeout):
                self.client().create_bucket(Bucket=self.bucket)
                return self
        raise RuntimeError(f"moto_server could not bind a free port three times ({MOTO_SERVER})")

    def _run(self, timeout: float) -> bool:
        # setpriv (util-linux): the kernel stops the server if the test process dies without stopping it.
        wrapper = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
        # A file, not a pipe: the server logs every request, and a full pipe would stall it.
        self._close_log()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - kept open while the server runs; closed by stop()
        self.process = subprocess.Popen(
            [*wrapper, MOTO_SERVER, "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                error = self.log_text()
                if "Address already in use" in error:
                    return False
                raise RuntimeError(f"moto_server exited early ({self.process.returncode}):\n{error}")
            try:
                httpx.get(self.endpoint_url, timeout=1.0)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    output = self.log_text()
                    self.stop()
                    raise RuntimeError(
                        f"moto_server did not answer on {self.endpoint_url} within {timeout} s:\n{output}"
                    ) from None
                time.sleep(0.05)
            else:
                return True

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self._close_log()

    def log_text(self) -> str:
        """The server's last output (for a failing test's message)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-3000:]

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def moto_with_credentials() -> Iterator[MotoServer]:
    """A running server whose test credentials are in os.environ until the block ends (boto3 reads them there)."""
    with MotoServer() as server, pytest.MonkeyPatch.context() as patch:
        for name, value in server.credentials.items():
            patch.setenv(name, value)
        yield server
