"""The demo store's customers, written once, with times relative to the moment it is seeded.

Deterministic: the same rows for the same seeding time, so a test passes `now` and gets
exact dates. Relative times keep the demo meaningful on any day: the stuck parcel has
always been stuck for 60 hours, the recent delivery is always inside the 7-day return window.

Who is here and why:
- C1001 林晓雨: VIP and repeat buyer, three orders (delivered, on its way, not yet shipped), coupons.
- C1002 Emma Zhang: new, English; one parcel stuck at a hub for 60 hours (> 48 h).
- C1003 王大力: repeat buyer with a past complaint about a refunded order; a recent delivery.
- C1004 陈静: repeat buyer, five orders, a return on its way back to the warehouse.
- C1005 Liam Chen: English repeat buyer, a recent delivery and a refunded return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (id, name, tags)
CUSTOMERS = [
    ("C1001", "林晓雨", ["复购", "VIP"]),
    ("C1002", "Emma Zhang", ["new"]),
    ("C1003", "王大力", ["复购"]),
    ("C1004", "陈静", ["复购"]),
    ("C1005", "Liam Chen", ["repeat"]),
]


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    customer_id: str
    status: str
    total: float
    days_ago: int
    items: list[str]
    delivered_days_ago: int | None = None


ORDERS = [
    DemoOrder("O20261101001", "C1001", "delivered", 259.0, 21, ["羊毛针织开衫 米白 M"], 18),
    DemoOrder("O20261111002", "C1001", "shipped", 468.0, 11, ["加厚羽绒服 黑色 L", "羊绒围巾"]),
    DemoOrder("O20261118003", "C1001", "paid", 129.0, 4, ["保湿精华 30ml"]),
    DemoOrder("O20261115004", "C1002", "shipped", 199.0, 7, ["Linen shirt white S"]),
    DemoOrder("O20261020005", "C1003", "refunded", 89.0, 33, ["纯棉T恤 灰色 XL"], 30),
    DemoOrder("O20261105006", "C1003", "delivered", 349.0, 9, ["牛仔外套 蓝色 XL"], 4),
    DemoOrder("O20260903007", "C1004", "delivered", 158.0, 80, ["真丝衬衫 白色 S"], 76),
    DemoOrder("O20260921008", "C1004", "delivered", 299.0, 62, ["阔腿裤 黑色 S"], 59),
    DemoOrder("O20261012009", "C1004", "delivered", 89.0, 41, ["卸妆油 200ml"], 38),
    DemoOrder("O20261108010", "C1004", "delivered", 399.0, 14, ["羊绒毛衣 燕麦色 S"], 10),
    DemoOrder("O20261116011", "C1004", "delivered", 219.0, 6, ["连衣裙 藏青 M"], 2),
    DemoOrder("O20261002012", "C1005", "refunded", 129.0, 50, ["Hoodie grey L"], 46),
    DemoOrder("O20261114013", "C1005", "delivered", 259.0, 8, ["Wool coat camel L"], 3),
]

# order id → (carrier, tracking number, [(hours ago, location, description)] oldest first)
SHIPMENTS: dict[str, tuple[str, str, list[tuple[float, str, str]]]] = {
    "O20261101001": ("中通快递", "ZT7730012001", [
        (500, "杭州", "【杭州市】快件已揽收"),
        (480, "杭州转运中心", "【杭州转运中心】已发出，下一站：上海"),
        (440, "上海", "【上海市】快件已签收，签收人：本人"),
    ]),
    "O20261111002": ("顺丰速运", "SF1420098877", [
        (60, "杭州", "【杭州市】顺丰速运已收取快件"),
        (30, "杭州转运中心", "【杭州转运中心】快件已发出，下一站：上海"),
        (6, "上海", "【上海浦东集散中心】快件到达，正在安排派送"),
    ]),
    "O20261115004": ("YTO Express", "YT9001234567", [
        (130, "Hangzhou", "Picked up by courier in Hangzhou"),
        (110, "Hangzhou hub", "Departed Hangzhou sorting centre"),
        (60, "Guangzhou hub", "Arrived at Guangzhou hub"),
    ]),
    "O20261020005": ("中通快递", "ZT7730045005", [(730, "北京", "【北京市】快件已签收，签收人：快递柜")]),
    "O20261105006": ("中通快递", "ZT7730056006", [
        (180, "杭州", "【杭州市】快件已揽收"),
        (96, "北京", "【北京市】快件已签收，签收人：快递柜"),
    ]),
    "O20260903007": ("中通快递", "ZT7730067007", [(1820, "成都", "【成都市】快件已签收，签收人：本人")]),
    "O20260921008": ("中通快递", "ZT7730078008", [(1410, "成都", "【成都市】快件已签收，签收人：本人")]),
    "O20261012009": ("中通快递", "ZT7730089009", [(910, "成都", "【成都市】快件已签收，签收人：本人")]),
    "O20261108010": ("顺丰速运", "SF1420011010", [(240, "成都", "【成都市】快件已签收，签收人：前台")]),
    "O20261116011": ("顺丰速运", "SF1420022011", [
        (100, "杭州", "【杭州市】顺丰速运已收取快件"),
        (48, "成都", "【成都市】快件已签收，签收人：本人"),
    ]),
    "O20261002012": ("SF Express", "SF1420033012", [(1100, "Shenzhen", "Delivered, signed by customer")]),
    "O20261114013": ("SF Express", "SF1420044013", [
        (150, "Hangzhou", "Picked up"),
        (72, "Shenzhen", "Delivered to parcel locker"),
    ]),
}

# (code, customer, title zh, title en, amount, min spend, valid until (days from now), used)
COUPONS = [
    ("SHOP20", "C1001", "店铺券 满 199 减 20", "Store coupon: ¥20 off orders over ¥199", 20.0, 199.0, 10, False),
    ("VIP10", "C1001", "VIP 专享 10 元无门槛券", "VIP ¥10 coupon, no minimum spend", 10.0, 0.0, 25, False),
    ("OLD50", "C1001", "满 500 减 50（已过期）", "¥50 off ¥500 (expired)", 50.0, 500.0, -3, False),
    ("USED15", "C1001", "满 99 减 15（已使用）", "¥15 off ¥99 (used)", 15.0, 99.0, 5, True),
    ("NEW15", "C1002", "新人券 满 99 减 15", "New customer coupon: ¥15 off orders over ¥99", 15.0, 99.0, 20, False),
    ("SORRY10", "C1003", "致歉 10 元无门槛券", "Apology coupon: ¥10, no minimum spend", 10.0, 0.0, 15, False),
    ("SHOP20B", "C1004", "店铺券 满 199 减 20", "Store coupon: ¥20 off orders over ¥199", 20.0, 199.0, 10, False),
]

# (return id, order, customer, kind, status, days ago, refund amount)
RETURNS = [
    ("R5001", "O20261020005", "C1003", "refund", "refunded", 29, 89.0),
    ("R5002", "O20261108010", "C1004", "refund", "in_transit", 3, 399.0),
    ("R5003", "O20261002012", "C1005", "refund", "refunded", 44, 129.0),
]

# (customer, order, days ago, summary)
COMPLAINTS = [
    ("C1003", "O20261020005", 31, "T恤洗一次就缩水严重，要求退货并投诉质量"),
]


def at(now: dt.datetime, *, days: float = 0, hours: float = 0) -> str:
    """`now` minus the given time, as ISO UTC to the second."""
    return (now - dt.timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


# --- proactive service (issue #16): parcels in trouble, a pre-sale delay, and a live stream ---------
# Two more customers so the orders above (and the tests that read them) stay as they are.
PROACTIVE_CUSTOMERS = [
    ("C1006", "周子涵", ["new"]),
    ("C1007", "Olivia Wang", ["repeat"]),
]

PROACTIVE_ORDERS = [
    DemoOrder("O20261119014", "C1006", "shipped", 329.0, 4, ["羊毛大衣 驼色 M"]),  # returned to sender
    DemoOrder("O20261121015", "C1006", "shipped", 159.0, 1, ["针织帽 灰色"]),  # shipped 3 hours ago
    DemoOrder("O20261117016", "C1007", "refunded", 219.0, 6, ["Cashmere scarf navy"]),  # refund done 5 hours ago
    DemoOrder("O20261118017", "C1007", "shipped", 289.0, 5, ["Down vest black M"]),  # stuck 6 minutes after seeding
    DemoOrder("O20261120018", "C1007", "paid", 499.0, 2, ["Pre-sale: Merino coat grey L"]),  # the stream delays it
]

PROACTIVE_SHIPMENTS: dict[str, tuple[str, str, list[tuple[float, str, str]]]] = {
    "O20261119014": ("韵达快递", "YD4300119014", [
        (90, "杭州", "【杭州市】快件已揽收"),
        (70, "成都转运中心", "【成都转运中心】快件已到达"),
        (10, "成都", "【成都市】收件人地址不详，快件退回寄件人"),
    ]),
    "O20261121015": ("顺丰速运", "SF1420077015", [(3, "杭州", "【杭州市】顺丰速运已收取快件")]),
    "O20261117016": ("SF Express", "SF1420066016", [(130, "Hangzhou", "Picked up")]),
    "O20261118017": ("ZTO Express", "ZT7730117017", [
        (100, "Hangzhou", "Picked up by courier in Hangzhou"),
        (47.9, "Wuhan hub", "Arrived at Wuhan sorting centre"),
    ]),
}

# order → (promised ship by, expected ship at: days from the seeding, None = none; exception;
#          refund completed this many hours before the seeding, None = none)
TRACKING: dict[str, tuple[float | None, float | None, str | None, float | None]] = {
    "O20261118003": (-2, 5, None, None),  # C1001's pre-sale serum: promised two days ago, now in five
    "O20261119014": (None, None, "returned_to_sender", None),
    "O20261117016": (None, None, None, 5),
    "O20261120018": (3, 3, None, None),  # on time when seeded; the stream pushes it back
}

# (customer, e-mail, language): where an alert goes besides the chat
CONTACTS = [
    ("C1001", "linxiaoyu@example.com", "zh"),
    ("C1002", "emma.zhang@example.com", "en"),
    ("C1003", "wangdali@example.com", "zh"),
    ("C1004", "chenjing@example.com", "zh"),
    ("C1005", "liam.chen@example.com", "en"),
    ("C1006", "zhouzihan@example.com", "zh"),
    ("C1007", "olivia.wang@example.com", "en"),
]

# What happens after the seeding, so the running demo shows proactive service at work:
# (minutes after seeding, kind, order, details). Kinds: placed, tracking, presale_delay, delivered, exception.
STREAM: list[tuple[float, str, str, dict[str, object]]] = [
    (1, "placed", "O20261203019", {"customer_id": "C1006", "total": 89.0, "items": ["真丝发圈 三件套"]}),
    (2, "tracking", "O20261203019", {"carrier": "顺丰速运", "tracking_no": "SF1420055019", "location": "杭州", "description": "【杭州市】顺丰速运已收取快件"}),
    (4, "presale_delay", "O20261120018", {"expected_days": 12}),
    (5, "tracking", "O20261111002", {"location": "上海", "description": "【上海市】快递员正在派送"}),
    (8, "tracking", "O20261203019", {"location": "杭州转运中心", "description": "【杭州转运中心】快件已发出，下一站：苏州"}),
    (10, "exception", "O20261203019", {"kind": "failed_delivery", "location": "苏州", "description": "【苏州市】派送失败：收件人电话无人接听"}),
    (12, "delivered", "O20261111002", {"location": "上海", "description": "【上海市】快件已签收，签收人：本人"}),
]

# #19: the storefront's catalogue, with what recommendations match on.
# (sku, zh, en, category, price, attributes, blurb zh, blurb en)
PRODUCTS = [
    ("SK-CREAM-DRY", "玻尿酸水润保湿面霜", "Hyaluronic moisture cream", "skincare", 189.0,
     {"skin_types": ["dry", "combination"], "concerns": ["moisture"]}, "干皮救星，保湿 12 小时不卡粉", "Keeps dry skin moist for 12 hours"),
    ("SK-LOTION-OILY", "控油清爽保湿乳", "Oil-control light lotion", "skincare", 139.0,
     {"skin_types": ["oily", "combination"], "concerns": ["moisture", "oil"]}, "清爽不黏腻，油皮夏天也能用", "Light and non-greasy for oily skin"),
    ("SK-CREAM-CALM", "舒缓修护霜（无香精）", "Soothing repair cream (fragrance-free)", "skincare", 219.0,
     {"skin_types": ["sensitive", "dry"], "concerns": ["moisture", "redness"]}, "无酒精无香精，敏感肌友好", "Alcohol- and fragrance-free, kind to sensitive skin"),
    ("SK-SERUM-30", "保湿修护精华 30ml", "Hydrating serum 30ml", "skincare", 129.0,
     {"skin_types": ["dry", "combination", "oily", "sensitive"], "concerns": ["moisture"]}, "搭配面霜使用，保湿更持久", "Pair it with a cream for longer-lasting moisture"),
    ("AP-CARDIGAN", "羊毛针织开衫", "Wool knit cardigan", "apparel", 259.0,
     {"sizes": ["S", "M", "L", "XL"], "materials": ["wool"], "occasions": ["gift"]}, "70% 羊毛，柔软不扎", "70% wool, soft and never itchy"),
    ("AP-DOWN", "加厚连帽羽绒服", "Hooded down jacket", "apparel", 468.0,
     {"sizes": ["S", "M", "L", "XL"], "materials": ["down", "nylon"]}, "90% 白鸭绒，-15℃ 适用", "90% white duck down, warm to -15 °C"),
    ("AC-SCARF", "羊绒围巾", "Cashmere scarf", "accessories", 199.0,
     {"materials": ["cashmere"], "occasions": ["gift"]}, "礼盒包装，送礼体面", "Comes in a gift box"),
    ("AP-DENIM", "复古水洗牛仔外套", "Washed denim jacket", "apparel", 349.0,
     {"sizes": ["M", "L", "XL"], "materials": ["cotton"]}, "纯棉水洗，不掉色", "Washed cotton that keeps its colour"),
    ("AC-TOTE", "通勤托特包", "Everyday tote", "accessories", 219.0,
     {"materials": ["leather"], "occasions": ["gift"]}, "头层牛皮，能装 14 寸电脑", "Full-grain leather; fits a 14-inch laptop"),
]
