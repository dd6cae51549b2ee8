"""Masking personal data in text that leaves the chat (logs, NLU and knowledge files, other agents'
queues), in Chinese and English formats, so a reader still sees what kind of thing was there.

Patterns, not a model: presidio's recognizers for names and addresses need spaCy models (downloads),
and what shoppers type here follows a handful of national formats. Each kind keeps a hint of itself:
``138****5678``, ``a***@example.com``, ``110***********123X``, ``************1234``, ``[地址]`` /
``[address]``, ``张*`` / ``J***``.

Order and tracking numbers are told apart from phones by shape and by their label:

- a phone is a whole number (no letter or digit glued to either side): ``SF1420098877``,
  ``O20261111002``, ``E1001`` and ``YT9001234567`` carry letters and are never phones;
- a mainland mobile is exactly 11 digits starting 13–19, a landline starts with a 0 area code,
  an international number starts with ``+``; ``20241203-0001`` (a date and a serial) is none of them;
- a number right after an order or tracking label (``订单号``, ``运单号``, ``单号``, ``快递``,
  ``order``, ``tracking``…) is kept, phone-shaped or card-shaped, unless a phone label comes closer;
- a card number must pass the Luhn check and an ID number must hold a real birth date, so prices,
  dates, timestamps and most long order numbers stay as they are.

City-level places (``我在北京``) are not masked: only what finds a door (a road and number, a
building and room, or text after an address label).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Chinese characters that can be part of a place name: CJK minus the words that lead into an address
# ("寄到", "送往", "我在", "改为"), the label itself and numerals (a building's number is not its
# name), so "寄到北京市" keeps "寄到".
_PLACE_CHAR = r"[^\W\d_A-Za-z一二三四五六七八九十零〇寄送到在是的往从我你他她改为至址收货：:，,。.！!？?、；;\s]"
_UNIT_NUMBER = r"[A-Za-z]?[0-9一二三四五六七八九十零〇]+(?:-[0-9]+)?"
_UNIT = r"(?:号楼|栋|幢|座|单元|楼|层|室|号|户)"
# Every repetition bounded and every split between neighbours unique enough that a long text of
# place characters cannot make the search backtrack without end ("区" × 1,000 took minutes once):
# province, city and district run into the road's name as one lazy stretch of place characters.
_ROAD = rf"{_PLACE_CHAR}{{1,24}}?(?:大道|大街|路|街|道|巷|弄|胡同|里)\s*\d{{1,6}}(?:-\d{{1,6}})?\s*(?:号|號)"
_ESTATE = rf"{_PLACE_CHAR}{{2,24}}?(?:小区|花园|公寓|大厦|广场|家园|新村|苑|园区|中心)"
_TAIL = rf"(?:\s?(?:{_PLACE_CHAR}|[A-Za-z]){{0,10}}?{_UNIT_NUMBER}{_UNIT})"
ZH_ADDRESS = re.compile(rf"(?:{_ROAD}{_TAIL}{{0,4}}|{_ESTATE}{_TAIL}{{1,4}})(?:-?\d{{1,5}}(?![\d.]))?")
ZH_ADDRESS_LABELLED = re.compile(r"((?:收货|收件|送货|寄件|家庭|详细|新的?)?地址\s*(?:是|为|改为|改成|[:：])\s*)([^，,。;；!！?？\n]{4,80})")

_EN_STREET = (
    r"Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|"
    r"Highway|Hwy|Square|Sq|Crescent|Close"
)
_EN_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?\s*#?[\w-]+)?"
_EN_CITY_ZIP = r"(?:(?:,\s*[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+){0,2})?,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
EN_ADDRESS = re.compile(
    rf"(?<![\w.])\d{{1,6}}[A-Za-z]?\s+(?:(?:[A-Z0-9][\w'.-]*|of|the)\s+){{1,4}}(?:{_EN_STREET})\b\.?{_EN_UNIT}{_EN_CITY_ZIP}"
    rf"|(?i:(?<![\w.])\d{{1,6}}\s+(?:[a-z0-9][\w'-]*\s+){{1,3}}(?:st|rd|ave|blvd)\b\.?{_EN_UNIT})"
)
EN_ADDRESS_LABELLED = re.compile(
    r"(?i:((?:my\s+|the\s+|new\s+|shipping\s+|delivery\s+|home\s+)*address(?:\s+is|\s*:)\s*|ship\s+(?:it\s+)?to:?\s+))"
    r"(?=[^.;\n!?]*\d)([^;\n!?]{4,80}?)(?=$|[;\n!?]|\.(?:\s|$))"
)

# A password inside a URL (`redis://:secret@host`, `postgresql://kefu:secret@db/kefu`): errors quote
# their connection's URL, and the log prints errors.
URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/@]{0,64}:)([^\s@/]{1,128})(@)")
# "%40" is how "@" reaches an access log inside a query string.
EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64}?)(@|%40)([A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})(?![\w-])")
ID_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![A-Za-z0-9])"
)
CARD = re.compile(
    r"(?<![A-Za-z0-9+*-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{5})(?![A-Za-z0-9*-])"
)
MOBILE_CN = re.compile(r"(?<![A-Za-z0-9+*])((?:\+|00)86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![A-Za-z0-9*])")
LANDLINE_CN = re.compile(
    r"(?<![A-Za-z0-9+*])(?:\(|（)?(0(?:10|2\d|[3-9]\d{2}))(?:\)|）)?[\s-]?([2-9]\d{2,3})[\s-]?(\d{4})"
    r"(?:(?:-|转|ext\.?\s?)\d{1,5})?(?![A-Za-z0-9*])"
)
INTERNATIONAL = re.compile(r"(?<![A-Za-z0-9*])\+([1-9]\d{0,3})[\s-]?((?:\d[\s-]?){5,12}\d)(?![A-Za-z0-9*])")
NORTH_AMERICAN = re.compile(r"(?<![A-Za-z0-9*+-])\(?(?!(?:[48]00))([2-9]\d{2})\)?[\s.-](\d{3})[.-](\d{4})(?![A-Za-z0-9*-])")

# A name after a label starts with a surname (or 小/老/阿 and one): "我叫个外卖" and "收件人电话" are
# not names. The common single-character surnames (over nine in ten people) and the compound ones.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|长孙|宇文|司徒|夏侯|端木|独孤|南宫|西门"
ZH_NAME = re.compile(
    r"((?:收件人|收货人|联系人|寄件人|签收人|姓名|名字叫|名字是|我叫|本人叫|户名)\s*(?:是|为|[:：])?\s*)"
    rf"((?:[小老阿])?(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fa5·]{{0,3}}?)"
    r"(?=$|[\s，。,.!！?？;；、()（）\d]|电话|手机|号码|的|先生|女士|小姐)"
)
EN_NAME = re.compile(
    r"((?i:my\s+name\s+is|my\s+name's|name\s*:|full\s+name\s*:|recipient\s*:|attn\.?\s*:?|addressed\s+to)\s*)"
    r"([A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+){0,2})"
)

_ORDER_LABEL = re.compile(r"(?i:订单号?|运单号?|快递单?号?|物流单?号?|单号|编号|order(?:\s*(?:no\.?|number|id|#))?|tracking(?:\s*(?:no\.?|number|#))?|waybill|parcel)\W{0,4}$")
_PHONE_LABEL = re.compile(r"(?i:电话|手机|联系|号码|打给|致电|phone|mobile|call|tel|cell|contact)")


def _keep_tail(digits: str, keep: int = 4) -> str:
    return "*" * max(len(digits) - keep, 0) + digits[-keep:]


def _after_order_label(text: str, start: int) -> bool:
    """A number right after an order or tracking label is that order's number, unless a phone label
    sits between (``订单上的电话 13812345678``)."""
    before = text[max(0, start - 16) : start]
    order = _ORDER_LABEL.search(before)
    if not order:
        return False
    return not _PHONE_LABEL.search(before[order.end() :])


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_email(m: re.Match[str]) -> str:
    return f"{m.group(1)[0]}***{m.group(2)}{m.group(3)}"


def _mask_card(m: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", m.group(0))
    if not 13 <= len(digits) <= 19 or not _luhn(digits) or _after_order_label(m.string, m.start()):
        return None
    return _keep_tail(digits)


def _mask_mobile(m: re.Match[str]) -> str | None:
    if not m.group(1) and _after_order_label(m.string, m.start()):
        return None
    prefix = "+86 " if m.group(1) else ""
    return f"{prefix}{m.group(2)}****{m.group(4)}"


def _mask_landline(m: re.Match[str]) -> str | None:
    if _after_order_label(m.string, m.start()):
        return None
    return f"{m.group(1)}-{'*' * len(m.group(2))}{m.group(3)}"


def _mask_international(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(2))
    return f"+{m.group(1)} {_keep_tail(digits)}"


def _mask_north_american(m: re.Match[str]) -> str | None:
    if _after_order_label(m.string, m.start()):
        return None
    return f"***-***-{m.group(3)}"


def _mask_zh_name(m: re.Match[str]) -> str:
    name = m.group(2)
    return f"{m.group(1)}{name[0]}{'*' * (len(name) - 1)}"


def _mask_en_name(m: re.Match[str]) -> str:
    return m.group(1) + " ".join(f"{word[0]}***" for word in m.group(2).split())


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str | None]
    # A cheap test the text must pass before the pattern runs: most log lines fail all of them.
    hint: Callable[[str], bool]


def _contains(*words: str) -> Callable[[str], bool]:
    return lambda text: any(word in text for word in words)


def _search(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda text: compiled.search(text) is not None


# What each rule's pattern cannot match without. Most rules need a number: seven digits with at
# most one separator between each (the shortest phone); an English address needs a house number.
_LONG_NUMBER = _search(r"\d(?:[\s().（）+-]?\d){6}")
_AT = _contains("@", "%40")
_ZH_NAME_HINT = _contains("收件人", "收货人", "联系人", "寄件人", "签收人", "姓名", "名字", "我叫", "本人叫", "户名")
_EN_NAME_HINT = _contains("name", "Name", "NAME", "recipient", "Recipient", "RECIPIENT", "attn", "Attn", "ATTN", "addressed")
_ZH_ADDRESS_HINT = _contains("地址")
_EN_ADDRESS_HINT = _contains("address", "Address", "ADDRESS", "ship", "Ship", "SHIP")
_ZH_PLACE_HINT = _search(r"[路街道巷弄同里区园苑厦场村心寓]")
_EN_STREET_HINT = _search(r"\d[A-Za-z]?\s+[A-Za-z]")


# Labelled things first (their label says what follows), then the most specific shapes: an ID
# number before a card, a card before a phone, a mainland mobile before an international number.
RULES: tuple[_Rule, ...] = (
    _Rule("password", URL_PASSWORD, lambda m: f"{m.group(1)}***{m.group(3)}", _contains("://")),
    _Rule("email", EMAIL, _mask_email, _AT),
    _Rule("name", ZH_NAME, _mask_zh_name, _ZH_NAME_HINT),
    _Rule("name", EN_NAME, _mask_en_name, _EN_NAME_HINT),
    _Rule("address", ZH_ADDRESS_LABELLED, lambda m: f"{m.group(1)}[地址]", _ZH_ADDRESS_HINT),
    _Rule("address", EN_ADDRESS_LABELLED, lambda m: f"{m.group(1)}[address]", _EN_ADDRESS_HINT),
    _Rule("address", ZH_ADDRESS, lambda m: "[地址]", _ZH_PLACE_HINT),
    _Rule("address", EN_ADDRESS, lambda m: "[address]", _EN_STREET_HINT),
    _Rule("id_number", ID_NUMBER, lambda m: f"{m.group(0)[:3]}{'*' * 11}{m.group(0)[-4:]}", _LONG_NUMBER),
    _Rule("card", CARD, _mask_card, _LONG_NUMBER),
    _Rule("phone", MOBILE_CN, _mask_mobile, _LONG_NUMBER),
    _Rule("phone", LANDLINE_CN, _mask_landline, _LONG_NUMBER),
    _Rule("phone", INTERNATIONAL, _mask_international, _LONG_NUMBER),
    _Rule("phone", NORTH_AMERICAN, _mask_north_american, _LONG_NUMBER),
)


def mask_name(name: str) -> str:
    """A string known to be a person's name (a store profile's): ``张*`` for Chinese (the first
    character kept), ``A*** W***`` for names written in words."""
    name = name.strip()
    if not name:
        return name
    if " " not in name and not name.isascii():
        return name[0] + "*" * (len(name) - 1)
    return " ".join(f"{word[0]}***" for word in name.split())


def _rules_for(text: str) -> list[_Rule]:
    """The rules whose hint `text` passes, each distinct hint searched once (masking only ever
    removes what a hint looks for)."""
    if not text:
        return []
    passed: dict[int, bool] = {}
    chosen = []
    for rule in RULES:
        key = id(rule.hint)
        if key not in passed:
            passed[key] = rule.hint(text)
        if passed[key]:
            chosen.append(rule)
    return chosen


def mask_pii(text: str) -> str:
    """`text` with phones, e-mail addresses, ID and card numbers, street addresses and labelled names
    masked; anything else as it was."""
    for rule in _rules_for(text):
        text = _apply(rule, text)
    return text


def find_pii(text: str) -> list[str]:
    """The kinds of personal data `text` holds, in the order the masker finds them (for reports)."""
    kinds: list[str] = []
    for rule in _rules_for(text):
        masked = _apply(rule, text)
        if masked != text:
            kinds.append(rule.kind)
            text = masked
    return kinds


def _apply(rule: _Rule, text: str) -> str:
    def replace(m: re.Match[str]) -> str:
        masked = rule.replace(m)
        return m.group(0) if masked is None else masked

    return rule.pattern.sub(replace, text)
