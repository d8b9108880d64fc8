"""The live run of show: what the MC tablets and the stage screen show, and the MC's actions.

The show is a list of steps: each programme item in order, except that the award segment (the
item of kind "awards") is one step per batch. CeremonyState holds the current step
(programme_item_id, batch_id) and a version. Before the start both are None and started_at is
None; after the last step both are None and started_at is set (finished).

mc_action(...) outcomes (ActionResult.outcome):
  "ok"        the step changed; the state's version went up by exactly one;
  "conflict"  the caller saw an older version (someone else acted first): nothing written;
              the caller gets the fresh state and may retry;
  "invalid"   the action makes no sense now (next after the end, back before the start,
              absent/substitute of an unknown award, a substitute who has not arrived,
              a presenter who is not a leader nor already presenting...):
              nothing written, ``message`` says why (Vietnamese).
Compare-and-set: UPDATE ceremony_state SET version = version + 1 ... WHERE event_id = ? AND
version = ?; rowcount 0 -> "conflict". Two tablets pressing "next" together advance one step.
The award order locks when the first batch goes on stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, update

from models.accounts.models import audit
from models.ceremony.models import Award, AwardBatch, CeremonyState
from models.ceremony.sequence import call_key, ceremony_state, ensure_batches
from models.core.base import db
from models.core.database import write_transaction
from models.core.timeutil import utcnow
from models.events.models import Event, Group, ProgrammeItem
from models.guests.models import Attendee

ACTIONS = ("start", "next", "back", "absent", "substitute", "presenter")

Step = tuple[int | None, int | None]  # (programme_item_id, batch_id)


@dataclass
class ActionResult:
    outcome: str
    message: str = ""
    version: int = 0
    extra: dict = field(default_factory=dict)


def show_steps(event_id: int) -> list[Step]:
    """The run of show as steps (see the module docstring)."""
    items = db.session.execute(
        select(ProgrammeItem.id, ProgrammeItem.kind)
        .where(ProgrammeItem.event_id == event_id)
        .order_by(ProgrammeItem.position, ProgrammeItem.id)
    ).all()
    batch_ids = list(
        db.session.scalars(select(AwardBatch.id).where(AwardBatch.event_id == event_id).order_by(AwardBatch.number))
    )
    steps: list[Step] = []
    awards_done = False
    for item_id, kind in items:
        if kind == "awards" and batch_ids and not awards_done:
            steps.extend((item_id, b) for b in batch_ids)
            awards_done = True
        else:
            steps.append((item_id, None))
    if batch_ids and not awards_done:  # awards but no award item in the programme
        steps.extend((None, b) for b in batch_ids)
    return steps


def step_index(steps: list[Step], state: CeremonyState) -> int:
    """-1 before the start, len(steps) when finished."""
    if state.programme_item_id is None and state.batch_id is None:
        return len(steps) if state.started_at else -1
    cur = (state.programme_item_id, state.batch_id)
    if cur in steps:
        return steps.index(cur)
    for i, s in enumerate(steps):  # the batch vanished: stay on the item
        if s[0] == state.programme_item_id:
            return i
    return -1


def _target(action: str, steps: list[Step], i: int) -> int | str:
    if action == "next":
        return i + 1 if i < len(steps) else "Chương trình đã kết thúc."
    if action == "back":
        return i - 1 if i >= 0 else "Chương trình chưa bắt đầu."
    # start: begin the programme, or (when it runs) start the award hand-out
    if i < 0:
        return 0 if steps else "Chưa có chương trình."
    first_batch = next((k for k, s in enumerate(steps) if s[1] is not None), None)
    if first_batch is None:
        return "Chưa có đợt trao thưởng."
    if i >= first_batch:
        return "Lễ trao thưởng đã bắt đầu."
    return first_batch


def _move(event_id: int, steps: list[Step], old: int, new: int, now: datetime) -> None:
    """Side effects of moving from step ``old`` to step ``new``: programme times, award statuses."""
    before = steps[old] if 0 <= old < len(steps) else (None, None)
    after = steps[new] if 0 <= new < len(steps) else (None, None)
    forward = new > old
    if before[0] != after[0]:
        if before[0] is not None:
            values = {"actual_end": now} if forward else {"actual_start": None, "actual_end": None}
            db.session.execute(update(ProgrammeItem).where(ProgrammeItem.id == before[0]).values(**values))
        if after[0] is not None:
            item = db.session.get(ProgrammeItem, after[0])
            item.actual_end = None
            if item.actual_start is None:
                item.actual_start = now
    if before[1] != after[1]:
        if before[1] is not None:
            db.session.execute(
                update(Award)
                .where(Award.batch_id == before[1], Award.status == "on_stage")
                .values(status="done" if forward else "pending")
            )
        if after[1] is not None:
            db.session.execute(
                update(Award)
                .where(Award.batch_id == after[1], Award.status.in_(("pending", "done")))
                .values(status="on_stage")
            )


def _cas(event_id: int, seen: int, **values) -> bool:
    won = db.session.execute(
        update(CeremonyState)
        .where(CeremonyState.event_id == event_id, CeremonyState.version == seen)
        .values(version=CeremonyState.version + 1, updated_at=utcnow(), **values)
    ).rowcount
    return won == 1


def mc_action(
    event: Event,
    action: str,
    seen_version: int,
    *,
    award_id: int | None = None,
    attendee_id: int | None = None,
    batch_id: int | None = None,
    actor: str = "",
    user_id: int | None = None,
    now=utcnow,
) -> ActionResult:
    """Apply an MC action ("start", "next", "back", "absent", "substitute") to the state the
    caller saw (``seen_version``). See the module docstring for the outcomes. "absent" toggles
    the award's absent mark; "substitute" names a checked-in attendee who receives on the
    recipient's behalf (``attendee_id`` None clears it). Both act on the award's whole call:
    every award of the same person in the same batch (one call per person). "presenter" makes
    ``attendee_id`` (one of presenter_candidates) the presenter of batch ``batch_id``; allowed
    at any time, also once the order is locked. Commits."""
    if action not in ACTIONS:
        return ActionResult("invalid", "Thao tác không hợp lệ.")
    if not isinstance(seen_version, int):
        return ActionResult("invalid", "Thiếu phiên bản trạng thái.")
    ensure_batches(event)
    ceremony_state(event.id)
    session = db.session()
    if session.in_transaction():
        session.commit()
    with write_transaction():
        state = session.scalar(select(CeremonyState).where(CeremonyState.event_id == event.id))
        session.refresh(state)
        if state.version != seen_version:
            session.rollback()
            return ActionResult("conflict", "Trạng thái đã thay đổi trên máy khác.", state.version)
        if action in ("absent", "substitute"):
            result = _award_action(event, state, action, award_id, attendee_id, actor, user_id)
        elif action == "presenter":
            result = _presenter_action(event, state, batch_id, attendee_id, actor, user_id)
        else:
            result = _step_action(event, state, action, actor, user_id, now())
        if result.outcome != "ok":
            session.rollback()
            return result
        session.commit()
    return result


def _step_action(
    event: Event, state: CeremonyState, action: str, actor: str, user_id: int | None, now: datetime
) -> ActionResult:
    steps = show_steps(event.id)
    i = step_index(steps, state)
    target = _target(action, steps, i)
    if isinstance(target, str):
        return ActionResult("invalid", target, state.version)
    new_step = steps[target] if 0 <= target < len(steps) else (None, None)
    values: dict = {"programme_item_id": new_step[0], "batch_id": new_step[1]}
    if target >= 0 and state.started_at is None:
        values["started_at"] = now
    if target < 0:
        values["started_at"] = None
    if new_step[1] is not None and not state.locked:
        values["locked"] = True
    seen = state.version
    if not _cas(event.id, seen, **values):
        return ActionResult("conflict", "Trạng thái đã thay đổi trên máy khác.", seen)
    _move(event.id, steps, i, target, now)
    audit(
        "mc_" + action,
        "ceremony",
        event.id,
        actor=actor,
        user_id=user_id,
        step=target,
        item=new_step[0],
        batch=new_step[1],
    )
    return ActionResult("ok", "", seen + 1)


def _call_of(award: Award) -> list[Award]:
    """The award and the others of the same person in the same batch (one call per person)."""
    if award.batch_id is None:
        return [award]
    key = call_key(award)
    same = db.session.scalars(
        select(Award).where(Award.batch_id == award.batch_id).order_by(Award.position, Award.id)
    ).all()
    return [a for a in same if call_key(a) == key] or [award]


def _award_action(
    event: Event,
    state: CeremonyState,
    action: str,
    award_id: int | None,
    attendee_id: int | None,
    actor: str,
    user_id: int | None,
) -> ActionResult:
    """absent / substitute act on the whole call: every award of the same person in the batch."""
    award = db.session.get(Award, award_id) if isinstance(award_id, int) else None
    if award is None or award.event_id != event.id:
        return ActionResult("invalid", "Không tìm thấy giải thưởng.", state.version)
    call = _call_of(award)

    def unmark(a: Award) -> str:
        return "on_stage" if a.batch_id and a.batch_id == state.batch_id else "pending"

    detail: dict = {"awards": [a.id for a in call]}
    if action == "absent":
        now_absent = award.status != "absent"
        for a in call:
            a.status = "absent" if now_absent else (unmark(a) if a.status == "absent" else a.status)
        detail["status"] = award.status
    else:
        if attendee_id is not None:
            person = db.session.get(Attendee, attendee_id) if isinstance(attendee_id, int) else None
            if person is None or person.event_id != event.id:
                return ActionResult("invalid", "Không tìm thấy người nhận thay.", state.version)
            if person.checked_in_at is None:
                return ActionResult("invalid", "Người nhận thay chưa có mặt trong hội trường.", state.version)
        detail.update(old=award.substitute_id, new=attendee_id)
        for a in call:
            if attendee_id is not None and a.status == "absent":
                a.status = unmark(a)
            a.substitute_id = attendee_id
    seen = state.version
    if not _cas(event.id, seen):
        return ActionResult("conflict", "Trạng thái đã thay đổi trên máy khác.", seen)
    audit("mc_" + action, "award", award.id, actor=actor, user_id=user_id, **detail)
    return ActionResult("ok", "", seen + 1)


def presenter_candidates(event_id: int) -> list[Attendee]:
    """Who may present a batch, chosen from the tablet: the attendees of leader groups
    (Group.is_leader) on the guest list, plus anyone presenting a batch already; by precedence,
    then name."""
    presenting = select(AwardBatch.presenter_id).where(
        AwardBatch.event_id == event_id, AwardBatch.presenter_id.is_not(None)
    )
    leaders = (
        select(Attendee.id)
        .join(Group, Group.id == Attendee.group_id)
        .where(Attendee.event_id == event_id, Group.is_leader.is_(True), Attendee.status == "invited")
    )
    return list(
        db.session.scalars(
            select(Attendee)
            .where(Attendee.event_id == event_id, or_(Attendee.id.in_(leaders), Attendee.id.in_(presenting)))
            .order_by(Attendee.precedence, Attendee.sort_key, Attendee.id)
        )
    )


def _presenter_action(
    event: Event, state: CeremonyState, batch_id: int | None, attendee_id: int | None, actor: str, user_id: int | None
) -> ActionResult:
    batch = db.session.get(AwardBatch, batch_id) if isinstance(batch_id, int) else None
    if batch is None or batch.event_id != event.id:
        return ActionResult("invalid", "Không tìm thấy đợt trao.", state.version)
    if not isinstance(attendee_id, int) or attendee_id not in {
        p.id for p in presenter_candidates(event.id) if p.status == "invited"
    }:
        return ActionResult("invalid", "Người trao phải là lãnh đạo trong danh sách.", state.version)
    old = batch.presenter_id
    batch.presenter_id = attendee_id
    seen = state.version
    if not _cas(event.id, seen):
        return ActionResult("conflict", "Trạng thái đã thay đổi trên máy khác.", seen)
    audit(
        "mc_presenter",
        "award_batch",
        batch.id,
        actor=actor,
        user_id=user_id,
        batch=batch.number,
        old=old,
        new=attendee_id,
    )
    return ActionResult("ok", "", seen + 1)


def presence_tag(event_id: int) -> str:
    """A short fingerprint of the presence of everyone the ceremony names (recipients,
    substitutes, presenters): changes when one of them checks in, is undone, changes seat or
    passes a backstage checkpoint."""
    awards = Award.__table__
    batches = AwardBatch.__table__
    a = Attendee.__table__
    row = db.session.execute(
        select(
            func.count(a.c.checked_in_at), func.max(a.c.checked_in_at), func.coalesce(func.sum(a.c.seat_id), 0)
        ).where(
            a.c.event_id == event_id,
            or_(
                a.c.id.in_(select(awards.c.recipient_id).where(awards.c.event_id == event_id)),
                a.c.id.in_(select(awards.c.substitute_id).where(awards.c.event_id == event_id)),
                a.c.id.in_(select(batches.c.presenter_id).where(batches.c.event_id == event_id)),
            ),
        )
    ).one()
    last = row[1].strftime("%H%M%S%f") if isinstance(row[1], datetime) else str(row[1] or 0)
    from models.checkin.checkpoints import Checkpoint, CheckpointPass

    # a backstage pass ("đã vào hậu trường") changes what the MC tablet shows too
    backstage = db.session.scalar(
        select(func.max(CheckpointPass.id))
        .join(Checkpoint, Checkpoint.id == CheckpointPass.checkpoint_id)
        .where(Checkpoint.event_id == event_id, Checkpoint.kind == "backstage")
    )
    return f"{row[0]}.{last}.{row[2]}.{backstage or 0}"


def state_version(event_id: int) -> int:
    """The ceremony version (one indexed read); 0 before the state exists."""
    return db.session.scalar(select(CeremonyState.version).where(CeremonyState.event_id == event_id)) or 0


def state_tag(event_id: int) -> str:
    """What a polling MC page compares: the version plus the presence fingerprint."""
    return f"{state_version(event_id)}-{presence_tag(event_id)}"
