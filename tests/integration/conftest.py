"""The integration tests' fixtures (`test_model`, `kefu_system`) live in tests/system.py, a plugin loaded by
tests/conftest.py, so the browser tests share the same running system within one session."""

from __future__ import annotations

from tests.system import RunningKefu

__all__ = ["RunningKefu"]
