"""The states a conversation can be in, and which may follow which. The one place these rules live;
the moves between them, with their timestamps and events, are in lifecycle.py."""

from enum import StrEnum

from handoff_service.core.errors import Conflict


class State(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    CLOSED = "closed"
    ABANDONED = "abandoned"
    CALLBACK = "callback"


ALLOWED: dict[State, frozenset[State]] = {
    State.BOT: frozenset({State.QUEUED, State.CLOSED, State.ABANDONED}),
    State.QUEUED: frozenset({State.AGENT, State.CALLBACK, State.ABANDONED, State.CLOSED}),
    State.AGENT: frozenset({State.BOT, State.QUEUED, State.CLOSED}),
    State.CALLBACK: frozenset({State.AGENT, State.CLOSED}),
    State.CLOSED: frozenset(),
    State.ABANDONED: frozenset(),
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def transition(current: str, target: State) -> State:
    """Return `target` if a conversation in `current` may move there, else refuse."""
    state = State(current)
    if target not in ALLOWED[state]:
        raise IllegalTransition(f"a conversation in state '{state}' cannot move to '{target}'")
    return target


def bot_owns(state: str) -> bool:
    """Only while the bot owns the chat do shopper messages reach Rasa."""
    return State(state) is State.BOT
