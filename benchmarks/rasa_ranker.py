"""Rank queries with a trained Rasa NLU model's ResponseSelector.

Runs under .venv-rasa's Python (Rasa 3.6 needs ≤ 3.10), so it imports nothing of kefu's:
`python benchmarks/rasa_ranker.py MODEL.tar.gz QUERIES.json OUT.json` reads a JSON list of texts
and writes, per text, the ranked (entry id, confidence) pairs and the parse latency.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time


async def rank(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    await agent.parse_message("warm up")
    out = []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        latency_ms = (time.perf_counter() - started) * 1000
        selector = (parsed.get("response_selector") or {}).get("faq") or {}
        ranked = [
            (item["intent_response_key"].split("/", 1)[1], float(item["confidence"]))
            for item in selector.get("ranking") or []
        ]
        out.append({"text": text, "ranked": ranked, "latency_ms": latency_ms})
    return out


def main() -> None:
    logging.disable(logging.WARNING)
    model, queries, target = sys.argv[1:4]
    with open(queries, encoding="utf-8") as handle:
        texts = json.load(handle)
    results = asyncio.run(rank(model, texts))
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(results, handle, ensure_ascii=False)


if __name__ == "__main__":
    main()
