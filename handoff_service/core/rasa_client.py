"""Talking to the Rasa server over its REST channel and HTTP API."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import httpx

from handoff_service.core.errors import RasaUnavailable


class RasaClient:
    """One or more Rasa servers (`Settings.rasa_urls`), each keeping its own conversations.

    Why several: one Rasa 3.6 server computes on one thread, so a busy store outgrows it on a
    machine with cores to spare. A conversation always goes to the same server (a stable hash of
    its id, the same in every handoff replica), so each server's in-memory tracker and lock store
    stay right without Redis."""

    def __init__(self, base_urls: list[str], http: httpx.AsyncClient, token: str | None = None) -> None:
        """`token`: Rasa's `--auth-token`, which its HTTP API (not the REST channel) reads from `?token=`."""
        self._bases = list(base_urls)
        self._auth = {"token": token} if token else {}
        if not self._bases:
            raise ValueError("no Rasa server URL given (KEFU_RASA_URL)")
        self._http = http
        # Parsed once: httpx parses a URL given as text on every request (≈ 100 µs of CPU per turn here).
        self._webhooks = [httpx.URL(f"{base}/webhooks/rest/webhook") for base in self._bases]

    def shard(self, sender: str) -> int:
        """Which server keeps this conversation."""
        return zlib.crc32(sender.encode()) % len(self._bases)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot's replies to one shopper message, as Rasa's REST channel returns them."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._http.post(self._webhooks[self.shard(sender)], json=body)
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"rasa did not answer: {exc!r}") from exc
        return [r for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        """Tell the bot's tracker something it did not see (e.g. how the agent resolved the chat)."""
        event = {"event": "slot", "name": name, "value": value}
        try:
            url = f"{self._bases[self.shard(sender)]}/conversations/{sender}/tracker/events"
            response = await self._http.post(url, json=event, params={"include_events": "NONE", **self._auth})
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa tracker update failed: {exc!r}") from exc
        if response.status_code >= 300:  # said without the URL: it carries the token
            raise RasaUnavailable(f"rasa tracker update failed ({response.status_code}): {response.text[:300]}")

    async def status(self) -> dict[str, Any]:
        """Rasa's `GET /status` from the first server: which model it runs (`model_file`), and its id."""
        try:
            response = await self._http.get(f"{self._bases[0]}/status", params=self._auth, timeout=10)
            if response.status_code >= 300:
                raise RasaUnavailable(f"rasa did not say which model it runs ({response.status_code}): {response.text[:300]}")
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"rasa did not say which model it runs: {exc!r}") from exc
        return body if isinstance(body, dict) else {}

    async def load_model(self, model_file: str, timeout: float = 300.0) -> None:
        """Make every Rasa server load another model (`PUT /model`; they need --enable-api).

        All load at once; if any fails, the error names it (the others run the new model)."""
        outcomes = await asyncio.gather(
            *(self._load_model(base, model_file, timeout) for base in self._bases), return_exceptions=True
        )
        failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failed:
            raise failed[0]

    async def _load_model(self, base: str, model_file: str, timeout: float) -> None:
        try:
            response = await self._http.put(
                f"{base}/model", json={"model_file": model_file}, params=self._auth, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa at {base} did not load {model_file}: {exc!r}") from exc
        if response.status_code >= 300:
            raise RasaUnavailable(f"rasa at {base} refused {model_file} ({response.status_code}): {response.text[:300]}")
