"""Accounts and API keys: keys are shown once and stored only as a hash."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from songforge.core.clock import new_id, now
from songforge.db.models import Account, ApiKey, LedgerEntry
from songforge.db.session import Database


@dataclass(frozen=True)
class IssuedKey:
    key: str  # "sk-…", shown once
    key_id: str
    account_id: str
    webhook_secret: str


@dataclass(frozen=True)
class Caller:
    """Who is calling: everything a request needs, resolved from the Bearer key."""

    key_id: str
    account_id: str
    webhook_secret: str
    rate_limit: str | None
    max_concurrent_tasks: int | None


def hash_key_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_secret_from_header(authorization: str | None) -> str | None:
    """`Bearer sk-abc` or `Bearer abc` → `abc` (new-api parity: text after a further `-` is a suffix)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    if token.startswith("sk-"):
        token = token[3:]
    return token.split("-", 1)[0] or None


def create_account(session: Session, name: str, balance_micros: int, *, is_admin: bool = False) -> Account:
    account = Account(id=new_id(), name=name, balance_micros=0, is_admin=is_admin, created_at=now())
    session.add(account)
    session.flush()
    if balance_micros:
        grant_credits(session, account, balance_micros, note="initial credits")
    return account


def grant_credits(session: Session, account: Account, amount_micros: int, *, note: str) -> None:
    account.balance_micros += amount_micros
    session.add(
        LedgerEntry(
            account_id=account.id,
            task_id=None,
            kind="grant",
            amount_micros=amount_micros,
            balance_after_micros=account.balance_micros,
            note=note,
            created_at=now(),
        )
    )


def issue_key(
    session: Session,
    account: Account,
    name: str,
    *,
    rate_limit: str | None = None,
    max_concurrent_tasks: int | None = None,
) -> IssuedKey:
    secret = secrets.token_hex(24)
    webhook_secret = "whsec_" + secrets.token_hex(24)
    key = ApiKey(
        id=new_id(),
        account_id=account.id,
        name=name,
        key_hash=hash_key_secret(secret),
        key_prefix=secret[:8],
        webhook_secret=webhook_secret,
        rate_limit=rate_limit,
        max_concurrent_tasks=max_concurrent_tasks,
        created_at=now(),
    )
    session.add(key)
    session.flush()
    return IssuedKey(key=f"sk-{secret}", key_id=key.id, account_id=account.id, webhook_secret=webhook_secret)


def lookup_caller(db: Database, key_hash: str) -> Caller | None:
    """The caller a key hash belongs to (None: unknown or revoked), in a transaction of its own."""
    with db.session() as session:
        return find_caller_by_hash(session, key_hash)


def find_caller(session: Session, secret: str) -> Caller | None:
    return find_caller_by_hash(session, hash_key_secret(secret))


def find_caller_by_hash(session: Session, key_hash: str) -> Caller | None:
    row = session.execute(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        return None
    return Caller(
        key_id=row.id,
        account_id=row.account_id,
        webhook_secret=row.webhook_secret,
        rate_limit=row.rate_limit,
        max_concurrent_tasks=row.max_concurrent_tasks,
    )


def revoke_key(session: Session, key_prefix_or_id: str) -> int:
    rows = session.execute(
        select(ApiKey).where(
            (ApiKey.id == key_prefix_or_id) | (ApiKey.key_prefix == key_prefix_or_id),
            ApiKey.revoked_at.is_(None),
        )
    ).scalars()
    count = 0
    for row in rows:
        row.revoked_at = now()
        count += 1
    return count
