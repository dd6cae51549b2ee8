"""Several weeks of realistic, repeatable demo history (`kefu demo --seed-history`): shoppers'
questions in Chinese and English, the bot's answers, escalations, agents' replies, transfers,
hand-backs, ratings, NPS, returns and exchanges, orders placed after chats, and the store's orders
and carriers behind the complaints, so the dashboard and the weekly report show something true to
life on a fresh install.

Every seeded chat is marked as demo (its token hash is `DEMO_TOKEN`, never a real one): the
dashboard and the report say how many of a period's chats are demo data, so it is never mixed
with real data silently. The same seed and end day give the same rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.core.models import Agent, Conversation
from handoff_service.insight.history import ChatStory, write
from handoff_service.insight.metrics import PlacedOrder
from handoff_service.insight.record import DEMO_TOKEN
from store.client import PlacedOrder as StoreOrder

PRODUCTS = ["连衣裙 藏青 M", "羊毛针织开衫 米白 M", "加厚羽绒服 黑色 L", "牛仔外套 蓝色 XL", "真丝衬衫 白色 S",
            "Linen shirt white S", "Wool coat camel L", "阔腿裤 黑色 S", "保湿精华 30ml", "Hoodie grey L"]  # fmt: skip
CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "韵达快递"]
CITIES = [("成都", "Chengdu"), ("杭州", "Hangzhou"), ("广州", "Guangzhou"), ("北京", "Beijing")]
AGENTS = {1: "小美 Mia", 2: "阿杰 Jay", 3: "丽丽 Lily", 4: "主管 Sue"}


@dataclass(frozen=True)
class Topic:
    kb_entry: str | None
    intent: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    weight: float
    escalate: float  # chance the shopper ends up with a person
    reason: str
    complaint: bool = False
    returns: bool = False


TOPICS = [
    Topic("shipping_time", "ask_shipping_time", ("现在下单什么时候发货？", "几天能发货呀", "今天下单明天能到{city}吗"),
          ("When will my order ship?", "How long does shipping take to {city_en}?"), 16, 0.04, "explicit_request"),
    Topic("order_tracking", "ask_order_status", ("我的订单到哪了", "帮我查下物流，订单 {product}", "快递怎么还没到"),
          ("Where is my parcel?", "Can you track my order of {product}?"), 14, 0.12, "explicit_request"),
    Topic("logistics_stalled", "complain_logistics", ("快递卡在{city}三天了都不动，{carrier}怎么回事", "物流一直不更新，{carrier}在{city}停了好几天",
          "包裹在{city}中转站卡住了，急用！"), ("My parcel has been stuck in {city_en} with {carrier} for three days",),
          9, 0.55, "upset", complaint=True),
    Topic("quality_issue_return", "complain_quality", ("收到的{product}有线头，质量太差了", "{product}洗了一次就起球，质量有问题",
          "衣服有破洞！{product}"), ("The {product} arrived with a hole in it", "Poor quality: my {product} pilled after one wash"),
          8, 0.7, "upset", complaint=True, returns=True),
    Topic("size_chart", "ask_size", ("我 160 cm 50 kg 穿什么码", "{product} 偏大还是偏小？", "尺码表在哪里看"),
          ("What size should I get for {product}?", "Does it run small?"), 11, 0.08, "low_confidence"),
    Topic("exchange_size", "request_exchange", ("{product} 太小了，可以换大一码吗", "想换个尺码，怎么操作"),
          ("Can I exchange {product} for a bigger size?",), 7, 0.6, "explicit_request", returns=True),
    Topic("return_policy", "ask_return_policy", ("七天无理由退货怎么退", "不想要了能退吗", "退货运费谁出"),
          ("How do I return an item?", "Who pays return shipping?"), 9, 0.3, "explicit_request", returns=True),
    Topic("coupon_available", "ask_coupon", ("有优惠券吗", "现在有什么活动", "满减怎么用"),
          ("Any coupons right now?", "Is there a discount code?"), 12, 0.03, "explicit_request"),
    Topic("invoice_electronic", "ask_invoice", ("能开发票吗", "电子发票怎么开"), ("Can I get an invoice?",), 5, 0.1, "low_confidence"),
    Topic(None, "nlu_fallback", ("直播间那个链接的赠品怎么领", "你们和抖音店是一家吗", "能寄到海外吗"),
          ("Do you ship to Canada?", "Is the livestream gift included?"), 5, 0.5, "out_of_scope_repeated"),
]
HOURS = [1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 4, 7, 9, 9, 7, 6, 8, 9, 8, 7, 6, 7, 9, 10, 8, 4]  # chats by local hour
AGENT_REPLIES = {
    "zh": ["您好，我来帮您看一下~", "非常理解您的着急，换作是我也会着急的", "我查到了，已经帮您催促了", "给您申请了一张无门槛券表示歉意",
           "还有其他可以帮您的吗？"],
    "en": ["Hi, let me check that for you.", "I completely understand, I'd be frustrated too.", "I found it and asked them to hurry.",
           "I've added a no-threshold coupon to say sorry.", "Anything else I can help with?"],
}  # fmt: skip


def _text(rng: random.Random, topic: Topic, lang: str, product: str, carrier: str, place: tuple[str, str] | None = None) -> str:
    city, city_en = place or rng.choice(CITIES)
    template = rng.choice(topic.zh if lang == "zh" else topic.en)
    return template.format(product=product, carrier=carrier, city=city, city_en=city_en)


@dataclass
class DemoHistory:
    stories: list[ChatStory]
    orders: list[PlacedOrder]  # orders placed: the ones the chats were about, and those after them
    order_ids: list[str]
    order_items: list[list[str]]
    carriers: dict[str, str]  # order id -> carrier


def generate(
    weeks: int, seed: int, last_day: dt.date, timezone: str = "Asia/Shanghai", chats_per_day: int = 60,
    agent_ids: tuple[int, ...] = tuple(AGENTS),
) -> DemoHistory:
    """The stories of `weeks` weeks of chats ending on `last_day` (local), the same for the same arguments."""
    rng = random.Random(seed)
    zone = ZoneInfo(timezone)
    customers = [f"D{3000 + i}" for i in range(max(200, chats_per_day * 20))]
    history = DemoHistory([], [], [], [], {})
    first = last_day - dt.timedelta(days=7 * weeks - 1)
    for offset in range((last_day - first).days + 1):
        day = first + dt.timedelta(days=offset)
        volume = int(chats_per_day * (1.25 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2))
        for _ in range(volume):
            hour = rng.choices(range(24), HOURS)[0]
            start = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), zone)
            hot = (last_day - day).days < 7  # the last week has a problem of its own (the report should find it)
            history.stories.append(_chat(rng, start, customers, history, agent_ids, hot))
    return history


def _chat(
    rng: random.Random, start: dt.datetime, customers: list[str], history: DemoHistory, agents: tuple[int, ...], hot: bool
) -> ChatStory:
    lang = "en" if rng.random() < 0.25 else "zh"
    customer = None if rng.random() < 0.2 else rng.choice(customers)
    topic = rng.choices(TOPICS, [t.weight * (1.8 if hot and t.complaint else 1) for t in TOPICS])[0]
    product, carrier, place = rng.choice(PRODUCTS), rng.choice(CARRIERS), None
    if hot and topic.complaint and rng.random() < 0.7:
        # this week: the navy dress in M comes apart, and 中通 parcels sit in Chengdu
        product, carrier, place = "连衣裙 藏青 M", "中通快递", CITIES[0]
    if customer:  # the order the chat is about, placed days before
        order_id = f"DO{len(history.order_ids) + 1:07d}"
        placed = start - dt.timedelta(days=rng.uniform(2, 12))
        history.order_ids.append(order_id)
        history.order_items.append([product])
        history.orders.append(PlacedOrder(customer, placed.astimezone(dt.UTC), rng.choice([89.0, 129.0, 219.0, 259.0, 399.0])))
        history.carriers[order_id] = carrier
    chat = ChatStory(start, customer, lang, id=f"{rng.getrandbits(128):032x}", demo=True)
    t = 0.0
    chat.shopper(t, _text(rng, topic, lang, product, carrier, place))
    t += rng.uniform(1, 3)
    answered = topic.kb_entry is not None
    chat.bot(t, "（知识库答案）" if lang == "zh" else "(knowledge-base answer)", intent=topic.intent, kb_entry=topic.kb_entry,
             outcome="answered" if answered else "kb_abstained")  # fmt: skip
    if rng.random() >= topic.escalate:
        if rng.random() < 0.3 and customer:
            t += rng.uniform(20, 90)
            chat.shopper(t, "好的谢谢" if lang == "zh" else "ok thanks")
        if rng.random() < 0.15:
            chat.survey(t + 30, "csat", "bot_end", rng.choices([5, 4, 3, 2, 1], [45, 30, 12, 8, 5])[0])
        _maybe_order(rng, chat, customer, history, 0.12)
        return chat
    t += rng.uniform(5, 40)
    chat.shopper(t, "转人工" if lang == "zh" else "I want a human")
    busy = HOURS[start.hour] / 10
    t += 1
    chat.escalate(t, topic.reason, "urgent" if topic.complaint else "routine")
    wait = rng.expovariate(1 / (20 + 160 * busy))
    if rng.random() < 0.03 + 0.08 * busy and wait > 60:
        chat.abandon(t + wait)
        return chat
    t += wait
    agent = rng.choice(agents[:3] * 2 + agents[3:])
    chat.join(t, agent, "auto")
    replies = AGENT_REPLIES[lang]
    t += rng.expovariate(1 / 25) + 5
    chat.agent(t, replies[1] if topic.complaint else replies[0])
    for _ in range(rng.randint(1, 3)):
        t += rng.uniform(15, 120)
        chat.shopper(t, rng.choice(["还要多久", "好的", "那怎么办", "可以"] if lang == "zh" else ["how long?", "ok", "what now?", "sure"]))
        t += rng.expovariate(1 / 35) + 5
        chat.agent(t, rng.choice(replies[2:4]))
    if rng.random() < 0.06:
        t += 20
        agent = rng.choice([a for a in agents[:3] if a != agent])
        chat.transfer(t, agent)
        t += rng.uniform(10, 60)
        chat.agent(t, replies[0])
    if topic.returns and customer and rng.random() < 0.7:
        t += rng.uniform(30, 120)
        chat.start_return(t, "exchange" if rng.random() < (0.55 if topic.intent != "ask_return_policy" else 0.25) else "refund", history.order_ids[-1])
    t += rng.uniform(20, 200) + (rng.uniform(300, 1200) if topic.complaint and rng.random() < 0.3 else 0)
    chat.agent(t, replies[4])
    unhappy = topic.complaint and wait > 120
    if rng.random() < 0.3:
        chat.hand_back(t + 10, "unresolved" if rng.random() < 0.15 else "resolved")
        if rng.random() < 0.1:  # came back to a person after the hand-back
            t += rng.uniform(60, 600)
            chat.shopper(t, "还是不行" if lang == "zh" else "still not working")
            chat.escalate(t + 1, topic.reason)
            t += rng.uniform(10, 120)
            chat.join(t, agent, "auto").agent(t + rng.uniform(5, 40), replies[2]).close(t + 120)
            chat.rate(t + 150, rng.choice([1, 2, 3]))
        elif rng.random() < 0.4:
            chat.survey(t + 40, "csat", "handback", rng.choices([5, 4, 3, 2, 1], [40, 30, 15, 10, 5])[0])
    else:
        chat.close(t + 10)
        if rng.random() < 0.55:
            weights = [15, 20, 25, 25, 15] if unhappy else [50, 28, 12, 6, 4]
            chat.rate(t + 40, rng.choices([5, 4, 3, 2, 1], weights)[0], _comment(rng, lang, unhappy))
            if customer and rng.random() < 0.3:
                chat.survey(t + 60, "nps", "nps", rng.choices(range(11), [2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30])[0])
    _maybe_order(rng, chat, customer, history, 0.2)
    return chat


def _comment(rng: random.Random, lang: str, unhappy: bool) -> str:
    if rng.random() < 0.6:
        return ""
    if lang == "zh":
        return rng.choice(["等太久了", "物流太慢"] if unhappy else ["客服很耐心", "解决得很快，谢谢", "态度很好"])
    return rng.choice(["waited too long", "shipping too slow"] if unhappy else ["very patient, thanks", "quick help"])


def _maybe_order(rng: random.Random, chat: ChatStory, customer: str | None, history: DemoHistory, chance: float) -> None:
    if customer and rng.random() < chance:
        history.order_ids.append(f"DO{len(history.order_ids) + 1:07d}")
        history.order_items.append([rng.choice(PRODUCTS)])
        history.orders.append(PlacedOrder(customer, chat.at(rng.uniform(600, 20 * 3600)), rng.choice([129.0, 199.0, 259.0])))


def batches(stories: list[ChatStory], size: int = 2000) -> Iterator[list[ChatStory]]:
    for i in range(0, len(stories), size):
        yield stories[i : i + size]


def demo_agents(connection: Connection) -> tuple[int, ...]:
    """The demo's past colleagues as accounts that cannot log in (inactive, no password); their ids."""
    ids = []
    for number, name in AGENTS.items():
        username = f"demo-{name.split()[-1].lower()}"
        found = connection.scalar(select(Agent.id).where(Agent.username == username))
        if found is None:
            found = connection.execute(
                Agent.__table__.insert().returning(Agent.__table__.c.id),
                {"username": username, "display_name": name, "password_hash": "!", "role": "supervisor" if number == 4 else "agent",
                 "active": False, "status": "offline", "max_concurrent": 3, "active_chats": 0, "languages": ["zh", "en"], "skills": []},
            ).scalar_one()  # fmt: skip
        ids.append(found)
    return tuple(ids)


async def seed(
    engine: AsyncEngine, weeks: int, seed_value: int, last_day: dt.date, timezone: str, store: object | None = None,
    chats_per_day: int = 60,
) -> dict[str, int]:
    """Write the demo history once (a database that already holds demo chats is left as it is);
    `store`, the demo store, gets the orders and carriers the chats talk about."""
    async with engine.begin() as conn:
        present = await conn.scalar(select(func.count()).select_from(Conversation).where(Conversation.token_hash == DEMO_TOKEN))
        if present:
            return {"chats": 0, "already_seeded": int(present)}
        agents = await conn.run_sync(demo_agents)
        history = generate(weeks, seed_value, last_day, timezone, chats_per_day, agent_ids=agents)
        for batch in batches(history.stories):
            await conn.run_sync(write, batch)
    add_orders = getattr(store, "add_orders", None)
    if add_orders is not None:
        add_orders(
            [
                StoreOrder(order_id, o.customer_id, o.created_at.isoformat(timespec="seconds"), o.total, items)
                for order_id, o, items in zip(history.order_ids, history.orders, history.order_items, strict=True)
            ],
            history.carriers,
        )
    return {"chats": len(history.stories), "orders": len(history.orders), "already_seeded": 0}
