"""Photos in a chat (#19): what a shopper or an agent sends is checked by its content (never its
name), limited in size, re-encoded by Pillow so no EXIF (camera, GPS location) or trailing bytes
survive, and kept behind a storage interface (storage.py). Only the chat's shopper and the desk
may read it back: the routes check who asks, this module only what the chat is."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest, NotFound, PayloadTooLarge
from handoff_service.core.events import record
from handoff_service.core.models import Attachment, Conversation
from handoff_service.core.storage import AttachmentStorage

# What a photo may be when it arrives (sniffed from its bytes); what is stored is JPEG or PNG.
ACCEPTED = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif"}
PILLOW_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


class UnsupportedFile(BadRequest):
    code = "unsupported_file"
    description = "the file is not a photo kefu accepts (JPEG, PNG, WebP or GIF), whatever its name says"


class FileTooLarge(PayloadTooLarge):
    code = "file_too_large"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes themselves announce (magic numbers), or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def refuse_type(found: str | None) -> UnsupportedFile:
    what = found or "unknown"
    return UnsupportedFile(
        f"只能发送图片（JPEG、PNG、WebP、GIF），这个文件的内容是 {what}。"
        f"Only photos (JPEG, PNG, WebP, GIF) can be sent; this file's content is {what}."
    )


def too_large(limit: int) -> FileTooLarge:
    mib = limit / 1_048_576
    return FileTooLarge(f"图片不能超过 {mib:g} MB，请压缩后再发。The photo is larger than {mib:g} MB; please send a smaller one.")


def clean_image(data: bytes, max_bytes: int, max_pixels: int, max_side: int) -> CleanImage:
    """Check and re-encode one upload. Orientation from EXIF is applied first, then the image is
    written anew from its pixels alone: EXIF, GPS, XMP, comments and anything appended are gone."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise refuse_type(None)
    found = sniff(data)
    if found not in ACCEPTED:
        raise refuse_type(found)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in PILLOW_FORMATS:
                raise refuse_type(found)
            if image.width * image.height > max_pixels:
                raise UnsupportedFile(
                    f"图片尺寸过大（{image.width}×{image.height}），请缩小后再发。"
                    f"The photo's dimensions ({image.width}×{image.height}) are too large."
                )
            if image.format in ("JPEG", "MPO"):
                # decode at the smallest DCT scale still at least max_side: a 12 MP photo decodes ~4x faster
                image.draft("RGB", (max_side, max_side))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise UnsupportedFile(
            f"图片已损坏或无法读取，请重新拍摄后再发。The photo is damaged or unreadable ({type(exc).__name__})."
        ) from None
    image.thumbnail((max_side, max_side))
    alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    return CleanImage(out.getvalue(), content_type, image.width, image.height)


def attachment_public(row: Attachment) -> dict[str, Any]:
    return {"id": row.id, "content_type": row.content_type, "width": row.width, "height": row.height, "size": row.size}


class Attachments:
    """Stores a chat's photos and the message event that shows each one."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        storage: AttachmentStorage,
        max_bytes: int,
        max_pixels: int = 40_000_000,
        max_side: int = 2048,
    ) -> None:
        self._sessions = sessions
        self.storage = storage
        self.max_bytes = max_bytes
        self._max_pixels = max_pixels
        self._max_side = max_side

    async def add(
        self,
        conversation_id: str,
        data: bytes,
        sender: str,
        caption: str = "",
        agent_id: int | None = None,
        agent_name: str | None = None,
        bot_reply: tuple[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Check, clean and store the photo, then append the message that shows it; returns the event."""
        image = await asyncio.to_thread(clean_image, data, self.max_bytes, self._max_pixels, self._max_side)
        attachment_id = uuid.uuid4().hex
        key = f"{conversation_id}/{attachment_id}"
        await asyncio.to_thread(self.storage.put, key, image.data, image.content_type)
        async with self._sessions() as session:
            row = Attachment(
                id=attachment_id, conversation_id=conversation_id, sender=sender, agent_id=agent_id,
                content_type=image.content_type, size=len(image.data), width=image.width, height=image.height,
                storage_key=key, sha256=hashlib.sha256(image.data).hexdigest(),
            )  # fmt: skip
            session.add(row)
            payload: dict[str, Any] = {"attachment": attachment_public(row)}
            if agent_name:
                payload["agent_name"] = agent_name
            event = await record(session, conversation_id, "message", sender, caption, payload)
            if bot_reply:  # the bot cannot look at photos: it says so at once, never silence
                await record(session, conversation_id, "message", "bot", bot_reply[0], bot_reply[1])
            await session.commit()
        return {"event": event, "attachment": payload["attachment"]}

    async def read(self, conversation_id: str, attachment_id: str) -> tuple[bytes, str]:
        """The stored bytes of one of this chat's photos (NotFound for another chat's)."""
        async with self._sessions() as session:
            row = await session.get(Attachment, attachment_id)
            if row is None or row.conversation_id != conversation_id:
                raise NotFound("没有这张图片。No such photo in this chat.")
            key, content_type = row.storage_key, row.content_type
        return await asyncio.to_thread(self.storage.get, key), content_type

    async def chat(self, conversation_id: str) -> Conversation:
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conv
