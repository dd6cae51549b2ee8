"""Headers on every answer of a real server: CSP without inline script, framing refused for the
staff's pages, no sniffing, no referrer; CORS only for the storefront origins in settings and only
on the shopper's API and the widget's scripts. And the pages themselves carry no inline script."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.pages import STATIC
from handoff_service.settings import Settings
from tests.conftest import ServerThread
from tests.handoff_helpers import IDENTITY_SECRET, SECRET, FakeRasa

STOREFRONT = "https://shop.example"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("headers")
    settings = Settings(
        environment="development", database_url=f"sqlite+aiosqlite:///{tmp / 'h.db'}", handoff_secret=SECRET,
        identity_secret=IDENTITY_SECRET, demo_customer_id="C1001", demo_agent_username=None,
        store_path=tmp / "store.db", allowed_origins=f"{STOREFRONT}/, https://other-shop.example",
    )  # fmt: skip
    with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
        yield server.url


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize(("path", "framing"), [("/", "'self'"), ("/console", "'none'"), ("/trainer", "'none'"), ("/knowledge", "'none'")])
def test_pages_forbid_inline_script_and_foreign_framing(http: httpx.Client, service: str, path: str, framing: str) -> None:
    page = http.get(f"{service}{path}")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = directives(page.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == [framing]
    assert page.headers["x-frame-options"] == ("SAMEORIGIN" if framing == "'self'" else "DENY")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/widget.js", "/static/console.js", "/static/console.css", "/healthz", "/openapi.json"])
def test_every_answer_is_not_sniffed_nor_framed(http: httpx.Client, service: str, path: str) -> None:
    answer = http.get(f"{service}{path}")

    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert directives(answer.headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


def test_an_error_answer_carries_the_headers_too(http: httpx.Client, service: str) -> None:
    answer = http.get(f"{service}/api/sessions/nope/events", params={"wait": "false"})

    assert answer.status_code == 403
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["x-frame-options"] == "DENY"


def test_a_listed_storefront_may_call_the_shopper_api_and_load_the_widget(http: httpx.Client, service: str) -> None:
    origin = {"Origin": STOREFRONT}
    created = http.post(f"{service}/api/sessions", json={"lang": "en"}, headers=origin)
    preflight = http.options(
        f"{service}/api/sessions/x/messages",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"},
    )
    loader = http.get(f"{service}/widget.js", headers=origin)

    assert created.status_code == 201 and created.headers["access-control-allow-origin"] == STOREFRONT
    assert "retry-after" in created.headers["access-control-expose-headers"].lower()
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == STOREFRONT
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert loader.headers["access-control-allow-origin"] == STOREFRONT
    assert "access-control-allow-credentials" not in created.headers


def test_another_origin_gets_no_cors_and_the_staff_api_none_at_all(http: httpx.Client, service: str) -> None:
    evil = {"Origin": "https://evil.example"}
    created = http.post(f"{service}/api/sessions", json={"lang": "en"}, headers=evil)
    preflight = http.options(
        f"{service}/api/sessions", headers={**evil, "Access-Control-Request-Method": "POST"}
    )
    staff = http.post(
        f"{service}/api/agent/login", json={"username": "x", "password": "y"}, headers={"Origin": STOREFRONT}
    )
    staff_preflight = http.options(
        f"{service}/api/agent/login", headers={"Origin": STOREFRONT, "Access-Control-Request-Method": "POST"}
    )

    assert "access-control-allow-origin" not in created.headers
    assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in staff.headers
    assert "access-control-allow-origin" not in staff_preflight.headers


class InlineScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.problems += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]
        self.problems += [f"<{tag} {n}=javascript:…>" for n, v in names.items() if (v or "").strip().lower().startswith("javascript:")]
        if tag == "script":
            self._in_script = True
            if not names.get("src"):
                self.problems.append("<script> without src")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:40]}")


@pytest.mark.parametrize("page", sorted(p.name for p in Path(STATIC).glob("*.html")))
def test_no_page_holds_inline_script_or_handlers(page: str) -> None:
    finder = InlineScriptFinder()
    finder.feed((STATIC / page).read_text(encoding="utf-8"))

    assert finder.problems == []
