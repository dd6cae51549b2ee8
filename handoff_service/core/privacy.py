"""What the service holds about a shopper, for the people it belongs to (PIPL / GDPR requests) and
for the retention period: export one customer's data, erase it, purge everything past retention.

Erasing keeps the shape of the record and drops its content: a conversation keeps its states and
timestamps (service metrics are computed from them), loses its customer id, its callback contact
and its shopper token (the chat can no longer be opened); its events keep their kind and time and
lose their text; escalations lose their packet (transcript and profile), ratings their comment,
coupon requests their reason and customer id; review items (shoppers' own words kept for trainers)
and the customer's notes are deleted, and labelled texts are blanked in retrain reports. Each
request is written to the audit log, whoever made it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest, Conflict
from handoff_service.core.models import (
    Attachment,
    AuditEntry,
    CallbackPromise,
    Conversation,
    CouponRequest,
    Csat,
    CustomerNote,
    Escalation,
    Event,
    PrivateNote,
    ProactiveAlert,
    ProactivePreference,
    RemedyRequest,
    RetrainRun,
    ReviewItem,
    Survey,
    TrackedOrder,
    as_utc,
    iso_utc,
    utcnow,
)
from handoff_service.core.states import State
from handoff_service.core.storage import AttachmentStorage

ERASED = "[erased]"
ERASED_CUSTOMER = "erased"
# A chat someone is still working on is not erased under them: close it first.
LIVE = (State.QUEUED, State.AGENT, State.CALLBACK)
# Audit details that are codes, not free text: kept when a chat is erased (amounts and ids are kept too).
_AUDIT_CODES = frozenset({"outcome", "team", "within_limit"})
PURGE_BATCH = 500


@dataclass
class ErasureCounts:
    """How many records a purge or an erasure changed (or would change, on a dry run)."""

    conversations: int = 0
    events: int = 0
    escalations: int = 0
    csat_comments: int = 0
    survey_answers: int = 0  # issue #17: CSAT after a hand-back or a bot chat, NPS (comment and customer id)
    review_items: int = 0
    coupon_requests: int = 0
    notes: int = 0
    retrain_reports: int = 0
    audit_entries: int = 0
    # #19: chat photos (rows and stored bytes), whispers, promised callbacks' notes, remedy requests
    photos: int = 0
    private_notes: int = 0
    callback_promises: int = 0
    remedy_requests: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: ErasureCounts) -> None:
        for name, count in other.as_dict().items():
            setattr(self, name, getattr(self, name) + count)


class CustomerHasLiveChat(Conflict):
    code = "customer_has_live_chat"


class PrivacyService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], photos: AttachmentStorage | None = None) -> None:
        self._sessions = sessions
        self._photos = photos  # #19: where erased chats' photos are deleted from (None: rows only)

    def _delete_photos(self, keys: list[str]) -> None:
        for key in keys:
            if self._photos is not None:
                self._photos.delete(key)

    # --- one customer -------------------------------------------------------------------------------

    async def export(self, customer_id: str, by: str) -> dict[str, Any]:
        """Everything held about `customer_id`, as JSON-ready data, unmasked: it is theirs."""
        customer_id = _customer(customer_id)
        async with self._sessions() as session:
            convs = (
                await session.scalars(
                    select(Conversation).where(Conversation.customer_id == customer_id).order_by(Conversation.created_at)
                )
            ).all()
            chats = select(Conversation.id).where(Conversation.customer_id == customer_id)
            events = await _rows(session, Event, Event.conversation_id.in_(chats), Event.id)
            escalations = await _rows(session, Escalation, Escalation.conversation_id.in_(chats), Escalation.id)
            ratings = await _rows(session, Csat, Csat.conversation_id.in_(chats), Csat.created_at)
            reviews = await _rows(session, ReviewItem, ReviewItem.conversation_id.in_(chats), ReviewItem.id)
            audit = await _rows(session, AuditEntry, AuditEntry.conversation_id.in_(chats), AuditEntry.id)
            notes = await _rows(session, CustomerNote, CustomerNote.customer_id == customer_id, CustomerNote.id)
            mine = or_(CouponRequest.customer_id == customer_id, CouponRequest.conversation_id.in_(chats))
            coupons = await _rows(session, CouponRequest, mine, CouponRequest.id)
            # #19: the photos in their chats (what was kept of them), promises made to them, remedies asked for them
            photos = await _rows(session, Attachment, Attachment.conversation_id.in_(chats), Attachment.created_at)
            promises = await _rows(session, CallbackPromise, CallbackPromise.conversation_id.in_(chats), CallbackPromise.id)
            remedies = await _rows(session, RemedyRequest, RemedyRequest.customer_id == customer_id, RemedyRequest.id)
            requests = (
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action.like("privacy.%"), AuditEntry.conversation_id.is_(None))
                    .order_by(AuditEntry.id)
                )
            ).all()  # fmt: skip
            alerts = await _rows(session, ProactiveAlert, ProactiveAlert.customer_id == customer_id, ProactiveAlert.id)
            preference = await session.get(ProactivePreference, customer_id)
            exported = {
                "customer_id": customer_id,
                "exported_at": iso_utc(utcnow()),
                "conversations": [_conversation(c, events, escalations, ratings, reviews) for c in convs],
                "notes": [
                    {"text": n.text, "tags": n.tags, "agent_id": n.agent_id, "created_at": iso_utc(n.created_at)} for n in notes
                ],
                "coupons": [_coupon(r) for r in coupons],
                # proactive service (issue #16): what the store told them, and what they asked of it
                "proactive_alerts": [
                    {"rule": a.rule_id, "order_id": a.order_id, "outcome": a.outcome, "text": a.text, "channels": a.channels,
                     "choice": a.choice, "created_at": iso_utc(a.created_at), "sent_at": iso_utc(a.sent_at)}
                    for a in alerts
                ],  # fmt: skip
                "proactive_preference": None if preference is None else
                {"opt_out": preference.opt_out, "channel": preference.channel, "email": preference.email, "phone": preference.phone},
                "photos": [
                    {"conversation_id": p.conversation_id, "sender": p.sender, "content_type": p.content_type, "size": p.size,
                     "sha256": p.sha256, "created_at": iso_utc(p.created_at)}
                    for p in photos
                ],
                "promises": [
                    {"conversation_id": p.conversation_id, "due_at": iso_utc(p.due_at), "status": p.status,
                     "created_at": iso_utc(p.created_at)}
                    for p in promises
                ],
                "remedies": [
                    {"conversation_id": r.conversation_id, "order_id": r.order_id, "kind": r.kind, "amount": r.amount,
                     "status": r.status, "reason": r.reason, "created_at": iso_utc(r.created_at)}
                    for r in remedies
                ],
                "audit": [_audit(a) for a in audit]
                + [_audit(a) for a in requests if (a.detail or {}).get("customer_id") == customer_id],
            }
            session.add(_audit_entry("privacy.export", by, customer_id=customer_id, conversations=len(convs)))
            await session.commit()
        return exported

    async def delete(self, customer_id: str, by: str, dry_run: bool = False) -> ErasureCounts:
        """Erase `customer_id` (see the module's docstring); refused while one of their chats is live."""
        customer_id = _customer(customer_id)
        async with self._sessions() as session:
            live = list(await session.scalars(
                select(Conversation.id).where(Conversation.customer_id == customer_id, Conversation.state.in_(LIVE))
            ))  # fmt: skip
            if live:
                raise CustomerHasLiveChat(
                    f"customer {customer_id} has {len(live)} chat(s) with the desk ({', '.join(live[:3])}): close them first"
                )
            chats = select(Conversation.id).where(Conversation.customer_id == customer_id)
            photo_keys: list[str] = []
            counts = await _erase(session, chats, CouponRequest.customer_id == customer_id, None, dry_run, photo_keys)
            counts.notes = await _count(session, CustomerNote, CustomerNote.customer_id == customer_id)
            if not dry_run:
                await session.execute(
                    delete(CustomerNote).where(CustomerNote.customer_id == customer_id), execution_options={"synchronize_session": False}
                )
                for model in (ProactiveAlert, ProactivePreference, TrackedOrder):  # issue #16: texts name them, orders hold their e-mail
                    await session.execute(delete(model).where(model.customer_id == customer_id), execution_options={"synchronize_session": False})
                session.add(_audit_entry("privacy.delete", by, customer_id=customer_id, counts=counts.as_dict()))
                await session.commit()
                self._delete_photos(photo_keys)
        return counts

    # --- retention ----------------------------------------------------------------------------------

    async def purge(self, older_than: dt.timedelta, by: str, dry_run: bool = False) -> ErasureCounts:
        """Erase what is older than `older_than`: conversations with no activity since (live ones
        aside), and, wherever they are, older ratings' comments, review items and retrain reports."""
        if older_than <= dt.timedelta(0):
            raise BadRequest("the retention period must be longer than zero")
        cutoff = utcnow() - older_than
        active_since = exists().where(Event.conversation_id == Conversation.id, Event.created_at >= cutoff)
        chats = select(Conversation.id).where(
            Conversation.created_at < cutoff,
            Conversation.state.not_in(LIVE),
            Conversation.token_hash != "",
            ~active_since,
        )
        if dry_run:
            async with self._sessions() as session:
                return await _erase(session, chats, None, cutoff, dry_run=True)
        # In batches, each its own transaction: on SQLite a write holds the whole database, and
        # the service's chats must not wait for a year of history to be erased.
        counts = ErasureCounts()
        while True:
            async with self._sessions() as session:
                batch = list(await session.scalars(chats.limit(PURGE_BATCH)))
                if not batch:
                    break
                photo_keys: list[str] = []
                counts.add(await _erase(session, batch, None, None, dry_run=False, photo_keys=photo_keys))
                await session.commit()
                self._delete_photos(photo_keys)
        async with self._sessions() as session:
            counts.add(await _erase(session, [], None, cutoff, dry_run=False))
            # proactive service (issue #16): alerts and kept orders past the retention period
            await session.execute(delete(ProactiveAlert).where(ProactiveAlert.created_at < cutoff), execution_options={"synchronize_session": False})
            await session.execute(delete(TrackedOrder).where(TrackedOrder.updated_at < cutoff), execution_options={"synchronize_session": False})
            session.add(_audit_entry(
                "privacy.purge", by, older_than_days=round(older_than / dt.timedelta(days=1), 2),
                cutoff=iso_utc(cutoff), counts=counts.as_dict(),
            ))  # fmt: skip
            await session.commit()
        return counts


# --- erasing ----------------------------------------------------------------------------------------


async def _erase(
    session: AsyncSession,
    chats: Select[Any] | list[str],
    coupons: ColumnElement[bool] | None,
    older: dt.datetime | None,
    dry_run: bool,
    photo_keys: list[str] | None = None,
) -> ErasureCounts:
    """Erase the conversations `chats` selects (or lists), the coupon requests of theirs (or
    `coupons`), and with `older` also ratings' comments, review items and retrain reports from
    before it."""
    in_chats = Event.conversation_id.in_(chats)
    coupon_where = or_(CouponRequest.conversation_id.in_(chats), coupons) if coupons is not None else CouponRequest.conversation_id.in_(chats)
    coupon_where = and_(coupon_where, CouponRequest.customer_id != ERASED_CUSTOMER)
    review_where = ReviewItem.conversation_id.in_(chats)
    comment_where = Csat.conversation_id.in_(chats)
    if older is not None:
        review_where = or_(review_where, ReviewItem.created_at < older)
        comment_where = or_(comment_where, Csat.created_at < older)
    comment_where = and_(comment_where, Csat.comment != "")
    survey_where = Survey.conversation_id.in_(chats)
    if older is not None:
        survey_where = or_(survey_where, Survey.created_at < older)
    survey_where = and_(survey_where, or_(Survey.comment != "", Survey.customer_id.is_not(None)))
    texts = set(await session.scalars(select(ReviewItem.text).where(review_where)))
    runs = [
        run for run in await session.scalars(select(RetrainRun).where(RetrainRun.report.is_not(None)))
        if _blank_report(run, None if older is not None and as_utc(run.started_at) < older else texts, dry_run)
    ]  # fmt: skip
    audit = AuditEntry.conversation_id.in_(chats)
    # What each kind of record loses, and which of them: counted on a dry run, changed otherwise
    # (the statement's row count is the count). Conversations last: `chats` may select by what
    # erasing changes (customer id, token).
    changes: list[tuple[str, type, ColumnElement[bool], Any]] = [
        # One statement, and no indexed column touched (PostgreSQL then updates in place): state
        # events keep their payload (which state, which agent), other payloads are content.
        ("events", Event, in_chats, update(Event).where(in_chats).values(
            text="", payload=case((Event.kind == "state", Event.payload), else_=literal({}, JSON)),
        )),
        ("escalations", Escalation, Escalation.conversation_id.in_(chats),
         update(Escalation).where(Escalation.conversation_id.in_(chats)).values(packet={})),
        ("csat_comments", Csat, comment_where, update(Csat).where(comment_where).values(comment="")),
        ("survey_answers", Survey, survey_where, update(Survey).where(survey_where).values(comment="", customer_id=None)),
        ("review_items", ReviewItem, review_where, delete(ReviewItem).where(review_where)),
        ("coupon_requests", CouponRequest, coupon_where,
         update(CouponRequest).where(coupon_where).values(customer_id=ERASED_CUSTOMER, reason="")),
        # #19: photos go (their bytes after the commit, by the caller); staff notes and promises lose their text
        ("photos", Attachment, Attachment.conversation_id.in_(chats), delete(Attachment).where(Attachment.conversation_id.in_(chats))),
        ("private_notes", PrivateNote, PrivateNote.conversation_id.in_(chats),
         update(PrivateNote).where(PrivateNote.conversation_id.in_(chats)).values(text=ERASED)),
        ("callback_promises", CallbackPromise, CallbackPromise.conversation_id.in_(chats),
         update(CallbackPromise).where(CallbackPromise.conversation_id.in_(chats)).values(note="", customer_id=None)),
        ("remedy_requests", RemedyRequest, RemedyRequest.conversation_id.in_(chats),
         update(RemedyRequest).where(RemedyRequest.conversation_id.in_(chats)).values(customer_id=ERASED_CUSTOMER, reason="")),
        ("conversations", Conversation, Conversation.id.in_(chats),
         update(Conversation).where(Conversation.id.in_(chats)).values(customer_id=None, callback_contact=None, token_hash="")),
    ]  # fmt: skip
    counts = ErasureCounts(retrain_reports=len(runs))
    if dry_run:
        for name, model, where, _ in changes:
            setattr(counts, name, await _count(session, model, where))
        counts.audit_entries = await _count(session, AuditEntry, audit)
        return counts
    bulk = {"synchronize_session": False}  # nothing this session holds is among these rows
    if photo_keys is not None:
        photo_keys.extend(await session.scalars(select(Attachment.storage_key).where(Attachment.conversation_id.in_(chats))))
    for entry in await session.scalars(select(AuditEntry).where(audit)):
        entry.detail = {k: v for k, v in (entry.detail or {}).items() if not isinstance(v, str) or k in _AUDIT_CODES}
        counts.audit_entries += 1
    await session.flush()
    for name, _, _, statement in changes:
        setattr(counts, name, (await session.execute(statement, execution_options=bulk)).rowcount)
    return counts


def _blank_report(run: RetrainRun, texts: set[str] | None, dry_run: bool) -> bool:
    """Blank the report's quoted messages (those in `texts`, or all); True if it quoted any."""
    report = run.report or {}
    inbox = report.get("inbox") or []
    hit = [i for i, m in enumerate(inbox) if m.get("text") not in (None, ERASED) and (texts is None or m.get("text") in texts)]
    if hit and not dry_run:
        run.report = {**report, "inbox": [{**m, "text": ERASED} if i in hit else m for i, m in enumerate(inbox)]}
    return bool(hit)


# --- reading ----------------------------------------------------------------------------------------


async def _rows(session: AsyncSession, model: type, where: ColumnElement[bool], order: Any) -> list[Any]:
    return list((await session.scalars(select(model).where(where).order_by(order))).all())


async def _count(session: AsyncSession, model: type, *where: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _conversation(
    conv: Conversation, events: list[Event], escalations: list[Escalation], ratings: list[Csat], reviews: list[ReviewItem]
) -> dict[str, Any]:
    rating = next((r for r in ratings if r.conversation_id == conv.id), None)
    return {
        "id": conv.id,
        "state": conv.state,
        "lang": conv.lang,
        "created_at": iso_utc(conv.created_at),
        "closed_at": iso_utc(conv.closed_at),
        "callback_contact": conv.callback_contact,
        "events": [
            {"kind": e.kind, "sender": e.sender, "text": e.text, "payload": e.payload, "created_at": iso_utc(e.created_at)}
            for e in events
            if e.conversation_id == conv.id
        ],
        "escalations": [
            {"reason": e.reason, "priority": e.priority, "packet": e.packet, "created_at": iso_utc(e.created_at)}
            for e in escalations
            if e.conversation_id == conv.id
        ],
        "rating": {"score": rating.score, "comment": rating.comment, "created_at": iso_utc(rating.created_at)} if rating else None,
        "review_items": [
            {"text": r.text, "lang": r.lang, "reasons": r.reasons, "status": r.status, "created_at": iso_utc(r.created_at)}
            for r in reviews
            if r.conversation_id == conv.id
        ],
    }


def _coupon(request: CouponRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "conversation_id": request.conversation_id,
        "amount": request.amount,
        "reason": request.reason,
        "status": request.status,
        "coupon_code": request.coupon_code,
        "created_at": iso_utc(request.created_at),
    }


def _audit(entry: AuditEntry) -> dict[str, Any]:
    return {
        "action": entry.action,
        "agent_id": entry.agent_id,
        "conversation_id": entry.conversation_id,
        "detail": entry.detail,
        "created_at": iso_utc(entry.created_at),
    }


def _audit_entry(action: str, by: str, **detail: Any) -> AuditEntry:
    return AuditEntry(agent_id=None, action=action, conversation_id=None, detail={"by": by, **detail})


def _customer(customer_id: str) -> str:
    customer_id = customer_id.strip()
    if not customer_id or len(customer_id) > 64:
        raise BadRequest("give a customer id (at most 64 characters)")
    return customer_id
