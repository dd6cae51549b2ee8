"""Latency of a knowledge-base answer through the handoff service, beside a bare Rasa REST turn.

Starts the real system (trained demo model, three processes on free ports), then runs N turns
of each kind interleaved, so both see the same machine noise. Run: `make bench-turns`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

from kefu.settings import DemoSettings
from kefu.supervisor import Ports, Supervisor, free_port, kefu_specs, warm_up_actions
from kefu.training import train

QUESTIONS = ["什么时候发货", "how long does shipping take?", "有优惠券吗", "do you have any coupons"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def handoff_turn(http: httpx.AsyncClient, base: str, cid: str, auth: dict[str, str], text: str) -> float:
    started = time.perf_counter()
    sent = await http.post(f"{base}/api/sessions/{cid}/messages", json={"text": text}, headers=auth)
    after = sent.json()["event"]["seq"]
    while True:
        page = await http.get(f"{base}/api/sessions/{cid}/events", params={"after": after}, headers=auth)
        events = page.json()["events"]
        if any(e["sender"] == "bot" for e in events):
            return (time.perf_counter() - started) * 1000
        after = events[-1]["seq"] if events else after


async def rasa_turn(http: httpx.AsyncClient, rasa: str, text: str) -> float:
    started = time.perf_counter()
    replies = await http.post(f"{rasa}/webhooks/rest/webhook", json={"sender": "bench-bare", "message": text})
    assert replies.json(), "rasa gave no reply"
    return (time.perf_counter() - started) * 1000


async def main(turns: int) -> None:
    settings = DemoSettings()
    model, _ = train(settings.rasa_venv, settings.bot_config, settings.var_dir / "models", Path("var/logs/train.log"))
    ports = Ports(handoff=free_port(), rasa=free_port(), action=free_port())
    work = Path("var/bench")
    env = {"KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'bench.db'}"}
    (work / "bench.db").unlink(missing_ok=True)
    supervisor = Supervisor(kefu_specs("127.0.0.1", ports, model, settings.rasa_venv, work / "logs", env), 180)
    await supervisor.start()
    try:
        await warm_up_actions(ports.action)
        base, rasa = f"http://127.0.0.1:{ports.handoff}", f"http://127.0.0.1:{ports.rasa}"
        async with httpx.AsyncClient(timeout=60) as http:
            session = (await http.post(f"{base}/api/sessions", json={"customer_id": "C1001"})).json()
            auth = {"Authorization": f"Bearer {session['token']}"}
            through, bare = [], []
            for i in range(turns):
                text = QUESTIONS[i % len(QUESTIONS)]
                through.append(await handoff_turn(http, base, session["conversation_id"], auth, text))
                bare.append(await rasa_turn(http, rasa, text))
    finally:
        await supervisor.stop()
    print(f"{turns} sequential turns each, interleaved, model {model.name}")
    print("| path | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for name, values in (("widget API → handoff_service → Rasa → actions (KB)", through), ("bare Rasa REST → actions (KB)", bare)):
        print(f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {statistics.mean(values):.1f} |")
    ratio = percentile(through, 50) / percentile(bare, 50)
    print(f"overhead of the handoff service at p50: ×{ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
