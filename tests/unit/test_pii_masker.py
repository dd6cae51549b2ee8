"""The PII masker on what shoppers really type, zh and en: what must be masked, and what must stay
(order and tracking numbers, prices, dates, the store's own hotline)."""

from __future__ import annotations

import logging
import time

import pytest

from kefu_privacy import PiiFilter, find_pii, mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机号是13812345678，请回电", "我的手机号是138****5678，请回电"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("+86 138-1234-5678 找我", "+86 138****5678 找我"),
        ("手机：+8613912345678", "手机：+86 139****5678"),
        ("座机 010-62345678 或 0571 88886666转123", "座机 010-****5678 或 0571-****6666"),
        ("电话：（021）5888 6666", "电话：021-****6666"),
        ("call me at +44 20 7946 0958 please", "call me at +44 ******0958 please"),
        ("my number is (415) 555-0132", "my number is ***-***-0132"),
        ("email me: alice.wong@example.com", "email me: a***@example.com"),
        ("邮箱 zhang.san+shop@qq.com 收发票", "邮箱 z***@qq.com 收发票"),
        ("GET /api/customers?email=alice%40example.com HTTP/1.1", "GET /api/customers?email=a***%40example.com HTTP/1.1"),
        ("身份证号 11010519491231002X", "身份证号 110***********002X"),
        ("card 4111 1111 1111 1111 was charged twice", "card ************1111 was charged twice"),
        ("卡号6222021234567890128扣款了", "卡号***************0128扣款了"),
        ("收件人：张三，电话13812345678", "收件人：张*，电话138****5678"),
        ("我叫李小明，订单怎么还没到", "我叫李**，订单怎么还没到"),
        ("联系人：小王 13900001111", "联系人：小* 139****1111"),
        ("收件人是欧阳娜娜", "收件人是欧***"),
        ("My name is John Smith and I want a refund", "My name is J*** S*** and I want a refund"),
        ("寄到北京市朝阳区建国路88号SOHO现代城2号楼1单元1201室", "寄到[地址]"),
        ("收货地址：上海市浦东新区张江路100号", "收货地址：[地址]"),
        ("地址是杭州西湖区文三路478号华星时代广场A座1203室，电话13900001111", "地址是[地址]，电话139****1111"),
        ("我住在幸福小区3栋2单元501", "我住在[地址]"),
        ("广东省广州市天河区天河路385号太古汇一座3001", "[地址]"),
        ("Please ship to 221B Baker Street, London", "Please ship to [address]"),
        ("Order E1001 ships to 350 Fifth Avenue, New York, NY 10118", "Order E1001 ships to [address]"),
        ("I live at 42 main st apt 5", "I live at [address]"),
        ("Error 111 connecting to redis://:s3cret@127.0.0.1:6379/0", "Error 111 connecting to redis://:***@127.0.0.1:6379/0"),
        ("postgresql+asyncpg://kefu:pa55@db.internal/kefu refused", "postgresql+asyncpg://kefu:***@db.internal/kefu refused"),
    ],
)
def test_personal_data_is_masked_keeping_its_kind(text: str, masked: str):
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单号 20241203-0001 还没发货",  # a date and a serial, not a landline (no 0 area code)
        "我的订单 E1001 到哪了",
        "我的订单O20261111002什么时候到",  # letters glued to the digits: never a phone
        "运单号 SF1420098877",
        "快递单号 75312345678901",  # 14 digits after a tracking label
        "订单号13812345678",  # phone-shaped, but labelled as an order
        "order #4111111111111111 is late",  # card-shaped (Luhn-valid), labelled as an order
        "tracking number 1Z999AA10123456784",
        "价格 ¥1299.00，下单时间 2024-12-03 14:30",
        "退款 199 元，3 天内到账，12月3号能到吗",
        "客服热线 400-800-1234",  # the store's own hotline
        "我在北京",  # a city is not an address
        "It took 3 days on the road",
        "I ordered 2 Nike Air Max Shoes",
        "卡号 6222 0212 3456 7890 123",  # fails the Luhn check: not a card
        '127.0.0.1:54321 - "GET /api/sessions/abc/events?wait=false HTTP/1.1" 200',
        "什么时候发货",
        "帮我叫个外卖",  # "我叫" followed by no surname: not a name
        "收件人名字写错了",
        "能改收件人电话吗",
    ],
)
def test_order_numbers_prices_and_dates_stay(text: str):
    assert mask_pii(text) == text


def test_a_phone_label_closer_than_the_order_label_wins():
    assert mask_pii("订单上的电话13812345678不对") == "订单上的电话138****5678不对"


def test_masking_twice_changes_nothing_more():
    once = mask_pii("收件人：张三 13812345678 a.b@example.com 北京市海淀区中关村大街27号")
    assert mask_pii(once) == once
    assert "13812345678" not in once and "中关村大街27号" not in once


def test_the_kinds_found_are_reported():
    assert find_pii("张三的电话13812345678，邮箱 z@qq.com") == ["email", "phone"]
    assert find_pii("什么时候发货") == []


def test_the_log_filter_masks_message_arguments_extras_and_tracebacks():
    record = logging.LogRecord("handoff_service.chat", logging.INFO, __file__, 1, "callback to %s", ("13812345678",), None)
    record.contact = {"phone": "13812345678", "orders": ["E1001"]}
    try:
        raise ValueError("no store account for alice@example.com")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert PiiFilter().filter(record) is True
    assert record.getMessage() == "callback to 138****5678"
    assert record.contact == {"phone": "138****5678", "orders": ["E1001"]}
    assert "a***@example.com" in logging.Formatter().format(record)
    assert "alice@example.com" not in logging.Formatter().format(record)


@pytest.mark.parametrize(
    "text",
    ["区" * 2000, "路" * 2000 + "号", "小区" * 1000, "北京市朝阳区" * 300, "1" * 2000, "my name is " * 200, "a@" * 1000],
)
def test_long_hostile_texts_are_masked_in_bounded_time(text: str):
    """Every repetition in the patterns is bounded: "区" × 1,000 once made the search backtrack for minutes.
    A message is at most 2,000 characters; 2 s leaves room for a busy machine (≈ 0.2 s at worst here)."""
    started = time.perf_counter()
    mask_pii(text)
    assert time.perf_counter() - started < 2
