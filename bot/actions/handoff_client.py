"""Posting signed handoff packets to the handoff service, with retry and backoff."""

from __future__ import annotations

import asyncio
import logging

import httpx

from kefu_contract.packet import HandoffPacket, sign

log = logging.getLogger(__name__)


class HandoffFailed(Exception):
    """The handoff service did not accept the escalation; the shopper must be told so."""


ALREADY_RECEIVED = "already_received"  # the handoff service's error code for the same packet again


def _already_received(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == ALREADY_RECEIVED


class HandoffClient:
    def __init__(
        self, base_url: str, secret: str, retries: int = 3, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/escalations"
        self._secret = secret
        self._retries = retries
        self._transport = transport

    async def escalate(self, packet: HandoffPacket) -> dict[str, object]:
        """Deliver `packet`; retry network errors and 5xx with backoff, never a 4xx (it would fail again)."""
        body = packet.model_dump_json().encode()
        delay = 0.5
        last_error = ""
        async with httpx.AsyncClient(timeout=10, transport=self._transport) as http:
            for attempt in range(1, self._retries + 1):
                headers = {"content-type": "application/json", **sign(body, self._secret)}
                try:
                    response = await http.post(self._url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    last_error = repr(exc)
                else:
                    if response.status_code < 300:
                        return response.json()
                    if response.status_code == 409 and _already_received(response):
                        # An earlier attempt got through although its answer was lost (a slow
                        # escalation, a timeout): the chat is queued, which is what we asked.
                        return {"conversation_id": packet.conversation_id, "state": "queued", "already_received": True}
                    last_error = f"{response.status_code} {response.text[:200]}"
                    if response.status_code < 500:
                        break
                log.warning("actions.handoff.retry", extra={"attempt": attempt, "error": last_error})
                if attempt < self._retries:
                    await asyncio.sleep(delay)
                    delay *= 2
        raise HandoffFailed(last_error)
