"""Small knowledge bases and recorded trackers, written the way a store owner and Rasa would."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

SHIPPING_ZH = "亲，现货商品付款后 48 小时内发货，发货后会短信通知物流单号哦~"
SHIPPING_EN = "In-stock items ship within 48 hours of payment; you'll get a tracking number by SMS."
RETURNS_ZH = "支持 7 天无理由退货，商品需保持完好、吊牌齐全。"
RETURN_FEE_ZH = "质量问题退货运费由我们承担；无理由退货的运费由买家承担，有运费险的订单可免费上门取件。"
RETURN_FEE_EN = "We pay return shipping for faulty items; for no-reason returns the buyer pays, unless the order has shipping insurance."

SMALL_KB = {
    "shipping.yml": f"""\
        - id: shipping_time
          category: shipping
          questions:
            zh: [什么时候发货, 发货时间是多久, 多久能发货, 付款后多久发货]
            en: ["When will my order ship?", how long does shipping take, how soon do you ship]
          answer:
            zh: {SHIPPING_ZH}
            en: {SHIPPING_EN}
          tags: [shipping]
        """,
    "coupons.yml": """\
        - id: coupon_available
          category: coupons
          questions:
            zh: [有优惠券吗, 优惠券怎么领, 有没有优惠]
            en: [do you have any coupons, how do I get a coupon]
          answer:
            zh: 店铺首页可以领取满 199 减 20 的店铺券哦。
            en: You can claim a ¥20-off-¥199 coupon on our home page.
        """,
    # Only a Chinese answer: English shoppers must still get something.
    "returns.yml": f"""\
        - id: return_policy
          category: returns
          questions:
            zh: [可以退货吗, 怎么退货, 七天无理由退货吗]
            en: [can I return this item, how do I return something, what is your return policy]
          answer:
            zh: {RETURNS_ZH}
        - id: return_shipping_fee
          category: returns
          questions:
            zh: [退货运费谁承担, 退货要自己出运费吗, 7天无理由退货邮费谁付]
            en: [who pays the return postage, do I pay shipping to send it back]
          answer:
            zh: {RETURN_FEE_ZH}
            en: {RETURN_FEE_EN}
        """,
}


def write_files(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def write_small_kb(directory: Path) -> Path:
    return write_files(directory, SMALL_KB)


def recorded_tracker(
    sender_id: str,
    turns: list[tuple[Any, ...]],
    customer_id: str | None = "C1001",
    lang: str = "zh",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker as Rasa sends it to the action server, oldest turn first.

    A turn is ("bot", text), ("user", text) (NLU unsure: nlu_fallback 0.42), or
    ("user", text, intent) / ("user", text, intent, entities) as NLU would have parsed it.
    `metadata` is added to what the handoff service sends with each user message.
    """
    metadata = {"customer_id": customer_id, "lang": lang, **(metadata or {})}
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_session_start", "timestamp": 1700000000.0}]
    latest: dict[str, Any] = {}
    for n, (who, text, *parsed) in enumerate(turns):
        timestamp = 1700000001.0 + n
        if who == "user":
            intent = {"name": parsed[0], "confidence": 0.93} if parsed else {"name": "nlu_fallback", "confidence": 0.42}
            entities = parsed[1] if len(parsed) > 1 else {}
            latest = {
                "text": text,
                "intent": intent,
                "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                "metadata": metadata,
            }
            events.append(
                {"event": "user", "text": text, "timestamp": timestamp, "metadata": metadata, "parse_data": latest}
            )
        else:
            events.append({"event": "bot", "text": text, "timestamp": timestamp, "metadata": {}})
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": {"handoff_outcome": None, "failed_turns": None, "order_id": None, **(slots or {})},
            "latest_message": latest,
            "events": events,
            "latest_action_name": "action_listen",
        }
    )
