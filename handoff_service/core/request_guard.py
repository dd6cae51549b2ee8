"""The first thing every request meets, before routing, parsing or a signature check: a body over
the size limit is refused with 413 (by its Content-Length at once, or as soon as the streamed
bytes pass the limit), and a path or query with control characters with 400.

Pure ASGI, so the body is counted as it streams and never buffered here. Not FastAPI's own
`max_body_size`: that looks at Content-Length only once the app reads the body, and answers in
plain text or `{"detail"}` rather than the service's error body."""

from __future__ import annotations

import json
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handoff_service.core.errors import BadRequest, KefuError, PayloadTooLarge
from handoff_service.core.events import control_character


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # #19: a photo upload (POST …/attachments) may be larger than any JSON body
        self.upload_max_bytes = upload_max_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        bad = control_character(scope["path"]) or control_character(unquote(scope["query_string"].decode("latin-1")))
        if bad:
            error = BadRequest(f"地址含有不允许的控制字符 {bad}。The address contains a control character ({bad}).")
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": error.message[-100:]})
            else:
                await _answer(send, error)
            return
        if scope["type"] == "websocket":  # frames: uvicorn's ws_max_size
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        if scope["method"] == "POST" and scope["path"].endswith(("/attachments", "/image")):  # #20: an entry's picture
            limit = self.upload_max_bytes
            mib = limit / 1_048_576
            too_large = PayloadTooLarge(
                f"图片不能超过 {mib:g} MB，请压缩后再发。The photo is larger than {mib:g} MB; please send a smaller one."
            )
        else:
            too_large = PayloadTooLarge(
                f"请求内容超过 {limit} 字节，未被读取。The request body is larger than {limit} bytes and was not read."
            )
        length = _content_length(scope)
        if length is not None and length > limit:
            await _answer(send, too_large)
            return
        received, refused, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _answer(send, too_large)
                    return {"type": "http.disconnect"}  # the app stops reading; what it answers is dropped
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:  # the app's complaint that the body ended early; the 413 was sent
            if not refused:
                raise


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def _answer(send: Send, error: KefuError) -> None:
    body = json.dumps(error.body(), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
