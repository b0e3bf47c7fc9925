"""The command line a user meets: --help everywhere, keys, doctor, db upgrade."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SONGFORGE = str(Path(sys.executable).parent / "songforge")


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SONGFORGE_DATA_DIR": str(data_dir)}
    return subprocess.run([SONGFORGE, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "command",
    [(), ("serve",), ("worker",), ("keys",), ("keys", "create"), ("separate",), ("doctor",), ("db", "upgrade")],
)
def test_every_command_has_help(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = run(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    created = run(tmp_path, "keys", "create", "--name", "alice", "--credits", "7")
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sk-") and len(lines[0]) > 20
    assert "webhook signing secret: whsec_" in created.stderr
    # Only a hash is stored: the key itself appears nowhere in the data dir.
    secret = lines[0][3:]
    assert not any(secret.encode() in path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())

    listed = run(tmp_path, "keys", "list")
    assert "alice" in listed.stdout and "active" in listed.stdout and "7" in listed.stdout

    assert run(tmp_path, "keys", "revoke", secret[:8]).returncode == 0
    assert "revoked" in run(tmp_path, "keys", "list").stdout
    assert run(tmp_path, "keys", "revoke", "nosuchkey").returncode == 1


def test_keys_create_rejects_a_bad_rate(tmp_path: Path) -> None:
    result = run(tmp_path, "keys", "create", "--name", "x", "--rate-limit", "lots")
    assert result.returncode != 0 and "not a rate" in result.stderr


def test_doctor_and_db_upgrade(tmp_path: Path) -> None:
    upgraded = run(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0 and "revision" in upgraded.stderr
    doctor = run(tmp_path, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for expected in ("database", "audio codecs", "spleeter 2-stem weights", "demucs"):
        assert expected in doctor.stdout
    assert "up to date" in doctor.stdout
