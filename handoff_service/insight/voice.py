"""The weekly voice of the customer: what shoppers asked and complained about, grouped into topics
with the embeddings kefu already has (the knowledge base's encoder), each topic's keywords (jieba
for Chinese, a word tokenizer for English; TF-IDF against the weeks before, so a new problem stands
out from the everyday ones), joined to what the store knows (products/SKUs, categories, carriers),
its trend against last week, three PII-masked quotes; plus escalation reasons, knowledge gaps and
peak hours. The HTML is report_html.py's."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, select

from handoff_service.core.models import Conversation, Event, as_utc
from handoff_service.insight.periods import Period
from handoff_service.insight.service import InsightService
from kefu_privacy import mask_pii
from store.client import StoreClient, StoreError, parse_time

MAX_MESSAGES = 2000  # clustering is quadratic: a busy week is sampled down to this many questions
HANDOFF_WORDS = {"转人工", "人工", "人工客服", "i want a human", "human", "agent", "/request_human"}
GAP_OUTCOMES = ("kb_abstained", "not_understood")
CITIES = {"北京": "Beijing", "上海": "Shanghai", "广州": "Guangzhou", "深圳": "Shenzhen", "成都": "Chengdu", "杭州": "Hangzhou",
          "武汉": "Wuhan", "西安": "Xi'an", "重庆": "Chongqing", "南京": "Nanjing", "天津": "Tianjin", "苏州": "Suzhou"}  # fmt: skip
STOPWORDS = {
    "的", "了", "吗", "呢", "吧", "啊", "呀", "我", "你", "我们", "你们", "是", "在", "有", "和", "就", "都", "也", "还", "很", "这", "那",
    "怎么", "什么", "可以", "一下", "一个", "能", "要", "会", "没", "不", "多", "好", "下", "帮", "请", "亲", "the", "a", "an", "to", "of",
    "and", "is", "are", "was", "it", "my", "i", "you", "for", "on", "in", "with", "can", "do", "does", "how", "what",
    "when", "where", "me", "your", "be", "have", "has", "this", "that", "not", "there", "right", "now", "any", "get",
}


class Said(NamedTuple):
    conversation_id: str
    customer_id: str | None
    created_at: dt.datetime
    text: str
    gap: bool  # the bot could not answer it from the knowledge base


def questions(connection: Connection, start: dt.datetime, end: dt.datetime) -> list[Said]:
    """Each chat's first real question (not a request for a person), and whether the bot had an answer."""
    e, c = Event.__table__.c, Conversation.__table__.c
    rows = connection.execute(
        select(e.conversation_id, c.customer_id, e.created_at, e.sender, e.text, e.payload[("turn", "outcome")].as_string())
        .join(Conversation.__table__, c.id == e.conversation_id)
        .where(c.created_at >= start, c.created_at < end, e.kind == "message", e.sender.in_(("shopper", "bot")))
        .order_by(e.conversation_id, e.id)
    )
    out: dict[str, Said] = {}
    for cid, customer, at, sender, text, outcome in rows:
        said = out.get(cid)
        if sender == "shopper" and said is None and text.strip().lower() not in HANDOFF_WORDS and not text.startswith("/"):
            out[cid] = Said(cid, customer, as_utc(at), text.strip(), False)
        elif sender == "bot" and said is not None and not said.gap and outcome in GAP_OUTCOMES and said.created_at <= as_utc(at):
            out[cid] = said._replace(gap=True)
    return list(out.values())


def tokens(text: str) -> list[str]:
    """jieba's words for Chinese, lower-case words for English; stop words, digits and single
    characters out (a Chinese keyword of one character says little)."""
    import jieba  # 1 s to load its dictionary: only when a report is made

    words = []
    for piece in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z][A-Za-z'-]+", text):
        found = jieba.lcut(piece) if re.match(r"[\u4e00-\u9fff]", piece) else [piece.lower()]
        words.extend(w for w in found if len(w) > 1 and w not in STOPWORDS)
    return words


def keywords(cluster_texts: list[list[str]], background: list[str], top: int = 6) -> list[list[str]]:
    """TF-IDF: each topic's texts are one document, each earlier week's texts another, so words
    that fill every week weigh less than this week's own."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [" \n".join(texts) for texts in cluster_texts] + [t for t in background if t]
    if not any(documents):
        return [[] for _ in cluster_texts]
    vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # no words at all
        return [[] for _ in cluster_texts]
    vocabulary = vectorizer.get_feature_names_out()
    out = []
    for row in range(len(cluster_texts)):
        weights = matrix[row].toarray()[0]
        best = [i for i in np.argsort(-weights)[:top] if weights[i] > 0]
        out.append([str(vocabulary[i]) for i in best])
    return out


def cluster(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Average-linkage clusters whose members are on average at least `similarity` (cosine) alike."""
    if len(vectors) == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - similarity
    ).fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=len, reverse=True)


def normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class StoreFacts(NamedTuple):
    items: list[str]
    carrier: str | None
    location: str | None


def store_facts(store: StoreClient, customer_id: str, before: dt.datetime) -> StoreFacts | None:
    """The customer's latest order placed before the chat: what it held and who carries it."""
    try:
        customer = store.customer(customer_id)
        if customer is None:
            return None
        orders = [o for o in customer.orders if parse_time(o.created_at) <= before]
        if not orders:
            return None
        order = max(orders, key=lambda o: o.created_at)
        shipment = store.shipment(order.order_id)
    except StoreError:
        return None
    latest = shipment.latest if shipment else None
    return StoreFacts(order.items, shipment.carrier if shipment else None, latest.location if latest else None)


def category(item: str) -> str:
    """A product line's category: its name without colour and size ("连衣裙 藏青 M" → "连衣裙")."""
    return item.split()[0] if re.match(r"[\u4e00-\u9fff]", item) else " ".join(item.split()[:2])


async def weekly(
    insight: InsightService,
    engine: Any,
    period: Period,
    store: StoreClient | None,
    encode: Callable[[list[str]], np.ndarray],
    similarity: float = 0.55,
    background_weeks: int = 4,
    topics: int = 8,
) -> dict[str, Any]:
    """The report's data (also the --json output)."""
    current = await insight.figures(period)
    previous = await insight.figures(period.previous())
    async with engine.connect() as connection:
        said = await connection.run_sync(questions, period.start, period.end)
        last_week = await connection.run_sync(questions, period.previous().start, period.previous().end)
        earlier = []
        for weeks_back in range(2, background_weeks + 2):
            first = period.first - dt.timedelta(days=7 * weeks_back)
            week = Period(first, first + dt.timedelta(days=6), period.timezone)
            earlier.append(" \n".join(s.text for s in await connection.run_sync(questions, week.start, week.end)))
    said = _sample(said)
    report: dict[str, Any] = {
        "week": period.iso_week_name(),
        "period": period.public(),
        "demo_conversations": current["demo_conversations"],
        "figures": {key: current[key] for key in (
            "conversations", "messages", "containment", "escalated", "first_response_seconds", "next_response_seconds",
            "handle_seconds", "wait_seconds", "abandonment", "resolution", "first_contact_resolution", "csat", "nps",
            "conversion", "returns",
        )},
        "previous": {"conversations": previous["conversations"], "containment": previous["containment"],
                     "csat": previous["csat"]["satisfied"], "first_contact_resolution": previous["first_contact_resolution"]},
        "escalation_reasons": current["escalation_reasons"],
        "peak_hours": _peaks(current["heatmap"]),
        "knowledge_gaps": _gaps(said),
        "topics": [],
    }
    if not said:
        return report
    vectors = normalised(await asyncio.to_thread(encode, [s.text for s in said]))
    groups = [g for g in cluster(vectors, similarity) if len(g) >= 2][:topics]
    before = normalised(await asyncio.to_thread(encode, [s.text for s in last_week])) if last_week else np.zeros((0, vectors.shape[1]))
    centroids = normalised(np.stack([vectors[g].mean(axis=0) for g in groups])) if groups else np.zeros((0, vectors.shape[1]))
    last_counts = Counter()
    if len(before) and len(centroids):
        sims = before @ centroids.T
        for row in sims:
            if row.max() >= similarity:
                last_counts[int(row.argmax())] += 1
    words = keywords([[said[i].text for i in g] for g in groups], earlier + [" \n".join(s.text for s in last_week)])
    for number, group in enumerate(groups):
        members = [said[i] for i in group]
        closest = sorted(group, key=lambda i: -float(vectors[i] @ centroids[number]))
        facts = [store_facts(store, s.customer_id, s.created_at) for s in members if s.customer_id and store] if store else []
        facts = [f for f in facts if f]
        mentioned = Counter(city for s in members for city in CITIES if city in s.text or CITIES[city] in s.text)
        report["topics"].append({
            "label": " · ".join(words[number][:2]) or members[0].text[:20],
            "size": len(group),
            "last_week": last_counts[number],
            "change": len(group) - last_counts[number],
            "keywords": words[number],
            "products": Counter(i for f in facts for i in f.items).most_common(3),
            "categories": Counter(category(i) for f in facts for i in f.items).most_common(3),
            "carriers": Counter(f.carrier for f in facts if f.carrier).most_common(3),
            "places": (Counter(f.location for f in facts if f.location) + mentioned).most_common(3),
            "quotes": list(dict.fromkeys(mask_pii(said[i].text) for i in closest))[:3],  # three different ones
            "knowledge_gaps": sum(1 for s in members if s.gap),
        })  # fmt: skip
    return report


def _sample(said: list[Said]) -> list[Said]:
    if len(said) <= MAX_MESSAGES:
        return said
    step = len(said) / MAX_MESSAGES
    return [said[int(i * step)] for i in range(MAX_MESSAGES)]


def _peaks(grid: list[list[int]], top: int = 5) -> list[dict[str, int]]:
    cells = sorted(((n, d, h) for d, row in enumerate(grid) for h, n in enumerate(row)), reverse=True)
    return [{"weekday": d, "hour": h, "chats": n} for n, d, h in cells[:top] if n]


def _gaps(said: list[Said], top: int = 10) -> list[dict[str, Any]]:
    counts = Counter(mask_pii(s.text) for s in said if s.gap)
    return [{"text": text, "count": n} for text, n in counts.most_common(top)]
