"""Talking to the Rasa server over its REST channel and HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from handoff_service.errors import RasaUnavailable


class RasaClient:
    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self._base = base_url.rstrip("/")
        self._http = http
        # Parsed once: httpx parses a URL given as text on every request (≈ 100 µs of CPU per turn here).
        self._webhook = httpx.URL(f"{self._base}/webhooks/rest/webhook")

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot's replies to one shopper message, as Rasa's REST channel returns them."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._http.post(self._webhook, json=body)
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

    async def status(self) -> dict[str, Any]:
        """Rasa's `GET /status`: which model it runs (`model_file`), and its id."""
        try:
            response = await self._http.get(f"{self._base}/status", timeout=10)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"rasa did not say which model it runs: {exc!r}") from exc
        return body if isinstance(body, dict) else {}

    async def load_model(self, model_file: str, timeout: float = 300.0) -> None:
        """Make the running Rasa server load another model (`PUT /model`; it needs --enable-api)."""
        try:
            response = await self._http.put(f"{self._base}/model", json={"model_file": model_file}, timeout=timeout)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa did not load {model_file}: {exc!r}") from exc
        if response.status_code >= 300:
            raise RasaUnavailable(f"rasa refused {model_file} ({response.status_code}): {response.text[:300]}")

    async def healthy(self) -> bool:
        try:
            return (await self._http.get(f"{self._base}/", timeout=5)).status_code == 200
        except httpx.HTTPError:
            return False
