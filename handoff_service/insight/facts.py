"""One chat's story read from its events: the facts every figure is summed from.

Definitions (what each figure means; tests/unit/test_insight_metrics.py checks each on small
hand-made histories):

- **escalation**: a move to the queue whose reason is not "transfer" (an agent sending the chat
  back to the queue continues the same wait). A chat escalated again after an agent handed it back
  to the bot is **reopened**: its second escalation starts a new episode.
- **contained**: the bot finished the chat without a person: never escalated and not abandoned.
- **wait**: from an escalation to the first agent joining (per episode); an episode that ended
  with the shopper leaving before anyone joined is **abandoned in the queue**.
- **first response time (FRT)**: from an escalation to the first agent message after it.
- **next response time (NRT)**: after the first response, from the first shopper message that
  follows an agent's message to the next agent message.
- **handle time**: the time agents held the chat: from an agent joining to the next move (hand
  back, requeue, close, or a transfer to another agent, which starts the next agent's time).
  Each agent gets their own part; the chat's **agent** (for breakdowns and the scorecard) is the
  last one who held it.
- **resolved**: the chat ended closed by an agent, or with the bot and either never escalated or
  handed back with the outcome "resolved". Abandoned chats, callbacks and chats still waiting or
  with an agent are not resolved.
- **topic**: what the shopper came about: the knowledge-base entry the bot answered the first
  question from, else the intent the bot's NLU gave that question (both stored with the bot's
  reply as its turn report), else the reason of the first escalation, else "other".
- **first-contact resolution (FCR)**: resolved, and the same customer opened no chat on the same
  topic within 7 days after this one began (guests cannot be followed: a resolved guest chat counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from handoff_service.core.models import as_utc
from handoff_service.insight.record import ChatRow, EventRow

TRANSFER = "transfer"


@dataclass
class ChatFacts:
    id: str
    customer_id: str | None
    lang: str
    state: str
    created_at: dt.datetime
    demo: bool
    messages: dict[str, int] = field(default_factory=lambda: {"shopper": 0, "bot": 0, "agent": 0})
    escalations: list[str] = field(default_factory=list)  # reasons, in order
    reopened: bool = False
    waits: list[float] = field(default_factory=list)
    frts: list[tuple[float, int | None]] = field(default_factory=list)  # (seconds, agent)
    nrts: list[float] = field(default_factory=list)
    handle: dict[int, float] = field(default_factory=dict)  # agent -> seconds
    transfers: int = 0
    abandoned_in_queue: bool = False
    callback: bool = False
    hand_back_outcomes: list[str] = field(default_factory=list)
    agent_id: int | None = None  # the last agent who held it
    topic: str = "other"
    fcr: bool = False

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def contained(self) -> bool:
        return not self.escalated and self.state != "abandoned"

    @property
    def handle_seconds(self) -> float:
        return sum(self.handle.values())

    @property
    def resolved(self) -> bool:
        if self.state == "closed":
            return self.agent_id is not None or not self.escalated
        if self.state == "bot":
            return not self.escalated or (bool(self.hand_back_outcomes) and self.hand_back_outcomes[-1] == "resolved")
        return False


def _agent(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def chat_facts(chat: ChatRow, events: list[EventRow]) -> ChatFacts:
    """Follow one chat's events in order (see the module's definitions)."""
    facts = ChatFacts(chat.id, chat.customer_id, chat.lang, chat.state, as_utc(chat.created_at), bool(chat.demo))
    episode_start: dt.datetime | None = None
    joined = responded = False
    holder: int | None = None
    held_since: dt.datetime | None = None
    waiting_shopper: dt.datetime | None = None
    first_intent: str | None = None
    handed_back = False

    def release(at: dt.datetime) -> None:
        nonlocal holder, held_since
        if holder is not None and held_since is not None:
            facts.handle[holder] = facts.handle.get(holder, 0.0) + (at - held_since).total_seconds()
        holder, held_since = None, None

    for event in events:
        at = event.created_at  # only differences of one chat's times are kept: no time zone needed
        if event.kind == "message":
            if event.sender in facts.messages:
                facts.messages[event.sender] += 1
            if event.sender == "bot" and first_intent is None and (event.kb_entry or event.intent):
                first_intent = event.kb_entry or event.intent
            elif event.sender == "agent":
                if episode_start is not None and not responded:
                    facts.frts.append(((at - episode_start).total_seconds(), holder))
                    responded = True
                elif waiting_shopper is not None:
                    facts.nrts.append((at - waiting_shopper).total_seconds())
                waiting_shopper = None
            elif event.sender == "shopper" and holder is not None and responded and waiting_shopper is None:
                waiting_shopper = at
            continue
        state = event.state
        if state == "queued":
            release(at)
            waiting_shopper = None
            if event.reason == TRANSFER and episode_start is not None:
                continue
            facts.escalations.append(event.reason or "unknown")
            facts.reopened = facts.reopened or handed_back
            episode_start, joined, responded = at, False, False
        elif state == "agent":
            release(at)
            if event.how == "transferred":
                facts.transfers += 1
            if episode_start is not None and not joined:
                facts.waits.append((at - episode_start).total_seconds())
                joined = True
            holder, held_since = _agent(event.agent_id), at
            facts.agent_id = holder if holder is not None else facts.agent_id
        elif state == "bot":
            release(at)
            handed_back = True
            facts.hand_back_outcomes.append(event.outcome or "resolved")
            episode_start, waiting_shopper = None, None
        elif state in ("closed", "abandoned"):
            if state == "abandoned" and episode_start is not None and not joined:
                facts.abandoned_in_queue = True
            release(at)
            episode_start, waiting_shopper = None, None
        elif state == "callback":
            facts.callback = True
    facts.topic = first_intent or (facts.escalations[0] if facts.escalations else "other")
    return facts


FCR_DAYS = 7


def mark_first_contact_resolution(facts: list[ChatFacts], later: list[ChatFacts]) -> None:
    """Set `fcr` on `facts`, looking for repeat contacts among `facts` and `later` (the chats of
    the 7 days after the period)."""
    by_customer: dict[str, list[ChatFacts]] = {}
    for chat in (*facts, *later):
        if chat.customer_id:
            by_customer.setdefault(chat.customer_id, []).append(chat)
    window = dt.timedelta(days=FCR_DAYS)
    for chat in facts:
        if not chat.resolved:
            continue
        others = by_customer.get(chat.customer_id or "", [])
        chat.fcr = not any(
            o.id != chat.id and o.topic == chat.topic and chat.created_at < o.created_at <= chat.created_at + window
            for o in others
        )
