"""The action server's heavy dependencies, built once on first use (never at import)."""

from __future__ import annotations

import gc
import threading
from functools import cached_property
from typing import Any

from bot.actions.handoff_client import HandoffClient
from bot.actions.settings import ActionSettings
from bot.actions.upset import UpsetDetector
from kb_index.encoder import DEFAULT_MODEL, CachedEncoder, load_encoder
from kb_index.live import LiveSearcher
from kb_index.search import KnowledgeSearcher
from kb_index.settings import KbSettings
from kefu_contract.vector import KEY as SHARED_VECTOR
from kefu_contract.vector import unpack
from store.client import StoreClient
from store.demo import DemoStore
from store.http import HttpStore


class Resources:
    def __init__(self, settings: ActionSettings, kb: KbSettings) -> None:
        self.settings = settings
        self.kb = kb
        self._lock = threading.Lock()

    @cached_property
    def _knowledge(self) -> LiveSearcher:
        return LiveSearcher(
            self.kb.knowledge_dir,
            self.kb.index_dir,
            lambda: self.encoder,
            self.kb.threshold,
            hybrid_weight=self.kb.hybrid_weight,
        )

    @cached_property
    def encoder(self) -> CachedEncoder:
        return CachedEncoder(load_encoder(self.kb.model))

    def reuse_rasa_vector(self, message: dict[str, Any]) -> None:
        """Rasa's featurizer sends the message's USE v3 vector along (kefu_contract/vector.py): when the
        knowledge base encodes with the same model, the upset detector and the search use it."""
        vector = unpack(message.get(SHARED_VECTOR))
        text = message.get("text")
        if vector is not None and isinstance(text, str) and self.kb.model == DEFAULT_MODEL:
            self.encoder.remember(text, vector)

    @property
    def searcher(self) -> KnowledgeSearcher:
        """The knowledge base as last indexed: a rebuild (`kefu kb build`, a retrain) is picked up
        within a second, without restarting the action server."""
        with self._lock:
            live = self._knowledge
        return live.current()

    @cached_property
    def store(self) -> StoreClient:
        """A real store's API when KEFU_STORE_URL is set, else the seeded demo store."""
        if self.settings.store_url:
            token = self.settings.store_token.get_secret_value() if self.settings.store_token else None
            return HttpStore(self.settings.store_url, token)
        return DemoStore(self.settings.store_path)

    @cached_property
    def handoff(self) -> HandoffClient:
        return HandoffClient(
            self.settings.handoff_url, self.settings.handoff_secret.get_secret_value(), self.settings.handoff_retries
        )

    @cached_property
    def upset(self) -> UpsetDetector:
        """Shares the knowledge base's encoder when it is the one the upset model was fitted with
        (USE v3, whose vectors are unit length either way): one encoding per turn instead of two."""
        if self.kb.model == DEFAULT_MODEL:
            return UpsetDetector(embed=lambda: self.encoder.encode)
        return UpsetDetector()


_resources: Resources | None = None
_settled = False


def resources() -> Resources:
    global _resources
    if _resources is None:
        _resources = Resources(ActionSettings(), KbSettings())
    return _resources


def settle() -> None:
    """Once per process, after a first turn has loaded the models, the index and jieba's dictionary:
    freeze them, so the garbage collector's full passes skip those objects (passes of 60-330 ms
    stalled every turn in flight under load, longer as the heap grew; BENCHMARKS.md)."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
