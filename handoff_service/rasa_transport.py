"""The HTTP transport for the Rasa hop: keep-alive HTTP/1.1 on asyncio streams, h11 for the protocol.

Every shopper turn is one request to Rasa. httpx's default transport (httpcore over anyio) spent
about twice the CPU per request here (0.94 against 0.45 ms on this machine, same httpx client): it
writes the headers and the body apart, waking Rasa twice, through layers of locks and cancel
scopes. This one writes a request at once and reads the whole answer (Rasa's are small). Requests
still go through `httpx.AsyncClient`, so tests keep their fake transport at the same seam.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import h11
import httpx

READ_SIZE = 65536


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection

    def reusable(self) -> bool:
        """Idle and still open: Rasa closes keep-alive connections it has not used for a while."""
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class _Stale(Exception):
    """A reused connection was closed before any answer came: the request can go again."""


class RasaTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_idle: int = 32) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._max_idle = max_idle

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"the Rasa transport speaks plain http, not {request.url.scheme}", request=request)
        timeouts = request.extensions.get("timeout", {})
        origin = (request.url.host, request.url.port or 80)
        body = await request.aread()
        while True:
            pooled = self._take(origin)
            connection = pooled or await self._open(origin, timeouts.get("connect"), request)
            try:
                async with asyncio.timeout(timeouts.get("read")):
                    response = await self._exchange(connection, request, body)
            except _Stale:
                connection.close()
                if pooled:
                    continue
                raise httpx.RemoteProtocolError("Rasa closed the connection without answering", request=request) from None
            except TimeoutError:
                connection.close()
                raise httpx.ReadTimeout("Rasa did not answer in time", request=request) from None
            except (OSError, h11.ProtocolError) as exc:
                connection.close()
                raise httpx.ReadError(f"talking to Rasa failed: {exc!r}", request=request) from exc
            except asyncio.CancelledError:
                connection.close()  # half an exchange: the connection cannot be reused
                raise
            self._give_back(origin, connection)
            return response

    async def _open(self, origin: tuple[str, int], timeout: float | None, request: httpx.Request) -> _Connection:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(*origin)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection to Rasa at {origin[0]}:{origin[1]} in time", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(f"no connection to Rasa at {origin[0]}:{origin[1]}: {exc}", request=request) from exc
        return _Connection(reader, writer, h11.Connection(h11.CLIENT))

    async def _exchange(self, connection: _Connection, request: httpx.Request, body: bytes) -> httpx.Response:
        protocol = connection.protocol
        head = h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
        connection.writer.write(
            b"".join(protocol.send(event) or b"" for event in (head, h11.Data(data=body), h11.EndOfMessage()))
        )
        answer: h11.Response | None = None
        chunks: list[bytes] = []
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                data = await connection.reader.read(READ_SIZE)
                if not data and answer is None:
                    raise _Stale
                protocol.receive_data(data)
            elif isinstance(event, h11.Response):
                answer = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("connection closed mid-answer")
        assert answer is not None
        return httpx.Response(
            answer.status_code,
            headers=answer.headers,
            stream=httpx.ByteStream(b"".join(chunks)),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
            request=request,
        )

    def _take(self, origin: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        return None

    def _give_back(self, origin: tuple[str, int], connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
                with contextlib.suppress(OSError):
                    await connection.writer.wait_closed()
        self._idle.clear()
