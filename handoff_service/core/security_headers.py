"""Response headers that keep the service's pages from running injected script, being framed by
another site or having their files sniffed into another type; and CORS, limited to what a
storefront on another origin needs: the shopper's API and the widget's scripts."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a storefront embedding the widget calls; the staff's API stays same-origin only.
SHOPPER_PATHS = ("/api/sessions", "/widget.js", "/static/widget/")
# The demo storefront may be framed by its own origin; nothing else of the service may be framed.
FRAMEABLE_BY_SELF = ("/",)
# FastAPI's API explorer runs inline script from a CDN; it gets only the framing rule.
DOCS = ("/docs", "/redoc")


# #20: pages that show knowledge pictures, which an entry may name by an https:// address.
HTTPS_IMAGES = ("/", "/knowledge")


def content_security_policy(frame_ancestors: str, https_images: bool = False) -> str:
    """No inline or foreign script. Inline styles stay allowed: the pages and the widget's shadow
    root style themselves inline, and style cannot run code."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:" + (" https:" if https_images else ""),  # blob: chat photos (#19)
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def headers_for(path: str) -> dict[str, str]:
    framing = "'self'" if path in FRAMEABLE_BY_SELF else "'none'"
    docs = path.startswith(DOCS)
    return {
        "Content-Security-Policy": f"frame-ancestors {framing}" if docs else content_security_policy(framing, path in HTTPS_IMAGES),
        "X-Frame-Options": "SAMEORIGIN" if framing == "'self'" else "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


class SecurityHeaders:
    """A pure ASGI middleware: it adds headers to the start of each HTTP response and leaves bodies
    and WebSockets alone (BaseHTTPMiddleware would buffer every long-poll through a task)."""

    def __init__(self, app: ASGIApp, allowed_origins: list[str]) -> None:
        self.app = app
        self.cors: ASGIApp | None = None
        if allowed_origins:
            self.cors = CORSMiddleware(
                app,
                allow_origins=allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                expose_headers=["Retry-After"],
                max_age=600,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = headers_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        inner = self.cors if self.cors is not None and path.startswith(SHOPPER_PATHS) else self.app
        await inner(scope, receive, send_with_headers)
