"""The action server freezes what its first turn loaded, once per process (see resources.settle)."""

from __future__ import annotations

import gc

import pytest

from bot.actions import resources as resources_module


def test_the_first_turn_freezes_what_is_loaded_and_later_turns_do_not_collect_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resources_module, "_settled", False)
    before = gc.get_freeze_count()
    resources_module.settle()
    frozen = gc.get_freeze_count()
    assert frozen > before
    kept = [{"n": n} for n in range(1000)]  # what later turns allocate stays collectable
    resources_module.settle()
    # Not frozen again (frozen objects that other threads let go of may still leave the count).
    assert gc.get_freeze_count() <= frozen and len(kept) == 1000
