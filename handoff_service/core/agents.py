"""Agent accounts and login sessions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

import anyio
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.auth import (
    hash_password,
    is_expired,
    new_token,
    session_expiry,
    token_digest,
    verify_password,
)
from handoff_service.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from handoff_service.core.events import control_character
from handoff_service.core.models import Agent, AgentSession

ROLES = ("agent", "supervisor", "trainer", "admin")
T = TypeVar("T")
# Who answers shoppers; a trainer's account teaches the bot and holds no chats.
DESK_ROLES = ("agent", "supervisor", "admin")


class AgentDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], session_hours: int) -> None:
        self._sessions = sessions
        self._session_hours = session_hours
        self._argon2_slots: anyio.CapacityLimiter | None = None
        self._dummy_hash: str | None = None

    async def _argon2(self, function: Callable[..., T], *args: str) -> T:
        """argon2 in a worker thread, two at a time: on the event loop every login stalled every
        shopper (≈ 50 ms each), and each hash takes 64 MB, so a burst must not run all at once."""
        if self._argon2_slots is None:
            self._argon2_slots = anyio.CapacityLimiter(2)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._argon2_slots)

    async def _verify(self, password: str, password_hash: str | None) -> bool:
        """An unknown user costs the same verification (against a hash of a random password) as a
        known one, so the answer's timing does not tell which usernames exist."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self._argon2(hash_password, secrets.token_urlsafe(16))
            password_hash = self._dummy_hash
        return await self._argon2(verify_password, password, password_hash)

    async def add(
        self,
        username: str,
        password: str,
        display_name: str,
        role: str = "agent",
        max_concurrent: int = 3,
        languages: list[str] | None = None,
        skills: list[str] | None = None,
        team: str | None = None,
    ) -> Agent:
        if role not in ROLES:
            raise Conflict(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        for field, value in (("username", username), ("display name", display_name), ("team", team or "")):
            if bad := control_character(value):
                raise BadRequest(f"{field} 含有不允许的控制字符 {bad}。The {field} contains a control character ({bad}).")
        if len(password) < 8:
            raise Conflict("password must be at least 8 characters")
        async with self._sessions() as session:
            if await session.scalar(select(Agent).where(Agent.username == username)):
                raise Conflict(f"agent {username!r} already exists")
            if max_concurrent < 1:
                raise Conflict("an agent needs room for at least one chat")
            agent = Agent(
                username=username,
                display_name=display_name,
                password_hash=await self._argon2(hash_password, password),
                role=role,
                max_concurrent=max_concurrent,
                languages=languages or ["zh", "en"],
                skills=skills or [],
                team=team,
            )
            session.add(agent)
            await session.commit()
            return agent

    async def list(self) -> list[Agent]:
        async with self._sessions() as session:
            return list((await session.scalars(select(Agent).order_by(Agent.id))).all())

    async def disable(self, username: str) -> int:
        """A disabled account cannot log in, and its open sessions stop working; returns its id,
        for the caller to close its open sockets (hub.sessions_ended)."""
        async with self._sessions() as session:
            agent = await session.scalar(select(Agent).where(Agent.username == username))
            if agent is None:
                raise NotFound(f"no agent {username!r}")
            agent.active = False
            agent.status = "offline"
            await session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))
            await session.commit()
            return agent.id

    async def logout(self, token: str | None) -> int:
        """Ends this one session (others of the same account stay); returns the account's id."""
        if not token:
            raise Unauthorized("log in first")
        async with self._sessions() as session:
            login = await session.get(AgentSession, token_digest(token))
            if login is None:
                raise Unauthorized("session expired; log in again")
            agent_id = login.agent_id
            await session.delete(login)
            await session.commit()
            return agent_id

    async def ensure_demo_agent(
        self, username: str, password: str, display_name: str, role: str = "supervisor", beside: str | None = None
    ) -> None:
        """A fresh install gets one account to log in with; an install that has accounts is left alone.

        With `beside`, the account is added only next to that demo account, and only while it still
        opens with `password`: a demo started before this account existed gets it too, a real
        install (demo password changed or account gone) does not."""
        async with self._sessions() as session:
            if await session.scalar(select(Agent.id).where(Agent.username == username)) is not None:
                return
            if beside is not None:
                demo = await session.scalar(select(Agent).where(Agent.username == beside))
                if demo is None or not demo.active or not await self._verify(password, demo.password_hash):
                    return
            elif await session.scalar(select(Agent.id).limit(1)) is not None:
                return
        try:
            await self.add(username, password, display_name, role=role)
        except (Conflict, IntegrityError):
            pass  # another replica starting at the same time created it

    async def login(self, username: str, password: str) -> tuple[Agent, str]:
        async with self._sessions() as session:
            agent = await session.scalar(select(Agent).where(Agent.username == username))
        # Verified outside the session: no database connection is held while argon2 waits its turn.
        matches = await self._verify(password, agent.password_hash if agent else None)
        if agent is None or not agent.active or not matches:
            raise Unauthorized("wrong username or password")
        async with self._sessions() as session:
            token = new_token()
            session.add(
                AgentSession(
                    token_hash=token_digest(token), agent_id=agent.id, expires_at=session_expiry(self._session_hours)
                )
            )
            await session.commit()
            return agent, token

    async def authenticate(self, token: str | None) -> Agent:
        if not token:
            raise Unauthorized("log in first")
        async with self._sessions() as session:
            login = await session.get(AgentSession, token_digest(token))
            if login is None or is_expired(login.expires_at):
                raise Unauthorized("session expired; log in again")
            agent = await session.get(Agent, login.agent_id)
            if agent is None or not agent.active:
                raise Unauthorized("account disabled")
            return agent
