"""Pictures on knowledge entries (#20): a trainer's upload goes through the same checks as a chat
photo (type read from the content, size limit, re-encoded by Pillow so no EXIF or GPS survives;
core/attachments.py) and into the same storage, under a name made from its content. Unlike a chat
photo a knowledge picture is public: the widget shows it to every shopper, so it is served without
a token and cached for good (a new picture gets a new name)."""

from __future__ import annotations

import asyncio
import hashlib
import re

from handoff_service.core.attachments import clean_image
from handoff_service.core.errors import NotFound
from handoff_service.core.storage import AttachmentStorage

PUBLIC_PREFIX = "/kb-images/"
NAME = re.compile(r"^([0-9a-f]{40})\.(jpg|png)$")
TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class KnowledgeImages:
    def __init__(self, storage: AttachmentStorage, max_bytes: int, max_pixels: int, max_side: int) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        self._max_pixels = max_pixels
        self._max_side = max_side

    async def store(self, data: bytes) -> str:
        """Clean and keep one upload; returns the path the entry's `image:` key names."""
        image = await asyncio.to_thread(clean_image, data, self.max_bytes, self._max_pixels, self._max_side)
        digest = hashlib.sha256(image.data).hexdigest()[:40]
        ext = "png" if image.content_type == "image/png" else "jpg"
        await asyncio.to_thread(self.storage.put, f"knowledge/{digest}-{ext}", image.data, image.content_type)
        return f"{PUBLIC_PREFIX}{digest}.{ext}"

    async def read(self, name: str) -> tuple[bytes, str]:
        found = NAME.match(name)
        if found is None:
            raise NotFound("没有这张图片。No such knowledge image.")
        digest, ext = found.groups()
        return await asyncio.to_thread(self.storage.get, f"knowledge/{digest}-{ext}"), TYPES[ext]
