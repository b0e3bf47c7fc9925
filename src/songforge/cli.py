"""`songforge serve | worker | keys | separate | doctor | db upgrade`."""

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from songforge.config import Settings, credits_to_micros, micros_to_credits
from songforge.logs import configure_logging

app = typer.Typer(help="songforge: a self-hosted music API server speaking the Suno task API.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
err = Console(stderr=True)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from songforge.db.migrate import upgrade_database
    from songforge.db.session import Database

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    upgrade_database(database.engine)
    return database


def _ensure_admin_key(settings: Settings) -> None:
    """On first start (no accounts yet) create an admin account and print its key once."""
    from sqlalchemy import func, select

    from songforge.core.accounts import create_account, issue_key
    from songforge.db.models import Account

    database = _database(settings)
    with database.session() as session:
        if session.execute(select(func.count()).select_from(Account)).scalar_one():
            return
        account = create_account(
            session, "admin", credits_to_micros(settings.admin_initial_credits), is_admin=True
        )
        issued = issue_key(session, account, "admin")
    database.dispose()
    err.print("[bold green]First start: created the admin account.[/] Its API key (shown only once):")
    print(issued.key, flush=True)
    err.print(f"webhook signing secret: {issued.webhook_secret}")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,
    job_threads: Annotated[Optional[int], typer.Option(help="Worker threads (0: API only, no jobs here).")] = None,
    processes: Annotated[
        Optional[int], typer.Option(help="HTTP processes; above 1, jobs run in one extra worker process (Linux).")
    ] = None,
) -> None:
    """Start the HTTP API (and the embedded workers) on http://127.0.0.1:8000 by default."""
    overrides = {
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
    job_threads: Annotated[int, typer.Option(help="Job threads in this worker process.")] = 2,
) -> None:
    """Run job workers only (no HTTP), against the configured database and blob store."""
    from songforge.core.services import build_services
    from songforge.db.migrate import upgrade_database
    from songforge.worker.pool import run_pool_until_signalled

    configure_logging()
    services = build_services(Settings())
    upgrade_database(services.db.engine)
    err.print(f"songforge worker running {job_threads} job thread(s); Ctrl-C to stop")
    run_pool_until_signalled(services, job_threads)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A name for the key (and its new account).")],
    credits: Annotated[float, typer.Option(help="Credits granted to the new account.")] = 0.0,
    account: Annotated[Optional[str], typer.Option(help="Add the key to this existing account id instead.")] = None,
    rate_limit: Annotated[Optional[str], typer.Option(help='Per-key rate limit, e.g. "60/minute".')] = None,
    max_concurrent: Annotated[Optional[int], typer.Option(help="Per-key unfinished-task limit.")] = None,
) -> None:
    """Create an API key; prints the key (sk-…) once, on its own line. Only its hash is stored."""
    from songforge.core.accounts import create_account, grant_credits, issue_key
    from songforge.db.models import Account

    if rate_limit:
        from limits import parse

        try:
            parse(rate_limit)
        except ValueError as error:
            raise typer.BadParameter(f"{rate_limit!r} is not a rate like 60/minute") from error
    database = _database(Settings())
    with database.session() as session:
        if account:
            owner = session.get(Account, account)
            if owner is None:
                raise typer.BadParameter(f"no account {account}")
            if credits:
                grant_credits(session, owner, credits_to_micros(credits), note=f"key {name}")
        else:
            owner = create_account(session, name, credits_to_micros(credits))
        issued = issue_key(session, owner, name, rate_limit=rate_limit, max_concurrent_tasks=max_concurrent)
    print(issued.key, flush=True)
    err.print(f"account: {issued.account_id}  credits: {micros_to_credits(owner.balance_micros):g}")
    err.print(f"webhook signing secret: {issued.webhook_secret}")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, name, account, credits, status)."""
    from sqlalchemy import select

    from songforge.db.models import Account, ApiKey

    database = _database(Settings())
    table = Table("key", "name", "account", "credits", "status")
    with database.session() as session:
        for key, account in session.execute(select(ApiKey, Account).join(Account, ApiKey.account_id == Account.id)):
            status = "revoked" if key.revoked_at else "active"
            table.add_row(
                f"sk-{key.key_prefix}…", key.name, account.id, f"{micros_to_credits(account.balance_micros):g}", status
            )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or its first 8 characters after sk-.")]) -> None:
    """Revoke a key (takes effect within a few seconds on running servers)."""
    from songforge.core.accounts import revoke_key

    database = _database(Settings())
    with database.session() as session:
        count = revoke_key(session, key.removeprefix("sk-"))
    if not count:
        err.print(f"no active key matches {key!r}")
        raise typer.Exit(1)
    err.print(f"revoked {count} key(s)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done on every start)."""
    from songforge.db.migrate import current_revision

    database = _database(Settings())
    revision, head = current_revision(database.engine)
    err.print(f"database at revision {revision} (head {head})")


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
    from songforge.engines.separation import StemSet

    if stems not in ("two", "twelve"):
        raise typer.BadParameter("--stems must be two or twelve")
    try:
        written = separate_file(file, StemSet(stems), out)
    except ValueError as error:  # unreadable audio: a sentence, not a traceback
        err.print(f"[red]cannot separate {file}:[/] {error}")
        raise typer.Exit(1) from None
    for path in written:
        print(path)


if __name__ == "__main__":
    app()
