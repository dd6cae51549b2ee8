"""The weekly report by e-mail: the self-contained HTML as the message's HTML body with a short
text summary for mail readers that show no HTML, through the outbound channels (kefu_outbound);
and the schedule that sends last week's report once per week, whichever replica gets there first."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.core.models import ReportRun, utcnow
from handoff_service.insight.periods import Period
from handoff_service.insight.report_html import WORDS, render
from handoff_service.settings import Settings
from kefu_outbound import Channel, ChannelError, OutboundMessage, SmtpChannel

log = logging.getLogger(__name__)

WEEKLY = "weekly"
SUMMARY = {
    "zh": {"subject": "【{shop}】每周顾客之声 {week}", "period": "{first} 至 {last}（{tz}）", "topics": "本周话题",
           "topic": "  · {label}：{size} 个对话（上周 {last}）", "gaps": "知识缺口", "open": "完整报告（含图表）见本邮件的 HTML 版本。"},
    "en": {"subject": "[{shop}] Weekly voice of the customer {week}", "period": "{first} to {last} ({tz})", "topics": "This week's topics",
           "topic": "  · {label}: {size} chats (last week {last})", "gaps": "Knowledge gaps", "open": "The full report with its charts is the HTML version of this e-mail."},
}  # fmt: skip


def parse_recipients(value: str | Sequence[str] | None) -> list[str]:
    """'a@b.c, d@e.f' (or a list) as addresses; a word without '@' is refused, not silently dropped."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    addresses = [item.strip() for item in items if item.strip()]
    wrong = [a for a in addresses if "@" not in a or a.startswith("@") or a.endswith("@")]
    if wrong:
        raise ValueError(f"不是电子邮件地址 / not an e-mail address: {', '.join(wrong)}")
    return addresses


def email_channel(settings: Settings) -> SmtpChannel:
    """The SMTP channel of these settings; without KEFU_SMTP_HOST there is no e-mail to send with."""
    if not settings.smtp_host:
        raise ChannelError("没有配置发信服务器 KEFU_SMTP_HOST / no SMTP server configured (KEFU_SMTP_HOST)")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_username, password, settings.smtp_security)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def summary_text(report: dict[str, Any], lang: str = "zh") -> str:
    """The report's headline figures, topics and gaps as plain text (the e-mail's text part)."""
    lang = "en" if lang == "en" else "zh"
    words, say = WORDS[lang], SUMMARY[lang]
    figs, period = report["figures"], report["period"]
    frt = figs["first_response_seconds"]
    lines = [
        f"{words['title']} · {report['week']}",
        say["period"].format(first=period["from"], last=period["to"], tz=period["timezone"]),
        "",
        f"{words['chats']}: {figs['conversations']} ({words['last']} {report['previous']['conversations']})",
        f"{words['containment']}: {_pct(figs['containment'])}",
        f"{words['csat']}: {_pct(figs['csat']['satisfied'])}",
        f"{words['fcr']}: {_pct(figs['first_contact_resolution'])}",
        f"{words['frt']}: {'–' if frt['p50'] is None else round(frt['p50'])}s / {'–' if frt['p90'] is None else round(frt['p90'])}s",
        f"{words['nps']}: {'–' if figs['nps']['nps'] is None else figs['nps']['nps']}",
        f"{words['conversion']}: {_pct(figs['conversion']['rate'])}",
        f"{words['returns_avoided']}: {figs['returns']['avoided']} / {figs['returns']['started']}",
    ]
    if report["demo_conversations"]:
        lines += ["", words["demo"].format(n=report["demo_conversations"])]
    if report["topics"]:
        lines += ["", say["topics"]]
        lines += [say["topic"].format(label=t["label"], size=t["size"], last=t["last_week"]) for t in report["topics"]]
    if report["knowledge_gaps"]:
        lines += ["", say["gaps"]] + [f"  · {g['text']} ({g['count']})" for g in report["knowledge_gaps"][:5]]
    lines += ["", say["open"]]
    return "\n".join(lines)


def report_message(report: dict[str, Any], to: str, lang: str = "zh", shop: str = "kefu") -> OutboundMessage:
    lang = "en" if lang == "en" else "zh"
    return OutboundMessage(
        to=to,
        subject=SUMMARY[lang]["subject"].format(shop=shop, week=report["week"]),
        text=summary_text(report, lang),
        html=render(report, lang),
        lang=lang,
        data={"kind": "weekly_report", "week": report["week"]},
    )


async def send_report(
    channel: Channel, report: dict[str, Any], recipients: Sequence[str], lang: str = "zh", shop: str = "kefu",
    on_sent: Callable[[str], Awaitable[None]] | None = None,
) -> list[str]:
    """Send to each recipient in turn; a refusal stops the run (ChannelError) after `on_sent` has
    recorded who already has it."""
    ids = []
    for to in recipients:
        ids.append(await channel.send(report_message(report, to, lang, shop)))
        if on_sent:
            await on_sent(to)
    return ids


def due_week(now: dt.datetime, timezone: str, weekday: int, hour: int) -> Period:
    """The week whose report is due at `now`: last full week once this week's sending moment
    (ISO `weekday` 1-7 at `hour`, store's time) has come, else the week before it."""
    zone = Period(dt.date.today(), dt.date.today(), timezone).zone
    local = now.astimezone(zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    moment = dt.datetime.combine(monday + dt.timedelta(days=weekday - 1), dt.time(hour), zone)
    reference = local.date() if local >= moment else local.date() - dt.timedelta(days=7)
    return Period.last_full_week(reference, timezone)


class WeeklyMailer:
    """Last week's report to the configured recipients once per week: a row of `report_runs` per
    week (unique) is claimed before sending, so two replicas or a restart never send it twice; a
    claim whose sender died is taken over after `lease`."""

    def __init__(
        self,
        engine: AsyncEngine,
        make_report: Callable[[Period], Awaitable[dict[str, Any]]],
        channel: Channel,
        recipients: Sequence[str],
        timezone: str,
        weekday: int = 1,
        hour: int = 8,
        lang: str = "zh",
        shop: str = "kefu",
        lease: dt.timedelta = dt.timedelta(minutes=30),
    ) -> None:
        self._engine, self._make_report, self._channel = engine, make_report, channel
        self.recipients, self.timezone, self.weekday, self.hour = list(recipients), timezone, weekday, hour
        self.lang, self.shop, self.lease = lang, shop, lease

    async def _claim(self, week: str, now: dt.datetime) -> list[str] | None:
        """Who already has this week's report, if this replica may send it now; None if it may not."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(ReportRun).values(kind=WEEKLY, period=week, claimed_at=now, sent_to=[]))
            return []
        except IntegrityError:
            pass
        async with self._engine.begin() as conn:
            taken = await conn.execute(
                update(ReportRun)
                .where(ReportRun.kind == WEEKLY, ReportRun.period == week, ReportRun.sent_at.is_(None), ReportRun.claimed_at < now - self.lease)
                .values(claimed_at=now)
            )
            if taken.rowcount != 1:
                return None
            return list(await conn.scalar(select(ReportRun.sent_to).where(ReportRun.kind == WEEKLY, ReportRun.period == week)) or [])

    async def _mark(self, week: str, **values: Any) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(ReportRun).where(ReportRun.kind == WEEKLY, ReportRun.period == week).values(**values))

    async def run_once(self, now: dt.datetime | None = None) -> str | None:
        """Send the due week's report if nobody has; the week's name when this call sent it."""
        now = now or utcnow()
        period = due_week(now, self.timezone, self.weekday, self.hour)
        week = period.iso_week_name()
        already = await self._claim(week, now)
        if already is None:
            return None
        sent = list(already)

        async def on_sent(to: str) -> None:
            sent.append(to)
            await self._mark(week, sent_to=list(sent))

        try:
            report = await self._make_report(period)
            await send_report(self._channel, report, [r for r in self.recipients if r not in sent], self.lang, self.shop, on_sent)
        except Exception as exc:  # free the claim for the next pass (the loop logs and backs off)
            await self._mark(week, claimed_at=now - self.lease - dt.timedelta(seconds=1), last_error=repr(exc)[:500])
            raise
        await self._mark(week, sent_at=utcnow(), last_error=None)
        log.info("insight.weekly_report.sent", extra={"week": week, "recipients": len(sent)})
        return week


def weekly_mailer(
    settings: Settings, engine: AsyncEngine, make_report: Callable[[Period], Awaitable[dict[str, Any]]]
) -> WeeklyMailer | None:
    """The schedule these settings ask for (None when KEFU_REPORT_WEEKLY_TO is empty)."""
    recipients = parse_recipients(settings.report_weekly_to)
    if not recipients:
        return None
    return WeeklyMailer(
        engine, make_report, email_channel(settings), recipients, settings.store_timezone,
        settings.report_weekly_weekday, settings.report_weekly_hour, settings.report_weekly_lang, settings.shop_name,
    )  # fmt: skip


__all__ = ["ChannelError", "WeeklyMailer", "due_week", "email_channel", "weekly_mailer", "parse_recipients", "report_message", "send_report", "summary_text"]
