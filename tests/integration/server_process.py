"""Run `songforge serve` as a real subprocess on a free port, for integration tests and benchmarks."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SONGFORGE = str(Path(sys.executable).parent / "songforge")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        command: list[str] | None = None,
        environment: dict[str, str] | None = None,
        **env: str,
    ) -> None:
        """`env`: SONGFORGE_* settings of this server. `command` and `environment`: how to run songforge
        (default: this venv's `songforge` in this process's environment; a benchmark of another source tree
        runs `python -m songforge.cli` with that tree on PYTHONPATH)."""
        self.data_dir = data_dir
        self.command = command or [SONGFORGE]
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **(environment if environment is not None else os.environ),
            "SONGFORGE_DATA_DIR": str(data_dir),
            "SONGFORGE_PORT": str(self.port),
            **env,
        }
        self.process: subprocess.Popen[str] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.admin_key: str | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("a")
        stdout_path = self.data_dir.parent / f"stdout-{self.port}-{time.monotonic_ns()}.txt"
        self._stdout_path = stdout_path
        self.process = subprocess.Popen(
            [*self.command, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=stdout_path.open("w"),
            stderr=log,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"songforge serve exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"songforge serve did not answer /healthz:\n{self.log_path.read_text()[-3000:]}")
        for line in stdout_path.read_text().splitlines():
            if line.startswith("sk-"):
                self.admin_key = line.strip()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, exactly like a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.command, *args], env=self.env, capture_output=True, text=True, timeout=60)
