"""The task state machine: every status change is a compare-and-swap update in one transaction.

Each change that a client can see also writes its webhook delivery row in the same transaction
(outbox), so a crash can neither lose a webhook nor send one for a change that did not happen.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from songforge.core.accounts import Caller
from songforge.core.clip_files import ATTACHABLE_ROLES, ClipFiles, StoredAsset
from songforge.core.clock import new_id, now
from songforge.core.errors import QuotaExceeded
from songforge.core.jobs import SHOWN_ON_SOURCE, JobKind, JobParams, params_as_stored
from songforge.core.queries import render_task_object
from songforge.core.status import ACTIVE_TASK_STATUSES, CLIP_STATUS_WHILE, ClipStatus, TaskStatus
from songforge.core.urls import ASSET_ROLE, UrlSigner
from songforge.core.wire import with_base_url
from songforge.db.models import Account, Clip, ClipAsset, LedgerEntry, Task, WebhookDelivery, WireEpoch


@dataclass(frozen=True)
class NewClip:
    title: str
    data: dict[str, Any]  # Suno clip fields except id/status/URLs
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class ClipOutput:
    """What a finished job hands back for one of its task's clips: the wire fields and the files."""

    clip_id: str
    data: dict[str, Any]
    files: ClipFiles
    assets: tuple[StoredAsset, ...] = ()  # a generated song's exact stems, MIDI, timing and plan


@dataclass(frozen=True)
class AttachedFile:
    """A file rendered later for an existing clip (its WAV, its video), set on that clip's row."""

    clip_id: str
    role: str  # a column of ATTACHABLE_ROLES, or ASSET_ROLE (then `asset` names it, e.g. MIDI notes)
    blob_name: str
    asset: str = ""

    def __post_init__(self) -> None:
        if self.role not in ATTACHABLE_ROLES and not (self.role == ASSET_ROLE and self.asset):
            raise ValueError(f"{self.role!r} is not a file that can be attached to a finished clip")


def create_task(
    session: Session,
    caller: Caller,
    kind: JobKind,
    params: JobParams,
    signer: UrlSigner,
    *,
    price_micros: int,
    request_body: Any,
    notify_hook: str,
    clips: list[NewClip],
    deadline_seconds: float,
    source_clip_id: str | None = None,
) -> Task:
    """Insert a QUEUED task and its clips, reserving the price (Part A §14): once this transaction commits,
    any worker may claim it; the dispatcher only shortens the wait."""
    reserve_credits(session, caller.account_id, price_micros)
    moment = now()
    task = Task(
        id=new_id(),
        account_id=caller.account_id,
        api_key_id=caller.key_id,
        action=kind.action,
        kind=kind.name,
        status=TaskStatus.QUEUED,
        progress=0,
        fail_reason="",
        submit_time=int(moment),
        start_time=0,
        finish_time=0,
        notify_hook=notify_hook,
        request_json=request_as_json(request_body),
        params_json=orjson.dumps(params_as_stored(params)).decode(),
        source_clip_id=source_clip_id,
        price_micros=price_micros,
        next_run_at=moment,
        deadline_at=moment + deadline_seconds,
        updated_at=moment,
    )
    session.add(task)
    session.flush()
    if price_micros:
        _ledger(session, caller.account_id, task.id, "charge", -price_micros, f"{kind.name} task")
    for position, new_clip in enumerate(clips):
        session.add(
            Clip(
                id=new_clip.id,
                task_id=task.id,
                account_id=caller.account_id,
                position=position,
                status=CLIP_STATUS_WHILE[TaskStatus.QUEUED],
                data_json=orjson.dumps({"title": new_clip.title, **new_clip.data}).decode(),
            )
        )
    session.flush()
    publish_state(session, task.id, signer, notify=True)
    if kind.shows_on_source and source_clip_id:
        refresh_clip_task(session, source_clip_id, signer)
    return task


def request_as_json(request_body: Any) -> str:
    """The request, verbatim (Part A §8). The stdlib encoder keeps what orjson refuses: integers past
    64 bits, lone surrogates (escaped) and deep nesting."""
    try:
        return orjson.dumps(request_body).decode()
    except TypeError:
        return json.dumps(request_body, ensure_ascii=True)


def charge_account(session: Session, account_id: str, price_micros: int, note: str) -> None:
    """Take a price that belongs to no task (a persona), with its ledger row; QuotaExceeded when short."""
    reserve_credits(session, account_id, price_micros)
    if price_micros:
        _ledger(session, account_id, None, "charge", -price_micros, note)


def reserve_credits(session: Session, account_id: str, price_micros: int) -> None:
    if price_micros <= 0:
        return
    result = session.execute(
        update(Account)
        .where(Account.id == account_id, Account.balance_micros >= price_micros)
        .values(balance_micros=Account.balance_micros - price_micros)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise QuotaExceeded


def _ledger(session: Session, account_id: str, task_id: str | None, kind: str, amount: int, note: str) -> None:
    balance = session.execute(select(Account.balance_micros).where(Account.id == account_id)).scalar_one()
    session.add(
        LedgerEntry(
            account_id=account_id,
            task_id=task_id,
            kind=kind,
            amount_micros=amount,
            balance_after_micros=balance,
            note=note,
            created_at=now(),
        )
    )


def count_active_tasks(session: Session, *, api_key_id: str | None = None) -> int:
    query = select(func.count()).select_from(Task).where(Task.status.in_(ACTIVE_TASK_STATUSES))
    if api_key_id is not None:
        query = query.where(Task.api_key_id == api_key_id)
    return int(session.execute(query).scalar_one())


def claim_task(session: Session, task_id: str, worker_id: str, lease_seconds: float, signer: UrlSigner) -> bool:
    """QUEUED (or IN_PROGRESS with an expired lease) → IN_PROGRESS owned by `worker_id`; its clips
    `queued` → `submitted` (core/status.py CLIP_STATUS_WHILE).

    Only the first claim is a status change a client sees (one IN_PROGRESS webhook); a re-claim after a
    crash keeps the status, the start time and the progress reached so far.
    """
    moment = now()
    claimable = (Task.status == TaskStatus.QUEUED) | (
        (Task.status == TaskStatus.IN_PROGRESS) & (Task.lease_expires_at < moment)
    )
    result = session.execute(
        update(Task)
        .where(Task.id == task_id, claimable)
        .values(
            status=TaskStatus.IN_PROGRESS,
            lease_owner=worker_id,
            lease_expires_at=moment + lease_seconds,
            attempts=Task.attempts + 1,
            start_time=case((Task.start_time == 0, int(moment)), else_=Task.start_time),
            updated_at=moment,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    # The clips leave the queue with their task, in the same transaction (status agreement, core/status.py).
    session.execute(
        update(Clip)
        .where(Clip.task_id == task_id, Clip.status == CLIP_STATUS_WHILE[TaskStatus.QUEUED])
        .values(status=CLIP_STATUS_WHILE[TaskStatus.IN_PROGRESS])
    )
    attempts = session.execute(select(Task.attempts).where(Task.id == task_id)).scalar_one()
    publish_state(session, task_id, signer, notify=attempts == 1)
    return True


def renew_lease(
    session: Session, task_id: str, worker_id: str, lease_seconds: float, progress: int | None, signer: UrlSigner
) -> bool:
    """Heartbeat + monotonic progress; False means the job is no longer ours (stop working)."""
    ours = (Task.id == task_id) & (Task.lease_owner == worker_id) & (Task.status == TaskStatus.IN_PROGRESS)
    stored = session.execute(select(Task.progress).where(ours)).scalar_one_or_none()
    if stored is None:
        return False
    values: dict[str, Any] = {"lease_expires_at": now() + lease_seconds}
    advanced = progress is not None and progress > stored
    if advanced:
        values["progress"] = progress
    session.execute(update(Task).where(ours).values(**values))
    if advanced:
        publish_state(session, task_id, signer, notify=False)
    return True


def complete_task(
    session: Session,
    task_id: str,
    worker_id: str,
    signer: UrlSigner,
    *,
    clips: tuple[ClipOutput, ...] = (),
    attachments: tuple[AttachedFile, ...] = (),
    result: dict[str, Any] | None = None,
) -> bool:
    """IN_PROGRESS (ours) → SUCCESS with every clip complete, in one transaction. False: not ours any more."""
    values: dict[str, Any] = {
        "status": TaskStatus.SUCCESS,
        "progress": 100,
        "finish_time": int(now()),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if result is not None:
        values["result_json"] = orjson.dumps(result).decode()
    if not _swap_status(session, task_id, (TaskStatus.IN_PROGRESS,), values, worker_id=worker_id):
        return False
    for output in clips:
        session.execute(
            update(Clip)
            .where(Clip.id == output.clip_id, Clip.task_id == task_id)
            .values(status=ClipStatus.COMPLETE, data_json=orjson.dumps(output.data).decode(), **output.files.columns())
        )
        for asset in output.assets:
            session.add(ClipAsset(clip_id=output.clip_id, name=asset.name, blob_key=asset.blob_name))
    account_id = session.execute(select(Task.account_id).where(Task.id == task_id)).scalar_one()
    for attached in attachments:
        if attached.role == ASSET_ROLE:
            _attach_asset(session, account_id, attached)
            continue
        session.execute(
            update(Clip)
            .where(Clip.id == attached.clip_id, Clip.account_id == account_id)
            .values({attached.role: attached.blob_name})
        )
    publish_state(session, task_id, signer, notify=True)
    _refresh_source_of(session, task_id, signer)
    return True


def fail_task(
    session: Session,
    task_id: str,
    reason: str,
    signer: UrlSigner,
    *,
    error_type: str,
    worker_id: str | None = None,
) -> bool:
    """Any active status → FAILURE, clips → error, price refunded exactly once."""
    values: dict[str, Any] = {
        "status": TaskStatus.FAILURE,
        "progress": 100,
        "fail_reason": reason,
        "finish_time": int(now()),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if not _swap_status(session, task_id, ACTIVE_TASK_STATUSES, values, worker_id=worker_id):
        return False
    for clip in session.execute(select(Clip).where(Clip.task_id == task_id)).scalars():
        data = orjson.loads(clip.data_json)
        metadata = data.setdefault("metadata", {})
        metadata["error_type"] = error_type
        metadata["error_message"] = reason
        clip.data_json = orjson.dumps(data).decode()
        clip.status = ClipStatus.ERROR
    task = session.get(Task, task_id)
    assert task is not None
    if task.price_micros:
        session.execute(
            update(Account)
            .where(Account.id == task.account_id)
            .values(balance_micros=Account.balance_micros + task.price_micros)
        )
        _ledger(session, task.account_id, task_id, "refund", task.price_micros, f"refund: {reason[:200]}")
    publish_state(session, task_id, signer, notify=True)
    _refresh_source_of(session, task_id, signer)
    return True


def _swap_status(
    session: Session,
    task_id: str,
    from_statuses: tuple[str, ...],
    values: dict[str, Any],
    *,
    worker_id: str | None = None,
) -> bool:
    condition = (Task.id == task_id) & Task.status.in_(from_statuses)
    if worker_id is not None:
        condition = condition & (Task.lease_owner == worker_id)
    result = session.execute(update(Task).where(condition).values(updated_at=now(), **values))
    session.expire_all()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _attach_asset(session: Session, account_id: str, attached: AttachedFile) -> None:
    """Keep (or replace) an asset of a clip of the account, e.g. the notes transcribed from an upload."""
    owner = session.execute(select(Clip.account_id).where(Clip.id == attached.clip_id)).scalar_one_or_none()
    if owner != account_id:
        return
    session.execute(delete(ClipAsset).where(ClipAsset.clip_id == attached.clip_id, ClipAsset.name == attached.asset))
    session.add(ClipAsset(clip_id=attached.clip_id, name=attached.asset, blob_key=attached.blob_name))


def refresh_clip_task(session: Session, clip_id: str, signer: UrlSigner) -> None:
    """Re-render the (possibly finished) task a clip belongs to, after something it shows changed (a video
    pending or attached), and move the wire epoch so that API processes drop their copy of it."""
    task_id = session.execute(select(Clip.task_id).where(Clip.id == clip_id)).scalar_one_or_none()
    if task_id is None:
        return
    publish_state(session, task_id, signer, notify=False)
    session.execute(update(WireEpoch).where(WireEpoch.id == 1).values(value=WireEpoch.value + 1))


def _refresh_source_of(session: Session, task_id: str, signer: UrlSigner) -> None:
    """When `task_id` is a render its source clip shows (a video), that clip's task changes with it."""
    row = session.execute(select(Task.kind, Task.source_clip_id).where(Task.id == task_id)).one_or_none()
    if row is None or not row.source_clip_id or row.kind not in SHOWN_ON_SOURCE:
        return
    refresh_clip_task(session, row.source_clip_id, signer)


def publish_state(session: Session, task_id: str, signer: UrlSigner, *, notify: bool) -> None:
    """Store the task's wire object as it is now; with `notify`, also queue its webhook delivery."""
    session.flush()
    wire = render_task_object(session.connection(), task_id, signer)
    if wire is None:
        return
    stored = orjson.dumps(wire)
    session.execute(update(Task).where(Task.id == task_id).values(wire_json=stored))
    if not notify:
        return
    task = session.get(Task, task_id)
    if task is None or not task.notify_hook:
        return
    moment = now()
    session.add(
        WebhookDelivery(
            id=new_id(),
            task_id=task_id,
            account_id=task.account_id,
            api_key_id=task.api_key_id,
            url=task.notify_hook,
            event=task.status,
            payload=with_base_url(stored, signer.base_url).decode(),
            state="pending",
            attempts=0,
            next_attempt_at=moment,
            created_at=moment,
        )
    )
