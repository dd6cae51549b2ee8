"""The shopper's API: open a chat, send messages, receive events (WebSocket or long-poll),
leave, leave a contact for a callback, rate the chat."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    Path,
    Query,
    Request,
    Response,
    WebSocket,
    WebSocketDisconnect,
)
from pydantic import BaseModel, Field, ValidationError

from handoff_service.chat.conversations import ConversationService, TurnReview
from handoff_service.chat.deps import (
    get_conversations,
    get_requests,
    get_review,
    message_allowed,
    open_conversation,
    session_allowed,
    shopper_conversation,
    typing_allowed,
)
from handoff_service.chat.identity import (
    CUSTOMER_ID_PATTERN,
    Refusal,
    Status,
    verify_customer,
)
from handoff_service.chat.requests import ChatRequests
from handoff_service.core.attachments import Attachments
from handoff_service.core.deps import (
    get_hub,
    get_settings,
    socket_protocol,
    socket_token,
)
from handoff_service.core.errors import (
    Conflict,
    Forbidden,
    KefuError,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    database_unreachable,
    error_responses,
)
from handoff_service.core.events import event_public
from handoff_service.core.hub import (
    QUEUE,
    EventHub,
    Subscription,
    conversation_channel,
    notify,
)
from handoff_service.core.inputs import CONTROL_CHARACTER, MAX_ROW_ID, Input
from handoff_service.core.limits import Rule, get_limits
from handoff_service.core.models import Conversation
from handoff_service.core.texts import say
from handoff_service.settings import Settings

log = logging.getLogger(__name__)
TRY_AGAIN_LATER = 1013  # WebSocket close code: the widget reconnects on anything but 4403
# A photo is private to its chat: never cached by a shared cache, never sniffed into another type.
PHOTO_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}

router = APIRouter(tags=["shopper"], responses=error_responses(Forbidden, NotFound, Conflict, TooManyRequests))


class SessionCreate(Input):
    customer_id: str | None = Field(default=None, max_length=64, pattern=CUSTOMER_ID_PATTERN)
    # HMAC-SHA256 by the store's server (SECURITY.md, "Shopper identity"); without it, a guest chat.
    customer_signature: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    customer_expires: int | None = Field(default=None, ge=0, le=2**53, description="Unix seconds, if signed with an expiry")
    lang: Literal["zh", "en"] = "zh"


class IdentityRefusal(BaseModel):
    error: Refusal
    message: str


class SessionPublic(BaseModel):
    conversation_id: str
    token: str
    state: str
    identity: Status = "guest"
    # Why a claimed customer id was not taken (the chat is a guest chat); null when nothing was refused.
    identity_refused: IdentityRefusal | None = None


class MessageCreate(Input):
    text: str = Field(min_length=1, max_length=2000)
    client_id: str | None = Field(default=None, max_length=64)


class TypingBody(Input):
    typing: bool


class ContactBody(Input):
    contact: str = Field(min_length=3, max_length=128)


class CsatBody(Input):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class NpsBody(Input):
    score: int = Field(ge=0, le=10)
    comment: str = Field(default="", max_length=1000)


class FeedbackBody(Input):
    helpful: bool


async def conversation_service(request: Request) -> ConversationService:
    """`deps.get_conversations` as a coroutine: FastAPI runs a plain function dependency in its
    thread pool, a thread crossing on every request (≈ 0.1–0.2 ms of CPU here)."""
    return get_conversations(request)


async def request_service(request: Request) -> ChatRequests:
    return get_requests(request)


Conversations = Annotated[ConversationService, Depends(conversation_service)]
Requests = Annotated[ChatRequests, Depends(request_service)]
Shopper = Annotated[Conversation, Depends(shopper_conversation)]


@router.post("/api/sessions", status_code=201, dependencies=[Depends(session_allowed)])
async def create_session(body: SessionCreate, service: Conversations, request: Request) -> SessionPublic:
    settings: Settings = request.app.state.settings
    secret = settings.identity_secret.get_secret_value() if settings.identity_secret else None
    who = verify_customer(
        body.customer_id, body.customer_signature, body.customer_expires, secret, settings.identity_required
    )
    refused = None
    if who.refused:
        log.warning("handoff.identity.refused", extra={"reason": who.refused, "claimed_customer_id": body.customer_id})
        refused = IdentityRefusal(error=who.refused, message=say("identity_guest", body.lang))
    conv, token = await service.create(who.customer_id, body.lang)
    return SessionPublic(
        conversation_id=conv.id, token=token, state=conv.state, identity=who.status, identity_refused=refused
    )


@router.post("/api/sessions/{conversation_id}/messages", status_code=202, dependencies=[Depends(message_allowed)])
async def send_message(body: MessageCreate, service: Conversations, conv: Shopper) -> dict[str, Any]:
    event = await service.add_shopper_message(conv.id, body.text, body.client_id)
    return {"event": event_public(event)}


@router.get("/api/sessions/{conversation_id}/events")
async def poll_events(
    service: Conversations,
    requests: Requests,
    hub: Annotated[EventHub, Depends(get_hub)],
    settings: Annotated[Settings, Depends(get_settings)],
    conv: Shopper,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    wait: bool = True,
) -> dict[str, Any]:
    """Events after `after`; with `wait`, hold the request until there are some (long-poll)."""
    async with hub.subscribe(conversation_channel(conv.id)) as sub:
        events = await service.events_after(conv.id, after)
        if not events and wait:
            try:
                await asyncio.wait_for(sub.woken.wait(), timeout=settings.long_poll_seconds)
            except TimeoutError:
                pass
            events = await service.events_after(conv.id, after)
    current = await service.get(conv.id)
    return {
        "state": current.state,
        "queue": await requests.queue_status(conv.id),
        "events": [event_public(e) for e in events],
    }


@router.post("/api/sessions/{conversation_id}/typing", status_code=204, dependencies=[Depends(typing_allowed)])
async def typing(body: TypingBody, service: Conversations, conv: Shopper) -> None:
    service.shopper_typing(conv.id, body.typing)


@router.post("/api/sessions/{conversation_id}/leave", status_code=204)
async def leave(service: Requests, conv: Shopper) -> None:
    await service.leave(conv.id)


@router.post("/api/sessions/{conversation_id}/callback", status_code=201)
async def leave_contact(body: ContactBody, service: Requests, conv: Shopper) -> dict[str, Any]:
    return {"event": event_public(await service.leave_contact(conv.id, body.contact))}


@router.post("/api/sessions/{conversation_id}/csat", status_code=201)
async def rate(body: CsatBody, service: Requests, conv: Shopper) -> dict[str, Any]:
    await service.answer_csat(conv.id, body.score, body.comment)
    return {"score": body.score}


@router.post("/api/sessions/{conversation_id}/nps", status_code=201)
async def recommend(body: NpsBody, service: Requests, conv: Shopper) -> dict[str, Any]:
    """The answer to "how likely are you to recommend us" (0-10), when the chat asked it."""
    await service.answer_nps(conv.id, body.score, body.comment)
    return {"score": body.score}


@router.post("/api/sessions/{conversation_id}/end", status_code=204)
async def end(service: Requests, conv: Shopper) -> None:
    """The shopper ends a chat with the assistant; they may be asked to rate it."""
    await service.end(conv.id)


@router.post("/api/sessions/{conversation_id}/events/{seq}/feedback")
async def feedback(
    seq: Annotated[int, Path(ge=0, le=MAX_ROW_ID)], body: FeedbackBody, review: Annotated[TurnReview, Depends(get_review)], conv: Shopper
) -> dict[str, Any]:
    """👍/👎 under a bot answer; 👎 sends the shopper's question to the trainers' review inbox."""
    item = await review.feedback(conv.id, seq, body.helpful)
    return {"seq": seq, "helpful": body.helpful, "review_item_id": item.id if item else None}


ATTACHMENT_ID = r"^[0-9a-f]{32}$"
ENDED_STATES = ("closed", "abandoned")


@router.post("/api/sessions/{conversation_id}/attachments", status_code=201, dependencies=[Depends(message_allowed)],
             openapi_extra={"requestBody": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}})
async def send_photo(request: Request, conv: Shopper, hub: Annotated[EventHub, Depends(get_hub)]) -> dict[str, Any]:
    """A photo from the shopper (#19): the raw bytes as the body. Its type is read from its content,
    whatever the name or Content-Type say; it is re-encoded without EXIF. While the bot owns the
    chat it is kept for the agent who takes it later (the bot does not read photos)."""
    if conv.state in ENDED_STATES:
        raise Conflict("本次会话已结束。This conversation has ended; start a new one.")
    attachments: Attachments = request.app.state.attachments
    reply = None
    if conv.state == "bot":
        reply = (say("photo_to_bot", conv.lang), {"buttons": [{"title": say("photo_to_bot_button", conv.lang), "payload": "/request_human"}]})
    stored = await attachments.add(conv.id, await request.body(), "shopper", bot_reply=reply)
    notify(hub, conv.id, agents=conv.state != "bot")
    return {"event": event_public(stored["event"]), "attachment": stored["attachment"]}


@router.get("/api/sessions/{conversation_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})
async def shopper_photo(
    attachment_id: Annotated[str, Path(pattern=ATTACHMENT_ID)], request: Request, conv: Shopper
) -> Response:
    """One of this chat's photos, to its shopper only (the chat's token)."""
    data, content_type = await request.app.state.attachments.read(conv.id, attachment_id)
    return Response(data, media_type=content_type, headers=PHOTO_HEADERS)


@router.websocket("/ws/sessions/{conversation_id}")
async def shopper_socket(
    websocket: WebSocket, conversation_id: str, after: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0
) -> None:
    """Pushes every event after `after`, the live queue position, and typing of whoever owns the
    chat; accepts `{"type": "message", "text", "client_id"}` and `{"type": "typing", "typing"}` frames.
    The chat's token comes as the subprotocol `kefu.token.<token>`, never in the URL."""
    service: ConversationService = websocket.app.state.conversations
    hub: EventHub = websocket.app.state.hub
    try:
        conv = await open_conversation(service, conversation_id, socket_token(websocket))
    except KefuError as exc:
        await websocket.close(code=4403, reason=exc.message)
        return
    await websocket.accept(subprotocol=socket_protocol(websocket))
    async with hub.subscribe(conversation_channel(conv.id), QUEUE) as sub:
        requests: ChatRequests = websocket.app.state.requests
        sender = asyncio.create_task(_push_events(websocket, service, requests, conv, after, sub))
        try:
            while True:
                await _handle_frame(websocket, service, conv.id, await websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()


async def _push_events(
    websocket: WebSocket,
    service: ConversationService,
    requests: ChatRequests,
    conv: Conversation,
    after: int,
    sub: Subscription,
) -> None:
    """Push until the shopper leaves. A pass that fails (the database out of reach, the pool run
    dry) is tried again with a growing pause, from the same cursor: nothing is skipped; after
    `socket_push_retries` failures in a row the socket is closed with 1013, on which the widget
    reconnects and reads what it missed. Never open and silent (issue #15)."""
    settings: Settings = websocket.app.state.settings
    cursor, state, last_queue, failures = after, conv.state, None, 0
    while True:
        try:
            sub.woken.clear()
            for signal in sub.take_signals():
                await websocket.send_json(signal)
            if sub.stale:
                # What this process just stored came with the wake-up: no read when nothing is missing.
                fresh = sub.take_carried(cursor)
                for event in fresh if fresh is not None else await service.events_after(conv.id, cursor):
                    await websocket.send_json({"type": "event", "event": event_public(event)})
                    cursor = event.id
                    state = event.payload.get("state", state) if event.kind == "state" else state
                # Only a waiting shopper's position can change; others skip the queries.
                queue = await requests.queue_status(conv.id) if state == "queued" else None
                if queue != last_queue:
                    await websocket.send_json({"type": "queue", "queue": queue})
                    last_queue = queue
            failures = 0
            try:
                await asyncio.wait_for(sub.woken.wait(), timeout=20)
            except TimeoutError:
                await websocket.send_json({"type": "ping"})
        except WebSocketDisconnect:
            return  # the shopper left; the receiving side ends the socket
        except Exception as exc:  # noqa: BLE001 - whatever failed, the socket must not fall silent
            failures += 1
            sub.stale = True  # read again from the cursor
            if failures > settings.socket_push_retries:
                log.warning("handoff.socket.push_failed", extra={"conversation_id": conv.id, "error": repr(exc)[:300]})
                with contextlib.suppress(Exception):
                    await websocket.close(code=TRY_AGAIN_LATER, reason="try again")
                return
            await asyncio.sleep(min(0.25 * 2 ** (failures - 1), 4.0))


async def _handle_frame(websocket: WebSocket, service: ConversationService, conversation_id: str, raw: str) -> None:
    try:
        frame = json.loads(raw)
    except ValueError:
        frame = None
    kind = frame.get("type") if isinstance(frame, dict) else None
    if kind not in ("typing", "message"):
        await websocket.send_json({"type": "error", "error": "bad_frame", "message": "expected a message frame"})
        return
    try:  # over a limit, the frame is answered with an error frame; the socket stays open
        rule = Rule.TYPING_PER_SESSION if kind == "typing" else Rule.MESSAGES_PER_SESSION
        await get_limits(websocket).hit(rule, conversation_id)
    except TooManyRequests as exc:
        await websocket.send_json({"type": "error", "frame": kind, "client_id": frame.get("client_id"), **exc.body()})
        return
    if kind == "typing":
        service.shopper_typing(conversation_id, bool(frame.get("typing")))
        return
    try:
        body = MessageCreate.model_validate(frame)
        event = await service.add_shopper_message(conversation_id, body.text, body.client_id)
    except ValidationError as exc:
        first = exc.errors()[0]
        error = "bad_request" if first["type"] == CONTROL_CHARACTER else "invalid"
        await websocket.send_json({"type": "error", "error": error, "message": str(first["msg"])})
        return
    except KefuError as exc:
        await websocket.send_json({"type": "error", "error": exc.code, "message": exc.message})
        return
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        unavailable = ServiceUnavailable(websocket.app.state.settings.database_retry_after_seconds)
        await websocket.send_json({"type": "error", "frame": kind, "client_id": body.client_id, **unavailable.body()})
        return
    await websocket.send_json({"type": "ack", "client_id": body.client_id, "seq": event.id})
