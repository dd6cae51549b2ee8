"""A searcher that follows the saved index and the knowledge files: when another process rebuilds
the index (`kefu kb build`, a retrain from the trainer's page) or a file changes (the knowledge page,
a hand edit), the next search reopens them, without a restart.

Checking costs a `stat` of the manifest and of each knowledge file, at most once per
`check_seconds`; the manifest is the last file a save writes, so a changed manifest means a whole
new index. The files are watched too because an edit of an answer, a date or `archived` changes
no phrasing, so no index is saved for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kb_index.encoder import Encoder
from kb_index.errors import KnowledgeError
from kb_index.index import MANIFEST_FILE
from kb_index.knowledge import knowledge_stamp
from kb_index.search import DEFAULT_HYBRID_WEIGHT, KnowledgeSearcher

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None


def manifest_stamp(index_dir: Path) -> Stamp:
    try:
        stat = (index_dir / MANIFEST_FILE).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class LiveSearcher:
    def __init__(
        self,
        knowledge_dir: Path,
        index_dir: Path,
        encoder: Callable[[], Encoder],
        threshold: float,
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        check_seconds: float = 1.0,
    ) -> None:
        """`encoder` is called once, on the first search: loading a model is no work for import time."""
        self._knowledge_dir = knowledge_dir
        self._index_dir = index_dir
        self._load_encoder = encoder
        self._encoder: Encoder | None = None
        self._threshold = threshold
        self._hybrid_weight = hybrid_weight
        self._check_seconds = check_seconds
        self._searcher: KnowledgeSearcher | None = None
        self._stamp: tuple[Stamp, tuple] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> KnowledgeSearcher:
        """The searcher over the newest saved index; raises KnowledgeError if there is none yet."""
        searcher = self._searcher
        if searcher is not None and time.monotonic() - self._checked < self._check_seconds:
            return searcher
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._stamp_now()
            if self._searcher is not None and stamp == self._stamp:
                return self._searcher
            try:
                self._searcher = self._open()
            except KnowledgeError as exc:
                if self._searcher is None:
                    raise
                self._stamp = stamp  # not retried until the index changes again
                log.warning("kb.index.reload_failed", extra={"error": str(exc)})
                return self._searcher
            # Opening may have saved the index itself (the files changed): remember the result.
            self._stamp = self._stamp_now()
            return self._searcher

    def _stamp_now(self) -> tuple[Stamp, tuple]:
        return manifest_stamp(self._index_dir), knowledge_stamp(self._knowledge_dir)

    def _open(self) -> KnowledgeSearcher:
        if self._encoder is None:
            self._encoder = self._load_encoder()
        reloading = self._searcher is not None
        searcher, _ = KnowledgeSearcher.open(
            self._knowledge_dir, self._index_dir, self._encoder, self._threshold, hybrid_weight=self._hybrid_weight
        )
        if reloading:
            log.info("kb.index.reloaded", extra={"entries": len(searcher.entries)})
        return searcher
