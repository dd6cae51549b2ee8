"""One encoding per shopper message, although two parts of the action server need its vector."""

from __future__ import annotations

import numpy as np

from kb_index.encoder import CachedEncoder


class CountingEncoder:
    name = "counting"
    dimension = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_the_same_message_is_encoded_once() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner)
    first = encoder.encode(["什么时候发货"])
    second = encoder.encode(["什么时候发货"])
    assert inner.calls == [["什么时候发货"]]
    np.testing.assert_array_equal(first, second)
    second[0, 0] = 99  # a caller changing its copy does not change what others get
    assert encoder.encode(["什么时候发货"])[0, 0] == 6


def test_oldest_message_is_forgotten_and_batches_pass_through() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner, size=2)
    for text in ("a", "bb", "ccc", "a"):
        encoder.encode([text])
    assert [c[0] for c in inner.calls] == ["a", "bb", "ccc", "a"]
    encoder.encode(["x", "y"])
    encoder.encode(["x", "y"])
    assert inner.calls[-2:] == [["x", "y"], ["x", "y"]]
    assert (encoder.name, encoder.dimension) == ("counting", 3)


def test_a_vector_computed_elsewhere_is_used_instead_of_encoding_again() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner)
    encoder.remember("什么时候发货", np.array([7.0, 0.0, 1.0], dtype=np.float32))
    np.testing.assert_array_equal(encoder.encode(["什么时候发货"]), [[7.0, 0.0, 1.0]])
    assert inner.calls == []


def test_it_says_which_texts_it_knows() -> None:
    encoder = CachedEncoder(CountingEncoder())
    encoder.encode(["退货地址"])
    assert encoder.knows("退货地址") and not encoder.knows("换货地址")
