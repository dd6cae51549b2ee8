"""Where chat photos are kept (#19): a local folder by default, S3-compatible object storage
(AWS S3, MinIO, Ceph, …) when a bucket is configured. Both are plain synchronous calls; the
service runs them in a thread."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

from handoff_service.core.errors import NotFound

KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,64}$")


class AttachmentStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The stored bytes; NotFound if nothing is stored under `key`."""
        ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    """Keys are made by the service (`<conversation>/<uuid>`); anything else is a bug, never a path."""
    if not KEY.match(key):
        raise ValueError(f"not an attachment key: {key!r}")
    return key


class LocalFolderStorage:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.folder / _checked(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # never half a file under the key

    def get(self, key: str) -> bytes:
        try:
            return (self.folder / _checked(key)).read_bytes()
        except FileNotFoundError:
            raise NotFound("图片已不存在。The photo is no longer stored.") from None

    def delete(self, key: str) -> None:
        (self.folder / _checked(key)).unlink(missing_ok=True)


class S3Storage:
    """One bucket of an S3-compatible service through boto3; `endpoint_url` for non-AWS ones."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "kefu/",
    ) -> None:
        import boto3  # 0.3 s to import: only when S3 is configured

        self.bucket = bucket
        self.prefix = prefix
        self._client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        )  # fmt: skip

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self.prefix + _checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
        except self._client.exceptions.NoSuchKey:
            raise NotFound("图片已不存在。The photo is no longer stored.") from None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
