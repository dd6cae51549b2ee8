"""E-mail templates in Chinese and English: the subject line, a plain-text body and a simple HTML
body around what the sender wants to say, with the shop's name and a link back to the store."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class EmailTemplate:
    subject: str  # {shop} {title}
    intro: str
    choices_intro: str  # shown above the list of choices, {link}
    footer: str  # {shop} {unsubscribe}


TEMPLATES: dict[str, EmailTemplate] = {
    "zh": EmailTemplate(
        subject="【{shop}】{title}",
        intro="",
        choices_intro="您可以在店铺的在线客服里一键选择（{link}）：",
        footer="—— {shop} 客服\n不想再收到此类提醒？{unsubscribe}",
    ),
    "en": EmailTemplate(
        subject="[{shop}] {title}",
        intro="",
        choices_intro="Choose with one click in the chat on our store ({link}):",
        footer="— {shop} customer service\nDon't want these updates? {unsubscribe}",
    ),
}
UNSUBSCRIBE = {"zh": "在店铺的在线客服里告诉我们，客服会为您关闭。", "en": "Tell us in the chat on our store and we will switch them off."}


def render_email(
    lang: str, shop: str, title: str, text: str, choices: list[str], link: str
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one message."""
    template = TEMPLATES["en" if lang == "en" else "zh"]
    unsubscribe = UNSUBSCRIBE["en" if lang == "en" else "zh"]
    subject = template.subject.format(shop=shop, title=title)
    lines = [text]
    if choices:
        lines += ["", template.choices_intro.format(link=link), *(f"  · {c}" for c in choices)]
    lines += ["", template.footer.format(shop=shop, unsubscribe=unsubscribe)]
    plain = "\n".join(lines)
    items = "".join(f"<li>{html.escape(c)}</li>" for c in choices)
    choices_html = (
        f'<p>{html.escape(template.choices_intro.format(link=link))}</p><ul>{items}</ul>'
        if choices
        else ""
    )
    footer = html.escape(template.footer.format(shop=shop, unsubscribe=unsubscribe)).replace("\n", "<br>")
    body = (
        f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><body style="font-family:sans-serif;line-height:1.6">'
        f"<p>{html.escape(text)}</p>{choices_html}<p style=\"color:#666;font-size:12px\">{footer}</p></body></html>"
    )
    return subject, plain, body
