"""The shopper message's USE v3 vector, handed from the Rasa server to the action server.

Why: Rasa's featurizer (bot/components/use_featurizer.py) encodes every message with USE v3, and
the action server needs the same vector for the upset detector and the knowledge search. Sent
along in the message's parse data, it is encoded once per turn instead of once per process
(≈ 3 ms of CPU a turn). Plain numpy and base64, so both Python environments read it alike.

The Rasa server (Python 3.10, pydantic v1) imports this module: it must import nothing but the
standard library and numpy (tests/unit/test_shared_vector.py checks)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

KEY = "kefu_use_v3"  # in Rasa's parse data of a user message
DIMENSION = 512


def pack(vector: np.ndarray) -> str:
    """Little-endian float32, base64: exact, and one JSON string instead of 512 numbers."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def unpack(packed: Any) -> np.ndarray | None:  # noqa: ANN401 - whatever the tracker holds
    """The vector, or None when `packed` is not one (the action server then encodes itself)."""
    if not isinstance(packed, str):
        return None
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != DIMENSION * 4:
        return None
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return vector if np.isfinite(vector).all() else None
