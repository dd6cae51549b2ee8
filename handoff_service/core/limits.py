"""Abuse limits: how often one IP, one username or one chat may do a thing.

The counting is the `limits` library's sliding window counter, kept in Redis when the deployment
has one (every replica then sees the same counts) and in this process otherwise. Counts of
different deployments sharing a Redis stay apart: their keys carry a digest of the database they
serve.

Why the sliding window counter, not the exact moving window: in this process, limits' memory
storage walks every key it holds after each hit (in a timer thread), and the moving window keeps a
list of hits per chat for the longest window (an hour): a shopper message cost ≈ 0.8 ms of CPU
with 300 chats counted and ≈ 4 ms with 3,000, against ≈ 0.4 / 0.9 ms for the counter (two numbers
per window). It weighs the previous window's count by how much of it still overlaps, so a limit may
let a few more through at a window's turn; for abuse limits that is enough."""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar

from fastapi import Request, WebSocket
from limits import RateLimitItem, parse_many, storage, strategies
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from handoff_service.core.errors import TooManyRequests
from handoff_service.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

class Rule(StrEnum):
    """What is counted, and per what; each names its setting `limit_<rule>`."""

    LOGINS_PER_IP = "logins_per_ip"
    LOGIN_FAILURES_PER_USERNAME = "login_failures_per_username"
    SESSIONS_PER_IP = "sessions_per_ip"
    MESSAGES_PER_SESSION = "messages_per_session"
    TYPING_PER_SESSION = "typing_per_session"


def make_storage(settings: Settings) -> Storage | storage.MemoryStorage:
    """In this process: limits' synchronous memory storage. Its asyncio twin schedules an expiry pass
    after every hit that crosses to a thread once per key counted: with a few hundred open chats
    that cost the service ≈ 10 ms of CPU per shopper message (py-spy, measured here)."""
    if not settings.redis_url:
        return storage.MemoryStorage()
    deployment = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    return RedisStorage(
        f"async+{settings.redis_url}", implementation="redispy", key_prefix=f"kefu-limits-{deployment}",
        wrap_exceptions=True, socket_timeout=2, socket_connect_timeout=2,
    )  # fmt: skip


class RateLimits:
    """Each rule's limits from the settings, counted in one storage."""

    def __init__(self, settings: Settings, counts: Storage | storage.MemoryStorage | None = None) -> None:
        self._rules: dict[Rule, list[RateLimitItem]] = {
            rule: parse_many(getattr(settings, f"limit_{rule.value}")) for rule in Rule
        }
        self._storage = counts or make_storage(settings)
        # The in-process limiter is synchronous (no I/O: a dict and a lock); Redis's is awaited.
        self._limiter: SlidingWindowCounterRateLimiter | strategies.SlidingWindowCounterRateLimiter = (
            strategies.SlidingWindowCounterRateLimiter(self._storage)
            if isinstance(self._storage, storage.MemoryStorage)
            else SlidingWindowCounterRateLimiter(self._storage)
        )

    async def hit(self, rule: Rule, key: str) -> None:
        """Count one attempt; raise TooManyRequests (nothing counted beyond the limit) when over."""
        await self._within(rule, key, self._limiter.hit)

    async def check(self, rule: Rule, key: str) -> None:
        """Raise TooManyRequests if one more attempt would be over, without counting one (a login
        counts only its failures per username, so the account's owner is not locked out by success)."""
        await self._within(rule, key, self._limiter.test)

    async def _within(self, rule: Rule, key: str, step: Callable[..., Awaitable[bool] | bool]) -> None:
        """With Redis unreachable nothing is counted and everything passes: a Redis outage must not
        stop every chat (the service logs it, and the hub's own errors say the same)."""
        try:
            for item in self._rules[rule]:
                if not await _settled(step(item, rule.value, key)):
                    raise TooManyRequests(await self._retry_after(item, rule, key))
        except StorageError as exc:
            log.warning("handoff.limits.unavailable", extra={"rule": rule.value, "error": str(exc)})

    async def _retry_after(self, item: RateLimitItem, rule: Rule, key: str) -> float:
        stats = await _settled(self._limiter.get_window_stats(item, rule.value, key))
        return stats.reset_time - time.time()

    async def aclose(self) -> None:
        """Close Redis's connections with the app (the counts stay for the other replicas)."""
        if isinstance(self._storage, RedisStorage):
            await self._storage.bridge.storage.aclose()


async def _settled(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value


def client_ip(connection: Request | WebSocket) -> str:
    """The caller's address as uvicorn saw it (behind a proxy: run uvicorn with --proxy-headers and
    --forwarded-allow-ips so this is the shopper's address, not the proxy's)."""
    return connection.client.host if connection.client else "unknown"


def get_limits(connection: Request | WebSocket) -> RateLimits:
    return connection.app.state.limits
