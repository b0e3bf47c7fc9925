"""Operator actions of the command line (`songforge keys …`, `db upgrade`, first start), each in its own
transaction against the configured database."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select

from songforge.config import Settings, credits_to_micros, micros_to_credits
from songforge.core.accounts import IssuedKey, create_account, grant_credits, issue_key, revoke_key
from songforge.core.errors import NotInAccount
from songforge.core.personas import PersonaListing, list_personas
from songforge.core.services import Database, open_database
from songforge.db.migrate import current_revision
from songforge.db.models import Account, ApiKey


@dataclass(frozen=True)
class KeyListing:
    prefix: str  # the first characters of the secret, as "sk-abcd1234…" shows them
    name: str
    account_id: str
    credits: float
    revoked: bool


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    try:
        yield database
    finally:
        database.dispose()


def ensure_admin_key(settings: Settings) -> IssuedKey | None:
    """On the first start (no accounts yet) create the admin account and its key; None afterwards."""
    with _database(settings) as database, database.session() as session:
        if session.execute(select(func.count()).select_from(Account)).scalar_one():
            return None
        account = create_account(session, "admin", credits_to_micros(settings.admin_initial_credits), is_admin=True)
        return issue_key(session, account, "admin")


def create_key(
    settings: Settings,
    name: str,
    *,
    credits: float,
    account_id: str | None,
    rate_limit: str | None,
    max_concurrent_tasks: int | None,
) -> tuple[IssuedKey, float]:
    """A new key (for a new account, or added to `account_id` with `credits` granted); (key, credits now)."""
    with _database(settings) as database, database.session() as session:
        if account_id:
            owner = session.get(Account, account_id)
            if owner is None:
                raise NotInAccount(f"no account {account_id}")
            if credits:
                grant_credits(session, owner, credits_to_micros(credits), note=f"key {name}")
        else:
            owner = create_account(session, name, credits_to_micros(credits))
        issued = issue_key(session, owner, name, rate_limit=rate_limit, max_concurrent_tasks=max_concurrent_tasks)
        return issued, micros_to_credits(owner.balance_micros)


def list_keys(settings: Settings) -> list[KeyListing]:
    with _database(settings) as database, database.session() as session:
        rows = session.execute(select(ApiKey, Account).join(Account, ApiKey.account_id == Account.id)).all()
        return [
            KeyListing(
                prefix=key.key_prefix,
                name=key.name,
                account_id=account.id,
                credits=micros_to_credits(account.balance_micros),
                revoked=key.revoked_at is not None,
            )
            for key, account in rows
        ]


def revoke_keys(settings: Settings, key_prefix_or_id: str) -> int:
    """Revoke the active keys with this id or secret prefix; how many were revoked."""
    with _database(settings) as database, database.session() as session:
        return revoke_key(session, key_prefix_or_id)


def list_persona_rows(settings: Settings) -> list[PersonaListing]:
    with _database(settings) as database, database.session() as session:
        return list_personas(session)


def database_revision(settings: Settings) -> tuple[str | None, str | None]:
    """(the database's revision, the newest in the code) after migrating."""
    with _database(settings) as database:
        return current_revision(database.engine)


def schema_revision(settings: Settings) -> tuple[str | None, str | None]:
    """(the database's revision, the newest in the code), read without migrating (`songforge doctor`)."""
    database = Database(settings.resolved_database_url)
    try:
        return current_revision(database.engine)
    finally:
        database.dispose()
