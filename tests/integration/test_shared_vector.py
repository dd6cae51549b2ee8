"""The vector the real Rasa server sends along with a shopper message is the one the action
server's knowledge encoder would compute itself, so reusing it changes no answer."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from kefu_contract.vector import KEY, unpack
from tests.integration.conftest import RunningKefu

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("text", ["亲，我昨天买的裙子什么时候发货呀😊", "my order O20261111002 hasn't arrived"])
def test_rasa_sends_the_vector_the_knowledge_encoder_computes(
    kefu_system: RunningKefu, http: httpx.Client, encoder: object, text: str
) -> None:
    parsed = http.post(f"{kefu_system.rasa_url}/model/parse", json={"text": text}, params={"token": kefu_system.rasa_token}).json()
    sent = unpack(parsed[KEY])
    assert sent is not None
    np.testing.assert_allclose(sent, encoder.encode([text])[0], atol=1e-6)
