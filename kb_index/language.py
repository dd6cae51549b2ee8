"""Which of kefu's two languages a message is in."""

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str, default: str = "zh") -> str:
    """`zh` if the text has any Chinese character, `en` if it has Latin letters, else `default`.

    Shoppers mix languages ("这个有XL吗"); any Chinese means they read Chinese.
    """
    if _CJK.search(text):
        return "zh"
    if re.search(r"[A-Za-z]", text):
        return "en"
    return default
