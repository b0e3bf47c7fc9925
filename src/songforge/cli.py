"""`songforge serve | worker | keys | separate | generate | personas | doctor | db upgrade | move`."""

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from songforge.config import Settings
from songforge.logs import configure_logging

app = typer.Typer(help="songforge: a self-hosted music API server speaking the Suno task API.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
err = Console(stderr=True)


def _ensure_admin_key(settings: Settings) -> None:
    """On first start (no accounts yet) create an admin account and print its key once."""
    from songforge.core.admin import ensure_admin_key

    issued = ensure_admin_key(settings)
    if issued is None:
        return
    err.print("[bold green]First start: created the admin account.[/] Its API key (shown only once):")
    print(issued.key, flush=True)
    err.print(f"webhook signing secret: {issued.webhook_secret}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    job_threads: Annotated[int | None, typer.Option(help="Worker threads (0: API only, no jobs here).")] = None,
    processes: Annotated[
        int | None, typer.Option(help="HTTP processes; above 1, jobs run in one extra worker process (Linux).")
    ] = None,
) -> None:
    """Start the HTTP API (and the embedded workers) on http://127.0.0.1:8000 by default."""
    overrides: dict[str, Any] = {
        key: value
        for key, value in {"host": host, "port": port, "workers": job_threads, "http_processes": processes}.items()
        if value is not None
    }
    settings = Settings(**overrides)
    configure_logging()
    _ensure_admin_key(settings)
    where = f"http://{settings.host}:{settings.port} (data: {settings.data_dir.resolve()})"
    if settings.http_processes > 1:
        from songforge.supervisor import serve_processes

        err.print(f"songforge listening on {where} with {settings.http_processes} HTTP processes")
        raise typer.Exit(serve_processes(settings))

    import uvicorn

    from songforge.api.app import create_app
    from songforge.supervisor import uvicorn_config

    err.print(f"songforge listening on {where}")
    uvicorn.Server(uvicorn_config(create_app(settings), settings.host, settings.port)).run()


@app.command()
def worker(
    job_threads: Annotated[int, typer.Option(help="Jobs run at once (threads; with a broker, processes).")] = 2,
    concurrency: Annotated[int | None, typer.Option(help="The same as --job-threads (Celery's name).")] = None,
    queues: Annotated[
        str, typer.Option(help="With a broker: the queues served, comma-separated (cpu, gpu).")
    ] = "cpu,gpu",
) -> None:
    """Run job workers only (no HTTP), against the configured database and blob store.

    With SONGFORGE_BROKER_URL this is a Celery worker taking jobs from those queues in Redis; without it,
    job threads that take every queue's jobs from the database.
    """
    from songforge.core.jobs import Queue

    jobs_at_once = concurrency if concurrency is not None else job_threads
    served = [name.strip() for name in queues.split(",") if name.strip()]
    known = [queue.value for queue in Queue]
    if not served or any(name not in known for name in served):
        raise typer.BadParameter(f"--queues must name some of {', '.join(known)}, comma-separated; got {queues!r}")
    configure_logging()
    settings = Settings()
    if settings.broker_url:
        from songforge.worker.celery_worker import run_celery_worker

        err.print(f"songforge worker serving {','.join(served)} with {jobs_at_once} job process(es); Ctrl-C to stop")
        raise typer.Exit(run_celery_worker(settings, served, jobs_at_once))

    from songforge.core.services import build_services
    from songforge.worker.pool import run_pool_until_signalled

    services = build_services(settings)
    err.print(f"songforge worker running {jobs_at_once} job thread(s); Ctrl-C to stop")
    run_pool_until_signalled(services, jobs_at_once)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A name for the key (and its new account).")],
    credits: Annotated[float, typer.Option(help="Credits granted to the new account.")] = 0.0,
    account: Annotated[str | None, typer.Option(help="Add the key to this existing account id instead.")] = None,
    rate_limit: Annotated[str | None, typer.Option(help='Per-key rate limit, e.g. "60/minute".')] = None,
    max_concurrent: Annotated[int | None, typer.Option(help="Per-key unfinished-task limit.")] = None,
) -> None:
    """Create an API key; prints the key (sk-…) once, on its own line. Only its hash is stored."""
    from songforge.core.admin import create_key
    from songforge.core.errors import CoreError

    if rate_limit:
        from limits import parse

        try:
            parse(rate_limit)
        except ValueError as error:
            raise typer.BadParameter(f"{rate_limit!r} is not a rate like 60/minute") from error
    try:
        issued, balance = create_key(
            Settings(),
            name,
            credits=credits,
            account_id=account,
            rate_limit=rate_limit,
            max_concurrent_tasks=max_concurrent,
        )
    except CoreError as error:
        raise typer.BadParameter(error.message) from None
    print(issued.key, flush=True)
    err.print(f"account: {issued.account_id}  credits: {balance:g}")
    err.print(f"webhook signing secret: {issued.webhook_secret}")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, name, account, credits, status)."""
    from songforge.core.admin import list_keys

    table = Table("key", "name", "account", "credits", "status")
    for key in list_keys(Settings()):
        table.add_row(
            f"sk-{key.prefix}…", key.name, key.account_id, f"{key.credits:g}", "revoked" if key.revoked else "active"
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or its first 8 characters after sk-.")]) -> None:
    """Revoke a key (takes effect within a few seconds on running servers)."""
    from songforge.core.admin import revoke_keys

    count = revoke_keys(Settings(), key.removeprefix("sk-"))
    if not count:
        err.print(f"no active key matches {key!r}")
        raise typer.Exit(1)
    err.print(f"revoked {count} key(s)")


@app.command()
def personas() -> None:
    """List the personas of every account (voice and style kept from a generated clip)."""
    from songforge.core.admin import list_persona_rows

    table = Table("id", "account", "name", "root clip", "voice", "tags")
    for row in list_persona_rows(Settings()):
        table.add_row(row.id, row.account_id, row.name, row.root_clip_id, f"{row.voice}{row.timbre}", row.tags)
    Console().print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done on every start)."""
    from songforge.core.admin import database_revision

    revision, head = database_revision(Settings())
    err.print(f"database at revision {revision} (head {head})")


@app.command()
def move(
    to_database: Annotated[
        str, typer.Option(help="An empty database to copy into, e.g. postgresql+psycopg://user:pw@host/songforge.")
    ] = "",
    to_storage: Annotated[
        str,
        typer.Option(help="s3://bucket/prefix to copy the files to (SONGFORGE_S3_ENDPOINT_URL and AWS_* apply)."),
    ] = "",
) -> None:
    """Copy this install's database and files to PostgreSQL and S3 (stop songforge first); prints what to set."""
    from songforge.core.errors import CoreError
    from songforge.core.move_install import MoveTargets, move_install

    def say(line: str) -> None:  # URLs and file names, unwrapped and taken literally
        err.print(line, markup=False, highlight=False, soft_wrap=True)

    try:
        report = move_install(Settings(), MoveTargets(to_database, to_storage), say)
    except CoreError as error:
        say(f"cannot move: {error.message}")
        raise typer.Exit(1) from None
    if report.rows:
        say(f"database: {sum(report.rows.values())} rows in {len(report.rows)} tables, counted in both")
    if to_storage:
        say(
            f"files: {report.files} in {to_storage} ({report.files_uploaded} uploaded now, "
            f"{report.files_already_there} already there)"
        )
    say("Set these on every node, then start songforge there:")
    for setting in report.settings:
        note = f"  # {setting.note}" if setting.note else ""
        print(f"{setting.name}={setting.value}{note}", flush=True)


@app.command()
def doctor() -> None:
    """Report which engines, models and services are available."""
    from songforge.doctor import run_checks

    table = Table("check", "status", "detail")
    failed = False
    for check in run_checks(Settings()):
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]missing[/]", check.detail)
        failed = failed or (check.required and not check.ok)
    Console().print(table)
    if failed:
        raise typer.Exit(1)


@app.command()
def separate(
    file: Annotated[Path, typer.Argument(help="An audio file (mp3, wav, flac, ogg, m4a, …).", exists=True)],
    stems: Annotated[str, typer.Option(help="two (Vocals, Instrumental) or twelve.")] = "two",
    out: Annotated[Path, typer.Option(help="Output directory for one WAV per stem.")] = Path("stems"),
) -> None:
    """Split a file into stems: writes vocals.wav, instrumental.wav, … at the input's sample rate."""
    from songforge.cli_separate import separate_file
    from songforge.core.stem_sets import StemSet

    if stems not in ("two", "twelve"):
        raise typer.BadParameter("--stems must be two or twelve")
    try:
        written = separate_file(file, StemSet(stems), out)
    except ValueError as error:  # unreadable audio: a sentence, not a traceback
        err.print(f"[red]cannot separate {file}:[/] {error}")
        raise typer.Exit(1) from None
    for path in written:
        print(path)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Output directory.")],
    description: Annotated[str, typer.Option(help="What the song is about; the lyrics are written for you.")] = "",
    lyrics: Annotated[
        Path | None, typer.Option(help="A text file of lyrics, with [Verse]/[Chorus] tags.", exists=True)
    ] = None,
    tags: Annotated[str, typer.Option(help='Style words, e.g. "slow piano ballad" or "heavy metal".')] = "",
    negative_tags: Annotated[str, typer.Option(help='Styles to leave out, e.g. "drums".')] = "",
    title: Annotated[str, typer.Option(help="Song title.")] = "",
    instrumental: Annotated[bool, typer.Option(help="No vocals.")] = False,
    voice: Annotated[str, typer.Option(help="m or f (default: the style's usual voice).")] = "",
    seed: Annotated[int, typer.Option(help="Same request and seed: same song.")] = 0,
    duration: Annotated[
        float | None, typer.Option(help="Wanted length in seconds (default: as long as the lyrics need).", min=1)
    ] = None,
) -> None:
    """Make a song offline: song.wav, song.mp3, stems/<stem>.wav, song.mid, timing.json and plan.json."""
    from songforge.cli_generate import generate_files
    from songforge.engines.generation.errors import GenerationError
    from songforge.engines.generation.score import SongRequest
    from songforge.engines.generation.song import GenerationOptions

    if voice not in ("", "m", "f"):
        raise typer.BadParameter("--voice must be m or f")
    words = lyrics.read_text(encoding="utf-8") if lyrics else ""
    if not (words.strip() or description.strip() or tags.strip()):
        raise typer.BadParameter("give --description, --lyrics or --tags (for an instrumental)")
    settings = Settings()
    request = SongRequest(
        lyrics=words,
        description=description,
        tags=tags,
        negative_tags=negative_tags,
        title=title,
        instrumental=instrumental or not (words.strip() or description.strip()),
        voice="m" if voice == "m" else "f" if voice == "f" else None,
        seed=seed,
        duration_s=duration,
        max_duration_s=settings.max_song_seconds,
    )
    try:
        files = generate_files(request, out, options=GenerationOptions(soundfont=settings.soundfont))
    except GenerationError as error:
        err.print(f"[red]cannot make this song:[/] {error}")
        raise typer.Exit(1) from None
    for path in files.all():
        print(path)


if __name__ == "__main__":
    app()
