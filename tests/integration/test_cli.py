"""The command line a user meets: --help everywhere, keys, doctor, db upgrade."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest
import soundfile

from songforge.core.stem_sets import TWELVE_STEMS

SONGFORGE = str(Path(sys.executable).parent / "songforge")


def run(data_dir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SONGFORGE_DATA_DIR": str(data_dir), **settings}
    return subprocess.run([SONGFORGE, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("serve",),
        ("worker",),
        ("keys",),
        ("keys", "create"),
        ("separate",),
        ("generate",),
        ("personas",),
        ("doctor",),
        ("db", "upgrade"),
    ],
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


@pytest.mark.slow
def test_generate_writes_a_song_with_its_stems_midi_timing_and_plan(tmp_path: Path) -> None:
    lyrics = tmp_path / "lyrics.txt"
    lyrics.write_text("[Verse]\nRain on the window pane\nI will be home again\n")
    out = tmp_path / "song"
    result = run(
        tmp_path, "generate", "--lyrics", str(lyrics), "--tags", "rock", "--voice", "m", "--seed", "3",
        "--out", str(out), SONGFORGE_MAX_SONG_SECONDS="20",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "generat" in result.stderr  # the progress bar
    stems = sorted(path.stem for path in (out / "stems").glob("*.wav"))
    assert stems == sorted(name.lower().replace(" ", "_") for name in TWELVE_STEMS)
    info = soundfile.info(str(out / "song.wav"))
    assert info.samplerate == 44100 and info.channels == 2 and 5.0 < info.duration <= 20.5
    assert (out / "song.mp3").read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    midi = pretty_midi.PrettyMIDI(str(out / "song.mid"))
    tracks = {instrument.name: instrument for instrument in midi.instruments}
    assert {"Vocals", "Drums", "Bass", "Guitar"} <= set(tracks) and set(tracks) <= set(TWELVE_STEMS)
    assert len(tracks["Vocals"].notes) >= 12  # 12 syllables sung
    timing = json.loads((out / "timing.json").read_text())
    assert [word["word"].strip().split("\n")[-1] for word in timing["aligned_words"]][:3] == ["Rain", "on", "the"]
    plan = json.loads((out / "plan.json").read_text())
    assert {"tempo", "key", "mode", "time_signature", "form", "instruments"} <= set(plan)
    assert plan["tempo"] > 100 and "Guitar" in plan["instruments"]


def test_generate_needs_something_to_sing_or_play(tmp_path: Path) -> None:
    result = run(tmp_path, "generate", "--out", str(tmp_path / "x"))
    assert result.returncode != 0 and "--description" in result.stderr
