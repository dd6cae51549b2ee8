"""The agent scorecard: the seeds' formula (resolution 30 %, satisfaction 30 %, conversion 25 %,
response speed 15 %; weights in settings) over a period's figures, each component shown.

Components, each 0..1: resolution = the agent's chats resolved; satisfaction = their CSAT mean
mapped from 1..5; conversion = their customers' chats followed by an order within 24 h; speed =
1 when the agent's median first response is within the target, falling linearly to 0 at ten
times the target. A component with nothing to measure (no ratings, no known customers) is left
out and the others' weights are scaled up, so an agent is not scored on what did not happen."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from handoff_service.insight.facts import ChatFacts
from handoff_service.insight.metrics import converted, percentile
from handoff_service.insight.record import Rating

COMPONENTS = ("resolution", "satisfaction", "conversion", "speed")


def speed_score(frt_p50: float | None, target: float) -> float | None:
    if frt_p50 is None:
        return None
    if frt_p50 <= target:
        return 1.0
    return max(0.0, 1 - (frt_p50 - target) / (9 * target))


def scorecards(
    chats: list[ChatFacts], ratings: list[Rating], orders: list[Any], weights: dict[str, float], target_seconds: float
) -> dict[int, dict[str, Any]]:
    """Per agent id: each component (value and the figures behind it) and the weighted score (0-100)."""
    mine: dict[int, list[ChatFacts]] = defaultdict(list)
    answered: dict[int, list[float]] = defaultdict(list)
    for chat in chats:
        if chat.agent_id is not None:
            mine[chat.agent_id].append(chat)
        for seconds, agent in chat.frts:
            if agent is not None:
                answered[agent].append(seconds)
    agent_of = {c.id: c.agent_id for c in chats}
    scores: dict[int, list[int]] = defaultdict(list)
    for rating in ratings:
        agent = rating.agent_id if rating.agent_id is not None else agent_of.get(rating.conversation_id)
        if rating.kind == "csat" and agent is not None and rating.conversation_id in agent_of:
            scores[agent].append(rating.score)
    sold = converted(chats, orders)
    out = {}
    for agent in sorted(set(mine) | set(answered)):
        handled = mine.get(agent, [])
        known = [c for c in handled if c.customer_id]
        frt = percentile(answered.get(agent, []), 50)
        given = scores.get(agent, [])
        parts = {
            "resolution": {"value": _ratio(sum(c.resolved for c in handled), len(handled)), "chats": len(handled)},
            "satisfaction": {"value": (sum(given) / len(given) - 1) / 4 if given else None, "answers": len(given),
                             "csat_mean": round(sum(given) / len(given), 2) if given else None},
            "conversion": {"value": _ratio(sum(c.id in sold for c in known), len(known)), "chats_with_customer": len(known)},
            "speed": {"value": speed_score(frt, target_seconds), "first_response_p50": frt, "target_seconds": target_seconds},
        }  # fmt: skip
        known_weight = sum(weights.get(name, 0) for name in COMPONENTS if parts[name]["value"] is not None)
        for name in COMPONENTS:
            value = parts[name]["value"]
            parts[name]["value"] = None if value is None else round(value, 4)
            parts[name]["weight"] = weights.get(name, 0)
        total = (
            round(100 * sum(weights.get(n, 0) * parts[n]["value"] for n in COMPONENTS if parts[n]["value"] is not None) / known_weight, 1)
            if known_weight
            else None
        )
        out[agent] = {"agent_id": agent, "score": total, "components": parts}
    return out


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
