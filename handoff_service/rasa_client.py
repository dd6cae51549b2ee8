"""Talking to the Rasa server over its REST channel and HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from handoff_service.errors import RasaUnavailable


class RasaClient:
    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self._base = base_url.rstrip("/")
        self._http = http

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot's replies to one shopper message, as Rasa's REST channel returns them."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._http.post(f"{self._base}/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"rasa did not answer: {exc!r}") from exc
        return [r for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        """Tell the bot's tracker something it did not see (e.g. how the agent resolved the chat)."""
        event = {"event": "slot", "name": name, "value": value}
        try:
            response = await self._http.post(
                f"{self._base}/conversations/{sender}/tracker/events", json=event, params={"include_events": "NONE"}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa tracker update failed: {exc!r}") from exc

    async def healthy(self) -> bool:
        try:
            return (await self._http.get(f"{self._base}/", timeout=5)).status_code == 200
        except httpx.HTTPError:
            return False
