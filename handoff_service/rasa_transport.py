"""The HTTP transport for the Rasa hop: keep-alive HTTP/1.1 on asyncio streams, httptools to read answers.

Every shopper turn is one request to Rasa. httpx's default transport (httpcore over anyio) spent
about twice the CPU per request here (0.94 against 0.45 ms on this machine, same httpx client): it
writes the headers and the body apart, waking Rasa twice, through layers of locks and cancel
scopes. This one writes a request at once and reads the whole answer (Rasa's are small). Answers
are parsed by httptools (llhttp, in C; uvicorn's own parser): h11, pure Python, took ≈ 120 µs of
the ≈ 310 µs of CPU a request cost here. Requests still go through `httpx.AsyncClient`, so tests
keep their fake transport at the same seam.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httptools
import httpx

READ_SIZE = 65536


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def reusable(self) -> bool:
        """Idle and still open: Rasa closes keep-alive connections it has not used for a while."""
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class _Stale(Exception):
    """A reused connection was closed before any answer came: the request can go again."""


class _ProtocolError(Exception):
    """The answer was not HTTP/1.1 as it should be, or stopped half-way."""


class _Answer:
    """One response as httptools parses it (the parser calls the `on_…` methods)."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.headers_done = self.complete = self.keep_alive = False
        self.status_code, self.http_version = 0, "1.1"
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)

    def feed(self, data: bytes) -> None:
        assert self._parser is not None
        self._parser.feed_data(data)
        if self.complete:
            self._parser = None  # the parser and this answer refer to each other

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self.headers_done = True
        self.status_code, self.http_version = self._parser.get_status_code(), self._parser.get_http_version()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        assert self._parser is not None
        self.complete = True
        self.keep_alive = self._parser.should_keep_alive()  # the parser forgets it once the message is done

    def ends_at_close(self) -> bool:
        """Neither a length nor chunks: the body is whatever came before the connection closed."""
        names = {name.lower() for name, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names


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
                    response, keep_alive = await self._exchange(connection, request, body)
            except _Stale:
                connection.close()
                if pooled:
                    continue
                raise httpx.RemoteProtocolError("Rasa closed the connection without answering", request=request) from None
            except TimeoutError:
                connection.close()
                raise httpx.ReadTimeout("Rasa did not answer in time", request=request) from None
            except (OSError, _ProtocolError, httptools.HttpParserError) as exc:
                connection.close()
                raise httpx.ReadError(f"talking to Rasa failed: {exc!r}", request=request) from exc
            except asyncio.CancelledError:
                connection.close()  # half an exchange: the connection cannot be reused
                raise
            if keep_alive:
                self._give_back(origin, connection)
            else:
                connection.close()
            return response

    async def _open(self, origin: tuple[str, int], timeout: float | None, request: httpx.Request) -> _Connection:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(*origin)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection to Rasa at {origin[0]}:{origin[1]} in time", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(f"no connection to Rasa at {origin[0]}:{origin[1]}: {exc}", request=request) from exc
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, request: httpx.Request, body: bytes
    ) -> tuple[httpx.Response, bool]:
        """The answer, and whether the connection may carry another request."""
        head = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
        head += [b"%s: %s\r\n" % (name, value) for name, value in request.headers.raw]
        connection.writer.write(b"".join(head) + b"\r\n" + body)
        answer = _Answer()
        received = False
        while not answer.complete:
            data = await connection.reader.read(READ_SIZE)
            if not data:
                if not received:
                    raise _Stale
                if answer.headers_done and answer.ends_at_close():
                    break
                raise _ProtocolError("connection closed mid-answer")
            received = True
            answer.feed(data)
        response = httpx.Response(
            answer.status_code,
            headers=answer.headers,
            stream=httpx.ByteStream(b"".join(answer.chunks)),
            extensions={"http_version": b"HTTP/" + answer.http_version.encode("ascii")},
            request=request,
        )
        return response, answer.keep_alive

    def _take(self, origin: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        return None

    def _give_back(self, origin: tuple[str, int], connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < self._max_idle:
            idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
                with contextlib.suppress(OSError):
                    await connection.writer.wait_closed()
        self._idle.clear()
