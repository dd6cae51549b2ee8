"""Who may take a chat, and seats: an agent never holds more chats than their cap."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.core.lifecycle import seconds_since
from handoff_service.core.models import Agent, Conversation


def eligible(agent: Agent, conv: Conversation, ignore_skill: bool = False) -> bool:
    return (
        agent.active
        and agent.status == "online"
        and agent.active_chats < agent.max_concurrent
        and conv.lang in (agent.languages or [])
        and (ignore_skill or not conv.skill or conv.skill in (agent.skills or []))
        and (not conv.team or conv.team == agent.team)
    )


async def online_agents(session: AsyncSession) -> list[Agent]:
    return list((await session.scalars(select(Agent).where(Agent.active, Agent.status == "online"))).all())


def least_loaded(agents: list[Agent], conv: Conversation, skill_fallback_seconds: float | None = None) -> Agent | None:
    """The eligible agent with the most room, relative to their cap. A chat that needs a skill
    goes to agents who have it; once it has waited `skill_fallback_seconds` with none free, to anyone (#19)."""
    candidates = [a for a in agents if eligible(a, conv)]
    if not candidates and conv.skill and skill_fallback_seconds is not None and seconds_since(conv.queued_at) >= skill_fallback_seconds:
        candidates = [a for a in agents if eligible(a, conv, ignore_skill=True)]
    return min(candidates, key=lambda a: (a.active_chats / max(a.max_concurrent, 1), a.id), default=None)


async def take_seat(session: AsyncSession, agent_id: int) -> bool:
    """Atomically count one more chat for the agent, only if under their cap."""
    result = await session.execute(
        update(Agent)
        .where(Agent.id == agent_id, Agent.active_chats < Agent.max_concurrent)
        .values(active_chats=Agent.active_chats + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def free_seat(session: AsyncSession, agent_id: int) -> None:
    await session.execute(
        update(Agent)
        .where(Agent.id == agent_id, Agent.active_chats > 0)
        .values(active_chats=Agent.active_chats - 1)
        .execution_options(synchronize_session=False)
    )
