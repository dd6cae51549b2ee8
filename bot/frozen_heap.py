"""Freezes the Rasa server's start-up heap once its model is loaded: a Rasa input channel (Rasa's
documented custom-connector extension point, named in bot/credentials.yml) that serves no
messages and only adds a server-start listener.

Why: Rasa with a loaded model (TensorFlow, the pipeline's components) is ~500,000 Python objects
that the garbage collector's full passes walk again and again: under load a stall of ~0.3 s every
few seconds, which every turn in flight waits out (BENCHMARKS.md, "Speed of a turn"). Frozen
(`gc.freeze`, public Python), full passes only walk what the conversations allocate.

Rasa loads the model in its own `before_server_start` listener, so by `after_server_start` it is
loaded. A model switched later (`PUT /model`) is not frozen again.
"""

from __future__ import annotations

import gc
import logging
from asyncio import AbstractEventLoop
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic

logger = logging.getLogger(__name__)


async def freeze_heap(app: Sanic, loop: AbstractEventLoop) -> None:
    """What exists once the model is loaded lives as long as the server: the collector stops walking it."""
    gc.collect()
    gc.freeze()
    logger.setLevel(logging.getLogger("rasa").level)  # the level `rasa run` was given (--quiet, --debug, LOG_LEVEL)
    logger.info("kefu.heap.frozen objects=%d", gc.get_freeze_count())


class FrozenHeapChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "kefu_frozen_heap"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("kefu_frozen_heap")
        blueprint.after_server_start(freeze_heap)
        return blueprint
