"""The reply library (#19): replies in Chinese and English and in three tones — warm (亲切),
professional (专业), brief (简洁) — with placeholders filled from the customer and order, searched
by keyword from the reply box ("/"), managed by supervisors (create, edit, archive), and a tone
suggested for each chat from how the shopper writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest, NotFound
from handoff_service.core.models import (
    Agent,
    AuditEntry,
    ReplyTemplate,
    iso_utc,
    utcnow,
)
from handoff_service.desk.suggestions import fill

TONES = ("warm", "professional", "brief")
SEED = Path(__file__).resolve().parent.parent / "reply_library.yml"

# How a shopper writes, as markers of the tone that answers them best.
_WARM = re.compile(r"亲|呀|哦|啦|嘛|哈|~|～|！|!|😊|😄|❤|🥰|谢谢啦|thanks so much|love|lol|:\)", re.IGNORECASE)
_FORMAL = re.compile(r"您好|请问|麻烦|贵司|贵店|发票|合同|单位|公司|报销|\bdear\b|could you|would you|kindly|regards|\bplease\b|invoice",
                     re.IGNORECASE)


def suggest_tone(shopper_texts: list[str]) -> dict[str, str]:
    """The tone to answer this shopper in, and why: many friendly particles and exclamations → warm;
    polite forms and business words → professional; short bare messages → brief."""
    texts = [t for t in shopper_texts if t.strip()][-6:]
    if not texts:
        return {"tone": "professional", "why": "no_messages"}
    warm = sum(len(_WARM.findall(t)) for t in texts)
    formal = sum(len(_FORMAL.findall(t)) for t in texts)
    average = sum(len(t.strip()) for t in texts) / len(texts)
    if warm > formal and warm >= 2:
        return {"tone": "warm", "why": "friendly_style"}
    if formal > 0 and formal >= warm:
        return {"tone": "professional", "why": "formal_style"}
    if average <= 8:
        return {"tone": "brief", "why": "short_messages"}
    return {"tone": "professional", "why": "default"}


def template_public(t: ReplyTemplate) -> dict[str, Any]:
    return {"id": t.id, "title": t.title, "tone": t.tone, "zh": t.text_zh, "en": t.text_en, "tags": t.tags,
            "archived": t.archived, "updated_at": iso_utc(t.updated_at)}


class ReplyLibrary:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], seed_path: Path = SEED) -> None:
        self._sessions = sessions
        self._seed_path = seed_path

    async def ensure_seeded(self) -> int:
        """Fill an empty library from the seed file (once: supervisors own it afterwards)."""
        async with self._sessions() as session:
            if await session.scalar(select(func.count()).select_from(ReplyTemplate)):
                return 0
            entries = yaml.safe_load(self._seed_path.read_text(encoding="utf-8")) or []
            for e in entries:
                session.add(ReplyTemplate(title=e["title"], tone=e["tone"], text_zh=e.get("zh", ""), text_en=e.get("en", ""),
                                          tags=list(e.get("tags", []))))
            await session.commit()
        return len(entries)

    async def search(self, query: str, lang: str, values: dict[str, str], tone: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Live replies matching every word of `query` (title, tags or text), filled for this chat;
        those whose placeholders cannot be filled are left out."""
        words = [w.lower() for w in query.split() if w.strip()]
        async with self._sessions() as session:
            q = select(ReplyTemplate).where(ReplyTemplate.archived.is_(False)).order_by(ReplyTemplate.title, ReplyTemplate.id)
            if tone:
                q = q.where(ReplyTemplate.tone == tone)
            rows = (await session.scalars(q)).all()
        out = []
        for t in rows:
            hay = " ".join([t.title, *t.tags, t.text_zh, t.text_en]).lower()
            if not all(w in hay for w in words):
                continue
            template = (t.text_en if lang == "en" else t.text_zh) or t.text_zh or t.text_en
            text = fill(template, values)
            if text is None:
                continue
            out.append({"id": t.id, "title": t.title, "tone": t.tone, "text": text})
            if len(out) >= limit:
                break
        return out

    async def all(self, include_archived: bool = True) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            q = select(ReplyTemplate).order_by(ReplyTemplate.archived, ReplyTemplate.title, ReplyTemplate.tone)
            if not include_archived:
                q = q.where(ReplyTemplate.archived.is_(False))
            return [template_public(t) for t in (await session.scalars(q)).all()]

    @staticmethod
    def _check(title: str, tone: str, zh: str, en: str) -> None:
        if tone not in TONES:
            raise BadRequest(f"语气须为 {'/'.join(TONES)}。The tone must be one of {', '.join(TONES)}.")
        if not title.strip() or not (zh.strip() or en.strip()):
            raise BadRequest("请填写标题和至少一种语言的回复。Give a title and the reply in at least one language.")
        for text in (zh, en):
            try:
                text.format(**{k: "x" for k in ("name", "agent", "order_id", "order_status", "logistics")})
            except (KeyError, IndexError, ValueError) as exc:
                raise BadRequest(
                    f"占位符有误：{exc}。可用 {{name}} {{agent}} {{order_id}} {{order_status}} {{logistics}}。"
                    f"Unknown or broken placeholder: {exc}."
                ) from None

    async def save(self, supervisor: Agent, template_id: int | None, title: str, tone: str, zh: str, en: str,
                   tags: list[str]) -> dict[str, Any]:
        self._check(title, tone, zh, en)
        async with self._sessions() as session:
            if template_id is None:
                row = ReplyTemplate(title=title.strip(), tone=tone, text_zh=zh.strip(), text_en=en.strip(), tags=tags)
                session.add(row)
            else:
                row = await session.get(ReplyTemplate, template_id)
                if row is None:
                    raise NotFound(f"no reply {template_id}")
                row.title, row.tone, row.text_zh, row.text_en, row.tags = title.strip(), tone, zh.strip(), en.strip(), tags
            row.updated_by, row.updated_at = supervisor.id, utcnow()
            await session.flush()
            session.add(AuditEntry(agent_id=supervisor.id, action="reply.saved", detail={"reply_id": row.id, "title": row.title}))
            await session.commit()
            return template_public(row)

    async def archive(self, supervisor: Agent, template_id: int, archived: bool = True) -> dict[str, Any]:
        async with self._sessions() as session:
            row = await session.get(ReplyTemplate, template_id)
            if row is None:
                raise NotFound(f"no reply {template_id}")
            row.archived, row.updated_by, row.updated_at = archived, supervisor.id, utcnow()
            session.add(AuditEntry(agent_id=supervisor.id, action="reply.archived" if archived else "reply.restored",
                                   detail={"reply_id": row.id}))
            await session.commit()
            return template_public(row)
