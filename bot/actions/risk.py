"""High-risk messages a bot must never handle alone: payment disputes, fraud, safety.

A lexicon, not a model: these are rare, costly and phrased in few ways, so every pattern is
readable and reviewed. A match escalates at once with priority `urgent`.
"""

from __future__ import annotations

import re
from functools import cache

RISKS: dict[str, list[str]] = {
    "payment_dispute": [
        r"扣了两次|扣了2次|重复扣款|多扣|扣款.{0,4}(两次|多次)|付了钱.{0,8}(未付款|没付款|待付款)|钱扣了.{0,8}(没|未)|退款.{0,4}(被|让)?(拒付|拒绝)后|拒付|信用卡.{0,6}(争议|被扣)",
        r"\b(charged twice|double[- ]charged|charged me twice|duplicate charge|unauthori[sz]ed (charge|payment|transaction)|chargeback|payment dispute|paid but (the )?order (says|shows) unpaid)\b",
    ],
    "fraud": [
        r"盗刷|被盗号|账号被盗|冒充.{0,4}客服|假客服|让我转账|要我转账|刷单|钓鱼(链接|网站)|验证码.{0,6}(给|发)(了)?(他|对方)|诈骗电话",
        r"\b(account (was )?hacked|hacked my account|stolen card|someone used my card|phishing|fake (customer service|agent)|pretend(ing|ed) to be (your|customer)|asked me to (transfer|send) money|scam call)\b",
    ],
    "safety": [
        r"过敏了|过敏反应|起了?过敏|用了.{0,8}过敏|烂脸|起火|着火|爆炸|冒烟|烫伤|烧伤|受伤|划伤|割伤|中毒|触电|漏电|窒息|误食|误吞|送医|住院",
        r"\b(allergic reaction|i'?m allergic|broke out in (a )?rash|caught fire|on fire|explod\w*|smok(e|ing) came|burn(ed|t) (me|my)|injur\w*|poison\w*|electric shock|chok(e|ing)|swallowed|hospital)\b",
    ],
}



@cache
def _compiled() -> dict[str, list[re.Pattern[str]]]:
    """The patterns, compiled on first use (nothing happens at import)."""
    return {kind: [re.compile(p, re.IGNORECASE) for p in patterns] for kind, patterns in RISKS.items()}


def high_risk(text: str) -> str | None:
    """The kind of risk the message raises (payment_dispute, fraud, safety), or None."""
    if text.startswith("/"):  # a button payload
        return None
    for kind, patterns in _compiled().items():
        if any(p.search(text) for p in patterns):
            return kind
    return None
