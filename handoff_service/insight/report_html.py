"""The weekly report as one self-contained HTML file: inline CSS and SVG charts drawn here (no
script, nothing fetched), every text from shoppers escaped, in Chinese or English."""

from __future__ import annotations

import html
from typing import Any

WEEKDAYS = {"zh": "一二三四五六日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
WORDS = {
    "zh": {"title": "每周顾客之声", "demo": "演示数据：本周有 {n} 个对话来自 kefu demo --seed-history。", "figures": "本周数据",
           "topics": "顾客在问什么、抱怨什么", "size": "对话", "last": "上周", "keywords": "关键词", "products": "商品",
           "categories": "品类", "carriers": "快递", "places": "地点", "quotes": "原话（已隐去个人信息）", "reasons": "转人工原因",
           "gaps": "知识缺口（机器人答不上来）", "peaks": "高峰时段", "chats": "对话数", "containment": "机器人独立解决",
           "csat": "满意度 (4–5 星)", "fcr": "首次接触解决", "frt": "首次响应 p50 / p90", "nps": "NPS", "conversion": "24 小时转化",
           "returns_avoided": "挽回的退货", "none": "无", "chart_topics": "话题对话量：本周与上周", "chart_reasons": "转人工原因"},
    "en": {"title": "Weekly voice of the customer", "demo": "Demo data: {n} chats this week come from kefu demo --seed-history.",
           "figures": "This week", "topics": "What shoppers asked and complained about", "size": "chats", "last": "last week",
           "keywords": "Keywords", "products": "Products", "categories": "Categories", "carriers": "Carriers", "places": "Places",
           "quotes": "In their words (personal data masked)", "reasons": "Escalation reasons", "gaps": "Knowledge gaps (the bot could not answer)",
           "peaks": "Peak hours", "chats": "Chats", "containment": "Contained by the bot", "csat": "CSAT (4–5 stars)",
           "fcr": "First-contact resolution", "frt": "First response p50 / p90", "nps": "NPS", "conversion": "Orders within 24 h",
           "returns_avoided": "Returns avoided", "none": "none", "chart_topics": "Chats per topic: this week and last",
           "chart_reasons": "Escalation reasons"},
}  # fmt: skip
CSS = """body{font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1d2433;margin:0;background:#f6f7fb}
main{max-width:1000px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:28px 0 10px;font-size:18px}
.demo{background:#fff4de;color:#8a5a0c;padding:8px 12px;border-radius:8px;font-weight:600}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.kpi{background:#fff;border:1px solid #e6e8ef;border-radius:10px;padding:10px 12px}.kpi b{display:block;font-size:20px}
.kpi span{color:#6b7280;font-size:12.5px}.topic{background:#fff;border:1px solid #e6e8ef;border-radius:10px;padding:12px 14px;margin-bottom:10px}
.topic h3{margin:0 0 6px;font-size:16px}.chip{display:inline-block;background:#eef0fb;color:#3d47b8;border-radius:10px;padding:0 8px;margin:0 4px 4px 0;font-size:12.5px}
.facts{color:#4b5563;font-size:13px}blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid #c7ccf3;background:#fafbff;white-space:pre-wrap}
figure{margin:14px 0 0;background:#fff;border:1px solid #e6e8ef;border-radius:10px;padding:10px}figcaption{font-weight:700;margin-bottom:6px}
table{border-collapse:collapse;background:#fff;width:100%}td,th{border-bottom:1px solid #eef0f4;padding:6px 10px;text-align:left}
.up{color:#a3202c}.down{color:#17613f}"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _secs(value: float | None) -> str:
    return "–" if value is None else (f"{value:.0f}s" if value < 120 else f"{value / 60:.1f}m")


def bar_chart(rows: list[tuple[str, float, float | None]], caption: str, test_id: str) -> str:
    """Horizontal bars (this week, and last week as a thin grey bar when given), as inline SVG."""
    if not rows:
        return ""
    top = max(max(a, b or 0) for _, a, b in rows) or 1
    height, label_w, width = 26 * len(rows) + 10, 190, 760
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(caption)}" data-testid="{test_id}" '
            f'viewBox="0 0 {width} {height}" width="100%">'
        )
    ]
    for n, (name, value, before) in enumerate(rows):
        y = 6 + 26 * n
        w = (width - label_w - 60) * value / top
        parts.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" font-size="12">{_e(name[:28])}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="14" rx="3" fill="#4f5bd5"/>')
        if before is not None:
            wb = (width - label_w - 60) * before / top
            parts.append(f'<rect x="{label_w}" y="{y + 16}" width="{wb:.1f}" height="4" rx="2" fill="#b8bdd0"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 12}" font-size="12">{value:g}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{_e(caption)}</figcaption>{''.join(parts)}</figure>"


def render(report: dict[str, Any], lang: str = "zh") -> str:
    w = WORDS["en" if lang == "en" else "zh"]
    figs = report["figures"]
    days = WEEKDAYS["en" if lang == "en" else "zh"]
    kpis = [
        (w["chats"], figs["conversations"]), (w["containment"], _pct(figs["containment"])), (w["csat"], _pct(figs["csat"]["satisfied"])),
        (w["fcr"], _pct(figs["first_contact_resolution"])),
        (w["frt"], f"{_secs(figs['first_response_seconds']['p50'])} / {_secs(figs['first_response_seconds']['p90'])}"),
        (w["nps"], "–" if figs["nps"]["nps"] is None else figs["nps"]["nps"]), (w["conversion"], _pct(figs["conversion"]["rate"])),
        (w["returns_avoided"], f"{figs['returns']['avoided']} / {figs['returns']['started']}"),
    ]  # fmt: skip
    out = [f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">',
           f"<title>{_e(w['title'])} {_e(report['week'])}</title><style>{CSS}</style></head><body><main>",
           f"<h1>{_e(w['title'])} · {_e(report['week'])}</h1><p>{_e(report['period']['from'])} – {_e(report['period']['to'])} ({_e(report['period']['timezone'])})</p>"]  # fmt: skip
    if report["demo_conversations"]:
        out.append(f'<p class="demo" data-testid="demo-flag">{_e(w["demo"].format(n=report["demo_conversations"]))}</p>')
    out.append(f"<h2>{_e(w['figures'])}</h2><div class='kpis'>")
    out += [f"<div class='kpi'><span>{_e(name)}</span><b>{_e(value)}</b></div>" for name, value in kpis]
    out.append("</div>")
    topics = report["topics"]
    out.append(bar_chart([(t["label"], t["size"], t["last_week"]) for t in topics], w["chart_topics"], "chart-topics"))
    out.append(f"<h2>{_e(w['topics'])}</h2>")
    for topic in topics:
        trend = "up" if topic["change"] > 0 else "down" if topic["change"] < 0 else ""
        out.append(f"<section class='topic' data-testid='topic'><h3>{_e(topic['label'])} <small>{topic['size']} {_e(w['size'])}, "
                   f"<span class='{trend}'>{topic['change']:+d}</span> {_e(w['last'])} {topic['last_week']}</small></h3>")  # fmt: skip
        out.append("<div>" + "".join(f"<span class='chip'>{_e(k)}</span>" for k in topic["keywords"]) + "</div>")
        facts = [(w[key], ", ".join(f"{name} ({n})" for name, n in topic[key])) for key in ("products", "categories", "carriers", "places") if topic[key]]
        out += [f"<div class='facts'><b>{_e(name)}:</b> {_e(value)}</div>" for name, value in facts]
        out += [f"<blockquote>{_e(q)}</blockquote>" for q in topic["quotes"]]
        out.append("</section>")
    reasons = report["escalation_reasons"]
    out.append(bar_chart([(r, n, None) for r, n in reasons.items()], w["chart_reasons"], "chart-reasons"))
    out.append(f"<h2>{_e(w['gaps'])}</h2><table>")
    out += [f"<tr><td>{_e(g['text'])}</td><td>{g['count']}</td></tr>" for g in report["knowledge_gaps"]] or [f"<tr><td>{_e(w['none'])}</td></tr>"]
    out.append(f"</table><h2>{_e(w['peaks'])}</h2><table>")
    out += [f"<tr><td>{_e(days[p['weekday']])} {p['hour']}:00</td><td>{p['chats']}</td></tr>" for p in report["peak_hours"]]
    out.append("</table></main></body></html>")
    return "\n".join(out)
