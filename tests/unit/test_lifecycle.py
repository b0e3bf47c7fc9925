"""The task state machine: compare-and-swap transitions, refund exactly once, leases, deadlines."""

from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, update

from songforge.config import Settings, credits_to_micros
from songforge.core.accounts import Caller, create_account, find_caller, issue_key
from songforge.core.errors import QuotaExceeded
from songforge.core.lifecycle import claim_task, complete_task, fail_task, renew_lease
from songforge.core.services import Services, build_services
from songforge.core.task_reader import TaskReader
from songforge.db.models import Account, LedgerEntry, Task, WebhookDelivery
from songforge.worker.sweeper import sweep
from tests.task_factory import create_lyrics_task


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build_services(Settings(data_dir=tmp_path, job_deadline_seconds=3600))


def _caller(services: Services, credits: float) -> Caller:
    with services.db.session() as session:
        account = create_account(session, "t", credits_to_micros(credits))
        secret = issue_key(session, account, "t").key[3:]
        caller = find_caller(session, secret)
    assert caller is not None
    return caller


def _balance(services: Services, caller: Caller) -> int:
    with services.db.session() as session:
        return session.execute(select(Account.balance_micros).where(Account.id == caller.account_id)).scalar_one()


def _stored(services: Services, task_id: str) -> dict[str, object]:
    with services.db.session() as session:
        stored: dict[str, object] = orjson.loads(
            session.execute(select(Task.wire_json).where(Task.id == task_id)).scalar_one()
        )
        return stored


def test_price_is_reserved_and_refunded_exactly_once(services: Services) -> None:
    caller = _caller(services, 1.0)
    task_id = create_lyrics_task(services, caller)
    assert _balance(services, caller) == credits_to_micros(0.98)
    with services.db.session() as session:
        assert fail_task(session, task_id, "boom", services.signer, error_type="test")
    with services.db.session() as session:  # a second failure (e.g. the sweeper racing) changes nothing
        assert not fail_task(session, task_id, "boom again", services.signer, error_type="test")
    assert _balance(services, caller) == credits_to_micros(1.0)
    with services.db.session() as session:
        kinds = session.execute(select(LedgerEntry.kind).where(LedgerEntry.task_id == task_id)).scalars().all()
    assert sorted(kinds) == ["charge", "refund"]
    stored = _stored(services, task_id)
    assert stored["status"] == "FAILURE" and stored["fail_reason"] == "boom" and stored["progress"] == "100%"


def test_quota_not_enough_leaves_no_task(services: Services) -> None:
    caller = _caller(services, 0.01)
    with pytest.raises(QuotaExceeded):
        create_lyrics_task(services, caller)
    assert _balance(services, caller) == credits_to_micros(0.01)


def test_only_the_lease_owner_completes_and_a_finished_task_cannot_fail(services: Services) -> None:
    caller = _caller(services, 1.0)
    task_id = create_lyrics_task(services, caller)
    with services.db.session() as session:
        assert claim_task(session, task_id, "worker-a", 30.0, services.signer)
        assert not claim_task(session, task_id, "worker-b", 30.0, services.signer)  # lease still valid
    with services.db.session() as session:
        assert not complete_task(session, task_id, "worker-b", services.signer, result={"text": "x"})
        assert complete_task(session, task_id, "worker-a", services.signer, result={"id": task_id, "text": "x"})
    with services.db.session() as session:
        assert not fail_task(session, task_id, "late", services.signer, error_type="test")
    assert _balance(services, caller) == credits_to_micros(0.98)
    assert _stored(services, task_id)["status"] == "SUCCESS"


def test_expired_lease_is_reclaimed_and_progress_never_goes_back(services: Services) -> None:
    caller = _caller(services, 1.0)
    task_id = create_lyrics_task(services, caller)
    with services.db.session() as session:
        assert claim_task(session, task_id, "dead-worker", -1.0, services.signer)  # lease already expired
        assert renew_lease(session, task_id, "dead-worker", -1.0, 40, services.signer)
    with services.db.session() as session:
        assert claim_task(session, task_id, "new-worker", 30.0, services.signer)
        assert not renew_lease(session, task_id, "dead-worker", 30.0, 90, services.signer)  # not ours any more
        assert renew_lease(session, task_id, "new-worker", 30.0, 10, services.signer)
        task = session.get(Task, task_id)
        assert task is not None and task.attempts == 2 and task.progress == 40
    assert _stored(services, task_id)["progress"] == "40%"


def test_deadline_fails_the_task_with_a_clear_reason(services: Services) -> None:
    caller = _caller(services, 1.0)
    task_id = create_lyrics_task(services, caller)
    with services.db.session() as session:
        session.execute(update(Task).where(Task.id == task_id).values(deadline_at=0.0))
    sweep(services)
    stored = _stored(services, task_id)
    assert stored["status"] == "FAILURE"
    assert "time out" in str(stored["fail_reason"]) and "deadline" in str(stored["fail_reason"])
    assert _balance(services, caller) == credits_to_micros(1.0)


def test_each_visible_status_change_queues_one_webhook_in_order(services: Services) -> None:
    caller = _caller(services, 1.0)
    task_id = create_lyrics_task(services, caller, hook="https://example.com/hook")
    with services.db.session() as session:
        claim_task(session, task_id, "w", 30.0, services.signer)
        renew_lease(session, task_id, "w", 30.0, 50, services.signer)  # progress only: no webhook
        complete_task(session, task_id, "w", services.signer, result={"id": task_id, "text": "la"})
    with services.db.session() as session:
        rows = (
            session.execute(
                select(WebhookDelivery).where(WebhookDelivery.task_id == task_id).order_by(WebhookDelivery.created_at)
            )
            .scalars()
            .all()
        )
    assert [row.event for row in rows] == ["QUEUED", "IN_PROGRESS", "SUCCESS"]
    final = orjson.loads(rows[-1].payload)
    assert final["status"] == "SUCCESS" and final["data"]["text"] == "la"


def _statuses(reader: TaskReader, caller: Caller, ids: list[str]) -> list[str]:
    return [orjson.loads(body)["status"] for body in reader.read(caller.account_id, ids)]


def test_fetch_follows_every_change_and_serves_only_the_owner(services: Services) -> None:
    owner, stranger = _caller(services, 5.0), _caller(services, 5.0)
    reader = services.task_reader
    task_id = create_lyrics_task(services, owner)
    assert _statuses(reader, owner, [task_id]) == ["QUEUED"]
    with services.db.session() as session:
        claim_task(session, task_id, "w", 30.0, services.signer)
    assert _statuses(reader, owner, [task_id]) == ["IN_PROGRESS"], "an unfinished task is never served stale"
    with services.db.session() as session:
        fail_task(session, task_id, "boom", services.signer, error_type="test")
    assert _statuses(reader, owner, [task_id]) == ["FAILURE"]
    assert _statuses(reader, stranger, [task_id]) == [], "a finished (remembered) task stays the owner's"
    other = create_lyrics_task(services, owner)
    asked = [other, "not-an-id", task_id, other, "00000000-0000-4000-8000-000000000000"]
    assert [orjson.loads(body)["task_id"] for body in reader.read(owner.account_id, asked)] == [other, task_id]


def test_remembered_tasks_stay_within_the_memory_budget(services: Services) -> None:
    caller = _caller(services, 5.0)
    ids = [create_lyrics_task(services, caller) for _ in range(6)]
    for task_id in ids:
        with services.db.session() as session:
            fail_task(session, task_id, "boom", services.signer, error_type="test")
    one_task = len(services.task_reader.read(caller.account_id, ids[:1])[0])
    reader = TaskReader(services.db, services.signer.base_url, cache_bytes=3 * one_task)
    for _ in range(2):
        assert _statuses(reader, caller, ids) == ["FAILURE"] * 6
        assert reader.cached_bytes <= 3 * one_task
