"""Shoppers and agents as the widget and the console behave, for the fault suite and the soak.

A shopper opens a chat (signed in, as the store's page does), listens on the chat's WebSocket and
sends messages over HTTP with a client id, resending the same client id until the service
acknowledges it (202), as the widget does (static/widget/sending.js, `Load._retry`); a socket that closes is
opened again with `?after=` the last event seen, after a backoff that doubles from 1 s (the
widget's; capped here at 8 s instead of 30 s, so a test waits less). Bot shoppers ask the bot
knowledge-base questions, four per chat, and start a new chat when the bot handed theirs to a
person. Agent shoppers' chats are escalated and claimed by an agent at the start; the agent
answers each of their messages (with a client id of its own, resent the same way).

What is counted is what the shopper sees: `Ledger.report` reads every chat's transcript at the
end and says, per fault window, how many messages were sent, acknowledged, answered or queued for
a person, lost (acknowledged and never answered nor queued), duplicated (a message stored twice,
an answer given twice), and the longest wait for a reaction on the socket."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from benchmarks.handoff_databases import AGENT_PASSWORD
from handoff_service.chat.identity import sign_customer
from kefu_contract.packet import HandoffPacket, sign

QUESTIONS = [
    "什么时候发货", "how long does shipping take?", "有优惠券吗", "can I get an invoice?",
    "快递一般几天能到", "how do I change my delivery address?", "可以开发票吗", "when will my order ship?",
    "能改收货地址吗", "do you have price protection?", "价格保护怎么算", "which size should I choose?",
]  # fmt: skip
TURNS_PER_CHAT = 4
PAGE = 500  # events per page of GET /api/sessions/{id}/events (ConversationService.events_after)
BACKOFF_CAP = 8.0
RESEND_SCHEDULE = (0.6, 1.2, 2.4, 4.8, 2.0)


@dataclass
class Message:
    shopper: int
    chat: Chat
    client_id: str
    text: str
    window: str
    sent_at: float
    acked_at: float | None = None
    seq: int | None = None
    attempts: int = 0


@dataclass
class Chat:
    id: str
    token: str
    agent: dict[str, str] | None = None  # the agent's auth header, for agent-owned chats
    state: str = "bot"
    last_seq: int = 0
    seen: dict[int, tuple[float, dict[str, Any]]] = field(default_factory=dict)  # seq -> (arrival, event)
    socket_task: asyncio.Task[None] | None = None
    reconnects: int = 0


@dataclass
class Window:
    name: str
    started: float
    recovered: float | None = None  # when the faulted process was back (time.monotonic())


class Ledger:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.chats: list[Chat] = []
        self.windows: list[Window] = []
        self.errors: Counter[str] = Counter()

    @property
    def window(self) -> str:
        return self.windows[-1].name if self.windows else "warm-up"

    def open_window(self, name: str) -> Window:
        window = Window(name, time.monotonic())
        self.windows.append(window)
        return window


def reaction(chat: Chat, message: Message, bot_owned: bool) -> tuple[float | None, str | None]:
    """When the shopper's socket showed the reaction to `message`, and what it was."""
    if message.seq is None:
        return None, None
    best: tuple[float | None, str | None] = (None, None)
    for seq, (seen, event) in chat.seen.items():
        kind = None
        if bot_owned and event["sender"] == "bot" and event["payload"].get("in_reply_to") == message.seq:
            kind = "answered"
        elif bot_owned and seq > message.seq and event["kind"] == "state" and event["payload"].get("state") == "queued":
            kind = "queued"
        elif event["sender"] == "agent" and event.get("client_id") == f"r-{message.client_id}":
            kind = "answered"
        if kind and (best[0] is None or seen < best[0]):
            best = (seen, kind)
    if best[0] is None and not bot_owned and message.acked_at is not None and chat.agent is None:
        return message.acked_at, "queued"  # stored for a person who has not claimed the chat yet
    return best


class Load:
    def __init__(
        self, base: str, agents: list[str], shoppers: int, agent_share: float, think: tuple[float, float],
        identity_secret: str, handoff_secret: str,
    ) -> None:  # fmt: skip
        """`identity_secret` signs shoppers as the store's page would; `handoff_secret` signs the
        escalations that put agent shoppers' chats in the queue, as the action server would."""
        self.base = base
        self.identity_secret = identity_secret
        self.handoff_secret = handoff_secret
        self.ws_base = base.replace("http", "ws", 1)
        self.agent_names = agents
        self.agent_auth: list[dict[str, str]] = []
        self.shoppers = shoppers
        self.agent_share = agent_share
        self.think = think
        self.ledger = Ledger()
        self.lost_examples: list[str] = []  # filled by report()
        self.slowest: dict[str, Message] = {}  # window: the message that waited longest
        self.unseen: list[Message] = []  # answered or queued, but the shopper's socket never showed it
        self.stopping = asyncio.Event()
        self._ids = itertools.count()
        self.http = httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200))

    async def _retry(self, what: str, call: Any, ok: tuple[int, ...], deadline: float = 120) -> httpx.Response:
        """Call until a status in `ok`; network errors, 5xx, 408 and 429 wait and retry as the widget
        does (static/widget/sending.js: after 0.6, 1.2, 2.4, 4.8 s, then the message shows "failed"
        with a retry button: here the shopper taps it 2 s later and the same schedule starts again)."""
        schedule, end = itertools.cycle(RESEND_SCHEDULE), time.monotonic() + deadline
        while True:
            try:
                response = await call()
                if response.status_code in ok:
                    return response
                self.ledger.errors[f"{what}:{response.status_code}"] += 1
                if response.status_code < 500 and response.status_code not in (408, 429):
                    raise RuntimeError(f"{what}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                self.ledger.errors[f"{what}:{type(exc).__name__}"] += 1
            if time.monotonic() > end:
                raise TimeoutError(f"{what}: no answer in {deadline:.0f} s")
            await asyncio.sleep(next(schedule))

    async def log_in_agents(self) -> None:
        for name in self.agent_names:
            body = {"username": name, "password": AGENT_PASSWORD}
            response = await self._retry("login", lambda b=body: self.http.post(f"{self.base}/api/agent/login", json=b), (200,))
            self.agent_auth.append({"Authorization": f"Bearer {response.json()['token']}"})

    # --- a chat and its socket ------------------------------------------------------------------

    async def _open_chat(self, shopper: int, with_agent: bool) -> Chat:
        customer = f"C{1001 + shopper % 5}"
        body = {"customer_id": customer, "customer_signature": sign_customer(customer, self.identity_secret), "lang": "zh"}
        created = (await self._retry("session", lambda: self.http.post(f"{self.base}/api/sessions", json=body), (201,))).json()
        chat = Chat(created["conversation_id"], created["token"])
        if with_agent:
            packet = HandoffPacket(conversation_id=chat.id, reason="explicit_request").model_dump_json().encode()
            headers = {"content-type": "application/json", **sign(packet, self.handoff_secret)}
            await self._retry("escalate", lambda: self.http.post(f"{self.base}/api/escalations", content=packet, headers=headers), (200, 201, 202, 409))
            agent = self.agent_auth[shopper % len(self.agent_auth)]
            claim = f"{self.base}/api/agent/conversations/{chat.id}/claim"
            await self._retry("claim", lambda: self.http.post(claim, headers=agent), (200, 409))
            chat.agent, chat.state = agent, "agent"
        self.ledger.chats.append(chat)
        chat.socket_task = asyncio.create_task(self._listen(chat))
        return chat

    async def _listen(self, chat: Chat) -> None:
        """The widget's socket: every event after the last one seen; reopened after a backoff."""
        backoff = 1.0
        while True:
            url = f"{self.ws_base}/ws/sessions/{chat.id}?after={chat.last_seq}"
            try:
                async with websockets.connect(url, subprotocols=["kefu", f"kefu.token.{chat.token}"], max_queue=None, open_timeout=10) as ws:
                    backoff = 1.0
                    async for raw in ws:
                        frame = json.loads(raw)
                        if frame.get("type") != "event":
                            continue
                        event = frame["event"]
                        chat.seen.setdefault(event["seq"], (time.monotonic(), event))
                        chat.last_seq = max(chat.last_seq, event["seq"])
                        if event["kind"] == "state" and event["payload"].get("state"):
                            chat.state = event["payload"]["state"]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any way a socket ends, the widget reconnects
                self.ledger.errors[f"socket:{type(exc).__name__}"] += 1
            chat.reconnects += 1
            await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, BACKOFF_CAP)

    # --- shoppers -----------------------------------------------------------------------------------

    async def _send(self, shopper: int, chat: Chat, text: str) -> Message:
        message = Message(shopper, chat, f"m{next(self._ids)}", text, self.ledger.window, time.monotonic())
        self.ledger.messages.append(message)
        url, body, auth = f"{self.base}/api/sessions/{chat.id}/messages", {"text": text, "client_id": message.client_id}, {"Authorization": f"Bearer {chat.token}"}

        async def post() -> httpx.Response:
            message.attempts += 1
            return await self.http.post(url, json=body, headers=auth)

        response = await self._retry("message", post, (202,), deadline=600)
        message.acked_at, message.seq = time.monotonic(), response.json()["event"]["seq"]
        return message

    async def _agent_answers(self, chat: Chat, message: Message) -> None:
        assert chat.agent is not None
        url = f"{self.base}/api/agent/conversations/{chat.id}/messages"
        body = {"text": f"收到：{message.text}", "client_id": f"r-{message.client_id}"}
        try:
            await self._retry("agent-reply", lambda: self.http.post(url, json=body, headers=chat.agent), (202,), deadline=30)
        except TimeoutError:
            # The console would show the reply as failed; whether it was stored, the transcript says.
            self.ledger.errors["agent-reply:unacknowledged after 30 s"] += 1

    async def _await_reaction(self, message: Message, timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if reaction(message.chat, message, message.chat.agent is None)[0] is not None:
                return
            await asyncio.sleep(0.1)

    async def shopper(self, n: int, with_agent: bool) -> None:
        chat: Chat | None = None
        message: Message | None = None
        asked = 0
        questions = itertools.cycle(random.sample(QUESTIONS, len(QUESTIONS)))
        await asyncio.sleep(random.uniform(0, self.think[1]))
        while not self.stopping.is_set():
            try:
                if chat is None or (not with_agent and (chat.state != "bot" or asked >= TURNS_PER_CHAT)):
                    # A widget holds one chat's socket: the old one closes, unless its last
                    # message is still waiting (then it stays open to see the answer).
                    if chat and message and chat.socket_task and reaction(chat, message, chat.agent is None)[0]:
                        chat.socket_task.cancel()
                    chat, asked = await self._open_chat(n, with_agent), 0
                message = await self._send(n, chat, next(questions) if not with_agent else f"你好，第 {asked + 1} 条")
                asked += 1
                if with_agent:
                    await self._agent_answers(chat, message)
                await self._await_reaction(message, 30)
            except (RuntimeError, TimeoutError) as exc:
                self.ledger.errors[f"shopper:{str(exc)[:60]}"] += 1
                chat = None
            await asyncio.sleep(random.uniform(*self.think))

    async def run(self) -> None:
        await self.log_in_agents()
        n_agent = round(self.shoppers * self.agent_share)
        await asyncio.gather(*(self.shopper(n, n < n_agent) for n in range(self.shoppers)))

    async def drain(self, timeout: float) -> None:
        """After the load stops: wait until every acknowledged message has its reaction (or timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(reaction(m.chat, m, m.chat.agent is None)[0] is not None for m in self.ledger.messages if m.seq is not None):
                return
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        for chat in self.ledger.chats:
            if chat.socket_task:
                chat.socket_task.cancel()
        await asyncio.gather(*(c.socket_task for c in self.ledger.chats if c.socket_task), return_exceptions=True)
        await self.http.aclose()

    # --- the count ----------------------------------------------------------------------------------

    async def transcript(self, chat: Chat) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        auth = {"Authorization": f"Bearer {chat.token}"}
        url = f"{self.base}/api/sessions/{chat.id}/events"
        while True:
            params = {"after": events[-1]["seq"] if events else 0, "wait": "false"}
            page = (await self._retry("transcript", lambda p=params: self.http.get(url, params=p, headers=auth), (200,))).json()["events"]
            events += page
            if len(page) < PAGE:  # the last page (the service pages by 500, as the widget's restore knows)
                return events

    async def report(self) -> list[dict[str, Any]]:
        """One row per window (see the module's docstring)."""
        transcripts: dict[str, list[dict[str, Any]]] = {}
        reading = asyncio.Semaphore(8)

        async def read(chat: Chat) -> None:
            async with reading:
                transcripts[chat.id] = await self.transcript(chat)

        await asyncio.gather(*(read(chat) for chat in self.ledger.chats))
        rows: dict[str, dict[str, Any]] = {}
        recovered = {w.name: w.recovered for w in self.ledger.windows}
        for name in ["warm-up", *(w.name for w in self.ledger.windows)]:
            rows[name] = {
                "fault": name, "sent": 0, "acknowledged": 0, "answered_or_queued": 0, "answered": 0, "queued": 0,
                "lost": 0, "duplicated": 0, "not_seen_live": 0, "max_wait_s": 0.0, "max_wait_after_recovery_s": 0.0,
            }  # fmt: skip
        duplicates = _duplicates(transcripts, {m.client_id: m.window for m in self.ledger.messages})
        self.lost_examples.clear()
        self.slowest.clear()
        self.unseen.clear()
        for message in self.ledger.messages:
            row = rows[message.window]
            row["sent"] += 1
            if message.seq is None:
                continue
            row["acknowledged"] += 1
            events = transcripts[message.chat.id]
            outcome = _outcome(events, message)
            if outcome is None:
                row["lost"] += 1
                self.lost_examples.append(f"{message.window}: chat {message.chat.id} seq {message.seq}")
                continue
            row["answered_or_queued"] += 1
            row[outcome] += 1
            owner = _owner_at(events, message.seq)
            seen, _ = reaction(message.chat, message, owner == "bot")
            if seen is None:
                row["not_seen_live"] += 1
                self.unseen.append(message)
                continue
            if seen - message.sent_at > row["max_wait_s"]:
                self.slowest[message.window] = message
            row["max_wait_s"] = round(max(row["max_wait_s"], seen - message.sent_at), 3)
            back = recovered.get(message.window) or message.sent_at
            row["max_wait_after_recovery_s"] = round(max(row["max_wait_after_recovery_s"], seen - max(message.sent_at, back)), 3)
        for window, count in duplicates.items():
            rows.setdefault(window, rows["warm-up"])["duplicated"] += count
        return [row for row in rows.values() if row["sent"] or row["fault"] != "warm-up"]


def _owner_at(events: list[dict[str, Any]], seq: int) -> str:
    owner = "bot"
    for event in events:
        if event["seq"] >= seq:
            break
        if event["kind"] == "state" and event["payload"].get("state"):
            owner = event["payload"]["state"]
    return owner


def _outcome(events: list[dict[str, Any]], message: Message) -> str | None:
    """'answered' or 'queued' as the transcript has it, or None (lost)."""
    stored = [e for e in events if e["sender"] == "shopper" and e.get("client_id") == message.client_id]
    if not stored:
        return None
    seq = stored[0]["seq"]
    owner = _owner_at(events, seq)
    if owner == "bot":
        if any(e["sender"] == "bot" and e["payload"].get("in_reply_to") == seq for e in events):
            return "answered"
        if any(e["seq"] > seq and e["kind"] == "state" and e["payload"].get("state") == "queued" for e in events):
            return "queued"
        return None
    if any(e["sender"] == "agent" and e.get("client_id") == f"r-{message.client_id}" for e in events):
        return "answered"
    return "queued" if owner in ("queued", "agent") else None


def _duplicates(transcripts: dict[str, list[dict[str, Any]]], windows: dict[str, str]) -> Counter[str]:
    """Messages stored twice (one client id), answers given twice (a relay done twice: the bot's
    replies to one message repeated), by the window of the shopper's message."""
    found: Counter[str] = Counter()
    for events in transcripts.values():
        by_client: Counter[tuple[str, str]] = Counter((e["sender"], e["client_id"]) for e in events if e.get("client_id"))
        for (sender, client_id), count in by_client.items():
            if count > 1:
                found[windows.get(client_id.removeprefix("r-"), "warm-up")] += count - 1
        replies: defaultdict[int, list[str]] = defaultdict(list)
        for e in events:
            if e["sender"] == "bot" and "in_reply_to" in e["payload"]:
                replies[e["payload"]["in_reply_to"]].append(e["text"] + json.dumps(e["payload"], sort_keys=True))
        shopper_of = {e["seq"]: e.get("client_id") for e in events if e["sender"] == "shopper"}
        for seq, texts in replies.items():
            half = len(texts) // 2
            if len(texts) >= 2 and len(texts) % 2 == 0 and texts[:half] == texts[half:]:
                found[windows.get(shopper_of.get(seq) or "", "warm-up")] += 1
    return found
